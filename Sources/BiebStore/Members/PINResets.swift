import FluentKit
import Foundation
import SQLKit
import BiebCore

/// One-time codes for choosing a new PIN from an e-mail link: only the
/// code's SHA-256 is kept; a code works once, for an hour.
public struct PINResets: Sendable {
    let db: any Database
    public let organisationID: UUID

    public static let lifetime: TimeInterval = 3_600

    public init(_ db: any Database, organisationID: UUID) {
        self.db = db
        self.organisationID = organisationID
    }

    public func create(member: UUID, codeHash: String, now: Date = Date()) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO pin_reset_codes (code_hash, organisation_id, member_id, expires_at, created_at)
                VALUES (\(bind: codeHash), \(bind: organisationID), \(bind: member), \(bind: now.addingTimeInterval(Self.lifetime)), \(bind: now))
                """).run()
        }
    }

    /// The member of a code that still works (for showing the form).
    public func member(codeHash: String, now: Date = Date()) async throws -> UUID? {
        try await db.sql.raw("""
            SELECT member_id FROM pin_reset_codes
            WHERE code_hash = \(bind: codeHash) AND organisation_id = \(bind: organisationID) AND used_at IS NULL AND expires_at > \(bind: now)
            """).first()?.decode(column: "member_id", as: UUID.self)
    }

    /// Uses the code and sets the new PIN (a hash) in one transaction: a code
    /// works once, also when two tabs send it at the same moment. Returns the
    /// member, or nil when the code is unknown, used or expired.
    public func redeem(codeHash: String, pinHash: String, now: Date = Date()) async throws -> UUID? {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx -> UUID? in
            let sql = tx.sql
            guard let member = try await sql.raw("""
                UPDATE pin_reset_codes SET used_at = \(bind: now)
                WHERE code_hash = \(bind: codeHash) AND organisation_id = \(bind: organisationID) AND used_at IS NULL AND expires_at > \(bind: now)
                RETURNING member_id
                """).first()?.decode(column: "member_id", as: UUID.self) else { return nil }
            try await sql.raw("""
                UPDATE members SET pin_hash = \(bind: pinHash), pin_failures = 0, pin_locked_until = NULL, updated_at = \(bind: now)
                WHERE id = \(bind: member)
                """).run()
            try await sql.raw("DELETE FROM member_tokens WHERE member_id = \(bind: member)").run()
            return member
        }
    }

    /// Codes past their hour are of no use: deleted.
    @discardableResult
    public static func prune(now: Date = Date(), on db: any Database) async throws -> Int {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM pin_reset_codes WHERE expires_at < \(bind: now.addingTimeInterval(-86_400)) RETURNING code_hash")
                .all().count
        }
    }
}

struct CreatePINResetCodes: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("pin_reset_codes")
            .field("code_hash", .string, .identifier(auto: false))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema("pin_reset_codes").delete()
    }
}
