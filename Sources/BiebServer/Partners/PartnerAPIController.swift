import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

struct PartnerDTO: Content {
    var id: UUID?
    var name: String
    var kind: String
    var website: String?
    /// Only in a branch's partner list: what the partner does there.
    var role: String?

    init(_ partner: Partner, role: String? = nil) {
        id = partner.id
        name = partner.name
        kind = partner.kind
        website = partner.website.isEmpty ? nil : partner.website
        self.role = role
    }
}

/// A partner organisation as staff send it: the API's body and the new
/// partner on a branch's staff page alike (the store checks the name and
/// the kind when it saves).
struct PartnerPatch: Content {
    var name: String?
    var kind: String?
    var website: String?

    /// A new partner of `organisationID` (kind `other` when none is given).
    func newPartner(of organisationID: UUID) -> Partner {
        Partner(organisationID: organisationID, name: name ?? "", kind: kind ?? PartnerKind.other.rawValue, website: website ?? "")
    }

    func apply(to partner: Partner) {
        if let name { partner.name = name }
        if let kind { partner.kind = kind }
        if let website { partner.website = website }
    }
}

/// `/api/v1/partners` (an organisation's partners) and
/// `/api/v1/branches/{id}/partners` (who is housed in a branch, and with what role).
struct PartnerAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("partners", use: list)
        api.post("partners", use: create)
        api.patch("partners", ":partnerID", use: update)
        api.get("branches", ":branchID", "partners", use: housed)
        api.put("branches", ":branchID", "partners", ":partnerID", use: house)
        api.delete("branches", ":branchID", "partners", ":partnerID", use: unhouse)
    }

    static func partner(_ req: Request, _ user: StaffUser) async throws -> Partner {
        let id = try req.uuidParameter("partnerID")
        guard let partner = try await PartnerDirectory(req.db).partner(id, in: user.organisationID) else {
            throw BiebError.notFound("partner", nl: "Partner niet gevonden.")
        }
        return partner
    }

    func list(req: Request) async throws -> [PartnerDTO] {
        let user = try req.staff(.viewStaffPages)
        return try await PartnerDirectory(req.db).partners(of: user.organisationID).map { PartnerDTO($0) }
    }

    func create(req: Request) async throws -> Response {
        let user = try req.staff(.editBranch)
        let input = try req.content.decode(PartnerPatch.self)
        let partner = input.newPartner(of: user.organisationID)
        try await PartnerDirectory(req.db).save(partner)
        let response = Response(status: .created)
        try response.content.encode(PartnerDTO(partner))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/partners/\(partner.id!)")
        return response
    }

    func update(req: Request) async throws -> PartnerDTO {
        let user = try req.staff(.editBranch)
        let partner = try await Self.partner(req, user)
        try req.content.decode(PartnerPatch.self).apply(to: partner)
        try await PartnerDirectory(req.db).save(partner)
        return PartnerDTO(partner)
    }

    /// Public: the partners housed in a branch.
    func housed(req: Request) async throws -> [PartnerDTO] {
        let (branch, _) = try await BranchAPIController.publicBranch(req)
        return try await PartnerDirectory(req.db).partners(ofBranch: branch.id!).map { PartnerDTO($0.partner, role: $0.role) }
    }

    struct HouseInput: Content {
        var role: String?
    }

    func house(req: Request) async throws -> [PartnerDTO] {
        let (branch, _, user) = try await BranchAPIController.ownBranch(req, .editBranch)
        let partner = try await Self.partner(req, user)
        let input = (try? req.content.decode(HouseInput.self)) ?? HouseInput()
        let directory = PartnerDirectory(req.db)
        try await directory.house(partner.id!, in: branch.id!, role: input.role ?? "")
        return try await directory.partners(ofBranch: branch.id!).map { PartnerDTO($0.partner, role: $0.role) }
    }

    func unhouse(req: Request) async throws -> HTTPStatus {
        let (branch, _, user) = try await BranchAPIController.ownBranch(req, .editBranch)
        let partner = try await Self.partner(req, user)
        guard try await PartnerDirectory(req.db).unhouse(partner.id!, from: branch.id!) else {
            throw BiebError.notFound("partner", nl: "Deze partner zit niet in deze vestiging.")
        }
        return .noContent
    }
}
