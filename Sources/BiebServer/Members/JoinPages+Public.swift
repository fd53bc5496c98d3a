import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// "Lid worden": joining the library online (`/{org}/lid-worden`), and the
/// public API's way to the same (`POST /api/v1/organisations/{org}/members`).
/// The form keeps everything typed when refused (never the password) and
/// shows each error next to its field; a new member is signed in at once
/// and sees their card number on the welcome page (`JoinPages+Member.swift`).
struct JoinPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.publicPages().grouped(CSRFMiddleware())
        pages.get(":org", "lid-worden", use: form)
        pages.post(":org", "lid-worden", use: join)
        routes.grouped("api", "v1", "organisations", ":org").post("members", use: joinAPI)
    }

    static let fields: Set<String> = ["name", "birth_date", "email", "phone", "street", "postcode", "city", "home_branch", "membership_type",
                                      "password", "password_repeated"]

    struct TypeOption: Encodable {
        let value: String
        let label: String
        let fee: String
        let selected: Bool
    }

    struct JoinContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let action: String
        let signInURL: String
        let types: [TypeOption]
        let branches: [FormOption]
        let errors: FormErrors?
        /// What was typed (passwords are never sent back).
        let form: FormValues
    }

    func render(_ req: Request, _ org: Organisation, typed: FormValues, error: BiebError? = nil) async throws -> Response {
        let lang = Language.of(req)
        let orgID = try org.requireID()
        let chosenType = typed["membership_type"]
        let types = try await OnlineJoining.types(req.db, organisation: orgID).map { type in
            let name = lang == .en ? type.nameEN : type.nameNL
            let fee = type.youth || type.yearlyFeeCents == 0
                ? Locales.text(type.youth ? "join_fee_youth" : "join_fee_free", lang)
                : Locales.text("join_fee_year", lang, ["amount": Money.text(type.yearlyFeeCents)])
            return TypeOption(value: type.code, label: name, fee: fee, selected: type.code == chosenType)
        }
        let chosenBranch = typed["home_branch"] ?? req.query[String.self, at: "vestiging"]
        let branches = try await req.branches.branches(of: orgID).filter(\.active).sorted { $0.name < $1.name }.map {
            FormOption(value: $0.slug, label: $0.name, selected: $0.slug == chosenBranch)
        }
        let response = try await PublicPages().render(req, "portal/join", JoinContext(
            page: PageContext.organisation(req, org, title: Locales.text("join_title", lang), session: true), organisation: org.name,
            orgURL: "/\(org.slug)", action: "/\(org.slug)/lid-worden", signInURL: MemberPortalPages.base(org) + "/inloggen",
            types: types, branches: branches, errors: error.map { FormErrors($0, lang: lang, known: Self.fields) },
            form: FormValues(typed.values.filter { !$0.key.hasPrefix("password") })))
        response.refused(by: error)
        return response
    }

    func form(req: Request) async throws -> Response {
        let org = try await req.organisation()
        if let member = req.auth.get(SignedInMember.self), member.organisationID == org.id {
            return req.redirect(to: MemberPortalPages.base(org), redirectType: .normal)
        }
        return try await render(req, org, typed: FormValues())
    }

    func join(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let input = try req.content.decode(JoinInput.self)
        do {
            let joined = try await OnlineJoining(request: req, organisation: org).join(input, language: Language.of(req))
            try await MemberSession.start(req, member: try joined.member.requireID(), organisation: try org.requireID())
            return req.redirect(to: MemberPortalPages.base(org) + "/welkom", redirectType: .normal)
        } catch let error as BiebError {
            return try await render(req, org, typed: FormValues(req), error: error)
        }
    }

    struct JoinedDTO: Content {
        let member_id: UUID
        let card: String
        let membership_type: String
        let membership_end: String
        /// The first year's fee, owed until paid (online from the member pages or API, or at the desk).
        let balance_cents: Int
        /// Staff check an identity document at the first visit.
        let identity_check_pending: Bool
    }

    func joinAPI(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let input = try req.content.decode(JoinInput.self)
        let joined = try await OnlineJoining(request: req, organisation: org).join(input, language: .nl)
        let type = try await MembershipType.find(joined.member.membershipTypeID, on: req.db)
        let body = JoinedDTO(member_id: try joined.member.requireID(), card: joined.card, membership_type: type?.code ?? "",
                             membership_end: joined.member.membershipEndText, balance_cents: joined.member.balanceCents,
                             identity_check_pending: true)
        return try await body.encodeResponse(status: .created, for: req)
    }
}
