import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Issue 21, network planning, through the API: area statistics and
/// postcodes imported, each district's reach and the gaps, profiles with
/// small cells hidden, a branch's focus, and scenarios compared side by side.
@Suite("Network planning") struct PlanningTests {
    /// Three districts on a line north of 52.0 N (about 1 km per 0.009°), in CBS's layout with centroids.
    static let districts = """
        WijkenEnBuurten;SoortRegio_2;Codering_3;AantalInwoners_5;k_0Tot15Jaar_8;k_15Tot25Jaar_9;k_25Tot45Jaar_10;k_45Tot65Jaar_11;k_65JaarOfOuder_12;lat;lon
        Wijk 01 Noord;Wijk;WK099901;20000;3000;3000;6000;5000;3000;52,0000;4,3000
        Wijk 02 Midden;Wijk;WK099902;15000;2000;2000;5000;4000;2000;52,0090;4,3000
        Wijk 03 Zuid;Wijk;WK099903;12000;2000;1000;4000;3000;2000;52,0450;4,3000
        """

    /// The test city's branches on that line: the central library in the north, the district library between the middle
    /// and the south, the volunteers in the south; a manager who plans.
    static func world(_ app: Application) async throws -> CirculationFixture {
        let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
        _ = try await AccountAdmin.create(email: "directie@city.test", name: "Dirk Directie", role: .manager, organisation: "city",
                                          branch: nil, password: Fixture.password, app: app)
        for (branch, latitude, postcode) in [(f.network.central, 52.0, "2511 BT"), (f.network.district, 52.0198, "2512 AA"),
                                             (f.network.neighbourhood, 52.045, "2513 AA")] {
            try await app.db.sql.update(Branch.schema).set("latitude", to: latitude).set("longitude", to: 4.3).set("postcode", to: postcode)
                .where("id", .equal, branch).run()
        }
        return f
    }

    @Test(arguments: TestDatabase.all)
    func aPlannerImportsAreasSeesTheGapsAndComparesScenarios(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            // Desk staff do not plan the network.
            let desk = TestClient(app)
            try await desk.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await desk.send(.GET, "/api/v1/planning/coverage").status == .forbidden)
            let api = TestClient(app)
            try await api.signInAPI("directie@city.test", password: Fixture.password)
            func csv(_ path: String, _ text: String) async throws -> TestingHTTPResponse {
                try await api.send(.POST, path, headers: ["content-type": "text/csv"], body: text)
            }

            // A bad line: nothing is imported, the problem names its line.
            let bad = try await csv("/api/v1/planning/areas?source=CBS", Self.districts + "\nWijk 04;Wijk;WK0999;x;.;.;.;.;.;;")
            #expect(bad.status == .unprocessableEntity)
            let problems = try #require(try object(bad)["problems"] as? [[String: Any]])
            #expect(problems.map { $0["line"] as? Int } == [5] && problems.first?["code"] as? String == "bad_area_code")
            #expect(try list(try await api.send(.GET, "/api/v1/planning/areas")).isEmpty)
            let good = try await csv("/api/v1/planning/areas?source=CBS%202024", Self.districts)
            let stored = try object(good)["stored"] as? Int
            #expect(good.status == .ok && stored == 3)
            let areas = try list(try await api.send(.GET, "/api/v1/planning/areas?level=district"))
            #expect(areas.map { $0["code"] as? String } == ["WK099901", "WK099902", "WK099903"])
            #expect((areas[0]["ages"] as? [String: Any])?["0_15"] as? Int == 3000 && areas[0]["source"] as? String == "CBS 2024")
            #expect(try await api.send(.GET, "/api/v1/planning/areas?level=wijk").apiError?.field == "level")
            #expect(try await csv("/api/v1/planning/postcodes", "PC4;Wijk\n2511;099901\n").status == .ok)

