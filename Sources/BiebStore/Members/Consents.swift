import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What a member may or may not receive, or have kept: a record per change
/// (granted or withdrawn, when, the text agreed to, through which way), the
/// newest of each purpose being what counts now. Service notices are on
/// until switched off; everything else is off until the member agrees.
public enum ConsentPurpose: String, Codable, Sendable, CaseIterable {
    /// Due soon, overdue, hold available or expired, membership expiring (by e-mail).
    case serviceNotices = "service_notices"
    case newsletter
    /// Suggestions from what the member borrowed.
    case recommendations
    /// Keeping the member's returned loans for them to see.
    case loanHistory = "loan_history"
    /// Taking part in the library panel (customer research): joining makes a panel profile, withdrawing removes it.
    case researchPanel = "research_panel"

    public var onUntilWithdrawn: Bool { self == .serviceNotices }
}

public struct ConsentRecord: Sendable, Equatable {
    public let purpose: ConsentPurpose
    public let granted: Bool
    public let at: Date
    /// The words the member agreed to (or withdrew from), as shown then.
    public let text: String
    /// "portal", "api", "desk:<staff id>" (recorded by staff at the desk or over the staff API), "registration".
    public let source: String
}

public struct Consents: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Whether each purpose is on for the member now.
    public func current(member: UUID) async throws -> [ConsentPurpose: Bool] {
        var result = Dictionary(uniqueKeysWithValues: ConsentPurpose.allCases.map { ($0, $0.onUntilWithdrawn) })
        for record in try await history(member: member).reversed() { result[record.purpose] = record.granted }
        return result
    }

    /// Whether one purpose is on (the newest record, else its default).
    public static func isOn(_ purpose: ConsentPurpose, member: UUID, on sql: any SQLDatabase) async throws -> Bool {
        guard let row = try await sql.raw("""
            SELECT granted FROM consents WHERE member_id = \(bind: member) AND purpose = \(bind: purpose.rawValue) ORDER BY id DESC LIMIT 1
            """).first() else { return purpose.onUntilWithdrawn }
        return try row.decode(column: "granted", as: Bool.self)
    }

    /// The same rule as `isOn` for a purpose off until granted, as an SQL
    /// condition on a member column: the newest record of the purpose says yes.
    static func grantedCondition(_ purpose: ConsentPurpose, memberColumn: String) -> SQLQueryString {
        precondition(!purpose.onUntilWithdrawn, "only for purposes that are off until granted")
        return """
            (SELECT c.granted FROM consents c WHERE c.member_id = \(unsafeRaw: memberColumn) AND c.purpose = \(bind: purpose.rawValue)
             ORDER BY c.id DESC LIMIT 1) = \(bind: true)
            """
    }

    /// Every change, newest first.
    public func history(member: UUID) async throws -> [ConsentRecord] {
        try await sql.raw("""
            SELECT purpose, granted, at, text, source FROM consents WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID)
            ORDER BY id DESC
            """).all().compactMap { row in
            guard let purpose = ConsentPurpose(rawValue: try row.decode(column: "purpose", as: String.self)) else { return nil }
            return ConsentRecord(purpose: purpose, granted: try row.decode(column: "granted", as: Bool.self), at: try row.decode(column: "at", as: Date.self),
                                 text: try row.decode(column: "text", as: String.self), source: try row.decode(column: "source", as: String.self))
        }
    }

    /// Records a change; nothing when it changes nothing. Returns whether it changed.
    @discardableResult
    public func record(member: UUID, _ purpose: ConsentPurpose, granted: Bool, text: String, source: String, at now: Date = Date()) async throws -> Bool {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("SELECT id FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisationID)").first() != nil else {
                throw BiebError.notFound("member", nl: "Lid niet gevonden.")
            }
            if try await Self.isOn(purpose, member: member, on: sql) == granted { return false }
            try await sql.raw("""
                INSERT INTO consents (organisation_id, member_id, purpose, granted, at, text, source)
                VALUES (\(bind: organisationID), \(bind: member), \(bind: purpose.rawValue), \(bind: granted), \(bind: now), \(bind: text), \(bind: source))
                """).run()
            if purpose == .researchPanel {
                // Joining or leaving the panel is the choice itself: in the same transaction.
                if granted { try await ResearchPanel.enrol(member: member, organisation: organisationID, now: now, on: sql) }
                else { try await ResearchPanel.remove(member: member, on: sql) }
            }
            if purpose == .loanHistory {
                // The history starts now, or ends now and is erased: in the same transaction as the choice.
                try await sql.raw("UPDATE members SET loan_history_since = \(bind: granted ? now : nil) WHERE id = \(bind: member)").run()
                if !granted { _ = try await LoanHistory.erase(member: member, organisation: organisationID, on: sql) }
            }
            return true
        }
    }
}

/// Consents, and the language a member wants their messages in.
struct CreateConsents: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("consents")
            .field("id", .int, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("granted", .bool, .required)
            .field("at", .datetime, .required)
            .field("text", .string, .required)
            .field("source", .string, .required)
            .create()
        let builder = database.schema(Member.schema)
        builder.schema.createFields = [.definition(name: .key("language"), dataType: .string, constraints: [.required, .sql(.default("nl"))])]
        try await builder.update()
        try await database.createIndex("consents_member_idx", on: "consents", "member_id", "purpose", "id")
    }

    func revert(on database: Database) async throws {
        try await database.schema("consents").delete()
    }
}
