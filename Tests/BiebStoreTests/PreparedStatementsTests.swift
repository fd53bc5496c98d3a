import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import BiebStore
import BiebTestSupport

/// The desk's statements run prepared on PostgreSQL inside `PreparedStatements.scope`: every kind of value Bieb
/// binds comes back as it does unnamed, the same text with a NULL and with a value are two statements, failures
/// fail as before, and outside a scope nothing is prepared.
@Suite("Prepared statements on PostgreSQL") struct PreparedStatementsTests {
    static let probe: SQLQueryString = """
        CREATE TABLE prepared_probe (n BIGINT PRIMARY KEY, t TEXT, f BOOLEAN, u UUID, d TIMESTAMPTZ, b BYTEA, x DOUBLE PRECISION)
        """

    /// The names prepared on the connection a transaction runs on.
    static func prepared(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT name FROM pg_prepared_statements ORDER BY name").all().map { try $0.decode(column: "name", as: String.self) }
    }

    @Test func valuesComeBackAsTheyDoUnnamed() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            try await app.db.sql.raw(Self.probe).run()
            let ids = [UUID(), UUID()]
            let date = Date(timeIntervalSince1970: 1_780_000_000.123456)
            let bytes = Data([0, 1, 2, 254, 255])
            let optionalText: String? = "also"
            @Sendable func write(_ sql: any SQLDatabase, _ n: Int) async throws {
                try await sql.raw("""
                    INSERT INTO prepared_probe (n, t, f, u, d, b, x)
                    VALUES (\(bind: n), \(bind: n == 1 ? optionalText : nil), \(bind: n % 2 == 0), \(bind: ids[n % 2]), \(bind: date), \(bind: bytes), \(bind: 2.5))
                    """).run()
            }
            @Sendable func read(_ sql: any SQLDatabase) async throws -> [String] {
                try await sql.raw("""
                    SELECT n, t, f, u, d, b, x FROM prepared_probe WHERE u = ANY(\(bind: ids)) AND n >= \(bind: 0) ORDER BY n
                    """).all().map { row in
                    let d = try row.decode(column: "d", as: Date.self).timeIntervalSince1970
                    return "\(try row.decode(column: "n", as: Int.self)) \(try row.decode(column: "t", as: String?.self) ?? "-") "
                        + "\(try row.decode(column: "f", as: Bool.self)) \(try row.decode(column: "u", as: UUID.self)) \(Int((d * 1_000_000).rounded())) "
                        + "\(try row.decode(column: "b", as: Data.self).base64EncodedString()) \(try row.decode(column: "x", as: Double.self))"
                }
            }
            try await write(app.db.sql, 0)
            let (unnamed, namesOutside) = try await WriteGate.transaction(on: app.db) { tx in
                (try await read(tx.sql), try await Self.prepared(tx.sql))
            }
            #expect(namesOutside.isEmpty, "outside a scope nothing is prepared")