            // The reach: the south is further than 1.5 km from a library (the volunteers' library is not one).
            let coverage = try object(try await api.send(.GET, "/api/v1/planning/coverage"))
            #expect(coverage["gaps"] as? [String] == ["WK099903"] && coverage["inhabitants"] as? Int == 47_000)
            #expect(coverage["within_reach"] as? Int == 35_000 && coverage["libraries"] as? Int == 2 && coverage["libraries_needed"] as? Int == 2)
            let reaches = try #require(coverage["areas"] as? [[String: Any]])
            let south = try #require(reaches.last)
            #expect((south["library"] as? [String: Any])?["slug"] as? String == "oost")
            #expect(((south["nearest"] as? [String: Any])?["neighbourhood"] as? [String: Any])?["slug"] as? String == "buurt")
            // 2.8 km straight, walked with the detour: 2.8 × 1.3 ÷ 5 km/h ≈ 44 minutes.
            #expect((south["library"] as? [String: Any])?["distance_km"] as? Double == 2.8)
            #expect((south["library"] as? [String: Any])?["walking_minutes"] as? Int == 44)
            let catchments = try #require(coverage["catchments"] as? [[String: Any]])
            #expect(catchments.map { $0["slug"] as? String } == ["centrale", "oost"] && catchments[0]["over_norm"] as? Bool == true)
            let reachCSV = try await api.send(.GET, "/api/v1/planning/coverage.csv")
            #expect(reachCSV.status == .ok && reachCSV.body.string.contains("WK099903,Wijk 03 Zuid,12000,Bibliotheek Oost,2.8,44,1"))

            // Norms: a bad value names its field; a wider distance closes the gap.
            #expect(try await api.send(.PUT, "/api/v1/planning/settings", json: ["maximum_distance": "0"]).apiError?.field == "maximum_distance")
            #expect(try await api.send(.PUT, "/api/v1/planning/settings", json: ["norm": "veel"]).apiError?.field == "norm")
            let wider = try object(try await api.send(.PUT, "/api/v1/planning/settings", json: ["maximum_distance": "3,0"]))
            #expect(wider["maximum_distance"] as? Double == 3.0 && wider["norm"] as? Int == 30_000)
            #expect(try object(try await api.send(.GET, "/api/v1/planning/coverage"))["gaps"] as? [String] == [])
            _ = try await api.send(.PUT, "/api/v1/planning/settings", json: ["maximum_distance": "1.5"])

            // Profiles: the fixture's two members live in 2511 (the north): fewer than five, so hidden, and no rates.
            let profiles = try list(try await api.send(.GET, "/api/v1/planning/profiles"))
            let north = try #require(profiles.first { $0["code"] as? String == "WK099901" })
            #expect(north["members"] as? String == "<5" && north["youth_members"] as? String == "<5" && north["members_per_1000"] == nil)
            // A branch is in the area its postcode is in (the table knows 2511 only), else in the area nearest to it.
            #expect(north["branches"] as? [String] == ["centrale"])
            #expect(profiles.map { $0["branches"] as? [String] } == [["centrale"], ["oost"], ["buurt"]])
            let profileCSV = try await api.send(.GET, "/api/v1/planning/profiles.csv", headers: ["accept-language": "en"])
            #expect(profileCSV.body.string.contains("code,area,estimate,inhabitants,members") && profileCSV.body.string.contains("WK099901,Wijk 01 Noord,0,20000,<5"))

            // A focus for the district library from the middle's profile.
            #expect(try await api.send(.PUT, "/api/v1/planning/focus", json: ["branch": "oost", "focus": "social", "reason": ""]).apiError?.field == "reason")
            #expect(try await api.send(.PUT, "/api/v1/planning/focus", json: ["branch": "oost", "focus": "sport", "reason": "x"]).apiError?.field == "focus")
            let focus = try object(try await api.send(.PUT, "/api/v1/planning/focus",
                                                      json: ["branch": "oost", "focus": "education", "reason": "Veel jongeren", "area": "WK099902"]))
            #expect(focus["focus"] as? String == "education" && focus["branch"] as? String == "oost")
            #expect(try list(try await api.send(.GET, "/api/v1/planning/focus")).count == 1)
            let southProfile = try #require(try list(try await api.send(.GET, "/api/v1/planning/profiles")).last)
            #expect(southProfile["focus"] as? String == "education" && southProfile["gap"] as? Bool == true)

