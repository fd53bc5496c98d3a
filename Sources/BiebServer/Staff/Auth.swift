import Crypto
import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

extension StaffUser: Authenticatable {}

extension Request {
    /// The signed-in staff account, or a 401.
    func staff() throws -> StaffUser {
        guard let user = auth.get(StaffUser.self) else {
            throw BiebError(.unauthorized, code: "unauthorized", message: "Sign in first (a bearer token for the API).",
                            nl: "Log eerst in.")
        }
        return user
    }

    /// The signed-in account, or a 403 when it lacks the permission.
    func staff(_ permission: Permission, branch: UUID? = nil) throws -> StaffUser {
        let user = try staff()
        guard user.can(permission, branch: branch) else {
            throw BiebError(.forbidden, code: "forbidden",
                            message: "Your role (\(user.role.rawValue)) may not do this here.",
                            nl: "Met uw rol (\(user.role.rawValue)) mag u dit hier niet doen.")
        }
        return user
    }
}

/// Sign-in with e-mail and password, shared by the sign-in page and the token
/// endpoint: constant work for unknown accounts, and repeated failures slow
/// down per account and address, per address, and per account from many
/// addresses (`CredentialThrottle`; in the database, so it holds across app
/// servers).
struct SignIn {
    let request: Request

    func verify(email: String, password: String) async throws -> StaffUser {
        let throttle = CredentialThrottle(request.db, kind: .staff, account: email, address: request.clientAddress,
                                          logger: request.logger)
        if let seconds = try await throttle.lockedFor() { throw CredentialThrottle.tooMany(seconds) }
        let directory = StaffDirectory(request.db)
        let user = try await directory.user(email: email)
        // Verify against a fixed hash when the account does not exist, so the
        // answer takes as long either way.
        let hash: String
        if let user {
            hash = user.passwordHash
        } else {
            hash = try await Self.dummyHash(request)
        }
        let matches = (try? await request.password.async.verify(password, created: hash)) ?? false
        guard let user, user.active, matches else {
            if let lock = try await throttle.failed() { throw CredentialThrottle.tooMany(lock) }
            throw BiebError(.unauthorized, code: "invalid_credentials", field: "password",
                            message: "E-mail address or password is not right.",
                            nl: "E-mailadres of wachtwoord klopt niet.")
        }
        try await throttle.succeeded()
        user.lastLoginAt = Date()
        try await user.save(on: request.db)
        return user
    }
}

/// A hash of a random password at the configured cost, made on first need
/// and verified against when an account does not exist.
struct DummyHashKey: StorageKey { typealias Value = String }

extension SignIn {
    static func dummyHash(_ request: Request) async throws -> String {
        if let hash = request.application.storage[DummyHashKey.self] { return hash }
        let hash = try await request.password.async.hash(UUID().uuidString)
        request.application.storage[DummyHashKey.self] = hash
        return hash
    }
}

/// API bearer tokens: random 32 bytes, shown once; only the SHA-256 is stored.
enum Tokens {
    static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "bieb_" + text
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Authenticates API requests that carry `Authorization: Bearer <token>`.
/// A member's token (`biebm_…`) is not a staff token: it is left alone
/// here, so public routes answer a member's app as anyone else.
struct BearerAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization, !bearer.token.hasPrefix(MemberTokens.prefix) {
            let hash = Tokens.hash(bearer.token)
            let cache = request.application.tokenCache
            let now = Date()
            let directory = StaffDirectory(request.db)
            let refused = BiebError(.unauthorized, code: "invalid_token", message: "The bearer token is unknown or expired.",
                                    nl: "Het token is onbekend of verlopen.")
            // The token as stored, read after the organisation's number was: a revocation or deactivation committed
            // before that read is seen here, one committed after it raises the number past the one cached with it.
            func read(after configVersion: Int) async throws -> TokenCache.Entry {
                guard let token = try await directory.token(hash: hash), token.expiresAt > now, token.user.active else { throw refused }
                let entry = TokenCache.Entry(tokenID: token.id!, expiresAt: token.expiresAt, user: token.user)
                cache.put(hash, entry, configVersion: configVersion)
                return entry
            }
            let entry: TokenCache.Entry
            if let hit = cache.get(hash, now: now) {
                let current = try await request.configVersion(of: hit.entry.organisationID)
                entry = current == hit.configVersion ? hit.entry : try await read(after: current)
            } else {
                // Not held: the token names its organisation, then is read again after that organisation's number.
                guard let token = try await directory.token(hash: hash) else { throw refused }
                entry = try await read(after: try await request.configVersion(of: token.user.organisationID))
            }
            request.auth.login(entry.freshUser())
            request.storage[CurrentTokenKey.self] = entry.tokenID
        }
        return try await next.respond(to: request)
    }
}

