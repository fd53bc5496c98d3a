import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A curated list as staff send it: the API's body and the staff list
/// forms alike, applied in one place. A field left out keeps its value.
struct TitleListInput: Content {
    var name: String?
    var slug: String?
    var description: String?
    /// Branch slug; empty for none.
    var branch: String?
    var is_public: Bool?

    /// Applies the given fields to `list`; an unknown branch is named.
    func apply(to list: TitleList, service: ListService) throws {
        if let name { list.name = name }
        if let slug { list.slug = slug }
        if let description { list.description = description }
        if let is_public { list.isPublic = is_public }
        if let branch {
            if branch.trimmed.isEmpty {
                list.branchID = nil
            } else {
                guard let id = service.catalogue.branchesBySlug[branch.trimmed] else {
                    throw BiebError.invalid("branch", "No branch '\(branch)'.", nl: "Geen vestiging '\(branch)'.")
                }
                list.branchID = id
            }
        }
    }
}

struct ListEntryInput: Content {
    var title_id: Int?
    var note: String?
}

/// Curated lists and "new in the collection" over the API. Public reads under
/// `/api/v1/organisations/{org}/…`; staff writes under `/api/v1/lists` (the
/// account's own organisation, permission `manageLists`; volunteers only
/// for lists of their own branch).
struct ListAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.get("organisations", ":org", "lists", use: publicLists)
        api.get("organisations", ":org", "lists", ":slug", use: publicList)
        api.get("organisations", ":org", "branches", ":branch", "new", use: newInCollection)
        let staff = api.grouped(BearerAuthenticator())
        staff.get("lists", use: staffLists)
        staff.post("lists", use: create)
        staff.get("lists", ":listID", use: staffList)
        staff.patch("lists", ":listID", use: update)
        staff.delete("lists", ":listID", use: delete)
        staff.post("lists", ":listID", "titles", use: addTitle)
        staff.delete("lists", ":listID", "titles", ":titleID", use: removeTitle)
    }

    static func service(_ req: Request) async throws -> ListService {
        guard let org = try await req.branches.organisation(slug: req.parameters.get("org") ?? "") else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return try await ListService(req, organisation: org)
    }

    func publicLists(req: Request) async throws -> [TitleListDTO] {
        try await Self.service(req).all(publicOnly: true)
    }

    func publicList(req: Request) async throws -> TitleListDetailDTO {
        let service = try await Self.service(req)
        guard let list = try await service.lists.list(slug: req.parameters.get("slug") ?? ""), list.isPublic else {
            throw BiebError.notFound("list", nl: "Lijst niet gevonden.")
        }
        return try await service.detail(list)
    }

    func newInCollection(req: Request) async throws -> [ListedTitleDTO] {
        let service = try await Self.service(req)
        guard let branch = service.catalogue.branches.first(where: { $0.slug == req.parameters.get("branch") }) else {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        return try await service.newInCollection(branch, today: LocalDate(Date(), in: service.organisation.zone))
    }

    // MARK: Staff

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
