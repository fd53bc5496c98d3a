import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Each copy's own counters, which survive the privacy rules because they
/// hold no member: loans in its life (`loans_total`), loans in the last 12
/// months (`loans_year`), the day of its last loan (`last_loan_on`) and the
/// day it was last in hand at a desk — lent, returned or received
/// (`last_seen_on`).
///
/// Kept at flat cost: a checkout adds one to both loan counters and sets
/// both days in the update it already makes to the copy (no statement more,
/// however many loans the member has); a return sets the day seen in the
/// update that locks the copy. Each night the loans of the days that left
/// the 12-month window are taken off again (`age`), one statement for all
/// copies, found by their checkout day (`loans_checked_out_idx`): the loans
/// table keeps every loan, its member link removed by the privacy rules.
/// `rebuild` counts everything again from the loans (a migration, or
/// `bieb collection rebuild-counters`).
///
/// The window is the 12 months before today: a loan of 4 December 2025
/// counts on 3 December 2026 and no longer on 4 December 2026.
public struct CopyCounters: OrganisationStore {
    static let cursorSchema = "collection_counter_cursor"

    public let db: any Database, organisationID: UUID
    public let timeZone: TimeZone

    public init(_ db: any Database, organisationID: UUID, timeZone: TimeZone) {
        self.db = db
        self.organisationID = organisationID
        self.timeZone = timeZone
    }

    /// The last checkout day that no longer counts in `loans_year` on `today`.
    public static func windowEnd(today: LocalDate) -> LocalDate { today.adding(months: -12) }

    /// The counters' part of the update a checkout makes to the copy: one loan more in its life and its year,
    /// lent and seen today.
    static func lent(on day: LocalDate) -> SQLQueryString {
        "loans_total = loans_total + 1, loans_year = loans_year + 1, last_loan_on = \(bind: day.iso), last_seen_on = \(bind: day.iso)"
    }

    func start(of day: LocalDate) -> Date { LocalClock.instant(of: day, minute: 0, in: timeZone) }

