import Foundation
import Testing
@testable import BiebCore

@Suite struct LocalDateTests {
    @Test func roundTripsDaysSinceEpoch() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let date = LocalDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
        }
        #expect(LocalDate(daysSinceEpoch: 0).iso == "1970-01-01")
        #expect(LocalDate(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11_017)
    }

    @Test func weekdays() {
        #expect(LocalDate(iso: "1970-01-01")!.weekday == .thursday)
        #expect(LocalDate(iso: "2026-11-21")!.weekday == .saturday)
        #expect(LocalDate(iso: "2024-02-29")!.weekday == .thursday)
        #expect(LocalDate(iso: "1969-12-31")!.weekday == .wednesday)
    }

    @Test func parsesAndRejects() {
        #expect(LocalDate(iso: "2026-02-28") != nil)
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2024-02-29") != nil)
        #expect(LocalDate(iso: "1900-02-29") == nil)
        #expect(LocalDate(iso: "2000-02-29") != nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(LocalDate(iso: "2026-1-01") == nil)
        #expect(LocalDate(iso: "26-01-01") == nil)
        #expect(LocalDate(iso: "2026-01-0a") == nil)
        #expect(LocalDate(iso: "") == nil)
    }

    @Test func arithmeticAcrossMonthsAndYears() {
        let date = LocalDate(iso: "2026-12-30")!
        #expect(date.adding(days: 3).iso == "2027-01-02")
        #expect(date.adding(days: -365).iso == "2025-12-30")
        #expect(date.days(until: LocalDate(iso: "2027-03-01")!) == 61)
        #expect(LocalDate(iso: "2026-03-01")! > LocalDate(iso: "2026-02-28")!)
    }

    @Test func localTimes() {
        #expect(LocalTime("09:30")?.minuteOfDay == 570)
        #expect(LocalTime("9:30")?.text == "09:30")
        #expect(LocalTime("24:00")?.minuteOfDay == 1440)
        #expect(LocalTime("24:01") == nil)
        #expect(LocalTime("12:60") == nil)
        #expect(LocalTime("1230") == nil)
        #expect(LocalTime("-1:00") == nil)
    }

    @Test func codableAsStrings() throws {
        struct Box: Codable, Equatable { var d: LocalDate; var t: LocalTime }
        let box = Box(d: LocalDate(iso: "2026-04-27")!, t: LocalTime("17:00")!)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(box)
        #expect(String(decoding: data, as: UTF8.self) == #"{"d":"2026-04-27","t":"17:00"}"#)
        #expect(try JSONDecoder().decode(Box.self, from: data) == box)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Box.self, from: Data(#"{"d":"2026-02-30","t":"17:00"}"#.utf8))
        }
    }
}

@Suite struct LocalClockTests {
    let tz = BranchCalendar.amsterdam

    func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func winterAndSummerOffsets() {
        #expect(LocalClock.instant(of: LocalDate(iso: "2026-01-15")!, minute: 600, in: tz) == utc("2026-01-15T09:00:00Z"))
        #expect(LocalClock.instant(of: LocalDate(iso: "2026-07-15")!, minute: 600, in: tz) == utc("2026-07-15T08:00:00Z"))
        #expect(LocalClock.instant(of: LocalDate(iso: "2026-07-15")!, minute: 1440 + 60, in: tz) == utc("2026-07-15T23:00:00Z"))
    }

    @Test func springForwardGapMapsToTheJump() {
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let day = LocalDate(iso: "2026-03-29")!
        #expect(LocalClock.instant(of: day, minute: 150, in: tz) == utc("2026-03-29T01:00:00Z"))
        #expect(LocalClock.instant(of: day, minute: 60, in: tz) == utc("2026-03-29T00:00:00Z"))
        #expect(LocalClock.instant(of: day, minute: 180, in: tz) == utc("2026-03-29T01:00:00Z"))
    }

    @Test func fallBackAmbiguityTakesFirstOccurrence() {
        // 25 October 2026: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 happens twice.
        let day = LocalDate(iso: "2026-10-25")!
        #expect(LocalClock.instant(of: day, minute: 150, in: tz) == utc("2026-10-25T00:30:00Z"))
        #expect(LocalClock.instant(of: day, minute: 210, in: tz) == utc("2026-10-25T02:30:00Z"))
    }

    @Test func localDateAndMinuteOfInstant() {
        let late = utc("2026-07-15T22:30:00Z") // 00:30 on the 16th in Amsterdam
        #expect(LocalDate(late, in: tz).iso == "2026-07-16")
        #expect(LocalClock.minuteOfDay(of: late, in: tz) == 30)
    }
}
