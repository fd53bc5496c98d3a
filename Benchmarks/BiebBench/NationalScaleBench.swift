import BiebCore
import BiebStore
import Fluent
import Foundation
import SQLKit
import Vapor

/// The Dutch public library network at full size, and one average
/// organisation of it (a 137th of each national figure).
enum NationalNetwork {
    static let organisations = 137
    static let branches = 1_270
    static let members = 3_600_000
    static let copies = 25_000_000
    static let loansPerYear = 54_000_000

    /// An average organisation: 9 or 10 branches (9.25 on average), its members, titles with three copies each, and
    /// 2.16 loans a copy a year (54 million loans over 25 million copies).
    static let membersPerOrganisation = members / organisations
    static let copiesPerTitle = 3
    static let titlesPerOrganisation = copies / organisations / copiesPerTitle
    static func branches(ofGenerated index: Int) -> Int { index % 4 == 0 ? 10 : 9 }
}

/// `bieb-bench national DB FRACTION MARC...`: grows a database toward FRACTION
/// of the Dutch network (137 organisations, 1,270 branches, 3.6 million
/// members, 25 million copies, 54 million loans a year). The database starts
/// as the circulation benchmark's (`scripts/bench-circulation.sh`: the demo's
/// Den Haag with the 250,000 Library of Congress records, 1.25 million copies
/// and 100,000 members, plus Heemstede) — Den Haag stays that size and is the
/// organisation every figure is measured at — and gets average organisations
/// ("landelijk-N") until the network has round(137 × FRACTION) of them. Each
/// has 9 or 10 branches, 26,277 members with a card, a catalogue of 60,827
/// titles imported from the MARC files (records taken in turn, so
/// organisations share titles as real libraries do; variants made by
/// `bieb-bench generate-marc`) with three copies each, a year of loans (2.16
/// a copy, returned, plus one copy in twelve on loan now) and their checkout
/// and return events — as the hourly jobs leave them: read into the
/// statistics, returned loans and events without their member (the default
/// privacy rules), the copies' 12-month counters aged. Den Haag gets its own
/// year of loans the first time. Run again with a larger FRACTION, it adds
/// what is missing.
///
/// Catalogues go through the real import (search rows, ISBNs, shelf keys);
/// members, loans and events are written in bulk (members in Swift, loans and
/// events `INSERT … SELECT` inside the database), so a 10 % network is
/// generated in minutes.
func generateNationalNetwork(database: String, fraction: Double, marcFiles: [String]) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        let postgres = sql.dialect.name != "sqlite"
        guard let denHaag = try await demoDenHaag(app.db) else { return }
        let all = try await Organisation.query(on: app.db).all()
        let generated = all.filter { $0.slug.hasPrefix("landelijk-") }.count
        let wanted = max(0, Int((Double(NationalNetwork.organisations) * fraction).rounded()) - (all.count - generated))
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        if generated == 0 {
            // The demo's own events first (the desk benchmarks leave many) into the statistics, then the privacy rules
            // over them — the hourly run a real network has behind it — so a national day is the only work left.
            for organisation in all {
                _ = try await InsightFacts(app.db, organisationID: organisation.id!).ingest(timeZone: organisation.zone, settled: 0)
                _ = try await Retention(app.db, organisationID: organisation.id!).run(timeZone: organisation.zone)
            }
        }
        let zone = denHaag.zone
        let today = LocalDate(Date(), in: zone)
        let templateBranch = try await BranchDirectory(app.db).branches(of: denHaag.id!).last!.id!
        let branchColumns = try await tableColumns("branches", sql: sql, postgres: postgres)
        let typeColumns = try await tableColumns("membership_types", sql: sql, postgres: postgres)
        var source = try MARCRecordCycle(files: marcFiles)
        // Each organisation's catalogue goes on where the one before it ended (round again at the end of the files).
        try source.skip(generated * NationalNetwork.titlesPerOrganisation)
        if generated < wanted {
            try await NationalTables.create(today: today, zone: zone, on: sql)
            if generated == 0 {
                // Den Haag's own year of loans (2.16 a copy, as everywhere), by its own members.
                let members = try await NationalTables.numberMembers(of: denHaag.id!, on: sql)
                let loans = try await NationalTables.writeLoans(organisation: denHaag.id!, members: members, on: sql)
                print(String(format: "den-haag: a year of loans added, %d loans now (%.0f s)", loans, elapsed()))
            }
        }
        for index in generated..<max(generated, wanted) {
            let organisation = Organisation(slug: "landelijk-\(index)", name: "Landelijke bibliotheek \(index)")
            try await organisation.create(on: app.db)
            let org = organisation.id!
            // Branches and membership types copied from Den Haag's (a template branch; every type).
            var branches: [UUID] = []
            for b in 0..<NationalNetwork.branches(ofGenerated: index) {
                let id = UUID()
                try await copyRow(of: "branches", id: templateBranch, columns: branchColumns, with: [
                    "id": "\(bind: id)", "organisation_id": "\(bind: org)",
                    "slug": "\(bind: "vestiging-\(index)-\(b)")", "name": "\(bind: "Vestiging \(index)-\(b)")",
                ], sql: sql)
                branches.append(id)
            }
            let types = try await sql.raw("SELECT id, youth FROM membership_types WHERE organisation_id = \(bind: denHaag.id!) ORDER BY code")
                .all().map { (id: try $0.decode(column: "id", as: UUID.self), youth: try $0.decode(column: "youth", as: Bool.self)) }
            var typeIDs: (youth: [UUID], adult: [UUID]) = ([], [])
            for type in types {
                let id = UUID()
                try await copyRow(of: "membership_types", id: type.id, columns: typeColumns,
                                  with: ["id": "\(bind: id)", "organisation_id": "\(bind: org)"], sql: sql)
                if type.youth { typeIDs.youth.append(id) } else { typeIDs.adult.append(id) }
            }
            let members = try await NationalTables.writeMembers(organisation: org, index: index, branches: branches, types: typeIDs,
                                                                today: today, on: sql)
            // The catalogue: the next records of the MARC files, imported with three copies each over the branches.
            let slice = FileManager.default.temporaryDirectory.appendingPathComponent("bieb-national-\(index).mrc").path
            try source.write(NationalNetwork.titlesPerOrganisation, to: slice)
            defer { try? FileManager.default.removeItem(atPath: slice) }
            let report = try await CatalogImporter(store: CatalogStore(app.db, organisationID: org))
                .importFile(path: slice, defaultBranch: nil, itemsPerTitle: NationalNetwork.copiesPerTitle)
            let loans = try await NationalTables.writeLoans(organisation: org, members: members, on: sql)
            // What the server's hourly jobs do first for a new organisation (the copies' 12-month counters, the monthly
            // segment snapshot, yesterday's census), done here: a benchmark's server does not start with them.
            _ = try await CopyCounters(app.db, organisationID: org, timeZone: zone).age(today: today)
            _ = try await SegmentSnapshots(app.db, organisationID: org)
                .takeDue(today: today, policy: try await WeedingSettings(app.db, organisationID: org).policy())
            _ = try await InsightCensus(app.db, organisationID: org).takeDue(today: today)
            print(String(format: "landelijk-%d: %d branches, %d members, %d titles, %d copies, %d loans (%.0f s)", index, branches.count,
                         members, report.inserted, report.inserted * NationalNetwork.copiesPerTitle, loans, elapsed()))
        }
        if generated < wanted {
            try await NationalTables.drop(on: sql)
            try await BiebDatabase.analyze(sql)
        }
        // What the network now holds.
        func count(_ query: SQLQueryString) async throws -> Int {
            try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        let totals = (organisations: try await count("SELECT COUNT(*) AS n FROM organisations"),
                      branches: try await count("SELECT COUNT(*) AS n FROM branches"),
                      members: try await count("SELECT COUNT(*) AS n FROM members"),
                      titles: try await count("SELECT COUNT(*) AS n FROM titles"),
                      copies: try await count("SELECT COUNT(*) AS n FROM items"),
                      loans: try await count("SELECT COUNT(*) AS n FROM loans"),
                      events: try await count("SELECT COUNT(*) AS n FROM circulation_events"))
        func share(_ count: Int, of national: Int) -> String { String(format: "%.1f %%", Double(count) / Double(national) * 100) }
        print("network: \(totals.organisations) organisations, \(totals.branches) branches, \(totals.members) members "
              + "(\(share(totals.members, of: NationalNetwork.members))), \(totals.titles) titles, \(totals.copies) copies "
              + "(\(share(totals.copies, of: NationalNetwork.copies))), \(totals.loans) loans (\(share(totals.loans, of: NationalNetwork.loansPerYear)) "
              + "of a national year), \(totals.events) events"
              + String(format: " (generated in %.0f s)", elapsed()))
    }
}

