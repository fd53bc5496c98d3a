import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Backups of the whole database, by the databases' own means:
///
/// - **SQLite**: `VACUUM INTO` writes a consistent copy while the server keeps
///   serving (a reader in write-ahead-log mode blocks no writer), compacted,
///   checked with `PRAGMA integrity_check` before it is called done. Restoring
///   checks the copy again and puts it in place of the database file in one
///   rename, with the old write-ahead log removed — the server stopped.
/// - **PostgreSQL**: a wrapper around the standard tools (Debian's
///   postgresql-client): `pg_dump --format=custom`, consistent by its own
///   snapshot while the app servers keep writing; `pg_restore --clean
///   --if-exists --single-transaction` puts it back all or nothing.
///
/// Both report the rows per table, the check a restore is measured by.
public enum Backups {
    /// Rows per table of the database (the schema's own tables; SQLite's internal ones left out).
    public static func counts(on sql: any SQLDatabase) async throws -> [String: Int] {
        let tables: [String]
        if sql.dialect.name == "sqlite" {
            tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all()
                .map { try $0.decode(column: "name", as: String.self) }
        } else {
            tables = try await sql.raw("""
                SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1
                """).all().map { try $0.decode(column: "table_name", as: String.self) }
        }
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
        return counts
    }

    static func refuse(_ message: String, nl: String) -> BiebError { BiebError(.invalid, code: "backup_failed", message: message, nl: nl) }

    /// Writes a copy of the open SQLite database to `path` (which must not exist yet) and checks it.
    public static func backupSQLite(_ sql: any SQLDatabase, to path: String) async throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw refuse("\(path) exists already: a backup never overwrites a file.", nl: "\(path) bestaat al: een back-up overschrijft nooit een bestand.")
        }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try await sql.raw("VACUUM INTO \(bind: path)").run()
        try check(sqliteFile: path)
    }

    /// `PRAGMA integrity_check` of a SQLite file, by Debian's sqlite3 program when present, else by opening it here.
    static func check(sqliteFile path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw refuse("There is no backup at \(path).", nl: "Er is geen back-up op \(path).")
        }
        let output = try run("/usr/bin/sqlite3", ["-readonly", path, "PRAGMA integrity_check;"])
        guard output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok" else {
            throw refuse("\(path) is not a sound SQLite database: \(output.prefix(300))", nl: "\(path) is geen gave SQLite-database: \(output.prefix(300))")
        }
    }

    /// Puts a SQLite backup in place of `target` (the server stopped): checked first, copied next to the target, then
    /// renamed over it in one step; the target's old write-ahead log and shared memory go.
    public static func restoreSQLite(from backup: String, to target: String) throws {
        try check(sqliteFile: backup)
        let manager = FileManager.default
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent()
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let staging = folder.appendingPathComponent(".restore-\(UUID().uuidString).sqlite").path
        try manager.copyItem(atPath: backup, toPath: staging)
        for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: target + suffix) { try manager.removeItem(atPath: target + suffix) }
        guard rename(staging, target) == 0 else {
            try? manager.removeItem(atPath: staging)
            throw refuse("Could not put the backup in place of \(target) (error \(errno)).", nl: "Kon de back-up niet op de plaats van \(target) zetten (fout \(errno)).")
        }
    }

    /// `pg_dump --format=custom` of the database at `url` (only `schema`, when given) to `path`.
    public static func backupPostgres(url: String, schema: String? = nil, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw refuse("\(path) exists already: a backup never overwrites a file.", nl: "\(path) bestaat al: een back-up overschrijft nooit een bestand.")
        }
        var arguments = ["--format=custom", "--no-owner", "--file=\(path)", "--dbname=\(url)"]
        if let schema { arguments.append("--schema=\(schema)") }
        _ = try run(tool("pg_dump"), arguments)
    }

    /// `pg_restore` of a custom-format dump into the database at `url`: the objects it holds dropped and made again,
    /// in one transaction (all or nothing).
    public static func restorePostgres(url: String, from path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw refuse("There is no backup at \(path).", nl: "Er is geen back-up op \(path).")
        }
        _ = try run(tool("pg_restore"), ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname=\(url)", path])
    }

    /// A PostgreSQL program: `BIEB_PG_BIN/<name>` when set (a server's own version), else Debian's on the PATH.
    public static func tool(_ name: String) -> String {
        if let folder = ProcessInfo.processInfo.environment["BIEB_PG_BIN"], !folder.isEmpty { return folder + "/" + name }
        return "/usr/bin/" + name
    }

    /// A program's output; its failure as `backup_failed`, in its own words.
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        do {
            return try ExternalProgram.run(program, arguments, package: program.hasSuffix("sqlite3") ? "sqlite3" : "postgresql-client")
        } catch let error as BiebError {
            throw refuse(error.message, nl: error.messageNL)
        }
    }
}
