import Foundation
import Testing
@testable import BiebCore

/// Helpers to write schedules compactly.
func t(_ text: String) -> LocalTime { LocalTime(text)! }
func d(_ text: String) -> LocalDate { LocalDate(iso: text)! }
func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

func week(_ days: [Weekday], _ opens: String, _ closes: String, _ level: ServiceLevel) -> [WeeklyPeriod] {
    days.map { WeeklyPeriod($0, t(opens), t(closes), level) }
}

let weekdays: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday]
let allDays = Weekday.allCases

/// A small-town branch: staffed 38.5 hours, self-service 08:00–22:00 every day.
let smallTown = WeeklySchedule(name: "Standaard", periods:
    [WeeklyPeriod(.monday, t("13:00"), t("17:00"), .staffed)]
    + week([.tuesday, .wednesday, .thursday, .friday], "10:00", "17:30", .staffed)
    + [WeeklyPeriod(.saturday, t("10:00"), t("14:30"), .staffed)]
    + week(allDays, "08:00", "22:00", .selfService))

@Suite struct BranchCalendarTests {
    @Test func weeklyHoursResolveOverlaps() {
        #expect(smallTown.hoursPerWeek(.staffed) == 38.5)
        #expect(smallTown.hoursPerWeek(.selfService) == 98 - 38.5)
    }

    @Test func statusStaffedThenSelfService() {
        let calendar = BranchCalendar(schedules: [smallTown])
        // Tuesday 24 November 2026, 12:00 CET = 11:00 UTC.
        let status = calendar.status(at: utc("2026-11-24T11:00:00Z"))
        #expect(status.level == .staffed)
        #expect(status.openChain.map(\.level) == [.staffed, .selfService])
        #expect(status.openChain[0].end == utc("2026-11-24T16:30:00Z")) // 17:30
        #expect(status.closesAt == utc("2026-11-24T21:00:00Z")) // 22:00
        // Next opening after tonight's close: Wednesday 08:00.
        #expect(status.nextOpening?.start == utc("2026-11-25T07:00:00Z"))
        #expect(status.nextOpening?.level == .selfService)
    }

    @Test func statusSelfServiceBeforeStaffed() {
        let calendar = BranchCalendar(schedules: [smallTown])
        let status = calendar.status(at: utc("2026-11-24T07:30:00Z")) // 08:30
        #expect(status.level == .selfService)
        #expect(status.openChain.map(\.level) == [.selfService, .staffed, .selfService])
        #expect(status.openChain[0].end == utc("2026-11-24T09:00:00Z"))
    }

