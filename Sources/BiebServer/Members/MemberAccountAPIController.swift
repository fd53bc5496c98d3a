import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The member API (`/api/v1/my/…`): a member signs in with card and PIN or
/// e-mail and password, gets a token, and manages their own account and
/// those of their youth members. Every account route names the account:
/// `/api/v1/my/accounts/{member}/…`; another member's account is a 404.
struct MemberAccountAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let my = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator())
        my.post("token", use: signIn)
        my.delete("token", use: signOut)
        my.post("pin-reset", use: askPINReset)
        my.post("pin-reset", "confirm", use: confirmPINReset)
        my.get("accounts", use: accounts)
        let account = my.grouped("accounts", ":member")
        account.get(use: overview)
        account.get("loans", use: loans)
        account.post("loans", "renew-all", use: renewAll)
        account.post("loans", ":loanID", "renew", use: renew)
        account.get("holds", use: holds)
        account.post("holds", use: placeHold)
        account.patch("holds", ":holdID", use: changeHold)
        account.delete("holds", ":holdID", use: cancelHold)
        account.get("fees", use: fees)
        account.patch("details", use: changeDetails)
        account.put("password", use: setPassword)
        account.put("pin", use: setPIN)
        account.post("membership", "renew", use: renewMembership)
        account.get("preferences", use: preferences)
        account.put("preferences", use: setPreferences)
    }

    // MARK: Signing in

    struct SignInInput: Content {
        /// The organisation's slug ("den-haag").
        var organisation: String?
        var card: String?
        var pin: String?
        var email: String?
        var password: String?
    }

    struct TokenDTO: Content {
        let token: String
        let member_id: UUID
        let organisation: String
        let expires_at: Date
    }

    func signIn(req: Request) async throws -> Response {
        let input = try req.content.decode(SignInInput.self)
        guard let slug = input.organisation?.trimmed, !slug.isEmpty, let organisation = try await req.branches.organisation(slug: slug) else {
            throw BiebError.invalid("organisation", "Give the library (organisation) you are a member of, e.g. \"den-haag\".",
                                    nl: "Geef de bibliotheek (organisatie) waar je lid bent, bijvoorbeeld \"den-haag\".")
        }
        let member = try await MemberSignIn(request: req, organisation: organisation)
            .verify(card: input.card, pin: input.pin, email: input.email, password: input.password)
        let token = MemberTokens.generate()
        let expires = Date().addingTimeInterval(MemberTokens.lifetime)
        try await MemberAccounts(req.db, organisationID: organisation.id!).createToken(member: member, hash: Tokens.hash(token), expiresAt: expires)
        return try await TokenDTO(token: token, member_id: member, organisation: organisation.slug, expires_at: expires)
            .encodeResponse(status: .created, for: req)
    }

    func signOut(req: Request) async throws -> HTTPStatus {
        let member = try req.member()
        if let hash = req.storage[MemberTokenKey.self] {
            try await MemberAccounts(req.db, organisationID: member.organisationID).deleteToken(hash: hash)
        }
        return .noContent
    }

    // MARK: A new PIN by e-mail

    struct PINResetInput: Content {
        var organisation: String?
        var card: String?
        var email: String?
        var code: String?
        var pin: String?
    }

    static func organisation(_ req: Request, _ slug: String?) async throws -> Organisation {
        guard let slug = slug?.trimmed, !slug.isEmpty, let organisation = try await req.branches.organisation(slug: slug) else {
            throw BiebError.invalid("organisation", "Give the library (organisation) you are a member of, e.g. \"den-haag\".",
                                    nl: "Geef de bibliotheek (organisatie) waar je lid bent, bijvoorbeeld \"den-haag\".")
        }
        return organisation
    }

    /// Asks for a link by e-mail; 202 whether or not the card or address is known.
    func askPINReset(req: Request) async throws -> HTTPStatus {
        let input = try req.content.decode(PINResetInput.self)
        try await PINReset(request: req, organisation: try await Self.organisation(req, input.organisation)).ask(card: input.card, email: input.email)
        return .accepted
    }

    /// Sets the new PIN with the code from the link.
    func confirmPINReset(req: Request) async throws -> HTTPStatus {
        let input = try req.content.decode(PINResetInput.self)
        try await PINReset(request: req, organisation: try await Self.organisation(req, input.organisation))
            .choose(code: input.code ?? "", pin: input.pin ?? "")
        return .noContent
    }

    // MARK: Accounts

    struct AccountLink: Content {
        let id: UUID
        let name: String
        let relation: String
    }

    func accounts(req: Request) async throws -> [AccountLink] {
        let service = try await MemberAccountService.make(req)
        return try await service.manageable().map { AccountLink(id: $0.id, name: $0.name, relation: $0.relation.rawValue) }
    }

    static func account(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("member").flatMap(UUID.init(uuidString:)) else { throw MemberAccountService.notFound }
        return id
    }

    static func int(_ req: Request, _ name: String, _ thing: String, nl: String) throws -> Int {
        guard let value = req.parameters.get(name).flatMap(Int.init) else { throw BiebError.notFound(thing, nl: nl) }
        return value
    }

    struct OverviewDTO: Content {
        let relation: String
        let organisation: String
        let account: AccountDTO
        let has_pin: Bool
        let signs_in_with_email: Bool
        /// What renewing the membership costs now (0 for youth members).
        let membership_fee_cents: Int
    }

    func overview(req: Request) async throws -> OverviewDTO {
        let service = try await MemberAccountService.make(req)
        let overview = try await service.overview(try Self.account(req))
        let fee = overview.membershipType.map {
            Membership.fee(yearlyCents: $0.yearlyFeeCents, birthDate: overview.member.birthDate, on: service.today)
        } ?? 0
        return OverviewDTO(relation: overview.relation.rawValue, organisation: service.organisation.slug, account: service.dto(overview),
                           has_pin: overview.hasPIN, signs_in_with_email: overview.member.passwordHash != nil, membership_fee_cents: fee)
    }

    func loans(req: Request) async throws -> [LoanDTO] {
        let service = try await MemberAccountService.make(req)
        return try await service.dto(service.overview(try Self.account(req))).loans
    }

    func renew(req: Request) async throws -> RenewDTO {
        let service = try await MemberAccountService.make(req)
        let receipt = try await service.renew(account: try Self.account(req),
                                              loan: try Self.int(req, "loanID", "loan", nl: "Uitlening niet gevonden."))
        return RenewDTO(receipt)
    }

    func renewAll(req: Request) async throws -> RenewAllDTO {
        let service = try await MemberAccountService.make(req)
        let dutch = Language.of(req) == .nl
        return RenewAllDTO(outcomes: try await service.renewAll(account: try Self.account(req)).map { outcome in
            switch outcome.result {
            case .success(let receipt):
                return .init(loan_id: outcome.loan, renewed: RenewDTO(receipt), refused: nil)
            case .failure(let error):
                return .init(loan_id: outcome.loan, renewed: nil, refused: BlockDTO(code: error.code, message: error.message(dutch: dutch)))
            }
        })
    }

    // MARK: Holds

    func holds(req: Request) async throws -> [HoldDTO] {
        let service = try await MemberAccountService.make(req)
        return try await service.dto(service.overview(try Self.account(req))).holds
    }

    struct PlaceHoldInput: Content {
        var title_id: Int?
        /// A branch slug or id.
        var pickup_branch: String?
    }

    func placeHold(req: Request) async throws -> Response {
        let service = try await MemberAccountService.make(req)
        let input = try req.content.decode(PlaceHoldInput.self)
        guard let title = input.title_id else {
            throw BiebError.invalid("title_id", "Say which title to reserve (title_id).", nl: "Geef aan welke titel je wilt reserveren (title_id).")
        }
        let account = try Self.account(req)
        let hold = try await service.placeHold(account: account, title: title, pickup: input.pickup_branch)
        let line = try await service.overview(account).account.holds.first { $0.holdID == hold.id }
        guard let line else { throw MemberAccountService.notFound }
        return try await service.dto(line).encodeResponse(status: .created, for: req)
    }

    struct ChangeHoldInput: Content {
        var pickup_branch: String?
        /// YYYY-MM-DD: paused until that day.
        var suspended_until: String?
        /// true: resume a paused hold.
        var resume: Bool?
    }

    func changeHold(req: Request) async throws -> HoldDTO {
        let service = try await MemberAccountService.make(req)
        let input = try req.content.decode(ChangeHoldInput.self)
        let account = try Self.account(req)
        let holdID = try Self.int(req, "holdID", "hold", nl: "Reservering niet gevonden.")
        try await service.changeHold(account: account, hold: holdID, pickup: input.pickup_branch, suspendUntil: input.suspended_until,
                                     resume: input.resume ?? false)
        guard let line = try await service.overview(account).account.holds.first(where: { $0.holdID == holdID }) else {
            throw BiebError.notFound("hold", nl: "Reservering niet gevonden.")
        }
        return service.dto(line)
    }

    func cancelHold(req: Request) async throws -> HTTPStatus {
        let service = try await MemberAccountService.make(req)
        try await service.cancelHold(account: try Self.account(req), hold: try Self.int(req, "holdID", "hold", nl: "Reservering niet gevonden."))
        return .noContent
    }

    // MARK: Fees

    struct FeesDTO: Content {
        let balance_cents: Int
        let balance: String
        let lines: [FeeLineDTO]
    }

    func fees(req: Request) async throws -> FeesDTO {
        let service = try await MemberAccountService.make(req)
        let overview = try await service.overview(try Self.account(req))
        return FeesDTO(balance_cents: overview.member.balanceCents, balance: Money.text(overview.member.balanceCents),
                       lines: service.dto(overview).fees)
    }

    // MARK: Details

    func changeDetails(req: Request) async throws -> MemberDTO {
        let service = try await MemberAccountService.make(req)
        let account = try Self.account(req)
        // Only contact details: a name or birth date sent along is refused, not silently dropped.
        struct Forbidden: Decodable { var name: String?; var birth_date: String? }
        if let extra = try? req.content.decode(Forbidden.self), extra.name != nil || extra.birth_date != nil {
            throw BiebError(.invalid, code: "staff_only", field: extra.name != nil ? "name" : "birth_date",
                            message: "A new name or birth date is changed at the desk (bring an ID).",
                            nl: "Een nieuwe naam of geboortedatum wordt aan de balie aangepast (neem een identiteitsbewijs mee).")
        }
        let current = try await service.record(account)
        let member = try await service.changeContact(account: account, try req.content.decode(ContactInput.self).change(over: current))
        let type = try await MembershipType.find(member.membershipTypeID, on: req.db)
        return MemberDTO(member, cards: try await service.members.cards(of: account), type: type, lang: Language.of(req), today: service.today)
    }

    struct PasswordInput: Content { var password: String? }

    func setPassword(req: Request) async throws -> HTTPStatus {
        let service = try await MemberAccountService.make(req)
        try await service.setPassword(account: try Self.account(req), password: try req.content.decode(PasswordInput.self).password ?? "")
        return .noContent
    }

    struct PINInput: Content {
        var current_pin: String?
        var pin: String?
    }

    func setPIN(req: Request) async throws -> HTTPStatus {
        let service = try await MemberAccountService.make(req)
        let input = try req.content.decode(PINInput.self)
        try await service.setPIN(account: try Self.account(req), current: input.current_pin, new: input.pin ?? "")
        return .noContent
    }

    func renewMembership(req: Request) async throws -> MemberDTO {
        let service = try await MemberAccountService.make(req)
        let account = try Self.account(req)
        let member = try await service.renewMembership(account: account)
        let type = try await MembershipType.find(member.membershipTypeID, on: req.db)
        return MemberDTO(member, cards: try await service.members.cards(of: account), type: type, lang: Language.of(req), today: service.today)
    }
}

