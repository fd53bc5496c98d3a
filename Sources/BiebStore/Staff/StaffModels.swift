import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A staff account: admin, staff, volunteer or partner contact of one organisation.
public final class StaffUser: Model, @unchecked Sendable {
    public static let schema = "staff_users"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "organisation_id") public var organisation: Organisation
    /// Lower-case e-mail address; unique across the deployment (it is the sign-in name).
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "role") public var roleRaw: String
    /// The branch of a volunteer (their reduced rights apply there only).
    @OptionalParent(key: "branch_id") public var branch: Branch?
    /// The partner organisation of a partner contact.
    @OptionalField(key: "partner_id") public var partnerID: UUID?
    @Field(key: "active") public var active: Bool
    @OptionalField(key: "last_login_at") public var lastLoginAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(id: UUID? = nil, organisationID: UUID, email: String, name: String, passwordHash: String,
                role: StaffRole, branchID: UUID? = nil, active: Bool = true) {
        self.id = id
        self.$organisation.id = organisationID
        self.email = email.lowercased()
        self.name = name
        self.passwordHash = passwordHash
        self.roleRaw = role.rawValue
        self.$branch.id = branchID
        self.active = active
    }

    public var role: StaffRole {
        get { StaffRole(rawValue: roleRaw) ?? .volunteer }
        set { roleRaw = newValue.rawValue }
    }

    public var organisationID: UUID { $organisation.id }
    public var branchID: UUID? { $branch.id }

    public func can(_ permission: Permission, branch: UUID? = nil) -> Bool {
        active && AccessPolicy.allows(role, permission, branch: branch, ownBranch: branchID)
    }
}

/// A bearer token for the API. Only the SHA-256 of the token is stored.
public final class APIToken: Model, @unchecked Sendable {
    public static let schema = "api_tokens"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: StaffUser
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "name") public var name: String
    @Field(key: "expires_at") public var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(userID: UUID, tokenHash: String, name: String, expiresAt: Date) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.name = name
        self.expiresAt = expiresAt
    }
}

struct CreateStaff: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(StaffUser.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("active", .bool, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "email")
            .create()

        try await database.schema(APIToken.schema)
            .id()
            .field("user_id", .uuid, .required, .references(StaffUser.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("name", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()

        // Failed sign-in tries per key (`Throttles`).
        try await database.schema("login_throttle")
            .id()
            .field("key", .string, .required)
            .field("failures", .int, .required)
            .field("first_failure_at", .datetime, .required)
            .field("locked_until", .datetime)
            .unique(on: "key")
            .create()
    }

    func revert(on database: Database) async throws {
        for schema in ["login_throttle", APIToken.schema, StaffUser.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// A staff page session: its key (the cookie value), data and when it ends.
/// Expired sessions are removed as new ones are made.
public final class StaffSessionRecord: Model, @unchecked Sendable {
    public static let schema = "staff_sessions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "key") public var key: String
    /// The session data as a JSON object of strings.
    @Field(key: "data") public var data: String
    @Field(key: "expires_at") public var expiresAt: Date

    public init() {}

    public init(key: String, data: String, expiresAt: Date) {
        self.key = key
        self.data = data
        self.expiresAt = expiresAt
    }
}

struct CreateStaffSessions: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(StaffSessionRecord.schema)
            .id()
            .field("key", .string, .required)
            .field("data", .string, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "key")
            .create()
        try await database.createIndex("staff_sessions_expires_idx", on: StaffSessionRecord.schema, "expires_at")
    }

    func revert(on database: Database) async throws {
        try await database.schema(StaffSessionRecord.schema).delete()
    }
}