/// `bieb-bench national-day DB`: a day of the network's lending (yesterday):
/// each organisation's checkouts and returns of a day (its year of loans ÷
/// 340 opening days, repeated from its own latest events), then the
/// statistics' hourly run for every organisation (`InsightFacts.ingest`, as
/// the privacy job calls it) timed: the roll-ups' cost for the whole network.
func benchmarkNationalDay(database: String) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        let organisations = try await Organisation.query(on: app.db).all()
        let begun = DispatchTime.now().uptimeNanoseconds
        func phase(_ words: String) {
            // On standard error: unbuffered, so a long run shows where it is.
            let line = String(format: "  %@ (%.1f s)\n", words, Double(DispatchTime.now().uptimeNanoseconds - begun) / 1e9)
            FileHandle.standardError.write(Data(line.utf8))
        }
        var added = 0
        // 500 members of each organisation, numbered, to lend the day's copies to.
        let verbose = ProcessInfo.processInfo.environment["BENCH_VERBOSE"] != nil
        try await sql.raw("DROP TABLE IF EXISTS bench_day_members").run()
        try await sql.raw("""
            CREATE TABLE bench_day_members AS SELECT organisation_id, id, i FROM
              (SELECT organisation_id, id, ROW_NUMBER() OVER (PARTITION BY organisation_id ORDER BY id) - 1 AS i FROM members) numbered
            WHERE i < 500
            """).run()
        // Its key: without it each of the day's events read all 24,000 rows (four minutes at 48 organisations).
        try await sql.raw("CREATE INDEX bench_day_members_idx ON bench_day_members (organisation_id, i)").run()
        if verbose { phase("members numbered") }
        for organisation in organisations {
            let org = organisation.id!
            let yesterday = LocalDate(Date(), in: organisation.zone).adding(days: -1)
            let noon = LocalClock.instant(of: yesterday, minute: 12 * 60, in: organisation.zone)
            let year = try await sql.raw("""
                SELECT COUNT(*) AS n FROM loans WHERE organisation_id = \(bind: org) AND checked_out_at >= \(bind: noon.addingTimeInterval(-365 * 86_400))
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            let perDay = max(1, year / 340)
            // Repeated from the organisation's latest events (newest first, by `circulation_events_ingest_idx`: a kind in
            // the inner query made SQLite walk all events by id), as yesterday's: a day's checkouts and returns, each by a
            // member of the organisation (the latest events have lost theirs to the privacy rules).
            try await sql.raw("""
                INSERT INTO circulation_events (organisation_id, "at", kind, branch_id, item_id, title_id, member_id, detail)
                SELECT e.organisation_id, \(bind: noon), e.kind, e.branch_id, e.item_id, e.title_id, m.id, e.detail
                FROM circulation_events e LEFT JOIN bench_day_members m ON m.organisation_id = e.organisation_id AND m.i = e.id % 500
                WHERE e.kind IN ('checkout', 'return')
                  AND e.id IN (SELECT id FROM circulation_events WHERE organisation_id = \(bind: org) ORDER BY id DESC LIMIT \(literal: 2 * perDay))
                """).run()
            added += 2 * perDay
            if verbose { phase("day of \(organisation.name)") }
        }
        try await sql.raw("DROP TABLE bench_day_members").run()
        phase("a day of \(added) events written")
        let start = DispatchTime.now().uptimeNanoseconds
        var facts = 0
        for organisation in organisations {
            facts += try await InsightFacts(app.db, organisationID: organisation.id!).ingest(timeZone: organisation.zone, settled: 0)
            if verbose { phase("statistics of \(organisation.name)") }
        }
        let ingested = DispatchTime.now().uptimeNanoseconds
        var pseudonymised = 0
        for organisation in organisations {
            pseudonymised += try await Retention(app.db, organisationID: organisation.id!).run(timeZone: organisation.zone).eventsPseudonymised
            if verbose { phase("privacy rules of \(organisation.name)") }
        }
        print(String(format: "roll-ups: a day of %d events of %d organisations into %d facts and their days' roll-ups in %.2f s; "
                     + "the privacy rules over them (%d events) %.2f s", added, organisations.count, facts, Double(ingested - start) / 1e9,
                     pseudonymised, Double(DispatchTime.now().uptimeNanoseconds - ingested) / 1e9))
    }
}

/// The generator's bulk writing and its number tables.
enum NationalTables {
    /// Number tables: `bench_n` 0..<10,000; `bench_days` the days from today back (0…400) with their ISO text and noon.
    static func create(today: LocalDate, zone: TimeZone, on sql: any SQLDatabase) async throws {
        try await drop(on: sql)
        try await createNumberTable(on: sql)
        let timestamp = sql.dialect.name == "sqlite" ? "REAL" : "TIMESTAMPTZ"
        try await sql.raw("CREATE TABLE bench_days (i BIGINT PRIMARY KEY, iso TEXT, noon \(unsafeRaw: timestamp))").run()
        var insert = sql.insert(into: "bench_days").columns("i", "iso", "noon")
        for i in -60...400 {
            let day = today.adding(days: -i)
            insert = insert.values(SQLBind(i), SQLBind(day.iso), SQLBind(LocalClock.instant(of: day, minute: 12 * 60, in: zone)))
        }
        try await insert.run()
    }

    static func drop(on sql: any SQLDatabase) async throws {
        for table in ["bench_n", "bench_days", "bench_members"] { try await sql.raw("DROP TABLE IF EXISTS \(ident: table)").run() }
    }

    /// An average organisation's members, each with a card: ages, postcodes and membership types spread as a
    /// city's are. Numbered in `bench_members` (i → id) for the loans. Returns how many.
    static func writeMembers(organisation: UUID, index: Int, branches: [UUID], types: (youth: [UUID], adult: [UUID]), today: LocalDate,
                             on sql: any SQLDatabase) async throws -> Int {
        let count = NationalNetwork.membersPerOrganisation
        let now = Date()
        let memberColumns = ["id", "organisation_id", "name", "name_key", "birth_date", "street", "postcode", "city", "home_branch_id",
                             "membership_type_id", "membership_start", "membership_end", "balance_cents", "loan_count", "hold_count",
                             "created_at", "updated_at", "pin_failures", "language"]
        let streets = ["Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Julianastraat", "Beatrixlaan", "Lindelaan"]
        for chunk in stride(from: 0, to: count, by: 400) {
            var members = sql.insert(into: "members").columns(memberColumns)
            var cards = sql.insert(into: "member_cards").columns("id", "organisation_id", "member_id", "barcode", "status", "issued_on")
            for m in chunk..<min(count, chunk + 400) {
                let id = UUID()
                // Ages 0–90 (a third of members are children), start dates over ten years, a year's membership each.
                let age = m % 3 == 0 ? m % 18 : 18 + (m * 7) % 73
                let birth = LocalDate(year: today.year - age, month: 1 + m % 12, day: 1 + (m * 11) % 28)!
                let started = today.adding(days: -((m * 37) % 3_650))
                let name = "Lid \(index)-\(m)"
                let values: [any Encodable & Sendable] = [
                    id, organisation, name, name.lowercased(), birth.iso, "\(streets[m % streets.count]) \(1 + m % 180)",
                    String(format: "%04d %@", 1000 + (index * 97 + m % 40) % 8900, ["AA", "AB", "BC", "CD", "DE"][m % 5]),
                    "Plaats \(index)", branches[m % branches.count], age < 18 && !types.youth.isEmpty ? types.youth[m % types.youth.count] : types.adult[m % types.adult.count], started.iso,
                    today.adding(days: 1 + (m * 13) % 365).iso, 0, 0, 0, now, now, 0, "nl",
                ]
                members = members.values(values.map { SQLBind($0) })
                cards = cards.values([SQLBind(UUID()), SQLBind(organisation), SQLBind(id), SQLBind(String(format: "29%03d%06d", index % 1000, m)),
                                      SQLBind("active"), SQLBind(started.iso)])
            }
            try await members.run()
            try await cards.run()
        }
        _ = try await numberMembers(of: organisation, on: sql)
        return count
    }

    /// An organisation's members numbered 0..<count in `bench_members` (for the loans); returns the count.
    static func numberMembers(of organisation: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("DROP TABLE IF EXISTS bench_members").run()
        try await sql.raw("CREATE TABLE bench_members (i BIGINT PRIMARY KEY, id \(unsafeRaw: sql.dialect.name == "sqlite" ? "TEXT" : "UUID"))").run()
        try await sql.raw("""
            INSERT INTO bench_members (i, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM members WHERE organisation_id = \(bind: organisation)
            """).run()
        return try await sql.raw("SELECT COUNT(*) AS n FROM bench_members").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// A year of an organisation's loans (2.16 a copy: two each, a third for one copy in six; returned after 14 days)
    /// and one copy in twelve of those on the shelf on loan now, with their checkout and return events — as the hourly
    /// privacy run leaves them (`Retention`, by default): returned loans without their member, events without their
    /// member but with the age band and membership kind it had. The statistics' cursor is put after them (as if the
    /// hourly run had read them). Returns how many loans the organisation has.
    static func writeLoans(organisation: UUID, members: Int, on sql: any SQLDatabase) async throws -> Int {
        let (no, yes) = sql.dialect.name == "sqlite" ? ("0", "1") : ("false", "true")
        try await sql.raw("""
            INSERT INTO loans (organisation_id, item_id, title_id, member_id, branch_id, item_type, checked_out_at, due_on, renewals,
                               returned_at, return_branch_id, ended_as, open)
            SELECT i.organisation_id, i.id, i.title_id, NULL, i.owning_branch_id, 'book', d.noon, due.iso, 0, r.noon, i.owning_branch_id,
                   'returned', \(unsafeRaw: no)
            FROM items i JOIN bench_n n ON n.i < 3
            JOIN bench_days d ON d.i = 22 + (i.id * 13 + n.i * 113) % 343
            JOIN bench_days due ON due.i = d.i - 21
            JOIN bench_days r ON r.i = d.i - 14
            WHERE i.organisation_id = \(bind: organisation) AND (n.i < 2 OR i.id % 6 = 0)
            """).run()
        try await sql.raw("""
            INSERT INTO loans (organisation_id, item_id, title_id, member_id, branch_id, item_type, checked_out_at, due_on, renewals, open)
            SELECT i.organisation_id, i.id, i.title_id, m.id, i.owning_branch_id, 'book', d.noon, due.iso, 0, \(unsafeRaw: yes)
            FROM items i JOIN bench_members m ON m.i = (i.id * 11) % \(literal: members)
            JOIN bench_days d ON d.i = 1 + i.id % 20
            JOIN bench_days due ON due.i = d.i - 21
            WHERE i.organisation_id = \(bind: organisation) AND i.id % 12 = 0 AND i.status = 'available'
            """).run()
        try await sql.raw("""
            UPDATE items SET status = 'on_loan', due_at = (SELECT due.noon FROM bench_days due WHERE due.i = (1 + items.id % 20) - 21)
            WHERE organisation_id = \(bind: organisation) AND id % 12 = 0 AND status = 'available'
            """).run()
        let kept = """
            CASE id % 6 WHEN 0 THEN '0-11' WHEN 1 THEN '12-17' WHEN 2 THEN '18-24' WHEN 3 THEN '25-44' WHEN 4 THEN '45-64' ELSE '65+' END,
            CASE id % 6 WHEN 0 THEN 'jeugd' WHEN 1 THEN 'jeugd' ELSE 'volledig' END
            """
        try await sql.raw("""
            INSERT INTO circulation_events (organisation_id, "at", kind, branch_id, item_id, title_id, detail, age_band, member_category)
            SELECT organisation_id, checked_out_at, 'checkout', branch_id, item_id, title_id, due_on, \(unsafeRaw: kept) FROM loans
            WHERE organisation_id = \(bind: organisation)
            UNION ALL
            SELECT organisation_id, returned_at, 'return', return_branch_id, item_id, title_id, '', \(unsafeRaw: kept) FROM loans
            WHERE organisation_id = \(bind: organisation) AND returned_at IS NOT NULL
            """).run()
        // Read by the statistics (the organisation's earlier events were read before the generation began).
        try await sql.raw("DELETE FROM insight_cursor WHERE organisation_id = \(bind: organisation) AND source = 'events'").run()
        try await sql.raw("""
            INSERT INTO insight_cursor (organisation_id, source, last_id)
            SELECT \(bind: organisation), 'events', COALESCE(MAX(id), 0) FROM circulation_events
            """).run()
        return try await sql.raw("SELECT COUNT(*) AS n FROM loans WHERE organisation_id = \(bind: organisation)").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }
}

/// The records of a list of ISO 2709 files, one after another and round again: each slice written to a file of its own.
struct MARCRecordCycle {
    let files: [String]
    private var file = 0
    private var handle: FileHandle

    init(files: [String]) throws {
        guard let first = files.first, let handle = FileHandle(forReadingAtPath: first) else {
            throw BiebError.invalid("MARC", "no MARC file to read (\(files.first ?? "none"))")
        }
        (self.files, self.handle) = (files, handle)
    }

    /// The next record (its bytes), going on with the next file at the end of one.
    mutating func next() throws -> Data {
        for _ in 0...files.count {
            if let leader = try handle.read(upToCount: 5), leader.count == 5,
               let length = Int(String(decoding: leader, as: UTF8.self)), length > 5,
               let rest = try handle.read(upToCount: length - 5) {
                return leader + rest
            }
            try handle.close()
            file = (file + 1) % files.count
            guard let next = FileHandle(forReadingAtPath: files[file]) else { throw BiebError.invalid("MARC", "cannot open \(files[file])") }
            handle = next
        }
        throw BiebError.invalid("MARC", "no records in \(files)")
    }

    /// Passes over the next `count` records.
    mutating func skip(_ count: Int) throws {
        for _ in 0..<count { _ = try next() }
    }

    /// The next `count` records into a new file at `path`.
    mutating func write(_ count: Int, to path: String) throws {
        var out = Data()
        out.reserveCapacity(count * 1_000)
        for _ in 0..<count { out.append(try next()) }
        try out.write(to: URL(fileURLWithPath: path))
    }
}
