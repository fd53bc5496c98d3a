import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The page a member lands on after joining online (`/{org}/mijn/welkom`):
/// the card number to sign in with, the membership, the first year's fee
/// with the way to pay it online, and what to bring on the first visit.
/// A member who did not join online goes to their account.
struct WelcomePages: RouteCollection {
    let frame = MemberPageFrame()

    func boot(routes: any RoutesBuilder) throws {
        routes.memberPages().get("welkom", use: welcome)
    }

    struct WelcomeBody: Encodable {
        let card: String
        let membership: String
        let owed: String?
        let canPayOnline: Bool
        let identityPending: Bool
    }

    func welcome(req: Request) async throws -> Response {
        let (org, service, _) = try await frame.setUp(req)
        let memberID = service.signedIn.id
        let lang = Language.of(req)
        guard let joined = try await OnlineJoins(req.db, organisationID: try org.requireID()).record(member: memberID),
              let member = try await service.members.member(memberID) else {
            return req.redirect(to: MemberPortalPages.base(org), redirectType: .normal)
        }
        let card = try await service.members.cards(of: memberID).first { $0.status == .active }?.barcode ?? "—"
        let type = try await MembershipType.find(member.membershipTypeID, on: req.db)
        let formats = Formats(lang: lang, timeZone: org.zone)
        let membership = Locales.text("welcome_membership", lang, ["type": (lang == .en ? type?.nameEN : type?.nameNL) ?? "",
                                                                   "end": formats.dateWithYear(member.membershipEnd)])
        let owed = member.balanceCents > 0 ? Money.text(member.balanceCents) : nil
        return try await frame.render(req, "portal/welcome", title: Locales.text("welcome_title", lang), org: org, member: member, isOwn: true,
                                      body: WelcomeBody(card: card, membership: membership, owed: owed,
                                                        canPayOnline: owed != nil && req.application.paymentSettings != nil,
                                                        identityPending: joined.verifiedAt == nil))
    }
}
