import Foundation

/// A stretch of time during which a branch is open at one service level.
public struct OpenInterval: Hashable, Sendable, CustomStringConvertible {
    public let start: Date
    public let end: Date
    public let level: ServiceLevel

    public init(start: Date, end: Date, level: ServiceLevel) {
        self.start = start
        self.end = end
        self.level = level
    }

    public func contains(_ instant: Date) -> Bool { start <= instant && instant < end }

    public var description: String {
        "\(level.rawValue) \(start.formatted(.iso8601))–\(end.formatted(.iso8601))"
    }
}

/// The answer to "is the branch open now?".
public struct OpeningStatus: Hashable, Sendable {
    /// The level at the asked instant; `.closed` when not open.
    public let level: ServiceLevel
    /// When open: the current interval and those that follow it without a gap,
    /// e.g. [staffed until 17:00, self-service until 22:00]. Empty when closed.
    public let openChain: [OpenInterval]
    /// The next time the branch opens (at any level) after the asked instant,
    /// when it is closed now or after the current chain ends. Nil when the
    /// calendar has no opening within a year.
    public let nextOpening: OpenInterval?

    public var isOpen: Bool { level != .closed }
    /// When the current chain ends (the branch closes), if open.
    public var closesAt: Date? { openChain.last?.end }
}

/// The hours that apply on one date, for display: the periods of the
/// applicable schedule or the exception that replaces them.
public struct DayHours: Hashable, Sendable {
    public let date: LocalDate
    public let periods: [DayPeriod]
    /// The exception that applies on this date, if any.
    public let exception: CalendarException?
    /// The name of the schedule used when no exception applies.
    public let scheduleName: String?

    public var isClosed: Bool { periods.allSatisfy { $0.level == .closed } }
}

/// The one calendar service: answers every "is it open" question for a branch.
/// Due dates, hold-shelf expiry, self-service door access and room bookings all
/// ask this type; nothing else derives opening from the raw schedule.
///
/// Rules:
/// - On each date, the exception covering it (shortest range wins) replaces the
///   weekly schedule; otherwise the seasonal schedule covering it (shortest
///   range wins); otherwise the default schedule.
/// - A period belongs to the date it starts on and may run past midnight.
/// - Overlapping periods resolve as: closed wins, then staffed over self-service.
/// - Wall-clock times are in the branch's time zone; across daylight-saving
///   changes an interval keeps its wall-clock bounds (so it is an hour shorter
///   or longer), a non-existent start becomes the moment the clocks jump.
/// - "Opening day" (for due dates, expiry): a date with an open period of its
///   own at the asked minimum level; a period spilling over from the previous
///   evening does not make a day an opening day.
public struct BranchCalendar: Sendable {
    public let timeZone: TimeZone
    public let schedules: [WeeklySchedule]
    public let exceptions: [CalendarException]

    /// How far searches for the next opening look ahead.
    public static let searchHorizonDays = 400

    public static let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!

    /// Which exception applies on a day (days since 1970 → index into
    /// `exceptions`), built once so a lookup does not grow with the number of
    /// exceptions a branch has collected over the years.
    private let exceptionIndex: [Int: Int]

    public init(timeZone: TimeZone = BranchCalendar.amsterdam, schedules: [WeeklySchedule], exceptions: [CalendarException] = []) {
        self.timeZone = timeZone
        self.schedules = schedules
        self.exceptions = exceptions
        // Longest ranges first, so shorter ones overwrite them; among equal
        // lengths the later one in the list wins.
        let order = exceptions.indices.sorted {
            let a = exceptions[$0].rangeLength, b = exceptions[$1].rangeLength
            return a != b ? a > b : $0 < $1
        }
        var index: [Int: Int] = [:]
        for position in order {
            let exception = exceptions[position]
            guard exception.startDate <= exception.endDate else { continue }
            for day in exception.startDate.daysSinceEpoch...exception.endDate.daysSinceEpoch {
                index[day] = position
            }
        }
        exceptionIndex = index
    }

    // MARK: Days

    /// The schedule that applies on a date, if any.
    public func schedule(on date: LocalDate) -> WeeklySchedule? {
        schedules.filter { $0.covers(date) }.min { $0.rangeLength < $1.rangeLength }
    }

