import FluentKit
import Foundation
import NIOCore
import FluentPostgresDriver
import SQLKit

/// A transaction on PostgreSQL that Bieb begins and ends itself, on one
/// pooled connection, instead of Fluent's `Database.transaction`, for two
/// reasons measured under load (`scripts/cluster-pgrestart.sh`):
///
/// - A connection PostgreSQL cuts while a statement runs (a restart) leaves
///   Fluent's ROLLBACK waiting for an answer that never comes: the request
///   hung until the client gave up, and its pooled connection was never
///   given back, so every later request on that event loop waited 10 s for
///   the pool and failed. Here a transaction that failed because the
///   connection broke is not rolled back but its connection closed
///   (PostgreSQL rolls back whatever a closed connection left open), and a
///   ROLLBACK that gets no answer within `rollbackTimeout` closes it too.
/// - On a connection from `Database.withConnection`, Fluent's
///   `transaction` begins none: it takes such a connection for one already
///   in a transaction. Work that holds a connection (the catalogue import)
///   begins its transaction here.
public enum PostgresTransaction {
    /// How long a ROLLBACK may take before its connection is closed instead.
    public static let rollbackTimeout: TimeAmount = .seconds(5)

    /// Runs `body` in a transaction on a connection of its own from the pool.
    public static func run<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        // Fluent runs the body in a task of its own once the pool has a connection: a prepared-statements scope
        // is carried over by hand.
        let prepared = PreparedStatements.active
        return try await db.withConnection { connection in
            try await PreparedStatements.$active.withValue(prepared) { try await run(onConnection: connection, body) }
        }
    }

    /// Runs `body` in a transaction on `connection`, one had from `Database.withConnection`.
    public static func run<T: Sendable>(onConnection connection: any Database,
                                        _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let sql = connection.sql
        try await sql.raw("BEGIN").run()
        do {
            let result = try await body(connection)
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            await end(connection, after: error)
            throw error
        }
    }

    /// Ends a transaction that failed: rolled back while the connection works, closed when it does not.
    static func end(_ connection: any Database, after error: any Error) async {
        if !DatabaseUnreachable.matches(error) {
            let loop = connection.eventLoop
            let answered = loop.makePromise(of: Void.self)
            let rollback: EventLoopFuture<Void> = connection.sql.raw("ROLLBACK").run()
            rollback.cascade(to: answered)
            let timeout = loop.scheduleTask(in: rollbackTimeout) { answered.fail(RollbackUnanswered()) }
            do {
                try await answered.futureResult.get()
                timeout.cancel()
                return
            } catch {
                timeout.cancel()
                connection.logger.warning("a transaction's ROLLBACK failed (\(String(describing: error))); its connection is closed")
            }
        }
        guard let postgres = connection as? any PostgresDatabase else { return }
        _ = try? await postgres.withConnection { $0.close() }.get()
    }

    struct RollbackUnanswered: Error, CustomStringConvertible {
        var description: String { "no answer within \(rollbackTimeout.nanoseconds / 1_000_000_000) s" }
    }
}
