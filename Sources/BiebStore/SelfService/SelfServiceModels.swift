import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A self-service machine's SIP2 account: a kiosk, a return sorter or a
/// door controller at a branch. It logs in with `login` and its password
/// (kept as a bcrypt hash) and may send only the messages it is allowed.
public final class SIP2Terminal: Model, @unchecked Sendable {
    public static let schema = "sip2_terminals"

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case kiosk, sorter, door

        /// The messages a terminal of this kind needs (login, status, resend and end session always).
        public var standardMessages: Set<SIP2.Command> {
            let always: Set<SIP2.Command> = [.login, .status, .resend, .requestResend, .endSession]
            switch self {
            case .kiosk:
                return always.union([.patronInformation, .patronStatus, .checkout, .checkin, .renew, .renewAll, .itemInformation,
                                     .hold, .feePaid])
            case .sorter:
                return always.union([.checkin, .itemInformation])
            case .door:
                return always.union([.patronStatus, .patronInformation])
            }
        }
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    /// The login user (CN), unique in the deployment: a login carries no organisation.
    @Field(key: "login") public var login: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "kind") public var kindRaw: String
    /// A name staff recognise ("Kiosk 1, begane grond").
    @Field(key: "name") public var name: String
    /// The location code (CP) the machine sends, if it must match.
    @OptionalField(key: "location_code") public var locationCode: String?
    /// "nl" or "en": the language of screen messages unless a request names one.
    @Field(key: "language") public var language: String
    /// Allowed commands, comma-separated codes ("11,09,17").
    @Field(key: "allowed_messages") public var allowedMessagesText: String
    @Field(key: "active") public var active: Bool
    @OptionalField(key: "last_login_at") public var lastLoginAt: Date?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public var kind: Kind { Kind(rawValue: kindRaw) ?? .kiosk }

    public var allowedMessages: Set<SIP2.Command> {
        get { Set(allowedMessagesText.split(separator: ",").compactMap { SIP2.Command(rawValue: String($0)) }) }
        set { allowedMessagesText = newValue.map(\.rawValue).sorted().joined(separator: ",") }
    }

    public var dutch: Bool { language != "en" }
}

/// One entry through a self-service door, for visitor statistics. Who came
/// in is not kept: only the branch, the hour, an age band and the category.
public enum Visits {
    static let schema = "visits"
}

struct CreateSelfService: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(SIP2Terminal.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("login", .string, .required)
            .field("password_hash", .string, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("location_code", .string)
            .field("language", .string, .required)
            .field("allowed_messages", .string, .required)
            .field("active", .bool, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "login")
            .create()
        try await database.schema("sort_bins")
            .field("branch_id", .uuid, .identifier(auto: false), .references(Branch.schema, "id", onDelete: .cascade))
            .field("holds", .string, .required)
            .field("transit", .string, .required)
            .field("shelf", .string, .required)
            .create()
        try await database.schema(Visits.schema)
            .field("id", .int, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("via", .string, .required)
            .field("age_band", .string, .required)
            .field("category", .string, .required)
            .create()
        // The member's PIN (bcrypt), its failed tries and lock, and the day the self-service terms were accepted.
        for field in [DatabaseSchema.FieldDefinition.definition(name: .key("pin_hash"), dataType: .string, constraints: []),
                      .definition(name: .key("pin_failures"), dataType: .int, constraints: [.required, .sql(.default(0))]),
                      .definition(name: .key("pin_locked_until"), dataType: .datetime, constraints: []),
                      .definition(name: .key("self_service_terms_on"), dataType: .string, constraints: [])] {
            // SQLite adds one column per statement.
            let builder = database.schema(Member.schema)
            builder.schema.createFields = [field]
            try await builder.update()
        }
        try await database.createIndex("sip2_terminals_org_idx", on: SIP2Terminal.schema, "organisation_id")
        try await database.createIndex("visits_branch_idx", on: Visits.schema, "branch_id", "at")
    }

    func revert(on database: Database) async throws {
        for column in ["pin_hash", "pin_failures", "pin_locked_until", "self_service_terms_on"] {
            try await database.schema(Member.schema).deleteField(FieldKey(stringLiteral: column)).update()
        }
        for schema in [Visits.schema, "sort_bins", SIP2Terminal.schema] {
            try await database.schema(schema).delete()
        }
    }
}
