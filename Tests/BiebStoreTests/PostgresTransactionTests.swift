import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebStore
import BiebTestSupport

/// Bieb's own transactions on PostgreSQL (`PostgresTransaction`): what
/// fails is rolled back, a transaction on a held connection is one, and a
/// connection PostgreSQL cuts in the middle ends the transaction at once
/// and leaves the pool working.
@Suite("PostgreSQL transactions") struct PostgresTransactionTests {
    struct Refused: Error {}

    func count(_ db: any Database, _ name: String) async throws -> Int {
        try await db.sql.raw("SELECT COUNT(*) AS n FROM tx_probe WHERE name = \(bind: name)").first()!.decode(column: "n", as: Int.self)
    }

    @Test func aFailedTransactionLeavesNothingAndAHeldConnectionGetsOneToo() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            let db = app.db
            try await db.sql.raw("CREATE TABLE tx_probe (name TEXT NOT NULL)").run()
            // Failing after a write: the write is gone, the caller gets the error.
            await #expect(throws: Refused.self) {
                try await WriteGate.transaction(on: db) { tx in
                    try await tx.sql.raw("INSERT INTO tx_probe (name) VALUES ('pool')").run()
                    throw Refused()
                }
            }
            #expect(try await count(db, "pool") == 0)
            // On a connection held with `withConnection`, where Fluent's `transaction` begins none (the import's case).
            try await db.withConnection { connection in
                await #expect(throws: Refused.self) {
                    try await PostgresTransaction.run(onConnection: connection) { tx in
                        try await tx.sql.raw("INSERT INTO tx_probe (name) VALUES ('held')").run()
                        throw Refused()
                    }
                }
                // The connection is usable afterwards: the rollback ended the transaction.
                try await PostgresTransaction.run(onConnection: connection) { tx in
                    try await tx.sql.raw("INSERT INTO tx_probe (name) VALUES ('kept')").run()
                }
            }
            #expect(try await count(db, "held") == 0)
            #expect(try await count(db, "kept") == 1)
        }
    }

    @Test func aConnectionCutMidTransactionEndsItAndThePoolCarriesOn() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            let db = app.db
            try await db.sql.raw("CREATE TABLE tx_probe (name TEXT NOT NULL)").run()
            // Each event loop's pool loses a connection in the middle of a transaction, as in a PostgreSQL restart.
            for loop in app.eventLoopGroup.makeIterator() {
                let onLoop = app.databases.database(logger: app.logger, on: loop)!
                let error = await #expect(throws: (any Error).self) {
                    try await WriteGate.transaction(on: onLoop, attempts: 1) { tx in
                        try await tx.sql.raw("INSERT INTO tx_probe (name) VALUES ('cut')").run()
                        try await tx.sql.raw("SELECT pg_terminate_backend(pg_backend_pid())").run()
                    }
                }
                #expect(error.map(DatabaseUnreachable.matches) == true, "\(String(reflecting: error))")
            }
            #expect(try await count(db, "cut") == 0)
            // Every event loop still answers, each on a fresh connection, and writes again.
            for loop in app.eventLoopGroup.makeIterator() {
                let onLoop = app.databases.database(logger: app.logger, on: loop)!
                try await WriteGate.transaction(on: onLoop) { tx in try await tx.sql.raw("INSERT INTO tx_probe (name) VALUES ('after')").run() }
            }
            #expect(try await count(db, "after") == Array(app.eventLoopGroup.makeIterator()).count)
        }
    }
}
