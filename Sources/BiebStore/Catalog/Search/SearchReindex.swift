import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Writes the search-index rows of stored titles again from their MARC
/// records: after the way titles are indexed changed (Dutch compounds split,
/// `DutchWordList`), or after the word list was installed. Titles go in
/// batches of 500, each batch one transaction that also claims a catalogue
/// version, so cached searches of the organisation are dropped and searches
/// go on meanwhile.
public enum SearchReindex {
    /// Reindexes the titles of every organisation (only those in `languages`,
    /// MARC codes, when given); `progress` hears (done, total) after each
    /// batch. Returns how many titles were written.
    @discardableResult
    public static func run(on db: any Database, languages: [String]? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) async throws -> Int {
        let sql = db.sql
        func titles(_ query: SQLSelectBuilder) -> SQLSelectBuilder {
            let query = query.from(Title.schema).where("deleted", .equal, false)
            guard let languages else { return query }
            return query.where(SQLFunction("lower", args: SQLColumn("language")), .in, SQLBind.group(languages))
        }
        let total = try await titles(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n"))
            .first()?.decode(column: "n", as: Int.self) ?? 0
        guard total > 0 else { return 0 }
        let cache = StemCache()
        var done = 0, after = 0
        while true {
            let rows = try await titles(sql.select().columns("id", "organisation_id", "marc"))
                .where("id", .greaterThan, after).orderBy("id").limit(500).all()
            guard let last = rows.last else { break }
            after = try last.decode(column: "id", as: Int.self)
            var batch: [(id: Int, organisationID: UUID, document: SearchDocument)] = []
            for row in rows {
                guard let marc = Title.marcRecord(try row.decode(column: "marc", as: Data.self)) else { continue }
                let record = MARCMapping.title(from: marc)
                batch.append((try row.decode(column: "id", as: Int.self), try row.decode(column: "organisation_id", as: UUID.self),
                              SearchDocument(record, cache: cache, compounds: DutchWordList.compounds)))
            }
            let written = batch
            try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                for organisationID in Set(written.map(\.organisationID)) {
                    _ = try await CatalogChanges.claim(organisationID: organisationID, titles: true, on: sql)
                }
                try await SearchIndex.write(written, replacing: written.map(\.id), on: sql)
            }
            done += rows.count
            progress(min(done, total), total)
        }
        return done
    }

    /// `run` for a migration: a large catalogue's progress logged each tenth ("<what>: 25000 of 250000 titles").
    static func run(on database: any Database, languages: [String]? = nil, logging what: String) async throws {
        let logger = database.logger
        var reported = 0
        try await run(on: database, languages: languages) { done, total in
            guard total >= 20_000 else { return }
            let tenth = done * 10 / total
            if tenth > reported {
                reported = tenth
                logger.info("\(what): \(done) of \(total) titles")
            }
        }
    }
}

/// Splits the compounds of the Dutch titles indexed before Bieb split them
/// (when the word list is there; `bieb reindex` does it later otherwise).
struct IndexDutchCompounds: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard DutchWordList.compounds != nil else { return }
        try await SearchReindex.run(on: database, languages: StemLanguage.dutch.marcCodes,
                                    logging: "Splitting Dutch compounds in the search index")
    }

    func revert(on database: any Database) async throws {}
}

/// PostgreSQL: writes the search rows again as Bieb's own terms
/// (`TSVectorText`) where they were made by `to_tsvector`, whose parser
/// splits some words differently (digits in other scripts, for one); the
/// queries now match Bieb's terms exactly. SQLite's index already holds them.
struct IndexPostgresTermsAsBieb: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard SearchIndex.engine(of: database.sql) == .postgres else { return }
        try await SearchReindex.run(on: database, logging: "Writing the search index from Bieb's terms")
    }

    func revert(on database: any Database) async throws {}
}

/// The titles of one organisation in id order, for the search columns
/// (`FacetIndex`): without it SQLite walked the whole table by id for a
/// small organisation sharing the database with a large one (21 s holding a
/// connection at ten million titles, while searches on that event loop
/// waited and got a 503).
struct IndexTitlesByOrganisation: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.createIndex("titles_organisation_id_idx", on: Title.schema, "organisation_id", "id")
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX IF EXISTS titles_organisation_id_idx").run()
    }
}

/// PostgreSQL: the search index keyed by organisation and term (a GIN index
/// over `(organisation_id, doc)`, with the `btree_gin` extension that ships
/// with PostgreSQL and is trusted: a database owner may install it). With
/// the terms alone a word's entries held every organisation's titles, and a
/// search read and discarded the other organisations' rows: its cost grew
/// with the network. Now the index intersects the word's entries with the
/// organisation's.
struct IndexSearchByOrganisation: AsyncMigration {
    /// The extension could not be installed (the migrating role may not create in the database).
    struct ExtensionMissing: Error, CustomStringConvertible {
        let cause: String
        var description: String {
            "The search index needs PostgreSQL's btree_gin extension, and it could not be installed (\(cause)). "
                + "Run `CREATE EXTENSION btree_gin SCHEMA public;` in Bieb's database as its owner or a superuser, then `bieb migrate` again."
        }
    }

    func prepare(on database: any Database) async throws {
        let sql = database.sql
        guard SearchIndex.engine(of: sql) == .postgres else { return }
        // In `public`, not the first schema of the search path: a database holds an extension once, and a schema
        // dropped with its contents (a test's, a tenant's) would take with it every index that uses it.
        do {
            try await sql.raw("CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public").run()
        } catch {
            // Another server migrating at the same moment may have installed it first.
            guard try await sql.raw("SELECT 1 AS n FROM pg_extension WHERE extname = 'btree_gin'").first() != nil else {
                throw ExtensionMissing(cause: String(reflecting: error))
            }
        }
        try await sql.raw("CREATE INDEX title_search_org_doc_idx ON title_search USING GIN (organisation_id, doc)").run()
        try await sql.raw("DROP INDEX IF EXISTS title_search_doc_idx").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql
        guard SearchIndex.engine(of: sql) == .postgres else { return }
        try await sql.raw("CREATE INDEX IF NOT EXISTS title_search_doc_idx ON title_search USING GIN (doc)").run()
        try await sql.raw("DROP INDEX IF EXISTS title_search_org_doc_idx").run()
    }
}
