import FluentKit
import Foundation
import SQLKit
import BiebCore

/// How each part of each branch's collection performs (`SegmentFigures`),
/// read from the copies' own counters in one pass over the copies.
///
/// The database groups by what the copy and its title store (branch,
/// format, audience, NUR code); the segment is then made in Swift by the
/// one rule that makes it (`ShelfSegment`), so the report never has its
/// own copy of "what is youth fiction". Dead stock is counted in the same
/// pass, once per idle period the policy uses, by the rule of
/// `WeedingRules.isIdle` (an available copy whose last loan, or acquisition
/// when never lent, is before the period's start; a store test holds the
/// two to the same answer); each group then takes the count of its own period.
public struct SegmentReport: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public struct Row: Sendable, Hashable {
        public var branch: UUID
        public var segment: ShelfSegment
        public var figures: SegmentFigures
    }

    /// The branch a copy counts at: its own, or where it is in a floating collection (`ShelfSegment` rule 3).
    func branchColumn() async throws -> String {
        let floating = try await sql.select().column("floating").from("circulation_settings")
            .where("organisation_id", .equal, organisationID).first()?.decode(column: "floating", as: Bool.self) ?? false
        return floating ? "i.current_branch_id" : "i.owning_branch_id"
    }

    /// Every branch's segments (or one branch's), on `today`.
    public func rows(today: LocalDate, branch: UUID? = nil, titles: [Int]? = nil, headings: [Int]? = nil, policy: WeedingPolicy) async throws -> [Row] {
        let periods = policy.idlePeriods
        let column = try await branchColumn()
        let idle = SQLList(periods.map { months in
            SQLQueryString("""
                CAST(SUM(CASE WHEN i.status = 'available' AND COALESCE(i.last_loan_on, i.acquired_on, '') < \(bind: today.adding(months: -months).iso)
                    THEN 1 ELSE 0 END) AS BIGINT) AS \(unsafeRaw: "idle_\(months)")
                """)
        })
        var filter = SQLQueryString("")
        if let branch { filter = "AND \(unsafeRaw: column) = \(bind: branch)" }
        if let titles { filter = "\(filter) AND i.title_id IN \(SQLBind.group(titles))" }
        var keyedHeadings = SQLQueryString(""), titleHeadings = SQLQueryString("")
        if let headings {
            keyedHeadings = "AND \(try await shelfHeadingFilter(headings))"
            titleHeadings = "AND \(Self.headingFilter(headings))"
        }
        func measures(year: String) -> SQLQueryString {
            """
            COUNT(*) AS holdings, CAST(SUM(i.loans_year) AS BIGINT) AS loans, CAST(SUM(i.loans_total) AS BIGINT) AS lifetime,
            CAST(SUM(CASE WHEN \(unsafeRaw: year) IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS dated,
            CAST(SUM(COALESCE(\(unsafeRaw: year), 0)) AS BIGINT) AS year_sum, \(idle)
            """
        }
        // The copies with their shelf key: the copies alone, grouped (index-only over items_shelf_idx).
        let keyed = try await sql.raw("""
            SELECT \(unsafeRaw: column) AS branch_id, i.shelf, \(measures(year: "i.edition_year"))
            FROM items i
            WHERE i.organisation_id = \(bind: organisationID) AND i.shelf IS NOT NULL AND i.status NOT IN \(unsafeRaw: CollectionSQL.outOfCollection)
                  \(filter) \(keyedHeadings)
            GROUP BY \(unsafeRaw: column), i.shelf
            """).all()
        // Copies written without one (straight into the table; the hourly job fills them in): through their titles.
        let unkeyed = try await sql.raw("""
            SELECT \(unsafeRaw: column) AS branch_id, t.format, t.audience, t.nur, \(measures(year: "t.year"))
            FROM items i JOIN titles t ON t.id = i.title_id
            WHERE i.organisation_id = \(bind: organisationID) AND i.shelf IS NULL AND i.status NOT IN \(unsafeRaw: CollectionSQL.outOfCollection)
                  \(filter) \(titleHeadings)
            GROUP BY \(unsafeRaw: column), t.format, t.audience, t.nur
            """).all()
        var out: [String: Row] = [:]
        func add(_ row: any SQLRow, _ segment: ShelfSegment) throws {
            let months = policy.thresholds(for: segment).idleMonths
            let figures = SegmentFigures(holdings: try row.decode(column: "holdings", as: Int.self), loans: try row.decode(column: "loans", as: Int?.self) ?? 0,
                                         lifetimeLoans: try row.decode(column: "lifetime", as: Int?.self) ?? 0,
                                         dead: try row.decode(column: "idle_\(months)", as: Int?.self) ?? 0,
                                         dated: try row.decode(column: "dated", as: Int?.self) ?? 0,
                                         yearSum: try row.decode(column: "year_sum", as: Int?.self) ?? 0)
            let branch = try row.decode(column: "branch_id", as: UUID.self)
            let key = "\(branch.uuidString)|\(segment.key)"
            if var existing = out[key] {
                existing.figures += figures
                out[key] = existing
            } else {
                out[key] = Row(branch: branch, segment: segment, figures: figures)
            }
        }
        for row in keyed {
            guard let segment = ShelfSegment(key: try row.decode(column: "shelf", as: String.self)) else { continue }
            try add(row, segment)
        }
        for row in unkeyed {
            try add(row, try ShelfSegment(titleColumnsOf: row))
        }
        return out.values.sorted { ($0.branch.uuidString, $0.segment) < ($1.branch.uuidString, $1.segment) }
    }
}

