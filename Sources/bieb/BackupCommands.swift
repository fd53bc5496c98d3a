import ArgumentParser
import Foundation
import SQLKit
import Vapor
import BiebStore
import BiebServer

/// `bieb backup --to FILE` and `bieb restore --from FILE --force`: the whole database by the databases' own means
/// (`Backups`): SQLite's `VACUUM INTO` while the server keeps serving, PostgreSQL's `pg_dump` and `pg_restore`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a backup of the database while it serves (SQLite: a checked copy; PostgreSQL: pg_dump's custom format).")

    @ArgumentParser.OptionGroup var database: DatabaseOptions
    @ArgumentParser.Option(name: .long, help: "The backup file to write (never overwritten).") var to: String

    func run() async throws {
        let location = database.location(defaultFile: "bieb.sqlite")
        let target = URL(fileURLWithPath: to).path
        let started = Date()
        print("Backing up \(location) to \(target) …")
        switch location {
        case .postgres(let url, let schema):
            try Backups.backupPostgres(url: url, schema: schema, to: target)
        default:
            let app = try await Runner.application(database: location, migrate: false, quiet: true)
            do {
                try await Backups.backupSQLite(app.db as! any SQLDatabase, to: target)
                let counts = try await Backups.counts(on: app.db as! any SQLDatabase)
                print("  \(counts.count) tables, \(counts.values.reduce(0, +)) rows; checked (integrity_check: ok)")
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: target)[.size]) as? Int) ?? 0
        print(String(format: "Backup written: %@ (%.1f MB) in %.1f s.", target, Double(size) / 1_048_576, Date().timeIntervalSince(started)))
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place of the database (stop the servers first; SQLite: checked, then swapped in one step; PostgreSQL: pg_restore in one transaction).")

    @ArgumentParser.OptionGroup var database: DatabaseOptions
    @ArgumentParser.Option(name: .long, help: "The backup file to restore.") var from: String
    @ArgumentParser.Flag(name: .long, help: "Replace the database's contents (required: a restore overwrites what is there).") var force = false

    func run() async throws {
        let location = database.location(defaultFile: "bieb.sqlite")
        let source = URL(fileURLWithPath: from).path
        guard force else {
            throw ValidationError("A restore replaces everything in \(location). Stop the servers, then run it again with --force.")
        }
        let started = Date()
        print("Restoring \(source) into \(location) …")
        switch location {
        case .postgres(let url, _):
            try Backups.restorePostgres(url: url, from: source)
        case .sqliteFile(let path):
            try Backups.restoreSQLite(from: source, to: path)
        case .sqliteMemory:
            throw ValidationError("An in-memory database cannot be restored into.")
        }
        // Opened once: migrations a newer Bieb has run on top, and the rows it holds.
        let app = try await Runner.application(database: location, migrate: true, quiet: true)
        do {
            let counts = try await Backups.counts(on: app.db as! any SQLDatabase)
            print("  \(counts.count) tables, \(counts.values.reduce(0, +)) rows")
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        print(String(format: "Restored in %.1f s.", Date().timeIntervalSince(started)))
    }
}