    /// The exception that applies on a date, if any.
    public func exception(on date: LocalDate) -> CalendarException? {
        exceptionIndex[date.daysSinceEpoch].map { exceptions[$0] }
    }

    /// The exceptions as they apply from `start` through `end`: where two
    /// overlap, the days the shorter one takes are cut out of the longer one,
    /// so every date appears once, with the exception `hours(on:)` uses for it.
    /// A maintenance closure 23–24 December and special hours on the 24th come
    /// out as "23 December closed" and "24 December special hours". In date order.
    public func exceptionsAsTheyApply(from start: LocalDate, through end: LocalDate) -> [CalendarException] {
        guard start <= end else { return [] }
        var pieces: [CalendarException] = []
        var current: (position: Int, from: LocalDate, to: LocalDate)?
        for day in start.daysSinceEpoch...end.daysSinceEpoch {
            let date = LocalDate(daysSinceEpoch: day)
            let position = exceptionIndex[day]
            if let open = current, position == open.position {
                current?.to = date
                continue
            }
            if let open = current { pieces.append(piece(of: open.position, from: open.from, to: open.to)) }
            current = position.map { ($0, date, date) }
        }
        if let open = current { pieces.append(piece(of: open.position, from: open.from, to: open.to)) }
        return pieces
    }

    /// The days of `exception` on which another (shorter) exception applies
    /// instead, with that exception; empty when it applies on all its days.
    public func daysTakenOver(from exception: CalendarException) -> [(date: LocalDate, by: CalendarException)] {
        guard exception.startDate <= exception.endDate else { return [] }
        return (exception.startDate.daysSinceEpoch...exception.endDate.daysSinceEpoch).compactMap { day in
            guard let position = exceptionIndex[day], exceptions[position] != exception else { return nil }
            return (LocalDate(daysSinceEpoch: day), exceptions[position])
        }
    }

    private func piece(of position: Int, from: LocalDate, to: LocalDate) -> CalendarException {
        var piece = exceptions[position]
        piece.startDate = from
        piece.endDate = to
        return piece
    }

    /// The hours of one date, after exceptions.
    public func hours(on date: LocalDate) -> DayHours {
        if let exception = exception(on: date) {
            return DayHours(date: date, periods: exception.periods.sorted { $0.opens < $1.opens },
                            exception: exception, scheduleName: nil)
        }
        let schedule = schedule(on: date)
        return DayHours(date: date, periods: schedule?.periods(on: date.weekday) ?? [],
                        exception: nil, scheduleName: schedule?.name)
    }

    /// True when `date` has open time of its own at `minimum` level or higher.
    public func isOpeningDay(_ date: LocalDate, atLeast minimum: ServiceLevel = .selfService) -> Bool {
        let own = rawPeriods(of: date)
        return resolve(own).contains { $0.level >= minimum }
    }

    /// All opening days from `start` through `end` (inclusive).
    public func openingDays(from start: LocalDate, through end: LocalDate, atLeast minimum: ServiceLevel = .selfService) -> [LocalDate] {
        guard start <= end else { return [] }
        return (0...start.days(until: end)).map { start.adding(days: $0) }.filter { isOpeningDay($0, atLeast: minimum) }
    }

    /// The first opening day on or after `date`; nil when there is none within
    /// the search horizon (a branch without any opening hours).
    public func firstOpeningDay(onOrAfter date: LocalDate, atLeast minimum: ServiceLevel = .selfService) -> LocalDate? {
        for offset in 0..<Self.searchHorizonDays {
            let candidate = date.adding(days: offset)
            if isOpeningDay(candidate, atLeast: minimum) { return candidate }
        }
        return nil
    }

    /// The `count`-th opening day after `date` (not counting `date` itself):
    /// hold-shelf expiry "7 opening days" counts this way. `count` 0 gives the
    /// first opening day on or after `date`.
    public func openingDay(counting count: Int, after date: LocalDate, atLeast minimum: ServiceLevel = .selfService) -> LocalDate? {
        guard count > 0 else { return firstOpeningDay(onOrAfter: date, atLeast: minimum) }
        var found = 0
        for offset in 1...(Self.searchHorizonDays + count) {
            let candidate = date.adding(days: offset)
            if isOpeningDay(candidate, atLeast: minimum) {
                found += 1
                if found == count { return candidate }
            }
        }
        return nil
    }

