import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Management information through the pages and the API: for managers and
/// admins only, from the roll-ups, a chart with its numbers as a table, and
/// small numbers as "<5" wherever they leave the page.
@Suite("Insights") struct InsightsTests {
    @Test(arguments: TestDatabase.all)
    func aManagerSeesTheYearsLoansAndSmallNumbersLeaveAsLessThanFive(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            let f = try await CirculationFixture.make(on: app, today: today)
            let org = f.network.city
            let desk = Circulation(app.db, organisationID: org)
            // Seven loans this month (one to the youth member; the adult's basic membership lends 5 at once), and three in the same month last year.
            let now = Circulation.Desk(branch: f.network.central, now: Date())
            for item in ["B1C1", "B2C1", "B3C1", "B4C1", "B5C1"] { _ = try await desk.checkout(member: f.adult, item: item, at: now) }
            _ = try await desk.checkin(item: "B5C1", at: now)
            _ = try await desk.checkout(member: f.adult, item: "B1C2", at: now)
            _ = try await desk.checkout(member: f.youth, item: "B2C2", at: now)
            let lastYear = Calendar(identifier: .gregorian).date(byAdding: .year, value: -1, to: Date())!
            for item in ["B1C1", "B2C1", "B3C1"] {
                _ = try await desk.checkin(item: item, at: now)
                _ = try await desk.checkout(member: f.adult, item: item, at: Circulation.Desk(branch: f.network.central, now: lastYear))
            }
            try await InsightFacts(app.db, organisationID: org).ingest(timeZone: BranchCalendar.amsterdam, settled: 0)
            _ = try await AccountAdmin.create(email: "directie@city.test", name: "Dirk Directie", role: .manager, organisation: "city",
                                              branch: nil, password: Fixture.password, app: app)

            // Not for every desk account: staff have neither the link nor the page.
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            #expect(!(try await staff.send(.GET, "/staff").body.string.contains("/staff/inzicht")))
            #expect(try await staff.send(.GET, "/staff/inzicht").status == .forbidden)

            let manager = TestClient(app)
            try await manager.signInPages("directie@city.test", password: Fixture.password)
            #expect(try await manager.send(.GET, "/staff").body.string.contains("/staff/inzicht"))
            let page = try await manager.send(.GET, "/staff/inzicht?lang=nl")
            #expect(page.status == .ok)
            let html = page.body.string
            // The chart, named for screen readers, and its numbers in a table.
            #expect(html.contains(#"role="img" aria-labelledby="loans-title loans-desc""#))
            let monthName = Formats(lang: .nl, timeZone: BranchCalendar.amsterdam).monthName(today.month)
            #expect(html.contains("<tr><th scope=\"row\">\(monthName)</th><td>7</td><td>3</td></tr>"))
            #expect(html.contains("<dt>Uitleningen</dt><dd>7</dd>"))
            #expect(html.contains("<dt>Uitleningen aan jeugd (tot 18)</dt><dd>1</dd>"))
            #expect(html.contains("<dt>Actieve leden (leenden, verlengden of brachten terug)</dt><dd>2</dd>"))
            // The CSV: the month's 7 as it is, its single youth loan as "<5".
            let csv = try await manager.send(.GET, "/staff/inzicht.csv?jaar=\(today.year)")
            #expect(csv.headers.contentType?.subType == "csv")
            let month = String(format: "%04d-%02d", today.year, today.month)
            #expect(csv.body.string.contains("\(month),7,<5,6\r\n"))
            #expect(csv.body.string.contains(String(format: "%04d-%02d,<5,<5,<5", today.year, today.month == 1 ? 2 : 1)))

            // The API: the same months, small counts without a number.
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            let months = try object(try await api.send(.GET, "/api/v1/insights/months?year=\(today.year - 1)"))
            let last = try #require((months["months"] as? [[String: Any]])?.first { $0["month"] as? String == String(format: "%04d-%02d", today.year - 1, today.month) })
            #expect(last["shown"] as? String == "<5")
            #expect(last["count"] == nil)
            let thisYear = try object(try await api.send(.GET, "/api/v1/insights/months?kind=loan&branch=centrale"))
            #expect((thisYear["months"] as? [[String: Any]])?.first { $0["month"] as? String == month }?["count"] as? Int == 7)
            #expect(try await api.send(.GET, "/api/v1/insights/months?kind=visits").apiError?.field == "kind")
            #expect(try await api.send(.GET, "/api/v1/insights/months?year=1999").apiError?.field == "year")
            let staffAPI = TestClient(app)
            staffAPI.headers.bearerAuthorization = BearerAuthorization(token: try await staffAPI.signInAPI(Fixture.staff, password: Fixture.password))
            #expect(try await staffAPI.send(.GET, "/api/v1/insights/months").status == .forbidden)
        }
    }
}
