import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Issue 19 through the API and the pages: a manager sets up a measurement
/// and sees its frozen snapshots; opens the annual report with all five
/// core functions, fills in the library's own figures, exports it with
/// small cells as "<5", and publishes a year that ended, after which later
/// data do not change it.
@Suite("Insights: measurements and the annual report") struct InsightReportTests {
    static let zone = BranchCalendar.amsterdam

    /// The fixture with a manager, activities last year (a reading club at the central library with a head count of 12,
    /// an online lecture with 3), a loan, and the census of last 31 December.
    static func world(_ app: Application) async throws -> (f: CirculationFixture, year: Int) {
        let today = LocalDate(Date(), in: zone)
        let f = try await CirculationFixture.make(on: app, today: today)
        let org = f.network.city
        let year = today.year - 1
        _ = try await AccountAdmin.create(email: "directie@city.test", name: "Dirk Directie", role: .manager, organisation: "city",
                                          branch: nil, password: Fixture.password, app: app)
        let programme = Programme(app.db, organisationID: org, timeZone: zone)
        let registrations = Registrations(app.db, organisationID: org)
        let planned = LocalClock.instant(of: LocalDate(year: year, month: 1, day: 2)!, minute: 600, in: zone)
        for (title, function, presence, count, branch) in [("Voorleesuur", CoreFunction.reading, ActivityPresence.physical, 12, f.network.central),
                                                           ("Lezing", .knowledge, .online, 3, f.network.district)] {
            let day = LocalDate(year: year, month: 3, day: 10)!
            var input = ActivityInput(branchID: branch, kind: "lecture", title: title,
                                      sessions: [TimeRange(start: LocalClock.instant(of: day, minute: 600, in: zone), end: LocalClock.instant(of: day, minute: 720, in: zone))])
            input.coreFunction = function
            input.presence = presence
            input.registration = .none
            // Themes: the reading hour is about language, the lecture about health and language.
            input.themes = title == "Lezing" ? ["health", "basic_skills_language"] : ["basic_skills_language"]
            let id = try await programme.create(input, staff: nil, now: planned).activity.id
            _ = try await programme.publish(id, staff: nil, now: planned)
            let session = try #require(try await programme.listing(id)?.sessions.first)
            try await registrations.setHeadCount(activity: id, session: session.id, count: count, now: Date())
        }
        let desk = Circulation(app.db, organisationID: org)
        _ = try await desk.checkout(member: f.youth, item: "B1C1",
                                    at: Circulation.Desk(branch: f.network.central, now: LocalClock.instant(of: LocalDate(year: year, month: 6, day: 1)!, minute: 700, in: zone)))
        try await InsightFacts(app.db, organisationID: org).ingest(timeZone: zone, settled: 0)
        try await InsightCensus(app.db, organisationID: org).take(day: LocalDate(year: year, month: 12, day: 31)!)
        return (f, year)
    }

