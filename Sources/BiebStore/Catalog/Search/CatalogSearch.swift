import FluentKit
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
    /// NUR codes.
    public var genres: [Int] = []
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
    /// By NUR code ("301").
    public var genres: [(value: String, count: Int)] = []
    /// Titles with a copy at a branch, by branch id.
    public var branches: [(value: String, count: Int)] = []
    /// Titles with a copy on the shelf now.
    public var availableNow = 0

    public static func == (a: SearchFacets, b: SearchFacets) -> Bool {
        func same(_ x: [(value: String, count: Int)], _ y: [(value: String, count: Int)]) -> Bool {
            x.map { "\($0.value)=\($0.count)" } == y.map { "\($0.value)=\($0.count)" }
        }
        return same(a.formats, b.formats) && same(a.languages, b.languages) && same(a.audiences, b.audiences)
            && same(a.decades, b.decades) && same(a.genres, b.genres) && same(a.branches, b.branches) && a.availableNow == b.availableNow
    }
}

/// A title in a result list: the columns lists show, read without the MARC
/// record (and without the cost of a full model).
public struct TitleSummary: Sendable, Equatable {
    public let id: Int
    public let controlNumber: String?
    public let title: String
    public let subtitle: String?
    public let mainAuthor: String?
    public let year: Int?
    /// ISBN-13s, space-separated.
    public let isbns: String
    public let language: String?
    public let format: String
    public let workKey: String
    public let workID: Int

    static let columns = ["id", "control_number", "title", "subtitle", "main_author", "year", "isbns", "language", "format",
                          "work_key", "work_id"]

    public init(_ title: Title) {
        id = title.id ?? 0
        controlNumber = title.controlNumber
        self.title = title.title
        subtitle = title.subtitle
        mainAuthor = title.mainAuthor
        year = title.year
        isbns = title.isbns
        language = title.language
        format = title.format
        workKey = title.workKey
        workID = title.workID ?? 0
    }

    init(_ row: any SQLRow) throws {
        id = try row.decode(column: "id", as: Int.self)
        controlNumber = try row.decode(column: "control_number", as: String?.self)
        title = try row.decode(column: "title", as: String.self)
        subtitle = try row.decode(column: "subtitle", as: String?.self)
        mainAuthor = try row.decode(column: "main_author", as: String?.self)
        year = try row.decode(column: "year", as: Int?.self)
        isbns = try row.decode(column: "isbns", as: String.self)
        language = try row.decode(column: "language", as: String?.self)
        format = try row.decode(column: "format", as: String.self)
        workKey = try row.decode(column: "work_key", as: String.self)
        workID = try row.decode(column: "work_id", as: Int?.self) ?? 0
    }
}

/// A work in a result list: the editions and formats of one title (same
/// work), in format order.
public struct SearchWork: Sendable {
    /// The work key (normalised title and main author).
    public let key: String
    public let titles: [TitleSummary]
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
    public var titles: [TitleSummary] { works.compactMap(\.titles.first) }
}

/// What search keeps in memory for one database: the facet columns of all
/// titles and recently ranked hit lists. One per application; a fresh one
/// (nothing cached) is correct too, only slower.
public final class SearchMemory: Sendable {
    public let facets = FacetIndex()
    public let hits = RankedHitCache()

    public init() {}
}

/// The hits of a query: best first, and in id order (which reads the
/// in-memory columns front to back, several times faster than jumping
/// about in rank order).
public struct RankedHits: Sendable {
    public let ranked: [Int32]
    public let byID: [Int32]

    init(ranked: [Int32], byID: [Int32]) {
        self.ranked = ranked
        self.byID = byID
    }
}

/// Ranked hit lists of recent searches, by organisation and query, valid
/// while the organisation's title records do not change (lending a copy does
/// not invalidate them). Paging and facet clicks reuse the list, and so do
/// popular searches. Least recently used lists go first; at most about
/// 32 MB of ids are kept.
public final class RankedHitCache: @unchecked Sendable {
    struct Entry {
        let titlesVersion: Int
        let hits: RankedHits
        var used: UInt64
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var total = 0
    private var clock: UInt64 = 0
    let maxIDs: Int
    let maxEntries: Int

    public init(maxIDs: Int = 8_000_000, maxEntries: Int = 2_000) {
        self.maxIDs = maxIDs
        self.maxEntries = maxEntries
    }

    func get(_ key: String, titlesVersion: Int) -> RankedHits? {
        lock.withLock {
            guard var entry = entries[key], entry.titlesVersion == titlesVersion else { return nil }
            clock += 1
            entry.used = clock
            entries[key] = entry
            return entry.hits
        }
    }

    func put(_ key: String, titlesVersion: Int, hits: RankedHits) {
        let size = hits.ranked.count * 2
        guard size <= maxIDs / 4 else { return }
        lock.withLock {
            clock += 1
            if let old = entries.updateValue(Entry(titlesVersion: titlesVersion, hits: hits, used: clock), forKey: key) {
                total -= old.hits.ranked.count * 2
            }
            total += size
            while total > maxIDs || entries.count > maxEntries,
                  let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
                total -= oldest.value.hits.ranked.count * 2
                entries[oldest.key] = nil
            }
        }
    }

