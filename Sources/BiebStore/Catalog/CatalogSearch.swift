import Fluent
import Foundation
import SQLKit
import BiebCore

public enum SearchSort: String, Sendable, CaseIterable {
    case relevance, newest, title, author
}

/// Narrowing a search: chosen facet values.
public struct SearchFilters: Sendable, Equatable {
    public var formats: [MaterialFormat] = []
    public var languages: [String] = []
    public var audiences: [Audience] = []
    public var yearFrom: Int?
    public var yearTo: Int?
    /// Titles with a copy at this branch.
    public var branch: UUID?
    /// Titles with a copy on the shelf now (at `branch` when given).
    public var availableNow = false

    public init() {}
}

/// Counts per facet value for a hit set.
public struct SearchFacets: Sendable, Equatable {
    public var formats: [(value: String, count: Int)] = []
    public var languages: [(value: String, count: Int)] = []
    public var audiences: [(value: String, count: Int)] = []
    /// By decade ("1990").
    public var decades: [(value: String, count: Int)] = []
    /// Titles with a copy at a branch, by branch id.
    public var branches: [(value: String, count: Int)] = []
    /// Titles with a copy on the shelf now.
    public var availableNow = 0

    public static func == (a: SearchFacets, b: SearchFacets) -> Bool {
        func same(_ x: [(value: String, count: Int)], _ y: [(value: String, count: Int)]) -> Bool {
            x.map { "\($0.value)=\($0.count)" } == y.map { "\($0.value)=\($0.count)" }
        }
        return same(a.formats, b.formats) && same(a.languages, b.languages) && same(a.audiences, b.audiences)
            && same(a.decades, b.decades) && same(a.branches, b.branches) && a.availableNow == b.availableNow
    }
}

/// One page of a search: the total, the titles in order, and the facets.
public struct SearchPage: Sendable {
    public let total: Int
    public let titles: [Title]
    public let facets: SearchFacets?
}

