import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Self-service over HTTP: terminal accounts and sort bins (admins),
/// members' PINs and self-service terms (staff at the desk), visitor counts,
/// and the door endpoint for controllers that do not speak SIP2.
struct SelfServiceAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let v1 = routes.grouped("api", "v1")
        let api = v1.grouped(BearerAuthenticator())
        api.get("sip2", "terminals", use: terminals)
        api.post("sip2", "terminals", use: createTerminal)
        api.get("sip2", "terminals", ":terminalID", use: terminal)
        api.patch("sip2", "terminals", ":terminalID", use: updateTerminal)
        api.delete("sip2", "terminals", ":terminalID", use: deleteTerminal)
        api.get("branches", ":branchID", "sort-bins", use: sortBins)
        api.put("branches", ":branchID", "sort-bins", use: setSortBins)
        api.put("members", ":memberID", "pin", use: setPIN)
        api.delete("members", ":memberID", "pin", use: removePIN)
        api.put("members", ":memberID", "self-service-terms", use: setTerms)
        api.get("visits", use: visits)
        v1.post("door", "entry", use: doorEntry)
    }

    // MARK: Terminals

    func terminals(req: Request) async throws -> [TerminalDTO] {
        let service = try await DeskService.make(req, .manageSelfService)
        return try await service.selfService.terminals().map { TerminalDTO($0, service) }
    }

    func terminal(req: Request) async throws -> TerminalDTO {
        let service = try await DeskService.make(req, .manageSelfService)
        return TerminalDTO(try await service.selfService.terminal(try req.uuidParameter("terminalID")), service)
    }

    func createTerminal(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageSelfService)
        let input = try req.content.decode(TerminalInput.self)
        let draft = try input.draft(service, existing: nil)
        guard let password = input.password else {
            throw BiebError.invalid("password", "Give the terminal a password.", nl: "Geef de terminal een wachtwoord.")
        }
        try TerminalDraft.validatePassword(password)
        let terminal = try await service.selfService.create(draft, passwordHash: try await req.password.async.hash(password))
        let response = Response(status: .created)
        try response.content.encode(TerminalDTO(terminal, service))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/sip2/terminals/\(terminal.id!)")
        return response
    }

    func updateTerminal(req: Request) async throws -> TerminalDTO {
        let service = try await DeskService.make(req, .manageSelfService)
        let existing = try await service.selfService.terminal(try req.uuidParameter("terminalID"))
        let input = try req.content.decode(TerminalInput.self)
        let draft = try input.draft(service, existing: existing)
        var hash: String?
        if let password = input.password {
            try TerminalDraft.validatePassword(password)
            hash = try await req.password.async.hash(password)
        }
        return TerminalDTO(try await service.selfService.update(existing.id!, draft, passwordHash: hash), service)
    }

    func deleteTerminal(req: Request) async throws -> HTTPStatus {
        let service = try await DeskService.make(req, .manageSelfService)
        try await service.selfService.delete(try req.uuidParameter("terminalID"))
        return .noContent
    }

    // MARK: Sort bins

    func sortBins(req: Request) async throws -> SortBinsDTO {
        let service = try await DeskService.make(req)
        let branch = try service.branch(req.parameters.get("branchID"))
        return SortBinsDTO(try await service.selfService.sortBins(branch: branch.id))
    }

    func setSortBins(req: Request) async throws -> SortBinsDTO {
        let service = try await DeskService.make(req, .manageSelfService)
        let branch = try service.branch(req.parameters.get("branchID"))
        let input = try req.content.decode(SortBinsDTO.self)
        let bins = SortBins(holds: input.holds.trimmed, transit: input.transit.trimmed, shelf: input.shelf.trimmed)
        try await service.selfService.setSortBins(bins, branch: branch.id)
        return SortBinsDTO(bins)
    }

    // MARK: Members

    struct PINInput: Content {
        var pin: String?
    }

    func member(_ req: Request, _ service: DeskService) async throws -> Member {
        guard let member = try await service.members.member(try req.uuidParameter("memberID")) else {
            throw BiebError.notFound("member", nl: "Lid niet gevonden.")
        }
        _ = try req.staff(.manageMembers, branch: member.homeBranchID)
        return member
    }

    /// Sets a member's PIN (4 to 6 digits, kept as a bcrypt hash); lifts a lock-out.
    func setPIN(req: Request) async throws -> SelfServiceMemberDTO {
        let service = try await DeskService.make(req)
        let member = try await member(req, service)
        let pin = try MemberPIN.validate(try req.content.decode(PINInput.self).pin ?? "")
        try await service.selfService.setPIN(member: member.id!, hash: try await req.password.async.hash(pin), staff: service.user.id)
        return try await SelfServiceMemberDTO(member.id!, service)
    }

    func removePIN(req: Request) async throws -> SelfServiceMemberDTO {
        let service = try await DeskService.make(req)
        let member = try await member(req, service)
        try await service.selfService.setPIN(member: member.id!, hash: nil, staff: service.user.id)
        return try await SelfServiceMemberDTO(member.id!, service)
    }

    struct TermsInput: Content {
        var accepted: Bool?
    }

    /// Records that the member accepted the self-service terms today (or withdrew).
    func setTerms(req: Request) async throws -> SelfServiceMemberDTO {
        let service = try await DeskService.make(req)
        let member = try await member(req, service)
        guard let accepted = try req.content.decode(TermsInput.self).accepted else {
            throw BiebError.invalid("accepted", "Say whether the member accepted the terms (true or false).",
                                    nl: "Geef aan of het lid de voorwaarden accepteert (true of false).")
        }
        try await service.selfService.setTermsAccepted(member: member.id!, on: accepted ? LocalDate(Date(), in: service.organisation.zone) : nil,
                                                       staff: service.user.id)
        return try await SelfServiceMemberDTO(member.id!, service)
    }

    // MARK: Visits

    /// Door entries per branch over a period (default: the last 7 days).
    func visits(req: Request) async throws -> [VisitCountDTO] {
        let service = try await DeskService.make(req)
        let zone = service.organisation.zone
        let today = LocalDate(Date(), in: zone)
        let from = try dateQuery(req, "from") ?? today.adding(days: -6)
        let to = try dateQuery(req, "to") ?? today
        guard from <= to else { throw BiebError.invalid("to", "'to' comes before 'from'.", nl: "'to' ligt voor 'from'.") }
        let counts = try await service.selfService.visitCounts(from: LocalClock.instant(of: from, minute: 0, in: zone),
                                                                   to: LocalClock.instant(of: to.adding(days: 1), minute: 0, in: zone))
        return service.branches.map { VisitCountDTO(branch: $0.slug, name: $0.name, from: from.iso, to: to.iso, visits: counts[$0.id] ?? 0) }
    }

    func dateQuery(_ req: Request, _ name: String) throws -> LocalDate? {
        guard let text = req.query[String.self, at: name] else { return nil }
        guard let date = LocalDate(iso: text) else {
            throw BiebError.invalid(name, "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
        }
        return date
    }

    // MARK: The door

    struct DoorInput: Content {
        var card: String?
        var pin: String?
    }

    /// For door controllers without SIP2: HTTP Basic with a door terminal's
    /// login and password, the card (and PIN) in the body; the answer is the
    /// decision with the reason in Dutch and English. An entry let in is
    /// counted as a visit.
    func doorEntry(req: Request) async throws -> DoorDTO {
        guard let credentials = req.headers.basicAuthorization else {
            throw BiebError(.unauthorized, code: "unauthorized", message: "Sign in with the door terminal's login and password (HTTP Basic).",
                            nl: "Meld aan met de login en het wachtwoord van de deurterminal (HTTP Basic).")
        }
        let terminal = try await DoorTerminals.authenticate(login: credentials.username, password: credentials.password, req: req)
        guard terminal.kind == .door, terminal.active else {
            throw BiebError(.forbidden, code: "not_a_door", message: "This terminal is not a door controller.",
                            nl: "Deze terminal is geen deurcontroller.")
        }
        let input = try req.content.decode(DoorInput.self)
        guard let card = input.card?.trimmed, !card.isEmpty else {
            throw BiebError.invalid("card", "Give the card number that was scanned.", nl: "Geef het gescande pasnummer.")
        }
        guard let organisation = try await req.branches.organisation(id: terminal.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let now = req.application.selfService.now
        let zone = organisation.zone
        let circulation = Circulation(req.db, organisationID: terminal.organisationID, timeZone: zone,
                                      calendars: req.application.calendarCache, ruleBooks: req.application.ruleBookCache)
        let member: Circulation.MemberFacts
        do {
            member = try await circulation.member(card: card)
        } catch let error as BiebError where error.code == "card_not_found" || error.code == MemberBlock.cardLost.code {
            return DoorDTO(allowed: false, valid_card: false, valid_pin: nil, code: error.code,
                           message: error.messageNL, message_en: error.message)
        }
        let door = SelfServiceDoor(app: req.application, db: req.db, organisationID: terminal.organisationID, timeZone: zone)
        let (pin, _) = try await door.checkPIN(member: member.id, pin: input.pin, verified: nil, now: now)
        let settings = try await circulation.rules.settings()
        let today = LocalDate(now, in: zone)
        let blocks = MemberBlock.blocks(cardLost: false, membershipEnd: member.membershipEnd, today: today, balanceCents: member.balanceCents,
                                        limitCents: settings.feeLimitCents, manualReason: member.blockReason)
        let level = try await req.branches.calendar(of: terminal.branchID, timeZone: zone).level(at: now)
        let decision = try await door.decide(member: member, blocks: blocks, pin: pin, branch: terminal.branchID, level: level, via: "http", now: now)
        switch decision {
        case .allowed:
            return DoorDTO(allowed: true, valid_card: true, valid_pin: pin == .notSent ? nil : pin == .valid, code: "allowed",
                           message: Locales.text("sip2_door_welcome", .nl), message_en: Locales.text("sip2_door_welcome", .en))
        case .refused(let reason):
            return DoorDTO(allowed: false, valid_card: true, valid_pin: pin == .notSent ? nil : pin == .valid, code: reason.code,
                           message: reason.message(dutch: true), message_en: reason.message(dutch: false))
        }
    }
}

/// Door terminals signing in over HTTP: bcrypt once a minute per
/// terminal and password, not for every person at the door. Wrong logins
/// are throttled as SIP2 logins are (`CredentialThrottle`, kind terminal).
enum DoorTerminals {
    static func authenticate(login: String, password: String, req: Request) async throws -> SIP2Terminal {
        let state = req.application.selfService
        let now = Date()
        let terminal = try await SelfServiceStore.terminal(login: login, on: req.db)
        if let terminal, state.doorLogins.isKnown(login: login, password: password, hash: terminal.passwordHash, now: now) {
            return terminal
        }
        let throttle = CredentialThrottle(req.db, kind: .terminal, account: login, address: req.clientAddress, logger: req.logger)
        if let seconds = try await throttle.lockedFor(now: now) { throw CredentialThrottle.tooMany(seconds) }
        let hash: String
        if let terminal { hash = terminal.passwordHash } else { hash = try await SIP2Service(app: req.application, db: req.db, logger: req.logger).dummyHash() }
        guard let terminal, (try? await req.password.async.verify(password, created: hash)) == true else {
            if let lock = try await throttle.failed(now: now) { throw CredentialThrottle.tooMany(lock) }
            throw BiebError(.unauthorized, code: "invalid_credentials", message: "Terminal login or password is not right.",
                            nl: "Login of wachtwoord van de terminal klopt niet.")
        }
        try await throttle.succeeded(now: now)
        state.doorLogins.remember(login: login, password: password, hash: terminal.passwordHash, now: now)
        return terminal
    }
}

extension DeskService {
    var selfService: SelfServiceStore { SelfServiceStore(req.db, organisationID: organisation.id!) }
}

/// A SIP2 terminal as staff send it: the API's body and the self-service
/// page's form alike, decoded into a `TerminalDraft` in one place.
struct TerminalInput: Content {
    var name: String?
    var login: String?
    var password: String?
    var kind: String?
    var branch: String?
    var location_code: String?
    var language: String?
    var allowed_messages: [String]?
    var active: Bool?

    /// The draft from the input; fields left out keep the existing terminal's values.
    func draft(_ service: DeskService, existing: SIP2Terminal?) throws -> TerminalDraft {
        let kindText = kind ?? existing?.kindRaw ?? ""
        guard let kind = SIP2Terminal.Kind(rawValue: kindText) else {
            throw BiebError.invalid("kind", "'\(kindText)' is not a kind of terminal; use kiosk, sorter or door.",
                                    nl: "'\(kindText)' is geen soort terminal; gebruik kiosk, sorter of door.")
        }
        let branchID: UUID
        if let branch { branchID = try service.branch(branch).id } else if let existing { branchID = existing.branchID } else {
            branchID = try service.branch(nil).id
        }
        var allowed: Set<SIP2.Command>?
        if let codes = allowed_messages {
            allowed = Set(try codes.map { code in
                guard let command = SIP2.Command(rawValue: code) else {
                    throw BiebError.invalid("allowed_messages", "'\(code)' is not a SIP2 message this server answers.",
                                            nl: "'\(code)' is geen SIP2-bericht dat deze server beantwoordt.")
                }
                return command
            })
        } else if let existing, existing.kindRaw == kind.rawValue {
            allowed = existing.allowedMessages
        }
        return TerminalDraft(name: name ?? existing?.name ?? "", login: login?.trimmed ?? existing?.login ?? "", kind: kind, branch: branchID,
                             locationCode: location_code ?? existing?.locationCode, language: language ?? existing?.language ?? "nl",
                             allowedMessages: allowed, active: active ?? existing?.active ?? true)
    }
}

struct TerminalDTO: Content {
    let id: UUID
    let name: String
    let login: String
    let kind: String
    let branch: String
    let branch_name: String
    let location_code: String?
    let language: String
    let allowed_messages: [String]
    let active: Bool
    let last_login_at: Date?

    init(_ terminal: SIP2Terminal, _ service: DeskService) {
        id = terminal.id!
        name = terminal.name
        login = terminal.login
        kind = terminal.kindRaw
        let branch = service.branches.first { $0.id == terminal.branchID }
        self.branch = branch?.slug ?? terminal.branchID.uuidString
        branch_name = branch?.name ?? "?"
        location_code = terminal.locationCode
        language = terminal.language
        allowed_messages = terminal.allowedMessages.map(\.rawValue).sorted()
        active = terminal.active
        last_login_at = terminal.lastLoginAt
    }
}

struct SortBinsDTO: Content {
    let holds: String
    let transit: String
    let shelf: String

    init(_ bins: SortBins) {
        holds = bins.holds
        transit = bins.transit
        shelf = bins.shelf
    }
}

struct SelfServiceMemberDTO: Content {
    let member_id: UUID
    let has_pin: Bool
    let pin_locked_until: Date?
    let self_service_terms_accepted_on: String?

    init(_ member: UUID, _ service: DeskService) async throws {
        let facts = try await service.selfService.doorFacts(member: member)
        let pin = try await service.selfService.pinState(member: member)
        member_id = member
        has_pin = facts.hasPIN
        pin_locked_until = pin.locked(at: Date()) ? pin.lockedUntil : nil
        self_service_terms_accepted_on = facts.termsAcceptedOn?.iso
    }
}

struct VisitCountDTO: Content {
    let branch: String
    let name: String
    let from: String
    let to: String
    let visits: Int
}

struct DoorDTO: Content {
    let allowed: Bool
    let valid_card: Bool
    let valid_pin: Bool?
    let code: String
    let message: String
    let message_en: String
}
