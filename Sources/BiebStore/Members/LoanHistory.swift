import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A returned loan kept for the member who chose to keep their loan history.
public struct LoanHistoryEntry: Sendable, Equatable, Codable {
    public let id: Int
    public let titleID: Int
    public let title: String
    public let author: String?
    public let format: String
    public let branchID: UUID
    public let checkedOutAt: Date
    public let returnedAt: Date
}

/// A member's loan history: off until the member switches it on (the
/// consent `loan_history`, which sets `members.loan_history_since`), then
/// every loan returned from that moment is copied here by the return that
/// ends it. Switching it off deletes it (`Consents.record`). The history is
/// the member's: it is never used for anything they did not agree to
/// (recommendations need their own consent).
public struct LoanHistory: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Since when the member keeps a history (nil: not kept).
    public func since(member: UUID) async throws -> Date? {
        try await sql.raw("SELECT loan_history_since FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisationID)")
            .first()?.decode(column: "loan_history_since", as: Date?.self)
    }

    /// Entries, newest return first; `query` matches words of the title or author.
    public func entries(member: UUID, query: String = "", limit: Int = 50, offset: Int = 0) async throws -> (entries: [LoanHistoryEntry], total: Int) {
        var filter: SQLQueryString = ""
        for word in query.split(whereSeparator: \.isWhitespace).prefix(8) {
            let pattern = "%" + String(word).lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            filter += " AND (LOWER(t.title) LIKE \(bind: pattern) OR LOWER(COALESCE(t.main_author, '')) LIKE \(bind: pattern))"
        }
        let base: SQLQueryString = """
             FROM loan_history h JOIN titles t ON t.id = h.title_id
            WHERE h.member_id = \(bind: member) AND h.organisation_id = \(bind: organisationID)
            """
        let total = try await sql.raw("SELECT COUNT(*) AS n " + base + filter).first()?.decode(column: "n", as: Int.self) ?? 0
        let rows = try await sql.raw("""
            SELECT h.id, h.title_id, t.title, t.main_author, t.format, h.branch_id, h.checked_out_at, h.returned_at
            """ + " " + base + filter + " ORDER BY h.returned_at DESC, h.id DESC LIMIT \(literal: limit) OFFSET \(literal: offset)").all()
        return (try rows.map { row in
            LoanHistoryEntry(id: try row.decode(column: "id", as: Int.self), titleID: try row.decode(column: "title_id", as: Int.self),
                             title: try row.decode(column: "title", as: String.self), author: try row.decode(column: "main_author", as: String?.self),
                             format: try row.decode(column: "format", as: String.self), branchID: try row.decode(column: "branch_id", as: UUID.self),
                             checkedOutAt: try row.decode(column: "checked_out_at", as: Date.self),
                             returnedAt: try row.decode(column: "returned_at", as: Date.self))
        }, total)
    }

    /// Deletes one entry of the member's (false when there is none such).
    @discardableResult
    public func delete(member: UUID, entry: Int) async throws -> Bool {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                DELETE FROM loan_history WHERE id = \(bind: entry) AND member_id = \(bind: member) AND organisation_id = \(bind: organisationID)
                RETURNING id
                """).first() != nil
        }
    }

    /// Deletes every entry; the history stays on. Returns how many went.
    @discardableResult
    public func deleteAll(member: UUID) async throws -> Int {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            try await Self.erase(member: member, organisation: organisationID, on: tx.sql)
        }
    }

    static func erase(member: UUID, organisation: UUID, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("""
            DELETE FROM loan_history WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisation) RETURNING id
            """).all().count
    }

    /// Inside a return: copies the ended loan to its member's history when they keep one.
    static func keep(loan: Int, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO loan_history (organisation_id, member_id, loan_id, title_id, branch_id, checked_out_at, returned_at)
            SELECT l.organisation_id, l.member_id, l.id, l.title_id, l.branch_id, l.checked_out_at, l.returned_at
            FROM loans l JOIN members m ON m.id = l.member_id
            WHERE l.id = \(bind: loan) AND m.loan_history_since IS NOT NULL AND l.returned_at >= m.loan_history_since
            """).run()
    }
}
