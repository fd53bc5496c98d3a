import Crypto
import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A member signed in on the member pages or with a member API token.
struct SignedInMember: Authenticatable, Sendable {
    let id: UUID
    let organisationID: UUID
}

extension Request {
    /// The signed-in member, or a 401.
    func member() throws -> SignedInMember {
        guard let member = auth.get(SignedInMember.self) else {
            throw BiebError(.unauthorized, code: "unauthorized", message: "Sign in first (a member token for the API).",
                            nl: "Log eerst in.")
        }
        return member
    }
}

/// Member API tokens: random, shown once, only their SHA-256 stored; a
/// prefix of their own, so they are never taken for staff tokens.
enum MemberTokens {
    static let prefix = "biebm_"
    static let lifetime: TimeInterval = 30 * 86_400

    static func generate() -> String { prefix + Tokens.generate().dropFirst("bieb_".count) }
}

/// Signing in as a member, shared by the member pages and the API: card
/// number and PIN, or e-mail address and password. Unknown cards and
/// addresses take as long as known ones, and failures slow down by the
/// rules of `CredentialThrottle` (the card or address from this client
/// address, the client address, the card from everywhere), in the database,
/// so every app server counts them. A wrong PIN here does not count
/// towards the kiosks' PIN lock on the member's record: a stranger who
/// knows a card number cannot lock its owner out of the kiosks or the
/// portal. A PIN the kiosks locked is refused here too, with the way out:
/// a new PIN by e-mail.
struct MemberSignIn {
    let request: Request
    let organisation: Organisation

    func verify(card: String?, pin: String?, email: String?, password: String?) async throws -> UUID {
        if let card = card?.trimmed, !card.isEmpty { return try await verify(card: card, pin: pin ?? "") }
        if let email = email?.trimmed, !email.isEmpty { return try await verify(email: email, password: password ?? "") }
        throw BiebError.invalid("card", "Give your card number and PIN, or your e-mail address and password.",
                                nl: "Vul je pasnummer en pincode in, of je e-mailadres en wachtwoord.")
    }

    private func throttle(_ identifier: String) -> CredentialThrottle {
        CredentialThrottle(request.db, kind: .member, account: identifier, scope: organisation.id!.uuidString,
                           address: request.clientAddress, logger: request.logger)
    }

    private func failed(_ throttle: CredentialThrottle, _ error: BiebError) async throws -> Never {
        if let lock = try await throttle.failed() { throw CredentialThrottle.tooMany(lock) }
        throw error
    }

    static let wrongCard = BiebError(.unauthorized, code: "invalid_credentials", field: "pin",
                                     message: "Card number or PIN is not right. No PIN yet? Ask for one at the desk.",
                                     nl: "Pasnummer of pincode klopt niet. Nog geen pincode? Vraag er een aan de balie.")
    static let wrongPassword = BiebError(.unauthorized, code: "invalid_credentials", field: "password",
                                         message: "E-mail address or password is not right.",
                                         nl: "E-mailadres of wachtwoord klopt niet.")

    func verify(card: String, pin: String) async throws -> UUID {
        let throttle = throttle(card)
        if let seconds = try await throttle.lockedFor() { throw CredentialThrottle.tooMany(seconds) }
        guard let found = try await MemberDirectory(request.db, organisationID: organisation.id!).member(card: card) else {
            // The same work as for a real card, so the answer does not tell whether the card exists.
            _ = try? await request.password.async.verify(pin, created: try await SignIn.dummyHash(request))
            try await failed(throttle, Self.wrongCard)
        }
        let state = try await SelfServiceStore(request.db, organisationID: organisation.id!).pinState(member: found.member.id!)
        if state.locked(at: Date()) {
            throw BiebError(.tooManyRequests, code: "pin_locked", field: "pin",
                            message: "This PIN is locked after \(MemberPIN.maximumFailures) wrong tries at a kiosk. Ask for a new PIN by e-mail, sign in with your e-mail address, or ask at the desk.",
                            nl: "Deze pincode is geblokkeerd na \(MemberPIN.maximumFailures) foute pogingen bij een zuil. Vraag een nieuwe pincode aan per e-mail, log in met je e-mailadres, of vraag het aan de balie.",
                            retryAfter: Int(state.lockedUntil!.timeIntervalSinceNow.rounded(.up)))
        }
        // No PIN yet: the same bcrypt work, so the answer does not tell.
        let hash: String
        if let stored = state.hash { hash = stored } else { hash = try await SignIn.dummyHash(request) }
        let matches = (try? await request.password.async.verify(pin, created: hash)) ?? false
        guard state.hash != nil, matches else { try await failed(throttle, Self.wrongCard) }
        if found.card.status != .active {
            throw BiebError(.forbidden, code: "card_lost", field: "card",
                            message: "This card has been reported lost or replaced; sign in with your new card.",
                            nl: "Deze pas is als verloren opgegeven of vervangen; log in met je nieuwe pas.")
        }
        try await throttle.succeeded()
        return found.member.id!
    }

