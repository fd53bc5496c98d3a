import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The right to erasure. A member asks (`request`); the account goes as
/// soon as nothing is open — at once when nothing is, otherwise by the
/// privacy job once the last loan is back and the last fee paid. Erasing
/// removes every record about the member; what stays is pseudonymous:
/// loans without a member, circulation events with an age band, membership
/// type and postcode area, online payments without a member (the amounts
/// the bookkeeping needs), and a count in the privacy log.
public struct Erasure: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// What still blocks removing the account.
    public func blockers(member: UUID) async throws -> [ErasureBlocker] {
        try await Self.blockers(member: member, organisation: organisationID, on: sql)
    }

    static func blockers(member: UUID, organisation: UUID, on sql: any SQLDatabase) async throws -> [ErasureBlocker] {
        guard let row = try await sql.raw("""
            SELECT loan_count, balance_cents,
                (SELECT COUNT(*) FROM loans l WHERE l.member_id = m.id AND l.open = \(bind: true)) AS open_loans,
                (SELECT COUNT(*) FROM payments p WHERE p.member_id = m.id AND p.status = 'open') AS open_payments
            FROM members m WHERE m.id = \(bind: member) AND m.organisation_id = \(bind: organisation)
            """).first() else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        return ErasureBlocker.blockers(openLoans: try row.decode(column: "open_loans", as: Int.self),
                                       balanceCents: try row.decode(column: "balance_cents", as: Int.self),
                                       paymentsInProgress: try row.decode(column: "open_payments", as: Int.self))
    }

    public enum RequestOutcome: Sendable, Equatable {
        /// Nothing blocked: the account is gone.
        case erased
        /// Recorded; the account goes when these are resolved.
        case waiting([ErasureBlocker])
    }

    /// The member asks to be removed: erased now when nothing blocks, else
    /// recorded. The caller cancels the member's holds first (so their copies go to the next in the queue).
    public func request(member: UUID, now: Date = Date(), timeZone: TimeZone) async throws -> RequestOutcome {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let blockers = try await Self.blockers(member: member, organisation: organisationID, on: sql)
            if blockers.isEmpty {
                try await Self.erase(member: member, organisation: organisationID, timeZone: timeZone, on: sql)
                try await Retention.log("erasure", count: 1, detail: "request", organisation: organisationID, at: now, on: sql)
                return .erased
            }
            try await sql.raw("""
                UPDATE members SET erasure_requested_at = COALESCE(erasure_requested_at, \(bind: now)) WHERE id = \(bind: member)
                """).run()
            return .waiting(blockers)
        }
    }

    /// The member changed their mind (before the account went).
    public func withdrawRequest(member: UUID) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE members SET erasure_requested_at = NULL WHERE id = \(bind: member) AND organisation_id = \(bind: organisationID)
                """).run()
        }
    }

    /// When the member asked to be removed (nil: not asked).
    public func requestedAt(member: UUID) async throws -> Date? {
        try await sql.raw("SELECT erasure_requested_at FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisationID)")
            .first()?.decode(column: "erasure_requested_at", as: Date?.self)
    }

    /// Erases the members who asked and are no longer blocked.
    func eraseRequested(now: Date, timeZone: TimeZone) async throws -> Int {
        let candidates = try await sql.raw("""
            SELECT id FROM members WHERE organisation_id = \(bind: organisationID) AND erasure_requested_at IS NOT NULL
                AND loan_count = 0 AND balance_cents = 0
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        return try await eraseEach(candidates, reason: "request", timeZone: timeZone, now: now)
    }

    /// Erases members whose membership ended `years` ago and have nothing open.
    func eraseInactive(years: Int, now: Date, timeZone: TimeZone) async throws -> Int {
        let today = LocalDate(now, in: timeZone)
        // 29 February falls back to 28 February in a year without it.
        let before = LocalDate(year: today.year - years, month: today.month, day: today.day)
            ?? LocalDate(year: today.year - years, month: today.month, day: 28)!
        let candidates = try await sql.raw("""
            SELECT id FROM members WHERE organisation_id = \(bind: organisationID) AND membership_end < \(bind: before.iso)
                AND loan_count = 0 AND balance_cents = 0
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        return try await eraseEach(candidates, reason: "inactive \(years) years", timeZone: timeZone, now: now)
    }

    func eraseEach(_ members: [UUID], reason: String, timeZone: TimeZone, now: Date) async throws -> Int {
        let organisationID = organisationID
        var erased = 0
        for member in members {
            // Checked again inside the transaction: a loan may have started since the list was read.
            let done = try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                guard try await Self.blockers(member: member, organisation: organisationID, on: sql).isEmpty else { return false }
                try await Self.erase(member: member, organisation: organisationID, timeZone: timeZone, on: sql)
                return true
            }
            if done { erased += 1 }
        }
        if erased > 0 {
            let count = erased
            try await WriteGate.transaction(on: db) { tx in
                try await Retention.log(reason == "request" ? "erasure" : "inactive_members_removed", count: count, detail: reason,
                                        organisation: organisationID, at: now, on: tx.sql)
            }
        }
        return erased
    }

    /// Removes every record of the member, inside the caller's transaction.
    static func erase(member: UUID, organisation: UUID, timeZone: TimeZone, on sql: any SQLDatabase) async throws {
        // What statistics keep: the events, with pseudonymous facts instead of the member.
        var after = 0
        while case let (500, last?) = try await Retention.pseudonymiseEvents(before: nil, member: member, after: after, organisation: organisation,
                                                                            timeZone: timeZone, batch: 500, on: sql) {
            after = last
        }
        try await sql.raw("UPDATE loans SET member_id = NULL WHERE member_id = \(bind: member)").run()
        try await sql.raw("UPDATE payments SET member_id = NULL WHERE member_id = \(bind: member)").run()
        try await sql.raw("UPDATE members SET guardian_id = NULL WHERE guardian_id = \(bind: member)").run()
        // Holds: a hold's copy set aside for the member goes back to the queue's next (or the shelf) when the desk sees it.
        try await sql.raw("UPDATE items SET hold_id = NULL WHERE hold_id IN (SELECT id FROM holds WHERE member_id = \(bind: member))").run()
        // Registrations: their places go to the waiting lists at once.
        let activities = try await sql.raw("""
            SELECT DISTINCT activity_id FROM registrations WHERE member_id = \(bind: member) AND status = 'registered'
            """).all().map { try $0.decode(column: "activity_id", as: UUID.self) }
        try await sql.raw("DELETE FROM registrations WHERE member_id = \(bind: member)").run()
        for activity in activities { _ = try await Registrations.promote(activity: activity, now: Date(), on: sql) }
        // Research: out of the panel (invitations not answered go; answered ones keep only their count), and an answer
        // linked by consent loses its link; anonymous answers never had one.
        try await ResearchPanel.remove(member: member, on: sql)
        try await sql.raw("UPDATE research_responses SET member_id = NULL WHERE member_id = \(bind: member)").run()
        for table in ["holds", "loan_history", "consents", "outbox_messages", "pin_reset_codes", "member_tokens", "member_views",
                      "fee_lines", "member_cards", "member_type_loans", "space_bookings", "appointments", "community_followers", "online_joins"] {
            try await sql.raw("DELETE FROM \(unsafeRaw: table) WHERE member_id = \(bind: member)").run()
        }
        // Signed-in page sessions of the member.
        try await sql.raw("DELETE FROM staff_sessions WHERE data LIKE \(bind: "%" + member.uuidString + "%")").run()
        try await sql.raw("DELETE FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisation)").run()
    }
}