            let (first, again, names) = try await PreparedStatements.scope {
                try await WriteGate.transaction(on: app.db) { tx in
                    let first = try await read(tx.sql)
                    try await write(tx.sql, 1)
                    try await write(tx.sql, 3)  // the same text, the same types: the same statement
                    return (first, try await read(tx.sql), try await Self.prepared(tx.sql))
                }
            }
            #expect(first == unnamed)
            #expect(again.count == 3)
            #expect(again[0] == unnamed[0])
            #expect(again[1].hasPrefix("1 also false \(ids[1]) 1780000000123456 AAEC/v8= 2.5"))
            #expect(again[2].hasPrefix("3 - false \(ids[1])"))
            // The read, and the insert twice: once with a text for t, once with NULL (left to PostgreSQL's inference).
            #expect(names.filter { $0.hasPrefix("bieb_") }.count >= 3, "\(names)")
        }
    }

    /// A NULL first and a value after (and the other way round) in the same text: each runs with its own types.
    @Test func aNullAndAValueInTheSamePlace() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            try await app.db.sql.raw(Self.probe).run()
            try await app.db.sql.raw("INSERT INTO prepared_probe (n, u) VALUES (1, NULL), (2, \(bind: UUID()))").run()
            let counts = try await PreparedStatements.scope {
                var counts: [Int] = []
                for value in [nil, UUID(), nil] as [UUID?] {
                    let row = try await app.db.sql.raw("""
                        SELECT COUNT(*) AS c FROM prepared_probe WHERE u IS NOT DISTINCT FROM \(bind: value)
                        """).first()
                    counts.append(try row!.decode(column: "c", as: Int.self))
                }
                return counts
            }
            #expect(counts == [1, 0, 1])
        }
    }

    /// A refused statement fails its transaction as before; the connection and its statements go on working.
    @Test func aRefusalFailsTheTransactionAndNothingElse() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            try await app.db.sql.raw(Self.probe).run()
            try await PreparedStatements.scope {
                @Sendable func insert(_ sql: any SQLDatabase, _ n: Int) async throws {
                    try await sql.raw("INSERT INTO prepared_probe (n) VALUES (\(bind: n))").run()
                }
                try await WriteGate.transaction(on: app.db) { tx in try await insert(tx.sql, 1) }
                await #expect(throws: (any Error).self) {
                    try await WriteGate.transaction(on: app.db) { tx in
                        try await insert(tx.sql, 2)
                        try await insert(tx.sql, 1)
                    }
                }
                try await WriteGate.transaction(on: app.db) { tx in try await insert(tx.sql, 3) }
            }
            let rows = try await app.db.sql.raw("SELECT n FROM prepared_probe ORDER BY n").all()
            #expect(try rows.map { try $0.decode(column: "n", as: Int.self) } == [1, 3])
        }
    }

    /// A statement first met in a transaction that has already failed cannot be prepared there (PostgreSQL refuses
    /// every statement until the transaction ends); on the same connection it works in the next transaction.
    @Test func aStatementFirstMetInAFailedTransactionWorksAfterwards() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            try await app.db.sql.raw(Self.probe).run()
            try await app.db.sql.raw("INSERT INTO prepared_probe (n) VALUES (1)").run()
            let count: SQLQueryString = "SELECT COUNT(*) AS c FROM prepared_probe WHERE n > \(bind: 0)"
            let counted = try await app.db.withConnection { connection in
                try await PreparedStatements.scope {
                    await #expect(throws: (any Error).self) {
                        try await PostgresTransaction.run(onConnection: connection) { tx in
                            _ = try? await tx.sql.raw("INSERT INTO prepared_probe (n) VALUES (\(bind: 1))").run()  // refused: the key
                            return try await tx.sql.raw(count).first()  // refused: the transaction has failed
                        }
                    }
                    return try await PostgresTransaction.run(onConnection: connection) { tx in
                        try await tx.sql.raw(count).first()!.decode(column: "c", as: Int.self)
                    }
                }
            }
            #expect(counted == 1)
        }
    }

    /// A value PostgresNIO does not encode itself (a JSON document) runs unnamed, inside a scope too.
    @Test func aJSONValueRunsUnnamed() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        struct Document: Codable, Sendable { var name: String }
        try await withBieb(.postgres) { app in
            let name = try await PreparedStatements.scope {
                try await app.db.sql.raw("SELECT (\(bind: Document(name: "Bieb"))::jsonb)->>'name' AS name").first()!
                    .decode(column: "name", as: String.self)
            }
            #expect(name == "Bieb")
        }
    }

    /// On SQLite a scope changes nothing.
    @Test func sqliteIsUnaffected() async throws {
        try await withBieb(.sqlite) { app in
            let value = try await PreparedStatements.scope {
                try await app.db.sql.raw("SELECT \(bind: 41) + 1 AS v").first()!.decode(column: "v", as: Int.self)
            }
            #expect(value == 42)
        }
    }
}
