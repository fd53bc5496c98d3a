import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Each copy carries its title's segment (`items.shelf`, a `ShelfSegment`
/// key) and edition year (`items.edition_year`), so the collection plan's
/// reports group the copies alone — one index-only pass over
/// `items_shelf_idx` — instead of joining every copy to its title.
///
/// They are a copy of the title's facts, kept with it: a copy is written
/// with them (`CatalogStore`, `CatalogEditing`), and a title's change
/// rewrites its copies' in the same transaction. A copy written another
/// way (a bulk load straight into the table) has none: the reports count it
/// through its title all the same (`SegmentReport`), and the hourly job fills
/// it in (`fill`).
public enum ShelfKeys {
    /// What a copy of this title carries.
    static func values(format: MaterialFormat, audience: Audience?, nur: Int?, year: Int?) -> (shelf: String, year: Int?) {
        (ShelfSegment(format: format, audience: audience, nur: nur).key, year)
    }

    /// Rewrites the copies of a title after its record changed.
    static func titleChanged(_ titleID: Int, record: TitleRecord, on sql: any SQLDatabase) async throws {
        let v = values(format: record.format, audience: record.audience, nur: record.nur, year: record.year)
        try await sql.update(Item.schema).set("shelf", to: v.shelf).set("edition_year", to: v.year).where("title_id", .equal, titleID).run()
    }

    /// The shelf keys an organisation's copies carry, found by skipping through `items_shelf_idx`: one index probe
    /// per key (a few hundred), not a pass over its millions of copies.
    static func inUse(organisation: UUID, on sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("""
            WITH RECURSIVE s(k) AS (
                SELECT MIN(shelf) FROM items WHERE organisation_id = \(bind: organisation)
                UNION ALL
                SELECT (SELECT MIN(i.shelf) FROM items i WHERE i.organisation_id = \(bind: organisation) AND i.shelf > s.k) FROM s WHERE s.k IS NOT NULL
            )
            SELECT k FROM s WHERE k IS NOT NULL
            """).all().map { try $0.decode(column: "k", as: String.self) }
    }

    /// Fills in the copies that have no shelf key yet (of one organisation, or all), from their titles: one statement
    /// through a map of every format × audience × NUR code the titles have. Returns the copies filled.
    ///
    /// Most hours there is none to fill: one look in `items_shelf_missing_idx` says so before the writers' turn is
    /// taken. (Finding the titles of copies without a key walks the organisation's titles — 250–320 ms at the largest
    /// organisations of the national benchmark, with every writer waiting.)
    @discardableResult
    public static func fill(organisation: UUID? = nil, on db: any Database) async throws -> Int {
        var missing = SQLQueryString("SELECT 1 AS x FROM items WHERE shelf IS NULL")
        if let organisation { missing = "\(missing) AND organisation_id = \(bind: organisation)" }
        guard try await db.sql.raw("\(missing) LIMIT 1").first() != nil else { return 0 }
        return try await WriteGate.transaction(on: db) { tx in try await fill(titles: nil, organisation: organisation, on: tx.sql) }
    }

