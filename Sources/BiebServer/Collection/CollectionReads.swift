import Foundation
import Vapor
import BiebCore
import BiebStore

// What the collection plan's pages and API both read, made once: the
// programme's themes with their headings, the curated lists as segments,
// capacities beside holdings and the balance plan.

/// The programme's themes with their NUR headings, for the API and the page.
enum CollectionThemes {
    static func all(_ service: CollectionService) async throws -> [CollectionDTO.Theme] {
        let mapping = try await ThemeShelves(service.db, organisationID: service.organisationID).all()
        return try await Programme(service.db, organisationID: service.organisationID, timeZone: service.organisation.zone).terms(.theme).map {
            CollectionDTO.Theme(theme: $0.code, name_nl: $0.nl, name_en: $0.en, headings: mapping[$0.code] ?? [])
        }
    }
}

/// The curated lists as segments (`TitleLists` with the copies of their titles), for the API and the page.
enum CollectionLists {
    struct Figures {
        let slug: String
        let name: String
        let figures: SegmentFigures
        let relativeUse: Double?
    }

    /// `total`: the whole collection's figures when the caller has them (a report over every copy is the costly part).
    static func figures(_ service: CollectionService, total: SegmentFigures? = nil) async throws -> [Figures] {
        let policy = try await service.policy()
        let report = SegmentReport(service.db, organisationID: service.organisationID)
        var all = total ?? SegmentFigures()
        if total == nil { all = try await report.rows(today: service.today, policy: policy).reduce(SegmentFigures()) { $0 + $1.figures } }
        var out: [Figures] = []
        let store = TitleLists(service.db, organisationID: service.organisationID)
        for list in try await store.all(publicOnly: false) {
            let titles = try await store.entries(of: list.id!).map(\.titleID)
            guard !titles.isEmpty else { continue }
            let figures = try await report.rows(today: service.today, titles: titles, policy: policy).reduce(SegmentFigures()) { $0 + $1.figures }
            out.append(Figures(slug: list.slug, name: list.name, figures: figures, relativeUse: figures.relativeUse(of: all)))
        }
        return out
    }
}

/// Capacities beside holdings, and the balance plan with the open transfers, for the API and the page.
enum CollectionBalance {
    static func holdings(_ service: CollectionService) async throws -> [UUID: [CollectionSegment: Int]] {
        try await Balancing(service.db, organisationID: service.organisationID).holdings(today: service.today)
    }

    static func capacities(_ service: CollectionService) async throws -> [CollectionDTO.Capacity] {
        let held = try await holdings(service)
        let set = try await ShelfCapacities(service.db, organisationID: service.organisationID).all()
        return service.branches.flatMap { branch in
            CollectionSegment.allCases.compactMap { part in
                set[branch.id]?[part].map { CollectionDTO.Capacity(branch: branch.slug, part: part.rawValue, capacity: $0, holdings: held[branch.id]?[part] ?? 0) }
            }
        }
    }

    /// `holdings`: the branches' copies per part when the caller read them already.
    static func overview(_ service: CollectionService, holdings: [UUID: [CollectionSegment: Int]]? = nil) async throws -> CollectionDTO.Balance {
        let balancing = Balancing(service.db, organisationID: service.organisationID)
        let moves = try await balancing.plan(today: service.today, holdings: holdings).map {
            CollectionDTO.Move(part: $0.part.rawValue, from: service.label($0.from)?.slug ?? "", to: service.label($0.to)?.slug ?? "", copies: $0.copies)
        }
        return CollectionDTO.Balance(moves: moves, transfers: try await balancing.open().map { CollectionDTO.Transfer($0, service) })
    }
}
