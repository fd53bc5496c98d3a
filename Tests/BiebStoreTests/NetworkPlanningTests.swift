import Foundation
import SQLKit
import Testing
import BiebCore
@testable import BiebStore
import BiebTestSupport

@Suite("Network planning store") struct NetworkPlanningTests {
    /// Three districts on a line north of 52.0 N (about 1 km per 0.009°), in CBS's layout.
    static let districts = """
        WijkenEnBuurten;SoortRegio_2;Codering_3;AantalInwoners_5;k_0Tot15Jaar_8;k_15Tot25Jaar_9;k_25Tot45Jaar_10;k_45Tot65Jaar_11;k_65JaarOfOuder_12;lat;lon;schatting
        Wijk 01 Noord;Wijk;WK099901;20000;3000;3000;6000;5000;3000;52.0000;4.3000;nee
        Wijk 02 Midden;Wijk;WK099902;15000;2000;2000;5000;4000;2000;52.0090;4.3000;nee
        Wijk 03 Zuid;Wijk;WK099903;12000;2000;1000;4000;3000;2000;52.0450;4.3000;ja
        Wijk 04 Haven;Wijk;WK099904;.;.;.;.;.;.;;;nee
        """

    static func place(_ branch: UUID, latitude: Double, postcode: String, on sql: any SQLDatabase) async throws {
        try await sql.update(Branch.schema).set("latitude", to: latitude).set("longitude", to: 4.3).set("postcode", to: postcode)
            .where("id", .equal, branch).run()
    }

