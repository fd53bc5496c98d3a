import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Personal reading tips (`Recommendations`) for members who agreed: the
/// API (`/api/v1/my/accounts/{member}/recommendations`) and the page
/// (`/{org}/mijn/tips`). Without the consent both say how to switch them on.
struct ReadingTips: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator())
            .get("accounts", ":member", "recommendations", use: api)
        routes.memberPages().get("tips", use: page)
    }

    struct TipDTO: Content {
        let title_id: Int
        let title: String
        let author: String?
        /// also_borrowed, author, series or genre.
        let reason: String
        /// For also_borrowed: how many other members (never fewer than two).
        let members: Int?
    }

    struct TipsDTO: Content {
        let enabled: Bool
        let also_borrowed: [TipDTO]
        let new_titles: [TipDTO]
    }

    static func dto(_ tip: Suggestion) -> TipDTO {
        TipDTO(title_id: tip.titleID, title: tip.title, author: tip.author, reason: tip.reason.rawValue,
               members: tip.reason == .alsoBorrowed ? tip.members : nil)
    }

    func api(req: Request) async throws -> TipsDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        let tips = try await Recommendations(req.db, organisationID: service.organisation.id!).suggestions(for: account)
        return TipsDTO(enabled: tips != nil, also_borrowed: tips?.alsoBorrowed.map(Self.dto) ?? [], new_titles: tips?.new.map(Self.dto) ?? [])
    }

    struct Tip: Encodable {
        let title: String
        let url: String
        let author: String
        let why: String
    }

    struct Body: Encodable {
        let enabled: Bool
        let alsoBorrowed: [Tip]
        let newTitles: [Tip]
        let preferencesURL: String
    }

    func page(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = MemberPortalPages.accountID(req) ?? service.signedIn.id
        try await service.authorize(account)
        let lang = Language.of(req)
        let tips = try await Recommendations(req.db, organisationID: try org.requireID()).suggestions(for: account)
        func tip(_ s: Suggestion) -> Tip {
            Tip(title: s.title, url: "/\(org.slug)/catalogus/\(s.titleID)", author: s.author ?? "",
                why: Locales.text("tips_why_\(s.reason.rawValue)", lang, ["n": String(s.members)]))
        }
        let lid = account == service.signedIn.id ? "" : "?lid=\(account)"
        let body = Body(enabled: tips != nil, alsoBorrowed: tips?.alsoBorrowed.map(tip) ?? [], newTitles: tips?.new.map(tip) ?? [],
                        preferencesURL: MemberPortalPages.base(org) + "/berichten" + lid)
        return try await MemberPageFrame().render(req, "portal/tips", title: Locales.text("portal_tips", lang), org: org, service: service,
                                               account: account, body: body)
    }
}