    /// The same within a transaction, for the copies of some titles (nil: all).
    static func fill(titles: [Int]?, organisation: UUID?, on sql: any SQLDatabase) async throws -> Int {
        var scope = SQLQueryString("")
        var titleScope = SQLQueryString("")
        if let organisation {
            scope = "AND items.organisation_id = \(bind: organisation)"
            titleScope = "AND t.organisation_id = \(bind: organisation)"
        }
        if let titles {
            guard !titles.isEmpty else { return 0 }
            scope = "\(scope) AND items.title_id IN \(SQLBind.group(titles))"
            titleScope = "\(titleScope) AND t.id IN \(SQLBind.group(titles))"
        }
        // For some titles (a copy added by hand), from their copies (items_title_idx), not from the organisation's
        // whole catalogue. (The import writes the keys with its copies: `CatalogStore.writeItems`.)
        let combos = try await sql.raw(titles != nil ? """
            SELECT DISTINCT t.format, t.audience, t.nur FROM items JOIN titles t ON t.id = items.title_id
            WHERE items.shelf IS NULL \(scope)
            """ : """
            SELECT DISTINCT t.format, t.audience, t.nur FROM titles t
            WHERE EXISTS (SELECT 1 FROM items i WHERE i.title_id = t.id AND i.shelf IS NULL) \(titleScope)
            """).all()
        guard !combos.isEmpty else { return 0 }
        try await sql.raw("DROP TABLE IF EXISTS collection_shelf_map").run()
        try await sql.raw("CREATE TEMPORARY TABLE collection_shelf_map (format TEXT, audience TEXT, nur BIGINT, shelf TEXT)").run()
        for chunk in try combos.map({ row -> (String, String, Int, String) in
            let format = try row.decode(column: "format", as: String.self), audience = try row.decode(column: "audience", as: String?.self)
            let nur = try row.decode(column: "nur", as: Int?.self)
            return (format, audience ?? "", nur ?? -1, ShelfSegment(formatCode: format, audienceCode: audience, nur: nur).key)
        }).chunked(into: 200) {
            var insert = sql.insert(into: "collection_shelf_map").columns("format", "audience", "nur", "shelf")
            for c in chunk { insert = insert.values(SQLBind(c.0), SQLBind(c.1), SQLBind(c.2), SQLBind(c.3)) }
            try await insert.run()
        }
        let filled = try await sql.raw("""
            UPDATE items SET shelf = m.shelf, edition_year = t.year
            FROM titles t JOIN collection_shelf_map m ON m.format = t.format AND m.audience = COALESCE(t.audience, '') AND m.nur = COALESCE(t.nur, -1)
            WHERE t.id = items.title_id AND items.shelf IS NULL \(scope)
            RETURNING items.id
            """).all().count
        try await sql.raw("DROP TABLE collection_shelf_map").run()
        return filled
    }
}

/// The copies' shelf keys: the columns, every copy filled in from its title, then the indexes the reports read
/// (`items_shelf_idx` covers every column a segment report reads; a partial index finds the copies still without).
///
/// On a large database this runs for minutes (19 for 25 million copies on PostgreSQL), so it can be stopped and run
/// again: a column already there is kept, the copies are filled one organisation a transaction (those filled stay
/// filled), and an index already made is kept.
struct AddShelfKeys: AsyncMigration {
    func prepare(on database: Database) async throws {
        let columns = try await database.columns(of: Item.schema)
        if !columns.contains("shelf") { try await database.schema(Item.schema).field("shelf", .string).update() }
        if !columns.contains("edition_year") { try await database.schema(Item.schema).field("edition_year", .int).update() }
        for organisation in try await database.sql.select().column("id").from(Organisation.schema).all(decodingColumn: "id", as: UUID.self) {
            try await ShelfKeys.fill(organisation: organisation, on: database)
        }
        try await database.sql.raw("""
            CREATE INDEX IF NOT EXISTS items_shelf_idx ON items (organisation_id, shelf, owning_branch_id, current_branch_id, status, loans_year,
                                                                 loans_total, last_loan_on, acquired_on, edition_year)
            """).run()
        try await database.sql.raw("CREATE INDEX IF NOT EXISTS items_shelf_missing_idx ON items (organisation_id) WHERE shelf IS NULL").run()
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX items_shelf_missing_idx").run()
        try await database.sql.raw("DROP INDEX items_shelf_idx").run()
        try await database.schema(Item.schema).deleteField("edition_year").update()
        try await database.schema(Item.schema).deleteField("shelf").update()
    }
}

extension ShelfSegment {
    /// The segment of a title, from a row with the title's `format`, `audience` and `nur` columns.
    public init(titleColumnsOf row: any SQLRow) throws {
        self.init(formatCode: try row.decode(column: "format", as: String.self), audienceCode: try row.decode(column: "audience", as: String?.self),
                  nur: try row.decode(column: "nur", as: Int?.self))
    }
}
