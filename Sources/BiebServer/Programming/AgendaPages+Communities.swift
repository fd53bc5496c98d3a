import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Communities on the public pages, and following one (members).
extension AgendaPages {
    // MARK: Communities

    struct CommunityCard: Encodable {
        let id: String
        let name: String
        let description: String
        let contact: String
        let followers: Int
        let following: Bool
        let followURL: String
        let meetings: [ActivityCard]
    }

    struct CommunitiesContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let communities: [CommunityCard]
        let signedIn: Bool
        let signInURL: String
    }

    func communities(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let words = try await Words.make(req, org)
        let store = Communities(req.db, organisationID: try org.requireID())
        let member = Self.signedIn(req, org)
        let followed = Set(try await member.asyncMap { try await store.followed(by: $0).map(\.id) } ?? [])
        let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        var cards: [CommunityCard] = []
        for community in try await store.all() {
            var filter = AgendaFilter(from: Date())
            filter.communityID = community.id
            filter.limit = 5
            cards.append(CommunityCard(id: community.id.uuidString, name: community.name, description: community.description, contact: community.contact,
                                       followers: community.followers, following: followed.contains(community.id),
                                       followURL: "/\(org.slug)/groepen/\(community.id)/volgen",
                                       meetings: try await programme.agenda(filter).map(words.card)))
        }
        return try await PublicPages().render(req, "agenda/communities", CommunitiesContext(
            page: .organisation(req, org, title: Locales.text("communities_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            communities: cards, signedIn: member != nil, signInURL: "/\(org.slug)/mijn/inloggen"))
    }

    struct FollowForm: Content {
        var follow: String?
    }

    func follow(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        guard let member = Self.signedIn(req, org) else { return req.redirect(to: "/\(org.slug)/mijn/inloggen", redirectType: .normal) }
        guard let id = req.parameters.get("communityID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let store = Communities(req.db, organisationID: try org.requireID())
        if (try req.content.decode(FollowForm.self)).follow == "0" {
            try await store.unfollow(id, member: member)
            return MemberPortalPages.done(req, "/\(org.slug)/groepen#g-\(id)", Locales.text("communities_unfollowed", lang))
        }
        try await store.follow(id, member: member)
        return MemberPortalPages.done(req, "/\(org.slug)/groepen#g-\(id)", Locales.text("communities_followed", lang))
    }
}
