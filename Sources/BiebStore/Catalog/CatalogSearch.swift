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

/// A work in a result list: the editions and formats of one title (same
/// work key), the ones that matched first.
public struct SearchWork: Sendable {
    public let key: String
    public let titles: [Title]
}

/// One page of a search: works in order, how many works and titles match,
/// and the facets.
public struct SearchPage: Sendable {
    /// Matching works.
    public let total: Int
    /// Matching titles (editions), before grouping.
    public let titleCount: Int
    public let works: [SearchWork]
    public let facets: SearchFacets?

    /// The first title of each work, in order.
    public var titles: [Title] { works.compactMap(\.titles.first) }
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
                hits AS MATERIALIZED (SELECT rowid AS id, bm25(title_search, 10.0, 8.0, 3.0, 1.0, 10.0) AS score
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

    /// Matching works, a page at a time. Editions and formats of one work
    /// (same normalised title and main author) are one result.
    public func search(_ query: SearchQuery, filters: SearchFilters = SearchFilters(), sort: SearchSort = .relevance,
                       limit: Int = 20, offset: Int = 0, withFacets: Bool = false) async throws -> SearchPage {
        let sqlite = SearchIndex.engine(of: sql) == .sqlite
        let order: String
        switch sort {
        case .relevance: order = "score, year DESC NULLS LAST, first_id"
        case .newest: order = "year DESC NULLS LAST, first_id DESC"
        case .title: order = sqlite ? "title COLLATE NOCASE, first_id" : "lower(title), first_id"
        case .author: order = sqlite ? "author IS NULL, author COLLATE NOCASE, title COLLATE NOCASE, first_id"
            : "author IS NULL, lower(author), lower(title), first_id"
        }
        func works() -> SQLQueryString {
            var text: SQLQueryString = "WITH "
            text += hits(query)
            text.appendLiteral(", works AS (SELECT t.work_key AS work_key, min(hits.score) AS score, max(t.year) AS year, "
                + "min(t.title) AS title, min(t.main_author) AS author, min(t.id) AS first_id, count(*) AS editions "
                + "FROM hits JOIN titles t ON t.id = hits.id WHERE ")
            text += conditions(filters)
            text.appendLiteral(" GROUP BY t.work_key) ")
            return text
        }
        var select = works()
        select.appendLiteral("SELECT work_key FROM works ORDER BY \(order) LIMIT ")
        select.appendInterpolation(bind: limit)
        select.appendLiteral(" OFFSET ")
        select.appendInterpolation(bind: offset)
        let keys = try await sql.raw(select).all().map { try $0.decode(column: "work_key", as: String.self) }

        var count = works()
        count.appendLiteral("SELECT count(*) AS works, CAST(coalesce(sum(editions), 0) AS BIGINT) AS titles FROM works")
        let counts = try await sql.raw(count).first()
        let total = try counts?.decode(column: "works", as: Int.self) ?? 0
        let titleCount = try counts?.decode(column: "titles", as: Int.self) ?? 0

        let facets = withFacets ? try await self.facets(query, filters: filters) : nil
        guard !keys.isEmpty else { return SearchPage(total: total, titleCount: titleCount, works: [], facets: facets) }
        // Every edition of these works, not only the matching ones: the result shows all formats.
        let editions = try await Title.query(on: db).filter(\.$organisationID == organisationID).filter(\.$deleted == false)
            .filter(\.$workKey ~~ keys).all()
        let formatOrder = MaterialFormat.allCases.map(\.rawValue)
        let grouped = Dictionary(grouping: editions, by: \.workKey).mapValues { titles in
            titles.sorted {
                let a = formatOrder.firstIndex(of: $0.format) ?? 99, b = formatOrder.firstIndex(of: $1.format) ?? 99
                return a != b ? a < b : ($0.year ?? 0, $1.id ?? 0) > ($1.year ?? 0, $0.id ?? 0)
            }
        }
        return SearchPage(total: total, titleCount: titleCount,
                          works: keys.compactMap { key in grouped[key].map { SearchWork(key: key, titles: $0) } }, facets: facets)
    }

    /// Matching titles one by one (no grouping by work), best first: for SRU
    /// and other record-by-record clients.
    public func titles(_ query: SearchQuery, limit: Int, offset: Int) async throws -> (total: Int, titles: [Title]) {
        var select: SQLQueryString = "WITH "
        select += hits(query)
        select.appendLiteral(" SELECT t.id AS id FROM hits JOIN titles t ON t.id = hits.id WHERE ")
        select += conditions(SearchFilters())
        select.appendLiteral(" ORDER BY hits.score, t.year DESC NULLS LAST, t.id LIMIT ")
        select.appendInterpolation(bind: limit)
        select.appendLiteral(" OFFSET ")
        select.appendInterpolation(bind: offset)
        let ids = try await sql.raw(select).all().map { try $0.decode(column: "id", as: Int.self) }
        var count: SQLQueryString = "WITH "
        count += hits(query)
        count.appendLiteral(" SELECT count(*) AS n FROM hits JOIN titles t ON t.id = hits.id WHERE ")
        count += conditions(SearchFilters())
        let total = try await sql.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0
        guard !ids.isEmpty else { return (total, []) }
        let titles = try await Title.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: titles.map { ($0.id!, $0) })
        return (total, ids.compactMap { byID[$0] })
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
