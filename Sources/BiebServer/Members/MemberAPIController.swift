import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Members and membership types over the API (staff of the member's organisation).
struct MemberAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("members", use: find)
        api.post("members", "search", use: search)
        api.post("members", use: register)
        api.get("members", ":memberID", use: account)
        api.patch("members", ":memberID", use: update)
        api.put("members", ":memberID", "block", use: block)
        api.delete("members", ":memberID", "block", use: unblock)
        api.post("members", ":memberID", "cards", use: issueCard)
        api.post("members", ":memberID", "renew-membership", use: renewMembership)
        api.get("members", ":memberID", "consents", use: listConsents)
        api.put("members", ":memberID", "consents", ":purpose", use: recordConsent)
        api.post("cards", ":card", "lost", use: cardLost)
        api.get("membership-types", use: types)
        api.post("membership-types", use: createType)
        api.patch("membership-types", ":typeID", use: updateType)
    }

    struct FoundMember: Content {
        let id: UUID
        let name: String
        let birth_date: String
        let postcode: String
        let card: String?
        let balance_cents: Int
        let loan_count: Int
        let blocked: Bool
    }

    func find(req: Request) async throws -> [FoundMember] {
        try await find(req, text: req.query[String.self, at: "q"] ?? "")
    }

    /// The same search with the words in the body (`{"q": "…"}`): names and card numbers stay out of URLs and access logs.
    func search(req: Request) async throws -> [FoundMember] {
        struct Input: Content { var q: String? }
        return try await find(req, text: try req.content.decode(Input.self).q ?? "")
    }

    func find(_ req: Request, text: String) async throws -> [FoundMember] {
        let service = try await DeskService.make(req, .circulate)
        guard !text.trimmed.isEmpty else {
            throw BiebError.invalid("q", "Search by card number, e-mail address or name.", nl: "Zoek op pasnummer, e-mailadres of naam.")
        }
        var found: [FoundMember] = []
        let members = try await service.members.find(text)
        try await service.logViews(of: members.map { $0.id! }, purpose: .desk)
        for member in members {
            let card = try await service.members.cards(of: member.id!).first { $0.status == .active }
            found.append(FoundMember(id: member.id!, name: member.name, birth_date: member.birthDateText, postcode: member.postcode,
                                     card: card?.barcode, balance_cents: member.balanceCents, loan_count: member.loanCount,
                                     blocked: member.blockReason != nil))
        }
        return found
    }

    func register(req: Request) async throws -> Response {
        let service = try await DeskService.make(req)
        let input = try req.content.decode(MemberInput.self)
        let desk = try service.desk(try input.homeBranch(service).id.uuidString, .manageMembers)
        let today = LocalDate(Date(), in: service.organisation.zone)
        let member = try await service.members.register(try await input.registration(service), today: today, staff: service.user.id,
                                                        branch: desk.branch)
        let response = Response(status: .created)
        try response.content.encode(try await service.account(member.id!, purpose: .account))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/members/\(member.id!)")
        return response
    }

    func account(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req, .circulate)
        return try await service.account(try req.uuidParameter("memberID"))
    }

    func existing(_ req: Request, _ service: DeskService) async throws -> Member {
        guard let member = try await service.members.member(try req.uuidParameter("memberID")) else {
            throw BiebError.notFound("member", nl: "Lid niet gevonden.")
        }
        return member
    }

    func update(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req)
        let member = try await existing(req, service)
        _ = try req.staff(.manageMembers, branch: member.homeBranchID)
        let input = try req.content.decode(MemberInput.self)
        try await input.update(member, service, today: LocalDate(Date(), in: service.organisation.zone), on: req.db)
        return try await service.account(member.id!, purpose: .account)
    }

    struct BlockInput: Content {
        var reason: String?
    }

    func block(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req, .blockAndWaive)
        let member = try await existing(req, service)
        let reason = try req.content.decode(BlockInput.self).reason ?? ""
        try await service.members.block(member.id!, reason: reason, staff: service.user.id)
        return try await service.account(member.id!, purpose: .account)
    }

    func unblock(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req, .blockAndWaive)
        let member = try await existing(req, service)
        try await service.members.block(member.id!, reason: nil, staff: service.user.id)
        return try await service.account(member.id!, purpose: .account)
    }

    struct CardInput: Content {
        var card: String?
    }

    func issueCard(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req)
        let member = try await existing(req, service)
        _ = try req.staff(.manageMembers, branch: member.homeBranchID)
        _ = try await service.members.issueCard(member.id!, barcode: try req.content.decode(CardInput.self).card ?? "",
                                                today: LocalDate(Date(), in: service.organisation.zone), staff: service.user.id)
        return try await service.account(member.id!, purpose: .account)
    }

    func renewMembership(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req)
        let member = try await existing(req, service)
        _ = try req.staff(.manageMembers, branch: member.homeBranchID)
        _ = try await service.members.renewMembership(member.id!, today: LocalDate(Date(), in: service.organisation.zone), staff: service.user.id)
        return try await service.account(member.id!, purpose: .account)
    }

    func cardLost(req: Request) async throws -> HTTPStatus {
        let service = try await DeskService.make(req, .circulate)
        try await service.members.reportLost(card: req.parameters.get("card") ?? "", staff: service.user.id)
        return .noContent
    }

    func types(req: Request) async throws -> [MembershipTypeDTO] {
        let service = try await DeskService.make(req)
        return try await service.members.types(includeInactive: true).map(MembershipTypeDTO.init)
    }

    func createType(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageLoanRules)
        let input = try req.content.decode(MembershipTypeDTO.self)
        let type = MembershipType(organisationID: service.organisation.id!, code: input.code ?? "", nameNL: input.name_nl ?? "",
                                  nameEN: input.name_en ?? "", yearlyFeeCents: input.yearly_fee_cents ?? 0, youth: input.youth ?? false)
        if let active = input.active { type.active = active }
        try await service.members.save(type)
        let response = Response(status: .created)
        try response.content.encode(MembershipTypeDTO(type))
        return response
    }

    func updateType(req: Request) async throws -> MembershipTypeDTO {
        let service = try await DeskService.make(req, .manageLoanRules)
        let id = try req.uuidParameter("typeID")
        guard let type = try await service.members.types(includeInactive: true).first(where: { $0.id == id }) else {
            throw BiebError.notFound("membership_type", nl: "Abonnementsvorm niet gevonden.")
        }
        let input = try req.content.decode(MembershipTypeDTO.self)
        if let code = input.code { type.code = code }
        if let name = input.name_nl { type.nameNL = name }
        if let name = input.name_en { type.nameEN = name }
        if let fee = input.yearly_fee_cents { type.yearlyFeeCents = fee }
        if let youth = input.youth { type.youth = youth }
        if let active = input.active { type.active = active }
        try await service.members.save(type)
        return MembershipTypeDTO(type)
    }
}
