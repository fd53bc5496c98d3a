import FluentKit
import Foundation
import SQLKit

/// One number per organisation that changes with anything the app servers
/// keep in memory between requests: the organisation itself, its branches
/// (names, and their calendars through `calendar_version`), circulation
/// settings and loan rules, sort bins, staff accounts and API tokens.
///
/// The database raises it itself, with triggers on those tables, in the
/// same transaction as the change, so no write path can forget it — a
/// staff page, the API, a `bieb` command or another app server. A server
/// reads it once per request (`read`, one row by its key) and uses a cached
/// value only if it was made at the same number: a change is seen by every
/// server at the next request, never a few seconds later.
public enum ConfigVersion {
    static let table = "config_versions"

    /// The organisation's current number (0 when nothing was ever changed).
    public static func read(_ organisationID: UUID, on db: any Database) async throws -> Int {
        try await db.sql.raw("SELECT version FROM config_versions WHERE organisation_id = \(bind: organisationID)")
            .first()?.decode(column: "version", as: Int.self) ?? 0
    }

    /// The tables whose changes raise the number, with how a row names its
    /// organisation, and the columns whose update counts (nil: any; a staff
    /// account's last sign-in does not change what is cached).
    static let watched: [(table: String, organisation: Owner, columns: [String]?)] = [
        ("organisations", .own, nil),
        ("branches", .column("organisation_id"), nil),
        ("circulation_settings", .column("organisation_id"), nil),
        ("loan_rules", .column("organisation_id"), nil),
        ("staff_users", .column("organisation_id"), ["email", "name", "password_hash", "role", "branch_id", "partner_id", "active"]),
        ("api_tokens", .through("user_id", "staff_users"), nil),
        ("sort_bins", .through("branch_id", "branches"), nil),
    ]

    enum Owner {
        /// The row is the organisation.
        case own
        /// A column holds the organisation's id.
        case column(String)
        /// A column holds the id of a row of another table that has `organisation_id`.
        case through(String, String)

        /// The organisation of the row `row` (NEW or OLD) as an SQL expression.
        func expression(_ row: String) -> String {
            switch self {
            case .own: "\(row).id"
            case .column(let column): "\(row).\(column)"
            case .through(let column, let table): "(SELECT organisation_id FROM \(table) WHERE id = \(row).\(column))"
            }
        }
    }
}

/// The table and the triggers that keep it (`ConfigVersion`).
struct CreateConfigVersions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        // No foreign key: a cascade deleting an organisation's branches would otherwise raise a number for an
        // organisation that is going; the row left behind is harmless.
        try await sql.raw("CREATE TABLE config_versions (organisation_id UUID PRIMARY KEY, version BIGINT NOT NULL)").run()
        let postgres = sql.dialect.name != "sqlite"
        for (table, owner, columns) in ConfigVersion.watched {
            for operation in ["INSERT", "UPDATE", "DELETE"] {
                let row = operation == "DELETE" ? "OLD" : "NEW"
                let event = operation == "UPDATE" ? columns.map { "UPDATE OF " + $0.joined(separator: ", ") } ?? "UPDATE" : operation
                let name = "\(table)_\(operation.lowercased())_config"
                let bump = """
                    INSERT INTO config_versions (organisation_id, version) SELECT org, 1 FROM (SELECT \(owner.expression(row)) AS org) AS changed
                    WHERE org IS NOT NULL
                    ON CONFLICT (organisation_id) DO UPDATE SET version = config_versions.version + 1
                    """
                if postgres {
                    try await sql.raw("""
                        CREATE FUNCTION \(unsafeRaw: name)() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN \(unsafeRaw: bump); RETURN NULL; END $$
                        """).run()
                    try await sql.raw("""
                        CREATE TRIGGER \(unsafeRaw: name) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table)
                        FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: name)()
                        """).run()
                } else {
                    try await sql.raw("""
                        CREATE TRIGGER \(unsafeRaw: name) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table)
                        BEGIN \(unsafeRaw: bump); END
                        """).run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql
        for (table, _, _) in ConfigVersion.watched {
            for operation in ["insert", "update", "delete"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: "\(table)_\(operation)_config")\(unsafeRaw: sql.dialect.name != "sqlite" ? " ON \(table)" : "")").run()
            }
        }
        try await sql.raw("DROP TABLE IF EXISTS config_versions").run()
    }
}

/// `ConfigVersion` read at most once per organisation for one unit of work
/// (an HTTP request, a SIP2 message): every cache it consults agrees on
/// one number.
public final class ConfigVersionReader: @unchecked Sendable {
    private let db: any Database
    private let lock = NSLock()
    private var values: [UUID: Int] = [:]

    public init(_ db: any Database) { self.db = db }

    public func version(of organisationID: UUID) async throws -> Int {
        if let known = lock.withLock({ values[organisationID] }) { return known }
        let value = try await ConfigVersion.read(organisationID, on: db)
        lock.withLock { values[organisationID] = value }
        return value
    }
}
