import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A membership type (abonnement) of an organisation: youth, adult tiers,
/// student, city pass. Its code is the member category of the loan rules.
public final class MembershipType: Model, @unchecked Sendable {
    public static let schema = "membership_types"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organisation_id") public var organisationID: UUID
    /// Short code, unique in the organisation ("jeugd", "basis", "volledig").
    @Field(key: "code") public var code: String
    @Field(key: "name_nl") public var nameNL: String
    @Field(key: "name_en") public var nameEN: String
    /// Yearly fee; never charged to members under 18.
    @Field(key: "yearly_fee_cents") public var yearlyFeeCents: Int
    /// Only for members under 18.
    @Field(key: "youth") public var youth: Bool
    @Field(key: "active") public var active: Bool

    public init() {}

    public init(organisationID: UUID, code: String, nameNL: String, nameEN: String, yearlyFeeCents: Int, youth: Bool = false) {
        self.organisationID = organisationID
        self.code = code
        self.nameNL = nameNL
        self.nameEN = nameEN
        self.yearlyFeeCents = yearlyFeeCents
        self.youth = youth
        active = true
    }

    public func name(dutch: Bool) -> String { dutch ? nameNL : nameEN }
}

/// A member (lid). Counters of current loans and holds are kept on the row,
/// in the transactions that change them, so that checking a limit costs the
/// same for a member with 1 loan as for one with 500.
public final class Member: Model, @unchecked Sendable {
    public static let schema = "members"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "name") public var name: String
    /// The name folded (lower case, no diacritics) for finding members.
    @Field(key: "name_key") public var nameKey: String
    /// ISO date.
    @Field(key: "birth_date") public var birthDateText: String
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "street") public var street: String
    @Field(key: "postcode") public var postcode: String
    @Field(key: "city") public var city: String
    @Field(key: "home_branch_id") public var homeBranchID: UUID
    @Field(key: "membership_type_id") public var membershipTypeID: UUID
    /// ISO dates: the membership runs from start through end.
    @Field(key: "membership_start") public var membershipStartText: String
    @Field(key: "membership_end") public var membershipEndText: String
    /// A parent or guardian (for a youth member).
    @OptionalField(key: "guardian_id") public var guardianID: UUID?
    /// Set when staff block the member by hand, with the reason.
    @OptionalField(key: "block_reason") public var blockReason: String?
    /// The language of the member's messages and pages: "nl" or "en".
    @Field(key: "language") public var language: String
    /// A bcrypt hash when the member signs in online with e-mail and password.
    @OptionalField(key: "password_hash") public var passwordHash: String?
    /// Outstanding fees minus payments and waivers (the ledger's sum).
    @Field(key: "balance_cents") public var balanceCents: Int
    @Field(key: "loan_count") public var loanCount: Int
    @Field(key: "hold_count") public var holdCount: Int
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public var birthDate: LocalDate { LocalDate(iso: birthDateText)! }
    public var membershipStart: LocalDate { LocalDate(iso: membershipStartText)! }
    public var membershipEnd: LocalDate { LocalDate(iso: membershipEndText)! }

    public func isYouth(on date: LocalDate) -> Bool { Membership.isYouth(birthDate: birthDate, on: date) }
}

/// A library card: a barcode that identifies a member at desks and kiosks.
/// A lost card stays on record (so a found card is recognised) but blocks.
public final class MemberCard: Model, @unchecked Sendable {
    public static let schema = "member_cards"

    public enum Status: String, Codable, Sendable, CaseIterable { case active, lost, replaced }

    @ID(key: .id) public var id: UUID?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "member_id") public var memberID: UUID
    @Field(key: "barcode") public var barcode: String
    @Field(key: "status") public var statusRaw: String
    @Field(key: "issued_on") public var issuedOn: String

    public init() {}

    public init(organisationID: UUID, memberID: UUID, barcode: String, issuedOn: LocalDate) {
        self.organisationID = organisationID
        self.memberID = memberID
        self.barcode = barcode
        statusRaw = Status.active.rawValue
        self.issuedOn = issuedOn.iso
    }

    public var status: Status { Status(rawValue: statusRaw) ?? .lost }
}

struct CreateMembers: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(MembershipType.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("name_nl", .string, .required)
            .field("name_en", .string, .required)
            .field("yearly_fee_cents", .int, .required)
            .field("youth", .bool, .required)
            .field("active", .bool, .required)
            .unique(on: "organisation_id", "code")
            .create()
        try await database.schema(Member.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("birth_date", .string, .required)
            .field("email", .string)
            .field("phone", .string)
            .field("street", .string, .required)
            .field("postcode", .string, .required)
            .field("city", .string, .required)
            .field("home_branch_id", .uuid, .required, .references(Branch.schema, "id"))
            .field("membership_type_id", .uuid, .required, .references(MembershipType.schema, "id"))
            .field("membership_start", .string, .required)
            .field("membership_end", .string, .required)
            .field("guardian_id", .uuid, .references(Member.schema, "id", onDelete: .setNull))
            .field("block_reason", .string)
            .field("balance_cents", .int, .required, .sql(.default(0)))
            .field("loan_count", .int, .required, .sql(.default(0)))
            .field("hold_count", .int, .required, .sql(.default(0)))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(MemberCard.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("barcode", .string, .required)
            .field("status", .string, .required)
            .field("issued_on", .string, .required)
            .unique(on: "organisation_id", "barcode")
            .create()
        // Current loans per item type, for "at most 3 DVDs" without counting loans.
        try await database.schema("member_type_loans")
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("item_type", .string, .required)
            .field("loans", .int, .required)
            .compositeIdentifier(over: "member_id", "item_type")
            .create()
        try await database.createIndex("members_name_idx", on: Member.schema, "organisation_id", "name_key")
        try await database.createIndex("members_email_idx", on: Member.schema, "organisation_id", "email")
        try await database.createIndex("member_cards_member_idx", on: MemberCard.schema, "member_id")
    }

    func revert(on database: Database) async throws {
        for schema in ["member_type_loans", MemberCard.schema, Member.schema, MembershipType.schema] {
            try await database.schema(schema).delete()
        }
    }
}