    // MARK: Instants

    /// Resolved open intervals that touch the dates `start` through `end`, in
    /// order. Includes periods spilling over from the evening before `start`.
    public func intervals(from start: LocalDate, through end: LocalDate) -> [OpenInterval] {
        guard start <= end else { return [] }
        var raw: [RawPeriod<Date>] = []
        for offset in -1...start.days(until: end) {
            let date = start.adding(days: offset)
            raw.append(contentsOf: rawPeriods(of: date).map { period in
                RawPeriod(start: LocalClock.instant(of: date, minute: period.start, in: timeZone),
                          end: LocalClock.instant(of: date, minute: period.end, in: timeZone),
                          level: period.level)
            })
        }
        let windowStart = LocalClock.instant(of: start, minute: 0, in: timeZone)
        let windowEnd = LocalClock.instant(of: end, minute: 1440, in: timeZone)
        return resolve(raw)
            .filter { $0.end > windowStart && $0.start < windowEnd }
            .map { OpenInterval(start: $0.start, end: $0.end, level: $0.level) }
    }

    /// The service level at an instant.
    public func level(at instant: Date) -> ServiceLevel {
        let date = LocalDate(instant, in: timeZone)
        return intervals(from: date, through: date).first { $0.contains(instant) }?.level ?? .closed
    }

    /// Is the branch open at `instant`, at what level, until when, and when
    /// does it open next.
    public func status(at instant: Date) -> OpeningStatus {
        let today = LocalDate(instant, in: timeZone)
        // Look at today and tomorrow first; only a chain that runs to the end
        // of that window (open past midnight) needs a longer look.
        var days = 1
        var window: [OpenInterval]
        var chain: [OpenInterval]
        repeat {
            window = intervals(from: today, through: today.adding(days: days))
            guard let index = window.firstIndex(where: { $0.contains(instant) }) else {
                return OpeningStatus(level: .closed, openChain: [], nextOpening: nextOpening(after: instant))
            }
            chain = [window[index]]
            for next in window[(index + 1)...] {
                guard next.start == chain.last!.end else { break }
                chain.append(next)
            }
            let windowEnd = LocalClock.instant(of: today.adding(days: days), minute: 1440, in: timeZone)
            guard chain.last!.end >= windowEnd, days < 8 else { break }
            days = 8
        } while true
        let next = nextOpening(after: chain.last!.end.addingTimeInterval(-1))
        return OpeningStatus(level: chain[0].level, openChain: chain, nextOpening: next)
    }

    /// The next moment after `instant` at which the branch goes from not open
    /// (below `minimum`) to open (at `minimum` or higher), with the first
    /// interval of that opening. Nil when there is none within the horizon.
    public func nextOpening(after instant: Date, atLeast minimum: ServiceLevel = .selfService) -> OpenInterval? {
        let first = LocalDate(instant, in: timeZone)
        var chunkStart = first
        // Small steps first (the next opening is usually today or tomorrow),
        // then larger ones for long closures.
        var chunkDays = 2
        var previousEnd: Date? = nil
        while first.days(until: chunkStart) < Self.searchHorizonDays {
            defer { chunkDays = min(chunkDays * 2, 16) }
            let chunkEnd = chunkStart.adding(days: chunkDays - 1)
            for interval in intervals(from: chunkStart, through: chunkEnd) where interval.level >= minimum {
                defer { previousEnd = max(previousEnd ?? interval.end, interval.end) }
                guard interval.start > instant else { continue }
                // Adjacent to an open interval at the required level: not an opening.
                if let previousEnd, previousEnd >= interval.start { continue }
                if previousEnd == nil, level(at: interval.start.addingTimeInterval(-1)) >= minimum { continue }
                return interval
            }
            chunkStart = chunkEnd.adding(days: 1)
        }
        return nil
    }

    // MARK: Internals

    /// The periods a date owns, as minute ranges from the start of that date.
    private func rawPeriods(of date: LocalDate) -> [RawPeriod<Int>] {
        hours(on: date).periods.map { period in
            let range = period.minuteRange
            return RawPeriod(start: range.lowerBound, end: range.upperBound, level: period.level)
        }
    }
}
