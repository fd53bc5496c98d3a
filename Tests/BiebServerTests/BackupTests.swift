import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Issue 23: a backup taken while the server serves, restored, holds the same data: the same rows per table, a
/// member who signs in, a loan that is there.
@Suite("Backup and restore") struct BackupTests {
    static let pin = "2468"

    /// A member with a PIN and a loan; returns the member and the loan.
    static func world(_ app: Application) async throws -> (member: UUID, loan: Int) {
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        let f = try await CirculationFixture.make(on: app, today: today)
        try await SelfServiceStore(app.db, organisationID: f.network.city).setPIN(member: f.adult, hash: try app.password.hash(pin))
        let loan = try await Circulation(app.db, organisationID: f.network.city)
            .checkout(member: f.adult, item: "B1C1", at: Circulation.Desk(branch: f.network.central, now: Date()))
        return (f.adult, loan.loanID)
    }

    static func signsIn(_ app: Application) async throws -> Bool {
        let client = TestClient(app)
        let response = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": CirculationFixture.adultCard, "pin": pin])
        return response.status == .created
    }

    @Test func aSQLiteBackupTakenWhileServingRestoresTheSameData() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bieb-backup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let backup = folder.appendingPathComponent("backup.sqlite").path
        let restored = folder.appendingPathComponent("restored/bieb.sqlite").path
        let (before, member, loan) = try await withBieb(.sqlite) { app in
            let (member, loan) = try await Self.world(app)
            let sql = app.db as! any SQLDatabase
            // Taken with the server's connections open (write-ahead log: a reader blocks no writer).
            try await Backups.backupSQLite(sql, to: backup)
            // Never over an existing file.
            await #expect(throws: BiebError.self) { try await Backups.backupSQLite(sql, to: backup) }
            return (try await Backups.counts(on: sql), member, loan)
        }
        try Backups.restoreSQLite(from: backup, to: restored)
        // A file that is no database is refused before anything is replaced.
        let junk = folder.appendingPathComponent("junk.sqlite").path
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(throws: BiebError.self) { try Backups.restoreSQLite(from: junk, to: restored) }

        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        var options = ServerOptions(database: .sqliteFile(path: restored), migrateOnStart: false, bcryptCost: 4)
        options.host = "127.0.0.1"
        do {
            try await configure(app, options: options)
            let sql = app.db as! any SQLDatabase
            let after = try await Backups.counts(on: sql)
            #expect(after == before && (after["loans"] ?? 0) >= 1 && (after["members"] ?? 0) >= 2)
            let open = try await sql.raw("SELECT member_id, open FROM loans WHERE id = \(bind: loan)").first()
            #expect(try open?.decode(column: "member_id", as: UUID.self) == member && open?.decode(column: "open", as: Bool.self) == true)
            #expect(try await Self.signsIn(app))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    @Test func aPostgreSQLBackupByPgDumpRestoresTheSameData() async throws {
        guard let url = TestDatabase.postgresURL, FileManager.default.isExecutableFile(atPath: Backups.tool("pg_dump")) else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bieb-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let backup = folder.appendingPathComponent("backup.dump").path
        try await withBieb(.postgres) { app in
            let (member, loan) = try await Self.world(app)
            let sql = app.db as! any SQLDatabase
            let schema = try #require(try await sql.raw("SELECT current_schema() AS s").first()?.decode(column: "s", as: String.self))
            let before = try await Backups.counts(on: sql)
            try Backups.backupPostgres(url: url, schema: schema, to: backup)
            // Lost: the schema and everything in it. Restored from the dump, in one transaction.
            try await sql.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
            try Backups.restorePostgres(url: url, from: backup)
            let after = try await Backups.counts(on: sql)
            #expect(after == before && (after["loans"] ?? 0) >= 1)
            let open = try await sql.raw("SELECT member_id FROM loans WHERE id = \(bind: loan) AND open").first()
            #expect(try open?.decode(column: "member_id", as: UUID.self) == member)
            #expect(try await Self.signsIn(app))
        }
    }
}