struct CurrentTokenKey: StorageKey { typealias Value = UUID }

/// Bearer tokens checked before, so a busy desk does not read its token and
/// account for every scan: kept per `ConfigVersion` of the account's
/// organisation (a revoked token, a changed role or a deactivated account
/// raises it), so every app server reads them again at its next request.
final class TokenCache: @unchecked Sendable {
    struct Entry {
        let tokenID: UUID
        let expiresAt: Date
        let userID: UUID
        let organisationID: UUID
        let email: String
        let name: String
        let role: StaffRole
        let branchID: UUID?
        let partnerID: UUID?

        init(tokenID: UUID, expiresAt: Date, user: StaffUser) {
            self.tokenID = tokenID
            self.expiresAt = expiresAt
            userID = user.id!
            organisationID = user.organisationID
            email = user.email
            name = user.name
            role = user.role
            branchID = user.branchID
            partnerID = user.partnerID
        }

        /// A new account object per request (models are not shared between requests).
        func freshUser() -> StaffUser {
            let user = StaffUser(id: userID, organisationID: organisationID, email: email, name: name, passwordHash: "",
                                 role: role, branchID: branchID, active: true)
            user.partnerID = partnerID
            user.$id.exists = true
            return user
        }
    }

    private let lock = NSLock()
    private var entries: [String: (entry: Entry, configVersion: Int)] = [:]

    /// The entry held for a token that has not expired, with the number it was read at.
    func get(_ hash: String, now: Date) -> (entry: Entry, configVersion: Int)? {
        lock.withLock {
            guard let hit = entries[hash] else { return nil }
            guard hit.entry.expiresAt > now else {
                entries[hash] = nil
                return nil
            }
            return hit
        }
    }

    func put(_ hash: String, _ entry: Entry, configVersion: Int) {
        lock.withLock {
            if entries.count > 10_000 { entries.removeAll() }
            entries[hash] = (entry, configVersion)
        }
    }
}

struct TokenCacheKey: StorageKey { typealias Value = TokenCache }

extension Application {
    /// Set up in `configure`.
    var tokenCache: TokenCache { storage[TokenCacheKey.self] ?? TokenCache() }
}

/// Restores the signed-in account of a staff page session; ends sessions that
/// are too old or whose account was deactivated.
struct SessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let id = request.session.data["uid"].flatMap(UUID.init(uuidString:)) {
            let since = request.session.data["since"].flatMap(Double.init) ?? 0
            let fresh = Date().timeIntervalSince1970 - since < request.bieb.sessionLifetime
            if fresh, let user = try await StaffUser.find(id, on: request.db), user.active {
                request.auth.login(user)
            } else {
                request.session.data["uid"] = nil
            }
        }
        return try await next.respond(to: request)
    }
}

/// Every form POST on the staff pages must carry the session's CSRF token.
struct CSRFMiddleware: AsyncMiddleware {
    static let field = "csrf"

    static func token(for request: Request) -> String {
        if let existing = request.session.data["csrf"] { return existing }
        let token = Tokens.generate()
        request.session.data["csrf"] = token
        return token
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .POST { try Self.verify(request) }
        return try await next.respond(to: request)
    }

    /// Checks the form's token against the session's (in constant time).
    static func verify(_ request: Request) throws {
        let sent = try? request.content.get(String.self, at: field)
        guard let expected = request.session.data["csrf"], let sent,
              sent.utf8.count == expected.utf8.count,
              zip(sent.utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw BiebError(.forbidden, code: "csrf_failed",
                            message: "This form has expired. Go back, reload the page and try again.",
                            nl: "Dit formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens.")
        }
    }
}
