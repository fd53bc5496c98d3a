import Foundation

/// A location's opening hours as the annual statistics ask them: the
/// average hours a week over a period, staffed and self-service apart, from
/// the branch calendar (its seasonal timetables and exceptions included, so
/// a summer timetable or a closed Christmas week count as they were).
public struct WeeklyHours: Sendable, Equatable, Codable {
    public let staffed: Double
    public let selfService: Double

    public init(staffed: Double, selfService: Double) {
        self.staffed = staffed
        self.selfService = selfService
    }

    public var total: Double { staffed + selfService }

    /// How the certification norms class a location by its open hours a week (staffed and self-service together):
    /// a branch from 15 hours, a service point from 4, below that neither.
    public enum Class: String, Sendable, Codable {
        case branch
        case servicePoint = "service_point"
        case below
    }

    public var `class`: Class { total >= 15 ? .branch : total >= 4 ? .servicePoint : .below }

    /// The average hours a week of `calendar` from `start` through `end`.
    public static func of(_ calendar: BranchCalendar, from start: LocalDate, through end: LocalDate) -> WeeklyHours {
        guard start <= end else { return WeeklyHours(staffed: 0, selfService: 0) }
        var seconds: [ServiceLevel: Double] = [:]
        let windowStart = LocalClock.instant(of: start, minute: 0, in: calendar.timeZone)
        let windowEnd = LocalClock.instant(of: end, minute: 1440, in: calendar.timeZone)
        for interval in calendar.intervals(from: start, through: end) where interval.level != .closed {
            seconds[interval.level, default: 0] += max(0, min(interval.end, windowEnd).timeIntervalSince(max(interval.start, windowStart)))
        }
        let weeks = Double(start.days(until: end) + 1) / 7
        func perWeek(_ level: ServiceLevel) -> Double { ((seconds[level] ?? 0) / 3_600 / weeks * 10).rounded() / 10 }
        return WeeklyHours(staffed: perWeek(.staffed), selfService: perWeek(.selfService))
    }
}
