import Fluent
import SQLKit
import Foundation
import Vapor
import BiebCore
import BiebStore

/// What a signed-in member can do with the accounts they manage (their own
/// and their youth members'), shared by the member pages and the member
/// API. Every call names the account and is checked against the
/// signed-in member first: another member's account is "not found", never
/// "forbidden", so nobody learns which accounts exist.
struct MemberAccountService {
    let req: Request
    let signedIn: SignedInMember
    let organisation: Organisation
    let branches: [BranchLabel]
    let circulation: Circulation
    let accounts: MemberAccounts
    let members: MemberDirectory
    let now: Date

    var today: LocalDate { LocalDate(now, in: organisation.zone) }

    static func make(_ req: Request, organisation: Organisation? = nil) async throws -> MemberAccountService {
        let member = try req.member()
        let org: Organisation
        if let organisation {
            guard organisation.id == member.organisationID else {
                throw BiebError(.unauthorized, code: "unauthorized", message: "Sign in with a card of this library.",
                                nl: "Log in met een pas van deze bibliotheek.")
            }
            org = organisation
        } else {
            guard let found = try await req.branches.organisation(id: member.organisationID) else {
                throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
            }
            org = found
        }
        return MemberAccountService(
            req: req, signedIn: member, organisation: org, branches: try await req.branches.labels(of: try org.requireID()),
            circulation: Circulation(req.db, organisationID: try org.requireID(), timeZone: org.zone, calendars: req.application.calendarCache,
                                     ruleBooks: req.application.ruleBookCache),
            accounts: MemberAccounts(req.db, organisationID: try org.requireID()), members: MemberDirectory(req.db, organisationID: try org.requireID()),
            now: Date())
    }

    static let notFound = BiebError.notFound("account", nl: "Account niet gevonden.")

    /// The service and the account in the path (`:member`), which the signed-in member may manage (else "not found").
    static func authorized(_ req: Request) async throws -> (MemberAccountService, UUID) {
        let service = try await make(req)
        let account = try MemberAccountAPIController.account(req)
        try await service.authorize(account)
        return (service, account)
    }

    /// The relation of the signed-in member to an account, or "not found".
    @discardableResult
    func authorize(_ account: UUID) async throws -> AccountAccess.Relation {
        guard let facts = try await accounts.access(account),
              let relation = AccountAccess.relation(of: signedIn.id, to: facts, today: today) else { throw Self.notFound }
        return relation
    }

    /// The member record of an account the signed-in member may manage.
    func record(_ account: UUID) async throws -> Member {
        try await authorize(account)
        guard let member = try await members.member(account) else { throw Self.notFound }
        return member
    }

    /// Changes made online are recorded at the member's home branch, by no staff member.
    func desk(for member: Member) -> Circulation.Desk {
        Circulation.Desk(branch: member.homeBranchID, staff: nil, now: now)
    }

    func branch(_ text: String?, field: String = "pickup_branch") throws -> BranchLabel {
        let text = text?.trimmed ?? ""
        guard let branch = branches.first(where: { $0.active && ($0.slug == text || $0.id.uuidString.lowercased() == text.lowercased()) }) else {
            throw BiebError.invalid(field, text.isEmpty ? "Choose a branch." : "No branch '\(text)' in this library.",
                                    nl: text.isEmpty ? "Kies een vestiging." : "Geen vestiging '\(text)' in deze bibliotheek.")
        }
        return branch
    }

    func branchName(_ id: UUID) -> String { branches.first { $0.id == id }?.name ?? "?" }

    // MARK: Reading

    func manageable() async throws -> [(id: UUID, name: String, relation: AccountAccess.Relation)] {
        try await accounts.manageable(by: signedIn.id, today: today)
    }

    struct Overview {
        let member: Member
        let relation: AccountAccess.Relation
        let account: Circulation.Account
        let membershipType: MembershipType?
        let cards: [MemberCard]
        let hasPIN: Bool
    }

