import Foundation

/// How a branch is open during a period.
///
/// - `staffed`: library staff (or volunteers) are present.
/// - `selfService`: the doors open to members with their card under the
///   branch's self-service conditions; no staff.
/// - `closed`: an explicit closed period. In a schedule or exception it carves
///   time out of other periods of the same day (a lunch break, a closed evening).
public enum ServiceLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case closed
    case selfService = "self_service"
    case staffed

    /// The order used to pick the level when periods overlap, and for
    /// "at least self-service" questions: closed < self-service < staffed.
    public var rank: Int {
        switch self {
        case .closed: 0
        case .selfService: 1
        case .staffed: 2
        }
    }

    public static func < (lhs: ServiceLevel, rhs: ServiceLevel) -> Bool { lhs.rank < rhs.rank }
}

/// One period of a day: from `opens` to `closes` at a service level. A period
/// whose closing time is not after its opening time runs past midnight into the
/// next day (22:00–02:00). A period belongs to the day it starts on.
public struct DayPeriod: Hashable, Codable, Sendable {
    public var opens: LocalTime
    public var closes: LocalTime
    public var level: ServiceLevel

    public init(opens: LocalTime, closes: LocalTime, level: ServiceLevel) {
        self.opens = opens
        self.closes = closes
        self.level = level
    }

    /// True when the period runs past midnight.
    public var crossesMidnight: Bool { minuteRange.upperBound > 1440 }

    /// Minutes after the start of the day the period belongs to; the end may
    /// exceed 1440 when the period runs past midnight.
    public var minuteRange: Range<Int> {
        let start = opens.minuteOfDay
        var end = closes.minuteOfDay
        if end <= start { end += 1440 }
        return start..<end
    }

    public var durationMinutes: Int { minuteRange.count }
}

/// A weekly period: a `DayPeriod` on a weekday.
public struct WeeklyPeriod: Hashable, Codable, Sendable {
    public var weekday: Weekday
    public var opens: LocalTime
    public var closes: LocalTime
    public var level: ServiceLevel

    public init(_ weekday: Weekday, _ opens: LocalTime, _ closes: LocalTime, _ level: ServiceLevel) {
        self.weekday = weekday
        self.opens = opens
        self.closes = closes
        self.level = level
    }

    public var dayPeriod: DayPeriod { DayPeriod(opens: opens, closes: closes, level: level) }
}

/// A branch's weekly timetable. A branch has one default schedule (no dates)
/// and may have seasonal ones (a summer timetable) with a validity range; on a
/// given date the seasonal schedule covering it wins over the default, and of
/// two seasonal schedules the one with the shorter range wins.
public struct WeeklySchedule: Hashable, Codable, Sendable {
    public var name: String
    public var validFrom: LocalDate?
    public var validUntil: LocalDate?
    public var periods: [WeeklyPeriod]

    public init(name: String = "", validFrom: LocalDate? = nil, validUntil: LocalDate? = nil, periods: [WeeklyPeriod]) {
        self.name = name
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.periods = periods
    }

    public var isDefault: Bool { validFrom == nil && validUntil == nil }

    public func covers(_ date: LocalDate) -> Bool {
        if let validFrom, date < validFrom { return false }
        if let validUntil, date > validUntil { return false }
        return true
    }

    /// Length of the validity range in days (defaults are the longest).
    var rangeLength: Int {
        guard let validFrom, let validUntil else { return Int.max }
        return validFrom.days(until: validUntil)
    }

    public func periods(on weekday: Weekday) -> [DayPeriod] {
        periods.filter { $0.weekday == weekday }.map(\.dayPeriod).sorted { $0.opens < $1.opens }
    }

    /// Minutes per week at each service level after resolving overlaps (a
    /// staffed period inside a self-service period counts as staffed only).
    public func minutesPerWeek() -> [ServiceLevel: Int] {
        let week = 7 * 1440
        var raw: [RawPeriod<Int>] = []
        for period in periods {
            let offset = (period.weekday.rawValue - 1) * 1440
            let range = period.dayPeriod.minuteRange
            let start = offset + range.lowerBound
            let end = offset + range.upperBound
            if end <= week {
                raw.append(RawPeriod(start: start, end: end, level: period.level))
            } else {
                raw.append(RawPeriod(start: start, end: week, level: period.level))
                raw.append(RawPeriod(start: 0, end: end - week, level: period.level))
            }
        }
        var totals: [ServiceLevel: Int] = [:]
        for segment in resolve(raw) {
            totals[segment.level, default: 0] += segment.end - segment.start
        }
        return totals
    }

    /// Hours per week at a level, e.g. 38.5 staffed hours.
    public func hoursPerWeek(_ level: ServiceLevel) -> Double {
        Double(minutesPerWeek()[level] ?? 0) / 60
    }
}