    @Test func closedAtNightWithNextOpening() {
        let calendar = BranchCalendar(schedules: [smallTown])
        let status = calendar.status(at: utc("2026-11-24T22:00:00Z")) // 23:00
        #expect(!status.isOpen)
        #expect(status.openChain.isEmpty)
        #expect(status.nextOpening?.start == utc("2026-11-25T07:00:00Z"))
        #expect(calendar.nextOpening(after: utc("2026-11-24T22:00:00Z"), atLeast: .staffed)?.start
                == utc("2026-11-25T09:00:00Z"))
    }

    @Test func boundariesAreHalfOpen() {
        let calendar = BranchCalendar(schedules: [smallTown])
        #expect(calendar.level(at: utc("2026-11-24T07:00:00Z")) == .selfService) // exactly 08:00
        #expect(calendar.level(at: utc("2026-11-24T21:00:00Z")) == .closed)      // exactly 22:00
        #expect(calendar.level(at: utc("2026-11-24T20:59:59Z")) == .selfService)
    }

    @Test func periodCrossingMidnight() {
        // A study night: Friday 20:00 to Saturday 02:00, self-service.
        let schedule = WeeklySchedule(periods: [
            WeeklyPeriod(.friday, t("10:00"), t("18:00"), .staffed),
            WeeklyPeriod(.friday, t("20:00"), t("02:00"), .selfService),
        ])
        let calendar = BranchCalendar(schedules: [schedule])
        // Saturday 28 November 2026 01:30 CET = 00:30 UTC.
        #expect(calendar.level(at: utc("2026-11-28T00:30:00Z")) == .selfService)
        #expect(calendar.level(at: utc("2026-11-28T01:00:00Z")) == .closed)
        let status = calendar.status(at: utc("2026-11-27T22:00:00Z"))
        #expect(status.closesAt == utc("2026-11-28T01:00:00Z"))
        // The spill-over does not make Saturday an opening day.
        #expect(calendar.isOpeningDay(d("2026-11-27")))
        #expect(!calendar.isOpeningDay(d("2026-11-28")))
        #expect(schedule.hoursPerWeek(.selfService) == 6)
    }

    @Test func sundayNightPeriodWrapsTheWeek() {
        let schedule = WeeklySchedule(periods: [WeeklyPeriod(.sunday, t("22:00"), t("01:00"), .selfService)])
        #expect(schedule.minutesPerWeek()[.selfService] == 180)
        let calendar = BranchCalendar(schedules: [schedule])
        // Monday 30 November 2026 00:30 CET.
        #expect(calendar.level(at: utc("2026-11-29T23:30:00Z")) == .selfService)
    }

    @Test func closedPeriodCarvesOutLunch() {
        let schedule = WeeklySchedule(periods: [
            WeeklyPeriod(.wednesday, t("09:00"), t("17:00"), .staffed),
            WeeklyPeriod(.wednesday, t("12:30"), t("13:30"), .closed),
        ])
        let calendar = BranchCalendar(schedules: [schedule])
        #expect(calendar.level(at: utc("2026-11-25T11:45:00Z")) == .closed) // 12:45
        let status = calendar.status(at: utc("2026-11-25T10:00:00Z"))
        #expect(status.closesAt == utc("2026-11-25T11:30:00Z"))
        #expect(status.nextOpening?.start == utc("2026-11-25T12:30:00Z"))
        #expect(schedule.hoursPerWeek(.staffed) == 7)
    }

    @Test func exceptionOverridesTheWeek() {
        let christmas = CalendarException(startDate: d("2026-12-25"), endDate: d("2026-12-26"), reason: "Kerst")
        let eve = CalendarException(startDate: d("2026-12-24"), reason: "Kerstavond",
                                    periods: [DayPeriod(opens: t("10:00"), closes: t("16:00"), level: .staffed)])
        let calendar = BranchCalendar(schedules: [smallTown], exceptions: [christmas, eve])
        #expect(!calendar.isOpeningDay(d("2026-12-25")))
        #expect(!calendar.isOpeningDay(d("2026-12-26")))
        // On Christmas Eve (Thursday) the exception replaces staffed and self-service hours.
        #expect(calendar.level(at: utc("2026-12-24T07:30:00Z")) == .closed) // 08:30
        #expect(calendar.level(at: utc("2026-12-24T14:30:00Z")) == .staffed) // 15:30
        #expect(calendar.level(at: utc("2026-12-24T16:30:00Z")) == .closed) // 17:30
        let hours = calendar.hours(on: d("2026-12-25"))
        #expect(hours.isClosed)
        #expect(hours.exception?.reason == "Kerst")
        #expect(calendar.firstOpeningDay(onOrAfter: d("2026-12-25")) == d("2026-12-27"))
        #expect(calendar.firstOpeningDay(onOrAfter: d("2026-12-25"), atLeast: .staffed) == d("2026-12-28"))
        // Status on Christmas Eve evening: next opening skips both Christmas days.
        let status = calendar.status(at: utc("2026-12-24T18:00:00Z"))
        #expect(status.nextOpening?.start == utc("2026-12-27T07:00:00Z"))
    }

    @Test func exceptionCanExtendHours() {
        let bookNight = CalendarException(startDate: d("2026-11-26"), reason: "Boekennacht", periods: [
            DayPeriod(opens: t("10:00"), closes: t("23:30"), level: .staffed),
        ])
        let calendar = BranchCalendar(schedules: [smallTown], exceptions: [bookNight])
        #expect(calendar.level(at: utc("2026-11-26T21:30:00Z")) == .staffed) // 22:30
        #expect(calendar.level(at: utc("2026-11-26T07:30:00Z")) == .closed)  // 08:30: exception has no self-service
    }

    @Test func shortestExceptionWins() {
        let renovation = CalendarException(startDate: d("2027-03-01"), endDate: d("2027-03-14"), reason: "Verbouwing")
        let popUp = CalendarException(startDate: d("2027-03-06"), reason: "Open dag", periods: [
            DayPeriod(opens: t("11:00"), closes: t("15:00"), level: .staffed),
        ])
        let calendar = BranchCalendar(schedules: [smallTown], exceptions: [popUp, renovation])
        #expect(calendar.openingDays(from: d("2027-03-01"), through: d("2027-03-15")) == [d("2027-03-06"), d("2027-03-15")])

        // Listed as they apply: the renovation around the open day, each date once, in date order.
        let listed = calendar.exceptionsAsTheyApply(from: d("2027-02-27"), through: d("2027-03-31"))
        #expect(listed.map { "\($0.startDate.iso)…\($0.endDate.iso) \($0.reason)" } == [
            "2027-03-01…2027-03-05 Verbouwing", "2027-03-06…2027-03-06 Open dag", "2027-03-07…2027-03-14 Verbouwing",
        ])
        #expect(listed[1].periods == popUp.periods)
        // A window cuts the list: from the 10th only the rest of the renovation.
        #expect(calendar.exceptionsAsTheyApply(from: d("2027-03-10"), through: d("2027-03-12")).map(\.endDate) == [d("2027-03-12")])
        #expect(calendar.exceptionsAsTheyApply(from: d("2027-04-01"), through: d("2027-03-01")).isEmpty)
        let takenOver = calendar.daysTakenOver(from: renovation)
        #expect(takenOver.map(\.date) == [d("2027-03-06")])
        #expect(takenOver.first?.by == popUp)
        #expect(calendar.daysTakenOver(from: popUp).isEmpty)
    }

    @Test func seasonalScheduleWinsOverDefault() {
        let summer = WeeklySchedule(name: "Zomer", validFrom: d("2027-07-17"), validUntil: d("2027-08-29"),
                                    periods: week([.tuesday, .thursday], "12:00", "17:00", .staffed))
        let calendar = BranchCalendar(schedules: [smallTown, summer])
        #expect(calendar.schedule(on: d("2027-07-20"))?.name == "Zomer")
        #expect(calendar.schedule(on: d("2027-09-01"))?.name == "Standaard")
        #expect(!calendar.isOpeningDay(d("2027-07-19"))) // Monday in summer
        #expect(calendar.isOpeningDay(d("2027-07-20")))
        #expect(calendar.openingDays(from: d("2027-07-19"), through: d("2027-07-25")).count == 2)
    }

    @Test func springForwardNightPeriodIsAnHourShorter() {
        // Saturday 28 March 2027 22:00 to Sunday 04:00; clocks jump 02:00 → 03:00 on the 28th... of 2027? Use 2026.
        let schedule = WeeklySchedule(periods: [WeeklyPeriod(.saturday, t("22:00"), t("04:00"), .selfService)])
        let calendar = BranchCalendar(schedules: [schedule])
        let intervals = calendar.intervals(from: d("2026-03-28"), through: d("2026-03-28"))
        #expect(intervals.count == 1)
        // 22:00 CET = 21:00 UTC; 04:00 CEST = 02:00 UTC: five hours, not six.
        #expect(intervals[0].start == utc("2026-03-28T21:00:00Z"))
        #expect(intervals[0].end == utc("2026-03-29T02:00:00Z"))
        #expect(intervals[0].end.timeIntervalSince(intervals[0].start) == 5 * 3600)
    }

    @Test func fallBackNightPeriodIsAnHourLonger() {
        let schedule = WeeklySchedule(periods: [WeeklyPeriod(.saturday, t("22:00"), t("04:00"), .selfService)])
        let calendar = BranchCalendar(schedules: [schedule])
        let intervals = calendar.intervals(from: d("2026-10-24"), through: d("2026-10-24"))
        #expect(intervals[0].start == utc("2026-10-24T20:00:00Z")) // 22:00 CEST
        #expect(intervals[0].end == utc("2026-10-25T03:00:00Z"))   // 04:00 CET
        #expect(intervals[0].end.timeIntervalSince(intervals[0].start) == 7 * 3600)
        // 02:30 happens twice that night; the branch is open both times.
        #expect(calendar.level(at: utc("2026-10-25T00:30:00Z")) == .selfService)
        #expect(calendar.level(at: utc("2026-10-25T01:30:00Z")) == .selfService)
    }

    @Test func dayTimeHoursKeepWallClockAcrossDST() {
        let calendar = BranchCalendar(schedules: [smallTown])
        // Saturday before and after the autumn change: staffed 10:00 local both times.
        #expect(calendar.level(at: utc("2026-10-24T08:00:00Z")) == .staffed) // 10:00 CEST
        #expect(calendar.level(at: utc("2026-10-31T09:00:00Z")) == .staffed) // 10:00 CET
        #expect(calendar.level(at: utc("2026-10-31T08:30:00Z")) == .selfService) // 09:30 CET
        // The day of the spring change is a normal Sunday: self-service 08:00–22:00 CEST.
        let sunday = calendar.intervals(from: d("2026-03-29"), through: d("2026-03-29"))
        #expect(sunday.map(\.start) == [utc("2026-03-29T06:00:00Z")])
    }

    @Test func alwaysOpenBranchHasNoNextOpening() {
        let schedule = WeeklySchedule(periods: week(allDays, "00:00", "24:00", .selfService))
        let calendar = BranchCalendar(schedules: [schedule])
        let status = calendar.status(at: utc("2026-11-24T11:00:00Z"))
        #expect(status.level == .selfService)
        #expect(status.nextOpening == nil)
        #expect(calendar.openingDays(from: d("2026-11-01"), through: d("2026-11-30")).count == 30)
    }

    @Test func branchWithoutHours() {
        let calendar = BranchCalendar(schedules: [])
        #expect(calendar.status(at: Date()).level == .closed)
        #expect(calendar.status(at: Date()).nextOpening == nil)
        #expect(calendar.firstOpeningDay(onOrAfter: d("2026-01-01")) == nil)
    }

    @Test func countingOpeningDaysForExpiry() {
        let schedule = WeeklySchedule(periods: week(weekdays, "10:00", "17:00", .staffed))
        let calendar = BranchCalendar(schedules: [schedule], exceptions: [
            CalendarException(startDate: d("2026-12-25"), endDate: d("2026-12-26"), reason: "Kerst"),
        ])
        // From Monday 21 Dec: 22, 23, 24, (25 closed), 28, 29 → fifth opening day is the 29th.
        #expect(calendar.openingDay(counting: 5, after: d("2026-12-21")) == d("2026-12-29"))
        #expect(calendar.openingDay(counting: 0, after: d("2026-12-26")) == d("2026-12-28"))
    }

    @Test func staffedOnlyQuestions() {
        let calendar = BranchCalendar(schedules: [smallTown])
        #expect(calendar.isOpeningDay(d("2026-11-29")))                   // Sunday: self-service
        #expect(!calendar.isOpeningDay(d("2026-11-29"), atLeast: .staffed))
        #expect(calendar.openingDays(from: d("2026-11-23"), through: d("2026-11-29"), atLeast: .staffed).count == 6)
    }
}