    func overview(_ id: UUID) async throws -> Overview {
        let relation = try await authorize(id)
        let member = try await record(id)
        let account = try await circulation.account(member: id, now: now)
        let type = try await MembershipType.find(member.membershipTypeID, on: req.db)
        let pin = try await SelfServiceStore(req.db, organisationID: organisation.id!).pinState(member: id)
        return Overview(member: member, relation: relation, account: account, membershipType: type,
                        cards: try await members.cards(of: id), hasPIN: pin.hash != nil)
    }

    // MARK: Loans

    /// Renews one loan of the account; refused with the rule's reason.
    func renew(account: UUID, loan: Int) async throws -> RenewReceipt {
        let member = try await record(account)
        do {
            return try await circulation.renew(loan: loan, member: account, at: desk(for: member))
        } catch let error as BiebError where error.code == Refusal.notYourLoan.code {
            // Someone else's loan is no business of this member's: as if it did not exist.
            throw BiebError.notFound("loan", nl: "Uitlening niet gevonden (of al ingeleverd).")
        }
    }

    func renewAll(account: UUID) async throws -> [(loan: Int, result: Result<RenewReceipt, BiebError>)] {
        let member = try await record(account)
        return try await circulation.renewAll(member: account, at: desk(for: member))
    }

    // MARK: Holds

    func placeHold(account: UUID, title: Int, pickup: String?) async throws -> Hold {
        let member = try await record(account)
        let branch = try branch(pickup)
        do {
            return try await circulation.placeHold(member: account, title: title, pickup: branch.id, at: desk(for: member))
        } catch let error as BiebError {
            throw Self.inMemberWords(error, own: account == signedIn.id)
        }
    }

    /// The desk's refusals of a hold say "this member"; a member reads about themselves (or the
    /// child whose account they use). Other refusals are already in words for anyone.
    static func inMemberWords(_ error: BiebError, own: Bool) -> BiebError {
        let (en, nl): (String, String)
        switch (error.code, own) {
        case ("hold_exists", true): (en, nl) = ("You already have a hold on this title.", "Je hebt deze titel al gereserveerd.")
        case ("hold_exists", false): (en, nl) = ("This account already has a hold on this title.", "Op dit account is deze titel al gereserveerd.")
        case ("already_borrowed", true): (en, nl) = ("You have this title on loan now.", "Je hebt deze titel nu te leen.")
        case ("already_borrowed", false): (en, nl) = ("This account has this title on loan now.", "Op dit account is deze titel nu te leen.")
        default: return error
        }
        return BiebError(error.kind, code: error.code, field: error.field, message: en, nl: nl)
    }

    /// Another pickup branch, a pause until a day, or a resumption (in that order when several are asked).
    func changeHold(account: UUID, hold: Int, pickup: String?, suspendUntil: String?, resume: Bool) async throws {
        let member = try await record(account)
        let desk = desk(for: member)
        if let pickup, !pickup.trimmed.isEmpty {
            try await circulation.changePickup(hold, to: try branch(pickup).id, member: account, at: desk)
        }
        if let text = suspendUntil?.trimmed, !text.isEmpty {
            guard let until = LocalDate(iso: text) else {
                throw BiebError.invalid("suspended_until", "'\(text)' is not a date; write it as YYYY-MM-DD.",
                                        nl: "'\(text)' is geen datum; schrijf hem als JJJJ-MM-DD.")
            }
            try await circulation.suspendHold(hold, until: until, member: account, at: desk)
        } else if resume {
            try await circulation.suspendHold(hold, until: nil, member: account, at: desk)
        }
    }

    func cancelHold(account: UUID, hold: Int) async throws {
        let member = try await record(account)
        try await circulation.cancelHold(hold, member: account, at: desk(for: member))
    }

    // MARK: Details

    func changeContact(account: UUID, _ change: ContactChange) async throws -> Member {
        try await authorize(account)
        return try await accounts.changeContact(member: account, to: change, today: today)
    }

    /// A password for signing in with the e-mail address (own account only:
    /// a guardian does not sign in as their child).
    func setPassword(account: UUID, password: String) async throws {
        guard try await authorize(account) == .own else { throw Self.notFound }
        let member = try await record(account)
        let cards = try await members.cards(of: account).map(\.barcode)
        let valid = try MemberPassword.validated(password, email: member.email, cards: cards)
        try await accounts.setPassword(member: account, hash: try await req.password.async.hash(valid))
    }

