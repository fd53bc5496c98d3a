import Fluent
import Foundation
import SQLKit
import BiebCore

public enum SearchSort: String, Sendable, CaseIterable {
    case relevance, newest, title, author
}

/// One page of a search: the total and the titles in order.
public struct SearchPage: Sendable {
    public let total: Int
    public let titles: [Title]
}

/// Full-text search over an organisation's catalogue, in the database's own
/// engine (SQLite FTS5 with bm25, PostgreSQL tsquery with ts_rank), with the
/// same query language and the same matches on both. Title and author
/// matches rank first; ties go to newer, then earlier-added titles.
public struct CatalogSearch: Sendable {
    public let db: any Database
    public let organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) {
        self.db = db
        self.organisationID = organisationID
    }

    public func search(_ query: SearchQuery, sort: SearchSort = .relevance, limit: Int = 20, offset: Int = 0) async throws -> SearchPage {
        let sql = db as! any SQLDatabase
        let ids: [Int]
        let total: Int
        switch SearchIndex.engine(of: sql) {
        case .sqlite:
            let match = QueryCompiler.fts5(query)
            let order: String
            switch sort {
            case .relevance: order = "bm25(title_search, 10.0, 8.0, 3.0, 1.0, 10.0), t.year DESC NULLS LAST, t.id"
            case .newest: order = "t.year DESC NULLS LAST, t.id DESC"
            case .title: order = "t.title COLLATE NOCASE, t.id"
            case .author: order = "t.main_author IS NULL, t.main_author COLLATE NOCASE, t.title COLLATE NOCASE, t.id"
            }
            let rows = try await sql.raw("""
                SELECT t.id AS id FROM title_search JOIN titles t ON t.id = title_search.rowid
                WHERE title_search MATCH \(bind: match) AND t.organisation_id = \(bind: organisationID) AND t.deleted = 0
                ORDER BY \(unsafeRaw: order) LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all()
            ids = try rows.map { try $0.decode(column: "id", as: Int.self) }
            total = try await sql.raw("""
                SELECT count(*) AS n FROM title_search JOIN titles t ON t.id = title_search.rowid
                WHERE title_search MATCH \(bind: match) AND t.organisation_id = \(bind: organisationID) AND t.deleted = 0
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        case .postgres:
            let tsquery = QueryCompiler.tsquery(query)
            let order: String
            switch sort {
            case .relevance: order = "ts_rank('{0.1, 0.3, 0.8, 1.0}', s.doc, q.query) DESC, t.year DESC NULLS LAST, t.id"
            case .newest: order = "t.year DESC NULLS LAST, t.id DESC"
            case .title: order = "lower(t.title), t.id"
            case .author: order = "t.main_author IS NULL, lower(t.main_author), lower(t.title), t.id"
            }
            let rows = try await sql.raw("""
                SELECT t.id AS id FROM (SELECT to_tsquery('simple', \(bind: tsquery)) AS query) q, title_search s JOIN titles t ON t.id = s.title_id
                WHERE s.doc @@ q.query AND s.organisation_id = \(bind: organisationID) AND NOT t.deleted
                ORDER BY \(unsafeRaw: order) LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all()
            ids = try rows.map { try $0.decode(column: "id", as: Int.self) }
            total = try await sql.raw("""
                SELECT count(*) AS n FROM title_search s JOIN titles t ON t.id = s.title_id
                WHERE s.doc @@ to_tsquery('simple', \(bind: tsquery)) AND s.organisation_id = \(bind: organisationID) AND NOT t.deleted
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        guard !ids.isEmpty else { return SearchPage(total: total, titles: []) }
        let titles = try await Title.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: titles.map { ($0.id!, $0) })
        return SearchPage(total: total, titles: ids.compactMap { byID[$0] })
    }
}