@Suite struct OpeningHoursValidationTests {
    @Test func rejectsZeroLengthPeriod() {
        let schedule = WeeklySchedule(periods: [WeeklyPeriod(.monday, t("10:00"), t("10:00"), .staffed)])
        #expect(throws: OpeningHoursError(field: "schedule.periods[0]",
                                          message: "opens and closes are both 10:00; use 00:00–24:00 for a whole day")) {
            try OpeningHoursValidation.validate(schedule)
        }
    }

    @Test func rejectsInvertedSeason() {
        let schedule = WeeklySchedule(validFrom: d("2027-08-01"), validUntil: d("2027-07-01"), periods: [])
        #expect(throws: OpeningHoursError.self) { try OpeningHoursValidation.validate(schedule) }
        let half = WeeklySchedule(validFrom: d("2027-08-01"), periods: [])
        #expect(throws: OpeningHoursError.self) { try OpeningHoursValidation.validate(half) }
    }

    @Test func exceptionNeedsReasonAndOrder() {
        #expect(throws: OpeningHoursError.self) {
            try OpeningHoursValidation.validate(CalendarException(startDate: d("2026-12-25"), reason: "  "))
        }
        #expect(throws: OpeningHoursError.self) {
            try OpeningHoursValidation.validate(CalendarException(startDate: d("2026-12-25"), endDate: d("2026-12-24"), reason: "x"))
        }
        #expect(throws: Never.self) {
            try OpeningHoursValidation.validate(CalendarException(startDate: d("2026-12-25"), reason: "Kerst"))
        }
    }
}