    /// A new PIN for card and kiosk; the current PIN is asked when there is one.
    func setPIN(account: UUID, current: String?, new pin: String) async throws {
        try await authorize(account)
        let store = SelfServiceStore(req.db, organisationID: organisation.id!)
        if try await store.pinState(member: account).hash != nil {
            let door = SelfServiceDoor(app: req.application, db: req.db, organisationID: organisation.id!, timeZone: organisation.zone)
            switch try await door.checkPIN(member: account, pin: current ?? "", verified: nil, now: now).0 {
            case .valid: break
            case .locked:
                throw BiebError(.tooManyRequests, code: "pin_locked", field: "current_pin",
                                message: "The PIN is locked for an hour after too many wrong tries.",
                                nl: "De pincode is een uur geblokkeerd na te veel foute pogingen.")
            default:
                throw BiebError.invalid("current_pin", "The current PIN is not right.", nl: "De huidige pincode klopt niet.")
            }
        }
        let valid = try MemberPIN.validate(pin)
        try await store.setPIN(member: account, hash: try await req.password.async.hash(valid), now: now)
    }

    // MARK: Messages and consents

    /// The words a member agrees to (or withdraws from) for a purpose, in their language; stored with the record.
    static func consentText(_ purpose: ConsentPurpose, dutch: Bool) -> String {
        Locales.text("consent_text_\(purpose.rawValue)", dutch ? .nl : .en)
    }

    struct Preferences {
        let language: String
        let current: [ConsentPurpose: Bool]
        let history: [ConsentRecord]
        let hasEmail: Bool
    }

    func preferences(account: UUID) async throws -> Preferences {
        let member = try await record(account)
        let consents = Consents(req.db, organisationID: organisation.id!)
        return Preferences(language: member.language, current: try await consents.current(member: account),
                           history: try await consents.history(member: account), hasEmail: member.email != nil)
    }

    /// Changes what the member receives: each change recorded with the words shown, the moment and the way (portal, api).
    /// `dutch`: the language the member read the words in (the page's or the request's), recorded with the choice.
    func setPreferences(account: UUID, language: String?, choices: [ConsentPurpose: Bool], source: String, dutch: Bool) async throws {
        let member = try await record(account)
        if let language {
            guard ["nl", "en"].contains(language) else {
                throw BiebError.invalid("language", "Choose nl (Dutch) or en (English).", nl: "Kies nl (Nederlands) of en (Engels).")
            }
            if language != member.language {
                try await WriteGate.transaction(on: req.db) { tx in
                    try await tx.sql.raw("UPDATE members SET language = \(bind: language) WHERE id = \(bind: account)").run()
                }
            }
        }
        let consents = Consents(req.db, organisationID: organisation.id!)
        for purpose in ConsentPurpose.allCases {
            guard let granted = choices[purpose] else { continue }
            try await consents.record(member: account, purpose, granted: granted, text: Self.consentText(purpose, dutch: dutch), source: source, at: now)
        }
    }

    // MARK: Membership

    /// Renews a membership that costs nothing this year (youth members);
    /// a paid one is renewed when its payment comes in.
    func renewMembership(account: UUID) async throws -> Member {
        let member = try await record(account)
        guard let type = try await MembershipType.find(member.membershipTypeID, on: req.db) else { throw Self.notFound }
        let fee = Membership.fee(yearlyCents: type.yearlyFeeCents, birthDate: member.birthDate, on: today)
        guard fee == 0 else {
            throw BiebError(.conflict, code: "payment_required", field: "membership",
                            message: "This membership costs \(Money.text(fee)) a year; it is renewed when it is paid (online or at the desk).",
                            nl: "Dit abonnement kost \(Money.text(fee)) per jaar; het wordt verlengd als het betaald is (online of aan de balie).")
        }
        return try await members.renewMembership(account, today: today, branch: member.homeBranchID)
    }
}