    /// How many lists are kept (for metrics and tests).
    public var count: Int { lock.withLock { entries.count } }
}

/// Full-text search over an organisation's catalogue. The database's own
/// engine finds the hits (SQLite FTS5, PostgreSQL tsquery; same query
/// language, same matches on both) and says which matched in the title and
/// in the author, without scoring any; `SearchRank` puts them in order in
/// memory (title matches that are about the whole title first, then by
/// holdings and year), the same order on both engines. Filters, facet
/// counts, grouping into works and sorting run in memory (`FacetIndex`), so
/// a word that matches a hundred thousand titles costs little more than one
/// that matches ten. Counts and facets are exact: every hit is counted.
public struct CatalogSearch: Sendable {
    public let db: any Database
    public let organisationID: UUID
    public let memory: SearchMemory

    public init(_ db: any Database, organisationID: UUID, memory: SearchMemory = SearchMemory()) {
        self.db = db
        self.organisationID = organisationID
        self.memory = memory
    }

    var sql: any SQLDatabase { db.sql }

    /// All hits of a query, best first (`SearchRank`), and in id order (on
    /// SQLite, whose index is shared, with other organisations' hits too).
    /// The index is asked where the query matches, not how well: no hit is
    /// scored in the database.
    func rankedHits(_ query: SearchQuery, titlesVersion: Int) async throws -> RankedHits {
        let engine = SearchIndex.engine(of: sql)
        let compiled = engine == .sqlite ? QueryCompiler.fts5(query) : QueryCompiler.tsquery(query)
        let key = "\(organisationID)|\(compiled)"
        if let cached = memory.hits.get(key, titlesVersion: titlesVersion) { return cached }
        var all: [Int32] = [], title: [Int32] = [], author: [Int32] = []
        switch engine {
        case .sqlite:
            // Three passes over the posting lists: every hit, the whole query within the title, within the author.
            let row = try await sql.raw("""
                SELECT (SELECT group_concat(rowid, ' ') FROM title_search WHERE title_search MATCH \(bind: compiled)) AS hits,
                       (SELECT group_concat(rowid, ' ') FROM title_search WHERE title_search MATCH \(bind: "{title} : (\(compiled))")) AS title,
                       (SELECT group_concat(rowid, ' ') FROM title_search WHERE title_search MATCH \(bind: "{author} : (\(compiled))")) AS author
                """).first()
            all = Self.ids(try row?.decode(column: "hits", as: String?.self) ?? nil)
            title = Self.ids(try row?.decode(column: "title", as: String?.self) ?? nil)
            author = Self.ids(try row?.decode(column: "author", as: String?.self) ?? nil)
        case .postgres:
            // One pass: each hit as id × 4, + 1 when the query matches within its title (weight A), + 2 within its author (B).
            let text = try await sql.raw("""
                SELECT string_agg((title_id * 4
                    + CASE WHEN doc @@ CAST(\(bind: QueryCompiler.tsquery(query, within: "A")) AS tsquery) THEN 1 ELSE 0 END
                    + CASE WHEN doc @@ CAST(\(bind: QueryCompiler.tsquery(query, within: "B")) AS tsquery) THEN 2 ELSE 0 END)::text,
                    ' ' ORDER BY title_id) AS hits
                FROM title_search, CAST(\(bind: compiled) AS tsquery) AS query
                WHERE doc @@ query AND organisation_id = \(bind: organisationID)
                """).first()?.decode(column: "hits", as: String?.self) ?? nil
            for number in Self.ids(text, as: Int.self) {
                let id = Int32(clamping: number >> 2)
                all.append(id)
                if number & 1 != 0 { title.append(id) }
                if number & 2 != 0 { author.append(id) }
            }
        }
        let ranked = memory.facets.ranked(all: all, title: title, author: author, queryWords: Set(query.words).count,
                                          organisationID: organisationID)
        let hits = RankedHits(ranked: ranked, byID: all)
        memory.hits.put(key, titlesVersion: titlesVersion, hits: hits)
        return hits
    }

    /// Numbers from a space-separated list of non-negative numbers, in ascending order.
    static func ids<N: FixedWidthInteger>(_ text: String?, as: N.Type = Int32.self) -> [N] {
        guard var text else { return [] }
        var numbers: [N] = []
        var sorted = true
        text.withUTF8 { bytes in
            var value: N = 0
            var digits = false
            func end() {
                guard digits else { return }
                if let last = numbers.last, last > value { sorted = false }
                numbers.append(value)
                value = 0
                digits = false
            }
            for byte in bytes {
                if byte >= 0x30 && byte <= 0x39 {
                    value = value &* 10 &+ N(byte - 0x30)
                    digits = true
                } else {
                    end()
                }
            }
            end()
        }
        if !sorted { numbers.sort() }
        return numbers
    }

