import BiebCore
import BiebStore
import Fluent
import Foundation
import SQLKit
import Vapor

/// `bieb-bench insights-scale DB FACTOR [ROUNDS]`: the statistics at a
/// share of national scale, on a demo database (SQLite file or postgres://
/// URL). The Dutch network lends about 54 million items a year; FACTOR 0.1
/// writes 10 % of that over five years (1 January four years ago through
/// yesterday) as one loan fact per loan — as ingestion writes them — plus a
/// renewal for every third loan: Den Haag of the demo (22 branches) as a
/// large city library of 2 million loans a year (× FACTOR ÷ 0.1), the rest
/// spread over eight more organisations of ten branches. This year's loans
/// carry pseudonyms (the distinct counts read them), earlier years none.
/// The facts are generated inside the database (`INSERT … SELECT` from a
/// plan of loans per day and branch), so the run times Bieb, not the
/// generator.
///
/// Then it times a full roll-up rebuild of every organisation and, ROUNDS
/// times each (p50 / p95), what Den Haag's dashboards and annual report
/// ask of last year: loans per month (organisation; youth), loans per
/// branch, participants per core function, the overview's branches against
/// the year before and its loans per day and audience of two years (the
/// weekday chart), active members of this year, active members counted from
/// the pseudonyms (what the roll-ups replace), an indicator reading, and the
/// annual report of the organisation. Beside them, in the same run, a plain baseline: one
/// primary-key lookup of the organisation.
func benchmarkInsightScale(database: String, factor: Double, rounds: Int) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        let postgres = sql.dialect.name != "sqlite"
        guard let denHaag = try await demoDenHaag(app.db) else { return }
        let zone = denHaag.zone
        let today = LocalDate(Date(), in: zone)
        let first = LocalDate(year: today.year - 4, month: 1, day: 1)!, last = today.adding(days: -1)
        let branches = try await BranchDirectory(app.db).branches(of: denHaag.id!)
        // The organisations: Den Haag with its branches, and eight more with ten branches each (branch ids only).
        var organisations: [(id: UUID, branches: [UUID], perYear: Double, members: Int)] = [
            (denHaag.id!, branches.compactMap(\.id), 2_000_000 * factor / 0.1, 160_000),
        ]
        let rest = max(0, 54_000_000 * factor - organisations[0].perYear) / 8
        for index in 0..<8 {
            let organisation = Organisation(slug: "schaal-\(index)", name: "Schaalbibliotheek \(index)")
            if let existing = try await Organisation.query(on: app.db).filter(\.$slug == organisation.slug).first() {
                print("already generated (\(existing.slug) exists): measuring only")
                organisations = [organisations[0]]
                break
            }
            try await organisation.create(on: app.db)
            organisations.append((organisation.id!, (0..<10).map { _ in UUID() }, rest, Int(rest / 12)))
        }
        let uuid = postgres ? "UUID" : "BLOB"
        if organisations.count > 1 {
            // The dimensions a loan has, weighted by repetition: 100 lines.
            try await sql.raw("DROP TABLE IF EXISTS bench_dims").run()
            try await sql.raw("CREATE TABLE bench_dims (idx BIGINT, age_band TEXT, category TEXT, item_type TEXT, segment TEXT)").run()
            var dims: [(String, String, String, String)] = []
            for (band, category, format, segment, weight) in [
                ("0-11", "jeugd", "book", "youth_fiction", 24), ("0-11", "jeugd", "book", "youth_non_fiction", 6), ("12-17", "jeugd", "book", "youth_fiction", 6),
                ("12-17", "jeugd", "book", "youth_non_fiction", 4), ("18-24", "basis", "book", "adult_fiction", 3), ("25-44", "volledig", "book", "adult_fiction", 10),
                ("25-44", "volledig", "book", "adult_non_fiction", 6), ("45-64", "volledig", "book", "adult_fiction", 12), ("45-64", "basis", "book", "adult_non_fiction", 6),
                ("65+", "basis", "book", "adult_fiction", 11), ("65+", "basis", "book", "adult_non_fiction", 4), ("25-44", "volledig", "dvd", "audiovisual", 4),
                ("45-64", "volledig", "music_score", "sheet_music", 2), ("0-11", "jeugd", "dvd", "audiovisual", 2),
            ] {
                dims += Array(repeating: (band, category, format, segment), count: weight)
            }
            for (index, dim) in dims.enumerated() {
                try await sql.raw("""
                    INSERT INTO bench_dims VALUES (\(bind: index), \(bind: dim.0), \(bind: dim.1), \(bind: dim.2), \(bind: dim.3))
                    """).run()
            }
            // Numbers 0..<2000 (the most loans a branch has on a day).
            try await createNumberTable(on: sql)
            try await sql.raw("DELETE FROM bench_n WHERE i >= 2000").run()
            let generateStart = DispatchTime.now().uptimeNanoseconds
            var written = 0
            for (o, organisation) in organisations.enumerated() {
                // The plan: loans per day and branch (Sundays a third, a summer dip, the first branch the busiest).
                try await sql.raw("DROP TABLE IF EXISTS bench_plan").run()
                try await sql.raw("CREATE TABLE bench_plan (day TEXT, dayidx BIGINT, branch_id \(unsafeRaw: uuid), bidx BIGINT, loans BIGINT, pseudonyms BIGINT)").run()
                let weights = organisation.branches.indices.map { $0 == 0 ? 4.0 : 1.0 }
                let total = weights.reduce(0, +)
                var plan: [(String, Int, UUID, Int, Int, Int)] = []
                var day = first
                while day <= last {
                    let season: Double = [7: 0.8, 8: 0.85, 12: 0.85][day.month] ?? 1
                    let perDay = organisation.perYear / 340 * season * (day.weekday == .sunday ? 0.35 : 1)
                    for (b, branch) in organisation.branches.enumerated() {
                        let loans = min(1_999, Int((perDay * weights[b] / total).rounded()))
                        if loans > 0 { plan.append((day.iso, day.daysSinceEpoch, branch, b, loans, day.year == today.year ? 1 : 0)) }
                    }
                    day = day.adding(days: 1)
                }
                for start in stride(from: 0, to: plan.count, by: 500) {
                    var insert = sql.insert(into: "bench_plan").columns("day", "dayidx", "branch_id", "bidx", "loans", "pseudonyms")
                    for row in plan[start..<min(start + 500, plan.count)] {
                        insert = insert.values([SQLBind(row.0), SQLBind(row.1), SQLBind(row.2), SQLBind(row.3), SQLBind(row.4), SQLBind(row.5)])
                    }
                    try await insert.run()
                }
                for (kind, every) in [("loan", 1), ("renewal", 3)] {
                    try await sql.raw("""
                        INSERT INTO insight_facts (organisation_id, day, branch_id, kind, age_band, member_category, item_type, subject, segment, quantity)
                        SELECT \(bind: organisation.id), p.day, p.branch_id, \(bind: kind), d.age_band, d.category, d.item_type,
                               CASE WHEN p.pseudonyms = 1 THEN '5e1f0c3b9a7d2e4f8a6b' || CAST((n.i * 7919 + p.dayidx * 104729 + p.bidx * 31) % \(unsafeRaw: String(organisation.members)) AS TEXT) END,
                               d.segment, 1
                        FROM bench_plan p JOIN bench_n n ON n.i < p.loans / \(unsafeRaw: String(every))
                        JOIN bench_dims d ON d.idx = (n.i * 37 + p.dayidx * 7 + p.bidx * 13) % 100
                        """).run()
                }
                // This year's active members: each pseudonym's first activity (ingestion writes these as it goes).
                try await sql.raw("""
                    INSERT INTO insight_facts (organisation_id, day, kind, age_band, quantity)
                    SELECT organisation_id, MIN(day), 'active_member', MIN(age_band), 1 FROM insight_facts
                    WHERE organisation_id = \(bind: organisation.id) AND subject IS NOT NULL AND day >= \(bind: "\(today.year)-01-01")
                    GROUP BY organisation_id, subject
                    """).run()
                written += plan.map(\.4).reduce(0, +) + plan.map { $0.4 / 3 }.reduce(0, +)
                print(String(format: "organisation %d of %d: %d facts so far (%.0f s)", o + 1, organisations.count, written,
                             Double(DispatchTime.now().uptimeNanoseconds - generateStart) / 1e9))
            }
            try await sql.raw("DROP TABLE bench_plan").run()
            try await sql.raw("DROP TABLE bench_dims").run()
            try await sql.raw("DROP TABLE bench_n").run()
            try await sql.raw("ANALYZE").run()
            let rebuildStart = DispatchTime.now().uptimeNanoseconds
            for organisation in organisations {
                _ = try await InsightRollups(app.db, organisationID: organisation.id).rebuild()
            }
            let rebuild = Double(DispatchTime.now().uptimeNanoseconds - rebuildStart) / 1e9
            try await sql.raw("ANALYZE").run()
            print(String(format: "generated %d facts in %.0f s; full roll-up rebuild of %d organisations %.1f s", written,
                         Double(rebuildStart - generateStart) / 1e9, organisations.count, rebuild))
        }
        let facts = try await sql.raw("SELECT COUNT(*) AS n FROM insight_facts").first()?.decode(column: "n", as: Int.self) ?? 0
        let rollupRows = try await sql.raw("SELECT COUNT(*) AS n FROM insight_daily").first()?.decode(column: "n", as: Int.self) ?? 0
        let mine = try await sql.raw("""
            SELECT COUNT(*) AS n FROM insight_daily WHERE organisation_id = \(bind: denHaag.id!) AND day >= \(bind: "\(today.year - 1)-01-01") AND day <= \(bind: "\(today.year - 1)-12-31")
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        print("facts: \(facts); roll-up rows: \(rollupRows), of which Den Haag's last year: \(mine)")

        // Den Haag's dashboards and report of last year.
        let org = denHaag.id!
        let year = today.year - 1
        let (january, december) = (LocalDate(year: year, month: 1, day: 1)!, LocalDate(year: year, month: 12, day: 31)!)
        let rollups = InsightRollups(app.db, organisationID: org)
        let cases: [(String, @Sendable () async throws -> Void)] = [
            ("baseline: the organisation by primary key", { _ = try await Organisation.find(org, on: app.db) }),
            ("loans per month (organisation)", { _ = try await rollups.monthly(.init(kind: .loan), from: january, through: december) }),
            ("loans per month (youth)", { _ = try await rollups.monthly(.init(kind: .loan, audience: "youth"), from: january, through: december) }),
            ("loans per branch", { _ = try await rollups.grouped([.loan], from: january, through: december, by: [.branch]) }),
            ("participants per core function", { _ = try await rollups.grouped([.activityParticipant], from: january, through: december, by: [.coreFunction]) }),
            ("overview: branches against the year before", {
                _ = try await rollups.compared([.loan, .visitorCount, .activityParticipant], year: year, by: [.branch, .kind])
            }),
            ("overview: loans per day and audience, two years", {
                _ = try await rollups.grouped([.loan], from: LocalDate(year: year - 1, month: 1, day: 1)!, through: december, by: [.day, .audience])
            }),
            ("active members this year (roll-ups)", {
                _ = try await InsightFacts(app.db, organisationID: org).activeMembers(through: today, youth: false)
            }),
            ("active members this year (distinct pseudonyms)", {
                _ = try await InsightFacts(app.db, organisationID: org).distinctMembers([.loan, .renewal, .return], from: LocalDate(year: today.year, month: 1, day: 1)!,
                                                                                      through: today)
            }),
            ("indicator: youth loans per youth copy", {
                _ = try await IndicatorValues(app.db, organisationID: org).reading(Indicator.named("youth_loans_per_youth_copy")!, on: december, branch: nil)
            }),
            ("annual report (organisation, draft)", {
                _ = try await AnnualReports(app.db, organisationID: org).compute(year: year, entered: .init(), timeZone: zone, now: Date(), scope: .some(nil))
            }),
        ]
        try await printTimings(cases, rounds: rounds)
    }
}

/// Runs each case once to warm it, then ROUNDS times, and prints its p50 and p95 in milliseconds.
/// Times each case (only those whose name contains `BENCH_CASES`, when set).
func printTimings(_ cases: [(String, @Sendable () async throws -> Void)], rounds: Int) async throws {
    let only = ProcessInfo.processInfo.environment["BENCH_CASES"]
    for (name, run) in cases where only.map({ name.contains($0) }) ?? true {
        try await run()
        var times: [Double] = []
        for _ in 0..<max(1, rounds) {
            let start = DispatchTime.now().uptimeNanoseconds
            try await run()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: " p50 %8.1f ms  p95 %8.1f ms", times[times.count / 2],
                     times[min(times.count - 1, Int((Double(times.count) * 0.95).rounded(.up)) - 1)]))
    }
}
