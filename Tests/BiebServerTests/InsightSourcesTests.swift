import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Issue 19's numbers from outside the lending, through the API and the
/// pages: digital use from COUNTER R5 and plain reports, staff's head counts
/// of study places, study bookings and consultation hours once the day is
/// over, and catalogue searches counted (never what or who).
@Suite("Insights: digital use, study places, consultation hours, searches") struct InsightSourcesTests {
    static let zone = BranchCalendar.amsterdam

    static func org(_ app: Application) async throws -> UUID {
        try #require(try await Organisation.query(on: app.db).filter(\.$slug == "city").first()?.id)
    }

    static func reading(_ app: Application, _ indicator: String, on day: LocalDate, branch: UUID? = nil) async throws -> IndicatorReading {
        try await IndicatorValues(app.db, organisationID: try await org(app)).reading(try #require(Indicator.named(indicator)), on: day, branch: branch)
    }

    @Test(arguments: TestDatabase.all)
    func digitalUseReportsAreImportedPerPlatformAndMonthAndCountOnce(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (_, year) = try await InsightReportTests.world(app)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            // A COUNTER R5.1 platform report: requests count as use, unique requests and searches do not.
            let report = """
            {"Report_Header": {"Release": "5.1", "Report_ID": "PR", "Report_Name": "Platform Report"},
             "Report_Items": [{"Platform": "PressReader", "Attribute_Performance": [
               {"Data_Type": "Newspaper_or_Newsletter", "Performance": {
                 "Total_Item_Requests": {"\(year)-01": 120, "\(year)-02": 3},
                 "Unique_Item_Requests": {"\(year)-01": 80},
                 "Searches_Platform": {"\(year)-01": 40}}}]}]}
            """
            var json = HTTPHeaders()
            json.contentType = .json
            for _ in 0..<2 {
                let imported = try object(try await api.send(.POST, "/api/v1/insights/digital-use", headers: json, body: report))
                #expect(imported["imported"] as? Bool == true)
                #expect(imported["form"] as? String == "r5.1_json")
                #expect(imported["platforms"] as? [String] == ["PressReader"])
                #expect(imported["uses"] as? Int == 123)
            }
            // A plain CSV of a provider without COUNTER: it names only the resource, so the provider is asked for.
            var csv = HTTPHeaders()
            csv.contentType = HTTPMediaType(type: "text", subType: "csv")
            let plain = "datum,bron,meting,aantal\r\n\(year)-01-05,Luisterboeken,gebruik,30\r\n\(year)-01-20,Luisterboeken,gebruik,12\r\n"
            let nameless = try await api.send(.POST, "/api/v1/insights/digital-use", headers: csv, body: plain)
            #expect(nameless.status == .badRequest)
            #expect(nameless.apiError?.field == "provider")
            #expect(try object(try await api.send(.POST, "/api/v1/insights/digital-use?provider=Luisterbieb", headers: csv, body: plain))["uses"] as? Int == 42)
            // A report with a bad line is refused whole, naming the line; nothing of it is kept.
            let bad = try await api.send(.POST, "/api/v1/insights/digital-use?provider=Luisterbieb", headers: csv,
                                         body: "datum,bron,meting,aantal\r\n\(year)-03-01,Luisterboeken,gebruik,900\r\n\(year)-03-02,Luisterboeken,gebruik,veel\r\n")
            #expect(bad.status == .unprocessableEntity)
            #expect((try object(bad)["problems"] as? [[String: Any]])?.first?["line"] as? Int == 3)
            #expect(try await api.send(.POST, "/api/v1/insights/digital-use", headers: json, body: "[[[").apiError?.code == "invalid_json")

            // Read back per platform and metric: imported twice, counted once; a month under 5 leaves as "<5".
            let year1 = try object(try await api.send(.GET, "/api/v1/insights/digital-use?year=\(year)"))
            let lines = try #require(year1["lines"] as? [[String: Any]])
            #expect(lines.map { "\($0["platform"] as? String ?? "")/\($0["metric"] as? String ?? "")" }
                    == ["Luisterbieb/uses", "PressReader/Total_Item_Requests", "PressReader/Searches_Platform", "PressReader/Unique_Item_Requests"])
            let requests = lines[1]
            #expect(requests["counts_as_use"] as? Bool == true)
            #expect((requests["total"] as? [String: Any])?["count"] as? Int == 123)
            let months = try #require(requests["months"] as? [[String: Any]])
            #expect(months[0]["shown"] as? String == "120")
            #expect(months[1]["shown"] as? String == "<5")
            #expect(months[1]["count"] == nil || months[1]["count"] is NSNull)
            #expect(lines[2]["counts_as_use"] as? Bool == false)

            // The indicator counts use only: PressReader's requests and the plain report's uses, not searches or unique requests.
            let end = LocalDate(year: year, month: 12, day: 31)!
            #expect(try await Self.reading(app, "digital_use", on: end).value == 165)
            // A month is dated its last day: on 31 January only January counts.
            #expect(try await Self.reading(app, "digital_use", on: LocalDate(year: year, month: 1, day: 31)!).value == 162)
            // A corrected February replaces the earlier one.
            let corrected = #"{"Report_Header": {"Release": "5.1"}, "Report_Items": [{"Platform": "PressReader", "Attribute_Performance": [{"Performance": {"Total_Item_Requests": {"\#(year)-02": 9}}}]}]}"#
            _ = try await api.send(.POST, "/api/v1/insights/digital-use", headers: json, body: corrected)
            #expect(try await Self.reading(app, "digital_use", on: end).value == 171)
            // The annual report counts the use per platform among its services; the CSV has the same lines.
            let annual = try object(try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)"))
            let services = try #require((annual["services"] as? [String: Any])?["lines"] as? [[String: Any]])
            #expect(services.map { $0["key"] as? String ?? "" }.prefix(2) == ["digital_use/Luisterbieb", "digital_use/PressReader"])
            #expect((services[1]["cells"] as? [String: String])?["value"] == "129")
            let annualCSV = try await api.send(.GET, "/api/v1/insights/annual-reports/\(year)?format=csv")
            #expect(annualCSV.body.string.contains("services,digital_use/PressReader,Digitaal gebruik: PressReader,value,129"))

            // A desk account does not see management information.
            let desk = TestClient(app)
            desk.headers.bearerAuthorization = BearerAuthorization(token: try await desk.signInAPI(Fixture.staff, password: Fixture.password))
            #expect(try await desk.send(.GET, "/api/v1/insights/digital-use").status == .forbidden)

            // The page: an upload through the form; a refused one keeps what was typed and names the field.
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let form = try await pages.send(.GET, "/staff/inzicht/digitaal?lang=nl&jaar=\(year)")
            #expect(form.status == .ok)
            #expect(form.body.string.contains("PressReader"))
            #expect(form.body.string.contains("<svg"))
            let token = try #require(TestClient.csrf(in: form.body.string))
            func upload(_ provider: String, _ file: String) async throws -> TestingHTTPResponse {
                try await pages.sendMultipart("/staff/inzicht/digitaal/import?lang=nl", [("csrf", token, nil), ("provider", provider, nil), ("file", file, "gebruik.csv")])
            }
            let uploaded = try await upload("Krantenbank", "maand,bron,meting,aantal\r\n\(year)-04,Archief,uses,55\r\n")
            #expect(uploaded.status == .ok)
            #expect(uploaded.body.string.contains("Het rapport is binnengebracht"))
            #expect(uploaded.body.string.contains("Krantenbank"))
            let refused = try await upload("", "maand,bron,meting,aantal\r\n\(year)-04,Archief,uses,55\r\n")
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains(#"id="provider-error""#))
            #expect(!TestClient.errorSummary(in: refused.body.string).isEmpty)
            #expect(try await Self.reading(app, "digital_use", on: end).value == 226)
        }
    }

