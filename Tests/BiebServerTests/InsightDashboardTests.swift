import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// The dashboards of issue 19 through HTTP: per audience, the seasons
/// (visitors per month, loans per weekday), the drill from the organisation
/// to its branches, and every chart as CSV and JSON with small cells as "<5".
@Suite("Insights: dashboards") struct InsightDashboardTests {
    static let zone = BranchCalendar.amsterdam

    /// Facts of last year (`year`) and the year before, appended as history (the roll-ups rebuilt from them):
    /// loans at the central library in March (12 + 3 youth, 20 adult) and 3 adult loans at Oost in July, 10 the year before;
    /// visitors in January and August; participants in reading (12, 6 the year before) and 3 in knowledge at Oost.
    static func world(_ app: Application) async throws -> (network: Fixture, year: Int) {
        let network = try await Fixture.make(on: app)
        let year = LocalDate(Date(), in: zone).year - 1
        let previous = year - 1
        func day(_ year: Int, _ month: Int, _ day: Int) -> LocalDate { LocalDate(year: year, month: month, day: day)! }
        let (central, oost) = (network.central, network.district)
        try await InsightFacts(app.db, organisationID: network.city).append(history: [
            .init(day: day(year, 3, 10), branch: central, kind: .loan, ageBand: "0-11", quantity: 12),
            .init(day: day(year, 3, 11), branch: central, kind: .loan, ageBand: "12-17", quantity: 3),
            .init(day: day(year, 3, 10), branch: central, kind: .loan, ageBand: "35-49", quantity: 20),
            .init(day: day(year, 7, 1), branch: oost, kind: .loan, ageBand: "35-49", quantity: 3),
            .init(day: day(previous, 3, 10), branch: central, kind: .loan, ageBand: "35-49", quantity: 10),
            .init(day: day(year, 1, 15), branch: central, kind: .visitorCount, mode: "counted", quantity: 400),
            .init(day: day(year, 8, 5), branch: central, kind: .visitorCount, mode: "counted", quantity: 250),
            .init(day: day(previous, 1, 15), branch: central, kind: .visitorCount, mode: "counted", quantity: 300),
            .init(day: day(year, 1, 20), branch: oost, kind: .visitorCount, mode: "manual", quantity: 120),
            .init(day: day(previous, 1, 20), branch: oost, kind: .visitorCount, mode: "manual", quantity: 100),
            .init(day: day(year, 4, 2), branch: central, kind: .activityParticipant, coreFunction: CoreFunction.reading.rawValue, quantity: 12),
            .init(day: day(previous, 4, 2), branch: central, kind: .activityParticipant, coreFunction: CoreFunction.reading.rawValue, quantity: 6),
            .init(day: day(year, 5, 6), branch: oost, kind: .activityParticipant, coreFunction: CoreFunction.knowledge.rawValue, quantity: 3),
        ])
        _ = try await AccountAdmin.create(email: "directie@city.test", name: "Dirk Directie", role: .manager, organisation: "city",
                                          branch: nil, password: Fixture.password, app: app)
        return (network, year)
    }

