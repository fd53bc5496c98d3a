import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Public list pages: `/{org}/lijsten` (the organisation's public lists and
/// "new in the collection" per branch), `/{org}/lijsten/{slug}` and
/// `/{org}/{branch}/nieuw`. Titles with availability, no JavaScript.
struct ListPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.publicPages()
        pages.get(":org", "lijsten", use: index)
        pages.get(":org", "lijsten", ":slug", use: list)
        pages.get(":org", ":branch", "nieuw", use: newInCollection)
    }

    struct ListLink: Encodable {
        let name: String
        let url: String
        let description: String?
        let count: String
    }

    struct BranchLink: Encodable {
        let name: String
        let url: String
    }

    struct Row: Encodable {
        let title: String
        let subtitle: String?
        let url: String
        let author: String?
        let year: String?
        let format: String
        let status: String
        let available: Bool
        let note: String?
        let acquired: String?
    }

    static func service(_ req: Request) async throws -> ListService {
        guard let org = try await req.branches.organisation(slug: req.parameters.get("org") ?? "") else { throw Abort(.notFound) }
        return try await ListService(req, organisation: org)
    }

    func index(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let service = try await Self.service(req)
        let org = service.organisation
        let lists = try await service.all(publicOnly: true).map {
            ListLink(name: $0.name, url: $0.url, description: $0.description.isEmpty ? nil : $0.description,
                     count: Locales.text($0.count == 1 ? "list_one_title" : "list_titles", lang, ["n": String($0.count)]))
        }
        let branches = try await req.branches.branches(of: try org.requireID()).map { BranchLink(name: $0.name, url: "/\(org.slug)/\($0.slug)/nieuw") }
        struct Context: Encodable {
            let page: PageContext
            let organisation: String
            let orgURL: String
            let lists: [ListLink]
            let branches: [BranchLink]
        }
        return try await PublicPages().render(req, "catalog/lists", Context(
            page: .organisation(req, org, title: Locales.text("lists_title", lang) + " – " + org.name),
            organisation: org.name, orgURL: "/\(org.slug)", lists: lists, branches: branches))
    }

    struct ListContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let name: String
        let intro: String?
        let rows: [Row]
        let empty: String
    }

    func rows(_ titles: [ListedTitleDTO], service: ListService, lang: Language) -> [Row] {
        let zone = service.organisation.zone
        let names = service.catalogue.branchNames
        let formats = Formats(lang: lang, timeZone: zone)
        return titles.map { listed in
            let t = listed.title
            let availability = t.availability.map {
                var entry = BranchAvailability(branchID: $0.branch_id)
                entry.onShelf = $0.on_shelf
                entry.onLoan = $0.on_loan
                entry.earliestDue = $0.earliest_due
                entry.inTransit = $0.in_transit
                entry.onHoldShelf = $0.on_hold_shelf
                return entry
            }
            let (status, available) = CatalogPages.statusText(availability, names: names, lang: lang, timeZone: zone,
                                                                digital: MaterialFormat(rawValue: t.format)?.isDigital == true)
            return Row(title: t.title, subtitle: t.subtitle, url: t.url, author: t.author, year: t.year.map(String.init),
                       format: Locales.text("format_\(t.format)", lang), status: status, available: available, note: listed.note,
                       acquired: listed.acquired.flatMap(LocalDate.init(iso:)).map {
                           Locales.text("list_acquired", lang, ["date": formats.shortDate($0)])
                       })
        }
    }

    func list(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let service = try await Self.service(req)
        guard let list = try await service.lists.list(slug: req.parameters.get("slug") ?? ""), list.isPublic else { throw Abort(.notFound) }
        let detail = try await service.detail(list)
        let org = service.organisation
        return try await PublicPages().render(req, "catalog/list", ListContext(
            page: .organisation(req, org, title: list.name + " – " + org.name), organisation: org.name, orgURL: "/\(org.slug)",
            name: list.name, intro: list.description.isEmpty ? nil : list.description,
            rows: rows(detail.titles, service: service, lang: lang), empty: Locales.text("list_empty", lang)))
    }

    func newInCollection(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let service = try await Self.service(req)
        let org = service.organisation
        guard let branch = service.catalogue.branches.first(where: { $0.slug == req.parameters.get("branch") }) else { throw Abort(.notFound) }
        let titles = try await service.newInCollection(branch, today: LocalDate(Date(), in: org.zone))
        let name = Locales.text("list_new_title", lang, ["branch": branch.name])
        return try await PublicPages().render(req, "catalog/list", ListContext(
            page: .organisation(req, org, title: name + " – " + org.name), organisation: org.name, orgURL: "/\(org.slug)",
            name: name, intro: Locales.text("list_new_intro", lang, ["days": String(ListService.newDays)]),
            rows: rows(titles, service: service, lang: lang), empty: Locales.text("list_new_empty", lang)))
    }
}
