import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit

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
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty { return .postgres(url: url) }
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
    /// The configuration of a SQLite file (the application's connections and the writer, `SQLiteLane`).
    public static func sqliteFile(_ path: String) -> DatabaseConfigurationFactory {
        .sqlite(.file(path), sqlLogLevel: .trace)
    }

    /// Every migration, in order. Later issues append, never reorder.
    public static func addMigrations(to migrations: Migrations) {
        migrations.add(CreateOrganisations())
        migrations.add(CreateBranches())
        migrations.add(IndexBranchTables())
        migrations.add(CreateStaff())
        migrations.add(CreateStaffSessions())
        migrations.add(CreateCatalog())
        migrations.add(CreateTitleLists())
        migrations.add(CreateMembers())
        migrations.add(CreateCirculation())
        migrations.add(CreateJobLeases())
        migrations.add(IndexCirculation())
        migrations.add(CreateSelfService())
        migrations.add(CreateMemberAccounts())
        migrations.add(CreateOutbox())
        migrations.add(CreateConsents())
        migrations.add(CreateMessageTemplates())
        migrations.add(CreatePINResetCodes())
        migrations.add(CreatePrivacy())
        migrations.add(CreatePayments())
        migrations.add(IndexPrivacy())
        migrations.add(CreateSpaceBookings())
        migrations.add(ProgrammingSchema.migrations)
        migrations.add(AddSpaceFacilities())
        migrations.add(CreateThrottleTables())
        migrations.add(AddGuestConfirmation())
        migrations.add(IndexDutchCompounds())
        migrations.add(CreateOnlineJoins())
        migrations.add(CreateInsightFacts())
        migrations.add(CreateInsightRollups())
        migrations.add(ExtendInsightFacts())
        migrations.add(CreateInsightMeasurements())
        migrations.add(CreateAnnualReports())
        migrations.add(CreateInsightProgrammes())
        migrations.add(CreateInsightYearSubjects())
        migrations.add(CreateInsightMonthly())
        migrations.add(IndexEventsForInsights())
        migrations.add(CreateCollectionPlan())
        migrations.add(BackfillCopyCounters())
        migrations.add(AddShelfKeys())
        migrations.add(UncheckWeedingLines())
        migrations.add(CreateNetworkPlanning())
        migrations.add(IndexPlanningProfiles())
        migrations.add(CreateResearchSurveys())
        migrations.add(CreateResearchFieldwork())
        migrations.add(IndexPostgresTermsAsBieb())
        migrations.add(CreateConfigVersions())
        migrations.add(IndexTitlesByOrganisation())
        migrations.add(IndexSearchByOrganisation())
        migrations.add(IndexPrivacyByOrganisation())
        migrations.add(IndexVisitsForInsights())
        migrations.add(IndexOpenLoansByOrganisation())
    }

    /// How long a SQLite statement waits for a lock, in milliseconds (`BIEB_SQLITE_BUSY_TIMEOUT`).
    public static let defaultBusyTimeout = 10_000
    /// The writers' own checkpoint threshold while a server's checkpointer
    /// keeps the log short (about 200 MB; BiebServer's `SQLiteCheckpointer`).
    public static let walFallbackPages = 50_000
    /// The size a write-ahead log that grew is cut back to when it starts over.
    public static let journalLimitBytes = 64 << 20

    /// The settings of `tune` on one SQLite connection.
    public static func tune(connection sql: any SQLDatabase, checkpointer: Bool, busyTimeout: Int = defaultBusyTimeout) async throws {
        let mode = ProcessInfo.processInfo.environment["BIEB_SQLITE_SYNC"]?.lowercased() == "full" ? "FULL" : "NORMAL"
        try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(max(0, busyTimeout)))").run()
        try await sql.raw("PRAGMA synchronous = \(unsafeRaw: mode)").run()
        if checkpointer {
            try await sql.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(walFallbackPages))").run()
            try await sql.raw("PRAGMA journal_size_limit = \(unsafeRaw: String(journalLimitBytes))").run()
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
        try await db.sql.raw("SELECT 1").run()
    }
}

import BiebCore