/// A dated deviation from the weekly schedule: a public holiday, a special
/// closing, extended or reduced hours. On the dates it covers it replaces the
/// schedule completely: no periods means closed all day.
public struct CalendarException: Hashable, Codable, Sendable {
    public var startDate: LocalDate
    public var endDate: LocalDate
    public var reason: String
    public var periods: [DayPeriod]

    public init(startDate: LocalDate, endDate: LocalDate? = nil, reason: String, periods: [DayPeriod] = []) {
        self.startDate = startDate
        self.endDate = endDate ?? startDate
        self.reason = reason
        self.periods = periods
    }

    public var isClosure: Bool { periods.allSatisfy { $0.level == .closed } }

    public func covers(_ date: LocalDate) -> Bool { date >= startDate && date <= endDate }

    var rangeLength: Int { startDate.days(until: endDate) }
}

/// A problem with opening-hours input, naming the field that is wrong.
public struct OpeningHoursError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

public enum OpeningHoursValidation {
    /// Checks a schedule: non-empty periods, validity range in order.
    public static func validate(_ schedule: WeeklySchedule, field: String = "schedule") throws(OpeningHoursError) {
        if let from = schedule.validFrom, let until = schedule.validUntil, until < from {
            throw OpeningHoursError(field: "\(field).valid_until", message: "must not be before valid_from (\(from.iso))")
        }
        if (schedule.validFrom == nil) != (schedule.validUntil == nil) {
            throw OpeningHoursError(
                field: schedule.validFrom == nil ? "\(field).valid_from" : "\(field).valid_until",
                message: "a seasonal schedule needs both valid_from and valid_until; a default schedule has neither")
        }
        for (index, period) in schedule.periods.enumerated() where period.opens == period.closes {
            throw OpeningHoursError(
                field: "\(field).periods[\(index)]",
                message: "opens and closes are both \(period.opens.text); use 00:00–24:00 for a whole day")
        }
        for (index, period) in schedule.periods.enumerated() where period.opens == LocalTime.endOfDay {
            throw OpeningHoursError(field: "\(field).periods[\(index)].opens", message: "a period cannot open at 24:00")
        }
    }

    public static func validate(_ exception: CalendarException, field: String = "exception") throws(OpeningHoursError) {
        if exception.endDate < exception.startDate {
            throw OpeningHoursError(field: "\(field).end_date", message: "must not be before start_date (\(exception.startDate.iso))")
        }
        if exception.startDate.days(until: exception.endDate) > 366 {
            throw OpeningHoursError(field: "\(field).end_date", message: "an exception can cover at most a year")
        }
        if exception.reason.trimmed.isEmpty {
            throw OpeningHoursError(field: "\(field).reason", message: "is required (for example 'Tweede Kerstdag')")
        }
        for (index, period) in exception.periods.enumerated() {
            if period.opens == period.closes {
                throw OpeningHoursError(
                    field: "\(field).periods[\(index)]",
                    message: "opens and closes are both \(period.opens.text); use 00:00–24:00 for a whole day")
            }
            if period.opens == LocalTime.endOfDay {
                throw OpeningHoursError(field: "\(field).periods[\(index)].opens", message: "a period cannot open at 24:00")
            }
        }
    }
}

/// A period before overlaps are resolved, on any ordered axis (minutes in a
/// week, seconds since 1970).
struct RawPeriod<T: Comparable & Hashable> {
    var start: T
    var end: T
    var level: ServiceLevel
}

/// Resolves overlapping periods into non-overlapping segments, in order:
/// a closed period wins over anything it overlaps; otherwise the highest
/// level wins (staffed over self-service). Adjacent segments of the same
/// level are merged. Only open segments are returned.
func resolve<T: Comparable & Hashable>(_ raw: [RawPeriod<T>]) -> [RawPeriod<T>] {
    let periods = raw.filter { $0.start < $0.end }
    guard !periods.isEmpty else { return [] }
    let bounds = Array(Set(periods.flatMap { [$0.start, $0.end] })).sorted()
    var result: [RawPeriod<T>] = []
    for (a, b) in zip(bounds, bounds.dropFirst()) {
        var level: ServiceLevel? = nil
        var closed = false
        for period in periods where period.start <= a && period.end >= b {
            if period.level == .closed {
                closed = true
                break
            }
            level = max(level ?? period.level, period.level)
        }
        guard !closed, let level else { continue }
        if let last = result.last, last.end == a, last.level == level {
            result[result.count - 1].end = b
        } else {
            result.append(RawPeriod(start: a, end: b, level: level))
        }
    }
    return result
}
