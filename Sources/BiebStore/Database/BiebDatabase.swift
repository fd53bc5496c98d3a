import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

/// Where the data lives: an embedded SQLite file (the default, zero set-up),
/// SQLite in memory (tests), or PostgreSQL (production; several app servers).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqliteFile(path: String)
    case sqliteMemory
    /// A PostgreSQL URL; `schema` optionally sets the search path (tests use a
    /// schema of their own).
    case postgres(url: String, schema: String? = nil)

    /// PostgreSQL when `DATABASE_URL` is set, else a SQLite file in `dataDirectory`.
    public static func fromEnvironment(dataDirectory: String, fileName: String) -> DatabaseLocation {
        if let url = Environment.get("DATABASE_URL"), !url.isEmpty { return .postgres(url: url) }
        return .sqliteFile(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path)
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// A description without passwords, for logs and console output.
    public var description: String {
        switch self {
        case .sqliteFile(let path): return "SQLite \(path)"
        case .sqliteMemory: return "SQLite (in memory)"
        case .postgres(let url, let schema):
            var shown = "PostgreSQL"
            if var components = URLComponents(string: url) {
                components.password = components.password == nil ? nil : "***"
                shown += " \(components.string ?? "")"
            }
            if let schema { shown += " (schema \(schema))" }
            return shown
        }
    }
}

public enum BiebDatabase {
    /// Registers the database with the application.
    public static func configure(_ app: Application, at location: DatabaseLocation) throws {
        switch location {
        case .sqliteFile(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // SQLite works in blocking calls on the application's thread pool. More threads than cores: a
            // statement waiting for the write lock holds its thread, and the writer must still find one.
            app.threadPool = NIOThreadPool(numberOfThreads: Environment.get("BIEB_SQLITE_THREADS").flatMap(Int.init) ?? max(4, System.coreCount * 2))
            app.databases.use(sqliteFile(path), as: .sqlite)
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
            app.databases.use(.postgres(configuration: configuration, sqlLogLevel: .trace), as: .psql)
        }
        addMigrations(to: app)
    }

    /// The configuration of a SQLite file (the application's connections and the writer, `SQLiteLane`).
    static func sqliteFile(_ path: String) -> DatabaseConfigurationFactory {
        .sqlite(.file(path), sqlLogLevel: .trace)
    }

    /// Every migration, in order. Later issues append, never reorder.
    public static func addMigrations(to app: Application) {
        app.migrations.add(CreateOrganisations())
        app.migrations.add(CreateBranches())
        app.migrations.add(IndexBranchTables())
        app.migrations.add(CreateStaff())
        app.migrations.add(CreateStaffSessions())
        app.migrations.add(CreateCatalogue())
        app.migrations.add(CreateTitleLists())
        app.migrations.add(CreateMembers())
        app.migrations.add(CreateCirculation())
        app.migrations.add(CreateJobLeases())
        app.migrations.add(IndexCirculation())
        app.migrations.add(CreateSelfService())
        app.migrations.add(CreateMemberAccounts())
        app.migrations.add(CreateOutbox())
        app.migrations.add(CreateConsents())
        app.migrations.add(CreateMessageTemplates())
        app.migrations.add(CreatePINResetCodes())
        app.migrations.add(CreatePrivacy())
        app.migrations.add(CreatePayments())
        app.migrations.add(IndexPrivacy())
        app.migrations.add(CreateSpaceBookings())
        app.migrations.add(CreateProgramming())
        app.migrations.add(AddSpaceFacilities())
        app.migrations.add(CreateThrottleTables())
        app.migrations.add(AddGuestConfirmation())
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

    /// How long a SQLite statement waits for a lock, in milliseconds (`BIEB_SQLITE_BUSY_TIMEOUT`).
    public static let defaultBusyTimeout = 10_000

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

    /// The settings of `tune` on one SQLite connection.
    static func tune(connection sql: any SQLDatabase, checkpointer: Bool, busyTimeout: Int = defaultBusyTimeout) async throws {
        let mode = Environment.get("BIEB_SQLITE_SYNC")?.lowercased() == "full" ? "FULL" : "NORMAL"
        try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(max(0, busyTimeout)))").run()
        try await sql.raw("PRAGMA synchronous = \(unsafeRaw: mode)").run()
        if checkpointer {
            try await sql.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(SQLiteCheckpointer.fallbackPages))").run()
            try await sql.raw("PRAGMA journal_size_limit = \(unsafeRaw: String(SQLiteCheckpointer.journalLimitBytes))").run()
        }
    }

    /// Refreshes the query planner's statistics (SQLite `ANALYZE`, under a
    /// second for a million titles; PostgreSQL `ANALYZE` of the catalogue
    /// tables). Without them SQLite may read a whole organisation's titles
    /// through the organisation index instead of the few asked for by id.
    public static func analyze(_ sql: any SQLDatabase) async throws {
        if sql.dialect.name == "sqlite" {
            try await sql.raw("ANALYZE").run()
        } else {
            try await sql.raw("ANALYZE titles, items, title_isbns, title_search").run()
        }
    }

    /// A quick round trip to the database, for `/health`.
    public static func ping(_ db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("SELECT 1").run()
    }
}

import BiebCore