    @Test(arguments: TestDatabase.all)
    func staffCountOccupiedStudyPlacesAndTheOccupancyIsTheirShare(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (f, _) = try await InsightReportTests.world(app)
            let desk = TestClient(app)
            desk.headers.bearerAuthorization = BearerAuthorization(token: try await desk.signInAPI(Fixture.staff, password: Fixture.password))
            // The central library has 120 study places; two counts: 30 and 90 occupied.
            let first = try object(try await desk.send(.POST, "/api/v1/insights/study-counts", json: ["branch": "centrale", "occupied": "30"]))
            #expect(first["places"] as? Int == 120)
            #expect(first["occupancy"] as? Double == 0.25)
            #expect(try await desk.send(.POST, "/api/v1/insights/study-counts", json: ["branch": "centrale", "occupied": "90"]).status == .created)
            // More than there are, a branch without study places, or another branch for a volunteer: refused.
            #expect(try await desk.send(.POST, "/api/v1/insights/study-counts", json: ["branch": "centrale", "occupied": "121"]).apiError?.field == "occupied")
            #expect(try await desk.send(.POST, "/api/v1/insights/study-counts", json: ["branch": "oost", "occupied": "3"]).apiError?.code == "no_study_places")
            #expect(try await desk.send(.POST, "/api/v1/insights/study-counts", json: ["branch": "nergens", "occupied": "3"]).apiError?.field == "branch")
            let volunteer = TestClient(app)
            volunteer.headers.bearerAuthorization = BearerAuthorization(token: try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password))
            #expect(try await volunteer.send(.POST, "/api/v1/insights/study-counts", json: ["branch": "centrale", "occupied": "3"]).status == .forbidden)
            #expect(try await TestClient(app).send(.POST, "/api/v1/insights/study-counts", json: ["branch": "centrale", "occupied": "3"]).status == .unauthorized)

