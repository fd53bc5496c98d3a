import Foundation
import Testing
@testable import BiebCore

/// The fixtures follow the layouts of the COUNTER Code of Practice's sample
/// reports (github.com/Project-Counter/cop5, source/_static/report/); see
/// Fixtures/counter/README.md for which sample each one follows.
@Suite("COUNTER reports") struct CounterReportTests {
    typealias Usage = CounterReport.UsageCount

    func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/counter/\(name)", withExtension: nil))
        return try Data(contentsOf: url)
    }

    func usage(_ month: String, _ resource: String, _ metric: String, _ count: Int, platform: String = "Leesplein") -> Usage {
        Usage(month: month, platform: platform, resource: resource, metric: metric, count: count)
    }

    /// The usage all four forms of the Database Report fixtures hold, summed and without zeros.
    var databaseUsage: [Usage] {
        [
            usage("2026-01", "Beeldarchief Zuid", "Searches_Regular", 40),
            usage("2026-01", "Beeldarchief Zuid", "Total_Item_Investigations", 66),
            usage("2026-01", "Krantenbank Noord", "Limit_Exceeded", 2),
            usage("2026-01", "Krantenbank Noord", "Searches_Regular", 120),
            // 310 regular + 5 text and data mining.
            usage("2026-01", "Krantenbank Noord", "Total_Item_Requests", 315),
            usage("2026-01", "Krantenbank Noord", "Unique_Item_Requests", 201),
            usage("2026-02", "Beeldarchief Zuid", "Searches_Regular", 38),
            usage("2026-02", "Krantenbank Noord", "Searches_Regular", 95),
            usage("2026-02", "Krantenbank Noord", "Total_Item_Requests", 280),
            usage("2026-02", "Krantenbank Noord", "Unique_Item_Requests", 190),
            usage("2026-03", "Beeldarchief Zuid", "Searches_Regular", 51),
            usage("2026-03", "Beeldarchief Zuid", "Total_Item_Investigations", 70),
            usage("2026-03", "Krantenbank Noord", "Limit_Exceeded", 1),
            usage("2026-03", "Krantenbank Noord", "Searches_Regular", 143),
            usage("2026-03", "Krantenbank Noord", "Total_Item_Requests", 7),
        ]
    }

    @Test func release50JSON() throws {
        let report = try CounterReport.parse(fixture("dr_r50.json"))
        #expect(report.form == .json50)
        #expect(report.accepted)
        #expect(report.counts == databaseUsage)
        #expect(report.header == CounterReport.Header(reportID: "DR", reportName: "Database Master Report", release: "5",
                                                      institution: "Bibliotheek Voorbeeldstad", createdBy: "Leesplein Uitgevers",
                                                      begin: d("2026-01-01"), end: d("2026-03-31")))
    }

    @Test func release51JSON() throws {
        let report = try CounterReport.parse(fixture("dr_r51.json"))
        #expect(report.form == .json51)
        #expect(report.accepted)
        #expect(report.counts == databaseUsage)
        #expect(report.header.reportID == "DR")
        #expect(report.header.release == "5.1")
        #expect(report.header.begin == d("2026-01-01"))
        #expect(report.header.end == d("2026-03-31"))
    }

    /// The R5.1 TSV: 13 header rows, every row padded with tabs, months headed "Jan-2026", zeros in the cells.
    @Test func release51Tabular() throws {
        let report = try CounterReport.parse(fixture("dr_r51.tsv"))
        #expect(report.form == .tabular)
        #expect(report.accepted)
        #expect(report.counts == databaseUsage)
        #expect(report.header == CounterReport.Header(reportID: "DR", reportName: "Database Report", release: "5.1",
                                                      institution: "Bibliotheek Voorbeeldstad", createdBy: "Leesplein Uitgevers",
                                                      begin: d("2026-01-01"), end: d("2026-03-31")))
    }

    /// A plain CSV of days with Dutch headings: the days are summed into months.
    @Test func plainCSV() throws {
        let report = try CounterReport.parse(fixture("usage_plain.csv"))
        #expect(report.form == .plainCSV)
        #expect(report.accepted)
        #expect(report.counts == databaseUsage)
        #expect(report.header == CounterReport.Header())
    }

    /// One usage, four forms, the same rows.
    @Test func allFormsGiveTheSameRows() throws {
        let forms = try ["dr_r50.json", "dr_r51.json", "dr_r51.tsv", "usage_plain.csv"].map { try CounterReport.parse(fixture($0)) }
        #expect(forms.map(\.form) == [.json50, .json51, .tabular, .plainCSV])
        #expect(Set(forms.map(\.counts)).count == 1)
    }

    /// A platform report has no resource: "".
    @Test func platformReport() throws {
        let report = try CounterReport.parse(fixture("pr_r51.json"))
        #expect(report.header.reportID == "PR")
        #expect(report.header.end == d("2026-02-28"))
        #expect(report.counts == [
            usage("2026-01", "", "Searches_Platform", 812),
            usage("2026-01", "", "Total_Item_Requests", 1_300),
            usage("2026-02", "", "Searches_Platform", 790),
            usage("2026-02", "", "Total_Item_Requests", 1_234),
        ])
    }

    /// An item report nests items under a parent; each item is a resource, summed over YOP and access method.
    @Test func itemReportWithNestedItems() throws {
        let report = try CounterReport.parse(fixture("ir_r51.json"))
        #expect(report.accepted)
        #expect(report.counts == [
            usage("2026-01", "Dagblad van het Noorden, 12 januari 2026", "Total_Item_Requests", 16),
            usage("2026-01", "Dagblad van het Noorden, 12 januari 2026", "Unique_Item_Requests", 11),
            usage("2026-01", "Markt in Maastricht, 1956", "Total_Item_Requests", 5),
            usage("2026-02", "Dagblad van het Noorden, 12 januari 2026", "Total_Item_Requests", 3),
            usage("2026-02", "Dagblad van het Noorden, 12 januari 2026", "Unique_Item_Requests", 3),
            usage("2026-02", "Leeuwarder Bode, 3 februari 2026", "Total_Item_Requests", 9),
        ])
    }

    /// An R5.0 title report saved as CSV: quoted titles with commas and quotes, YOP rows summed, an empty cell is no usage.
    @Test func release50TitleReportAsCSV() throws {
        let report = try CounterReport.parse(fixture("trb1_r50.csv"))
        #expect(report.form == .tabular)
        #expect(report.header.reportID == "TR_B1")
        #expect(report.header.release == "5")
        #expect(report.header.end == d("2026-02-28"))
        let title = "Fietsen, wandelen en kamperen in Drenthe"
        #expect(report.counts == [
            usage("2026-01", title, "Total_Item_Requests", 19),
            usage("2026-01", title, "Unique_Title_Requests", 5),
            usage("2026-01", "Het \"grote\" kookboek", "Total_Item_Requests", 7),
            // 12 for the 2024 edition + 4 for the 2025 one.
            usage("2026-02", title, "Total_Item_Requests", 16),
            usage("2026-02", title, "Unique_Title_Requests", 4),
        ])
    }

    /// Months headed "2026-01" instead of "Jan-2026", `;` as a spreadsheet saves it.
    @Test func isoMonthHeadings() throws {
        let csv = """
        Report_Name;Platform Usage
        Report_ID;PR_P1
        Release;5.1
        Reporting_Period;Begin_Date=2026-01-01; End_Date=2026-02-28

        Platform;Metric_Type;Reporting_Period_Total;2026-01;2026-02
        Leesplein;Searches_Platform;30;10;20
        """
        let report = try CounterReport.parse(text: csv)
        #expect(report.header.reportID == "PR_P1")
        #expect(report.counts == [usage("2026-01", "", "Searches_Platform", 10), usage("2026-02", "", "Searches_Platform", 20)])
    }

    /// Made with Exclude_Monthly_Details: a one-month report's total is that month's; a longer one cannot be split.
    @Test func reportWithoutMonthColumns() throws {
        func report(_ period: String) throws -> CounterReport.Result {
            try CounterReport.parse(text: """
            Report_Name\tDatabase Report
            Report_ID\tDR
            Release\t5.1
            Reporting_Period\t\(period)

            Database\tPlatform\tMetric_Type\tReporting_Period_Total
            Krantenbank Noord\tLeesplein\tSearches_Regular\t77
            """)
        }
        #expect(try report("Begin_Date=2026-03-01; End_Date=2026-03-31").counts == [usage("2026-03", "Krantenbank Noord", "Searches_Regular", 77)])
        let error = #expect(throws: BiebError.self) { try report("Begin_Date=2026-01-01; End_Date=2026-03-31") }
        #expect(error?.code == "no_month_columns")
    }

    /// Bad cells are problems with their line; the good ones are still read.
    @Test func tabularProblemsByLine() throws {
        let report = try CounterReport.parse(text: """
        Report_Name,Database Report
        Report_ID,DR
        Release,5.1

        Database,Platform,Metric_Type,Reporting_Period_Total,Jan-2026,Feb-2026
        Krantenbank Noord,Leesplein,Searches_Regular,3,1,2
        Krantenbank Noord,Leesplein,Total_Item_Requests,x,-1,veel
        Krantenbank Noord,Leesplein,,3,1,2
        """)
        #expect(!report.accepted)
        #expect(report.problems.map(\.line) == [7, 7, 8])
        #expect(report.problems.map(\.code) == ["negative_number", "bad_number", "no_metric"])
        #expect(report.problems[1].message == "Feb-2026 'veel' is not a whole number.")
        #expect(report.counts == [usage("2026-01", "Krantenbank Noord", "Searches_Regular", 1),
                                  usage("2026-02", "Krantenbank Noord", "Searches_Regular", 2)])
    }

    @Test func plainCSVProblemsByLine() throws {
        let report = try CounterReport.parse(text: """
        month,resource,metric,count
        Jan-2026,Muziekweb,Streams,12
        januari 2026,Muziekweb,Streams,3
        13-2026,Muziekweb,Streams,1
        2026-02,Muziekweb,,1
        2026-02,Muziekweb,Streams,-2
        2026-02,Muziekweb,Streams,1.5
        """)
        #expect(report.counts == [usage("2026-01", "Muziekweb", "Streams", 15, platform: "")])
        #expect(report.problems.map(\.line) == [4, 5, 6, 7])
        #expect(report.problems.map(\.code) == ["bad_date", "no_metric", "negative_number", "bad_number"])
        #expect(report.problemCount == 4)
    }

    @Test func plainCSVNeedsItsColumns() {
        let error = #expect(throws: BiebError.self) { try CounterReport.parse(text: "datum;bron;aantal\n2026-01;X;3\n") }
        #expect(error?.code == "no_headings")
        #expect(error?.messageNL.contains("meting") == true)
    }

    /// R5.0 problems name the item: a period of several months, a count that is no whole number, a negative one.
    @Test func jsonProblemsByItem() throws {
        let json = """
        {"Report_Header": {"Release": "5", "Report_ID": "DR"},
         "Report_Items": [
          {"Database": "A", "Platform": "P", "Performance": [
            {"Period": {"Begin_Date": "2026-01-01", "End_Date": "2026-03-31"}, "Instance": [{"Metric_Type": "Searches_Regular", "Count": 9}]},
            {"Period": {"Begin_Date": "2026-04-01", "End_Date": "2026-04-30"}, "Instance": [
              {"Metric_Type": "Searches_Regular", "Count": 1.5},
              {"Metric_Type": "Total_Item_Requests", "Count": -3},
              {"Metric_Type": "Unique_Item_Requests", "Count": "4"},
              {"Count": 2}]}]},
          "not an item",
          {"Database": "B", "Platform": "P"}]}
        """
        let report = try CounterReport.parse(text: json)
        #expect(report.counts == [usage("2026-04", "A", "Unique_Item_Requests", 4, platform: "P")])
        #expect(report.problems.map(\.item) == [
            "Report_Items[0].Performance[0]", "Report_Items[0].Performance[1].Instance[0]", "Report_Items[0].Performance[1].Instance[1]",
            "Report_Items[0].Performance[1].Instance[3]", "Report_Items[1]", "Report_Items[2]",
        ])
        #expect(report.problems.map(\.code) == ["bad_period", "bad_number", "negative_number", "bad_item", "bad_item", "bad_item"])
        #expect(report.problems.allSatisfy { $0.line == nil })
        #expect(report.problems[0].description.hasPrefix("Report_Items[0].Performance[0]: The period 2026-01-01 to 2026-03-31"))
    }

    /// R5.1 with granularity "totals" has no month keys: a problem, not a wrong month.
    @Test func release51TotalsAreAProblem() throws {
        let json = """
        {"Report_Header": {"Release": "5.1", "Report_ID": "PR"},
         "Report_Items": [{"Platform": "P", "Attribute_Performance": [
           {"Performance": {"Searches_Platform": {"Totals": 40, "2026-02": 7, "2026-13": 1}}}]}]}
        """
        let report = try CounterReport.parse(text: json)
        #expect(report.counts == [usage("2026-02", "", "Searches_Platform", 7, platform: "P")])
        #expect(report.problems.map(\.item) == ["Report_Items[0].Attribute_Performance[0].Performance.Searches_Platform.2026-13",
                                                "Report_Items[0].Attribute_Performance[0].Performance.Searches_Platform.Totals"])
    }

    /// A deeply nested document is refused before JSONSerialization sees it: an error, not a crash.
    @Test func deeplyNestedJSONIsAnError() throws {
        let deep = Data(String(repeating: "[", count: 10_000).utf8)
        let error = #expect(throws: BiebError.self) { try CounterReport.parse(deep) }
        #expect(error?.code == "invalid_json")
        let deepObjects = Data((String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)).utf8)
        #expect(throws: BiebError.self) { try CounterReport.parse(deepObjects) }
        // Brackets inside a string are text, not nesting.
        let inString = Data(#"{"Report_Header": {"Report_Name": "\#(String(repeating: "[", count: 10_000))\""}, "Report_Items": []}"#.utf8)
        #expect(try CounterReport.parse(inString).counts.isEmpty)
    }

    @Test func brokenJSONIsAnError() {
        let error = #expect(throws: BiebError.self) { try CounterReport.parse(text: #"{"Report_Header": {"#) }
        #expect(error?.code == "invalid_json")
        let other = #expect(throws: BiebError.self) { try CounterReport.parse(text: #"{"name": "not a report"}"#) }
        #expect(other?.code == "not_a_report")
    }

    /// A SUSHI server may answer with an exception instead of a report, alone or in a list.
    @Test func sushiExceptionIsAnError() {
        let single = #expect(throws: BiebError.self) {
            try CounterReport.parse(text: #"{"Code": 2010, "Severity": "Error", "Message": "Requestor Not Authorized to Access Service", "Data": "customer_id 42"}"#)
        }
        #expect(single?.code == "counter_exception")
        #expect(single?.message == "The report server answered with COUNTER exception 2010 instead of a report: Requestor Not Authorized to Access Service (customer_id 42)")
        let list = #expect(throws: BiebError.self) {
            try CounterReport.parse(text: #"[{"Code": 3030, "Severity": "Error", "Message": "No Usage Available for Requested Dates"}]"#)
        }
        #expect(list?.messageNL.contains("3030") == true)
    }

    @Test func reportsOverFiftyMegabytesAreRefused() {
        let tooLarge = Data(count: CounterReport.maximumBytes + 1)
        let error = #expect(throws: BiebError.self) { try CounterReport.parse(tooLarge) }
        #expect(error?.code == "file_too_large")
    }

    @Test func release4IsRefused() {
        let r4 = #expect(throws: BiebError.self) {
            try CounterReport.parse(text: "Database Report 1 (R4),Total Searches by Month and Database\nBibliotheek Voorbeeldstad\n")
        }
        #expect(r4?.code == "unsupported_release")
        let labelled = #expect(throws: BiebError.self) {
            try CounterReport.parse(text: "Report_Name,Database Report\nRelease,4\n\nDatabase,Metric_Type,Jan-2026\n")
        }
        #expect(labelled?.code == "unsupported_release")
    }

    /// A spreadsheet's "Unicode text" is UTF-16 with a byte order mark.
    @Test func utf16TextIsRead() throws {
        let text = "Report_Name\tPlatform Report\nReport_ID\tPR\n\nPlatform\tMetric_Type\tJan-2026\nLeesplein\tSearches_Platform\t4\n"
        let data = try #require(text.data(using: .utf16))
        #expect(try CounterReport.parse(data).counts == [usage("2026-01", "", "Searches_Platform", 4)])
    }

    @Test(arguments: [
        ("2026-01", "2026-01"), ("01-2026", "2026-01"), ("1/2026", "2026-01"), ("Jan-2026", "2026-01"), ("jan 2026", "2026-01"),
        ("januari 2026", "2026-01"), ("mrt-2026", "2026-03"), ("Mar-2026", "2026-03"), ("Oct-2026", "2026-10"), ("OKT-2026", "2026-10"),
        ("Dec-26", "2026-12"), ("17-03-2026", "2026-03"), ("2026-03-17", "2026-03"),
    ])
    func monthForms(written: String, month: String) {
        #expect(ImportDate.month(written) == month)
    }

    /// R5.1's month keys are exactly "YYYY-MM".
    @Test func monthKeys() {
        #expect(ImportDate.isMonthKey("2026-01"))
        #expect(ImportDate.isMonthKey("2026-12"))
        for key in ["2026-1", "2026-00", "2026-13", "2026/01", "Totals", "Jan-2026", "0999-01", " 2026-01", ""] {
            #expect(!ImportDate.isMonthKey(key), "\(key)")
        }
    }

    @Test(arguments: ["2026-13", "13-2026", "Foo-2026", "2026", "Jan", "Jan-202", "Reporting_Period_Total", ""])
    func notMonths(written: String) {
        #expect(ImportDate.month(written) == nil)
    }
}
