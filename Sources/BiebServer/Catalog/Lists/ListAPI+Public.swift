import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The public side of the lists API (`/api/v1/organisations/{org}/…`): public lists and what is new in a branch's collection.
extension ListAPIController {
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
}
