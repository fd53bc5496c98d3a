import Foundation
import Testing
@testable import BiebCore

/// The scheduling core's rules: fitting a booking into a branch's opening
/// hours at a service level, room for one more in a space, and weekly
/// recurrences across daylight-saving changes with exceptions.
@Suite struct SchedulingTests {
    let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!
    var calendar: BranchCalendar { BranchCalendar(schedules: [smallTown]) }

    func range(_ start: String, _ end: String) -> TimeRange { TimeRange(start: utc(start), end: utc(end)) }

    @Test func aBookingFitsTheOpeningHoursAtItsServiceLevel() {
        // Tuesday 24 November 2026 (CET, UTC+1): staffed 10:00–17:30, self-service 08:00–22:00.
        #expect(Scheduling.problem(with: range("2026-11-24T13:00:00Z", "2026-11-24T15:00:00Z"), calendar: calendar, atLeast: .staffed) == nil)
        // 16:00–18:00 local runs past the staffed hours: fine for a study place, not for a staff-run activity.
        let evening = range("2026-11-24T15:00:00Z", "2026-11-24T17:00:00Z")
        #expect(Scheduling.problem(with: evening, calendar: calendar, atLeast: .selfService) == nil)
        #expect(Scheduling.problem(with: evening, calendar: calendar, atLeast: .staffed)
                == .levelTooLow(at: utc("2026-11-24T16:30:00Z"), level: .selfService, needed: .staffed))
        // 21:00–23:00 local: closed from 22:00.
        #expect(Scheduling.problem(with: range("2026-11-24T20:00:00Z", "2026-11-24T22:00:00Z"), calendar: calendar, atLeast: .selfService)
                == .closed(at: utc("2026-11-24T21:00:00Z")))
        // 07:00 local: not open yet.
        #expect(Scheduling.problem(with: range("2026-11-24T06:00:00Z", "2026-11-24T08:00:00Z"), calendar: calendar, atLeast: .selfService)
                == .closed(at: utc("2026-11-24T06:00:00Z")))
        #expect(Scheduling.problem(with: range("2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z"), calendar: calendar, atLeast: .selfService) == .empty)
        #expect(Scheduling.problem(with: range("2026-11-24T10:00:00Z", "2026-11-26T10:00:00Z"), calendar: calendar, atLeast: .selfService)
                == .tooLong(maximumHours: 24))
    }

    @Test func roomForOneMoreInASpace() {
        let booked = [range("2026-11-24T09:00:00Z", "2026-11-24T11:00:00Z"), range("2026-11-24T10:00:00Z", "2026-11-24T12:00:00Z"),
                      range("2026-11-24T12:00:00Z", "2026-11-24T13:00:00Z")]
        // A room (one at a time): taken where the first booking is.
        #expect(Scheduling.firstFullInstant(for: range("2026-11-24T10:30:00Z", "2026-11-24T11:30:00Z"), booked: booked, capacity: 1)
                == utc("2026-11-24T10:30:00Z"))
        // Touching is not overlapping: 11:00 local ends exactly when the next starts.
        #expect(Scheduling.firstFullInstant(for: range("2026-11-24T08:00:00Z", "2026-11-24T09:00:00Z"), booked: booked, capacity: 1) == nil)
        // Two places: full from 10:00, when two bookings run at once.
        #expect(Scheduling.firstFullInstant(for: range("2026-11-24T09:30:00Z", "2026-11-24T12:30:00Z"), booked: booked, capacity: 2)
                == utc("2026-11-24T10:00:00Z"))
        // Two places, but the overlaps never reach two at once in 11:00–13:00 (one ends as the next starts).
        #expect(Scheduling.firstFullInstant(for: range("2026-11-24T11:00:00Z", "2026-11-24T13:00:00Z"), booked: booked, capacity: 2) == nil)
        #expect(Scheduling.firstFullInstant(for: range("2026-11-24T09:30:00Z", "2026-11-24T12:30:00Z"), booked: booked, capacity: 3) == nil)
    }

    @Test func weeklyRecurrenceKeepsItsWallClockTimeAcrossDaylightSaving() throws {
        // Every Tuesday 19:00–21:00 around the autumn change (25 October 2026) and the spring change (28 March 2027).
        let autumn = try WeeklyRecurrence(weekdays: [.tuesday], startMinute: 19 * 60, durationMinutes: 120, from: d("2026-10-19"),
                                          through: d("2026-11-03")).validated()
        #expect(autumn.occurrences(in: amsterdam).map(\.start) == [utc("2026-10-20T17:00:00Z"), utc("2026-10-27T18:00:00Z"), utc("2026-11-03T18:00:00Z")])
        #expect(autumn.occurrences(in: amsterdam).allSatisfy { $0.duration == 7200 })
        let spring = WeeklyRecurrence(weekdays: [.tuesday], startMinute: 19 * 60, durationMinutes: 120, from: d("2027-03-23"), through: d("2027-03-30"))
        #expect(spring.occurrences(in: amsterdam).map(\.start) == [utc("2027-03-23T18:00:00Z"), utc("2027-03-30T17:00:00Z")])
        // 02:30 on the spring-forward Sunday does not exist: it starts when the clocks jump (03:00 CEST) and still ends at 04:30.
        let night = WeeklyRecurrence(weekdays: [.sunday], startMinute: 150, durationMinutes: 120, from: d("2027-03-28"), through: d("2027-03-28"))
        #expect(night.occurrences(in: amsterdam) == [range("2027-03-28T01:00:00Z", "2027-03-28T02:30:00Z")])
    }

    @Test func exceptionsAndFortnightlyRecurrences() throws {
        // Tuesdays and Thursdays in December 2026, not on Christmas Eve; fortnightly Mondays from a Wednesday start.
        let twice = WeeklyRecurrence(weekdays: [.tuesday, .thursday], startMinute: 600, durationMinutes: 60, from: d("2026-12-01"),
                                     through: d("2026-12-31"), skipped: [d("2026-12-24")])
        #expect(twice.dates.map(\.iso) == ["2026-12-01", "2026-12-03", "2026-12-08", "2026-12-10", "2026-12-15", "2026-12-17", "2026-12-22",
                                           "2026-12-29", "2026-12-31"])
        let fortnightly = WeeklyRecurrence(weekdays: [.monday], startMinute: 600, durationMinutes: 60, from: d("2026-12-02"),
                                           through: d("2027-01-31"), everyWeeks: 2)
        // The week of 2 December is week 0: its Monday (30 November) is before the start; then every other week.
        #expect(fortnightly.dates.map(\.iso) == ["2026-12-14", "2026-12-28", "2027-01-11", "2027-01-25"])
        // Bad input names the field.
        #expect(throws: BiebError.self) { try WeeklyRecurrence(weekdays: [], startMinute: 600, durationMinutes: 60, from: d("2026-12-01"), through: d("2026-12-31")).validated() }
        do {
            _ = try WeeklyRecurrence(weekdays: [.monday], startMinute: 600, durationMinutes: 60, from: d("2026-12-01"), through: d("2029-12-31")).validated()
            Issue.record("three years were accepted")
        } catch let error as BiebError {
            #expect(error.field == "through")
        }
        do {
            _ = try WeeklyRecurrence(weekdays: [.monday], startMinute: 600, durationMinutes: 2, from: d("2026-12-01"), through: d("2026-12-31")).validated()
            Issue.record("two minutes were accepted")
        } catch let error as BiebError {
            #expect(error.field == "duration_minutes")
        }
    }
}