    func verify(email: String, password: String) async throws -> UUID {
        let throttle = throttle(email)
        if let seconds = try await throttle.lockedFor() { throw CredentialThrottle.tooMany(seconds) }
        let holders = try await MemberAccounts(request.db, organisationID: organisation.id!).passwordHolders(email: email)
        let hash = holders.count == 1 ? holders[0].hash : try await SignIn.dummyHash(request)
        let matches = (try? await request.password.async.verify(password, created: hash)) ?? false
        guard holders.count == 1, matches else { try await failed(throttle, Self.wrongPassword) }
        try await throttle.succeeded()
        return holders[0].id
    }

    /// Lifts the sign-in locks of a member's cards and address (after a new PIN by the mailed link).
    static func clearLocks(member: Member, cards: [String], on db: any Database) async throws {
        for identifier in cards + [member.email].compactMap({ $0 }) {
            try await CredentialThrottle.clear(db, kind: .member, account: identifier, scope: member.organisationID.uuidString)
        }
    }
}

/// Authenticates member API requests (`Authorization: Bearer biebm_…`);
/// another kind of token (a staff token) is left alone, so the public
/// routes under `/api/v1/my` (asking for a new PIN) answer it as anyone.
struct MemberBearerAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization, bearer.token.hasPrefix(MemberTokens.prefix) {
            guard let token = try await MemberAccounts.token(hash: Tokens.hash(bearer.token), on: request.db) else {
                throw BiebError(.unauthorized, code: "invalid_token", message: "The member token is unknown or expired.",
                                nl: "Het token is onbekend of verlopen.")
            }
            request.auth.login(SignedInMember(id: token.memberID, organisationID: token.organisationID))
            request.storage[MemberTokenKey.self] = token.tokenHash
        }
        return try await next.respond(to: request)
    }
}

struct MemberTokenKey: StorageKey { typealias Value = String }

/// Restores the member of a member page session (keys `member`,
/// `member_org`, `member_since`); a session older than the configured
/// lifetime ends.
struct MemberSessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Without a session cookie there is no member to find; touching the session would store an empty one for every visitor.
        guard request.cookies[request.application.sessions.configuration.cookieName] != nil else { return try await next.respond(to: request) }
        if let id = request.session.data["member"].flatMap(UUID.init(uuidString:)),
           let org = request.session.data["member_org"].flatMap(UUID.init(uuidString:)) {
            let since = request.session.data["member_since"].flatMap(Double.init) ?? 0
            if Date().timeIntervalSince1970 - since < request.bieb.sessionLifetime {
                request.auth.login(SignedInMember(id: id, organisationID: org))
            } else {
                MemberSession.end(request)
            }
        }
        return try await next.respond(to: request)
    }
}

enum MemberSession {
    /// Starts a member session with a new session id (no session fixation).
    static func start(_ request: Request, member: UUID, organisation: UUID) async throws {
        let staff = (request.session.data["uid"], request.session.data["since"])
        if let old = request.session.id {
            try await request.application.sessions.driver.deleteSession(old, for: request).get()
            request.session.id = nil
        }
        request.session.data["member"] = member.uuidString
        request.session.data["member_org"] = organisation.uuidString
        request.session.data["member_since"] = String(Date().timeIntervalSince1970)
        request.session.data["csrf"] = Tokens.generate()
        // A staff sign-in in the same browser stays.
        if let uid = staff.0 { request.session.data["uid"] = uid }
        if let since = staff.1 { request.session.data["since"] = since }
    }

    static func end(_ request: Request) {
        for key in ["member", "member_org", "member_since"] { request.session.data[key] = nil }
    }
}