    @Test(arguments: TestDatabase.all)
    func aManagerSetsUpAMeasurementAndSeesItsSnapshots(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (_, year) = try await Self.world(app)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            let catalogue = try list(try await api.send(.GET, "/api/v1/insights/indicators"))
            #expect(catalogue.contains { $0["id"] as? String == "youth_loans_per_youth_copy" && ($0["definition_en"] as? String)?.contains("youth collection") == true })
            #expect(catalogue.contains { $0["id"] as? String == "participants_reading_literature" })
            // Refused with the field named; a desk account may not.
            let bad = try await api.send(.POST, "/api/v1/insights/measurements", json: ["indicator": "loans", "title": "X", "start": "\(year)-01-01", "end": "gisteren"])
            #expect(bad.status == .badRequest)
            #expect(bad.apiError?.field == "end")
            let desk = TestClient(app)
            desk.headers.bearerAuthorization = BearerAuthorization(token: try await desk.signInAPI(Fixture.staff, password: Fixture.password))
            #expect(try await desk.send(.GET, "/api/v1/insights/measurements").status == .forbidden)
            // Participants in reading at the start and end of last year: both moments passed, so both are frozen at once.
            let made = try await api.send(.POST, "/api/v1/insights/measurements", json: [
                "indicator": "participants_reading_literature", "title": "Leesbevordering", "start": "\(year)-01-01", "end": "\(year)-12-31", "target": "10",
            ])
            #expect(made.status == .created)
            let measurement = try object(made)
            let id = try #require(measurement["id"] as? Int)
            let start = try #require(measurement["start_snapshot"] as? [String: Any])
            let end = try #require(measurement["end_snapshot"] as? [String: Any])
            // 0 at the start is under 5: it leaves Bieb as "<5".
            #expect(start["shown"] as? String == "<5")
            #expect(end["value"] as? Double == 12)
            #expect(measurement["target_met"] as? Bool == true)
            #expect((end["definition_nl"] as? String)?.contains("lezen en literatuur") == true)
            #expect(try list(try await api.send(.GET, "/api/v1/insights/measurements")).count == 1)

            // The page: the measurement with its snapshot; a refused form keeps what was typed and names the field.
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let listing = try await pages.send(.GET, "/staff/inzicht/metingen?lang=nl")
            #expect(listing.status == .ok)
            #expect(listing.body.string.contains("Leesbevordering"))
            #expect(listing.body.string.contains("<dd>12"))
            #expect(listing.body.string.contains("gehaald"))
            let csrf = try #require(TestClient.csrf(in: listing.body.string))
            let refused = try await pages.send(.POST, "/staff/inzicht/metingen?lang=nl", form: [
                "csrf": csrf, "title": "Jeugdleden Oost", "indicator": "youth_members", "branch": "oost", "start": "\(year)-01-01", "end": "\(year)-12-31",
                "target": "veel",
            ])
            #expect(refused.status == .unprocessableEntity)
            #expect(TestClient.errorSummary(in: refused.body.string).contains("Een doel is een getal"))
            #expect(refused.body.string.contains(#"id="target-error""#))
            #expect(refused.body.string.contains(#"value="Jeugdleden Oost""#))
            let saved = try await pages.send(.POST, "/staff/inzicht/metingen", form: [
                "csrf": csrf, "title": "Jeugdleden Oost", "indicator": "youth_members", "branch": "oost", "start": "\(year)-01-01", "end": "\(year)-12-31",
            ])
            #expect(saved.status == .seeOther)
            #expect(try list(try await api.send(.GET, "/api/v1/insights/measurements")).count == 2)
            #expect(try await pages.send(.POST, "/staff/inzicht/metingen/\(id)/verwijderen", form: ["csrf": csrf]).status == .seeOther)
            #expect(try await api.send(.GET, "/api/v1/insights/measurements/\(id)").status == .notFound)

            // The overview: participants per core function against the year before, a chart with its table.
            let overview = try await pages.send(.GET, "/staff/inzicht?jaar=\(year)&lang=nl").body.string
            #expect(overview.contains(#"aria-labelledby="functions-title functions-desc""#))
            #expect(overview.contains("<tr><th scope=\"row\">Lezen en literatuur</th><td>12</td><td>0</td></tr>"))
            #expect(overview.contains("<tr><th scope=\"row\">Kennis en informatie</th><td>3</td><td>0</td></tr>"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func theAnnualReportHasTheFiveCoreFunctionsSmallCellsAndIsFrozenOncePublished(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (f, year) = try await Self.world(app)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            var report = try object(try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)"))
            #expect(report["published"] as? Bool == false)
            let activities = try #require(report["activities"] as? [String: Any])
            let lines = try #require(activities["lines"] as? [[String: Any]])
            // Five core functions × physical, online, hybrid.
            #expect(lines.count == 15)
            #expect(Set(lines.compactMap { ($0["key"] as? String)?.split(separator: "/").first.map(String.init) }) == Set(CoreFunction.allCases.map(\.rawValue)))
            let reading = try #require(lines.first { $0["key"] as? String == "reading_literature/physical" })
            #expect((reading["cells"] as? [String: String])?["participants"] == "12")
            // The online lecture's 3 participants are a small cell: "<5"; the total is exact.
            let online = try #require(lines.first { $0["key"] as? String == "knowledge_information/online" })
            #expect((online["cells"] as? [String: String])?["participants"] == "<5")
            #expect((activities["totals"] as? [String: Int])?["participants"] == 15)
            // Members on 31 December: one youth and one adult, both small cells.
            let members = try #require((report["members"] as? [String: Any])?["lines"] as? [[String: Any]])
            #expect(members.allSatisfy { ($0["cells"] as? [String: String])?["members"] == "<5" })
            // A branch's report has its own lines.
            let district = try object(try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)?branch=oost"))
            #expect(((district["branches"] as? [String: Any])?["lines"] as? [[String: Any]])?.count == 1)
            // The CSV: the same cells, one a line.
            let csv = try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)?format=csv")
            #expect(csv.headers.contentType?.subType == "csv")
            #expect(csv.body.string.contains("activities,reading_literature/physical,"))
            #expect(csv.body.string.contains(",participants,12\r\n"))
            #expect(csv.body.string.contains("activities,total,,participants,15\r\n"))

