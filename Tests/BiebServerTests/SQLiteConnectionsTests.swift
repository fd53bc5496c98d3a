import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
@testable import BiebServer
import BiebStore
import BiebTestSupport

/// On a SQLite file, background work (the search columns loading, the jobs) has a connection of its own, tuned like
/// the others, so its long reads hold up no event loop's requests: SQLite has one connection per event loop.
@Suite("SQLite background connection") struct SQLiteConnectionsTests {
    @Test func aLongReadOfBackgroundWorkLeavesTheRequestsOfItsLoopAlone() async throws {
        try await withBieb(.sqlite) { app in
            let background = app.backgroundDB
            let requests = try #require(app.databases.database(logger: app.logger, on: background.eventLoop))
            // Tuned (an untuned connection has no busy timeout), and not the requests' connection of its loop (a
            // temporary table is its connection's own).
            let timeout = try await background.sql.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self)
            #expect(timeout == BiebDatabase.defaultBusyTimeout)
            try await background.withConnection { connection in
                try await connection.sql.raw("CREATE TEMPORARY TABLE only_here (x INTEGER)").run()
                #expect(try await requests.sql.raw("SELECT COUNT(*) AS n FROM sqlite_temp_master WHERE name = 'only_here'").first()?
                    .decode(column: "n", as: Int.self) == 0)
                try await connection.sql.raw("DROP TABLE only_here").run()
            }

            // A long read in the background; a request's short read on the same event loop is answered meanwhile.
            let longReadDone = NIOLockedValueBox(false)
            let (started, start) = AsyncStream.makeStream(of: Void.self)
            let longRead = Task {
                try await background.withConnection { connection in
                    start.yield()
                    _ = try await connection.sql.raw("""
                        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) SELECT COUNT(*) AS n FROM c
                        """).first()
                    longReadDone.withLockedValue { $0 = true }
                }
            }
            for await _ in started { break }
            try await requests.sql.raw("SELECT 1 AS one").run()
            #expect(longReadDone.withLockedValue { $0 } == false, "the request's read waited for the background's")
            try await longRead.value
            #expect(longReadDone.withLockedValue { $0 })
        }
    }
}
