import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The frame of a member's own pages (`/{org}/mijn/…`): the organisation and
/// the account a page is about (the member's own, or a child's with `?lid=`,
/// checked by `MemberAccountService`), the header every such page shows, and
/// the way back after a form with its message. Every page of a member's
/// account uses it: the account, details, messages, privacy, payments,
/// tips and the member's programme pages.
struct MemberPageFrame {
    typealias Portal = MemberPortalPages

    struct Context<Body: Encodable>: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let accountID: String
        let name: String
        let isOwn: Bool
        let lid: String
        let body: Body
        /// A rejected form on the page (`FormErrors`, `Views/form-errors.leaf`).
        let errors: FormErrors?
    }

    /// Renders `template` with the frame's header and the page's `body` for
    /// `account`, once the signed-in member may see it.
    func render<Body: Encodable>(_ req: Request, _ template: String, title: String, org: Organisation, service: MemberAccountService,
                                 account: UUID, body: Body, errors: FormErrors? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let relation = try await service.authorize(account)
        guard let member = try await service.members.member(account) else { throw MemberAccountService.notFound }
        return try await render(req, template, title: title, org: org, member: member, isOwn: relation == .own,
                                body: body, errors: errors, status: status)
    }

    /// The same for an account already checked, its member in hand (from
    /// `MemberAccountService.overview`).
    func render<Body: Encodable>(_ req: Request, _ template: String, title: String, org: Organisation, member: Member, isOwn: Bool,
                                 body: Body, errors: FormErrors? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let account = try member.requireID()
        let context = Context(page: Portal.page(req, org, title: title), organisation: org.name, orgURL: "/\(org.slug)",
                              base: Portal.base(org), accountID: account.uuidString, name: member.name, isOwn: isOwn,
                              lid: isOwn ? "" : "?lid=\(account.uuidString)", body: body, errors: errors)
        let response = try await PublicPages().render(req, template, context)
        response.status = status
        return response
    }

    func setUp(_ req: Request) async throws -> (Organisation, MemberAccountService, UUID) {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        return (org, service, Portal.accountID(req) ?? service.signedIn.id)
    }

    /// `setUp`, once the signed-in member may act for the account (their own, or a child's they are guardian of).
    func authorized(_ req: Request) async throws -> (Organisation, MemberAccountService, UUID) {
        let (org, service, account) = try await setUp(req)
        try await service.authorize(account)
        return (org, service, account)
    }

    func back(_ req: Request, _ org: Organisation, _ path: String, _ account: UUID, _ service: MemberAccountService, _ message: String) -> Response {
        Portal.done(req, Portal.base(org) + path + (account == service.signedIn.id ? "" : "?lid=\(account)"), message)
    }
}
