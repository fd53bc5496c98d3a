import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

/// The statistics' fact stream: facts from the circulation events with no
/// member id, name, card or birth date anywhere in its tables; distinct
/// counts through a keyed pseudonym per year; and a year's close that keeps
/// its totals and leaves nothing that links its facts to a member.
@Suite("Insight facts") struct InsightFactsTests {
    /// The columns of a table, on SQLite and PostgreSQL.
    static func columns(_ table: String, _ app: Application) async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            return try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }
        }
        return try await sql.raw("""
            SELECT column_name::text AS column_name FROM information_schema.columns WHERE table_name = \(bind: table) AND table_schema = current_schema()
            """).all().map { try $0.decode(column: "column_name", as: String.self) }
    }

    /// Every value of every row of a table, as text.
    static func values(_ table: String, _ app: Application) async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        let names = try await columns(table, app)
        var values: [String] = []
        for row in try await sql.raw("SELECT * FROM \(unsafeRaw: table)").all() {
            for name in names {
                if let text = try? row.decode(column: name, as: String.self) { values.append(text) }
                else if let uuid = try? row.decode(column: name, as: UUID.self) { values.append(uuid.uuidString) }
            }
        }
        return values
    }

    static let tables = ["insight_facts", "insight_year_keys", "insight_cursor", "insight_year_totals", "insight_daily", "insight_census",
                         "insight_sessions", "insight_measurements", "insight_snapshots", "insight_dirty", "insight_programmes", "insight_year_subjects", "insight_monthly"]

    @Test(arguments: TestDatabase.all)
    func factsHoldNoMemberAndCountDistinctMembersByPseudonym(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let desk = Circulation(app.db, organisationID: org)
            let central = Circulation.Desk(branch: f.network.central, now: noon("2026-11-23"))
            _ = try await desk.checkout(member: f.adult, item: "B1C1", at: central)
            let dvd = try await desk.checkout(member: f.adult, item: "D1C1", at: central)
            _ = try await desk.checkout(member: f.youth, item: "B2C1", at: central)
            _ = try await desk.renew(loan: dvd.loanID, member: f.adult, at: Circulation.Desk(branch: f.network.central, now: noon("2026-11-24")))
            _ = try await desk.checkin(item: "B1C1", at: Circulation.Desk(branch: f.network.district, now: noon("2026-11-25")))
            let facts = InsightFacts(app.db, organisationID: org)
            let added = try await facts.ingest(timeZone: BranchCalendar.amsterdam, settled: 0)
            // Three loans, a renewal, a return, and the fixture's members joining.
            let from = LocalDate(iso: "2026-11-23")!, through = LocalDate(iso: "2026-11-30")!
            #expect(try await facts.count(.loan, from: from, through: through) == 3)
            #expect(try await facts.count(.renewal, from: from, through: through) == 1)
            #expect(try await facts.count(.return, from: from, through: through) == 1)
            #expect(added >= 5)
            // Door entries become visit facts (they never held a member), also when no new circulation event came.
            let door = SelfServiceStore(app.db, organisationID: org)
            for hour in [10, 11, 15] {
                try await door.recordVisit(branch: f.network.central, at: LocalClock.instant(of: from, minute: hour * 60, in: BranchCalendar.amsterdam),
                                           via: "door", ageBand: "25-44", category: "basis")
            }
            #expect(try await facts.ingest(timeZone: BranchCalendar.amsterdam, settled: 0) == 3)
            #expect(try await facts.count(.visit, from: from, through: through) == 3)
            // Exactly once: nothing new, nothing added.
            #expect(try await facts.ingest(timeZone: BranchCalendar.amsterdam, settled: 0) == 0)
            // Distinct members without identities: two borrowers, one of them youth.
            #expect(try await facts.distinctMembers([.loan], from: from, through: through) == 2)
            #expect(try await facts.distinctMembers([.loan], from: from, through: through, youthOnly: true) == 1)
            #expect(try await facts.distinctMembers([.loan, .renewal, .return], from: from, through: through) == 2)
            // The same from the roll-ups: each member's first activity of the year is counted once.
            #expect(try await facts.activeMembers(through: through, youth: false) == 2)
            #expect(try await facts.activeMembers(through: through, youth: true) == 1)
            #expect(try await facts.count(.activeMember, from: from, through: through) == 2)
            // The daily roll-ups agree with the facts, per audience and branch; a rebuild gives the same rows.
            let rollups = InsightRollups(app.db, organisationID: org)
            let year = (LocalDate(iso: "2026-01-01")!, LocalDate(iso: "2026-12-31")!)
            #expect(try await rollups.monthly(.init(kind: .loan), from: year.0, through: year.1) == ["2026-11": 3])
            #expect(try await rollups.monthly(.init(kind: .visit, audience: "adult"), from: year.0, through: year.1) == ["2026-11": 3])
            #expect(try await rollups.monthly(.init(kind: .loan, audience: "youth"), from: year.0, through: year.1) == ["2026-11": 1])
            #expect(try await rollups.monthly(.init(kind: .loan, branch: f.network.district), from: year.0, through: year.1).isEmpty)
            #expect(try await rollups.monthly(.init(kind: .return, branch: f.network.district), from: year.0, through: year.1) == ["2026-11": 1])
            let sql0 = app.db as! any SQLDatabase
            let before = try await sql0.raw("SELECT COUNT(*) AS n FROM insight_daily").first()!.decode(column: "n", as: Int.self)
            try await sql0.raw("DELETE FROM insight_daily").run()
            try await rollups.rebuild()
            #expect(try await sql0.raw("SELECT COUNT(*) AS n FROM insight_daily").first()!.decode(column: "n", as: Int.self) == before)
            // The monthly roll-ups hold the month's daily rows summed, and a rebuild gives them again.
            func monthlyLoans() async throws -> Int {
                try await sql0.raw("SELECT CAST(SUM(quantity) AS BIGINT) AS n FROM insight_monthly WHERE kind = 'loan' AND month = '2026-11'").first()!
                    .decode(column: "n", as: Int.self)
            }
            #expect(try await monthlyLoans() == 3)
            // Whole months are answered from the monthly roll-ups, other periods from the daily ones: the same numbers.
            let november = (LocalDate(iso: "2026-11-01")!, LocalDate(iso: "2026-11-30")!)
            #expect(try await rollups.total([.loan], from: november.0, through: november.1) == 3)
            #expect(try await rollups.total([.loan], from: from, through: through) == 3)
            let byBranch = try await rollups.grouped([.loan, .return], from: november.0, through: november.1, by: [.branch, .kind])
            let byBranchDaily = try await rollups.grouped([.loan, .return], from: from, through: through, by: [.branch, .kind])
            #expect(byBranch.map { "\($0.keys)=\($0.count)" }.sorted() == byBranchDaily.map { "\($0.keys)=\($0.count)" }.sorted())
            #expect(byBranch.count == 2)
            // Nothing is left marked once the refreshes are done (days and their months).
            #expect(try await sql0.raw("SELECT COUNT(*) AS n FROM insight_dirty").first()!.decode(column: "n", as: Int.self) == 0)
            // Without the daily rows, whole months still answer (from the monthly ones) and a part of a month does not;
            // a question by item type needs the days.
            try await sql0.raw("DELETE FROM insight_daily").run()
            #expect(try await rollups.total([.loan], from: november.0, through: november.1) == 3)
            #expect(try await rollups.monthly(.init(kind: .loan), from: year.0, through: year.1) == ["2026-11": 3])
            #expect(try await rollups.total([.loan], from: from, through: through) == 0)
            #expect(try await rollups.grouped([.loan], from: november.0, through: november.1, by: [.itemType]).isEmpty)
            try await rollups.rebuild()
            try await sql0.raw("DELETE FROM insight_monthly").run()
            try await rollups.rebuild()
            #expect(try await monthlyLoans() == 3)
            #expect(try await rollups.monthly(.init(kind: .loan), from: year.0, through: year.1) == ["2026-11": 3])

            // No fact table has a column for a member id, name, card or birth date …
            let forbidden = ["member_id", "name", "card", "barcode", "birth_date", "email", "postcode", "street"]
            for table in Self.tables {
                let names = try await Self.columns(table, app)
                #expect(!names.isEmpty, "\(table) has columns")
                #expect(names.allSatisfy { !forbidden.contains($0) }, "\(table): \(names)")
            }
            // … nor holds one in any value.
            let members = try await Member.query(on: app.db).filter(\.$organisationID == org).all()
            var identifying: Set<String> = []
            for member in members {
                identifying.formUnion([member.id!.uuidString, member.id!.uuidString.lowercased(), member.name, member.birthDateText, member.postcode])
                for card in try await MemberDirectory(app.db, organisationID: org).cards(of: member.id!) { identifying.insert(card.barcode) }
            }
            for table in Self.tables {
                let found = Set(try await Self.values(table, app)).intersection(identifying)
                #expect(found.isEmpty, "\(table) holds \(found)")
            }
            // An event of a moment ago waits a minute (a transaction still open could commit a lower id), then is read.
            _ = try await desk.checkout(member: f.youth, item: "B3C2", at: Circulation.Desk(branch: f.network.central, now: Date()))
            #expect(try await facts.ingest(timeZone: BranchCalendar.amsterdam) == 0)
            #expect(try await facts.ingest(timeZone: BranchCalendar.amsterdam, now: Date().addingTimeInterval(2 * InsightFacts.settle)) == 1)
            // What the facts do keep: shared dimensions (an age band, the membership type, PC4, the item type).
            let sql = app.db as! any SQLDatabase
            let youthLoan = try #require(try await sql.raw("""
                SELECT age_band, member_category, member_area, item_type FROM insight_facts WHERE kind = 'loan' AND age_band = '12-17'
                """).first())
            #expect(try youthLoan.decode(column: "member_category", as: String.self) == "jeugd")
            #expect(try youthLoan.decode(column: "member_area", as: String.self) == "2511")
            #expect(try youthLoan.decode(column: "item_type", as: String.self) == "book")
        }
    }

    @Test(arguments: TestDatabase.all)
    func closingAYearKeepsItsTotalsAndLeavesNothingToLinkItsFactsToMembers(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(iso: "2025-06-02")!)
            let org = f.network.city
            let desk = Circulation(app.db, organisationID: org)
            let june = Circulation.Desk(branch: f.network.central, now: noon("2025-06-02"))
            _ = try await desk.checkout(member: f.adult, item: "B1C1", at: june)
            _ = try await desk.checkout(member: f.youth, item: "B2C1", at: june)
            _ = try await desk.checkin(item: "B1C1", at: Circulation.Desk(branch: f.network.central, now: noon("2025-06-10")))
            // The next year: the same adult borrows again.
            _ = try await desk.checkout(member: f.adult, item: "B3C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-01-12")))
            let facts = InsightFacts(app.db, organisationID: org)
            let years = InsightYears(app.db, organisationID: org)
            try await facts.ingest(timeZone: BranchCalendar.amsterdam, settled: 0)
            let sql = app.db as! any SQLDatabase
            func subjects(_ year: Int) async throws -> Set<String> {
                Set(try await sql.raw("""
                    SELECT subject FROM insight_facts WHERE day >= \(bind: "\(year)-01-01") AND day <= \(bind: "\(year)-12-31") AND subject IS NOT NULL
                      AND kind IN ('loan', 'renewal', 'return')
                    """).all().map { try $0.decode(column: "subject", as: String.self) })
            }
            // One member is one subject within a year, and another across years (years cannot be linked).
            let y2025 = try await subjects(2025), y2026 = try await subjects(2026)
            #expect(y2025.count == 2)
            #expect(y2026.count == 1)
            #expect(y2025.isDisjoint(with: y2026))
            // Each year's active members once, from the roll-ups, and the pseudonyms recorded for that once.
            #expect(try await facts.activeMembers(through: LocalDate(iso: "2025-12-31")!, youth: false) == 2)
            #expect(try await facts.activeMembers(through: LocalDate(iso: "2026-12-31")!, youth: false) == 1)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM insight_year_subjects WHERE year = 2025").first()!.decode(column: "n", as: Int.self) == 2)

            // Not before the year is over; by itself only a month after.
            let closing = await refusal { try await years.close(2026, today: LocalDate(iso: "2026-12-03")!) }
            #expect(closing?.code == "year_not_over")
            #expect(try await years.closeEnded(today: LocalDate(iso: "2026-01-20")!).isEmpty)
            #expect(try await years.closeEnded(today: LocalDate(iso: "2026-02-02")!) == [2025])
            #expect(try await years.isClosed(2025))
            #expect(!(try await years.isClosed(2026)))
            // The totals stay (the fixture's two members joined on the fixture's day, in 2025) …
            let totals = try await years.totals(2025)
            #expect(totals["borrowers"] == 2)
            #expect(totals["youth_borrowers"] == 1)
            #expect(totals["active_members"] == 2)
            // … the year's key and every subject of its facts are gone; the facts themselves remain.
            #expect(try await subjects(2025).isEmpty)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM insight_facts WHERE day LIKE '2025-%' AND subject IS NOT NULL").first()!
                        .decode(column: "n", as: Int.self) == 0)
            #expect(try await facts.count(.loan, from: LocalDate(iso: "2025-01-01")!, through: LocalDate(iso: "2025-12-31")!) == 2)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM insight_year_subjects WHERE year = 2025").first()!.decode(column: "n", as: Int.self) == 0)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM insight_year_subjects WHERE year = 2026").first()!.decode(column: "n", as: Int.self) == 1)
            let key = try #require(try await sql.raw("SELECT secret, closed_at FROM insight_year_keys WHERE year = 2025").first())
            #expect(try key.decode(column: "secret", as: String?.self) == nil)
            #expect(try key.decode(column: "closed_at", as: Date?.self) != nil)
            #expect(try await subjects(2026) == y2026)
            // A late event of the closed year becomes a fact without a subject.
            _ = try await desk.checkin(item: "B2C1", at: Circulation.Desk(branch: f.network.central, now: noon("2025-12-30")))
            try await facts.ingest(timeZone: BranchCalendar.amsterdam, settled: 0)
            #expect(try await subjects(2025).isEmpty)
            #expect(try await facts.count(.return, from: LocalDate(iso: "2025-01-01")!, through: LocalDate(iso: "2025-12-31")!) == 2)
        }
    }
}