    /// Takes the loans of the days that left the window since the last run
    /// off the copies' `loans_year`. Returns the number of copies changed.
    @discardableResult
    public func age(today: LocalDate) async throws -> Int {
        let end = Self.windowEnd(today: today)
        guard let through = try await agedThrough() else {
            // An organisation that came after the counters did: every loan it has was counted at its checkout, so the
            // window starts here.
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: Self.cursorSchema) (organisation_id, aged_through) VALUES (\(bind: organisationID), \(bind: end.iso))
                ON CONFLICT (organisation_id) DO NOTHING
                """).run()
            return 0
        }
        guard through < end else { return 0 }
        let organisationID = organisationID
        let from = start(of: through.adding(days: 1)), to = start(of: end.adding(days: 1))
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let changed = try await sql.raw("""
                UPDATE items SET loans_year = CASE WHEN items.loans_year > s.n THEN items.loans_year - s.n ELSE 0 END
                FROM (SELECT item_id, COUNT(*) AS n FROM loans
                      WHERE organisation_id = \(bind: organisationID) AND checked_out_at >= \(bind: from) AND checked_out_at < \(bind: to)
                      GROUP BY item_id) AS s
                WHERE items.id = s.item_id RETURNING items.id
                """).all().count
            try await sql.update(Self.cursorSchema).set("aged_through", to: end.iso).where("organisation_id", .equal, organisationID).run()
            return changed
        }
    }

    /// The last day whose loans were taken off, nil before the first count.
    public func agedThrough() async throws -> LocalDate? {
        let row = try await sql.select().column("aged_through").from(Self.cursorSchema).where("organisation_id", .equal, organisationID).first()
        return try row.map { LocalDate(iso: try $0.decode(column: "aged_through", as: String.self)) } ?? nil
    }

    /// Counts every copy's loans again from the loans table. Returns the number of copies with loans.
    @discardableResult
    public func rebuild(today: LocalDate, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async throws -> Int {
        let organisationID = organisationID
        let end = Self.windowEnd(today: today)
        let windowStart = start(of: end.adding(days: 1))
        let rows = try await sql.raw("""
            SELECT item_id, COUNT(*) AS total,
                   SUM(CASE WHEN checked_out_at >= \(bind: windowStart) THEN 1 ELSE 0 END) AS recent,
                   MAX(checked_out_at) AS last_loan, MAX(returned_at) AS last_return
            FROM loans WHERE organisation_id = \(bind: organisationID) GROUP BY item_id
            """).all()
        let zone = timeZone
        let counts = try rows.map { row -> Loaded in
            let lastLoan = try row.decode(column: "last_loan", as: Date.self)
            let lastReturn = try row.decode(column: "last_return", as: Date?.self)
            return Loaded(item: try row.decode(column: "item_id", as: Int.self), total: try row.decode(column: "total", as: Int.self),
                          year: try row.decode(column: "recent", as: Int.self), lastLoan: LocalDate(lastLoan, in: zone),
                          lastSeen: LocalDate(max(lastLoan, lastReturn ?? lastLoan), in: zone))
        }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE items SET loans_total = 0, loans_year = 0, last_loan_on = NULL WHERE organisation_id = \(bind: organisationID)
                """).run()
            try await Self.write(counts, on: tx.sql, progress: progress)
            try await tx.sql.raw("""
                INSERT INTO \(unsafeRaw: Self.cursorSchema) (organisation_id, aged_through) VALUES (\(bind: organisationID), \(bind: end.iso))
                ON CONFLICT (organisation_id) DO UPDATE SET aged_through = excluded.aged_through
                """).run()
        }
        return counts.count
    }

    /// A copy's counters as another source gives them: a count from the loans, or a previous system's figures
    /// brought in with its copies.
    public struct Loaded: Sendable, Equatable {
        public var item: Int
        public var total: Int
        public var year: Int
        public var lastLoan: LocalDate?
        public var lastSeen: LocalDate?

        public init(item: Int, total: Int, year: Int, lastLoan: LocalDate?, lastSeen: LocalDate?) {
            self.item = item
            self.total = total
            self.year = year
            self.lastLoan = lastLoan
            self.lastSeen = lastSeen
        }
    }

    /// Sets copies' counters (of this organisation) from another source — a previous system's loan counts when a
    /// library moves to Bieb — replacing what they held; a later day seen is kept.
    public func load(_ counters: [Loaded]) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in try await Self.write(counters, organisation: organisationID, on: tx.sql, progress: nil) }
    }

    static func write(_ counts: [Loaded], organisation: UUID? = nil, on sql: any SQLDatabase, progress: (@Sendable (Int, Int) -> Void)?) async throws {
        var done = 0
        for chunk in counts.chunked(into: 400) {
            let values = SQLList(chunk.map { c in
                SQLGroupExpression([SQLBind(c.item), SQLBind(c.total), SQLBind(c.year), SQLBind(c.lastLoan?.iso), SQLBind(c.lastSeen?.iso)])
            })
            var scope = SQLQueryString("")
            if let organisation { scope = "AND items.organisation_id = \(bind: organisation)" }
            // A copy seen later than its last loan (received, inventoried) keeps that day.
            try await sql.raw("""
                UPDATE items SET loans_total = v.column2, loans_year = v.column3, last_loan_on = v.column4,
                    last_seen_on = CASE WHEN v.column5 IS NULL OR (items.last_seen_on IS NOT NULL AND items.last_seen_on >= v.column5)
                                        THEN items.last_seen_on ELSE v.column5 END
                FROM (VALUES \(values)) AS v WHERE items.id = v.column1 \(scope)
                """).run()
            done += chunk.count
            progress?(done, counts.count)
        }
    }
}

/// Counts the copies of every organisation from its loans when the columns arrive.
struct BackfillCopyCounters: AsyncMigration {
    func prepare(on database: Database) async throws {
        for organisation in try await Organisation.query(on: database).all() {
            let zone = organisation.zone
            try await CopyCounters(database, organisationID: try organisation.requireID(), timeZone: zone)
                .rebuild(today: LocalDate(Date(), in: zone))
        }
    }

    func revert(on database: Database) async throws {}
}
