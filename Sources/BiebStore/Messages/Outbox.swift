import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The kinds of message Bieb sends to members.
public enum NoticeKind: String, Codable, Sendable, CaseIterable {
    case holdReady = "hold_ready"
    case holdExpired = "hold_expired"
    case dueSoon = "due_soon"
    case overdue
    case membershipExpiring = "membership_expiring"
    case pinReset = "pin_reset"
    /// The monthly reading tips (only with the consent `recommendations`).
    case recommendations
    /// A registration for an activity: a place or the waiting list, with the cancellation link.
    case activityRegistered = "activity_registered"
    /// A guest's own registration: confirm it by the link, or it lapses.
    case activityConfirm = "activity_confirm"
    /// A place came free: moved up from the waiting list.
    case activityPromoted = "activity_promoted"
    /// Before each session of an activity one is registered for.
    case activityReminder = "activity_reminder"
    /// After joining online: the card number and what comes next (always sent, like a PIN reset the member asked for).
    case welcome
    /// The library called the activity off.
    case activityCancelled = "activity_cancelled"
    /// An appointment in a partner's consultation hour, with the cancellation link.
    case appointmentBooked = "appointment_booked"
    /// The partner's consultation hour was cancelled.
    case appointmentCancelled = "appointment_cancelled"
    /// An invitation to a survey (the panel, after an activity), with its one-use link; written when put in.
    case surveyInvitation = "survey_invitation"
    /// The one reminder of a survey invitation, put in with it and due days later; not sent once answered.
    case surveyReminder = "survey_reminder"

    /// Service notices can be switched off by the member; a PIN reset they asked for always goes; tips have their own consent;
    /// messages about a registration or appointment someone made go to them (also without an account).
    public var isServiceNotice: Bool { ![.pinReset, .recommendations, .welcome].contains(self) && !isProgramme && !isResearch }

    /// A survey's invitation or reminder: written when put in, sent while the invitation is open.
    public var isResearch: Bool { self == .surveyInvitation || self == .surveyReminder }

    /// About a registration or an appointment: sent to a member or to a guest's address.
    public var isProgramme: Bool {
        [.activityRegistered, .activityConfirm, .activityPromoted, .activityReminder, .activityCancelled, .appointmentBooked,
         .appointmentCancelled].contains(self)
    }
}

/// A message in the outbox.
public struct OutboxMessage: Sendable, Equatable, Decodable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Waiting to be sent (again).
        case pending
        /// Claimed by a sender.
        case sending
        case sent
        /// Not sent: refused, out of tries, or interrupted while sending (never sent again by itself).
        case failed
        /// Not sent and not to be: no e-mail address, notices switched off, or no longer true.
        case skipped
    }

    public let id: Int
    public let organisationID: UUID
    public let memberID: UUID?
    public let kind: NoticeKind
    /// What the notice is about, for rendering it when it is sent (e.g. "hold:42", "due:2026-12-01").
    public let reference: String
    public let status: Status
    public let attempts: Int
    public let nextAttemptAt: Date
    public let recipient: String?
    public let subject: String?
    public let lastError: String?
    public let createdAt: Date
    public let sentAt: Date?
    /// Set for a message written when it was put in (a PIN reset link), or once sent.
    public let bodyText: String?
    public let bodyHTML: String?

    /// Read as its row in `outbox_messages`: each key is a column, named
    /// here once (`Outbox` reads rows with SQLKit's `decode(model:)`).
    enum CodingKeys: String, CodingKey {
        case id, organisationID = "organisation_id", memberID = "member_id", kind, reference, status, attempts
        case nextAttemptAt = "next_attempt_at", recipient, subject, lastError = "last_error", createdAt = "created_at", sentAt = "sent_at"
        case bodyText = "body_text", bodyHTML = "body_html"
    }
}

/// The durable outbox: notices are put in by the same transaction as the
/// change they tell about, and sent by any app server that claims them.
///
/// - One per event: a notice carries a key (`dedupe`) unique per
///   organisation; putting the same one in again does nothing.
/// - Claimed by one sender: `claim` marks messages `sending` with a lease in
///   one statement (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so two app
///   servers never send the same message.
/// - Never twice: a failure the mail server reported (or a connection that
///   never got the message) is retried with back-off; a message whose
///   sender stopped while it was `sending` may have gone out, so it is
///   marked failed with that reason, for staff to look at, not retried.
public struct Outbox: Sendable {
    let db: any Database
    public init(_ db: any Database) { self.db = db }
    var sql: any SQLDatabase { db.sql }

    /// Tries before a message fails for good.
    public static let maximumAttempts = 6
    /// How long a sender may keep a claim.
    public static let lease: TimeInterval = 10 * 60

    /// Waits before the next try after `attempts` failed ones: 1, 5, 30 minutes, 2 and 12 hours.
    public static func backoff(afterAttempts attempts: Int) -> TimeInterval {
        [60, 300, 1_800, 7_200, 43_200][min(max(attempts, 1), 5) - 1]
    }