/// Full-text search over an organisation's catalogue, in the database's own
/// engine (SQLite FTS5 with bm25, PostgreSQL tsquery with ts_rank), with the
/// same query language, filters and matches on both. Title and author
/// matches rank first; ties go to newer, then earlier-added titles.
public struct CatalogSearch: Sendable {
    public let db: any Database
    public let organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) {
        self.db = db
        self.organisationID = organisationID
    }

    var sql: any SQLDatabase { db as! any SQLDatabase }

    /// The matching title ids as a SQL common table expression `hits(id, score)`.
    func hits(_ query: SearchQuery) -> SQLQueryString {
        switch SearchIndex.engine(of: sql) {
        case .sqlite:
            return """
                hits AS (SELECT rowid AS id, bm25(title_search, 10.0, 8.0, 3.0, 1.0, 10.0) AS score
                         FROM title_search WHERE title_search MATCH \(bind: QueryCompiler.fts5(query)))
                """
        case .postgres:
            return """
                q AS (SELECT to_tsquery('simple', \(bind: QueryCompiler.tsquery(query))) AS query),
                hits AS (SELECT s.title_id AS id, -ts_rank('{0.1, 0.3, 0.8, 1.0}', s.doc, q.query) AS score
                         FROM title_search s, q WHERE s.doc @@ q.query AND s.organisation_id = \(bind: organisationID))
                """
        }
    }

    /// WHERE conditions on `t` (titles) for the organisation and filters.
    func conditions(_ filters: SearchFilters, except facet: String? = nil) -> SQLQueryString {
        let engine = SearchIndex.engine(of: sql)
        var text: SQLQueryString = "t.organisation_id = \(bind: organisationID) AND \(unsafeRaw: engine == .sqlite ? "t.deleted = 0" : "NOT t.deleted")"
        if facet != "format", !filters.formats.isEmpty {
            text.appendLiteral(" AND t.format IN (")
            for (index, format) in filters.formats.enumerated() {
                if index > 0 { text.appendLiteral(", ") }
                text.appendInterpolation(bind: format.rawValue)
            }
            text.appendLiteral(")")
        }
        if facet != "language", !filters.languages.isEmpty {
            text.appendLiteral(" AND t.language IN (")
            for (index, language) in filters.languages.enumerated() {
                if index > 0 { text.appendLiteral(", ") }
                text.appendInterpolation(bind: language)
            }
            text.appendLiteral(")")
        }
        if facet != "audience", !filters.audiences.isEmpty {
            text.appendLiteral(" AND t.audience IN (")
            for (index, audience) in filters.audiences.enumerated() {
                if index > 0 { text.appendLiteral(", ") }
                text.appendInterpolation(bind: audience.rawValue)
            }
            text.appendLiteral(")")
        }
        if facet != "year" {
            if let from = filters.yearFrom {
                text.appendLiteral(" AND t.year >= ")
                text.appendInterpolation(bind: from)
            }
            if let to = filters.yearTo {
                text.appendLiteral(" AND t.year <= ")
                text.appendInterpolation(bind: to)
            }
        }
        if facet != "branch", let branch = filters.branch, !filters.availableNow {
            text.appendLiteral(" AND EXISTS (SELECT 1 FROM items i WHERE i.title_id = t.id AND i.current_branch_id = ")
            text.appendInterpolation(bind: branch)
            text.appendLiteral(")")
        }
        if facet != "available", filters.availableNow {
            text.appendLiteral(" AND EXISTS (SELECT 1 FROM items i WHERE i.title_id = t.id AND i.status = 'available'")
            if let branch = filters.branch {
                text.appendLiteral(" AND i.current_branch_id = ")
                text.appendInterpolation(bind: branch)
            }
            text.appendLiteral(")")
        }
        return text
    }

    public func search(_ query: SearchQuery, filters: SearchFilters = SearchFilters(), sort: SearchSort = .relevance,
                       limit: Int = 20, offset: Int = 0, withFacets: Bool = false) async throws -> SearchPage {
        let sqlite = SearchIndex.engine(of: sql) == .sqlite
        let order: String
        switch sort {
        case .relevance: order = "hits.score, t.year DESC NULLS LAST, t.id"
        case .newest: order = "t.year DESC NULLS LAST, t.id DESC"
        case .title: order = sqlite ? "t.title COLLATE NOCASE, t.id" : "lower(t.title), t.id"
        case .author: order = sqlite ? "t.main_author IS NULL, t.main_author COLLATE NOCASE, t.title COLLATE NOCASE, t.id"
            : "t.main_author IS NULL, lower(t.main_author), lower(t.title), t.id"
        }
        var select: SQLQueryString = "WITH "
        select += hits(query)
        select.appendLiteral(" SELECT t.id AS id FROM hits JOIN titles t ON t.id = hits.id WHERE ")
        select += conditions(filters)
        select.appendLiteral(" ORDER BY \(order) LIMIT ")
        select.appendInterpolation(bind: limit)
        select.appendLiteral(" OFFSET ")
        select.appendInterpolation(bind: offset)
        let ids = try await sql.raw(select).all().map { try $0.decode(column: "id", as: Int.self) }

        var count: SQLQueryString = "WITH "
        count += hits(query)
        count.appendLiteral(" SELECT count(*) AS n FROM hits JOIN titles t ON t.id = hits.id WHERE ")
        count += conditions(filters)
        let total = try await sql.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0

        let facets = withFacets ? try await self.facets(query, filters: filters) : nil
        guard !ids.isEmpty else { return SearchPage(total: total, titles: [], facets: facets) }
        let titles = try await Title.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: titles.map { ($0.id!, $0) })
        return SearchPage(total: total, titles: ids.compactMap { byID[$0] }, facets: facets)
    }

    /// Counts per facet value; each facet counts with the other facets' filters applied.
    public func facets(_ query: SearchQuery, filters: SearchFilters) async throws -> SearchFacets {
        func grouped(_ expression: String, facet: String, from: String = "") async throws -> [(value: String, count: Int)] {
            var text: SQLQueryString = "WITH "
            text += hits(query)
            text.appendLiteral(" SELECT \(expression) AS value, count(DISTINCT t.id) AS n FROM hits JOIN titles t ON t.id = hits.id \(from) WHERE ")
            text += conditions(filters, except: facet)
            text.appendLiteral(" AND \(expression) IS NOT NULL GROUP BY \(expression) ORDER BY n DESC, value")
            return try await sql.raw(text).all().map { row in
                let value = (try? row.decode(column: "value", as: UUID.self)).map(\.uuidString)
                    ?? (try? row.decode(column: "value", as: String.self))
                    ?? (try? row.decode(column: "value", as: Int.self)).map(String.init) ?? ""
                return (value, try row.decode(column: "n", as: Int.self))
            }
        }
        var facets = SearchFacets()
        facets.formats = try await grouped("t.format", facet: "format")
        facets.languages = try await grouped("t.language", facet: "language")
        facets.audiences = try await grouped("t.audience", facet: "audience")
        facets.decades = try await grouped("CAST((t.year / 10) * 10 AS TEXT)", facet: "year")
        facets.branches = try await grouped("i.current_branch_id", facet: "branch", from: "JOIN items i ON i.title_id = t.id")
        var available: SQLQueryString = "WITH "
        available += hits(query)
        available.appendLiteral(" SELECT count(*) AS n FROM hits JOIN titles t ON t.id = hits.id WHERE ")
        var withAvailability = filters
        withAvailability.availableNow = true
        available += conditions(withAvailability)
        facets.availableNow = try await sql.raw(available).first()?.decode(column: "n", as: Int.self) ?? 0
        return facets
    }
}
