import Foundation
import SQLKit
import BiebCore

/// The full-text index of titles in the database's own engine: an FTS5
/// virtual table on SQLite, a weighted `tsvector` with a GIN index on
/// PostgreSQL. Both index the same pre-analysed terms (`SearchDocument`), so
/// they find the same titles.
public enum SearchIndex {
    public enum Engine: Sendable { case sqlite, postgres }

    public static func engine(of sql: any SQLDatabase) -> Engine {
        sql.dialect.name == "sqlite" ? .sqlite : .postgres
    }

    static func create(on sql: any SQLDatabase) async throws {
        switch engine(of: sql) {
        case .sqlite:
            try await sql.raw("""
                CREATE VIRTUAL TABLE title_search USING fts5(
                    title, author, subject, other, ids,
                    content = '', contentless_delete = 1,
                    tokenize = 'unicode61 remove_diacritics 0')
                """).run()
            // Merge index segments less eagerly: bulk imports write far less, queries stay fast.
            try await sql.raw("INSERT INTO title_search(title_search, rank) VALUES('automerge', 16)").run()
        case .postgres:
            try await sql.raw("""
                CREATE TABLE title_search (
                    title_id BIGINT PRIMARY KEY REFERENCES titles(id) ON DELETE CASCADE,
                    organisation_id UUID NOT NULL,
                    doc TSVECTOR NOT NULL)
                """).run()
            // Keyed by organisation and term since `IndexSearchByOrganisation`, which replaces this index.
            try await sql.raw("CREATE INDEX title_search_doc_idx ON title_search USING GIN (doc)").run()
            try await sql.raw("CREATE INDEX title_search_org_idx ON title_search (organisation_id)").run()
        }
    }

    static func drop(on sql: any SQLDatabase) async throws {
        try await sql.raw("DROP TABLE IF EXISTS title_search").run()
    }

    /// Writes the index rows of titles, in the caller's transaction; the
    /// rows of `replacing` (titles indexed before) are removed first. (New
    /// titles need no removal: on a contentless FTS5 table a delete of a row
    /// that was never there still writes a tombstone.) On PostgreSQL the
    /// rows go in with `COPY` (every caller is inside a transaction, so on one connection).
    public static func write(_ rows: [(id: Int, organisationID: UUID, document: SearchDocument)], replacing: [Int],
                             on sql: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        try await remove(replacing, on: sql)
        switch engine(of: sql) {
        case .sqlite:
            for chunk in rows.chunked(into: 200) {
                var query = SQLQueryString("INSERT INTO title_search (rowid, title, author, subject, other, ids) VALUES ")
                for (index, row) in chunk.enumerated() {
                    let d = row.document
                    if index > 0 { query.appendLiteral(", ") }
                    query.appendLiteral("(")
                    query.appendInterpolation(bind: row.id)
                    for value in [d.title, d.author, d.subject, d.other, d.identifiers] {
                        query.appendLiteral(", ")
                        query.appendInterpolation(bind: value)
                    }
                    query.appendLiteral(")")
                }
                try await sql.raw(query).run()
            }
        case .postgres:
            // The vector from Bieb's own terms (`TSVectorText`), not `to_tsvector`: PostgreSQL does not parse them again.
            let values: [[SQLValue]] = rows.map { [.int($0.id), .uuid($0.organisationID), .tsvector(TSVectorText.vector($0.document))] }
            try await PostgresCopy.rows(values, into: "title_search", columns: ["title_id", "organisation_id", "doc"], on: sql)
        }
    }

    public static func remove(_ ids: [Int], on sql: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        for chunk in ids.chunked(into: 500) {
            switch engine(of: sql) {
            case .sqlite:
                try await sql.delete(from: "title_search").where(SQLColumn("rowid"), .in, SQLBind.group(Array(chunk))).run()
            case .postgres:
                try await sql.delete(from: "title_search").where(SQLColumn("title_id"), .in, SQLBind.group(Array(chunk))).run()
            }
        }
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
