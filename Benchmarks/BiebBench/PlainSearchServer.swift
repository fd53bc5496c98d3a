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
/// stack: the first 20 hits ordered by FTS5's `bm25` (Bieb's column weights),
/// the number of hits, and two facets (format, language) by `GROUP BY`; the
/// format and language filters of the path are applied in SQL. Doing less
/// than Bieb's search API: no grouping into works, no other facets, no
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
        var statement = SQLQueryString("SELECT \(unsafeRaw: columns) FROM title_search JOIN titles t ON t.id = title_search.rowid WHERE title_search MATCH ")
        statement.appendInterpolation(bind: match)
        statement.appendLiteral(" AND t.organisation_id = ")
        statement.appendInterpolation(bind: organisation)
        if let format = request.query[String.self, at: "format"] {
            statement.appendLiteral(" AND t.format = ")
            statement.appendInterpolation(bind: format)
        }
        if let language = request.query[String.self, at: "language"] {
            statement.appendLiteral(" AND t.language = ")
            statement.appendInterpolation(bind: language)
        }
        statement.appendLiteral(tail)
        return statement
    }
    let order = request.query[String.self, at: "sort"] == "newest"
        ? " ORDER BY t.year DESC LIMIT 20" : " ORDER BY bm25(title_search, 10.0, 8.0, 3.0, 1.0, 10.0) LIMIT 20"
    let titles = try await sql.raw(hits("t.id, t.title, t.main_author, t.year", tail: order)).all().map { row in
        PlainPage.Hit(id: try row.decode(column: "id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                      author: try row.decode(column: "main_author", as: String?.self), year: try row.decode(column: "year", as: Int?.self))
    }
    let total = try await sql.raw(hits("count(*) AS n")).first()?.decode(column: "n", as: Int.self) ?? 0
    func facet(_ column: String) async throws -> [PlainPage.Count] {
        try await sql.raw(hits("ifnull(t.\(column), '') AS value, count(*) AS n", tail: " GROUP BY 1 ORDER BY 2 DESC")).all().map {
            PlainPage.Count(value: try $0.decode(column: "value", as: String.self), count: try $0.decode(column: "n", as: Int.self))
        }
    }
    let page = PlainPage(total: total, titles: titles, formats: try await facet("format"), languages: try await facet("language"))
    return try await page.encodeResponse(for: request)
}
