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
        let portal = routes.memberPages(signedIn: false)
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

    /// The layout's context for a member page (the member pages always have a session: forms carry its token).
    static func page(_ req: Request, _ org: Organisation, title: String) -> PageContext {
        PageContext.organisation(req, org, title: title, session: true)
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
        let errors: FormErrors?
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
            page: Self.page(req, org, title: Locales.text("portal_sign_in", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            base: Self.base(org), action: Self.base(org) + "/inloggen", back: Self.safeBack(req.query[String.self, at: "terug"], org),
            card: "", email: "", errors: nil))
    }

    func signIn(req: Request) async throws -> Response {
        let org = try await req.organisation()
        struct Form: Content { var card: String?; var pin: String?; var email: String?; var password: String?; var back: String? }
        let form = try req.content.decode(Form.self)
        let lang = Language.of(req)
        do {
            let member = try await MemberSignIn(request: req, organisation: org)
                .verify(card: form.card, pin: form.pin, email: form.email, password: form.password)
            try await MemberSession.start(req, member: member, organisation: try org.requireID())
            return req.redirect(to: Self.safeBack(form.back, org), redirectType: .normal)
        } catch let error as BiebError {
            let response = try await PublicPages().render(req, "portal/login", SignInContext(
                page: Self.page(req, org, title: Locales.text("portal_sign_in", lang)), organisation: org.name,
                orgURL: "/\(org.slug)", base: Self.base(org), action: Self.base(org) + "/inloggen", back: Self.safeBack(form.back, org),
                card: form.card ?? "", email: form.email ?? "", errors: FormErrors(error, lang: lang, known: ["card", "pin", "email", "password"])))
            response.refused(by: error)
            return response
        }
    }

    func signOut(req: Request) async throws -> Response {
        let org = try await req.organisation()
        MemberSession.end(req)
        return Self.done(req, "/\(org.slug)", Locales.text("portal_signed_out", Language.of(req)))
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
        let errors: FormErrors?
        /// The card or e-mail address as typed, after a refused request for a link.
        let form: FormValues
    }

    func renderPIN(_ req: Request, _ template: String, org: Organisation, code: String = "", valid: Bool = true, sent: Bool = false,
                   error: BiebError? = nil, typed: FormValues? = nil) async throws -> Response {
        let lang = Language.of(req)
        let response = try await PublicPages().render(req, template, PINContext(
            page: Self.page(req, org, title: Locales.text(template == "portal/pin_forgot" ? "portal_pin_forgot" : "portal_pin_choose", lang)),
            organisation: org.name, orgURL: "/\(org.slug)", base: Self.base(org), code: code, valid: valid, sent: sent,
            errors: error.map { FormErrors($0, lang: lang, known: ["card", "email", "pin", "repeated"]) }, form: typed ?? FormValues()))
        response.refused(by: error)
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
            return try await renderPIN(req, "portal/pin_forgot", org: org, error: error, typed: FormValues(req))
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

    /// The message choices page's own part; the header is the member frame's.
    struct MessagesBody: Encodable {
        let hasEmail: Bool
        let choices: [Choice]
        let languages: [FormOption]
        let history: [HistoryRow]
    }

    static let choicePurposes: [ConsentPurpose] = [.serviceNotices, .newsletter, .recommendations]

    func messages(req: Request) async throws -> Response {
        try await renderMessages(req, error: nil)
    }

    /// The page; after a refused save, with the error (`FormErrors`) and the boxes and language as sent (`typed`).
    func renderMessages(_ req: Request, error: BiebError?, typed: (choices: [ConsentPurpose: Bool], language: String?)? = nil) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let lang = Language.of(req)
        let id = Self.accountID(req) ?? service.signedIn.id
        let preferences = try await service.preferences(account: id)  // checks the account may be seen
        let formats = Formats(lang: lang, timeZone: org.zone)
        let body = MessagesBody(
            hasEmail: preferences.hasEmail,
            choices: Self.choicePurposes.map { purpose in
                Choice(name: purpose.rawValue, label: Locales.text("consent_label_\(purpose.rawValue)", lang),
                       text: MemberAccountService.consentText(purpose, dutch: lang == .nl),
                       on: typed?.choices[purpose] ?? preferences.current[purpose] ?? purpose.onUntilWithdrawn)
            },
            languages: [FormOption(value: "nl", label: "Nederlands", selected: (typed?.language ?? preferences.language) != "en"),
                        FormOption(value: "en", label: "English", selected: (typed?.language ?? preferences.language) == "en")],
            history: preferences.history.map { record in
                HistoryRow(when: formats.dateWithYear(LocalDate(record.at, in: org.zone)) + " " + formats.time(record.at),
                           what: Locales.text(record.granted ? "consent_granted" : "consent_withdrawn", lang,
                                              ["what": Locales.text("consent_label_\(record.purpose.rawValue)", lang)]),
                           text: record.text)
            })
        return try await MemberPageFrame().render(req, "portal/messages", title: Locales.text("portal_messages", lang), org: org,
                                                  service: service, account: id, body: body,
                                                  errors: error.map { FormErrors($0, lang: lang, known: ["language"]) }, status: error?.httpStatus ?? .ok)
    }

    func saveMessages(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        // A box left unticked sends nothing: every purpose on the form is on only when it came back ticked.
        var choices: [ConsentPurpose: Bool] = [:]
        for purpose in Self.choicePurposes { choices[purpose] = (try? req.content.get(String.self, at: purpose.rawValue)) == "on" }
        let language = try? req.content.get(String.self, at: "language")
        do {
            try await service.setPreferences(account: account, language: language, choices: choices,
                                             source: "portal", dutch: Language.of(req) == .nl)
            return Self.done(req, Self.base(org) + "/berichten" + (account == service.signedIn.id ? "" : "?lid=\(account)"),
                             Locales.text("portal_messages_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderMessages(req, error: error, typed: (choices, language))
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
