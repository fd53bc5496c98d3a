import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff's side of the lists API (`/api/v1/lists`): the account's own organisation, permission `manageLists`; volunteers only for lists of their own branch.
extension ListAPIController {
    /// The signed-in account's organisation as a list service.
    static func own(_ req: Request) async throws -> (ListService, StaffUser) {
        let user = try req.staff(.viewStaffPages)
        guard let org = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return (try await ListService(req, organisation: org), user)
    }

    /// A list of the account's organisation that the account may change.
    static func editable(_ req: Request) async throws -> (ListService, TitleList) {
        let (service, _) = try await own(req)
        let id = try req.uuidParameter("listID")
        guard let list = try await service.lists.list(id) else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        _ = try req.staff(.manageLists, branch: list.branchID)
        return (service, list)
    }

    func staffLists(req: Request) async throws -> [TitleListDTO] {
        try await Self.own(req).0.all(publicOnly: false)
    }

    func staffList(req: Request) async throws -> TitleListDetailDTO {
        let (service, _) = try await Self.own(req)
        let id = try req.uuidParameter("listID")
        guard let list = try await service.lists.list(id) else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        return try await service.detail(list)
    }

    /// Applies input to a list; a branch slug must name one of the organisation's branches.
    func create(req: Request) async throws -> Response {
        let (service, user) = try await Self.own(req)
        let input = try req.content.decode(TitleListInput.self)
        let list = TitleList(organisationID: user.organisationID, slug: "", name: "")
        try input.apply(to: list, service: service)
        _ = try req.staff(.manageLists, branch: list.branchID)
        try await service.lists.save(list)
        let response = Response(status: .created)
        try response.content.encode(service.dto(list, count: 0))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/lists/\(list.id!)")
        return response
    }

    func update(req: Request) async throws -> TitleListDTO {
        let (service, list) = try await Self.editable(req)
        try req.content.decode(TitleListInput.self).apply(to: list, service: service)
        // Moving a list to another branch needs the right there too.
        _ = try req.staff(.manageLists, branch: list.branchID)
        try await service.lists.save(list)
        return service.dto(list, count: try await service.lists.entries(of: list.id!).count)
    }

    func delete(req: Request) async throws -> HTTPStatus {
        let (service, list) = try await Self.editable(req)
        try await service.lists.delete(list.id!)
        return .noContent
    }

    func addTitle(req: Request) async throws -> TitleListDetailDTO {
        let (service, list) = try await Self.editable(req)
        let input = try req.content.decode(ListEntryInput.self)
        guard let titleID = input.title_id else {
            throw BiebError.invalid("title_id", "Give the id of the title to add.", nl: "Geef het nummer van de titel.")
        }
        try await service.lists.add(titleID, note: input.note ?? "", to: list.id!)
        return try await service.detail(list)
    }

    func removeTitle(req: Request) async throws -> HTTPStatus {
        let (service, list) = try await Self.editable(req)
        guard let titleID = req.parameters.get("titleID").flatMap(Int.init) else {
            throw BiebError.invalid("titleID", "Not a title id.", nl: "Geen geldig titelnummer.")
        }
        guard try await service.lists.entries(of: list.id!).contains(where: { $0.titleID == titleID }) else {
            throw BiebError.notFound("title", nl: "Deze titel staat niet op de lijst.")
        }
        try await service.lists.remove(titleID, from: list.id!)
        return .noContent
    }
}
