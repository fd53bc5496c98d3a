import BiebCore
import BiebStore
import Fluent
import Foundation
import SQLKit
import Vapor

/// `bieb-bench planning-scale DB [ROUNDS]`: network planning for the whole
/// country as one organisation — 13,000 neighbourhoods (21.9 million
/// inhabitants, centroids around the locations), 1,270 library locations
/// of every kind across the Netherlands, 4,000 postcode areas, 3.6 million
/// members and a year of loans and active members per postcode area in the
/// statistics' facts — generated once into a fresh database (migrated
/// here), then timed: importing the key figures, coverage, the area
/// profiles and a scenario's outcome, beside two plain baselines (reading
/// the areas; counting the members). Deterministic: the same numbers every run.
func benchmarkPlanningScale(database: String, rounds: Int) {
    withDatabase(location(database)) { app in
        try await BiebDatabase.migrate(app)
        let sql = app.db.sql
        let postgres = sql.dialect.name != "sqlite"
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        // A deterministic "random" number in 0..<1 (FNV-1a of the parts).
        func noise(_ parts: Int...) -> Double {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for part in parts { hash ^= UInt64(bitPattern: Int64(part)); hash = hash &* 0x0000_0100_0000_01b3 }
            return Double(hash % 1_000_000) / 1_000_000
        }
        let organisation: UUID
        if let existing = try await Organisation.query(on: app.db).filter(\.$slug == "planning-land").first() {
            print("already generated (planning-land exists): measuring only")
            organisation = existing.id!
        } else {
            let start = DispatchTime.now().uptimeNanoseconds
            func elapsed() -> String { String(format: "%.0f s", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            let land = Organisation(slug: "planning-land", name: "Bibliotheken van Nederland")
            try await land.create(on: app.db)
            organisation = land.id!
            let type = MembershipType(organisationID: organisation, code: "basis", nameNL: "Basis", nameEN: "Basic", yearlyFeeCents: 0)
            try await MemberDirectory(app.db, organisationID: organisation).save(type)
            // 1,270 locations: 137 central, 640 district, 300 neighbourhood, 150 outreach points, 43 at partners.
            let kinds: [(BranchKind, Int)] = [(.central, 137), (.district, 640), (.neighbourhood, 300), (.outreachPoint, 150), (.partnerHosted, 43)]
            var points: [GeoPoint] = []
            var branches: [UUID] = []
            var n = 0
            for (kind, count) in kinds {
                for _ in 0..<count {
                    let point = GeoPoint(latitude: 51.4 + 1.9 * noise(n, 1), longitude: 3.7 + 3.2 * noise(n, 2))
                    let branch = Branch(organisationID: organisation, slug: "loc-\(n)", name: "Vestiging \(n)", kind: kind, street: "Straat 1",
                                        postcode: "\(1000 + n % 4000) AA", city: "Plaats", latitude: point.latitude, longitude: point.longitude)
                    try await branch.create(on: app.db)
                    points.append(point)
                    branches.append(branch.id!)
                    n += 1
                }
            }
            print("1,270 locations (\(elapsed()))")
            // 13,000 neighbourhoods around the locations (within about 4 km), 400 to 4,000 inhabitants, as a CBS file.
            var file = "WijkenEnBuurten;SoortRegio_2;Codering_3;AantalInwoners_5;k_0Tot15Jaar_8;k_15Tot25Jaar_9;k_25Tot45Jaar_10;k_45Tot65Jaar_11;k_65JaarOfOuder_12;Latitude;Longitude\n"
            for a in 0..<13_000 {
                let near = points[Int(noise(a, 3) * Double(points.count))]
                let inhabitants = 400 + Int(noise(a, 4) * 2_000) + (a % 7 == 0 ? 2_000 : 0)
                let ages = [0.16, 0.12, 0.25, 0.27, 0.20].map { Int(Double(inhabitants) * $0) }
                file += "Buurt \(a);Buurt;BU\(String(format: "%08d", 10_000_000 + a));\(inhabitants);\(ages.map(String.init).joined(separator: ";"));"
                    + String(format: "%.5f;%.5f\n", near.latitude + (noise(a, 5) - 0.5) * 0.07, near.longitude + (noise(a, 6) - 0.5) * 0.11)
            }
            let importStart = DispatchTime.now().uptimeNanoseconds
            let imported = try await PlanningAreas(app.db, organisationID: organisation).importFigures(file, source: "bench")
            print(String(format: "imported %d neighbourhoods in %.2f s (%@)", imported.stored,
                         Double(DispatchTime.now().uptimeNanoseconds - importStart) / 1e9, elapsed()))
            // 4,000 postcode areas, each in a neighbourhood.
            var postcodes = "PC4;code\n"
            for p in 0..<4_000 { postcodes += "\(1000 + p);BU\(String(format: "%08d", 10_000_000 + Int(noise(p, 7) * 13_000)))\n" }
            _ = try await PlanningAreas(app.db, organisationID: organisation).importPostcodes(postcodes, level: .neighbourhood)
            // 3.6 million members over the postcode areas, a fifth of them under 18.
            try await sql.raw("DROP TABLE IF EXISTS bench_k").run()
            try await sql.raw("CREATE TABLE bench_k (i BIGINT PRIMARY KEY)").run()
            try await sql.raw(postgres ? "INSERT INTO bench_k SELECT generate_series(0, 3599999)" : """
                INSERT INTO bench_k WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 3599999) SELECT i FROM c
                """).run()
            let id: SQLQueryString = postgres ? "gen_random_uuid()" : "randomblob(16)"
            let home = branches[0]
            for block in stride(from: 0, to: 3_600_000, by: 400_000) {
                try await sql.raw("""
                    INSERT INTO members (id, organisation_id, name, name_key, birth_date, street, postcode, city, home_branch_id, membership_type_id,
                                         membership_start, membership_end, balance_cents, loan_count, hold_count, created_at, updated_at, language)
                    SELECT \(id), \(bind: organisation), 'Lid', 'lid', CASE WHEN i % 5 = 0 THEN '2015-06-01' ELSE '1975-06-01' END, 'Straat 1',
                           CAST(1000 + i % 4000 AS TEXT) || ' AB', 'Plaats', \(bind: home), \(bind: type.id!), '2020-01-01',
                           CASE WHEN i % 10 = 0 THEN '2020-12-31' ELSE '2099-12-31' END, 0, 0, 0, \(bind: Date()), \(bind: Date()), 'nl'
                    FROM bench_k WHERE i >= \(bind: block) AND i < \(bind: block + 400_000)
                    """).run()
                print("members: \(block + 400_000) (\(elapsed()))")
            }
            // A year of loans per postcode area and day, active members per postcode area and month, sessions per location and week.
            try await sql.raw("""
                INSERT INTO insight_facts (organisation_id, day, branch_id, kind, member_area, quantity)
                SELECT \(bind: organisation), d.iso, \(bind: home), 'loan', CAST(1000 + p.i AS TEXT), 1 + (p.i * 7 + d.i) % 9
                FROM bench_k p, (SELECT i, \(unsafeRaw: postgres ? "TO_CHAR(CURRENT_DATE - CAST(i AS INTEGER), 'YYYY-MM-DD')" : "DATE('now', '-' || i || ' days')") AS iso
                                 FROM bench_k WHERE i < 365) d
                WHERE p.i < 4000
                """).run()
            try await sql.raw("""
                INSERT INTO insight_facts (organisation_id, day, branch_id, kind, member_area, quantity)
                SELECT \(bind: organisation), \(bind: LocalDate(year: today.year, month: 1, day: 1)!.iso), \(bind: home), 'active_member',
                       CAST(1000 + i AS TEXT), 300 + i % 200 FROM bench_k WHERE i < 4000
                """).run()
            var sessions = sql.insert(into: "insight_facts").columns("organisation_id", "day", "branch_id", "kind", "quantity")
            for (b, branch) in branches.enumerated() where b % 2 == 0 {
                sessions = sessions.values(SQLBind(organisation), SQLBind(today.adding(days: -7).iso), SQLBind(branch), SQLBind("activity_session"), SQLBind(3))
            }
            try await sessions.run()
            try await sql.raw("DROP TABLE bench_k").run()
            try await BiebDatabase.analyze(sql)
            print("generated in \(elapsed())")
        }
        let planning = NetworkPlanning(app.db, organisationID: organisation)
        let scenarios = PlanningScenarios(app.db, organisationID: organisation)
        let network = try await planning.network()
        var existing = try await scenarios.all().first?.id
        if existing == nil { existing = try await scenarios.save(
            name: "Twee erbij, één dicht", note: "",
            changes: [.open(name: "Nieuw 1", kind: .district, point: GeoPoint(latitude: 52.1, longitude: 5.1)),
                      .open(name: "Nieuw 2", kind: .district, point: GeoPoint(latitude: 51.9, longitude: 4.5)),
                      .close(branch: network.first { $0.kind == .district }!.id)],
            by: "bench") }
        let scenario = existing!
        let (basis, coverage) = try await planning.coverage(level: .neighbourhood)
        print("areas: \(basis.planned.count), locations: \(basis.branches.count), inhabitants: \(coverage.inhabitants), gaps: \(coverage.gaps.count)")
        let cases: [(String, @Sendable () async throws -> Void)] = [
            ("baseline: the areas read", { _ = try await PlanningAreas(app.db, organisationID: organisation).all(level: .neighbourhood) }),
            ("baseline: COUNT(*) of the members", {
                _ = try await sql.raw("SELECT COUNT(*) AS n FROM members WHERE organisation_id = \(bind: organisation)").first()
            }),
            ("coverage computed (BiebCore, areas in memory)", { _ = Coverage.compute(areas: basis.planned, branches: basis.branches, settings: basis.settings) }),
            ("coverage, whole country", { _ = try await planning.coverage(level: .neighbourhood) }),
            ("profiles and coverage, whole country", { _ = try await planning.profiles(today: today, level: .neighbourhood) }),
            ("a scenario's outcome", { _ = try await scenarios.outcome(scenario, level: .neighbourhood) }),
        ]
        try await printTimings(cases, rounds: rounds)
    }
}
