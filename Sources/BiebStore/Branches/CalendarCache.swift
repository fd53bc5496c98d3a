import Foundation
import BiebCore

/// Built branch calendars kept in memory, keyed by branch and the branch's
/// `calendar_version`. Every change to a calendar raises the version in the
/// same transaction, and readers always read the current version from the
/// database, so a cached calendar is never used after a change — on this app
/// server or any other.
public final class CalendarCache: @unchecked Sendable {
    private struct Entry {
        let version: Int
        let timeZone: String
        let calendar: BranchCalendar
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

    public func store(_ branchID: UUID, version: Int, calendar: BranchCalendar) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[branchID] = Entry(version: version, timeZone: calendar.timeZone.identifier, calendar: calendar)
    }

    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