    /// Matching works, a page at a time. Editions and formats of one work
    /// (same normalised title and main author) are one result.
    public func search(_ query: SearchQuery, filters: SearchFilters = SearchFilters(), sort: SearchSort = .relevance,
                       limit: Int = 20, offset: Int = 0, withFacets: Bool = false) async throws -> SearchPage {
        let versions = try await memory.facets.refresh(organisationID: organisationID, on: sql)
        let hits = try await rankedHits(query, titlesVersion: versions.titlesVersion)
        let evaluation = memory.facets.evaluate(hits, organisationID: organisationID, filters: filters, facets: withFacets,
                                                sort: sort, needed: offset + limit)
        var order: [UInt32] = []
        switch sort {
        case .relevance, .newest:
            var seen = Set<UInt32>()
            for match in evaluation.ordered where seen.insert(match.work).inserted { order.append(match.work) }
        case .title, .author:
            order = try await exactOrder(evaluation.ordered, byAuthor: sort == .author)
        }
        let pageWorks = Array(order.dropFirst(offset).prefix(limit))
        guard !pageWorks.isEmpty else {
            return SearchPage(total: evaluation.works, titleCount: evaluation.titleCount, works: [], facets: evaluation.facets)
        }
        // Every edition of these works, not only the matching ones: the result shows all formats.
        let workIDs = memory.facets.workIDs(of: pageWorks)
        let editions = try await sql.select().columns(TitleSummary.columns.map { SQLIdentifier($0) }).from(Title.schema)
            .where("organisation_id", .equal, organisationID).where("deleted", .equal, false)
            .where("work_id", .in, SQLBind.group(workIDs))
            .all().map(TitleSummary.init)
        let formatOrder = MaterialFormat.allCases.map(\.rawValue)
        let grouped = Dictionary(grouping: editions, by: \.workID).mapValues { titles in
            titles.sorted {
                let a = formatOrder.firstIndex(of: $0.format) ?? 99, b = formatOrder.firstIndex(of: $1.format) ?? 99
                return a != b ? a < b : ($0.year ?? 0, $1.id) > ($1.year ?? 0, $0.id)
            }
        }
        let works = workIDs.compactMap { work in grouped[work].map { SearchWork(key: $0[0].workKey, titles: $0) } }
        return SearchPage(total: evaluation.works, titleCount: evaluation.titleCount, works: works, facets: evaluation.facets)
    }

    /// Puts the works of candidate matches in exact title (or author, then
    /// title) order: the in-memory keys hold only the first ten characters.
    func exactOrder(_ matches: [FacetIndex.Match], byAuthor: Bool) async throws -> [UInt32] {
        var works: [UInt32] = []
        var seen = Set<UInt32>()
        for match in matches where seen.insert(match.work).inserted { works.append(match.work) }
        guard works.count > 1 else { return works }
        var texts: [Int: (title: String, author: String?)] = [:]
        for chunk in matches.map({ Int($0.id) }).chunked(into: 500) {
            for row in try await sql.select().column("id").column("title").column("main_author").from(Title.schema)
                .where("id", .in, SQLBind.group(Array(chunk))).all() {
                texts[try row.decode(column: "id", as: Int.self)] = (try row.decode(column: "title", as: String.self),
                                                                      try row.decode(column: "main_author", as: String?.self))
            }
        }
        // The key of a work: its smallest edition key.
        let last = "\u{10FFFF}"
        var best: [UInt32: (String, String, Int)] = [:]
        for match in matches {
            let id = Int(match.id)
            guard let text = texts[id] else { continue }
            let title = SortKey.text(text.title)
            let key: (String, String, Int) = byAuthor ? (text.author.map(SortKey.text) ?? last, title, id) : (title, "", id)
            if let current = best[match.work], current <= key { continue }
            best[match.work] = key
        }
        return works.sorted { (best[$0] ?? (last, "", Int.max)) < (best[$1] ?? (last, "", Int.max)) }
    }

    /// Matching titles one by one (no grouping by work), best first: for SRU
    /// and other record-by-record clients.
    public func titles(_ query: SearchQuery, limit: Int, offset: Int) async throws -> (total: Int, titles: [Title]) {
        let versions = try await memory.facets.refresh(organisationID: organisationID, on: sql)
        let hits = try await rankedHits(query, titlesVersion: versions.titlesVersion)
        let evaluation = memory.facets.evaluate(hits, organisationID: organisationID, filters: SearchFilters(), facets: false,
                                                sort: .relevance, needed: offset + limit, grouped: false)
        let ids = evaluation.ordered.dropFirst(offset).prefix(limit).map { Int($0.id) }
        guard !ids.isEmpty else { return (evaluation.titleCount, []) }
        let titles = try await Title.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(uniqueKeysWithValues: titles.map { ($0.id!, $0) })
        return (evaluation.titleCount, ids.compactMap { byID[$0] })
    }

    /// Counts per facet value; each facet counts with the other facets' filters applied.
    public func facets(_ query: SearchQuery, filters: SearchFilters) async throws -> SearchFacets {
        try await search(query, filters: filters, limit: 0, withFacets: true).facets ?? SearchFacets()
    }
}