            // The occupancy: 120 of 240 counted places, for the organisation and the branch.
            let today = LocalDate(Date(), in: Self.zone)
            let occupancy = try await Self.reading(app, "study_place_occupancy", on: today)
            #expect(occupancy.value == 0.5)
            #expect(occupancy.numerator == 120 && occupancy.denominator == 240)
            #expect(try await Self.reading(app, "study_place_occupancy", on: today, branch: f.network.district).value == nil)

            // The desk's page: the places now, and a count refused with its field and what was typed, then saved.
            let pages = TestClient(app)
            try await pages.signInPages(Fixture.staff, password: Fixture.password)
            let page = try await pages.send(.GET, "/staff/studieplekken?lang=nl")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Centrale Bibliotheek"))
            #expect(page.body.string.contains("<td>120</td>"))
            let token = try #require(TestClient.csrf(in: page.body.string))
            let wrong = try await pages.send(.POST, "/staff/studieplekken/telling?lang=nl", form: ["csrf": token, "branch": "centrale", "occupied": "veel"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains(#"id="occupied-error""#))
            #expect(wrong.body.string.contains(#"value="veel""#))
            let saved = try await pages.send(.POST, "/staff/studieplekken/telling?lang=nl", form: ["csrf": token, "branch": "centrale", "occupied": "60"])
            #expect(saved.status == .ok)
            #expect(saved.body.string.contains("60 van 120 plekken bezet in Centrale Bibliotheek (50%)"))
            #expect(try await Self.reading(app, "study_place_occupancy", on: today).value == 0.5)
            // This year's report shows the occupancy at the counts as a share.
            let manager = TestClient(app)
            manager.headers.bearerAuthorization = BearerAuthorization(token: try await manager.signInAPI("directie@city.test", password: Fixture.password))
            let annual = try object(try await manager.send(.GET, "/api/v1/insights/annual-reports/\(today.year)?branch=centrale"))
            let services = try #require((annual["services"] as? [String: Any])?["lines"] as? [[String: Any]])
            #expect((services.first { $0["key"] as? String == "study_place_occupancy" }?["cells"] as? [String: String])?["value"] == "50%")
        }
    }

    @Test(arguments: TestDatabase.all)
    func studyBookingsAndConsultationHoursBecomeFactsOnceTheDayIsOver(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (f, _) = try await InsightReportTests.world(app)
            let org = f.network.city
            // The world's statistics ran today (counting from yesterday on); a day three days ahead is caught up by a run two days after it.
            let day = LocalDate(Date(), in: Self.zone).adding(days: 3)
            let at = { (minute: Int) in LocalClock.instant(of: day, minute: minute, in: Self.zone) }
            let earlier = Date()
            let bookings = SpaceBookings(app.db, organisationID: org, timeZone: Self.zone)
            for (start, member) in [(600, f.adult), (660, f.youth)] {
                _ = try await bookings.bookStudyPlace(branch: f.network.central, range: TimeRange(start: at(start), end: at(start + 120)), member: member, now: earlier)
            }
            let cancelled = try await bookings.bookStudyPlace(branch: f.network.central, range: TimeRange(start: at(720), end: at(780)), member: f.adult, now: earlier)
            try await bookings.cancel(cancelled.id)
            let hours = ConsultationHours(app.db, organisationID: org, timeZone: Self.zone)
            let hour = try await hours.publish(ConsultationHourInput(partnerID: f.network.partnerOrg, branchID: f.network.central, title: "Digitaal spreekuur",
                                                                     slotMinutes: 20, range: TimeRange(start: at(600), end: at(720))), staff: nil, now: earlier)[0]
            for minute in [600, 620, 640] {
                _ = try await hours.book(hour: hour.id, slot: at(minute), member: nil, name: "Gast", email: "gast\(minute)@example.nl", question: "Hulp",
                                         now: earlier)
            }
            let facts = InsightFacts(app.db, organisationID: org)
            // While the day is not over, nothing of it counts.
            _ = try await facts.ingest(timeZone: Self.zone, now: at(23 * 60))
            #expect(try await facts.count(.studyBooking, from: day, through: day) == 0)
            _ = try await facts.ingest(timeZone: Self.zone, now: at(0).addingTimeInterval(86_400 * 2))
            #expect(try await facts.count(.studyBooking, from: day, through: day) == 2)
            #expect(try await facts.count(.consultationHour, from: day, through: day) == 1)
            #expect(try await facts.count(.consultationAppointment, from: day, through: day) == 3)
            // Once: another run, later, adds nothing for that day.
            _ = try await facts.ingest(timeZone: Self.zone, now: at(0).addingTimeInterval(86_400 * 3))
            #expect(try await facts.count(.consultationAppointment, from: day, through: day) == 3)
            #expect(try await Self.reading(app, "consultation_appointments", on: day).value == 3)
            #expect(try await Self.reading(app, "study_bookings", on: day.adding(days: 1)).value == 2)
            // The partner is the topic; who booked is nowhere.
            let topics = try await app.db.sql.raw("SELECT DISTINCT topic FROM insight_facts WHERE kind = 'consultation_appointment'").all()
                .map { try $0.decode(column: "topic", as: String.self) }
            #expect(topics == ["Digihulp Stad"])
            // Days marked as history (brought in whole) are not counted again; the cursor never moves back.
            try await facts.countPlaces(after: day.adding(days: 5))
            try await facts.countPlaces(after: day)
            _ = try await bookings.bookStudyPlace(branch: f.network.central, range: TimeRange(start: at(24 * 60 * 4 + 600), end: at(24 * 60 * 4 + 660)),
                                                  member: f.adult, now: earlier)
            _ = try await facts.ingest(timeZone: Self.zone, now: at(0).addingTimeInterval(86_400 * 7))
            #expect(try await facts.count(.studyBooking, from: day.adding(days: 4), through: day.adding(days: 4)) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func catalogueSearchesAreCountedPerDayAndChannel(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await InsightReportTests.world(app)
            let client = TestClient(app)
            #expect(try await client.send(.GET, "/api/v1/organisations/city/search?q=avonden").status == .ok)
            #expect(try await client.send(.GET, "/api/v1/organisations/city/search?q=oorlog&page=2").status == .ok)
            #expect(try await client.send(.GET, "/city/catalogus?q=avonden").status == .ok)
            #expect(try await client.send(.GET, "/city/catalogus?q=kind").status == .ok)
            try await app.searchTally.flush(on: app.db)
            // Flushed once: a second flush adds nothing.
            try await app.searchTally.flush(on: app.db)
            let rows = try await app.db.sql.raw("""
                SELECT mode, CAST(SUM(quantity) AS BIGINT) AS n FROM insight_daily WHERE kind = 'catalogue_search' GROUP BY mode ORDER BY mode
                """).all().map { (try $0.decode(column: "mode", as: String.self), try $0.decode(column: "n", as: Int.self)) }
            #expect(rows.map(\.0) == ["api", "portal"])
            #expect(rows.map(\.1) == [1, 2])
            #expect(try await Self.reading(app, "catalogue_searches", on: LocalDate(Date(), in: Self.zone)).value == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func summerReadingLeavesWithSmallCellsHiddenAndRatesOverFewPeopleLeftOut(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (f, year) = try await InsightReportTests.world(app)
            // Last year's programme had three participants: fewer than 5, so "<5" and no rate.
            try await InsightFacts(app.db, organisationID: f.network.city).append(history: [
                InsightFacts.Fact(day: LocalDate(year: year, month: 8, day: 26)!, branch: f.network.central, kind: .readingParticipant, quantity: 3),
                InsightFacts.Fact(day: LocalDate(year: year, month: 8, day: 26)!, branch: f.network.central, kind: .readingParticipant, quantity: 9),
            ])
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            let report = try object(try await api.send(.GET, "/api/v1/insights/summer-reading?year=\(year)"))
            #expect(report["previous_year"] as? Int == year - 1)
            let lines = try #require(report["lines"] as? [[String: Any]])
            let byKey = Dictionary(uniqueKeysWithValues: lines.map { ($0["key"] as? String ?? "", $0) })
            #expect(byKey["participants"]?["current"] as? String == "12")
            #expect(byKey["participants"]?["previous"] as? String == "<5")
            #expect(byKey["june_weekly"]?["current"] as? String == "—")
            #expect(lines.count == 12)
            let desk = TestClient(app)
            desk.headers.bearerAuthorization = BearerAuthorization(token: try await desk.signInAPI(Fixture.staff, password: Fixture.password))
            #expect(try await desk.send(.GET, "/api/v1/insights/summer-reading").status == .forbidden)
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let page = try await pages.send(.GET, "/staff/inzicht/zomerlezen?lang=en&jaar=\(year)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Participants (places registered)"))
            #expect(page.body.string.contains("<td>12</td>"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func participantsPerThemeCountAnActivityInEachOfItsThemes(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (_, year) = try await InsightReportTests.world(app)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI("directie@city.test", password: Fixture.password))
            // The reading hour (12, language) and the online lecture (3, health and language).
            let chart = try object(try await api.send(.GET, "/api/v1/insights/charts/themes?year=\(year)"))
            let keys = try #require(chart["keys"] as? [String])
            let current = try #require((chart["series"] as? [[String: Any]])?.first?["values"] as? [Any])
            let byKey = Dictionary(uniqueKeysWithValues: zip(keys, current.map { "\($0)" }))
            #expect(byKey["basic_skills_language"] == "15")
            #expect(byKey["health"] == "<5")
            #expect(byKey["justice"] == "<5")
            #expect(chart["dimension"] as? String == "theme")
            let csv = try await api.send(.GET, "/api/v1/insights/charts/themes?year=\(year)&format=csv")
            #expect(csv.body.string.contains("basic_skills_language,Basisvaardigheden: taal,15,"))
            // The overview draws it, with the programme's own names.
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let page = try await pages.send(.GET, "/staff/inzicht?jaar=\(year)&lang=en")
            #expect(page.body.string.contains("Participants per theme"))
            #expect(page.body.string.contains("Basic skills: language"))
        }
    }
}
