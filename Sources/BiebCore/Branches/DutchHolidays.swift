import Foundation

/// Dutch public holidays and the days libraries usually treat specially, to
/// seed a branch calendar's exceptions. Which of them close a branch is the
/// organisation's choice; `closesByDefault` gives the common practice.
public struct PublicHoliday: Hashable, Sendable {
    public let date: LocalDate
    public let nameNL: String
    public let nameEN: String
    /// Whether Dutch public libraries usually close all day.
    public let closesByDefault: Bool
    /// Usual early closing time when the library opens but closes early.
    public let earlyClosing: LocalTime?
}

public enum DutchHolidays {
    /// Easter Sunday (Gregorian), by the anonymous Gregorian algorithm
    /// (Meeus/Jones/Butcher).
    public static func easterSunday(_ year: Int) -> LocalDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year: year, month: month, day: day)!
    }

    /// King's Day: 27 April, or Saturday 26 April when the 27th is a Sunday
    /// (since 2014; before that Queen's Day on 30 April, or the 29th when a Sunday).
    public static func kingsDay(_ year: Int) -> LocalDate {
        if year >= 2014 {
            let day = LocalDate(year: year, month: 4, day: 27)!
            return day.weekday == .sunday ? day.adding(days: -1) : day
        }
        let day = LocalDate(year: year, month: 4, day: 30)!
        return day.weekday == .sunday ? day.adding(days: -1) : day
    }

    /// Holidays of a year in date order. Liberation Day (5 May) closes by
    /// default only in lustrum years (2025, 2030), as in most collective
    /// agreements; Christmas Eve and New Year's Eve close early.
    public static func holidays(in year: Int) -> [PublicHoliday] {
        let easter = easterSunday(year)
        func on(_ month: Int, _ day: Int) -> LocalDate { LocalDate(year: year, month: month, day: day)! }
        let list = [
            PublicHoliday(date: on(1, 1), nameNL: "Nieuwjaarsdag", nameEN: "New Year's Day", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: easter, nameNL: "Eerste Paasdag", nameEN: "Easter Sunday", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: easter.adding(days: 1), nameNL: "Tweede Paasdag", nameEN: "Easter Monday", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: kingsDay(year), nameNL: year >= 2014 ? "Koningsdag" : "Koninginnedag",
                          nameEN: year >= 2014 ? "King's Day" : "Queen's Day", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: on(5, 5), nameNL: "Bevrijdingsdag", nameEN: "Liberation Day",
                          closesByDefault: year % 5 == 0, earlyClosing: nil),
            PublicHoliday(date: easter.adding(days: 39), nameNL: "Hemelvaartsdag", nameEN: "Ascension Day", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: easter.adding(days: 49), nameNL: "Eerste Pinksterdag", nameEN: "Whit Sunday", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: easter.adding(days: 50), nameNL: "Tweede Pinksterdag", nameEN: "Whit Monday", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: on(12, 24), nameNL: "Kerstavond", nameEN: "Christmas Eve", closesByDefault: false, earlyClosing: LocalTime(hour: 17)),
            PublicHoliday(date: on(12, 25), nameNL: "Eerste Kerstdag", nameEN: "Christmas Day", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: on(12, 26), nameNL: "Tweede Kerstdag", nameEN: "Boxing Day", closesByDefault: true, earlyClosing: nil),
            PublicHoliday(date: on(12, 31), nameNL: "Oudejaarsdag", nameEN: "New Year's Eve", closesByDefault: false, earlyClosing: LocalTime(hour: 16)),
        ]
        return list.sorted { $0.date < $1.date }
    }

    /// Calendar exceptions for the holidays of a year, given a branch's weekly
    /// schedule: closed all day on holidays that close, and on early-closing
    /// days the schedule's periods cut off at the early closing time. Holidays
    /// on which the branch is closed anyway are left out.
    public static func exceptions(in year: Int, for schedule: WeeklySchedule) -> [CalendarException] {
        holidays(in: year).compactMap { holiday in
            let regular = schedule.periods(on: holiday.date.weekday)
            guard regular.contains(where: { $0.level != .closed }) else { return nil }
            if holiday.closesByDefault {
                return CalendarException(startDate: holiday.date, reason: holiday.nameNL)
            }
            guard let early = holiday.earlyClosing else { return nil }
            let cut: [DayPeriod] = regular.compactMap { period in
                guard period.opens < early else { return nil }
                let closes = period.crossesMidnight || period.closes > early || period.closes == .midnight ? early : period.closes
                return DayPeriod(opens: period.opens, closes: closes, level: period.level)
            }
            return CalendarException(startDate: holiday.date, reason: "\(holiday.nameNL)\(earlyClosingNL)", periods: cut)
        }
    }

    static let earlyClosingNL = ": vroeg dicht"

    /// The English words for an exception Bieb made for a holiday (`exceptions(in:for:)` writes the Dutch
    /// name, "Eerste Kerstdag" or "Kerstavond: vroeg dicht"); nil for any other reason, such as one staff
    /// wrote themselves, or a holiday name on another date.
    public static func english(reason: String, on date: LocalDate) -> String? {
        for holiday in holidays(in: date.year) where holiday.date == date {
            if reason == holiday.nameNL { return holiday.nameEN }
            if reason == holiday.nameNL + earlyClosingNL { return holiday.nameEN + ": closing early" }
        }
        return nil
    }
}
