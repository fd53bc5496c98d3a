import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Everything Bieb holds about one member (the right of access), read in
/// one place and given two ways: machine-readable JSON and a readable page.
/// Each section names its columns once; the JSON keys and the page's
/// column headings (`data_col_<key>`) come from the same list.
struct MemberData {
    struct Section {
        /// JSON key and heading (`data_section_<key>`).
        let key: String
        /// A single record (the member) or a table.
        let single: Bool
        let columns: [String]
        let rows: [[String?]]
    }

    let generatedAt: Date
    let organisation: String
    let sections: [Section]

    static func iso(_ date: Date?) -> String? { date.map { ISO8601DateFormatter().string(from: $0) } }

    /// Reads the member's data; `member` must be checked by the caller.
    static func read(member id: UUID, organisation: Organisation, on db: any Database, now: Date = Date()) async throws -> MemberData {
        let sql = db.sql
        let bools: Set<String> = ["granted", "signs_in_with_email", "has_pin"]
        func rows(_ query: SQLQueryString, _ columns: [String], dates: Set<String> = []) async throws -> [[String?]] {
            try await sql.raw(query).all().map { row in
                try columns.map { column in
                    if dates.contains(column) { return iso(try row.decode(column: column, as: Date?.self)) }
                    if bools.contains(column) { return try row.decode(column: column, as: Bool?.self).map { $0 ? "true" : "false" } }
                    // Numbers first: PostgreSQL hands an integer's bytes to a String decode.
                    if let number = try? row.decode(column: column, as: Int?.self) { return String(number) }
                    if let text = try? row.decode(column: column, as: String?.self) { return text }
                    if let flag = try? row.decode(column: column, as: Bool?.self) { return flag ? "true" : "false" }
                    if let uuid = try? row.decode(column: column, as: UUID?.self) { return uuid.uuidString.lowercased() }
                    return nil
                }
            }
        }
        let memberColumns = ["id", "name", "birth_date", "email", "phone", "street", "postcode", "city", "home_branch", "membership_type",
                             "membership_type_en", "membership_start", "membership_end", "language", "guardian_id", "block_reason", "balance_cents",
                             "signs_in_with_email", "has_pin", "self_service_terms_on", "loan_history_since", "erasure_requested_at",
                             "created_at", "updated_at"]
        let member = try await rows("""
            SELECT m.id, m.name, m.birth_date, m.email, m.phone, m.street, m.postcode, m.city, b.name AS home_branch, t.name_nl AS membership_type,
                t.name_en AS membership_type_en, m.membership_start, m.membership_end, m.language, m.guardian_id, m.block_reason, m.balance_cents,
                (m.password_hash IS NOT NULL) AS signs_in_with_email, (m.pin_hash IS NOT NULL) AS has_pin, m.self_service_terms_on,
                m.loan_history_since, m.erasure_requested_at, m.created_at, m.updated_at
            FROM members m JOIN branches b ON b.id = m.home_branch_id JOIN membership_types t ON t.id = m.membership_type_id
            WHERE m.id = \(bind: id) AND m.organisation_id = \(bind: organisation.id!)
            """, memberColumns, dates: ["loan_history_since", "erasure_requested_at", "created_at", "updated_at"])
        guard !member.isEmpty else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        var sections = [Section(key: "member", single: true, columns: memberColumns, rows: member)]
        func table(_ key: String, _ columns: [String], dates: Set<String> = [], _ query: SQLQueryString) async throws {
            sections.append(Section(key: key, single: false, columns: columns, rows: try await rows(query, columns, dates: dates)))
        }
        try await table("cards", ["barcode", "status", "issued_on"],
                        "SELECT barcode, status, issued_on FROM member_cards WHERE member_id = \(bind: id) ORDER BY issued_on")
        try await table("online_join", ["joined_at", "identity_checked_at"], dates: ["joined_at", "identity_checked_at"], """
            SELECT joined_at, verified_at AS identity_checked_at FROM online_joins WHERE member_id = \(bind: id)
            """)
        try await table("youth_members", ["id", "name"],
                        "SELECT id, name FROM members WHERE guardian_id = \(bind: id) ORDER BY name")
        try await table("loans", ["title", "barcode", "branch", "checked_out_at", "due_on", "renewals", "returned_at", "ended_as"],
                        dates: ["checked_out_at", "returned_at"], """
            SELECT t.title, i.barcode, b.name AS branch, l.checked_out_at, l.due_on, l.renewals, l.returned_at, l.ended_as
            FROM loans l JOIN items i ON i.id = l.item_id JOIN titles t ON t.id = l.title_id JOIN branches b ON b.id = l.branch_id
            WHERE l.member_id = \(bind: id) ORDER BY l.checked_out_at DESC
            """)
        try await table("loan_history", ["title", "author", "branch", "checked_out_at", "returned_at"], dates: ["checked_out_at", "returned_at"], """
            SELECT t.title, t.main_author AS author, b.name AS branch, h.checked_out_at, h.returned_at
            FROM loan_history h JOIN titles t ON t.id = h.title_id JOIN branches b ON b.id = h.branch_id
            WHERE h.member_id = \(bind: id) ORDER BY h.returned_at DESC
            """)
        try await table("holds", ["title", "pickup_branch", "status", "placed_at", "expires_on", "suspended_until", "ready_until"],
                        dates: ["placed_at"], """
            SELECT t.title, b.name AS pickup_branch, h.status, h.placed_at, h.expires_on, h.suspended_until, h.ready_until
            FROM holds h JOIN titles t ON t.id = h.title_id JOIN branches b ON b.id = h.pickup_branch_id
            WHERE h.member_id = \(bind: id) ORDER BY h.placed_at DESC
            """)
        try await table("space_bookings", ["space", "branch", "starts_at", "ends_at", "status"], dates: ["starts_at", "ends_at"], """
            SELECT s.name AS space, b.name AS branch, k.starts_at, k.ends_at, k.status
            FROM space_bookings k JOIN spaces s ON s.id = k.space_id JOIN branches b ON b.id = s.branch_id
            WHERE k.member_id = \(bind: id) ORDER BY k.starts_at DESC
            """)
        try await table("registrations", ["activity", "first_session", "places", "status", "created_at"], dates: ["first_session", "created_at"], """
            SELECT a.title AS activity, a.starts_at AS first_session, r.places, r.status, r.created_at
            FROM registrations r JOIN activities a ON a.id = r.activity_id WHERE r.member_id = \(bind: id) ORDER BY a.starts_at DESC
            """)
        try await table("appointments", ["consultation_hour", "slot_start", "status", "question"], dates: ["slot_start"], """
            SELECT h.title AS consultation_hour, p.slot_start, p.status, p.question
            FROM appointments p JOIN consultation_hours h ON h.id = p.hour_id WHERE p.member_id = \(bind: id) ORDER BY p.slot_start DESC
            """)
        try await table("communities", ["community", "since"], dates: ["since"], """
            SELECT c.name AS community, f.created_at AS since
            FROM community_followers f JOIN communities c ON c.id = f.community_id WHERE f.member_id = \(bind: id) ORDER BY c.name
            """)
        try await table("fees", ["created_at", "kind", "amount_cents", "note"], dates: ["created_at"], """
            SELECT created_at, kind, amount_cents, note FROM fee_lines WHERE member_id = \(bind: id) ORDER BY created_at, id
            """)
        try await table("payments", ["created_at", "purpose", "amount_cents", "status", "provider", "refunded_cents"], dates: ["created_at"], """
            SELECT created_at, purpose, amount_cents, status, provider, refunded_cents FROM payments WHERE member_id = \(bind: id) ORDER BY created_at
            """)
        try await table("consents", ["at", "purpose", "granted", "text", "source"], dates: ["at"], """
            SELECT "at", purpose, granted, text, source FROM consents WHERE member_id = \(bind: id) ORDER BY id
            """)
        try await table("messages", ["created_at", "kind", "status", "recipient", "subject", "sent_at"], dates: ["created_at", "sent_at"], """
            SELECT created_at, kind, status, recipient, subject, sent_at FROM outbox_messages WHERE member_id = \(bind: id) ORDER BY id
            """)
        try await table("staff_views", ["at", "staff", "role", "purpose", "via"], dates: ["at"], """
            SELECT v."at", s.name AS staff, s.role, v.purpose, v.via FROM member_views v JOIN staff_users s ON s.id = v.staff_user_id
            WHERE v.member_id = \(bind: id) ORDER BY v.id DESC
            """)
        return MemberData(generatedAt: now, organisation: organisation.name, sections: sections)
    }

    /// The JSON document: `{"generated_at", "organisation", "member": {…}, "cards": [{…}], …}`.
    func json() throws -> Data {
        var document: [String: Any] = ["generated_at": Self.iso(generatedAt) ?? "", "organisation": organisation]
        for section in sections {
            let objects = section.rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(section.columns, row).map { ($0, $1.map { $0 as Any } ?? NSNull()) })
            }
            document[section.key] = section.single ? (objects.first ?? [:]) as Any : objects as Any
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }
}