@Suite struct DutchHolidayTests {
    @Test func easterDates() {
        #expect(DutchHolidays.easterSunday(2024) == d("2024-03-31"))
        #expect(DutchHolidays.easterSunday(2025) == d("2025-04-20"))
        #expect(DutchHolidays.easterSunday(2026) == d("2026-04-05"))
        #expect(DutchHolidays.easterSunday(2027) == d("2027-03-28"))
        #expect(DutchHolidays.easterSunday(2038) == d("2038-04-25"))
    }

    @Test func kingsDayMovesOffSunday() {
        #expect(DutchHolidays.kingsDay(2025) == d("2025-04-26")) // the 27th was a Sunday
        #expect(DutchHolidays.kingsDay(2026) == d("2026-04-27"))
        #expect(DutchHolidays.kingsDay(2013) == d("2013-04-30"))
    }

    @Test func holidaysOf2026() {
        let list = DutchHolidays.holidays(in: 2026)
        let names = Dictionary(uniqueKeysWithValues: list.map { ($0.date.iso, $0.nameNL) })
        #expect(names["2026-05-14"] == "Hemelvaartsdag")
        #expect(names["2026-05-25"] == "Tweede Pinksterdag")
        #expect(list.first { $0.nameNL == "Bevrijdingsdag" }?.closesByDefault == false)
        #expect(DutchHolidays.holidays(in: 2030).first { $0.nameNL == "Bevrijdingsdag" }?.closesByDefault == true)
    }

