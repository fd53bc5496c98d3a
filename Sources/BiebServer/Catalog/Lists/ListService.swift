import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

struct TitleListDTO: Content {
    let id: UUID
    let slug: String
    let name: String
    let description: String
    let branch: String?
    let is_public: Bool
    let count: Int
    let url: String
    let updated_at: Date
}

struct ListedTitleDTO: Content {
    let title: TitleSummaryDTO
    let note: String?
    /// "New in the collection": when the branch's newest copy came.
    let acquired: String?
}

struct TitleListDetailDTO: Content {
    let list: TitleListDTO
    let titles: [ListedTitleDTO]
}

/// Lists as the API and the pages show them: titles with availability.
struct ListService {
    let catalogue: CatalogService
    var organisation: Organisation { catalogue.organisation }
    var lists: TitleLists { TitleLists(catalogue.req.db, organisationID: organisation.id!) }

    init(_ req: Request, organisation: Organisation) async throws {
        catalogue = try await CatalogService(req, organisation: organisation)
    }

    /// How many days "new in the collection" looks back.
    static let newDays = 90

    func dto(_ list: TitleList, count: Int) -> TitleListDTO {
        TitleListDTO(id: list.id!, slug: list.slug, name: list.name, description: list.description,
                     branch: list.branchID.flatMap { id in catalogue.branches.first { $0.id == id }?.slug }, is_public: list.isPublic,
                     count: count, url: "/\(organisation.slug)/lijsten/\(list.slug)", updated_at: list.updatedAt)
    }

    func all(publicOnly: Bool) async throws -> [TitleListDTO] {
        let counts = try await lists.entryCounts()
        return try await lists.all(publicOnly: publicOnly).map { dto($0, count: counts[$0.id!] ?? 0) }
    }

    /// The titles of a list with availability, in the list's order.
    func detail(_ list: TitleList) async throws -> TitleListDetailDTO {
        let entries = try await lists.entries(of: list.id!)
        let titles = try await listed(entries.map { ($0.titleID, $0.note.isEmpty ? nil : $0.note, nil) })
        return TitleListDetailDTO(list: dto(list, count: entries.count), titles: titles)
    }

    /// What a branch acquired in the last `newDays` days.
    func newInCollection(_ branch: BranchLabel, today: LocalDate) async throws -> [ListedTitleDTO] {
        let titles = try await lists.newInCollection(branchID: branch.id, since: today.adding(days: -Self.newDays))
        return try await listed(titles.map { ($0.titleID, nil, $0.acquired.iso) })
    }

    func listed(_ entries: [(id: Int, note: String?, acquired: String?)]) async throws -> [ListedTitleDTO] {
        let ids = entries.map(\.id)
        let summaries = try await catalogue.store.summaries(ids)
        let availability = try await catalogue.store.availability(of: ids)
        return entries.compactMap { entry in
            summaries[entry.id].map { ListedTitleDTO(title: catalogue.summary($0, availability), note: entry.note, acquired: entry.acquired) }
        }
    }
}
