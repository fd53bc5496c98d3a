import BiebCore
import BiebStore
import Fluent
import Foundation
import SQLKit
import Vapor

/// `bieb-bench collection-scale DB COPIES [ROUNDS]`: the collection plan at
/// the national network's size, on a demo database (SQLite file or
/// postgres:// URL). The Dutch network holds about 25 million copies in
/// 137 organisations with 1,270 branches. COPIES copies are generated: Den
/// Haag of the demo as a large city library of 2 million copies (half of
/// COPIES when that is under 4 million), its central library holding one
/// in twenty of them — 100,000 of 2 million, the branch the weeding list is
/// timed for — and the rest spread over 136 more organisations of 9
/// branches. About five copies a title; formats, audiences, NUR codes,
/// edition years, loans and last loans varied as a real collection's are.
/// Rows are generated inside the database (`INSERT … SELECT` from number
/// tables), so the run times Bieb, not the generator. A national day of
/// loans (150,000 × COPIES ÷ 25 million) is put a year back, for the nightly
/// ageing of the 12-month counters to take off.
///
/// Then, ROUNDS times each (p50 / p95): Den Haag's segment report (every
/// branch), one branch's, the weeding candidates of the 100,000-copy branch
/// and the list made from them (its lines stored, then discarded), an
/// activity's theme shelf (at the central library and the whole library's),
/// the purchase suggestions, the balance plan; and once, the ageing of that
/// national day for every organisation. Beside them, in the same run, a
/// plain baseline: one primary-key lookup of the organisation, and one
/// `COUNT(*)` over Den Haag's copies (the least a report over them costs).
func benchmarkCollectionScale(database: String, copies: Int, rounds: Int) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        let postgres = sql.dialect.name != "sqlite"
        guard let denHaag = try await demoDenHaag(app.db) else { return }
        let zone = denHaag.zone
        let today = LocalDate(Date(), in: zone)
        let directory = BranchDirectory(app.db)
        let denHaagBranches = try await directory.branches(of: denHaag.id!).sorted { ($0.kind == .central ? 0 : 1, $0.slug) < ($1.kind == .central ? 0 : 1, $1.slug) }
        let central = denHaagBranches[0].id!
        let bigShare = copies >= 4_000_000 ? 2_000_000 : copies / 2
        var organisations: [(id: UUID, branches: [UUID], copies: Int)] = [(denHaag.id!, denHaagBranches.compactMap(\.id), bigShare)]
        let generated = try await Organisation.query(on: app.db).filter(\.$slug == "landelijk-0").first() != nil
        if generated {
            print("already generated (landelijk-0 exists): measuring only")
        } else {
            let start = DispatchTime.now().uptimeNanoseconds
            // 136 more organisations of 9 branches each, branches copied from a template branch of the demo.
            let columns = try await tableColumns("branches", sql: sql, postgres: postgres)
            let template = denHaagBranches.last!.id!
            let rest = max(0, copies - bigShare) / 136
            for o in 0..<136 {
                let organisation = Organisation(slug: "landelijk-\(o)", name: "Landelijke bibliotheek \(o)")
                try await organisation.create(on: app.db)
                var ids: [UUID] = []
                for b in 0..<9 {
                    let id = UUID()
                    try await copyRow(of: "branches", id: template, columns: columns, with: [
                        "id": "\(bind: id)", "organisation_id": "\(bind: organisation.id!)",
                        "slug": "\(bind: "vestiging-\(o)-\(b)")", "name": "\(bind: "Vestiging \(o)-\(b)")",
                    ], sql: sql)
                    ids.append(id)
                }
                organisations.append((organisation.id!, ids, rest))
            }
            // Number tables: 0..<10000, and days (ISO dates) from today back 4,000 days.
            try await createNumberTable(on: sql)
            try await sql.raw("DROP TABLE IF EXISTS bench_days").run()
            try await sql.raw("CREATE TABLE bench_days (i BIGINT PRIMARY KEY, iso TEXT)").run()
            for chunk in stride(from: 0, to: 4_000, by: 500) {
                var insert = sql.insert(into: "bench_days").columns("i", "iso")
                for i in chunk..<(chunk + 500) { insert = insert.values(SQLBind(i), SQLBind(today.adding(days: -i).iso)) }
                try await insert.run()
            }
            // The NUR codes a collection has, by weight (youth fiction, literature, non-fiction).
            try await sql.raw("DROP TABLE IF EXISTS bench_nur").run()
            try await sql.raw("CREATE TABLE bench_nur (i BIGINT PRIMARY KEY, nur BIGINT, audience TEXT)").run()
            let nurs: [(Int, String)] = [(273, "preschool"), (281, "children"), (282, "children"), (283, "children"), (284, "young_adult"), (285, "young_adult"),
                                         (250, "children"), (301, "adult"), (302, "adult"), (305, "adult"), (330, "adult"), (332, "adult"), (343, "adult"),
                                         (320, "adult"), (400, "adult"), (500, "adult"), (680, "adult"), (740, "adult"), (980, "adult"), (600, "adult")]
            for (i, row) in nurs.enumerated() { try await sql.raw("INSERT INTO bench_nur VALUES (\(bind: i), \(bind: row.0), \(bind: row.1))").run() }
            let now = Date()
            var written = 0
            for (o, organisation) in organisations.enumerated() {
                let titles = max(1, organisation.copies / 5)
                let first = try await sql.raw("SELECT COALESCE(MAX(id), 0) AS m FROM titles").first()?.decode(column: "m", as: Int.self) ?? 0
                // Titles, in blocks of 10,000 (bench_n), each with its number k from `first`.
                for block in stride(from: 0, to: titles, by: 10_000) {
                    // One title in ten is a pair with the next (two editions of a work); the others are works of their own.
                    let k = "(n.i + \(block))"
                    let work = "\(first) + (\(k) / 10) * 10 + CASE WHEN \(k) % 10 = 1 THEN 0 ELSE \(k) % 10 END"
                    try await sql.raw("""
                        INSERT INTO titles (organisation_id, title, year, isbns, language, format, audience, nur, work_key, work_id, changed_version, marc,
                                            deleted, created_at, updated_at)
                        SELECT \(bind: organisation.id), 'Titel ' || CAST(n.i + \(unsafeRaw: String(block)) AS TEXT), 1990 + (n.i * 7) % 36, '', 'dut',
                               CASE (n.i % 20) WHEN 0 THEN 'dvd' WHEN 1 THEN 'audiobook' WHEN 2 THEN 'large_print' ELSE 'book' END,
                               u.audience, u.nur, 'w' || CAST(\(unsafeRaw: work) AS TEXT),
                               \(unsafeRaw: work), 0, \(bind: Data()), \(bind: false), \(bind: now), \(bind: now)
                        FROM bench_n n JOIN bench_nur u ON u.i = (n.i * 13) % 20
                        WHERE n.i < \(unsafeRaw: String(min(10_000, titles - block)))
                        """).run()
                }
                try await sql.raw("DROP TABLE IF EXISTS bench_branches").run()
                try await sql.raw("CREATE TABLE bench_branches (i BIGINT PRIMARY KEY, id \(unsafeRaw: postgres ? "UUID" : "BLOB"))").run()
                for (b, branch) in organisation.branches.enumerated() { try await sql.raw("INSERT INTO bench_branches VALUES (\(bind: b), \(bind: branch))").run() }
                let branches = organisation.branches.count
                // Five copies a title: the first branch (Den Haag's central library) one in twenty, the others the rest;
                // loans a year 0–11 (a third none), lifetime loans by the copy's age, last loans within the year or years back.
                try await sql.raw("""
                    INSERT INTO items (organisation_id, title_id, barcode, owning_branch_id, current_branch_id, call_number, shelf_location, status,
                                       acquired_on, loans_total, loans_year, last_loan_on, created_at, updated_at)
                    SELECT \(bind: organisation.id), t.id, 'S' || CAST(t.id AS TEXT) || '-' || CAST(n.i AS TEXT), b.id, b.id, '', '',
                           CASE WHEN (t.id + n.i) % 10 = 0 THEN 'on_loan' ELSE 'available' END, a.iso,
                           CASE WHEN (t.id * 7 + n.i * 13) % 3 = 0 THEN (t.id % 5) ELSE ((t.id * 7 + n.i * 13) % 12) * (1 + t.id % 8) END,
                           CASE WHEN (t.id * 7 + n.i * 13) % 3 = 0 THEN 0 ELSE (t.id * 7 + n.i * 13) % 12 END,
                           CASE WHEN (t.id * 7 + n.i * 13) % 3 = 0 THEN (CASE WHEN t.id % 5 = 0 THEN NULL ELSE l.iso END) ELSE r.iso END,
                           \(bind: now), \(bind: now)
                    FROM titles t JOIN bench_n n ON n.i < 5
                    JOIN bench_branches b ON b.i = CASE WHEN (t.id * 5 + n.i) % 20 = 0 THEN 0 ELSE 1 + (t.id + n.i * 7) % \(unsafeRaw: String(max(1, branches - 1))) END
                    JOIN bench_days a ON a.i = 30 + (t.id * 11 + n.i) % 3600
                    JOIN bench_days r ON r.i = (t.id * 3 + n.i * 17) % 330
                    JOIN bench_days l ON l.i = 700 + (t.id * 5 + n.i) % 1500
                    WHERE t.organisation_id = \(bind: organisation.id) AND t.id > \(unsafeRaw: String(first))
                    """).run()
                written += titles * 5
                if o % 10 == 0 || o == organisations.count - 1 {
                    print(String(format: "organisation %d of %d: %d copies so far (%.0f s)", o + 1, organisations.count, written,
                                 Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
                }
            }
            // A national day of loans, a year back: the nightly ageing takes them off.
            let day = CopyCounters.windowEnd(today: today)
            let at = LocalClock.instant(of: day, minute: 14 * 60, in: zone)
            let perDay = max(1, 150_000 * copies / 25_000_000)
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM items").first()?.decode(column: "n", as: Int.self) ?? 1
            try await sql.raw("""
                INSERT INTO loans (organisation_id, item_id, title_id, branch_id, item_type, checked_out_at, due_on, renewals, open, returned_at)
                SELECT organisation_id, id, title_id, owning_branch_id, 'book', \(bind: at), \(bind: day.adding(days: 21).iso), 0, \(bind: false), \(bind: at)
                FROM items WHERE id % \(unsafeRaw: String(max(1, total / perDay))) = 0
                """).run()
            for table in ["bench_n", "bench_days", "bench_nur", "bench_branches"] { try await sql.raw("DROP TABLE \(unsafeRaw: table)").run() }
            try await sql.raw("ANALYZE").run()
            print(String(format: "generated %d copies in %d organisations and a day of %d loans in %.0f s", written, organisations.count, perDay,
                         Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        let all = try await sql.raw("SELECT COUNT(*) AS n FROM items").first()?.decode(column: "n", as: Int.self) ?? 0
        let mine = try await sql.raw("SELECT COUNT(*) AS n FROM items WHERE organisation_id = \(bind: denHaag.id!)").first()?.decode(column: "n", as: Int.self) ?? 0
        let here = try await sql.raw("SELECT COUNT(*) AS n FROM items WHERE owning_branch_id = \(bind: central)").first()?.decode(column: "n", as: Int.self) ?? 0
        print("copies: \(all); Den Haag's: \(mine); its central library's: \(here)")

        let org = denHaag.id!
        let policy = try await WeedingSettings(app.db, organisationID: org).policy()
        let report = SegmentReport(app.db, organisationID: org)
        // A programme theme of the demo with its NUR headings (the shelf box of an activity's page).
        let themes = ThemeShelves(app.db, organisationID: org)
        let theme = try await themes.all().filter { !$0.value.isEmpty }.keys.sorted().first ?? ""
        let cases: [(String, @Sendable () async throws -> Void)] = [
            ("baseline: the organisation by primary key", { _ = try await Organisation.find(org, on: app.db) }),
            ("baseline: COUNT(*) of Den Haag's copies", {
                _ = try await sql.raw("SELECT COUNT(*) AS n FROM items WHERE organisation_id = \(bind: org)").first()
            }),
            ("segment report, Den Haag, every branch", { _ = try await report.rows(today: today, policy: policy) }),
            ("segment report, the central library", { _ = try await report.rows(today: today, branch: central, policy: policy) }),
            ("weeding candidates, the central library", {
                _ = try await WeedingLists(app.db, organisationID: org).candidates(branch: central, today: today, policy: policy)
            }),
            ("weeding list made (its lines stored)", {
                let lists = WeedingLists(app.db, organisationID: org)
                try await lists.discard(try await lists.make(branch: central, today: today, by: "bench@bieb.test"))
            }),
            ("theme shelf of an activity, the central library", {
                _ = try await themes.shelf(themes: [theme], branch: central, today: today)
            }),
            ("theme shelf of an activity, the whole library", { _ = try await themes.shelf(themes: [theme], branch: nil, today: today) }),
            ("purchase suggestions", { _ = try await PurchaseSuggestions(app.db, organisationID: org).suggestions() }),
            ("balance plan", { _ = try await Balancing(app.db, organisationID: org).plan(today: today) }),
        ]
        try await printTimings(cases, rounds: rounds)

        // The nightly ageing of a national day, every organisation (once: the day is then gone; not when only some cases run).
        guard ProcessInfo.processInfo.environment["BENCH_CASES"] == nil else { return }
        let everyone = try await Organisation.query(on: app.db).all()
        for organisation in everyone {
            try await sql.raw("DELETE FROM collection_counter_cursor WHERE organisation_id = \(bind: organisation.id!)").run()
            try await sql.raw("""
                INSERT INTO collection_counter_cursor (organisation_id, aged_through) VALUES (\(bind: organisation.id!), \(bind: CopyCounters.windowEnd(today: today).adding(days: -1).iso))
                """).run()
        }
        let ageStart = DispatchTime.now().uptimeNanoseconds
        var aged = 0
        for organisation in everyone {
            aged += try await CopyCounters(app.db, organisationID: organisation.id!, timeZone: zone).age(today: today)
        }
        print(String(format: "nightly ageing of a day for %d organisations: %d copies in %.2f s", everyone.count, aged,
                     Double(DispatchTime.now().uptimeNanoseconds - ageStart) / 1e9))
    }
}

/// The demo's Den Haag, where the scale benchmarks measure; nil (and says so) when the database is not a demo's.
func demoDenHaag(_ db: any Database) async throws -> Organisation? {
    let denHaag = try await Organisation.query(on: db).filter(\.$slug == "den-haag").first()
    if denHaag == nil { print("a demo database is needed (den-haag)") }
    return denHaag
}

/// A table's column names, in order.
func tableColumns(_ table: String, sql: any SQLDatabase, postgres: Bool) async throws -> [String] {
    if postgres {
        return try await sql.raw("""
            SELECT column_name FROM information_schema.columns WHERE table_name = \(bind: table) ORDER BY ordinal_position
            """).all().map { try $0.decode(column: "column_name", as: String.self) }
    }
    return try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }
}

/// A copy of one row of `table` (by its `id`) with some columns given new values; the others as in the row. The
/// generators make branches and membership types of organisations this way, from the demo's.
func copyRow(of table: String, id: UUID, columns: [String], with values: [String: SQLQueryString], sql: any SQLDatabase) async throws {
    let selected = columns.map { values[$0] ?? "\(ident: $0)" }
    try await sql.raw("""
        INSERT INTO \(ident: table) (\(SQLList(columns.map { SQLIdentifier($0) }))) SELECT \(SQLList(selected)) FROM \(ident: table) WHERE id = \(bind: id)
        """).run()
}

/// A number table `bench_n` (i BIGINT PRIMARY KEY) holding 0 ..< 10,000, made again.
func createNumberTable(on sql: any SQLDatabase) async throws {
    try await sql.raw("DROP TABLE IF EXISTS bench_n").run()
    try await sql.raw("CREATE TABLE bench_n (i BIGINT PRIMARY KEY)").run()
    try await sql.raw("INSERT INTO bench_n VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)").run()
    for step in [10, 100, 1_000] {
        try await sql.raw("""
            INSERT INTO bench_n SELECT b.i + \(literal: step) * k.j FROM bench_n b, (SELECT i AS j FROM bench_n WHERE i BETWEEN 1 AND 9) k
            WHERE b.i < \(literal: step)
            """).run()
    }
}