    @Test func exceptionsFollowTheSchedule() {
        let exceptions = DutchHolidays.exceptions(in: 2026, for: smallTown)
        let byDate = Dictionary(uniqueKeysWithValues: exceptions.map { ($0.startDate.iso, $0) })
        #expect(byDate["2026-12-25"]?.isClosure == true)
        // Christmas Eve 2026 is a Thursday: staffed 10:00–17:00, self-service 08:00–17:00.
        let eve = try! #require(byDate["2026-12-24"])
        #expect(eve.periods.contains(DayPeriod(opens: t("10:00"), closes: t("17:00"), level: .staffed)))
        #expect(eve.periods.contains(DayPeriod(opens: t("08:00"), closes: t("17:00"), level: .selfService)))
        // A weekday-only branch gets no exception for Easter Sunday.
        let weekdayOnly = WeeklySchedule(periods: week(weekdays, "10:00", "17:00", .staffed))
        #expect(!DutchHolidays.exceptions(in: 2026, for: weekdayOnly).contains { $0.startDate == d("2026-04-05") })
    }
}

@Suite struct ValidateTests {
    @Test func postcodes() {
        #expect(Validate.dutchPostcode("2511bt") == "2511 BT")
        #expect(Validate.dutchPostcode("2511 BT") == "2511 BT")
        #expect(Validate.dutchPostcode("0511 BT") == nil)
        #expect(Validate.dutchPostcode("2511 SS") == nil)
        #expect(Validate.dutchPostcode("2511") == nil)
        #expect(Validate.dutchPostcode("25110 B") == nil)
    }

