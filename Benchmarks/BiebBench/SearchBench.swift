import BiebCore
import BiebServer
import BiebStore
import Dispatch
import Foundation
import SQLKit
import Fluent
import Vapor

/// Runs `body` against the database at `location` (SQLite file or PostgreSQL
/// URL), outside Vapor's server, and waits for it.
func withDatabase(_ location: DatabaseLocation, _ body: @escaping @Sendable (Application) async throws -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let app = try await Application.make(.production)
            app.logger.logLevel = .warning
            try BiebDatabase.configure(app, at: location)
            do { try await body(app) } catch { print("error: \(String(reflecting: error))") }
            try await app.asyncShutdown()
        } catch {
            print("error: \(String(reflecting: error))")
        }
        done.signal()
    }
    done.wait()
}

func location(_ argument: String) -> DatabaseLocation {
    argument.hasPrefix("postgres") ? .postgres(url: argument) : .sqliteFile(path: argument)
}

/// `bieb-bench sql DB SQL [RUNS]`: times a raw SQL statement.
func benchmarkSQL(database: String, statement: String, runs: Int) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        var times: [Double] = []
        var rows = 0
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            rows = try await sql.raw(SQLQueryString(statement)).all().count
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        print(String(format: "%d rows; min %.2f ms, median %.2f ms, max %.2f ms over %d runs",
                     rows, times.first!, times[times.count / 2], times.last!, runs))
    }
}

/// `bieb-bench search DB ORG-SLUG QUERY...`: each query through
/// `CatalogSearch` with facets, on one shared `SearchMemory`: the first
/// search of the organisation (loading the facet columns), a cold query
/// (ranking in the database) and the same query again (ranked hits cached).
func benchmarkSearch(database: String, organisation slug: String, queries: [String]) {
    withDatabase(location(database)) { app in
        guard let organisation = try await Organisation.query(on: app.db).filter(\.$slug == slug).first() else {
            print("no organisation \(slug)")
            return
        }
        let memory = SearchMemory()
        let search = CatalogSearch(app.db, organisationID: organisation.id!, memory: memory)
        func time(_ body: () async throws -> SearchPage) async throws -> (Double, SearchPage) {
            let start = DispatchTime.now().uptimeNanoseconds
            let page = try await body()
            return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, page)
        }
        let (load, _) = try await time { try await search.search(try SearchQuery.parse("zzzzqqq"), withFacets: true) }
        print(String(format: "first search (loads the facet columns): %.0f ms", load))
        for text in queries {
            let query = try SearchQuery.parse(text)
            let (cold, page) = try await time { try await search.search(query, withFacets: true) }
            var warm: [Double] = []
            for _ in 0..<5 { warm.append(try await time { try await search.search(query, withFacets: true) }.0) }
            var filters = SearchFilters()
            filters.availableNow = true
            filters.formats = [.book]
            let (filtered, _) = try await time { try await search.search(query, filters: filters, withFacets: true) }
            let (byTitle, _) = try await time { try await search.search(query, sort: .title, withFacets: true) }
            print(String(format: "%-28@ %8d titles %8d works  cold %7.1f ms  cached %6.1f ms  +filters %6.1f ms  by title %6.1f ms",
                         "\"\(text)\"" as NSString, page.titleCount, page.total, cold, warm.sorted()[2], filtered, byTitle))
        }
    }
}