extension MemberAccountAPIController {
    struct ConsentDTO: Content {
        let purpose: String
        let granted: Bool
        let at: Date
        let text: String
        let source: String
    }

    struct PreferencesDTO: Content {
        let language: String
        let has_email: Bool
        let service_notices: Bool
        let newsletter: Bool
        let recommendations: Bool
        /// Every change, newest first: what was agreed to or withdrawn, when, and how.
        let history: [ConsentDTO]
    }

    static func dto(_ preferences: MemberAccountService.Preferences) -> PreferencesDTO {
        PreferencesDTO(language: preferences.language, has_email: preferences.hasEmail,
                       service_notices: preferences.current[.serviceNotices] ?? true, newsletter: preferences.current[.newsletter] ?? false,
                       recommendations: preferences.current[.recommendations] ?? false,
                       history: preferences.history.map { ConsentDTO(purpose: $0.purpose.rawValue, granted: $0.granted, at: $0.at, text: $0.text, source: $0.source) })
    }

    func preferences(req: Request) async throws -> PreferencesDTO {
        let service = try await MemberAccountService.make(req)
        return Self.dto(try await service.preferences(account: try Self.account(req)))
    }

    struct PreferencesInput: Content {
        var language: String?
        var service_notices: Bool?
        var newsletter: Bool?
        var recommendations: Bool?
    }

    func setPreferences(req: Request) async throws -> PreferencesDTO {
        let service = try await MemberAccountService.make(req)
        let account = try Self.account(req)
        let input = try req.content.decode(PreferencesInput.self)
        var choices: [ConsentPurpose: Bool] = [:]
        choices[.serviceNotices] = input.service_notices
        choices[.newsletter] = input.newsletter
        choices[.recommendations] = input.recommendations
        try await service.setPreferences(account: account, language: input.language, choices: choices, source: "api",
                                         dutch: Language.of(req) == .nl)
        return Self.dto(try await service.preferences(account: account))
    }
}

extension MemberAccountService {
    func dto(_ hold: Circulation.HoldLine) -> HoldDTO { HoldDTO(hold, branchName: branchName) }

    func dto(_ overview: Overview) -> AccountDTO {
        AccountDTO(overview.account, member: overview.member, cards: overview.cards, type: overview.membershipType, lang: Language.of(req),
                   today: today, branchName: branchName)
    }
}
