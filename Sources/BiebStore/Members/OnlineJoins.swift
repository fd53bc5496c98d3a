import Crypto
import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A member who joined online, as staff see them until someone checked an
/// identity document at the member's first visit.
public struct OnlineJoin: Sendable, Equatable {
    public let memberID: UUID
    public let name: String
    public let birthDate: LocalDate
    public let card: String?
    public let homeBranchID: UUID
    public let membershipType: String
    /// What the member still owes (the first year's fee until paid).
    public let balanceCents: Int
    public let joinedAt: Date
    /// Another member of the organisation has the same name and birth date: perhaps a second membership.
    public let possibleDuplicate: Bool
}

/// Joining online ("Lid worden"): the member is registered with the rules
/// the desk uses (`MemberDirectory.register`), gets a card number at once
/// (`CardNumbers`) and a password to sign in with, and stays on staff's
/// list until an identity document was seen at a desk (`verify`).
///
/// One membership per e-mail address: an address a member of the
/// organisation already has is refused, and a unique key on the address's
/// hash (`online_joins.email_key`) makes two joins racing with one address
/// end in exactly one member. The key is a SHA-256 of the lowered address,
/// not the address: the member's record keeps that, once. A key whose
/// member no longer has the address is let go before a new join checks it.
public struct OnlineJoins: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public static func emailTaken() -> BiebError {
        BiebError(.conflict, code: "email_taken", field: "email",
                  message: "This e-mail address already belongs to a membership. Sign in, or ask for a new password or PIN.",
                  nl: "Dit e-mailadres hoort al bij een lidmaatschap. Log in, of vraag een nieuw wachtwoord of een nieuwe pincode aan.")
    }

    static func emailKey(_ email: String) -> String {
        SHA256.hash(data: Data(email.trimmed.lowercased().utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Registers a member who joined online. `registration.card` is ignored:
    /// the card number is drawn here. The e-mail address is required.
    public func join(_ registration: MemberRegistration, passwordHash: String, today: LocalDate, now: Date = Date(),
                     cardNumbers: @Sendable () -> String = { CardNumbers.generate() }) async throws -> (member: Member, card: String) {
        let details = try registration.details.validated(today: today)
        guard let email = details.email else {
            throw BiebError.invalid("email", "Give your e-mail address: your confirmation goes there, and you sign in with it.",
                                    nl: "Vul je e-mailadres in: je bevestiging gaat daarheen, en je logt ermee in.")
        }
        let key = Self.emailKey(email)
        let organisationID = organisationID
        for _ in 0..<5 {
            if try await emailInUse(email) { throw Self.emailTaken() }
            var attempt = registration
            attempt.card = cardNumbers()
            attempt.passwordHash = passwordHash
            do {
                let member = try await MemberDirectory(db, organisationID: organisationID).register(attempt, today: today) { tx, memberID in
                    let sql = tx.sql
                    try await sql.raw("""
                        UPDATE online_joins SET email_key = NULL
                        WHERE organisation_id = \(bind: organisationID) AND email_key = \(bind: key)
                          AND member_id NOT IN (SELECT id FROM members WHERE organisation_id = \(bind: organisationID) AND email = \(bind: email))
                        """).run()
                    try await sql.raw("""
                        INSERT INTO online_joins (member_id, organisation_id, email_key, joined_at)
                        VALUES (\(bind: memberID), \(bind: organisationID), \(bind: key), \(bind: now))
                        """).run()
                    _ = try await Outbox.enqueue(.welcome, organisation: organisationID, member: memberID, reference: "welcome",
                                                 dedupe: "welcome:\(memberID)", at: now, on: sql)
                }
                return (member, attempt.card)
            } catch let error as BiebError where error.code == "card_taken" {
                // Either the drawn number was taken (draw again) or a join with this address won the race.
                if try await emailInUse(email) { throw Self.emailTaken() }
            }
        }
        throw BiebError(.unavailable, code: "no_card_number", message: "No free card number was found; try again.",
                        nl: "Er was geen vrij pasnummer te vinden; probeer het opnieuw.")
    }

    func emailInUse(_ email: String) async throws -> Bool {
        try await sql.raw("""
            SELECT 1 AS found FROM members WHERE organisation_id = \(bind: organisationID) AND email = \(bind: email)
            """).first() != nil
    }

    /// Members who joined online and whose identity nobody checked yet, newest first (of one home branch, or all).
    public func awaiting(branch: UUID? = nil, limit: Int = 200) async throws -> [OnlineJoin] {
        let branchFilter: SQLQueryString = branch.map { "AND m.home_branch_id = \(bind: $0)" } ?? ""
        return try await sql.raw("""
            SELECT m.id, m.name, m.birth_date, m.home_branch_id, m.balance_cents, j.joined_at, t.name_nl,
                   (SELECT c.barcode FROM member_cards c WHERE c.member_id = m.id AND c.status = 'active' ORDER BY c.issued_on DESC LIMIT 1) AS card,
                   (SELECT COUNT(*) FROM members o WHERE o.organisation_id = m.organisation_id AND o.id <> m.id
                      AND LOWER(o.name) = LOWER(m.name) AND o.birth_date = m.birth_date) AS same_person
            FROM online_joins j JOIN members m ON m.id = j.member_id JOIN membership_types t ON t.id = m.membership_type_id
            WHERE j.organisation_id = \(bind: organisationID) AND j.verified_at IS NULL \(branchFilter)
            ORDER BY j.joined_at DESC LIMIT \(bind: limit)
            """).all().map { row in
            OnlineJoin(memberID: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                       birthDate: LocalDate(iso: try row.decode(column: "birth_date", as: String.self)) ?? LocalDate(year: 1900, month: 1, day: 1)!,
                       card: try row.decode(column: "card", as: String?.self), homeBranchID: try row.decode(column: "home_branch_id", as: UUID.self),
                       membershipType: try row.decode(column: "name_nl", as: String.self),
                       balanceCents: try row.decode(column: "balance_cents", as: Int.self), joinedAt: try row.decode(column: "joined_at", as: Date.self),
                       possibleDuplicate: try row.decode(column: "same_person", as: Int.self) > 0)
        }
    }

    /// When the member joined online, if their identity still needs checking.
    public func unverified(member: UUID) async throws -> Date? {
        try await sql.raw("""
            SELECT joined_at FROM online_joins
            WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID) AND verified_at IS NULL
            """).first()?.decode(column: "joined_at", as: Date.self)
    }

    /// When the member joined online and when (if) their identity was checked; nil: they did not join online.
    public func record(member: UUID) async throws -> (joinedAt: Date, verifiedAt: Date?)? {
        guard let row = try await sql.raw("""
            SELECT joined_at, verified_at FROM online_joins WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID)
            """).first() else { return nil }
        return (try row.decode(column: "joined_at", as: Date.self), try row.decode(column: "verified_at", as: Date?.self))
    }

    /// Staff saw an identity document that matches the member's name and
    /// birth date. Once: a second check (another desk, at the same time) is refused.
    public func verify(member: UUID, staff: UUID, branch: UUID?, now: Date = Date()) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("""
                UPDATE online_joins SET verified_at = \(bind: now), verified_by = \(bind: staff)
                WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID) AND verified_at IS NULL
                RETURNING member_id
                """).first() != nil else {
                throw BiebError(.conflict, code: "not_awaiting_verification", field: "member",
                                message: "This member's identity was checked already, or they did not join online.",
                                nl: "De identiteit van dit lid is al gecontroleerd, of dit lid werd niet online lid.")
            }
            try await Ledger.event("identity_verified", organisation: organisationID, at: now, branch: branch, member: member, staff: staff, on: sql)
        }
    }
}

/// Who joined online, and whether someone saw their identity document.
struct CreateOnlineJoins: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("online_joins")
            .field("member_id", .uuid, .identifier(auto: false), .references(Member.schema, "id", onDelete: .cascade))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("email_key", .string)
            .field("joined_at", .datetime, .required)
            .field("verified_at", .datetime)
            .field("verified_by", .uuid)
            .create()
        try await database.createIndex("online_joins_email_idx", on: "online_joins", "organisation_id", "email_key", unique: true)
        try await database.createIndex("online_joins_waiting_idx", on: "online_joins", "organisation_id", "verified_at", "joined_at")
    }

    func revert(on database: Database) async throws {
        try await database.schema("online_joins").delete()
    }
}
