import BiebCore
import BiebStore
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

/// The database's place in the application: registering it, migrating it
/// and tuning its connections. What the database holds and how it is asked
/// lives in BiebStore (`BiebDatabase`); this is the part that needs Vapor.
extension BiebDatabase {
    /// Registers the database with the application.
    public static func configure(_ app: Application, at location: DatabaseLocation) throws {
        switch location {
        case .sqliteFile(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // SQLite works in blocking calls on the application's thread pool. More threads than cores: a
            // statement waiting for the write lock holds its thread, and the writer must still find one.
            app.threadPool = NIOThreadPool(numberOfThreads: Environment.get("BIEB_SQLITE_THREADS").flatMap(Int.init) ?? max(4, System.coreCount * 2))
            app.databases.use(BiebDatabase.sqliteFile(path), as: .sqlite)
        case .sqliteMemory:
            app.databases.use(.sqlite(.memory, sqlLogLevel: .trace), as: .sqlite)
        case .postgres(let url, let schema):
            var configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw BiebError(.invalid, code: "invalid_database_url", field: "DATABASE_URL",
                                message: "DATABASE_URL is not a PostgreSQL URL (postgres://user:password@host:5432/database).")
            }
            if let schema { configuration.searchPath = [schema] }
            // No JIT compilation: Bieb's statements are short, and compiling one that PostgreSQL estimates as costly
            // (a report over a large organisation) takes longer than running it — 2.7 s against 0.7 s measured for a
            // weeding list at 25 million copies (docs/PERFORMANCE.md). Set per connection, so the server's own setting stays.
            configuration.coreConfiguration.options.additionalStartupParameters.append(("jit", "off"))
            // A connection attempt that gets no answer (PostgreSQL restarting) is given up after 3 s, not 10: the requests
            // waiting for the pool get a fresh attempt sooner.
            configuration.coreConfiguration.options.connectTimeout = .seconds(3)
            // Connections per event loop (`BIEB_PG_CONNECTIONS`, default 2): a request's queries that do not depend on
            // each other run side by side on them (a weeding list's criteria), and a slow report leaves a second for the desk.
            let connections = max(1, Environment.get("BIEB_PG_CONNECTIONS").flatMap(Int.init) ?? 2)
            app.databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: connections, sqlLogLevel: .trace), as: .psql)
        }
        addMigrations(to: app.migrations)
    }

    /// Runs pending migrations; on SQLite files switches to WAL journaling so
    /// readers do not wait for writers.
    public static func migrate(_ app: Application) async throws {
        if let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" {
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
        try await app.autoMigrate()
        if let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" {
            // Statistics for tables that have none or changed much (cheap when nothing changed).
            try await sql.raw("PRAGMA optimize").run()
        }
    }

    /// Per-connection settings for SQLite files. A statement that finds the
    /// write lock taken waits for it, sleeping, up to `busyTimeout`
    /// milliseconds (`busy_timeout`, default 10 seconds; the driver's own
    /// handler would retry at full speed, forever); then the write is tried
    /// again (`WriteGate`) and finally answered with a 503. WAL commits without a sync each (`synchronous=NORMAL`).
    /// A crash of Bieb or of the machine never damages the database; a
    /// power cut may lose the last commits before the next checkpoint. Set
    /// `BIEB_SQLITE_SYNC=full` to sync every commit (about a third of the
    /// desk throughput). With `checkpointer` (a server: `SQLiteCheckpointer`
    /// keeps the log short) the connections leave checkpoints to it. Runs
    /// once on the connection of every event loop (SQLite has one per loop,
    /// kept for the app's life).
    public static func tune(_ app: Application, checkpointer: Bool = false, busyTimeout: Int = defaultBusyTimeout) async throws {
        guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(logger: app.logger, on: loop) else { continue }
            try await db.withConnection { connection in
                try await tune(connection: connection.sql, checkpointer: checkpointer, busyTimeout: busyTimeout)
            }
        }
    }
}
