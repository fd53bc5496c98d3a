import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Daily roll-ups of the fact stream: per organisation × day × branch ×
/// kind × audience (youth, adult, unknown) × item type × membership type ×
/// part of the collection × core function × topic × mode, what pages and
/// the API read (never the raw facts). A day's rows are rebuilt from its
/// facts in one transaction, so a refresh is idempotent and `rebuild` gives
/// the same rows as the refreshes did. Monthly roll-ups (`insight_monthly`:
/// the same without day, item type and membership type) are rebuilt from
/// the daily ones of their month after each refresh; a question about whole
/// months that needs neither is answered from them — at national scale a
/// year is a few thousand monthly rows against hundreds of thousands of
/// daily ones.
public struct InsightRollups: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The audience of a fact: its own (an activity's), else that of its age band: "youth" (under 18), "adult", or "unknown".
    static let audience: SQLQueryString = """
        CASE WHEN audience IS NOT NULL THEN audience WHEN age_band IS NULL THEN 'unknown' \
        WHEN age_band IN ('\(unsafeRaw: AgeBands.youth.sorted().joined(separator: "', '"))') THEN 'youth' ELSE 'adult' END
        """

    /// The dimensions a roll-up keeps, as grouped from the facts (an empty text where a fact has none).
    static let dimensions: SQLQueryString = """
        organisation_id, day, branch_id, kind, \(audience), COALESCE(item_type, ''), COALESCE(member_category, ''), COALESCE(segment, ''), \
        COALESCE(core_function, ''), COALESCE(topic, ''), COALESCE(mode, '')
        """

    /// The dimensions a monthly roll-up keeps, as grouped from the daily ones (no item type or membership type).
    static let monthlyDimensions: SQLQueryString = """
        organisation_id, SUBSTR(day, 1, 7), branch_id, kind, audience, segment, core_function, topic, mode
        """

    /// Rebuilds the roll-ups of `days` from their facts, then the monthly roll-ups of their months; `progress` hears how
    /// many days are done.
    public func refresh(days: Set<LocalDate>, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws {
        let organisationID = organisationID
        for (done, day) in days.sorted().enumerated() {
            progress?(done, days.count)
            try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                try await Self.rebuild(day: day, kinds: nil, organisation: organisationID, on: sql)
                try await sql.raw("DELETE FROM insight_dirty WHERE organisation_id = \(bind: organisationID) AND day = \(bind: day.iso)").run()
                // Its month is marked in the same transaction: a crash before the month is rebuilt leaves the mark.
                try await Self.markDirty(month: Self.month(of: day), organisation: organisationID, on: sql)
            }
        }
        try await refresh(months: Set(days.map(Self.month(of:))))
    }

    /// Brings the roll-ups of `days` and their months up to date with the facts of `kinds` only, in the caller's
    /// transaction — the one that wrote those facts. For writers of a few facts of kinds of their own (catalogue
    /// searches, door counts, study places, digital use, memberships ended): the rows of other kinds stay as they
    /// are, and so do the days' marks (what the hourly ingest marked is still rebuilt by `refreshDirty`). Rebuilding
    /// a whole day for them held the database for 2.5 s at the largest organisation of the national benchmark,
    /// each time a server handed in its searches (docs/PERFORMANCE.md, the growth curve).
    static func refresh(days: Set<LocalDate>, kinds: Set<FactKind>, organisation organisationID: UUID, on sql: any SQLDatabase) async throws {
        guard !days.isEmpty, !kinds.isEmpty else { return }
        let kinds = kinds.map(\.rawValue).sorted()
        for day in days.sorted() { try await rebuild(day: day, kinds: kinds, organisation: organisationID, on: sql) }
        for month in Set(days.map(Self.month(of:))).sorted() { try await rebuild(month: month, kinds: kinds, organisation: organisationID, on: sql) }
    }

    /// A day's rows from its facts, of `kinds` (nil: all), after its turn (`lock`); in the caller's transaction.
    static func rebuild(day: LocalDate, kinds: [String]?, organisation organisationID: UUID, on sql: any SQLDatabase) async throws {
        try await lock(day.iso, organisation: organisationID, on: sql)
        let ofKinds: SQLQueryString = kinds.map { " AND kind IN (\(binds: $0))" } ?? ""
        try await sql.raw("DELETE FROM insight_daily WHERE organisation_id = \(bind: organisationID) AND day = \(bind: day.iso)\(ofKinds)").run()
        try await sql.raw("""
            INSERT INTO insight_daily (organisation_id, day, branch_id, kind, audience, item_type, member_category, segment, core_function,
                                       topic, mode, quantity)
            SELECT \(Self.dimensions), SUM(quantity)
            FROM insight_facts WHERE organisation_id = \(bind: organisationID) AND day = \(bind: day.iso)\(ofKinds)
            GROUP BY \(Self.dimensions)
            """).run()
    }

    /// A month's rows ("2026-03") from its days' rows, of `kinds` (nil: all), after its turn (`lock`); in the caller's transaction.
    static func rebuild(month: String, kinds: [String]?, organisation organisationID: UUID, on sql: any SQLDatabase) async throws {
        try await lock(month, organisation: organisationID, on: sql)
        let ofKinds: SQLQueryString = kinds.map { " AND kind IN (\(binds: $0))" } ?? ""
        try await sql.raw("DELETE FROM insight_monthly WHERE organisation_id = \(bind: organisationID) AND month = \(bind: month)\(ofKinds)").run()
        try await sql.raw("""
            INSERT INTO insight_monthly (organisation_id, month, branch_id, kind, audience, segment, core_function, topic, mode, quantity)
            SELECT \(Self.monthlyDimensions), SUM(quantity) FROM insight_daily
            WHERE organisation_id = \(bind: organisationID) AND day >= \(bind: month + "-01") AND day <= \(bind: month + "-31")\(ofKinds)
            GROUP BY \(Self.monthlyDimensions)
            """).run()
    }

    /// Takes turns with every other rebuild of an organisation's day ("2026-03-09") or month ("2026-03") until the
    /// caller's transaction ends. On PostgreSQL two app servers may rebuild one day at once (each hands in its own
    /// searches); without it both delete the day's rows, neither sees the rows the other inserts, and both sets stay
    /// — the day counted twice. A transaction-scoped advisory lock on the key orders them. SQLite has one writer.
    static func lock(_ key: String, organisation: UUID, on sql: any SQLDatabase) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: organisation.uuidString + "|" + key), 0))").run()
    }

    /// "2026-03": a month's key, as the monthly roll-ups and the dirty marks keep it.
    static func month(of day: LocalDate) -> String { String(day.iso.prefix(7)) }

    static func markDirty(month: String, organisation: UUID, on sql: any SQLDatabase) async throws {
        try await sql.insert(into: "insight_dirty").columns("organisation_id", "day").values([SQLBind(organisation), SQLBind(month)])
            .ignoringConflicts(with: ["organisation_id", "day"]).run()
    }

    /// Rebuilds the monthly roll-ups of `months` ("2026-03") from the daily ones, each in one transaction with its mark.
    func refresh(months: Set<String>) async throws {
        let organisationID = organisationID
        for month in months.sorted() {
            try await WriteGate.transaction(on: db) { tx in
                try await Self.rebuild(month: month, kinds: nil, organisation: organisationID, on: tx.sql)
                try await tx.sql.raw("DELETE FROM insight_dirty WHERE organisation_id = \(bind: organisationID) AND day = \(bind: month)").run()
            }
        }
    }

    /// Marks days whose facts changed (in the transaction that changed them): `refreshDirty` rebuilds them.
    static func markDirty(_ days: Set<LocalDate>, organisation: UUID, on sql: any SQLDatabase) async throws {
        guard !days.isEmpty else { return }
        var insert = sql.insert(into: "insight_dirty").columns("organisation_id", "day")
        for day in days.sorted() { insert = insert.values([SQLBind(organisation), SQLBind(day.iso)]) }
        try await insert.ignoringConflicts(with: ["organisation_id", "day"]).run()
    }

    /// Rebuilds the roll-ups of the days marked dirty, each once, and clears their marks (a day marked again meanwhile
    /// keeps its mark: its mark is removed only in the transaction that rebuilt it).
    public func refreshDirty() async throws {
        let marks = try await sql.raw("SELECT day FROM insight_dirty WHERE organisation_id = \(bind: organisationID)").all()
            .map { try $0.decode(column: "day", as: String.self) }
        try await refresh(days: Set(marks.compactMap(LocalDate.init(iso:))))
        // Months marked by a refresh that stopped before its months were rebuilt.
        try await refresh(months: Set(marks.filter { $0.count == 7 }))
    }

    /// Rebuilds every day's roll-ups from the facts in one statement (and days without facts lose theirs); returns how many days.
    @discardableResult
    public func rebuild(progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Int {
        let organisationID = organisationID
        progress?(0, 1)
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM insight_daily WHERE organisation_id = \(bind: organisationID)").run()
            try await tx.sql.raw("""
                INSERT INTO insight_daily (organisation_id, day, branch_id, kind, audience, item_type, member_category, segment, core_function,
                                           topic, mode, quantity)
                SELECT \(Self.dimensions), SUM(quantity) FROM insight_facts WHERE organisation_id = \(bind: organisationID)
                GROUP BY \(Self.dimensions)
                """).run()
            try await tx.sql.raw("DELETE FROM insight_monthly WHERE organisation_id = \(bind: organisationID)").run()
            try await tx.sql.raw("""
                INSERT INTO insight_monthly (organisation_id, month, branch_id, kind, audience, segment, core_function, topic, mode, quantity)
                SELECT \(Self.monthlyDimensions), SUM(quantity) FROM insight_daily WHERE organisation_id = \(bind: organisationID)
                GROUP BY \(Self.monthlyDimensions)
                """).run()
            try await tx.sql.raw("DELETE FROM insight_dirty WHERE organisation_id = \(bind: organisationID)").run()
        }
        progress?(1, 1)
        return try await sql.raw("SELECT COUNT(DISTINCT day) AS n FROM insight_daily WHERE organisation_id = \(bind: organisationID)")
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// A filter on the roll-ups.
    public struct Filter: Sendable, Equatable {
        public var kind: FactKind
        public var branch: UUID?
        /// "youth", "adult" or "unknown"; nil: all.
        public var audience: String?

        public init(kind: FactKind, branch: UUID? = nil, audience: String? = nil) {
            self.kind = kind
            self.branch = branch
            self.audience = audience
        }
    }

    /// The total of facts of `kinds` from `from` through `through`, for a branch, an audience, a core function and some modes (nil: all).
    public func total(_ kinds: Set<FactKind>, from: LocalDate, through: LocalDate, branch: UUID? = nil, audience: String? = nil,
                      coreFunction: String? = nil, modes: Set<String>? = nil) async throws -> Int {
        let kindList = SQLQueryString(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))
        let source = Source(from: from, through: through, needs: [])
        var query: SQLQueryString = """
            SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM \(unsafeRaw: source.table)
            WHERE organisation_id = \(bind: organisationID) AND kind IN (\(kindList)) AND \(source.period)
            """
        if let branch { query = query + " AND branch_id = \(bind: branch)" }
        if let audience { query = query + " AND audience = \(bind: audience)" }
        if let coreFunction { query = query + " AND core_function = \(bind: coreFunction)" }
        if let modes { query = query + " AND mode IN (\(binds: modes.sorted()))" }
        return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Where a question about `from` through `through` is answered: from the monthly roll-ups when it covers whole
    /// months and needs no dimension they lack (the day, the item type), else from the daily ones.
    struct Source {
        let monthly: Bool
        let from: LocalDate, through: LocalDate

        init(from: LocalDate, through: LocalDate, needs dimensions: [Dimension]) {
            (self.from, self.through) = (from, through)
            monthly = from.day == 1 && through.adding(days: 1).day == 1 && from <= through
                && !dimensions.contains(.day) && !dimensions.contains(.itemType)
        }

        var table: String { monthly ? "insight_monthly" : "insight_daily" }
        /// The column of time: "month" ("2026-03") or "day" ("2026-03-09").
        var time: String { monthly ? "month" : "day" }
        /// A day as the time column compares it.
        func key(_ day: LocalDate) -> String { monthly ? InsightRollups.month(of: day) : day.iso }
        var period: SQLQueryString { "\(unsafeRaw: time) >= \(bind: key(from)) AND \(unsafeRaw: time) <= \(bind: key(through))" }

        /// A dimension's column in this table.
        func column(_ dimension: Dimension) -> String {
            switch dimension {
            case .month: monthly ? "month" : "SUBSTR(day, 1, 7)"
            default: dimension.rawValue
            }
        }
    }

    /// A dimension the roll-ups are grouped by.
    public enum Dimension: String, Sendable, CaseIterable {
        case kind, audience, segment, mode, topic
        case branch = "branch_id"
        case coreFunction = "core_function"
        case itemType = "item_type"
        case month = "SUBSTR(day, 1, 7)"
        /// The day itself ("2026-03-09"): for what SQL cannot say alike on SQLite and PostgreSQL, such as the weekday.
        case day
    }

    /// Totals of facts of `kinds` from `from` through `through` (for a branch: nil all), grouped by `dimensions`: each
    /// line's keys in the order asked (a branch as its id, "" where there is none).
    public func grouped(_ kinds: Set<FactKind>, from: LocalDate, through: LocalDate, branch: UUID? = nil,
                        by dimensions: [Dimension]) async throws -> [(keys: [String], count: Int)] {
        let kindList = SQLQueryString(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))
        let source = Source(from: from, through: through, needs: dimensions)
        let columns = dimensions.enumerated().map { "\(source.column($0.element)) AS k\($0.offset)" }.joined(separator: ", ")
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: columns)\(unsafeRaw: dimensions.isEmpty ? "" : ", ")CAST(SUM(quantity) AS BIGINT) AS n FROM \(unsafeRaw: source.table)
            WHERE organisation_id = \(bind: organisationID) AND kind IN (\(kindList)) AND \(source.period)
            """
        if let branch { query = query + " AND branch_id = \(bind: branch)" }
        if !dimensions.isEmpty {
            query = query + " GROUP BY \(unsafeRaw: dimensions.indices.map { String($0 + 1) }.joined(separator: ", "))"
        }
        return try await sql.raw(query).all().map { row in (try Self.keys(of: row, dimensions), try row.decode(column: "n", as: Int?.self) ?? 0) }
    }

    /// A grouped line's keys (`k0`, `k1`, …) in the order asked: a branch as its id, "" where there is none.
    static func keys(of row: any SQLRow, _ dimensions: [Dimension]) throws -> [String] {
        try dimensions.indices.map { index -> String in
            if dimensions[index] == .branch { return try row.decode(column: "k\(index)", as: UUID?.self)?.uuidString.lowercased() ?? "" }
            return try row.decode(column: "k\(index)", as: String?.self) ?? ""
        }
    }

    /// Totals of facts of `kinds` in `year` and in the year before, side by side (for a branch: nil all), grouped by
    /// `dimensions` as in `grouped`: one pass over both years, each line's total split at 1 January of `year`.
    public func compared(_ kinds: Set<FactKind>, year: Int, branch: UUID? = nil,
                         by dimensions: [Dimension]) async throws -> [(keys: [String], current: Int, previous: Int)] {
        let kindList = SQLQueryString(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))
        let first = LocalDate(year: year - 1, month: 1, day: 1)!, last = LocalDate(year: year, month: 12, day: 31)!
        let source = Source(from: first, through: last, needs: dimensions)
        let columns = dimensions.enumerated().map { "\(source.column($0.element)) AS k\($0.offset), " }.joined()
        let start = source.key(LocalDate(year: year, month: 1, day: 1)!)
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: columns)CAST(SUM(CASE WHEN \(unsafeRaw: source.time) >= \(bind: start) THEN quantity ELSE 0 END) AS BIGINT) AS current_n,
                   CAST(SUM(CASE WHEN \(unsafeRaw: source.time) < \(bind: start) THEN quantity ELSE 0 END) AS BIGINT) AS previous_n
            FROM \(unsafeRaw: source.table)
            WHERE organisation_id = \(bind: organisationID) AND kind IN (\(kindList)) AND \(source.period)
            """
        if let branch { query = query + " AND branch_id = \(bind: branch)" }
        if !dimensions.isEmpty {
            query = query + " GROUP BY \(unsafeRaw: dimensions.indices.map { String($0 + 1) }.joined(separator: ", "))"
        }
        return try await sql.raw(query).all().map { row in
            (try Self.keys(of: row, dimensions), try row.decode(column: "current_n", as: Int?.self) ?? 0,
             try row.decode(column: "previous_n", as: Int?.self) ?? 0)
        }
    }

    /// Totals per month ("2026-01") from `from` through `through`.
    public func monthly(_ filter: Filter, from: LocalDate, through: LocalDate) async throws -> [String: Int] {
        let source = Source(from: from, through: through, needs: [.month])
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: source.column(.month)) AS month, CAST(SUM(quantity) AS BIGINT) AS n FROM \(unsafeRaw: source.table)
            WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: filter.kind.rawValue) AND \(source.period)
            """
        if let branch = filter.branch { query = query + " AND branch_id = \(bind: branch)" }
        if let audience = filter.audience { query = query + " AND audience = \(bind: audience)" }
        var months: [String: Int] = [:]
        for row in try await sql.raw(query + " GROUP BY 1").all() {
            months[try row.decode(column: "month", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return months
    }
}

/// The monthly roll-ups' table, filled from the daily ones.
struct CreateInsightMonthly: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("insight_monthly")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("month", .string, .required)
            .field("branch_id", .uuid)
            .field("kind", .string, .required)
            .field("audience", .string, .required)
            .field("segment", .string, .required)
            .field("core_function", .string, .required)
            .field("topic", .string, .required)
            .field("mode", .string, .required)
            .field("quantity", .int64, .required)
            .create()
        try await database.createIndex("insight_monthly_idx", on: "insight_monthly", "organisation_id", "kind", "month")
        try await database.sql.raw("""
            INSERT INTO insight_monthly (organisation_id, month, branch_id, kind, audience, segment, core_function, topic, mode, quantity)
            SELECT \(InsightRollups.monthlyDimensions), SUM(quantity) FROM insight_daily GROUP BY \(InsightRollups.monthlyDimensions)
            """).run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("insight_monthly").delete()
    }
}

/// The daily roll-ups' table.
struct CreateInsightRollups: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("insight_daily")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("branch_id", .uuid)
            .field("kind", .string, .required)
            .field("audience", .string, .required)
            .field("item_type", .string, .required)
            .field("member_category", .string, .required)
            .field("quantity", .int, .required)
            .create()
        try await database.createIndex("insight_daily_idx", on: "insight_daily", "organisation_id", "kind", "day")
    }

    func revert(on database: Database) async throws {
        try await database.schema("insight_daily").delete()
    }
}
