import Foundation
import Testing
@testable import BiebCore

@Suite("People counter import") struct PeopleCounterTests {
    typealias Import = PeopleCounterImport

    func visits(_ result: Import.Result, _ counter: String = "") -> [String: Int] {
        Dictionary(uniqueKeysWithValues: result.days.filter { $0.counter == counter }.map { ($0.date.iso, $0.visits) })
    }

    /// A Dutch export: `;`, hourly rows, in and out per gate. Visits are the people entering.
    @Test func dutchHourlyInAndOut() throws {
        let csv = """
        Datum;Tijd;Teller;Binnen;Buiten
        02-03-2026;10:00;Hoofdingang;12;3
        02-03-2026;11:00;Hoofdingang;20;15
        02-03-2026;10:00;Zij-ingang;4;4
        03-03-2026;10:00;Hoofdingang;7;9
        03-03-2026;10:00;Zij-ingang;5;1
        """
        let result = try Import.parse(csv)
        #expect(result.accepted)
        #expect(visits(result, "Hoofdingang") == ["2026-03-02": 32, "2026-03-03": 7])
        #expect(visits(result, "Zij-ingang") == ["2026-03-02": 4, "2026-03-03": 5])
        #expect(result.days.allSatisfy { $0.origin == .counted })
        // Sorted per counter, then date.
        #expect(result.days.map(\.counter) == ["Hoofdingang", "Hoofdingang", "Zij-ingang", "Zij-ingang"])
        let entering = result.corrections.filter { $0.kind == .enteringOnly }
        #expect(entering.map(\.counter) == ["Hoofdingang", "Zij-ingang"])
        #expect(entering[0].message(dutch: true).contains("binnenkomen"))
    }

