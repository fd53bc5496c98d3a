import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// `/api/v1` for the catalogue: search with facets, suggestions, titles
/// (JSON and MARCXML) and their copies. Public reading.
struct CatalogAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("organisations", ":org", "search", use: search)
        api.get("organisations", ":org", "suggest", use: suggest)
        api.get("organisations", ":org", "titles", ":titleID", use: title)
        api.get("organisations", ":org", "titles", ":titleID", "marcxml", use: marcxml)
        api.get("organisations", ":org", "titles", ":titleID", "items", use: items)
    }

    static func service(_ req: Request) async throws -> CatalogService {
        guard let org = try await req.branches.organisation(slug: req.parameters.get("org") ?? "") else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return try await CatalogService(req, organisation: org)
    }

    static func titleID(_ req: Request) throws -> Int {
        guard let text = req.parameters.get("titleID"), let id = Int(text), id > 0 else {
            throw BiebError.invalid("titleID", "'\(req.parameters.get("titleID") ?? "")' is not a title id.", nl: "Geen geldig titelnummer.")
        }
        return id
    }

    func search(req: Request) async throws -> SearchResultDTO {
        let service = try await Self.service(req)
        let request = try CatalogRequest.read(req, branches: service.branchesBySlug)
        let facets = req.query[String.self, at: "facets"] != "false"
        let (page, availability) = try await service.search(request, withFacets: facets)
        return SearchResultDTO(
            query: request.text, total: page.total, title_count: page.titleCount, page: request.page, per_page: request.perPage,
            works: page.works.map { work in WorkDTO(key: work.key, titles: work.titles.map { service.summary($0, availability) }) },
            facets: page.facets.map { service.facetsDTO($0, chosen: request.filters, lang: Language.of(req)) })
    }

    struct Suggestion: Content {
        let text: String
        let kind: String
        let url: String?
    }

    /// Titles and authors starting with what was typed, for search as you type.
    func suggest(req: Request) async throws -> [Suggestion] {
        let service = try await Self.service(req)
        let text = req.query[String.self, at: "q"] ?? ""
        let words = TextAnalysis.words(text)
        guard let last = words.last, last.count >= 2 else { return [] }
        let title: SearchQuery = .and(words.dropLast().map { .word($0, .title) } + [.prefix(last, .title)])
        let author: SearchQuery = .and(words.dropLast().map { .word($0, .author) } + [.prefix(last, .author)])
        let search = req.catalogSearch(service.organisation.id!)
        let titles = try await search.search(title, limit: 6)
        let authors = try await search.search(author, limit: 6)
        var seen = Set<String>()
        var out: [Suggestion] = []
        for t in titles.titles where seen.insert("t:" + t.title.lowercased()).inserted {
            out.append(Suggestion(text: t.title, kind: "title", url: "/\(service.organisation.slug)/catalogus/\(t.id)"))
        }
        for t in authors.titles {
            guard let name = t.mainAuthor, seen.insert("a:" + name.lowercased()).inserted else { continue }
            out.append(Suggestion(text: name, kind: "author", url: nil))
        }
        return Array(out.prefix(8))
    }

    func title(req: Request) async throws -> TitleDTO {
        let service = try await Self.service(req)
        return try await service.titleDTO(try await service.title(try Self.titleID(req)))
    }

    func marcxml(req: Request) async throws -> Response {
        let service = try await Self.service(req)
        let title = try await service.title(try Self.titleID(req))
        guard let record = title.marcRecord else {
            throw BiebError(.conflict, code: "broken_record", message: "The stored record of this title cannot be read.")
        }
        let items = try await service.store.items(of: title.id!)
        let slugs = Dictionary(uniqueKeysWithValues: service.branches.map { ($0.id, $0.slug) })
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + MARCXML.record(CatalogExporter.withHoldings(record, items: items, slugs: slugs), namespaced: true)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "marcxml+xml", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: xml))
    }

    func items(req: Request) async throws -> [ItemDTO] {
        let service = try await Self.service(req)
        let title = try await service.title(try Self.titleID(req))
        let names = service.branchNames
        return try await service.store.items(of: title.id!).filter { $0.status.isInCollection }.map {
            ItemDTO(id: $0.id!, barcode: $0.barcode, branch_id: $0.currentBranchID, branch: names[$0.currentBranchID] ?? "",
                    owning_branch_id: $0.owningBranchID, call_number: $0.callNumber, shelf_location: $0.shelfLocation,
                    status: $0.statusRaw, due_at: $0.dueAt)
        }
    }
}
