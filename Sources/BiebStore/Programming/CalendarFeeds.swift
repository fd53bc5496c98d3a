import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A member's personal calendar feed: a secret address (calendar apps
/// cannot sign in) that shows their registrations. Renewing it makes the
/// old address stop working; it goes with the member.
public struct CalendarFeeds: Sendable {
    let db: any Database
    public init(_ db: any Database) { self.db = db }

    public func renew(member: UUID) async throws -> String {
        let token = Registrations.newToken()
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("UPDATE members SET calendar_token = \(bind: token) WHERE id = \(bind: member)").run()
        }
        return token
    }

    public func revoke(member: UUID) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("UPDATE members SET calendar_token = NULL WHERE id = \(bind: member)").run()
        }
    }

    /// The member whose feed this is (of the organisation).
    public func member(token: String, organisation: UUID) async throws -> UUID? {
        guard token.count == 32 else { return nil }
        return try await db.sql.raw("""
            SELECT id FROM members WHERE calendar_token = \(bind: token) AND organisation_id = \(bind: organisation)
            """).first()?.decode(column: "id", as: UUID.self)
    }

    public func token(member: UUID) async throws -> String? {
        try await db.sql.raw("SELECT calendar_token FROM members WHERE id = \(bind: member)").first()?
            .decode(column: "calendar_token", as: String?.self)
    }
}