    @Test(arguments: TestDatabase.all)
    func areasImportWholeOrNotAtAllAndCoverageFollows(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let areas = PlanningAreas(app.db, organisationID: org)
            // A file with one bad line stores nothing.
            let bad = try await areas.importFigures(Self.districts + "\nWijk 05;Wijk;WK09;10;.;.;.;.;.;;;nee", source: "test")
            #expect(!bad.accepted && bad.problems.map(\.line) == [6] && bad.stored == 0)
            #expect(try await areas.all().isEmpty)
            let good = try await areas.importFigures(Self.districts, source: "CBS 2024 (test)")
            #expect(good.accepted && good.stored == 4)
            let stored = try await areas.all(level: .district)
            #expect(stored.map(\.record.code) == ["WK099901", "WK099902", "WK099903", "WK099904"])
            #expect(stored[0].record.ages?.under15 == 3000 && stored[0].source == "CBS 2024 (test)" && stored[2].record.estimate)
            // A new year's figures replace those of the areas in the file; the others stay.
            #expect(try await areas.importFigures("Codering;AantalInwoners\nWK099902;15500\n", source: "CBS 2025").stored == 1)
            let renewed = try await areas.area("wk099902")
            // Only what the file has changes: the name, the age groups and the centroid imported before stay.
            #expect(renewed.record.inhabitants == 15500 && renewed.record.name == "Wijk 02 Midden" && renewed.record.ages?.under15 == 2000)
            #expect(renewed.record.centroid == GeoPoint(latitude: 52.009, longitude: 4.3) && renewed.source == "CBS 2025")
            #expect(try await areas.area("WK099901").record.inhabitants == 20000)
            #expect(await refusal { _ = try await areas.area("WK000000") }?.kind == .notFound)
            // The other organisation sees none of it.
            #expect(try await PlanningAreas(app.db, organisationID: f.network.town).all().isEmpty)

            // The network: the central library in the north, the district library in the middle-south, volunteers in the south.
            try await Self.place(f.network.central, latitude: 52.0, postcode: "2511 BT", on: app.db.sql)
            try await Self.place(f.network.district, latitude: 52.0198, postcode: "2512 AA", on: app.db.sql)
            try await Self.place(f.network.neighbourhood, latitude: 52.045, postcode: "2513 AA", on: app.db.sql)
            let planning = NetworkPlanning(app.db, organisationID: org)
            let (basis, coverage) = try await planning.coverage()
            // Wijk 04 has neither inhabitants nor a centroid: named apart, not guessed.
            #expect(basis.unplaced.map(\.record.code) == ["WK099904"])
            #expect(coverage.areas.map { $0.library?.branch } == [f.network.central.uuidString, f.network.central.uuidString, f.network.district.uuidString])
            #expect(coverage.gaps.map(\.code) == ["WK099903"])
            #expect(coverage.areas[2].nearest[.neighbourhood]?.branch == f.network.neighbourhood.uuidString)
            #expect(coverage.inhabitants == 47_500 && coverage.withinReach == 35_500 && coverage.librariesNeeded == 2)
            // The norms are the organisation's.
            try await planning.setSettings(CoverageSettings(norm: 20_000, maximumDistance: 3.0))
            let stricter = try await planning.coverage().coverage
            #expect(stricter.gaps.isEmpty && stricter.overNorm.map(\.branch) == [f.network.central.uuidString] && stricter.librariesNeeded == 3)
            #expect(await refusal { try await planning.setSettings(CoverageSettings(norm: 10)) }?.field == "norm")
            #expect(await refusal { try await planning.setSettings(CoverageSettings(maximumDistance: 0)) }?.field == "maximum_distance")
        }
    }

    @Test(arguments: TestDatabase.all)
    func profilesCountMembersLoansAndActivitiesPerArea(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let today = LocalDate(iso: "2026-12-04")!
            let f = try await CirculationFixture.make(on: app, today: today)
            let org = f.network.city
            let areas = PlanningAreas(app.db, organisationID: org)
            _ = try await areas.importFigures(Self.districts, source: "test")
            // Postcodes: CBS's address table; 2511 mostly in the north (two addresses against one).
            let postcodes = try await areas.importPostcodes("PC6;Huisnummer;Buurt2024;Wijk2024\n2511BT;1;09990101;099901\n2511BT;2;09990101;099901\n2511BV;1;09990201;099902\n2513AA;1;09990301;099903\n")
            let mapped = try await areas.postcodes()
            #expect(postcodes.stored == 2 && mapped == ["2511": "WK099901", "2513": "WK099903"])
            #expect(try await areas.importPostcodes("PC4;Wijk\nabcd;099901\n").problemCount == 1)
            #expect(try await areas.postcodes().count == 2)
            try await Self.place(f.network.central, latitude: 52.0, postcode: "2511 BT", on: app.db.sql)
            try await Self.place(f.network.district, latitude: 52.0198, postcode: "2512 AA", on: app.db.sql)
            try await Self.place(f.network.neighbourhood, latitude: 52.045, postcode: "2513 AA", on: app.db.sql)
            // The statistics' facts: loans and active members by postcode area, a session at the volunteers' branch.
            for (kind, area, branch, day, quantity) in [("loan", "2511", f.network.central, "2026-11-30", 7), ("loan", "2511", f.network.central, "2025-11-30", 50),
                                                        ("active_member", "2511", f.network.central, "2026-02-01", 2),
                                                        ("loan", "2513", f.network.neighbourhood, "2026-10-01", 3),
                                                        ("activity_session", "", f.network.neighbourhood, "2026-09-01", 4)] {
                try await app.db.sql.insert(into: "insight_facts").columns("organisation_id", "day", "branch_id", "kind", "member_area", "quantity")
                    .values(SQLBind(org), SQLBind(day), SQLBind(branch), SQLBind(kind), SQLBind(area.isEmpty ? nil : area), SQLBind(quantity)).run()
            }
            let (_, _, profiles) = try await NetworkPlanning(app.db, organisationID: org).profiles(today: today)
            let north = try #require(profiles.first { $0.area.record.code == "WK099901" })
            // The fixture's two members live at 2511 BT: one adult, one child.
            #expect(north.members == 2 && north.youthMembers == 1 && north.activeMembers == 2 && north.loans == 7)
            #expect(north.branches == [f.network.central.uuidString] && north.activities == 0)
            #expect(abs((north.membersPerThousand ?? 0) - 0.1) < 1e-9 && abs((north.loansPerInhabitant ?? 0) - 7.0 / 20_000) < 1e-12)
            let south = try #require(profiles.first { $0.area.record.code == "WK099903" })
            #expect(south.members == 0 && south.loans == 3 && south.activities == 4 && south.branches == [f.network.neighbourhood.uuidString])
            // The district library's postcode is in no mapped area: it is placed in the nearest area.
            #expect(profiles.first { $0.area.record.code == "WK099902" }?.branches == [f.network.district.uuidString])
        }
    }

    @Test(arguments: TestDatabase.all)
    func aBranchFocusIsRecordedWithItsReasonAndHistory(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let planning = NetworkPlanning(app.db, organisationID: f.network.city)
            _ = try await PlanningAreas(app.db, organisationID: f.network.city).importFigures(Self.districts, source: "test")
            #expect(await refusal { try await planning.setFocus(branch: f.network.district, focus: .social, reason: "  ", area: nil, by: "x") }?.field == "reason")
            #expect(await refusal { try await planning.setFocus(branch: f.network.townMain, focus: .social, reason: "r", area: nil, by: "x") }?.kind == .notFound)
            #expect(await refusal { try await planning.setFocus(branch: f.network.district, focus: .social, reason: "r", area: "WK000000", by: "x") }?.kind == .notFound)
            try await planning.setFocus(branch: f.network.district, focus: .education, reason: "Veel jongeren van 15–25", area: "WK099902", by: "planner",
                                        now: Date(timeIntervalSince1970: 1_700_000_000))
            try await planning.setFocus(branch: f.network.district, focus: .social, reason: "Laaggeletterdheid hoog", area: "wk099902", by: "planner",
                                        now: Date(timeIntervalSince1970: 1_700_000_100))
            let focus = try await planning.focus()
            #expect(focus.count == 1 && focus[f.network.district]?.focus == .social && focus[f.network.district]?.area == "WK099902")
            #expect(try await planning.focusHistory(branch: f.network.district).map(\.focus) == [.social, .education])
        }
    }

    @Test(arguments: TestDatabase.all)
    func scenariosAreSavedComparedAndNeverChangeTheNetwork(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            _ = try await PlanningAreas(app.db, organisationID: org).importFigures(Self.districts, source: "test")
            try await Self.place(f.network.central, latitude: 52.0, postcode: "2511 BT", on: app.db.sql)
            try await Self.place(f.network.district, latitude: 52.0198, postcode: "2512 AA", on: app.db.sql)
            try await Self.place(f.network.neighbourhood, latitude: 52.045, postcode: "2513 AA", on: app.db.sql)
            let scenarios = PlanningScenarios(app.db, organisationID: org)
            let south = GeoPoint(latitude: 52.045, longitude: 4.3)
            // Refusals name the change.
            #expect(await refusal { _ = try await scenarios.save(name: "x", note: "", changes: [.open(name: "Zuid", kind: .district, point: south),
                                                                                                   .close(branch: f.network.townMain.uuidString)], by: "p") }?.field == "change_2")
            #expect(await refusal { _ = try await scenarios.save(name: "x", note: "", changes: [.open(name: "Parijs", kind: .district,
                                                                                                      point: GeoPoint(latitude: 48.85, longitude: 2.35))], by: "p") }?.field == "change_1")
            #expect(await refusal { _ = try await scenarios.save(name: "", note: "", changes: [.close(branch: f.network.district.uuidString)], by: "p") }?.field == "name")
            #expect(await refusal { _ = try await scenarios.save(name: "x", note: "", changes: [], by: "p") }?.field == "changes")
            let open = try await scenarios.save(name: "Zuid erbij", note: "In de gap", changes: [.open(name: "Bibliotheek Zuid", kind: .district, point: south)], by: "p")
            let close = try await scenarios.save(name: "Oost dicht", note: "", changes: [.close(branch: f.network.district.uuidString)], by: "p")
            #expect(try await scenarios.all().map(\.id) == [close, open])
            #expect(try await scenarios.scenario(open).changes == [.open(name: "Bibliotheek Zuid", kind: .district, point: south)])
            let opened = try await scenarios.outcome(open).outcome
            #expect(opened.covered == 12_000 && opened.lost == 0 && opened.after.gaps.isEmpty && opened.averageDistanceChange < 0)
            let closed = try await scenarios.outcome(close).outcome
            // Without the district library the middle stays within reach of the central one (1 km), the south gets further.
            #expect(closed.covered == 0 && closed.lost == 0 && closed.averageDistanceChange > 0 && closed.after.libraries == 1)
            // The real network is as it was.
            #expect(try await NetworkPlanning(app.db, organisationID: org).network().count == 3)
            #expect(await refusal { _ = try await PlanningScenarios(app.db, organisationID: f.network.town).scenario(open) }?.kind == .notFound)
            try await scenarios.delete(open)
            #expect(try await scenarios.all().map(\.id) == [close])
            #expect(await refusal { try await scenarios.delete(open) }?.kind == .notFound)
        }
    }
}
