import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff's side of joining online: the members who joined and whose
/// identity nobody checked yet (`/staff/members/online`, `GET
/// /api/v1/online-joins`), and marking an identity document seen (`POST
/// /staff/members/{id}/identity`, `POST /api/v1/members/{id}/identity-check`;
/// also a button on the desk's member panel). Seeing the list counts as
/// seeing those members (the view log), as a desk search does.
struct OnlineJoinPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("members", "online", use: list)
        staff.post("members", ":memberID", "identity", use: verify)
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("online-joins", use: listAPI)
        api.post("members", ":memberID", "identity-check", use: verifyAPI)
    }

    struct Row: Encodable {
        let id: String
        let name: String
        let birthDate: String
        let card: String
        let branch: String
        let membership: String
        let owed: String?
        let joined: String
        let deskURL: String
        /// Someone with the same name and birth date is a member already.
        let possibleDuplicate: Bool
    }

    struct ListContext: Encodable {
        let page: PageContext
        let branches: [FormOption]
        let rows: [Row]
    }

    func awaiting(_ service: DeskService, branchText: String?) async throws -> [OnlineJoin] {
        let branch = try branchText.flatMap { $0.isEmpty ? nil : try service.branch($0) }
        let joins = try await OnlineJoins(service.req.db, organisationID: try service.organisation.requireID()).awaiting(branch: branch?.id)
        try await service.logViews(of: joins.map(\.memberID), purpose: .desk)
        return joins
    }

    func list(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageMembers)
        let page = try await StaffPages.Page(req)
        let chosen = req.query[String.self, at: "branch"]
        let joins = try await awaiting(service, branchText: chosen)
        let rows = joins.map { join in
            let home = service.branches.first { $0.id == join.homeBranchID }
            return Row(id: join.memberID.uuidString, name: join.name, birthDate: service.day(join.birthDate), card: join.card ?? "—",
                       branch: home?.name ?? "", membership: join.membershipType, owed: join.balanceCents > 0 ? Money.text(join.balanceCents) : nil,
                       joined: service.formats.moment(join.joinedAt),
                       deskURL: "/staff/desk?branch=\(home?.slug ?? "")&member=\(join.memberID.uuidString)",
                       possibleDuplicate: join.possibleDuplicate)
        }
        let branches = [FormOption(value: "", label: page.t("online_joins_all_branches"), selected: (chosen ?? "").isEmpty)]
            + service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == chosen) }
        return try await page.render("staff/online_joins", ListContext(page: page.context(page.t("online_joins_title")), branches: branches,
                                                                       rows: rows))
    }

    func verify(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageMembers)
        let memberID = try req.uuidParameter("memberID")
        try await OnlineJoins(req.db, organisationID: try service.organisation.requireID())
            .verify(member: memberID, staff: try service.user.requireID(), branch: nil)
        let back = (try? req.content.get(String.self, at: "back")).flatMap { $0.hasPrefix("/staff/") && !$0.hasPrefix("//") ? $0 : nil }
        let target = back ?? "/staff/members/online"
        return req.redirect(to: target + (target.contains("?") ? "&" : "?") + "done=identity_verified", redirectType: .normal)
    }

    struct OnlineJoinDTO: Content {
        let member_id: UUID
        let name: String
        let birth_date: String
        let card: String?
        let home_branch_id: UUID
        let membership_type: String
        let balance_cents: Int
        let joined_at: Date
        /// Another member has the same name and birth date.
        let possible_duplicate: Bool
    }

    func listAPI(req: Request) async throws -> [OnlineJoinDTO] {
        let service = try await DeskService.make(req, .manageMembers)
        return try await awaiting(service, branchText: req.query[String.self, at: "branch"]).map {
            OnlineJoinDTO(member_id: $0.memberID, name: $0.name, birth_date: $0.birthDate.iso, card: $0.card, home_branch_id: $0.homeBranchID,
                          membership_type: $0.membershipType, balance_cents: $0.balanceCents, joined_at: $0.joinedAt,
                          possible_duplicate: $0.possibleDuplicate)
        }
    }

    func verifyAPI(req: Request) async throws -> HTTPStatus {
        let service = try await DeskService.make(req, .manageMembers)
        try await OnlineJoins(req.db, organisationID: try service.organisation.requireID())
            .verify(member: try req.uuidParameter("memberID"), staff: try service.user.requireID(), branch: nil)
        return .noContent
    }
}
