import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A member's own way in: the sign-in facts (card and PIN, or e-mail and
/// password), API tokens, contact changes made by the member, and the
/// youth accounts a guardian manages. Every query is scoped to one
/// organisation.
public struct MemberAccounts: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    // MARK: Signing in

    /// Who may sign in with an e-mail address: members of this organisation
    /// with that address and a password (normally one).
    public func passwordHolders(email: String) async throws -> [(id: UUID, hash: String)] {
        try await sql.raw("""
            SELECT id, password_hash FROM members
            WHERE organisation_id = \(bind: organisationID) AND email = \(bind: email.trimmed.lowercased()) AND password_hash IS NOT NULL
            """).all().map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "password_hash", as: String.self)) }
    }

    /// Sets (or with nil removes) the member's password hash. Refused when
    /// another member of the organisation signs in with the same e-mail
    /// address (a family sharing one): then each signs in with their card.
    public func setPassword(member: UUID, hash: String?) async throws {
        guard let row = try await sql.raw("""
            SELECT email FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisationID)
            """).first() else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        if hash != nil {
            guard let email = try row.decode(column: "email", as: String?.self) else {
                throw BiebError.invalid("email", "Give an e-mail address first: you sign in with it.",
                                        nl: "Vul eerst een e-mailadres in: daarmee log je in.")
            }
            if try await passwordHolders(email: email).contains(where: { $0.id != member }) {
                throw BiebError(.conflict, code: "email_shared", field: "email",
                                message: "Another member signs in with this e-mail address; sign in with your card number and PIN.",
                                nl: "Een ander lid logt al in met dit e-mailadres; log in met je pasnummer en pincode.")
            }
        }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE members SET password_hash = \(bind: hash), updated_at = \(bind: Date()) WHERE id = \(bind: member)
                """).run()
        }
    }

    // MARK: Tokens

    /// Stores a new API token (its SHA-256 only) for a member.
    public func createToken(member: UUID, hash: String, expiresAt: Date, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await MemberToken(memberID: member, organisationID: organisationID, tokenHash: hash, expiresAt: expiresAt, createdAt: now)
                .create(on: tx)
        }
    }

    /// The member of an unexpired token (any organisation: the token says which).
    public static func token(hash: String, on db: any Database, now: Date = Date()) async throws -> MemberToken? {
        try await MemberToken.query(on: db).filter(\.$tokenHash == hash).filter(\.$expiresAt > now).first()
    }

    public func deleteToken(hash: String) async throws {
        try await MemberToken.query(on: db).filter(\.$tokenHash == hash).delete()
    }

    /// Ends every API sign-in of a member (a new PIN or password, a closed account).
    public func deleteTokens(member: UUID) async throws {
        try await MemberToken.query(on: db).filter(\.$memberID == member).delete()
    }

    // MARK: Accounts

    /// The access facts of a member of this organisation (nil: no such member here).
    public func access(_ member: UUID) async throws -> AccountAccess.Account? {
        guard let row = try await sql.raw("""
            SELECT id, guardian_id, birth_date FROM members WHERE id = \(bind: member) AND organisation_id = \(bind: organisationID)
            """).first() else { return nil }
        return AccountAccess.Account(id: try row.decode(column: "id", as: UUID.self),
                                     guardianID: try row.decode(column: "guardian_id", as: UUID?.self),
                                     birthDate: LocalDate(iso: try row.decode(column: "birth_date", as: String.self))!)
    }

    /// The accounts a member may manage: their own first, then the youth
    /// members they are guardian of, by name.
    public func manageable(by member: UUID, today: LocalDate) async throws -> [(id: UUID, name: String, relation: AccountAccess.Relation)] {
        let rows = try await sql.raw("""
            SELECT id, name, guardian_id, birth_date FROM members
            WHERE organisation_id = \(bind: organisationID) AND (id = \(bind: member) OR guardian_id = \(bind: member))
            ORDER BY CASE WHEN id = \(bind: member) THEN 0 ELSE 1 END, name_key
            """).all()
        return try rows.compactMap { row in
            let account = AccountAccess.Account(id: try row.decode(column: "id", as: UUID.self),
                                                guardianID: try row.decode(column: "guardian_id", as: UUID?.self),
                                                birthDate: LocalDate(iso: try row.decode(column: "birth_date", as: String.self))!)
            guard let relation = AccountAccess.relation(of: member, to: account, today: today) else { return nil }
            return (account.id, try row.decode(column: "name", as: String.self), relation)
        }
    }

    /// A member's new contact details (checked by `ContactChange`); name
    /// and birth date stay as they are.
    public func changeContact(member: UUID, to change: ContactChange, today: LocalDate) async throws -> Member {
        guard let record = try await MemberDirectory(db, organisationID: organisationID).member(member) else {
            throw BiebError.notFound("member", nl: "Lid niet gevonden.")
        }
        let valid = try change.validated(name: record.name, birthDate: record.birthDate, today: today)
        if valid.email != record.email, let email = valid.email,
           try await passwordHolders(email: email).contains(where: { $0.id != member }), record.passwordHash != nil {
            throw BiebError(.conflict, code: "email_shared", field: "email",
                            message: "Another member signs in with this e-mail address; choose another one.",
                            nl: "Een ander lid logt al in met dit e-mailadres; kies een ander.")
        }
        let now = Date()
        try await WriteGate.transaction(on: db) { tx in
            var statement: SQLQueryString = """
                UPDATE members SET email = \(bind: valid.email), phone = \(bind: valid.phone), street = \(bind: valid.street),
                    postcode = \(bind: valid.postcode), city = \(bind: valid.city), updated_at = \(bind: now)
                """
            // Without an e-mail address there is nothing to sign in with a password.
            if valid.email == nil { statement += ", password_hash = NULL" }
            try await tx.sql.raw(statement + " WHERE id = \(bind: member)").run()
        }
        return try await MemberDirectory(db, organisationID: organisationID).member(member)!
    }
}

/// An API token of a member (the SHA-256 of the token; the token itself is
/// shown once).
public final class MemberToken: Model, @unchecked Sendable {
    public static let schema = "member_tokens"

    @ID(key: .id) public var id: UUID?
    @Field(key: "member_id") public var memberID: UUID
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(memberID: UUID, organisationID: UUID, tokenHash: String, expiresAt: Date, createdAt: Date) {
        self.memberID = memberID
        self.organisationID = organisationID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// Members signing in themselves: a password for e-mail sign-in, and API tokens.
struct CreateMemberAccounts: AsyncMigration {
    func prepare(on database: Database) async throws {
        let builder = database.schema(Member.schema)
        builder.schema.createFields = [.definition(name: .key("password_hash"), dataType: .string, constraints: [])]
        try await builder.update()
        try await database.schema(MemberToken.schema)
            .id()
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.createIndex("member_tokens_member_idx", on: MemberToken.schema, "member_id")
    }

    func revert(on database: Database) async throws {
        try await database.schema(MemberToken.schema).delete()
        let builder = database.schema(Member.schema)
        builder.schema.deleteFields = [.key("password_hash")]
        try await builder.update()
    }
}