extension SegmentReport {
    /// Titles under any of the NUR headings (a heading is its ten codes: 980 is 980–989); none matches an empty list.
    static func headingFilter(_ headings: [Int]) -> SQLQueryString {
        guard !headings.isEmpty else { return "1 = 0" }
        var out = SQLQueryString("(")
        for (n, heading) in headings.enumerated() {
            out = "\(out)\(unsafeRaw: n == 0 ? "" : " OR ")(t.nur >= \(bind: heading) AND t.nur < \(bind: heading + 10))"
        }
        return "\(out))"
    }

    /// The same on the copies' shelf keys ("book.adult_fiction.980" ends in the heading): the organisation's keys
    /// under those headings as a list, so the copies are found by ranges of `items_shelf_idx`, not by reading every key.
    func shelfHeadingFilter(_ headings: [Int]) async throws -> SQLQueryString {
        let keys = try await ShelfKeys.inUse(organisation: organisationID, on: sql)
            .filter { key in ShelfSegment(key: key).flatMap(\.heading).map(headings.contains) ?? false }
        return keys.isEmpty ? "1 = 0" : "i.shelf IN \(SQLBind.group(keys))"
    }
}

/// The segments as they were on the first of each month, so a report can
/// set this year against last year (the counters only know now). Taken by
/// the nightly job the first time it runs in a month.
public struct SegmentSnapshots: OrganisationStore {
    static let schema = "collection_snapshots"

    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// "2026-12".
    public static func month(of day: LocalDate) -> String { String(format: "%04d-%02d", day.year, day.month) }

    /// Takes this month's snapshot unless it was taken. Returns whether it did.
    @discardableResult
    public func takeDue(today: LocalDate, policy: WeedingPolicy) async throws -> Bool {
        let month = Self.month(of: today)
        let taken = try await sql.select().column("month").from(Self.schema).where("organisation_id", .equal, organisationID)
            .where("month", .equal, month).limit(1).first() != nil
        guard !taken else { return false }
        let rows = try await SegmentReport(db, organisationID: organisationID).rows(today: today, policy: policy)
        try await store(rows, month: month)
        return true
    }

    /// Writes a month's rows (replacing any of that month).
    public func store(_ rows: [SegmentReport.Row], month: String) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            try await sql.delete(from: Self.schema).where("organisation_id", .equal, organisationID).where("month", .equal, month).run()
            for chunk in rows.chunked(into: 300) {
                var insert = sql.insert(into: Self.schema)
                    .columns("organisation_id", "month", "branch_id", "segment", "holdings", "loans", "lifetime_loans", "dead", "dated", "year_sum")
                for row in chunk {
                    let f = row.figures
                    insert = insert.values(SQLBind(organisationID), SQLBind(month), SQLBind(row.branch), SQLBind(row.segment.key), SQLBind(f.holdings),
                                           SQLBind(f.loans), SQLBind(f.lifetimeLoans), SQLBind(f.dead), SQLBind(f.dated), SQLBind(f.yearSum))
                }
                try await insert.run()
            }
        }
    }

    /// A month's rows (empty when none was taken).
    public func rows(month: String, branch: UUID? = nil) async throws -> [SegmentReport.Row] {
        var query = sql.select().columns("branch_id", "segment", "holdings", "loans", "lifetime_loans", "dead", "dated", "year_sum")
            .from(Self.schema).where("organisation_id", .equal, organisationID).where("month", .equal, month)
        if let branch { query = query.where("branch_id", .equal, branch) }
        return try await query.all().compactMap { row in
            guard let segment = ShelfSegment(key: try row.decode(column: "segment", as: String.self)) else { return nil }
            return SegmentReport.Row(branch: try row.decode(column: "branch_id", as: UUID.self), segment: segment, figures: SegmentFigures(
                holdings: try row.decode(column: "holdings", as: Int.self), loans: try row.decode(column: "loans", as: Int.self),
                lifetimeLoans: try row.decode(column: "lifetime_loans", as: Int.self), dead: try row.decode(column: "dead", as: Int.self),
                dated: try row.decode(column: "dated", as: Int.self), yearSum: try row.decode(column: "year_sum", as: Int.self)))
        }
    }
}
