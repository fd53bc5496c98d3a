import Foundation
import BiebCore

/// Built branch calendars kept in memory, keyed by branch and the branch's
/// `calendar_version`. Every change to a calendar raises the version in the
/// same transaction, and readers read the current version from the
/// database, so a cached calendar is not used after a change — on this app
/// server or any other. The circulation desk and SIP2, scanning many copies
/// a second, use a calendar confirmed at the request's `ConfigVersion`
/// without reading the branch's version again (a calendar change raises
/// that number too): `calendar(_:timeZone:configVersion:)`.
public final class CalendarCache: @unchecked Sendable {
    private struct Entry {
        let version: Int
        let timeZone: String
        let calendar: BranchCalendar
        /// The organisation's `ConfigVersion` at which the version was last read (`confirm`).
        var configVersion: Int?
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
        entries[branchID] = Entry(version: version, timeZone: calendar.timeZone.identifier, calendar: calendar, configVersion: nil)
    }

    /// Notes that the cached calendar of a branch was read or checked after
    /// the organisation's `ConfigVersion` was `configVersion`.
    public func confirm(_ branchID: UUID, configVersion: Int) {
        lock.lock()
        defer { lock.unlock() }
        entries[branchID]?.configVersion = configVersion
    }

    /// The calendar confirmed at `configVersion`: nothing about the branch has changed since.
    public func calendar(_ branchID: UUID, timeZone: TimeZone, configVersion: Int) -> BranchCalendar? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[branchID], entry.timeZone == timeZone.identifier, entry.configVersion == configVersion else { return nil }
        return entry.calendar
    }

    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