    /// Puts a notice in the outbox (normally inside the transaction of the
    /// change it is about). Returns false when that notice was already there.
    @discardableResult
    public static func enqueue(_ kind: NoticeKind, organisation: UUID, member: UUID?, reference: String, dedupe: String, at now: Date,
                               on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            INSERT INTO outbox_messages (organisation_id, member_id, kind, reference, dedupe_key, status, attempts, next_attempt_at, created_at)
            VALUES (\(bind: organisation), \(bind: member), \(bind: kind.rawValue), \(bind: reference), \(bind: dedupe), 'pending', 0, \(bind: now), \(bind: now))
            ON CONFLICT (organisation_id, dedupe_key) DO NOTHING RETURNING id
            """).first() != nil
    }

    /// Puts in a message written now (one whose content cannot be written
    /// later, such as a link with a one-time token).
    public func enqueueWritten(_ kind: NoticeKind, organisation: UUID, member: UUID?, recipient: String, subject: String, text: String,
                               html: String?, dedupe: String, at now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO outbox_messages (organisation_id, member_id, kind, reference, dedupe_key, status, attempts, next_attempt_at, created_at,
                    recipient, subject, body_text, body_html)
                VALUES (\(bind: organisation), \(bind: member), \(bind: kind.rawValue), '', \(bind: dedupe), 'pending', 0, \(bind: now), \(bind: now),
                    \(bind: recipient), \(bind: subject), \(bind: text), \(bind: html))
                ON CONFLICT (organisation_id, dedupe_key) DO NOTHING
                """).run()
        }
    }

    /// Claims up to `limit` messages that are due, for this sender, until the lease ends.
    public func claim(limit: Int, now: Date = Date()) async throws -> [OutboxMessage] {
        let lock = sql.dialect.name == "postgresql" ? "FOR UPDATE SKIP LOCKED" : ""
        let rows = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET status = 'sending', claimed_until = \(bind: now.addingTimeInterval(Self.lease)), attempts = attempts + 1
                WHERE id IN (SELECT id FROM outbox_messages WHERE status = 'pending' AND next_attempt_at <= \(bind: now)
                             ORDER BY id LIMIT \(literal: limit) \(unsafeRaw: lock))
                RETURNING *
                """).all()
        }
        return try rows.map(Self.message).sorted { $0.id < $1.id }
    }

    static func message(_ row: any SQLRow) throws -> OutboxMessage {
        try row.decode(model: OutboxMessage.self)
    }

    /// What was rendered for a claimed message (kept for staff to see what went out).
    public func rendered(_ id: Int, recipient: String, subject: String, text: String, html: String?) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET recipient = \(bind: recipient), subject = \(bind: subject), body_text = \(bind: text), body_html = \(bind: html)
                WHERE id = \(bind: id) AND status = 'sending'
                """).run()
        }
    }

    /// Renews the claim on a message just before it is sent; false when the
    /// claim is gone (its lease ran out and it was marked interrupted):
    /// then it must not be sent.
    public func renewClaim(_ id: Int, now: Date = Date()) async throws -> Bool {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET claimed_until = \(bind: now.addingTimeInterval(Self.lease))
                WHERE id = \(bind: id) AND status = 'sending' RETURNING id
                """).first() != nil
        }
    }

    public func markSent(_ id: Int, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET status = 'sent', sent_at = \(bind: now), claimed_until = NULL, last_error = NULL,
                    body_text = CASE WHEN kind = 'pin_reset' THEN NULL ELSE body_text END,
                    body_html = CASE WHEN kind = 'pin_reset' THEN NULL ELSE body_html END
                WHERE id = \(bind: id) AND status = 'sending'
                """).run()
        }
    }

    /// Not sent: again later (with back-off), or failed for good when the
    /// failure is permanent or the tries are used up.
    public func markFailed(_ id: Int, error: String, permanent: Bool, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("SELECT attempts FROM outbox_messages WHERE id = \(bind: id) AND status = 'sending'").first() else { return }
            let attempts = try row.decode(column: "attempts", as: Int.self)
            if permanent || attempts >= Self.maximumAttempts {
                try await sql.raw("""
                    UPDATE outbox_messages SET status = 'failed', claimed_until = NULL, last_error = \(bind: String(error.prefix(500))) WHERE id = \(bind: id)
                    """).run()
            } else {
                try await sql.raw("""
                    UPDATE outbox_messages SET status = 'pending', claimed_until = NULL, last_error = \(bind: String(error.prefix(500))),
                        next_attempt_at = \(bind: now.addingTimeInterval(Self.backoff(afterAttempts: attempts)))
                    WHERE id = \(bind: id)
                    """).run()
            }
        }
    }

    /// Not to be sent, with the reason (no address, switched off, no longer true).
    public func markSkipped(_ id: Int, reason: String) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET status = 'skipped', claimed_until = NULL, last_error = \(bind: reason) WHERE id = \(bind: id) AND status = 'sending'
                """).run()
        }
    }

    /// Messages whose sender stopped while sending: they may have gone out,
    /// so they are not sent again by themselves. Returns how many.
    @discardableResult
    public func recoverInterrupted(now: Date = Date()) async throws -> Int {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET status = 'failed', claimed_until = NULL,
                    last_error = 'Interrupted while sending: it may have gone out, so it is not sent again automatically.'
                WHERE status = 'sending' AND claimed_until < \(bind: now) RETURNING id
                """).all().count
        }
    }

    // MARK: For staff

    /// An organisation's messages, newest first, optionally of one status.
    public func list(organisation: UUID, status: OutboxMessage.Status? = nil, limit: Int = 100) async throws -> [OutboxMessage] {
        var query: SQLQueryString = "SELECT * FROM outbox_messages WHERE organisation_id = \(bind: organisation)"
        if let status { query += " AND status = \(bind: status.rawValue)" }
        return try await sql.raw(query + " ORDER BY id DESC LIMIT \(literal: limit)").all().map(Self.message)
    }

    public func counts(organisation: UUID) async throws -> [OutboxMessage.Status: Int] {
        var counts: [OutboxMessage.Status: Int] = [:]
        for row in try await sql.raw("""
            SELECT status, COUNT(*) AS n FROM outbox_messages WHERE organisation_id = \(bind: organisation) GROUP BY status
            """).all() {
            if let status = OutboxMessage.Status(rawValue: try row.decode(column: "status", as: String.self)) {
                counts[status] = try row.decode(column: "n", as: Int.self)
            }
        }
        return counts
    }

    /// Whether a notice with this key is in the outbox (0 or 1).
    public func countOf(dedupe: String, organisation: UUID) async throws -> Int {
        try await sql.raw("""
            SELECT COUNT(*) AS n FROM outbox_messages WHERE organisation_id = \(bind: organisation) AND dedupe_key = \(bind: dedupe)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// One message of an organisation.
    public func find(_ id: Int, organisation: UUID) async throws -> OutboxMessage? {
        try await sql.raw("""
            SELECT * FROM outbox_messages WHERE id = \(bind: id) AND organisation_id = \(bind: organisation)
            """).first().map(Self.message)
    }

    /// The text that went out (or was to go out).
    public func body(_ id: Int, organisation: UUID) async throws -> (text: String?, html: String?)? {
        guard let row = try await sql.raw("""
            SELECT body_text, body_html FROM outbox_messages WHERE id = \(bind: id) AND organisation_id = \(bind: organisation)
            """).first() else { return nil }
        return (try row.decode(column: "body_text", as: String?.self), try row.decode(column: "body_html", as: String?.self))
    }

    /// Staff send a failed message again (they checked it did not arrive).
    public func retry(_ id: Int, organisation: UUID, now: Date = Date()) async throws {
        let done = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE outbox_messages SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now), last_error = NULL
                WHERE id = \(bind: id) AND organisation_id = \(bind: organisation) AND status = 'failed' RETURNING id
                """).first() != nil
        }
        guard done else {
            throw BiebError(.conflict, code: "not_failed", message: "Only a failed message can be sent again.",
                            nl: "Alleen een mislukt bericht kan opnieuw worden verstuurd.")
        }
    }

    /// Days a finished message (sent, skipped, failed) is kept: long enough for staff to answer "did I get a mail?".
    public static let keepDays = 90

    /// Deletes the messages about one thing (a guest's registration once its
    /// data is erased: the address and text go with it).
    static func forget(reference: String, organisation: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            DELETE FROM outbox_messages WHERE organisation_id = \(bind: organisation)
                AND (reference = \(bind: reference) OR reference LIKE \(bind: reference + ":%"))
            """).run()
    }

    /// Finished messages older than `days` are deleted (their text holds
    /// personal data no longer needed). Returns how many.
    @discardableResult
    public func prune(olderThan days: Int, now: Date = Date()) async throws -> Int {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                DELETE FROM outbox_messages WHERE status IN ('sent', 'skipped', 'failed')
                    AND created_at < \(bind: now.addingTimeInterval(-Double(days) * 86_400))
                RETURNING id
                """).all().count
        }
    }
}

/// The outbox table.
struct CreateOutbox: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("outbox_messages")
            .field("id", .int, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            // A member's messages go with the member (an erased member leaves none).
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("reference", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claimed_until", .datetime)
            .field("recipient", .string)
            .field("subject", .string)
            .field("body_text", .string)
            .field("body_html", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "organisation_id", "dedupe_key")
            .create()
        try await database.createIndex("outbox_due_idx", on: "outbox_messages", "status", "next_attempt_at")
        try await database.createIndex("outbox_org_idx", on: "outbox_messages", "organisation_id", "id")
        try await database.createIndex("outbox_member_idx", on: "outbox_messages", "member_id")
    }

    func revert(on database: Database) async throws {
        try await database.schema("outbox_messages").delete()
    }
}
