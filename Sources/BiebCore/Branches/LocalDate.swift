import Foundation

/// A calendar date without a time or a time zone ("2026-12-25"), as a branch's
/// calendar uses it. Arithmetic is done on days since 1970-01-01 (proleptic
/// Gregorian), so it is exact and fast and needs no `Calendar`.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or nil when the combination does not exist (2026-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysInMonth(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses an ISO 8601 calendar date, `YYYY-MM-DD`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// The same day `months` months later (earlier when negative), on the month's last day when it is shorter
    /// (31 March less one month is 28 or 29 February).
    public func adding(months: Int) -> LocalDate {
        let index = year * 12 + (month - 1) + months
        let y = index / 12, m = index % 12 + 1
        return LocalDate(year: y, month: m, day: min(day, LocalDate.daysInMonth(year: y, month: m)))!
    }

    /// Number of days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        let index = ((daysSinceEpoch + 3) % 7 + 7) % 7
        return Weekday(rawValue: index + 1)!
    }

    /// `YYYY-MM-DD`.
    public var iso: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public var description: String { iso }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The local date of an instant in a time zone.
    public init(_ instant: Date, in timeZone: TimeZone) {
        let local = LocalClock.localSeconds(of: instant, in: timeZone)
        self.init(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
    }
}

extension LocalDate: TextCoded {
    public init?(codedText: String) { self.init(iso: codedText) }
    public var codedText: String { iso }
    public static var textForm: String { "a date as YYYY-MM-DD" }
}

/// ISO weekday: Monday is 1, Sunday is 7.
public enum Weekday: Int, CaseIterable, Codable, Sendable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Lower-case English name, as used in the API ("monday").
    public var name: String {
        switch self {
        case .monday: "monday"
        case .tuesday: "tuesday"
        case .wednesday: "wednesday"
        case .thursday: "thursday"
        case .friday: "friday"
        case .saturday: "saturday"
        case .sunday: "sunday"
        }
    }

    public init?(name: String) {
        guard let match = Weekday.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }

    /// The schema.org day name ("Monday").
    public var schemaOrgName: String { name.prefix(1).uppercased() + name.dropFirst() }
}

/// A wall-clock time of day, in minutes after midnight. 24:00 is allowed as a
/// closing time ("open until midnight").
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let minuteOfDay: Int

    public init?(minuteOfDay: Int) {
        guard (0...1440).contains(minuteOfDay) else { return nil }
        self.minuteOfDay = minuteOfDay
    }

    public init?(hour: Int, minute: Int = 0) {
        guard (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else { return nil }
        self.minuteOfDay = hour * 60 + minute
    }

    /// Parses `HH:MM` (also `H:MM`), 00:00 to 24:00.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(hour: h, minute: m)
    }

    public static let midnight = LocalTime(minuteOfDay: 0)!
    public static let endOfDay = LocalTime(minuteOfDay: 1440)!

    public var hour: Int { minuteOfDay / 60 }
    public var minute: Int { minuteOfDay % 60 }

    /// `HH:MM`.
    public var text: String { String(format: "%02d:%02d", hour, minute) }
    public var description: String { text }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }
}

extension LocalTime: TextCoded {
    public init?(codedText: String) { self.init(codedText) }
    public var codedText: String { text }
    public static var textForm: String { "a time as HH:MM (00:00 to 24:00)" }
}

/// Conversion between instants and wall-clock time in a time zone, exact around
/// daylight-saving changes.
public enum LocalClock {
    /// Seconds since 1970-01-01T00:00 *local* time (as if the local wall clock were UTC).
    public static func localSeconds(of instant: Date, in timeZone: TimeZone) -> Double {
        instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
    }

    /// The instant at which the wall clock of `timeZone` shows `minute` minutes
    /// after the start of `date` (minutes may exceed 1440: the next day).
    ///
    /// - A wall-clock time that occurs twice (autumn, clocks go back) gives the
    ///   first occurrence.
    /// - A wall-clock time that does not exist (spring, clocks go forward) gives
    ///   the moment the clocks jump, i.e. 02:30 on the last Sunday of March in
    ///   Europe/Amsterdam is 03:00 CEST.
    public static func instant(of date: LocalDate, minute: Int, in timeZone: TimeZone) -> Date {
        let local = Double(date.daysSinceEpoch) * 86_400 + Double(minute) * 60
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local - 86_400))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local + 86_400))
        // No change of offset within a day either side: the common case.
        if before == after { return Date(timeIntervalSince1970: local - Double(before)) }
        var best: Double?
        for offset in Set([before, after]) {
            let candidate = local - Double(offset)
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: candidate)) == offset {
                best = min(best ?? candidate, candidate)
            }
        }
        if let best { return Date(timeIntervalSince1970: best) }
        // In a gap: the clocks jump over this wall-clock time.
        let earliest = local - Double(max(before, after)) - 1
        return timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: earliest))
            ?? Date(timeIntervalSince1970: local - Double(before))
    }

    /// The wall-clock time of an instant, as minutes after local midnight.
    public static func minuteOfDay(of instant: Date, in timeZone: TimeZone) -> Int {
        let local = localSeconds(of: instant, in: timeZone)
        let dayStart = (local / 86_400).rounded(.down) * 86_400
        return Int(((local - dayStart) / 60).rounded(.down))
    }
}

/// A date in JSON is its ISO text ("2026-12-31").
extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Not a date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}
