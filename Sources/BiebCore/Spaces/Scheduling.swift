import Foundation

/// A stretch of time [start, end): a booking, a session of an activity.
public struct TimeRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public let start: Date
    public let end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// Ranges that only touch (one ends when the other starts) do not overlap.
    public func overlaps(_ other: TimeRange) -> Bool { start < other.end && other.start < end }

    public var duration: TimeInterval { end.timeIntervalSince(start) }

    public var description: String { "\(start.formatted(.iso8601))–\(end.formatted(.iso8601))" }
}

/// Why a range cannot be booked.
public enum SchedulingProblem: Error, Equatable, Sendable {
    /// The end is not after the start.
    case empty
    /// Longer than a booking may be.
    case tooLong(maximumHours: Int)
    /// The branch is closed at this instant within the range.
    case closed(at: Date)
    /// The branch is open, but only at a lower service level (e.g. self-service when staff are needed).
    case levelTooLow(at: Date, level: ServiceLevel, needed: ServiceLevel)
    /// The space is taken at this instant (a room), or all its places are.
    case taken(at: Date)
}

/// The rules of the scheduling core, without a database: whether a range
/// lies within a branch's opening hours at a service level, and whether a
/// space still has room for it next to what is booked.
public enum Scheduling {
    /// No single booking or session runs longer than this.
    public static let maximumHours = 24

    /// Whether `range` lies wholly within the branch's open time at `level`
    /// or higher — adjacent intervals chain (staffed until 17:00 then
    /// self-service until 22:00 is one stretch at self-service level).
    /// Returns the first problem, or nil when it fits.
    public static func problem(with range: TimeRange, calendar: BranchCalendar, atLeast level: ServiceLevel) -> SchedulingProblem? {
        guard range.end > range.start else { return .empty }
        guard range.duration <= Double(maximumHours) * 3600 else { return .tooLong(maximumHours: maximumHours) }
        let first = LocalDate(range.start, in: calendar.timeZone), last = LocalDate(range.end, in: calendar.timeZone)
        let intervals = calendar.intervals(from: first, through: last)
        var cursor = range.start
        while cursor < range.end {
            guard let current = intervals.first(where: { $0.contains(cursor) }) else { return .closed(at: cursor) }
            guard current.level >= level else { return .levelTooLow(at: cursor, level: current.level, needed: level) }
            cursor = current.end
        }
        return nil
    }

    /// Whether one more booking of `range` fits in a space next to the
    /// `booked` ranges: a room (`capacity` 1 here: exclusive) takes one at a
    /// time; a study area or computers take `capacity` at once. Returns the
    /// first instant it is full, or nil when it fits.
    public static func firstFullInstant(for range: TimeRange, booked: [TimeRange], capacity: Int) -> Date? {
        let overlapping = booked.filter { $0.overlaps(range) }
        guard capacity > 0 else { return range.start }
        guard overlapping.count >= capacity else { return nil }
        // Sweep the boundaries within the range: the most bookings at once.
        var events: [(Date, Int)] = []
        for other in overlapping {
            events.append((max(other.start, range.start), 1))
            events.append((min(other.end, range.end), -1))
        }
        events.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }   // an end before a start at the same instant
        var current = 0
        for (instant, step) in events {
            current += step
            if current >= capacity { return instant }
        }
        return nil
    }
}

/// A weekly recurrence in wall-clock time: e.g. every Tuesday 19:00–21:00
/// from 6 January through 30 June, not on 14 April. Occurrences keep their
/// wall-clock time across daylight-saving changes (19:00 is 19:00 in summer
/// and winter), and a time that does not exist on the spring-forward day
/// moves to the moment the clocks jump.
public struct WeeklyRecurrence: Sendable, Equatable, Codable {
    public var weekdays: [Weekday]
    /// Minutes after local midnight.
    public var startMinute: Int
    public var durationMinutes: Int
    public var from: LocalDate
    /// Inclusive.
    public var through: LocalDate
    /// Every this many weeks (1: weekly, 2: fortnightly), counted from the week of `from`.
    public var everyWeeks: Int
    /// Dates without an occurrence (holidays, a cancelled evening).
    public var skipped: [LocalDate]

    /// At most this many days from first to last.
    public static let maximumDays = 731

    public init(weekdays: [Weekday], startMinute: Int, durationMinutes: Int, from: LocalDate, through: LocalDate, everyWeeks: Int = 1,
                skipped: [LocalDate] = []) {
        self.weekdays = weekdays
        self.startMinute = startMinute
        self.durationMinutes = durationMinutes
        self.from = from
        self.through = through
        self.everyWeeks = everyWeeks
        self.skipped = skipped
    }

    /// Checked values; errors name the field.
    public func validated() throws -> WeeklyRecurrence {
        guard !weekdays.isEmpty else { throw BiebError.invalid("weekdays", "Choose at least one day of the week.", nl: "Kies ten minste één dag van de week.") }
        guard (0..<1440).contains(startMinute) else {
            throw BiebError.invalid("starts", "The start is a time of day (00:00–23:59).", nl: "Het begin is een tijd op de dag (00:00–23:59).")
        }
        guard (5...(Scheduling.maximumHours * 60)).contains(durationMinutes) else {
            throw BiebError.invalid("duration_minutes", "Between 5 minutes and \(Scheduling.maximumHours) hours.",
                                    nl: "Tussen 5 minuten en \(Scheduling.maximumHours) uur.")
        }
        guard from <= through else {
            throw BiebError.invalid("through", "The last date is before the first.", nl: "De laatste datum ligt voor de eerste.")
        }
        guard from.days(until: through) <= Self.maximumDays else {
            throw BiebError.invalid("through", "At most two years of occurrences.", nl: "Hoogstens twee jaar aan herhalingen.")
        }
        guard (1...8).contains(everyWeeks) else {
            throw BiebError.invalid("every_weeks", "Every 1 to 8 weeks.", nl: "Elke 1 tot 8 weken.")
        }
        return self
    }

    /// The dates it falls on, in order.
    public var dates: [LocalDate] {
        let days = Set(weekdays)
        let skip = Set(skipped)
        // Weeks counted from the Monday of the week of `from`.
        let firstMonday = from.adding(days: -(from.weekday.rawValue - 1))
        var result: [LocalDate] = []
        var date = from
        while date <= through {
            let week = firstMonday.days(until: date) / 7
            if days.contains(date.weekday), week % everyWeeks == 0, !skip.contains(date) { result.append(date) }
            date = date.adding(days: 1)
        }
        return result
    }

    /// The occurrences as instants in `timeZone`.
    public func occurrences(in timeZone: TimeZone) -> [TimeRange] {
        dates.map { date in
            let start = LocalClock.instant(of: date, minute: startMinute, in: timeZone)
            // The end keeps its wall-clock time too (19:00–21:00 stays two hours, also on the night the clocks change).
            let end = LocalClock.instant(of: date, minute: startMinute + durationMinutes, in: timeZone)
            return TimeRange(start: start, end: max(end, start.addingTimeInterval(60)))
        }
    }
}
