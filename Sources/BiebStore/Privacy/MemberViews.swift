import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Why a staff member opened a member's record.
public enum ViewPurpose: String, Codable, Sendable, CaseIterable {
    /// Lending, returns, holds and fees at the desk.
    case desk
    /// Questions about or changes to the account (details, cards, membership).
    case account
    /// A request of the member under the GDPR (access, rectification, erasure).
    case privacyRequest = "privacy_request"
    /// A privacy officer's audit.
    case audit
    /// The registrations and attendance of an activity.
    case activity
    /// Anything else (named by a client as `other`).
    case other
}

/// A recorded view: who opened whose record, when, why, and where.
public struct MemberView: Sendable, Equatable, Codable {
    public let at: Date
    public let memberID: UUID
    public let staffID: UUID
    public let staffName: String
    public let staffRole: String
    public let purpose: ViewPurpose
    /// "staff pages" or "api".
    public let via: String
}

/// The log of staff views of member records: every time a staff member
/// opens a member's personal data (details, loans, fees), a line. Members
/// see the lines about themselves; the privacy officer sees all of the
/// organisation's. Kept `Retention.viewLogDays`.
public struct MemberViews: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public func record(member: UUID, staff: UUID, purpose: ViewPurpose, via: String, at now: Date = Date()) async throws {
        try await record(members: [member], staff: staff, purpose: purpose, via: via, at: now)
    }

    /// One line per member (of this organisation), in one statement.
    public func record(members: [UUID], staff: UUID, purpose: ViewPurpose, via: String, at now: Date = Date()) async throws {
        guard !members.isEmpty else { return }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO member_views (organisation_id, member_id, staff_user_id, "at", purpose, via)
                SELECT \(bind: organisationID), id, \(bind: staff), \(bind: now), \(bind: purpose.rawValue), \(bind: via)
                FROM members WHERE id IN \(SQLBind.group(members)) AND organisation_id = \(bind: organisationID)
                """).run()
        }
    }

    /// Views, newest first: of one member, or by one staff account, or all, from a moment.
    public func list(member: UUID? = nil, staff: UUID? = nil, since: Date? = nil, limit: Int = 200) async throws -> [MemberView] {
        var filter: SQLQueryString = ""
        if let member { filter += " AND v.member_id = \(bind: member)" }
        if let staff { filter += " AND v.staff_user_id = \(bind: staff)" }
        if let since { filter += " AND v.\"at\" >= \(bind: since)" }
        return try await sql.raw("""
            SELECT v."at", v.member_id, v.staff_user_id, s.name, s.role, v.purpose, v.via
            FROM member_views v JOIN staff_users s ON s.id = v.staff_user_id
            WHERE v.organisation_id = \(bind: organisationID)
            """ + filter + " ORDER BY v.id DESC LIMIT \(literal: limit)").all().map { row in
            MemberView(at: try row.decode(column: "at", as: Date.self), memberID: try row.decode(column: "member_id", as: UUID.self),
                       staffID: try row.decode(column: "staff_user_id", as: UUID.self),
                       staffName: try row.decode(column: "name", as: String.self), staffRole: try row.decode(column: "role", as: String.self),
                       purpose: ViewPurpose(rawValue: try row.decode(column: "purpose", as: String.self)) ?? .other,
                       via: try row.decode(column: "via", as: String.self))
        }
    }

    func prune(before cutoff: Date) async throws -> Int {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                DELETE FROM member_views WHERE organisation_id = \(bind: organisationID) AND "at" < \(bind: cutoff) RETURNING id
                """).all().count
        }
    }
}
