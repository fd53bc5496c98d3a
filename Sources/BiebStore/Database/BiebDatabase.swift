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
            app.databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
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

    /// Per-connection settings for SQLite files: WAL commits without a sync
    /// each (`synchronous=NORMAL`). A crash of Bieb or of the machine never
    /// damages the database; a power cut may lose the last commits before
    /// the next checkpoint. Set `BIEB_SQLITE_SYNC=full` to sync every commit
    /// (about a third of the desk throughput). Runs once on the connection of
    /// every event loop (SQLite has one per loop, kept for the app's life).
    public static func tune(_ app: Application) async throws {
        guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        let mode = Environment.get("BIEB_SQLITE_SYNC")?.lowercased() == "full" ? "FULL" : "NORMAL"
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(logger: app.logger, on: loop) else { continue }
            try await db.withConnection { connection in
                try await (connection as! any SQLDatabase).raw("PRAGMA synchronous = \(unsafeRaw: mode)").run()
            }
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