    /// An English export with `,`, a row per day, one total, no counter column: the counter is "".
    @Test func englishDailyTotalsWithoutCounter() throws {
        let csv = "Date,Count\n2026-03-02,410\n2026-03-03,388\n"
        let result = try Import.parse(csv)
        #expect(result.days == [
            Import.DayCount(date: d("2026-03-02"), counter: "", visits: 410, origin: .counted),
            Import.DayCount(date: d("2026-03-03"), counter: "", visits: 388, origin: .counted),
        ])
        #expect(result.corrections.isEmpty)
    }

    /// Headings match whatever their case, accents or padding, in Dutch or English.
    @Test(arguments: ["DATUM;POORT;AANTAL", " date , Gate , Total ", "Datum;Sensor;Totaal", "datum,teller,count", "Date;Location;Aantal",
                      "Datum/tijd;Teller;Aantal", "Timestamp,Gate,Count"])
    func headingSynonyms(header: String) throws {
        let separator = header.contains(";") ? ";" : ","
        let csv = header + "\n" + ["02-03-2026", "A", "5"].joined(separator: separator)
        let result = try Import.parse(csv)
        #expect(result.days == [Import.DayCount(date: d("2026-03-02"), counter: "A", visits: 5, origin: .counted)])
    }

    /// A two-way gate counts everyone twice: a day's passages are halved, rounded half up, per day.
    @Test func twoWayTotalsAreHalvedPerDay() throws {
        let csv = """
        datum;tijd;totaal
        02-03-2026;10:00;7
        02-03-2026;11:00;8
        03-03-2026;10:00;9
        04-03-2026;10:00;0
        """
        let halved = try Import.parse(csv, settings: .init(twoWay: true))
        // 15 → 7.5 → 8 (not 4 + 4 per row); 9 → 5; 0 → 0.
        #expect(visits(halved) == ["2026-03-02": 8, "2026-03-03": 5, "2026-03-04": 0])
        #expect(halved.corrections.map(\.kind) == [.halved])
        #expect(halved.corrections[0].message.contains("3 days"))
        // A one-way gate's total is the visits as they are.
        let oneWay = try Import.parse(csv)
        #expect(visits(oneWay) == ["2026-03-02": 15, "2026-03-03": 9, "2026-03-04": 0])
        #expect(oneWay.corrections.isEmpty)
    }

    /// With an `in` column the two-way setting changes nothing: in already counts only the people entering.
    @Test func twoWayWithInIsNotHalved() throws {
        let result = try Import.parse("date,in,out,total\n2026-03-02,10,9,19\n", settings: .init(twoWay: true))
        #expect(visits(result) == ["2026-03-02": 10])
        #expect(result.corrections.map(\.kind) == [.enteringOnly])
    }

    /// Cumulative readings: visits are the increase; a lower reading means a reset, counted from zero.
    @Test func cumulativeReadingsWithAReset() throws {
        let csv = """
        date;time;counter;in
        2026-03-02;09:00;A;100
        2026-03-02;12:00;A;150
        2026-03-02;17:00;A;180
        2026-03-03;09:00;A;30
        2026-03-03;17:00;A;60
        """
        let result = try Import.parse(csv, settings: .init(readings: .cumulative))
        // 2 March: 50 + 30; 3 March: reset to 30 (30 visits, not −150), then + 30.
        #expect(visits(result, "A") == ["2026-03-02": 80, "2026-03-03": 60])
        #expect(result.days.allSatisfy { $0.origin == .counted })
        let reset = try #require(result.corrections.first { $0.kind == .reset })
        #expect(reset.line == 5)
        #expect(reset.date == d("2026-03-03"))
        #expect(reset.message.contains("from 180 to 30"))
        let baseline = try #require(result.corrections.first { $0.kind == .baseline })
        #expect(baseline.line == 2)
    }

    /// Readings are ordered by date and time, not by their place in the file.
    @Test func cumulativeReadingsAreOrderedByTime() throws {
        let csv = """
        date,time,total
        2026-03-02,17:00,180
        2026-03-02,09:00,100
        2026-03-02,12:00,150
        """
        let result = try Import.parse(csv, settings: .init(readings: .cumulative))
        #expect(visits(result) == ["2026-03-02": 80])
        #expect(!result.corrections.contains { $0.kind == .reset })
    }

    /// Daily cumulative readings of a two-way gate: the first day is only a baseline, so it is estimated.
    @Test func cumulativeDailyTwoWay() throws {
        let csv = """
        date,total
        2026-03-02,1000
        2026-03-03,1100
        2026-03-04,1301
        """
        let result = try Import.parse(csv, settings: .init(readings: .cumulative, twoWay: true))
        // 100 → 50; 201 → 101 (half up); 2 March has no increase: estimated from all counted days, (50 + 101) / 2 = 75.5 → 76.
        #expect(result.days == [
            Import.DayCount(date: d("2026-03-02"), counter: "", visits: 76, origin: .estimated),
            Import.DayCount(date: d("2026-03-03"), counter: "", visits: 50, origin: .counted),
            Import.DayCount(date: d("2026-03-04"), counter: "", visits: 101, origin: .counted),
        ])
        #expect(Set(result.corrections.map(\.kind)) == [.baseline, .halved, .estimated])
    }

    /// A day without rows between the first and last date is estimated from the same weekday.
    @Test func missingDaysFromTheSameWeekday() throws {
        // Mondays 2, 9, 16 March; Wednesdays 4 and 18 March; Wednesday 11 March is missing, so is Tuesday 10.
        var rows = ["datum;aantal"]
        for day in 2...18 where ![10, 11].contains(day) {
            let date = d(String(format: "2026-03-%02d", day))
            let count = switch date.weekday { case .monday: 100 + day; case .wednesday: 200 + day; default: 10 }
            rows.append(String(format: "%02d-03-2026;%d", day, count))
        }
        let result = try Import.parse(rows.joined(separator: "\n"))
        let estimated = result.days.filter { $0.origin == .estimated }
        // Wednesday: (204 + 218) / 2 = 211. Tuesday: (10 + 10) / 2 = 10.
        #expect(estimated == [
            Import.DayCount(date: d("2026-03-10"), counter: "", visits: 10, origin: .estimated),
            Import.DayCount(date: d("2026-03-11"), counter: "", visits: 211, origin: .estimated),
        ])
        #expect(result.days.count == 17)
        let wednesday = try #require(result.corrections.first { $0.date == d("2026-03-11") })
        #expect(wednesday.kind == .estimated)
        #expect(wednesday.message.contains("the average of 2 Wednesdays"))
        #expect(wednesday.messageNL.contains("2 woensdagen"))
    }

    /// A weekday never counted in the file falls back to the average of all counted days.
    @Test func missingWeekdayFallsBackToTheOverallAverage() throws {
        // Monday 2 and Wednesday 4 March counted; Tuesday 3 March missing and no other Tuesday.
        let result = try Import.parse("date,count\n2026-03-02,100\n2026-03-04,201\n")
        let tuesday = try #require(result.days.first { $0.date == d("2026-03-03") })
        #expect(tuesday == Import.DayCount(date: d("2026-03-03"), counter: "", visits: 151, origin: .estimated))
        #expect(result.corrections.first { $0.kind == .estimated }?.message.contains("no Tuesday was counted") == true)
    }

    /// Given open days, only those are expected: a closed day is not estimated, an open day outside the file is.
    @Test func openDaysDecideWhatIsMissing() throws {
        let csv = "date,count\n2026-03-02,100\n2026-03-04,120\n2026-03-09,110\n"
        // Tuesday 3 March closed; Thursday 5 and Tuesday 10 March (after the file's last date) open.
        let open: Set<LocalDate> = [d("2026-03-02"), d("2026-03-04"), d("2026-03-05"), d("2026-03-09"), d("2026-03-10")]
        let result = try Import.parse(csv, settings: .init(openDays: open))
        #expect(result.days.map(\.date.iso) == ["2026-03-02", "2026-03-04", "2026-03-05", "2026-03-09", "2026-03-10"])
        #expect(result.days.filter { $0.origin == .estimated }.map(\.date.iso) == ["2026-03-05", "2026-03-10"])
        // Thursday: no Thursday counted → (100 + 120 + 110) / 3 = 110. Tuesday: no Tuesday counted either.
        #expect(result.days.first { $0.date == d("2026-03-05") }?.visits == 110)
        // Without open days, every day from 2 to 9 March is expected.
        let everyDay = try Import.parse(csv)
        #expect(everyDay.days.count == 8)
        #expect(everyDay.days.filter { $0.origin == .estimated }.count == 5)
    }

    /// Each counter is estimated apart: a day counted at one gate may be missing at another.
    @Test func estimatesPerCounter() throws {
        let csv = "date,gate,in\n2026-03-02,A,10\n2026-03-03,A,20\n2026-03-02,B,5\n"
        let result = try Import.parse(csv)
        #expect(visits(result, "A") == ["2026-03-02": 10, "2026-03-03": 20])
        #expect(visits(result, "B") == ["2026-03-02": 5, "2026-03-03": 5])
        #expect(result.days.first { $0.counter == "B" && $0.date == d("2026-03-03") }?.origin == .estimated)
    }

    /// A date and time in one column orders cumulative readings like a time column does.
    @Test func dateAndTimeInOneColumn() throws {
        let csv = "Datum/tijd;Binnen\n02-03-2026 17:00;180\n02-03-2026 09:00;100\n02-03-2026 12:00;150\n"
        let result = try Import.parse(csv, settings: .init(readings: .cumulative))
        #expect(visits(result) == ["2026-03-02": 80])
    }

    /// Every accepted way of writing a date gives the same day; the day comes first in the Dutch forms.
    @Test(arguments: ["2026-03-01", "01-03-2026", "1-3-2026", "01/03/2026", "1/3/2026", "01.03.2026",
                      "2026-03-01 10:15", "2026-03-01T10:15:00", "01-03-2026 10:15:00", "2026-03-01T10:15:00+01:00"])
    func dateForms(written: String) throws {
        let result = try Import.parse("date,count\n\(written),3\n")
        #expect(result.accepted)
        #expect(result.days.map(\.date) == [d("2026-03-01")])
    }

    @Test(arguments: ["2026-02-30", "03/01/26", "2026/03/01", "1-3-26", "gisteren", "2026-3-1", "32-01-2026"])
    func badDates(written: String) throws {
        let result = try Import.parse("date,count\n\(written),3\n")
        #expect(!result.accepted)
        #expect(result.problems.map(\.code) == ["bad_date"])
        #expect(result.problems.first?.line == 2)
    }

    /// Bad lines are all reported, by line; the import is refused as a whole, the good lines still shown.
    @Test func badLinesAreReportedByLine() throws {
        let csv = """
        datum;tijd;binnen;buiten
        02-03-2026;10:00;12;3
        31-02-2026;10:00;5;1
        03-03-2026;10:00;-4;1
        03-03-2026;11:00;veel;1
        03-03-2026;12:00;5;1,5
        03-03-2026;25:00;5;1

        04-03-2026;10:00;8;
        """
        let result = try Import.parse(csv)
        #expect(!result.accepted)
        #expect(result.problemCount == 5)
        #expect(result.problems.map(\.line) == [3, 4, 5, 6, 7])
        #expect(result.problems.map(\.code) == ["bad_date", "negative_number", "bad_number", "bad_number", "bad_time"])
        #expect(result.problems[1].message == "in is negative ('-4'); a count is 0 or more.")
        #expect(result.problems[3].description == "line 6: out '1,5' is not a whole number.")
        #expect(result.problems[0].message(dutch: true).hasPrefix("'31-02-2026' is geen datum"))
        // The good lines: 2 March and 4 March counted, 3 March (all bad) estimated.
        #expect(visits(result) == ["2026-03-02": 12, "2026-03-03": 10, "2026-03-04": 8])
    }

    /// An empty count cell is a gap in the data: skipped, not a zero and not a problem.
    @Test func emptyCountIsSkipped() throws {
        let result = try Import.parse("date,time,in\n2026-03-02,10:00,4\n2026-03-02,11:00,\n2026-03-03,10:00,\n2026-03-04,10:00,6\n")
        #expect(result.accepted)
        #expect(result.days.map(\.origin) == [.counted, .estimated, .counted])
    }

    /// Windows line endings, a byte order mark and quoted fields (with a line break inside) are read; lines are still counted right.
    @Test func quotedFieldsAndLineEndings() throws {
        let csv = "\u{FEFF}Datum;Teller;Binnen\r\n02-03-2026;\"Hal; oost\";4\r\n02-03-2026;\"Ingang\r\nnoord\";5\r\nfout;x;1\r\n"
        let result = try Import.parse(csv)
        #expect(visits(result, "Hal; oost") == ["2026-03-02": 4])
        #expect(visits(result, "Ingang\r\nnoord") == ["2026-03-02": 5])
        #expect(result.problems.map(\.line) == [5])
    }

    @Test func fileWithoutDateOrCountIsRefused() {
        let noDate = #expect(throws: BiebError.self) { try Import.parse("dag;aantal\nmaandag;4\n") }
        #expect(noDate?.code == "no_date_column")
        #expect(noDate?.field == "file")
        let noCount = #expect(throws: BiebError.self) { try Import.parse("datum;buiten\n02-03-2026;4\n") }
        #expect(noCount?.code == "no_count_column")
        #expect(noCount?.messageNL.contains("binnen") == true)
        let empty = #expect(throws: BiebError.self) { try Import.parse("\n\n") }
        #expect(empty?.code == "empty_file")
    }

    @Test func moreThanTwoMillionLinesAreRefused() {
        let tooLong = "date,count\n" + String(repeating: "\n", count: Import.maximumLines)
        let error = #expect(throws: BiebError.self) { try Import.parse(tooLong) }
        #expect(error?.code == "file_too_large")
        // Exactly the limit is read.
        let atLimit = "date,count\n" + String(repeating: "\n", count: Import.maximumLines - 1)
        #expect(throws: Never.self) { try Import.parse(atLimit) }
    }

    /// Problems beyond `ImportProblem.limit` are counted, not kept.
    @Test func problemsAreCappedButCounted() throws {
        let csv = "date,count\n" + String(repeating: "x,1\n", count: ImportProblem.limit + 5)
        let result = try Import.parse(csv)
        #expect(result.problems.count == ImportProblem.limit)
        #expect(result.problemCount == ImportProblem.limit + 5)
        #expect(result.days.isEmpty)
    }
}
