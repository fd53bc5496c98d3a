import Foundation
import BiebCore

/// Built branch calendars kept in memory, keyed by branch and the branch's
/// `calendar_version`. Every change to a calendar raises the version in the
/// same transaction, and readers read the current version from the
/// database, so a cached calendar is not used after a change — on this app
/// server or any other. (The circulation desk alone accepts a calendar
/// verified in the last two seconds: `calendar(_:timeZone:verifiedWithin:)`.)
public final class CalendarCache: @unchecked Sendable {
    private struct Entry {
        let version: Int
        let timeZone: String
        let calendar: BranchCalendar
        /// When the version was last read from the database.
        var verified: Date
    }

    private var entries: [UUID: Entry] = [:]
    private let lock = NSLock()
    /// More branches than this and the cache starts again (the Dutch network has about 1,270).
    private let capacity: Int

    public init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    public func calendar(_ branchID: UUID, version: Int, timeZone: TimeZone) -> BranchCalendar? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[branchID], entry.version == version, entry.timeZone == timeZone.identifier else { return nil }
        return entry.calendar
    }

    public func store(_ branchID: UUID, version: Int, calendar: BranchCalendar, verified: Date = Date()) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[branchID] = Entry(version: version, timeZone: calendar.timeZone.identifier, calendar: calendar, verified: verified)
    }

    /// Notes that the database still has `version` for a branch (the cached calendar is current).
    func verified(_ branchID: UUID, version: Int, at now: Date) {
        lock.lock()
        defer { lock.unlock() }
        if entries[branchID]?.version == version { entries[branchID]?.verified = now }
    }

    /// A calendar whose version was read from the database less than
    /// `maxAge` seconds ago — for callers that may be that much behind a
    /// change (the circulation desk, scanning many copies a second).
    public func calendar(_ branchID: UUID, timeZone: TimeZone, verifiedWithin maxAge: TimeInterval, now: Date = Date()) -> BranchCalendar? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[branchID], entry.timeZone == timeZone.identifier, now.timeIntervalSince(entry.verified) < maxAge else { return nil }
        return entry.calendar
    }

    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
