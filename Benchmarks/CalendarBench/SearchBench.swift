import BiebCore
import BiebStore
import Dispatch
import Foundation
import SQLKit
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
            do { try await body(app) } catch { print("error: \(error)") }
            try await app.asyncShutdown()
        } catch {
            print("error: \(error)")
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
        let sql = app.db as! any SQLDatabase
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