    @Test func emails() {
        #expect(Validate.email("Anna@Example.NL") == "Anna@example.nl")
        #expect(Validate.email("anna@example") == nil)
        #expect(Validate.email("a b@example.nl") == nil)
        #expect(Validate.email("@example.nl") == nil)
    }

    @Test func slugs() {
        #expect(Validate.slugify("Bibliotheek Den Haag — Centrale") == "bibliotheek-den-haag-centrale")
        #expect(Validate.slugify("Café Één") == "cafe-een")
        #expect(Validate.slug("den-haag"))
        #expect(!Validate.slug("Den-Haag"))
        #expect(!Validate.slug("-x"))
    }
}

@Suite struct AccessPolicyTests {
    @Test func rolesAndBranches() {
        let own = UUID(), other = UUID()
        #expect(AccessPolicy.allows(.admin, .manageUsers))
        #expect(!AccessPolicy.allows(.staff, .manageUsers))
        #expect(AccessPolicy.allows(.staff, .editSchedule))
        #expect(AccessPolicy.allows(.volunteer, .editExceptions, branch: own, ownBranch: own))
        #expect(!AccessPolicy.allows(.volunteer, .editExceptions, branch: other, ownBranch: own))
        #expect(!AccessPolicy.allows(.volunteer, .editExceptions, branch: own, ownBranch: nil))
        #expect(!AccessPolicy.allows(.volunteer, .editSchedule, branch: own, ownBranch: own))
        #expect(!AccessPolicy.allows(.partner, .editBranch))
        #expect(AccessPolicy.allows(.partner, .viewStaffPages))
        // Catalogue: staff edit titles and lists; volunteers only lists of their own branch.
        #expect(AccessPolicy.allows(.staff, .editCatalog))
        #expect(!AccessPolicy.allows(.volunteer, .editCatalog, branch: own, ownBranch: own))
        #expect(AccessPolicy.allows(.volunteer, .manageLists, branch: own, ownBranch: own))
        #expect(!AccessPolicy.allows(.volunteer, .manageLists, branch: nil, ownBranch: own))
        #expect(!AccessPolicy.allows(.partner, .manageLists))
        // Circulation: volunteers lend and register at their own branch; blocks, waivers and rules are for staff and admins.
        #expect(AccessPolicy.allows(.volunteer, .circulate, branch: own, ownBranch: own))
        #expect(!AccessPolicy.allows(.volunteer, .circulate, branch: other, ownBranch: own))
        #expect(AccessPolicy.allows(.volunteer, .manageMembers, branch: own, ownBranch: own))
        #expect(!AccessPolicy.allows(.volunteer, .blockAndWaive, branch: own, ownBranch: own))
        #expect(AccessPolicy.allows(.staff, .blockAndWaive))
        #expect(!AccessPolicy.allows(.staff, .manageLoanRules))
        #expect(AccessPolicy.allows(.admin, .manageLoanRules))
        // Self-service machines' accounts: admins only.
        #expect(!AccessPolicy.allows(.staff, .manageSelfService))
        #expect(AccessPolicy.allows(.admin, .manageSelfService))
        #expect(!AccessPolicy.allows(.partner, .circulate))
    }
}