    /// Monday 0 … Sunday 6, worked out with Foundation's calendar (not Bieb's).
    static func weekdayIndex(_ year: Int, _ month: Int, _ day: Int) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return (calendar.component(.weekday, from: date) + 5) % 7
    }

    /// The lines of a CSV (no quoted fields in these) as fields.
    static func rows(_ csv: String) -> [[String]] {
        csv.split(separator: "\r\n", omittingEmptySubsequences: true).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func series(_ chart: [String: Any], _ key: String) throws -> [Any] {
        let all = try #require(chart["series"] as? [[String: Any]])
        return try #require(all.first { $0["key"] as? String == key }?["values"] as? [Any])
    }

    @Test(arguments: TestDatabase.all)
    func theOverviewShowsAudiencesSeasonsAndTheBranchesWithTheirChange(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (_, year) = try await Self.world(app)
            let previous = year - 1
            let formats = Formats(lang: .nl, timeZone: Self.zone)
            let manager = TestClient(app)
            try await manager.signInPages("directie@city.test", password: Fixture.password)
            let page = try await manager.send(.GET, "/staff/inzicht?jaar=\(year)&lang=nl")
            #expect(page.status == .ok)
            let html = page.body.string
            // Every chart is named for screen readers, has its numbers in a table and links to its CSV.
            for chart in InsightChart.drawn {
                #expect(html.contains(#"aria-labelledby="\#(chart.rawValue)-title \#(chart.rawValue)-desc""#))
                #expect(html.contains(#"<section aria-labelledby="\#(chart.rawValue)-h">"#))
                #expect(html.contains(#"href="/staff/inzicht/grafiek/\#(chart.rawValue).csv?jaar=\#(year)""#))
            }
            // Per audience: March's 15 youth loans and 20 adult loans; July's 3 adult loans at Oost.
            #expect(html.contains("<tr><th scope=\"row\">\(formats.monthName(3))</th><td>15</td><td>20</td></tr>"))
            #expect(html.contains("<tr><th scope=\"row\">\(formats.monthName(7))</th><td>0</td><td>3</td></tr>"))
            #expect(html.contains("<dt>Uitleningen aan jeugd (tot 18)</dt><dd>15</dd>"))
            // Loans per month against the year before.
            #expect(html.contains("<tr><th scope=\"row\">\(formats.monthName(3))</th><td>35</td><td>10</td></tr>"))
            // The seasons: visitors in January (400 + 120 against 300 + 100) and August; loans per weekday.
            #expect(html.contains("<tr><th scope=\"row\">\(formats.monthName(1))</th><td>520</td><td>400</td></tr>"))
            #expect(html.contains("<tr><th scope=\"row\">\(formats.monthName(8))</th><td>250</td><td>0</td></tr>"))
            var weekdays = Array(repeating: 0, count: 7)
            weekdays[Self.weekdayIndex(year, 3, 10)] += 32
            weekdays[Self.weekdayIndex(year, 3, 11)] += 3
            weekdays[Self.weekdayIndex(year, 7, 1)] += 3
            var before = Array(repeating: 0, count: 7)
            before[Self.weekdayIndex(previous, 3, 10)] += 10
            for (index, day) in Weekday.allCases.enumerated() {
                #expect(html.contains("<tr><th scope=\"row\">\(formats.weekdayName(day))</th><td>\(weekdays[index])</td><td>\(before[index])</td></tr>"))
            }
            // The branches, each linking to its own page, with the change against the year before.
            #expect(html.contains(#"<section aria-labelledby="branches-h">"#))
            #expect(html.contains(#"<tr><th scope="row"><a href="/staff/inzicht?vestiging=centrale&amp;jaar=\#(year)">Centrale Bibliotheek</a></th>"#
                + "<td>35</td><td>+250,0 %</td><td>650</td><td>+116,7 %</td><td>12</td><td>+100,0 %</td></tr>"))
            #expect(html.contains(#"<tr><th scope="row"><a href="/staff/inzicht?vestiging=oost&amp;jaar=\#(year)">Bibliotheek Oost</a></th>"#
                + "<td>3</td><td>—</td><td>120</td><td>+20,0 %</td><td>3</td><td>—</td></tr>"))
            #expect(html.contains(#"<tr><th scope="row"><a href="/staff/inzicht?vestiging=buurt&amp;jaar=\#(year)">Buurtbibliotheek Noord</a></th>"#
                + "<td>0</td><td>—</td><td>0</td><td>—</td><td>0</td><td>—</td></tr>"))

            // Drilled down to Oost: only its numbers, no branch table, a way back to the organisation.
            let oost = try await manager.send(.GET, "/staff/inzicht?vestiging=oost&jaar=\(year)&lang=nl").body.string
            #expect(oost.contains("<tr><th scope=\"row\">\(formats.monthName(3))</th><td>0</td><td>0</td></tr>"))
            #expect(oost.contains("<tr><th scope=\"row\">\(formats.monthName(7))</th><td>3</td><td>0</td></tr>"))
            #expect(oost.contains("<tr><th scope=\"row\">\(formats.monthName(1))</th><td>120</td><td>100</td></tr>"))
            #expect(!oost.contains("branches-h"))
            #expect(oost.contains(#"href="/staff/inzicht?jaar=\#(year)""#))
            #expect(oost.contains(#"href="/staff/inzicht/grafiek/visits.csv?vestiging=oost&amp;jaar=\#(year)""#))
        }
    }

    @Test(arguments: TestDatabase.all)
    func everyChartLeavesAsCSVAndJSONWithSmallCellsAsLessThanFive(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (_, year) = try await Self.world(app)
            let previous = year - 1
            let manager = TestClient(app)
            try await manager.signInPages("directie@city.test", password: Fixture.password)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))

            // Every chart as CSV from the page and the API (the same text) and as JSON, with a value per label in each series.
            for chart in InsightChart.allCases {
                let csv = try await manager.send(.GET, "/staff/inzicht/grafiek/\(chart.rawValue).csv?jaar=\(year)")
                #expect(csv.status == .ok)
                #expect(csv.headers.contentType?.subType == "csv")
                let viaAPI = try await api.send(.GET, "/api/v1/insights/charts/\(chart.rawValue)?year=\(year)&format=csv")
                #expect(viaAPI.headers.contentType?.subType == "csv")
                #expect(viaAPI.body.string == csv.body.string)
                let json = try object(try await api.send(.GET, "/api/v1/insights/charts/\(chart.rawValue)?year=\(year)"))
                #expect(json["chart"] as? String == chart.rawValue)
                #expect(json["year"] as? Int == year)
                #expect((json["title"] as? String)?.isEmpty == false && (json["description"] as? String)?.isEmpty == false)
                let keys = try #require(json["keys"] as? [String])
                let series = try #require(json["series"] as? [[String: Any]])
                #expect(!series.isEmpty && series.allSatisfy { ($0["values"] as? [Any])?.count == keys.count })
                // The CSV: a header and a line per label, each with the label's key first.
                let rows = Self.rows(csv.body.string)
                #expect(rows.count == keys.count + 1)
                #expect(rows.dropFirst().map { $0[0] } == keys)
                #expect(rows[0] == [json["dimension"] as? String ?? "", "label"] + series.compactMap { $0["key"] as? String })
            }

            // Loans: March 35 against 10; July's 3 at Oost is "<5" in the CSV and the JSON, as is every month without loans.
            let loans = Self.rows(try await manager.send(.GET, "/staff/inzicht/grafiek/loans.csv?jaar=\(year)").body.string)
            #expect(loans[0] == ["month", "label", String(year), String(previous)])
            #expect(loans.first { $0[0] == "03" }?.suffix(2) == ["35", "10"])
            #expect(loans.first { $0[0] == "07" }?.suffix(2) == ["<5", "<5"])
            let loansJSON = try object(try await api.send(.GET, "/api/v1/insights/charts/loans?year=\(year)"))
            #expect(try Self.series(loansJSON, String(year))[2] as? Int == 35)
            #expect(try Self.series(loansJSON, String(year))[6] as? String == "<5")
            #expect(try Self.series(loansJSON, String(previous))[2] as? Int == 10)

            // Per audience: March 15 youth and 20 adults; July's 3 adult loans "<5".
            let audiences = try object(try await api.send(.GET, "/api/v1/insights/charts/audiences?year=\(year)"))
            #expect(audiences["dimension"] as? String == "month")
            #expect(try Self.series(audiences, "youth")[2] as? Int == 15)
            #expect(try Self.series(audiences, "adult")[2] as? Int == 20)
            #expect(try Self.series(audiences, "adult")[6] as? String == "<5")
            let audienceCSV = Self.rows(try await manager.send(.GET, "/staff/inzicht/grafiek/audiences.csv?jaar=\(year)").body.string)
            #expect(audienceCSV[0] == ["month", "label", "youth", "adult"])
            #expect(audienceCSV.first { $0[0] == "03" }?.suffix(2) == ["15", "20"])

            // Visitors of one branch: the central library's January and August against the year before.
            let visits = try object(try await api.send(.GET, "/api/v1/insights/charts/visits?year=\(year)&branch=centrale"))
            #expect(visits["branch"] as? String == "centrale")
            #expect(try Self.series(visits, String(year))[0] as? Int == 400)
            #expect(try Self.series(visits, String(year))[7] as? Int == 250)
            #expect(try Self.series(visits, String(previous))[0] as? Int == 300)

            // Loans per weekday: the day of the 20 + 12 loans of 10 March, the rest "<5".
            let weekdays = try object(try await api.send(.GET, "/api/v1/insights/charts/weekdays?year=\(year)"))
            #expect(weekdays["keys"] as? [String] == Weekday.allCases.map(\.name))
            let busiest = Self.weekdayIndex(year, 3, 10)
            #expect(try Self.series(weekdays, String(year))[busiest] as? Int == 32 + (Self.weekdayIndex(year, 7, 1) == busiest ? 3 : 0)
                        + (Self.weekdayIndex(year, 3, 11) == busiest ? 3 : 0))
            #expect(try Self.series(weekdays, String(previous))[Self.weekdayIndex(previous, 3, 10)] as? Int == 10)

            // Participants per core function: reading 12 against 6 (6 is shown), knowledge's 3 is "<5".
            let functions = try object(try await api.send(.GET, "/api/v1/insights/charts/functions?year=\(year)"))
            let functionKeys = try #require(functions["keys"] as? [String])
            let reading = try #require(functionKeys.firstIndex(of: CoreFunction.reading.rawValue))
            let knowledge = try #require(functionKeys.firstIndex(of: CoreFunction.knowledge.rawValue))
            #expect(try Self.series(functions, String(year))[reading] as? Int == 12)
            #expect(try Self.series(functions, String(previous))[reading] as? Int == 6)
            #expect(try Self.series(functions, String(year))[knowledge] as? String == "<5")

            // The branches: Oost's 3 loans and 3 participants leave as "<5".
            let branches = Self.rows(try await manager.send(.GET, "/staff/inzicht/grafiek/branches.csv?jaar=\(year)").body.string)
            #expect(branches[0] == ["branch", "label", "loans_\(year)", "loans_\(previous)", "visits_\(year)", "visits_\(previous)",
                                    "participants_\(year)", "participants_\(previous)"])
            #expect(branches.first { $0[0] == "centrale" } == ["centrale", "Centrale Bibliotheek", "35", "10", "650", "300", "12", "6"])
            #expect(branches.first { $0[0] == "oost" } == ["oost", "Bibliotheek Oost", "<5", "<5", "120", "100", "<5", "<5"])
            let oostOnly = try object(try await api.send(.GET, "/api/v1/insights/charts/branches?year=\(year)&branch=oost"))
            #expect(oostOnly["keys"] as? [String] == ["oost"])
            #expect(try Self.series(oostOnly, "visits_\(year)") as? [Int] == [120])

            // An unknown chart is 404 in the API's error shape (and on the page); a bad year or branch names the field.
            let unknown = try await api.send(.GET, "/api/v1/insights/charts/uitleningen?year=\(year)")
            #expect(unknown.status == .notFound)
            #expect(unknown.apiError?.code == "chart_not_found")
            #expect(try await manager.send(.GET, "/staff/inzicht/grafiek/uitleningen.csv").status == .notFound)
            #expect(try await manager.send(.GET, "/staff/inzicht/grafiek/loans.json").status == .notFound)
            #expect(try await api.send(.GET, "/api/v1/insights/charts/loans?year=1999").apiError?.field == "year")
            #expect(try await api.send(.GET, "/api/v1/insights/charts/loans?branch=nergens").apiError?.field == "branch")

            // The old downloads keep working: the months with youth and adult loans, and the months of the API.
            let months = Self.rows(try await manager.send(.GET, "/staff/inzicht.csv?jaar=\(year)").body.string)
            #expect(months.first { $0[0] == String(format: "%04d-03", year) } == [String(format: "%04d-03", year), "35", "15", "20"])
            let apiMonths = try object(try await api.send(.GET, "/api/v1/insights/months?year=\(year)"))
            #expect((apiMonths["months"] as? [[String: Any]])?.first { $0["month"] as? String == String(format: "%04d-03", year) }?["count"] as? Int == 35)

            // A desk account without viewInsights gets neither the CSV nor the API.
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.GET, "/staff/inzicht/grafiek/loans.csv?jaar=\(year)").status == .forbidden)
            let staffAPI = TestClient(app)
            staffAPI.headers.bearerAuthorization = BearerAuthorization(token: try await staffAPI.signInAPI(Fixture.staff, password: Fixture.password))
            #expect(try await staffAPI.send(.GET, "/api/v1/insights/charts/loans").status == .forbidden)
            #expect(try await staffAPI.send(.GET, "/api/v1/insights/charts/loans?format=csv").status == .forbidden)
        }
    }
}
