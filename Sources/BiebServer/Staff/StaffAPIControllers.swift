import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

struct UserDTO: Content {
    let id: UUID
    let organisation: String
    let email: String
    let name: String
    let role: StaffRole
    let branch_id: UUID?
    /// The partner organisation of a partner account.
    let partner_id: UUID?
    let active: Bool
    let last_login_at: Date?

    init(_ user: StaffUser, organisation: String) {
        id = user.id!
        self.organisation = organisation
        email = user.email
        name = user.name
        role = user.role
        branch_id = user.branchID
        partner_id = user.partnerID
        active = user.active
        last_login_at = user.lastLoginAt
    }
}

/// `POST /api/v1/auth/token` (sign in, get a bearer token), `DELETE` (sign
/// out this token), `GET /api/v1/me`.
struct AuthAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.post("auth", "token", use: issue)
        api.delete("auth", "token", use: revoke)
        api.get("me", use: me)
    }

    struct Credentials: Content {
        var email: String
        var password: String
        var name: String?
    }

    struct TokenDTO: Content {
        let token: String
        let token_type: String
        let expires_at: Date
        let user: UserDTO
    }

    func issue(req: Request) async throws -> Response {
        let credentials = try req.content.decode(Credentials.self)
        let user = try await SignIn(request: req).verify(email: credentials.email, password: credentials.password)
        let token = Tokens.generate()
        let record = APIToken(userID: user.id!, tokenHash: Tokens.hash(token), name: credentials.name ?? "api",
                              expiresAt: Date().addingTimeInterval(req.bieb.tokenLifetime))
        try await record.create(on: req.db)
        let org = try await Organisation.find(user.organisationID, on: req.db)!
        let response = Response(status: .created)
        try response.content.encode(TokenDTO(token: token, token_type: "Bearer", expires_at: record.expiresAt,
                                             user: UserDTO(user, organisation: org.slug)))
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func revoke(req: Request) async throws -> HTTPStatus {
        _ = try req.staff()
        if let token = req.storage[CurrentTokenKey.self] {
            // The deletion raises the organisation's ConfigVersion: every server's token cache reads it again.
            try await APIToken.query(on: req.db).filter(\.$id == token).delete()
        }
        return .noContent
    }

    func me(req: Request) async throws -> UserDTO {
        // The whole account (the signed-in one may come from the token cache, without e.g. the last sign-in).
        let signedIn = try req.staff()
        let user = try await StaffUser.find(signedIn.id, on: req.db) ?? signedIn
        let org = try await Organisation.find(user.organisationID, on: req.db)!
        return UserDTO(user, organisation: org.slug)
    }
}

/// `/api/v1/users`: staff accounts of the signed-in admin's organisation.
struct UserAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let users = routes.grouped("api", "v1", "users").grouped(BearerAuthenticator())
        users.get(use: list)
        users.post(use: create)
        users.get(":userID", use: show)
        users.patch(":userID", use: update)
    }

    struct NewUser: Content {
        var email: String
        var name: String
        var role: String
        var branch_id: UUID?
        var partner_id: UUID?
        var password: String
    }

    struct UserPatch: Content {
        var name: String?
        var role: String?
        var branch_id: UUID?
        var partner_id: UUID?
        var active: Bool?
        var password: String?
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= 10 else {
            throw BiebError.invalid("password", "A password needs at least 10 characters.",
                                    nl: "Een wachtwoord heeft minstens 10 tekens nodig.", code: "weak_password")
        }
        guard password.count <= 72 else {
            throw BiebError.invalid("password", "A password can have at most 72 characters.",
                                    nl: "Een wachtwoord mag hoogstens 72 tekens hebben.", code: "weak_password")
        }
    }

    func list(req: Request) async throws -> [UserDTO] {
        let admin = try req.staff(.manageUsers)
        let org = try await Organisation.find(admin.organisationID, on: req.db)!
        return try await StaffDirectory(req.db).users(of: admin.organisationID).map { UserDTO($0, organisation: org.slug) }
    }

    func show(req: Request) async throws -> UserDTO {
        let admin = try req.staff(.manageUsers)
        let user = try await Self.user(req, admin)
        let org = try await Organisation.find(admin.organisationID, on: req.db)!
        return UserDTO(user, organisation: org.slug)
    }

    static func user(_ req: Request, _ admin: StaffUser) async throws -> StaffUser {
        let id = try req.uuidParameter("userID")
        guard let user = try await StaffDirectory(req.db).user(id, in: admin.organisationID) else {
            throw BiebError.notFound("user", nl: "Account niet gevonden.")
        }
        return user
    }

    func create(req: Request) async throws -> Response {
        let admin = try req.staff(.manageUsers)
        let input = try req.content.decode(NewUser.self)
        try Self.checkPassword(input.password)
        let user = StaffUser(organisationID: admin.organisationID, email: input.email, name: input.name,
                             passwordHash: "", role: .staff, branchID: input.branch_id)
        user.roleRaw = input.role
        user.partnerID = input.partner_id
        try await StaffAccounts.validateAndSave(user, password: input.password, on: req)
        let org = try await Organisation.find(admin.organisationID, on: req.db)!
        let response = Response(status: .created)
        try response.content.encode(UserDTO(user, organisation: org.slug))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/users/\(user.id!)")
        return response
    }

    func update(req: Request) async throws -> UserDTO {
        let admin = try req.staff(.manageUsers)
        let user = try await Self.user(req, admin)
        let input = try req.content.decode(UserPatch.self)
        if let name = input.name { user.name = name }
        if let role = input.role { user.roleRaw = role }
        if let branch = input.branch_id { user.$branch.id = branch }
        if let partner = input.partner_id { user.partnerID = partner }
        if let active = input.active {
            if !active && user.id == admin.id {
                throw BiebError.invalid("active", "You cannot deactivate your own account.", nl: "U kunt uw eigen account niet uitschakelen.")
            }
            user.active = active
        }
        if user.id == admin.id, user.roleRaw != StaffRole.admin.rawValue {
            throw BiebError.invalid("role", "You cannot take away your own admin role.", nl: "U kunt uw eigen beheerdersrol niet afnemen.")
        }
        if let password = input.password { try Self.checkPassword(password) }
        try await StaffAccounts.validateAndSave(user, password: input.password, on: req)
        if input.active == false || input.password != nil {
            try await StaffDirectory(req.db).deleteTokens(of: user.id!)
        }
        // A changed role or branch counts from the next request on every server (it raises the ConfigVersion).
        let org = try await Organisation.find(admin.organisationID, on: req.db)!
        return UserDTO(user, organisation: org.slug)
    }
}

/// Creating and changing accounts (API, staff pages and the CLI).
enum StaffAccounts {
    static func validateAndSave(_ user: StaffUser, password: String?, on req: Request) async throws {
        if let password { user.passwordHash = try await req.password.async.hash(password) }
        try await StaffDirectory(req.db).save(user)
    }
}
