import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The member pages, `/{org}/mijn/…` (Dutch paths; English with `?lang=en`):
/// sign in with card and PIN or e-mail and password; loans with renewal
/// (and the reason when refused), holds (place from the catalogue, change
/// pickup branch, pause, resume, cancel, place in the queue), fees line by
/// line, membership, contact details, password and PIN; a guardian
/// switches to the accounts of their youth members (`?lid=`). Plain forms,
/// no JavaScript.
struct MemberPortalPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let portal = routes.grouped(StaffSessionsMiddleware()).grouped(MemberSessionAuthenticator()).grouped(CSRFMiddleware())
            .grouped(":org", "mijn")
        portal.get("inloggen", use: signInForm)
        portal.post("inloggen", use: signIn)
        portal.post("uitloggen", use: signOut)
        portal.get("pincode-vergeten", use: forgotForm)
        portal.post("pincode-vergeten", use: forgot)
        portal.get("pincode-kiezen", use: chooseForm)
        portal.post("pincode-kiezen", use: choose)
        let signedIn = portal.grouped(RequireMemberPage())
        signedIn.get(use: overview)
        signedIn.post("verlengen", use: renew)
        signedIn.get("reserveren", use: holdForm)
        signedIn.post("reserveringen", use: placeHold)
        signedIn.post("reserveringen", ":holdID", use: changeHold)
        signedIn.get("gegevens", use: details)
        signedIn.post("gegevens", use: saveDetails)
        signedIn.post("wachtwoord", use: savePassword)
        signedIn.post("pincode", use: savePIN)
        signedIn.post("abonnement", use: renewMembership)
        signedIn.get("berichten", use: messages)
        signedIn.post("berichten", use: saveMessages)
    }


    static func base(_ org: Organisation) -> String { "/\(org.slug)/mijn" }

    /// The layout's context for a member page.
    static func page(_ req: Request, _ org: Organisation, title: String, name: String?) -> PageContext {
        var page = PageContext(req, lang: Language.of(req), title: title, csrf: CSRFMiddleware.token(for: req),
                               flash: req.session.data["member_flash"])
        req.session.data["member_flash"] = nil
        page.member = PageContext.MemberLink(name: name, accountURL: base(org), signOutURL: base(org) + "/uitloggen",
                                             signInURL: base(org) + "/inloggen")
        return page
    }

    /// Back to a member page with a message for the next page.
    static func done(_ req: Request, _ path: String, _ message: String) -> Response {
        req.session.data["member_flash"] = message
        return req.redirect(to: path, redirectType: .normal)
    }

    // MARK: Signing in

    struct SignInContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let action: String
        let back: String
        let card: String
        let email: String
        let error: String?
        let errorField: String?
    }

    /// Only a path inside this organisation's pages: never another site.
    static func safeBack(_ text: String?, _ org: Organisation) -> String {
        guard let text, text.hasPrefix("/\(org.slug)/"), !text.hasPrefix("//"), !text.contains("\\") else { return base(org) }
        return text
    }

    func signInForm(req: Request) async throws -> Response {
        let org = try await req.organisation()
        if let member = req.auth.get(SignedInMember.self), member.organisationID == org.id {
            return req.redirect(to: Self.safeBack(req.query[String.self, at: "terug"], org), redirectType: .normal)
        }
        let lang = Language.of(req)
        return try await PublicPages().render(req, "portal/login", SignInContext(
            page: Self.page(req, org, title: Locales.text("portal_sign_in", lang), name: nil), organisation: org.name, orgURL: "/\(org.slug)",
            base: Self.base(org), action: Self.base(org) + "/inloggen", back: Self.safeBack(req.query[String.self, at: "terug"], org),
            card: "", email: "", error: nil, errorField: nil))
    }

    func signIn(req: Request) async throws -> Response {
        let org = try await req.organisation()
        struct Form: Content { var card: String?; var pin: String?; var email: String?; var password: String?; var back: String? }
        let form = try req.content.decode(Form.self)
        let lang = Language.of(req)
        do {
            let member = try await MemberSignIn(request: req, organisation: org)
                .verify(card: form.card, pin: form.pin, email: form.email, password: form.password)
            try await MemberSession.start(req, member: member, organisation: org.id!)
            return req.redirect(to: Self.safeBack(form.back, org), redirectType: .normal)
        } catch let error as BiebError {
            let response = try await PublicPages().render(req, "portal/login", SignInContext(
                page: Self.page(req, org, title: Locales.text("portal_sign_in", lang), name: nil), organisation: org.name,
                orgURL: "/\(org.slug)", base: Self.base(org), action: Self.base(org) + "/inloggen", back: Self.safeBack(form.back, org),
                card: form.card ?? "", email: form.email ?? "", error: error.message(dutch: lang == .nl), errorField: error.field))
            response.status = error.httpStatus
            if let seconds = error.retryAfter { response.headers.replaceOrAdd(name: "Retry-After", value: String(seconds)) }
            return response
        }
    }

    func signOut(req: Request) async throws -> Response {
        let org = try await req.organisation()
        MemberSession.end(req)
        return Self.done(req, "/\(org.slug)", Locales.text("portal_signed_out", Language.of(req)))
    }

    // MARK: The account

    struct Row: Encodable {
        let id: String
        let title: String
        let titleURL: String
        let a: String
        var b = ""
        var c = ""
        var flag = false
        var note: String? = nil
        var options: [FormOption] = []
        var canPause = false
        var canResume = false
        var canMove = false
    }

    struct AccountTab: Encodable {
        let name: String
        let url: String
        let current: Bool
    }

    struct OverviewContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let accountID: String
        let name: String
        let isOwn: Bool
        let tabs: [AccountTab]
        let blocks: [String]
        let loans: [Row]
        let holds: [Row]
        let fees: [Row]
        let balance: String
        let owes: Bool
        let membership: String
        let membershipEnd: String
        let membershipFee: String?
        let canRenewMembership: Bool
        /// Online payment is set up: fees and a paid membership can be paid here.
        let canPayOnline: Bool
        let canPayMembership: Bool
        let cards: String
        let error: String?
        let catalogueURL: String
    }

    /// The account asked for with `?lid=` (or a form's `lid`), else the member's own.
    static func accountID(_ req: Request) -> UUID? {
        let text = (try? req.content.get(String.self, at: "lid")) ?? req.query[String.self, at: "lid"]
        return text.flatMap(UUID.init(uuidString:))
    }

    func overview(req: Request) async throws -> Response {
        try await renderOverview(req, error: nil, status: .ok)
    }

    func renderOverview(_ req: Request, error: BiebError?, status: HTTPResponseStatus) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let lang = Language.of(req)
        let dutch = lang == .nl
        let formats = Formats(lang: lang, timeZone: org.zone)
        let id = Self.accountID(req) ?? service.signedIn.id
        let overview = try await service.overview(id)
        let base = Self.base(org)
        let accounts = try await service.manageable()
        let today = service.today
        let member = overview.member
        func titleURL(_ id: Int) -> String { "/\(org.slug)/catalogus/\(id)" }
        let loans = overview.account.loans.map { loan in
            Row(id: String(loan.loanID), title: loan.title, titleURL: titleURL(loan.titleID),
                a: formats.longDate(loan.dueOn), b: String(loan.renewals), flag: loan.dueOn < today)
        }
        let holds = overview.account.holds.map { hold -> Row in
            let status: String
            switch hold.status {
            case .waiting:
                if let until = hold.suspendedUntil, until > today {
                    status = Locales.text("portal_hold_paused", lang, ["date": formats.longDate(until)])
                } else {
                    status = Locales.text("portal_hold_waiting", lang, ["n": String(hold.position ?? 1)])
                }
            case .allocated: status = Locales.text("portal_hold_allocated", lang)
            case .inTransit: status = Locales.text("portal_hold_in_transit", lang, ["branch": service.branchName(hold.pickupBranch)])
            case .ready:
                status = Locales.text("portal_hold_ready", lang, ["branch": service.branchName(hold.pickupBranch),
                                                                  "date": hold.readyUntil.map(formats.longDate) ?? ""])
            default: status = hold.status.rawValue
            }
            let waiting = hold.status == .waiting
            return Row(id: String(hold.holdID), title: hold.title, titleURL: titleURL(hold.titleID),
                       a: status, b: service.branchName(hold.pickupBranch), c: formats.dateWithYear(hold.expiresOn),
                       flag: hold.status == .ready,
                       options: service.branches.filter(\.active).map {
                           FormOption(value: $0.slug, label: $0.name, selected: $0.id == hold.pickupBranch)
                       },
                       canPause: waiting && (hold.suspendedUntil.map { $0 <= today } ?? true),
                       canResume: waiting && (hold.suspendedUntil.map { $0 > today } ?? false),
                       canMove: waiting || hold.status == .allocated)
        }
        let fees = overview.account.fees.map { line in
            Row(id: String(line.id), title: Self.describe(line, lang: lang), titleURL: "",
                a: Locales.text("fee_\(line.kind.rawValue)", lang), b: formats.dateWithYear(LocalDate(line.at, in: org.zone)),
                c: Money.text(line.amountCents))
        }
        let fee = overview.membershipType.map { Membership.fee(yearlyCents: $0.yearlyFeeCents, birthDate: member.birthDate, on: today) } ?? 0
        let context = OverviewContext(
            page: Self.page(req, org, title: Locales.text("portal_title", lang), name: accounts.first?.name),
            organisation: org.name, orgURL: "/\(org.slug)", base: base, accountID: id.uuidString, name: member.name,
            isOwn: overview.relation == .own,
            tabs: accounts.count > 1 ? accounts.map { AccountTab(name: $0.name, url: "\(base)?lid=\($0.id)", current: $0.id == id) } : [],
            blocks: overview.account.blocks.map { $0.message(dutch: dutch) },
            loans: loans, holds: holds, fees: fees, balance: Money.text(member.balanceCents), owes: member.balanceCents > 0,
            membership: overview.membershipType?.name(dutch: dutch) ?? "", membershipEnd: formats.dateWithYear(member.membershipEnd),
            membershipFee: fee > 0 ? Money.text(fee) : nil,
            canRenewMembership: fee == 0 && member.membershipEnd.days(until: today) > -60,
            canPayOnline: req.application.paymentSettings != nil,
            canPayMembership: req.application.paymentSettings != nil && fee > 0 && member.membershipEnd.days(until: today) > -60,
            cards: overview.cards.filter { $0.status == .active }.map(\.barcode).joined(separator: ", "),
            error: error?.message(dutch: dutch), catalogueURL: "/\(org.slug)/catalogus")
        let response = try await PublicPages().render(req, "portal/account", context)
        response.status = status
        return response
    }

    /// A fee line for the member: a charge by what it was for; a payment by how it was paid
    /// (the ledger keeps the method as the note: "kas", "pin", "kiosk pin BK…").
    static func describe(_ line: Circulation.FeeLineView, lang: Language) -> String {
        let kind = Locales.text("fee_\(line.kind.rawValue)", lang)
        guard line.kind == .payment else { return line.note.isEmpty ? kind : line.note }
        for (prefix, key) in [("kiosk contant", "portal_paid_kiosk_cash"), ("kiosk pin", "portal_paid_kiosk_card"), ("kas", "portal_paid_cash"),
                              ("pin", "portal_paid_card"), ("online", "portal_paid_online")] where line.note.hasPrefix(prefix) {
            return Locales.text(key, lang)
        }
        return line.note.isEmpty ? kind : "\(kind) (\(line.note))"
    }

    /// Runs a change from the account page: back to the page with a message,
    /// or the page again with the reason it could not be done.
    func act(_ req: Request, _ body: (MemberAccountService, UUID) async throws -> String) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        do {
            let message = try await body(service, account)
            let own = account == service.signedIn.id
            return Self.done(req, Self.base(org) + (own ? "" : "?lid=\(account)"), message)
        } catch let error as BiebError where error.code != "not_found" || error.field != "account" {
            return try await renderOverview(req, error: error, status: error.httpStatus)
        }
    }

    func renew(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let formats = Formats(lang: lang, timeZone: try await req.organisation().zone)
        return try await act(req) { service, account in
            if let loan = try? req.content.get(Int.self, at: "loan") {
                let receipt = try await service.renew(account: account, loan: loan)
                return Locales.text("portal_renewed", lang, ["title": receipt.title, "date": formats.longDate(receipt.dueOn)])
            }
            let outcomes = try await service.renewAll(account: account)
            let renewed = outcomes.filter { if case .success = $0.result { true } else { false } }.count
            var message = Locales.text("portal_renewed_all", lang, ["n": String(renewed), "total": String(outcomes.count)])
            for case let (_, .failure(error)) in outcomes.map({ ($0.loan, $0.result) }) {
                message += " " + error.message(dutch: lang == .nl)
                break
            }
            return message
        }
    }

    func placeHold(req: Request) async throws -> Response {
        let lang = Language.of(req)
        struct Form: Content { var title: Int?; var pickup: String? }
        let form = try req.content.decode(Form.self)
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        do {
            guard let title = form.title else {
                throw BiebError.invalid("title", "Say which title to reserve.", nl: "Geef aan welke titel je wilt reserveren.")
            }
            let hold = try await service.placeHold(account: account, title: title, pickup: form.pickup)
            let titleText = try await Title.find(hold.titleID, on: req.db)?.title ?? ""
            return Self.done(req, Self.base(org) + (account == service.signedIn.id ? "" : "?lid=\(account)"),
                             Locales.text("portal_hold_placed", lang, ["title": titleText, "branch": service.branchName(hold.pickupBranchID)]))
        } catch let error as BiebError {
            return try await renderHoldForm(req, org: org, service: service, title: form.title, error: error)
        }
    }

    func changeHold(req: Request) async throws -> Response {
        let lang = Language.of(req)
        struct Form: Content { var action: String?; var pickup: String?; var until: String? }
        let form = try req.content.decode(Form.self)
        guard let hold = req.parameters.get("holdID").flatMap(Int.init) else { throw Abort(.notFound) }
        return try await act(req) { service, account in
            switch form.action {
            case "cancel":
                try await service.cancelHold(account: account, hold: hold)
                return Locales.text("portal_hold_cancelled", lang)
            case "move":
                try await service.changeHold(account: account, hold: hold, pickup: form.pickup, suspendUntil: nil, resume: false)
                return Locales.text("portal_hold_moved", lang)
            case "pause":
                guard let until = form.until?.trimmed, !until.isEmpty else {
                    throw BiebError.invalid("until", "Give the day the hold may go on again.", nl: "Geef de dag waarop de reservering weer mag doorgaan.")
                }
                try await service.changeHold(account: account, hold: hold, pickup: nil, suspendUntil: until, resume: false)
                return Locales.text("portal_hold_paused_done", lang)
            case "resume":
                try await service.changeHold(account: account, hold: hold, pickup: nil, suspendUntil: nil, resume: true)
                return Locales.text("portal_hold_resumed", lang)
            default:
                throw BiebError.invalid("action", "Choose what to do with the hold.", nl: "Kies wat je met de reservering wilt doen.")
            }
        }
    }

    func renewMembership(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let formats = Formats(lang: lang, timeZone: try await req.organisation().zone)
        return try await act(req) { service, account in
            let member = try await service.renewMembership(account: account)
            return Locales.text("portal_membership_renewed", lang, ["date": formats.dateWithYear(member.membershipEnd)])
        }
    }

    // MARK: Placing a hold from the catalogue

    struct HoldFormContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let title: String
        let titleID: Int
        let titleURL: String
        let accounts: [FormOption]
        let branches: [FormOption]
        let error: String?
    }

    func holdForm(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        return try await renderHoldForm(req, org: org, service: service, title: req.query[Int.self, at: "titel"], error: nil)
    }

    func renderHoldForm(_ req: Request, org: Organisation, service: MemberAccountService, title titleID: Int?, error: BiebError?) async throws -> Response {
        let lang = Language.of(req)
        guard let titleID, let title = try await Title.query(on: req.db).filter(\.$organisationID == org.id!).filter(\.$id == titleID)
            .filter(\.$deleted == false).first() else { throw Abort(.notFound) }
        let chosen = Self.accountID(req) ?? service.signedIn.id
        let home = try await service.members.member(chosen)?.homeBranchID
        let chosenBranch = (try? req.content.get(String.self, at: "pickup"))
        let context = HoldFormContext(
            page: Self.page(req, org, title: Locales.text("portal_place_hold", lang), name: nil), organisation: org.name,
            orgURL: "/\(org.slug)", base: Self.base(org), title: title.title, titleID: titleID, titleURL: "/\(org.slug)/catalogus/\(titleID)",
            accounts: try await service.manageable().map { FormOption(value: $0.id.uuidString, label: $0.name, selected: $0.id == chosen) },
            branches: service.branches.filter(\.active).map { branch in
                FormOption(value: branch.slug, label: branch.name, selected: chosenBranch.map { $0 == branch.slug } ?? (branch.id == home))
            },
            error: error?.message(dutch: lang == .nl))
        let response = try await PublicPages().render(req, "portal/hold", context)
        response.status = error?.httpStatus ?? .ok
        return response
    }

    // MARK: Details, password, PIN

    struct DetailsContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let accountID: String
        let name: String
        let birthDate: String
        let isOwn: Bool
        let email: String
        let phone: String
        let street: String
        let postcode: String
        let city: String
        let signsInWithEmail: Bool
        let hasPIN: Bool
        let error: String?
        let errorField: String?
    }

    func details(req: Request) async throws -> Response {
        try await renderDetails(req, error: nil, form: nil)
    }

    struct DetailsForm: Content {
        var email: String?
        var phone: String?
        var street: String?
        var postcode: String?
        var city: String?
    }

    func renderDetails(_ req: Request, error: BiebError?, form: DetailsForm?) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let lang = Language.of(req)
        let id = Self.accountID(req) ?? service.signedIn.id
        let overview = try await service.overview(id)
        let member = overview.member
        let context = DetailsContext(
            page: Self.page(req, org, title: Locales.text("portal_details", lang), name: nil), organisation: org.name,
            orgURL: "/\(org.slug)", base: Self.base(org), accountID: id.uuidString, name: member.name,
            birthDate: Formats(lang: lang, timeZone: org.zone).longDate(member.birthDate), isOwn: overview.relation == .own,
            email: form?.email ?? member.email ?? "", phone: form?.phone ?? member.phone ?? "", street: form?.street ?? member.street,
            postcode: form?.postcode ?? member.postcode, city: form?.city ?? member.city,
            signsInWithEmail: member.passwordHash != nil, hasPIN: overview.hasPIN,
            error: error?.message(dutch: lang == .nl), errorField: error?.field)
        let response = try await PublicPages().render(req, "portal/details", context)
        response.status = error?.httpStatus ?? .ok
        return response
    }

    func detailsPath(_ req: Request, _ org: Organisation, _ account: UUID, _ own: UUID) -> String {
        Self.base(org) + "/gegevens" + (account == own ? "" : "?lid=\(account)")
    }

    func saveDetails(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        let form = try req.content.decode(DetailsForm.self)
        do {
            _ = try await service.changeContact(account: account, ContactChange(
                email: form.email, phone: form.phone, street: form.street ?? "", postcode: form.postcode ?? "", city: form.city ?? ""))
            return Self.done(req, detailsPath(req, org, account, service.signedIn.id), Locales.text("portal_details_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderDetails(req, error: error, form: form)
        }
    }

    func savePassword(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        struct Form: Content { var password: String?; var repeated: String? }
        let form = try req.content.decode(Form.self)
        do {
            guard form.password == form.repeated else {
                throw BiebError.invalid("repeated", "The two passwords are not the same.", nl: "De twee wachtwoorden zijn niet gelijk.")
            }
            try await service.setPassword(account: account, password: form.password ?? "")
            return Self.done(req, detailsPath(req, org, account, service.signedIn.id), Locales.text("portal_password_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderDetails(req, error: error, form: nil)
        }
    }

    func savePIN(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        struct Form: Content { var current: String?; var pin: String?; var repeated: String? }
        let form = try req.content.decode(Form.self)
        do {
            guard form.pin == form.repeated else {
                throw BiebError.invalid("repeated", "The two PINs are not the same.", nl: "De twee pincodes zijn niet gelijk.")
            }
            try await service.setPIN(account: account, current: form.current, new: form.pin ?? "")
            return Self.done(req, detailsPath(req, org, account, service.signedIn.id), Locales.text("portal_pin_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderDetails(req, error: error, form: nil)
        }
    }
}

extension MemberPortalPages {
    struct PINContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let code: String
        let valid: Bool
        let sent: Bool
        let error: String?
    }

    func renderPIN(_ req: Request, _ template: String, org: Organisation, code: String = "", valid: Bool = true, sent: Bool = false,
                   error: BiebError? = nil) async throws -> Response {
        let lang = Language.of(req)
        let response = try await PublicPages().render(req, template, PINContext(
            page: Self.page(req, org, title: Locales.text(template == "portal/pin_forgot" ? "portal_pin_forgot" : "portal_pin_choose", lang), name: nil),
            organisation: org.name, orgURL: "/\(org.slug)", base: Self.base(org), code: code, valid: valid, sent: sent,
            error: error?.message(dutch: lang == .nl)))
        response.status = error?.httpStatus ?? .ok
        if let seconds = error?.retryAfter { response.headers.replaceOrAdd(name: "Retry-After", value: String(seconds)) }
        return response
    }

    func forgotForm(req: Request) async throws -> Response {
        try await renderPIN(req, "portal/pin_forgot", org: try await req.organisation())
    }

    func forgot(req: Request) async throws -> Response {
        let org = try await req.organisation()
        struct Form: Content { var card: String?; var email: String? }
        let form = try req.content.decode(Form.self)
        do {
            try await PINReset(request: req, organisation: org).ask(card: form.card, email: form.email)
            return try await renderPIN(req, "portal/pin_forgot", org: org, sent: true)
        } catch let error as BiebError {
            return try await renderPIN(req, "portal/pin_forgot", org: org, error: error)
        }
    }

    func chooseForm(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let code = req.query[String.self, at: "code"] ?? ""
        return try await renderPIN(req, "portal/pin_choose", org: org, code: code, valid: try await PINReset(request: req, organisation: org).valid(code))
    }

    func choose(req: Request) async throws -> Response {
        let org = try await req.organisation()
        struct Form: Content { var code: String?; var pin: String?; var repeated: String? }
        let form = try req.content.decode(Form.self)
        do {
            guard form.pin == form.repeated else {
                throw BiebError.invalid("repeated", "The two PINs are not the same.", nl: "De twee pincodes zijn niet gelijk.")
            }
            try await PINReset(request: req, organisation: org).choose(code: form.code ?? "", pin: form.pin ?? "")
            return Self.done(req, Self.base(org) + "/inloggen", Locales.text("portal_pin_chosen", Language.of(req)))
        } catch let error as BiebError {
            let valid = try await PINReset(request: req, organisation: org).valid(form.code ?? "")
            return try await renderPIN(req, "portal/pin_choose", org: org, code: form.code ?? "", valid: valid, error: error)
        }
    }

    struct Choice: Encodable {
        let name: String
        let label: String
        let text: String
        let on: Bool
    }

    struct HistoryRow: Encodable {
        let when: String
        let what: String
        let text: String
    }

    struct MessagesContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let accountID: String
        let name: String
        let isOwn: Bool
        let hasEmail: Bool
        let choices: [Choice]
        let languages: [FormOption]
        let history: [HistoryRow]
        let error: String?
    }

    static let choicePurposes: [ConsentPurpose] = [.serviceNotices, .newsletter, .recommendations]

    func messages(req: Request) async throws -> Response {
        try await renderMessages(req, error: nil)
    }

    func renderMessages(_ req: Request, error: BiebError?) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let lang = Language.of(req)
        let id = Self.accountID(req) ?? service.signedIn.id
        let relation = try await service.authorize(id)
        let member = try await service.record(id)
        let preferences = try await service.preferences(account: id)
        let formats = Formats(lang: lang, timeZone: org.zone)
        let context = MessagesContext(
            page: Self.page(req, org, title: Locales.text("portal_messages", lang), name: nil), organisation: org.name, orgURL: "/\(org.slug)",
            base: Self.base(org), accountID: id.uuidString, name: member.name, isOwn: relation == .own, hasEmail: preferences.hasEmail,
            choices: Self.choicePurposes.map { purpose in
                Choice(name: purpose.rawValue, label: Locales.text("consent_label_\(purpose.rawValue)", lang),
                       text: MemberAccountService.consentText(purpose, dutch: lang == .nl), on: preferences.current[purpose] ?? purpose.onUntilWithdrawn)
            },
            languages: [FormOption(value: "nl", label: "Nederlands", selected: preferences.language != "en"),
                        FormOption(value: "en", label: "English", selected: preferences.language == "en")],
            history: preferences.history.map { record in
                HistoryRow(when: formats.dateWithYear(LocalDate(record.at, in: org.zone)) + " " + formats.time(record.at),
                           what: Locales.text(record.granted ? "consent_granted" : "consent_withdrawn", lang,
                                              ["what": Locales.text("consent_label_\(record.purpose.rawValue)", lang)]),
                           text: record.text)
            },
            error: error?.message(dutch: lang == .nl))
        let response = try await PublicPages().render(req, "portal/messages", context)
        response.status = error?.httpStatus ?? .ok
        return response
    }

    func saveMessages(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        // A box left unticked sends nothing: every purpose on the form is on only when it came back ticked.
        var choices: [ConsentPurpose: Bool] = [:]
        for purpose in Self.choicePurposes { choices[purpose] = (try? req.content.get(String.self, at: purpose.rawValue)) == "on" }
        do {
            try await service.setPreferences(account: account, language: try? req.content.get(String.self, at: "language"), choices: choices,
                                             source: "portal", dutch: Language.of(req) == .nl)
            return Self.done(req, Self.base(org) + "/berichten" + (account == service.signedIn.id ? "" : "?lid=\(account)"),
                             Locales.text("portal_messages_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderMessages(req, error: error)
        }
    }
}

/// Member pages need a member of the page's organisation: others go to the
/// sign-in page, and come back after.
struct RequireMemberPage: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let slug = request.parameters.get("org") ?? ""
        guard let member = request.auth.get(SignedInMember.self),
              let org = try await request.branches.organisation(slug: slug), org.id == member.organisationID else {
            var back = request.url.path
            if request.method == .GET, let query = request.url.query { back += "?" + query }
            var components = URLComponents()
            components.path = "/\(slug)/mijn/inloggen"
            components.queryItems = [URLQueryItem(name: "terug", value: back)]
            return request.redirect(to: components.string ?? "/\(slug)/mijn/inloggen", redirectType: .normal)
        }
        return try await next.respond(to: request)
    }
}
