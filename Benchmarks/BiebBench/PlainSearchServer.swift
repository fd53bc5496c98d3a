import BiebCore
import BiebStore
import Dispatch
import Foundation
import SQLKit
import Fluent
import Vapor

/// `bieb-bench plain-search DB PORT`: the baseline of the first-time search
/// comparison (`scripts/bench-search-plain.sh`). The same FTS5 table and the
/// same query language as Bieb, asked the plain way, over the same HTTP
/// stack: the first 20 hits ordered by FTS5's `bm25` (Bieb's column
/// weights), and two facets (format, language) by `GROUP BY` over a narrow
/// table of the titles' facet columns and year (`bench_plain_facets`, made
/// once at start); the number of hits is the sum of the format counts. The format
/// and language filters of the path are applied in SQL. Less than Bieb's
/// search API does: no grouping into works, no other facets, no
/// availability, no caches.
///
/// Answers `GET /api/v1/organisations/{slug}/search?q=…` so one list of paths serves both.
func servePlainSearch(database: String, port: Int) {
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let app = try await Application.make(Environment(name: "production", arguments: ["bieb-bench"]))
            app.logger.logLevel = .warning
            app.http.server.configuration.port = port
            app.http.server.configuration.hostname = "127.0.0.1"
            try BiebDatabase.configure(app, at: location(database))
            try await app.db.sql.raw("""
                CREATE TABLE IF NOT EXISTS bench_plain_facets (
                    id INTEGER PRIMARY KEY, organisation_id BLOB NOT NULL, format TEXT NOT NULL, language TEXT NOT NULL, year INTEGER)
                """).run()
            // Made again when the titles have changed since (a database built on from another).
            let made = try await app.db.sql.raw("SELECT max(id) AS m FROM bench_plain_facets").first()?.decode(column: "m", as: Int?.self) ?? nil
            let titles = try await app.db.sql.raw("SELECT max(id) AS m FROM titles").first()?.decode(column: "m", as: Int?.self) ?? nil
            if made != titles {
                try await app.db.sql.raw("DELETE FROM bench_plain_facets").run()
                try await app.db.sql.raw("""
                    INSERT INTO bench_plain_facets SELECT id, organisation_id, format, ifnull(language, ''), year FROM titles WHERE NOT deleted
                    """).run()
            }
            app.get("health") { _ in "ok" }
            app.get("api", "v1", "organisations", ":slug", "search") { request async throws -> Response in
                try await plainSearch(request)
            }
            try await app.server.start()
            print("plain FTS5 search on port \(port)")
            try await Task.sleep(for: .seconds(100_000_000))
        } catch {
            print("error: \(String(reflecting: error))")
        }
        done.signal()
    }
    done.wait()
}

private struct PlainPage: Content {
    struct Hit: Content { let id: Int; let title: String; let author: String?; let year: Int? }
    struct Count: Content { let value: String; let count: Int }
    let total: Int
    let titles: [Hit]
    let formats: [Count]
    let languages: [Count]
}

private func plainSearch(_ request: Request) async throws -> Response {
    guard let text = request.query[String.self, at: "q"], let query = try? SearchQuery.parse(text) else {
        throw Abort(.badRequest)
    }
    let sql = request.db.sql
    let match = QueryCompiler.fts5(query)
    let slug = request.parameters.get("slug") ?? ""
    guard let organisation = try await sql.select().column("id").from("organisations").where("slug", .equal, slug).first()?
        .decode(column: "id", as: UUID.self) else { throw Abort(.notFound) }

    // The hits of this organisation, with the path's format and language filters.
    func hits(_ columns: String, tail: String = "") -> SQLQueryString {
        var statement = SQLQueryString("SELECT \(unsafeRaw: columns) FROM title_search JOIN bench_plain_facets f ON f.id = title_search.rowid WHERE title_search MATCH ")
        statement.appendInterpolation(bind: match)
        statement.appendLiteral(" AND f.organisation_id = ")
        statement.appendInterpolation(bind: organisation)
        if let format = request.query[String.self, at: "format"] {
            statement.appendLiteral(" AND f.format = ")
            statement.appendInterpolation(bind: format)
        }
        if let language = request.query[String.self, at: "language"] {
            statement.appendLiteral(" AND f.language = ")
            statement.appendInterpolation(bind: language)
        }
        statement.appendLiteral(tail)
        return statement
    }
    let ranked = request.query[String.self, at: "sort"] == "newest"
        ? " ORDER BY f.year DESC LIMIT 20" : " ORDER BY bm25(title_search, 10.0, 8.0, 3.0, 1.0, 10.0) LIMIT 20"
    let ids = try await sql.raw(hits("f.id", tail: ranked)).all().map { try $0.decode(column: "id", as: Int.self) }
    var titles: [PlainPage.Hit] = []
    if !ids.isEmpty {
        let rows = try await sql.select().column("id").column("title").column("main_author").column("year").from("titles")
            .where("id", .in, SQLBind.group(ids)).all()
        let byID = Dictionary(uniqueKeysWithValues: try rows.map { row in
            (try row.decode(column: "id", as: Int.self),
             PlainPage.Hit(id: try row.decode(column: "id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                           author: try row.decode(column: "main_author", as: String?.self), year: try row.decode(column: "year", as: Int?.self)))
        })
        titles = ids.compactMap { byID[$0] }
    }
    func facet(_ column: String) async throws -> [PlainPage.Count] {
        try await sql.raw(hits("f.\(column) AS value, count(*) AS n", tail: " GROUP BY 1 ORDER BY 2 DESC")).all().map {
            PlainPage.Count(value: try $0.decode(column: "value", as: String.self), count: try $0.decode(column: "n", as: Int.self))
        }
    }
    let formats = try await facet("format")
    let total = formats.reduce(0) { $0 + $1.count }
    let page = PlainPage(total: total, titles: titles, formats: formats, languages: try await facet("language"))
    return try await page.encodeResponse(for: request)
}
