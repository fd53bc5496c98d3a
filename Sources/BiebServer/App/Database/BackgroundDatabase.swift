import BiebStore
import Fluent
import FluentSQLiteDriver
import Foundation
import Vapor

/// A connection of its own for a server's background work on a SQLite file:
/// the search columns loading at start and the jobs (statistics, privacy
/// rules, the copies' counters, holds, notices).
///
/// SQLite has one connection per event loop for the requests (the driver
/// allows no more), and a statement on it holds up every other request of
/// that loop until it is done: a job's long read on one of them made a
/// loop's desks and kiosks wait — about a second at start on the desk
/// benchmark's database, while the search columns loaded. Background work
/// runs on this connection instead (one, on one event loop: the work runs
/// one piece after another anyway), and reads on its own while the
/// requests go on. Its writes take their turn at `WriteGate` like any
/// other. On PostgreSQL background work uses the application's pool (two
/// connections per event loop).
final class BackgroundDatabase: LifecycleHandler, @unchecked Sendable {
    private let databases: Databases
    private let loop: any EventLoop
    let logger: Logger

    init(path: String, app: Application) {
        databases = Databases(threadPool: app.threadPool, on: app.eventLoopGroup)
        databases.use(BiebDatabase.sqliteFile(path), as: .sqlite)
        loop = app.eventLoopGroup.next()
        logger = app.logger
    }

    var database: any Database { databases.database(.sqlite, logger: logger, on: loop)! }

    /// Opens the connection and gives it the settings of every other (`BiebDatabase.tune`).
    func tune(checkpointer: Bool, busyTimeout: Int) async throws {
        try await database.withConnection { connection in
            try await BiebDatabase.tune(connection: connection.sql, checkpointer: checkpointer, busyTimeout: busyTimeout)
        }
    }

    func shutdownAsync(_ application: Application) async {
        await databases.shutdownAsync()
    }
}

struct BackgroundDatabaseKey: StorageKey { typealias Value = BackgroundDatabase }

extension Application {
    /// Where background work reads and writes: on a SQLite file a connection of its own (`BackgroundDatabase`),
    /// elsewhere the application's database.
    var backgroundDB: any Database { storage[BackgroundDatabaseKey.self]?.database ?? db }
}