            // Scenarios: open a library in the south; close the district library. Compared side by side.
            struct Change: Encodable, Sendable { var action: String; var branch: String? = nil; var name: String? = nil; var kind: String? = nil
                                                 var latitude: String? = nil; var longitude: String? = nil }
            struct Fields: Encodable, Sendable { var name: String; var note = ""; var changes: [Change] }
            let refused = try await api.send(.POST, "/api/v1/planning/scenarios",
                                             json: Fields(name: "x", changes: [Change(action: "open", name: "Zuid", kind: "district", latitude: "52,045")]))
            #expect(refused.apiError?.field == "change_1")
            #expect(try await api.send(.POST, "/api/v1/planning/scenarios", json: Fields(name: "x", changes: [Change(action: "close", branch: "dorp")]))
                .apiError?.field == "change_1")
            // A change must say what it does.
            #expect(try await api.send(.POST, "/api/v1/planning/scenarios", json: Fields(name: "x", changes: [Change(action: "close", branch: "oost"),
                                                                                                                Change(action: "")]))
                .apiError?.field == "change_2")
            let opened = try await api.send(.POST, "/api/v1/planning/scenarios", json: Fields(
                name: "Zuid erbij", changes: [Change(action: "open", name: "Bibliotheek Zuid", kind: "district", latitude: "52,045", longitude: "4,3")]))
            #expect(opened.status == .created)
            let openedBody = try object(opened)
            #expect(openedBody["covered"] as? Int == 12_000 && openedBody["lost"] as? Int == 0)
            #expect((openedBody["after"] as? [String: Any])?["gaps"] as? [String] == [])
            let openedID = try #require((openedBody["scenario"] as? [String: Any])?["id"] as? Int)
            let closed = try object(try await api.send(.POST, "/api/v1/planning/scenarios",
                                                       json: Fields(name: "Oost dicht", changes: [Change(action: "close", branch: "oost")])))
            let closedID = try #require((closed["scenario"] as? [String: Any])?["id"] as? Int)
            #expect(((closed["scenario"] as? [String: Any])?["changes"] as? [[String: Any]])?.first?["branch"] as? String == "oost")
            let compared = try list(try await api.send(.GET, "/api/v1/planning/scenarios/compare?ids=\(openedID),\(closedID)"))
            #expect(compared.map { $0["covered"] as? Int } == [12_000, 0])
            #expect(compared.map { ($0["after"] as? [String: Any])?["libraries"] as? Int } == [3, 1])
            #expect(try await api.send(.GET, "/api/v1/planning/scenarios/compare?ids=a").apiError?.field == "ids")
            // The real network is as it was.
            #expect(try object(try await api.send(.GET, "/api/v1/planning/coverage"))["libraries"] as? Int == 2)
            #expect(try await NetworkPlanning(app.db, organisationID: f.network.city).network().count == 3)
            #expect(try await api.send(.DELETE, "/api/v1/planning/scenarios/\(openedID)").status == .noContent)
            #expect(try await api.send(.GET, "/api/v1/planning/scenarios/\(openedID)").status == .notFound)
            #expect(try list(try await api.send(.GET, "/api/v1/planning/scenarios")).count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func thePlanningPageImportsShowsTheMapAndKeepsWhatWasTyped(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Self.world(app)
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            #expect(try await pages.send(.GET, "/staff?lang=nl").body.string.contains(#"href="/staff/netwerk""#))
            let empty = try await pages.send(.GET, "/staff/netwerk?lang=nl")
            #expect(empty.status == .ok && empty.body.string.contains("Er zijn nog geen wijken ingelezen"))
            let token = try #require(TestClient.csrf(in: empty.body.string))
            // A file with a bad line: refused, each problem with its line, nothing imported.
            let refused = try await pages.sendMultipart("/staff/netwerk/gebieden?lang=nl", [
                ("csrf", token, nil), ("source", "CBS 2024", nil), ("file", Self.districts + "\nWijk 04;Wijk;WK0999;1;.;.;.;.;.;;", "wijken.csv")])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("Regel 5: &#39;WK0999&#39; is geen gebiedscode"))
            let noFile = try await pages.sendMultipart("/staff/netwerk/gebieden?lang=nl", [("csrf", token, nil), ("source", "x", nil)])
            #expect(noFile.status == .unprocessableEntity && noFile.body.string.contains(#"id="file-error""#) && noFile.body.string.contains(#"value="x""#))
            // The postcodes' form has its own file field: its error stands there.
            let noPostcodes = try await pages.sendMultipart("/staff/netwerk/postcodes?lang=nl", [("csrf", token, nil)])
            #expect(noPostcodes.body.string.contains(#"id="postcode_file-error""#) && !noPostcodes.body.string.contains(#"id="file-error""#))
            #expect(noPostcodes.body.string.contains(##"href="#postcode_file""##))
            let imported = try await pages.sendMultipart("/staff/netwerk/gebieden?lang=nl", [
                ("csrf", token, nil), ("source", "CBS 2024", nil), ("file", Self.districts, "wijken.csv")])
            #expect(imported.status == .ok && imported.body.string.contains("ingelezen (3)"))
            // The overview: the map (SVG with its title), the gap, the libraries against the norm.
            let overview = try await pages.send(.GET, "/staff/netwerk?lang=nl").body.string
            #expect(overview.contains("<svg") && overview.contains("Bereik van de bibliotheken van Stadsbibliotheek"))
            #expect(overview.contains("<title>Wijk 03 Zuid: 12.000 (buiten bereik)</title>"))
            #expect(overview.contains("Wijk 03 Zuid <small>WK099903</small></th><td>12.000</td><td>Bibliotheek Oost</td><td>2,8</td><td>44</td>"))
            #expect(overview.contains("<th scope=\"row\">Centrale Bibliotheek</th><td>Centrale bibliotheek</td><td>35.000</td><td>2</td><td>1,0 km</td><td><strong>boven de norm</strong>"))
            // The norms: a bad value is refused next to its field and in the summary, and what was typed stays.
            let bad = try await pages.send(.POST, "/staff/netwerk/normen?lang=nl",
                                           form: ["csrf": token, "norm": "30000", "maximum_distance": "70", "detour_factor": "1,3", "walking_speed": "5"])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains(#"id="maximum_distance-error""#))
            #expect(TestClient.errorSummary(in: bad.body.string).contains("0,2 tot 50 km") && bad.body.string.contains(#"value="70""#))
            let saved = try await pages.send(.POST, "/staff/netwerk/normen?lang=nl",
                                             form: ["csrf": token, "norm": "30000", "maximum_distance": "3", "detour_factor": "1,3", "walking_speed": "5"])
            #expect(saved.status == .seeOther)
            #expect(try await pages.send(.GET, "/staff/netwerk?lang=nl").body.string.contains("Elke wijk heeft een bibliotheek binnen bereik."))
            // English, and the downloads.
            let english = try await pages.send(.GET, "/staff/netwerk?lang=en").body.string
            #expect(english.contains("Network planning") && english.contains("Libraries against the norm"))
            let profiles = try await pages.send(.GET, "/staff/netwerk/gebiedsprofielen.csv")
            #expect(profiles.status == .ok && profiles.body.string.contains("WK099901"))
            // Desk staff do not see the page.
            let desk = TestClient(app)
            try await desk.signInPages(Fixture.staff, password: Fixture.password)
            #expect(try await desk.send(.GET, "/staff/netwerk").status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aPlannerTriesScenariosOnThePagesAndComparesThem(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            _ = try await PlanningAreas(app.db, organisationID: f.network.city).importFigures(Self.districts, source: "test")
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let index = try await pages.send(.GET, "/staff/netwerk/scenarios?lang=nl")
            #expect(index.status == .ok && index.body.string.contains("Nog geen scenario&#39;s.") && index.body.string.contains(#"value="oost""#))
            // The volunteers' library is not a library in the norm's sense: it cannot be closed here.
            #expect(!index.body.string.contains(#"value="buurt""#))
            let token = try #require(TestClient.csrf(in: index.body.string))
            // A second row without its point: refused next to that row and in the summary; what was typed stays.
            let refused = try await pages.send(.POST, "/staff/netwerk/scenarios?lang=nl", form: [
                "csrf": token, "name": "Zuid erbij", "open_name_1": "", "open_name_2": "Bibliotheek Zuid", "open_kind_2": "district",
                "open_latitude_2": "52,045", "close": "oost"])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains(#"id="open_2-error""#))
            #expect(TestClient.errorSummary(in: refused.body.string).contains("breedte- en lengtegraad"))
            #expect(refused.body.string.contains(##"href="#open_name_2""##) && refused.body.string.contains(#"value="Bibliotheek Zuid""#))
            #expect(refused.body.string.contains(#"value="oost" checked"#))
            // Saved: the scenario's page, before and after.
            let saved = try await pages.send(.POST, "/staff/netwerk/scenarios?lang=nl", form: [
                "csrf": token, "name": "Zuid erbij, Oost dicht", "open_name_2": "Bibliotheek Zuid", "open_kind_2": "district",
                "open_latitude_2": "52,045", "open_longitude_2": "4,3", "close": "oost"])
            #expect(saved.status == .seeOther)
            let location = try #require(saved.headers.first(name: .location))
            let page = try await pages.send(.GET, String(location.split(separator: "?").first ?? "") + "?lang=nl").body.string
            #expect(page.contains("Opent Bibliotheek Zuid (Wijkbibliotheek) op 52,0450; 4,3000") && page.contains("Sluit Bibliotheek Oost"))
            #expect(page.contains("Inwoners erbij binnen bereik: <strong>12.000</strong>") && page.contains("Bereik na het scenario Zuid erbij, Oost dicht"))
            #expect(page.contains("<td>2 / 2</td><td>2 / 2</td>") && page.contains("Wijk 03 Zuid (12.000)"))
            // Side by side with the network now; deleted again. The network is as it was.
            let compared = try await pages.send(.GET, "/staff/netwerk/scenarios?lang=en").body.string
            #expect(compared.contains("The network now") && compared.contains("Zuid erbij, Oost dicht</a>"))
            #expect(compared.contains("<td>12,000</td>"), "counts in English are grouped the English way")
            let id = try #require(location.split(separator: "/").last.flatMap { Int($0.split(separator: "?").first ?? "") })
            #expect(try await pages.send(.POST, "/staff/netwerk/scenarios/\(id)/verwijderen", form: ["csrf": token]).status == .seeOther)
            #expect(try await pages.send(.GET, "/staff/netwerk/scenarios/\(id)").status == .notFound)
            #expect(try await NetworkPlanning(app.db, organisationID: f.network.city).network().count == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func districtProfilesAndABranchFocusThroughThePages(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            _ = try await PlanningAreas(app.db, organisationID: f.network.city).importFigures(Self.districts, source: "CBS 2024")
            _ = try await PlanningAreas(app.db, organisationID: f.network.city).importPostcodes("PC4;Wijk\n2511;099901\n")
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            // The table: the fixture's two members live in the north, shown as "<5" with no rate.
            let index = try await pages.send(.GET, "/staff/netwerk/gebieden?lang=nl").body.string
            #expect(index.contains(##"<a href="/staff/netwerk/gebieden/WK099901">Wijk 01 Noord</a></th><td>20.000</td><td>&lt;5</td><td>–</td>"##))
            // One district: its ages as a chart with the table, the nearest location of every kind, the focus form.
            let page = try await pages.send(.GET, "/staff/netwerk/gebieden/wk099902?lang=nl")
            #expect(page.status == .ok && page.body.string.contains("Inwoners van Wijk 02 Midden naar leeftijd"))
            #expect(page.body.string.contains("<td>2.000</td><td>2.000</td><td>5.000</td><td>4.000</td><td>2.000</td>"))
            #expect(page.body.string.contains("<th scope=\"row\">Buurtbibliotheek (vrijwilligers)</th><td>Buurtbibliotheek Noord</td>"))
            #expect(page.body.string.contains(#"<option value="centrale" selected>"#) && page.body.string.contains("Er is nog geen profiel vastgelegd."))
            let token = try #require(TestClient.csrf(in: page.body.string))
            // Without a reason: refused next to the field and in the summary, the choices kept.
            let refused = try await pages.send(.POST, "/staff/netwerk/gebieden/WK099902/profiel?lang=nl",
                                               form: ["csrf": token, "branch": "oost", "focus": "education", "reason": " "])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains(#"id="reason-error""#))
            #expect(refused.body.string.contains(#"<option value="oost" selected>"#) && refused.body.string.contains(#"<option value="education" selected>"#))
            let saved = try await pages.send(.POST, "/staff/netwerk/gebieden/WK099902/profiel?lang=nl",
                                             form: ["csrf": token, "branch": "centrale", "focus": "education", "reason": "Veel jongeren van 15 tot 25"])
            #expect(saved.status == .seeOther)
            let after = try await pages.send(.GET, "/staff/netwerk/gebieden/WK099902?lang=en").body.string
            #expect(after.contains("<strong>Education</strong> (Centrale Bibliotheek): Veel jongeren van 15 tot 25"))
            #expect(try await NetworkPlanning(app.db, organisationID: f.network.city).focus()[f.network.central]?.area == "WK099902")
            #expect(try await pages.send(.GET, "/staff/netwerk/gebieden/WK000000").status == .notFound)
        }
    }
}