            // What the library fills in: refused with the field named, then saved.
            let refused = try await api.send(.PUT, "/api/v1/insights/annual-reports/\(year)/entered", json: ["volunteers": "-3"])
            #expect(refused.apiError?.field == "volunteers")
            report = try object(try await api.send(.PUT, "/api/v1/insights/annual-reports/\(year)/entered", body: #"{"fte": 12.25, "volunteers": 40, "notes": "Nieuwe vestiging"}"#))
            #expect((report["entered"] as? [String: String])?["volunteers"] == "40")
            #expect((report["entered"] as? [String: String])?["fte"] == "12.25")

            // The page: both charts with their tables, all five core functions, the form with the figures.
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let page = try await pages.send(.GET, "/staff/inzicht/jaarverslag?jaar=\(year)&lang=nl")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(#"aria-labelledby="activities-title activities-desc""#))
            #expect(html.contains(#"aria-labelledby="loans-title loans-desc""#))
            for function in CoreFunction.allCases { #expect(html.contains(function.nameNL), "\(function)") }
            #expect(html.contains(#"value="40""#))
            // FTE is shown as entered, so saving the form again keeps it.
            #expect(html.contains(#"value="12,25""#))
            let csrf = try #require(TestClient.csrf(in: html))
            let bad = try await pages.send(.POST, "/staff/inzicht/jaarverslag/gegevens?jaar=\(year)&lang=nl", form: ["csrf": csrf, "fte": "twaalf", "volunteers": "41"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains(#"id="fte-error""#))
            #expect(bad.body.string.contains(#"value="41""#))

            // This year cannot be published yet; last year can, once.
            #expect(try await api.send(.POST, "/api/v1/insights/annual-reports/\(year + 1)/publish").apiError?.code == "year_not_over")
            #expect(try await pages.send(.POST, "/staff/inzicht/jaarverslag/publiceren?jaar=\(year)", form: ["csrf": csrf]).status == .seeOther)
            #expect(try await api.send(.POST, "/api/v1/insights/annual-reports/\(year)/publish").apiError?.code == "published")
            #expect(try await api.send(.PUT, "/api/v1/insights/annual-reports/\(year)/entered", json: ["volunteers": "1"]).apiError?.code == "published")
            // Later data of that year do not change the published report.
            let desk = Circulation(app.db, organisationID: f.network.city)
            _ = try await desk.checkout(member: f.adult, item: "B2C1",
                                        at: Circulation.Desk(branch: f.network.central, now: LocalClock.instant(of: LocalDate(year: year, month: 7, day: 1)!, minute: 700, in: Self.zone)))
            try await InsightFacts(app.db, organisationID: f.network.city).ingest(timeZone: Self.zone, settled: 0)
            let frozen = try object(try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)"))
            #expect(frozen["published"] as? Bool == true)
            #expect(((frozen["collection"] as? [String: Any])?["totals"] as? [String: Int])?["loans"] == 1)
            let live = try await AnnualReports(app.db, organisationID: f.network.city).compute(year: year, entered: .init(), timeZone: Self.zone, now: Date())
            #expect(live.organisation.loans == 2)
            let published = try await pages.send(.GET, "/staff/inzicht/jaarverslag?jaar=\(year)&lang=nl")
            #expect(published.body.string.contains("Gepubliceerd op"))
            #expect(!published.body.string.contains("/staff/inzicht/jaarverslag/gegevens"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func peopleCounterExportsAndStaffCountsBecomeVisitsPerLocation(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (_, year) = try await Self.world(app)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            // An hourly in/out export with a day missing: people going in are the visits; the missing day is estimated.
            let export = "datum;tijd;in;uit\r\n03-03-\(year);10:00;40;38\r\n03-03-\(year);11:00;25;20\r\n05-03-\(year);10:00;30;31\r\n"
            var csv = HTTPHeaders()
            csv.contentType = HTTPMediaType(type: "text", subType: "csv")
            for _ in 0..<2 {
                let imported = try object(try await api.send(.POST, "/api/v1/insights/visitor-counts?branch=oost", headers: csv, body: export))
                #expect(imported["imported"] as? Bool == true)
                #expect(imported["days"] as? Int == 3)
                #expect(imported["estimated_days"] as? [String] == ["\(year)-03-04"])
            }
            // Imported twice, counted once; the district's visits are "estimated" (a day was).
            let book = try await AnnualReports(app.db, organisationID: try #require(try await Organisation.query(on: app.db).filter(\.$slug == "city").first()?.id))
                .compute(year: year, entered: .init(), timeZone: Self.zone, now: Date())
            let oost = try #require(book.organisation.branches.first { $0.name.contains("Oost") || $0.kind == BranchKind.district.rawValue })
            #expect(oost.visits >= 95 && oost.visits < 95 + 70)
            #expect(oost.visitsMethod == "estimated")
            // A file with a bad line is refused whole, naming the line.
            let bad = try await api.send(.POST, "/api/v1/insights/visitor-counts?branch=oost", headers: csv, body: "datum;in\r\n01-04-\(year);12\r\nmorgen;4\r\n")
            #expect(bad.status == .unprocessableEntity)
            let refused = try object(bad)
            #expect(refused["imported"] as? Bool == false)
            #expect((refused["problems"] as? [[String: Any]])?.first?["line"] as? Int == 3)
            #expect(try await api.send(.POST, "/api/v1/insights/visitor-counts?branch=nergens", headers: csv, body: export).apiError?.field == "branch")
            // Staff count a day where no counter stands: "counted" by hand.
            #expect(try await api.send(.PUT, "/api/v1/insights/visitor-counts", json: ["branch": "centrale", "day": "\(year)-06-01", "count": "210"]).status == .noContent)
            #expect(try await api.send(.PUT, "/api/v1/insights/visitor-counts", json: ["branch": "centrale", "day": "\(year)-06-01", "count": "-1"]).apiError?.field == "count")
            let report = try object(try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)"))
            let lines = try #require((report["branches"] as? [String: Any])?["lines"] as? [[String: Any]])
            #expect((lines.first { $0["key"] as? String == "centrale" }?["cells"] as? [String: String])?["visits"] == "210")

            // The page: an upload through the form (multipart), and a typed count refused with its field.
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let form = try await pages.send(.GET, "/staff/inzicht/bezoekers?lang=nl")
            #expect(form.status == .ok)
            let token = try #require(TestClient.csrf(in: form.body.string))
            let uploaded = try await pages.sendMultipart("/staff/inzicht/bezoekers/import?lang=nl", [
                ("csrf", token, nil), ("branch", "centrale", nil), ("readings", "interval", nil), ("file", "datum,totaal\r\n\(year)-06-02,77\r\n", "teller.csv"),
            ])
            #expect(uploaded.status == .ok)
            #expect(uploaded.body.string.contains("De telling is binnengebracht"))
            let typed = try await pages.send(.POST, "/staff/inzicht/bezoekers/telling?lang=nl", form: ["csrf": token, "branch": "centrale", "day": "\(year)-06-03", "count": "veel"])
            #expect(typed.status == .unprocessableEntity)
            #expect(typed.body.string.contains(#"id="count-error""#))
            #expect(typed.body.string.contains(#"value="\#(year)-06-03""#))
            let after = try object(try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)"))
            let centrale = try #require(((after["branches"] as? [String: Any])?["lines"] as? [[String: Any]])?.first { $0["key"] as? String == "centrale" })
            #expect((centrale["cells"] as? [String: String])?["visits"] == "287")
        }
    }
}

/// Every CSV download quotes as RFC 4180 asks and never hands a spreadsheet a formula.
@Suite("CSV downloads") struct CSVTextTests {
    @Test func fieldsAreQuotedWhenNeededAndNeverAFormula() {
        #expect(CSVText.field("Lezing") == "Lezing")
        #expect(CSVText.field("Lezing", quoted: true) == "\"Lezing\"")
        #expect(CSVText.field("Kunst, cultuur") == "\"Kunst, cultuur\"")
        #expect(CSVText.field("Zeg \"hoi\"") == "\"Zeg \"\"hoi\"\"\"")
        #expect(CSVText.field("regel\r\nregel") == "\"regel\r\nregel\"")
        for formula in ["=1+1", "+31", "-2", "@SUM(A1)"] { #expect(CSVText.field(formula) == "'" + formula) }
        #expect(CSVText.line(["a", "1"]) == "a,1\r\n")
    }
}
