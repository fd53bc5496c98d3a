import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// What a search request asks, read from the query string the same way for
/// the API and the pages: `q`, `sort`, `page`, `per_page`, `format`,
/// `language`, `audience`, `genre` (NUR), `year_from`, `year_to`, `branch` (slug),
/// `available` (true).
struct CatalogRequest {
    var text: String
    var query: SearchQuery
    var filters = SearchFilters()
    var sort = SearchSort.relevance
    var page = 1
    var perPage = 20
    var branchSlug: String?

    static func read(_ req: Request, branches: [String: UUID]) throws -> CatalogRequest {
        let text = req.query[String.self, at: "q"] ?? ""
        var request = CatalogRequest(text: text, query: try SearchQuery.parse(text))
        if let sort = req.query[String.self, at: "sort"] {
            guard let value = SearchSort(rawValue: sort) else {
                throw BiebError.invalid("sort", "Sort by relevance, newest, title or author.", nl: "Sorteer op relevance, newest, title of author.")
            }
            request.sort = value
        }
        if let page = req.query[String.self, at: "page"] {
            guard let value = Int(page), (1...500).contains(value) else {
                throw BiebError.invalid("page", "page must be a number from 1 to 500.", nl: "page moet een getal van 1 tot 500 zijn.")
            }
            request.page = value
        }
        if let perPage = req.query[String.self, at: "per_page"] {
            guard let value = Int(perPage), (1...100).contains(value) else {
                throw BiebError.invalid("per_page", "per_page must be from 1 to 100.", nl: "per_page moet van 1 tot 100 zijn.")
            }
            request.perPage = value
        }
        for format in Self.values(req, "format") {
            guard let value = MaterialFormat(rawValue: format) else {
                throw BiebError.invalid("format", "Unknown format '\(format)'.", nl: "Onbekende vorm '\(format)'.")
            }
            request.filters.formats.append(value)
        }
        for language in Self.values(req, "language") {
            guard language.count == 3, language.allSatisfy({ $0.isASCII && $0.isLowercase }) else {
                throw BiebError.invalid("language", "Give a language as a three-letter code such as dut.", nl: "Geef een taal als code van drie letters, zoals dut.")
            }
            request.filters.languages.append(language)
        }
        for audience in Self.values(req, "audience") {
            guard let value = Audience(rawValue: audience) else {
                throw BiebError.invalid("audience", "Unknown audience '\(audience)'.", nl: "Onbekende doelgroep '\(audience)'.")
            }
            request.filters.audiences.append(value)
        }
        for genre in Self.values(req, "genre") {
            guard let code = Int(genre), (1...999).contains(code) else {
                throw BiebError.invalid("genre", "Give a genre as a NUR code of three digits, such as 301.",
                                        nl: "Geef een genre als NUR-code van drie cijfers, zoals 301.")
            }
            request.filters.genres.append(code)
        }
        for (name, keyPath) in [("year_from", \SearchFilters.yearFrom), ("year_to", \SearchFilters.yearTo)] {
            if let text = req.query[String.self, at: name], !text.isEmpty {
                guard let year = Int(text), (1000...2100).contains(year) else {
                    throw BiebError.invalid(name, "\(name) must be a year.", nl: "\(name) moet een jaartal zijn.")
                }
                request.filters[keyPath: keyPath] = year
            }
        }
        if let slug = req.query[String.self, at: "branch"], !slug.isEmpty {
            guard let id = branches[slug] else {
                throw BiebError.invalid("branch", "No branch '\(slug)'.", nl: "Geen vestiging '\(slug)'.")
            }
            request.filters.branch = id
            request.branchSlug = slug
        }
        if let available = req.query[String.self, at: "available"] {
            request.filters.availableNow = ["true", "1", "on", "yes"].contains(available.lowercased())
        }
        return request
    }

    /// Repeated (`format=a&format=b`) or comma-separated values.
    static func values(_ req: Request, _ name: String) -> [String] {
        let items = URLComponents(string: req.url.string)?.queryItems ?? []
        return items.filter { $0.name == name }.compactMap(\.value).flatMap { $0.split(separator: ",").map(String.init) }
            .map { $0.trimmed }.filter { !$0.isEmpty }
    }
}

/// Search, record and availability for the API and the pages.
struct CatalogService {
    let req: Request
    let organisation: Organisation
    let branches: [BranchLabel]

    init(_ req: Request, organisation: Organisation) async throws {
        self.req = req
        self.organisation = organisation
        self.branches = try await req.branches.labels(of: organisation.id!)
    }

    var branchesBySlug: [String: UUID] { Dictionary(uniqueKeysWithValues: branches.map { ($0.slug, $0.id) }) }
    var branchNames: [UUID: String] { Dictionary(uniqueKeysWithValues: branches.map { ($0.id, $0.name) }) }
    var store: CatalogStore { CatalogStore(req.db, organisationID: organisation.id!) }

    func search(_ request: CatalogRequest, withFacets: Bool) async throws -> (SearchPage, [Int: [BranchAvailability]]) {
        let page = try await req.catalogSearch(organisation.id!)
            .search(request.query, filters: request.filters, sort: request.sort, limit: request.perPage,
                    offset: (request.page - 1) * request.perPage, withFacets: withFacets)
        if request.page == 1 {
            // Counted for the statistics: how many, never what or who (`SearchTally`).
            req.application.searchTally.add(organisation: organisation.id!, day: LocalDate(Date(), in: organisation.zone),
                                            channel: req.url.path.hasPrefix("/api/") ? "api" : "portal")
        }
        let ids = page.works.flatMap { $0.titles.map(\.id) }
        return (page, try await store.availability(of: ids))
    }

    func availabilityDTO(_ list: [BranchAvailability]) -> [AvailabilityDTO] {
        list.map {
            AvailabilityDTO(branch_id: $0.branchID, branch: branchNames[$0.branchID] ?? "", on_shelf: $0.onShelf, on_loan: $0.onLoan,
                            earliest_due: $0.earliestDue, in_transit: $0.inTransit, on_hold_shelf: $0.onHoldShelf)
        }.sorted { $0.branch < $1.branch }
    }

    func summary(_ title: TitleSummary, _ availability: [Int: [BranchAvailability]]) -> TitleSummaryDTO {
        let list = availability[title.id] ?? []
        return TitleSummaryDTO(id: title.id, title: title.title, subtitle: title.subtitle, author: title.mainAuthor, year: title.year,
                               format: title.format, language: title.language,
                               isbn: title.isbns.split(separator: " ").first.map(String.init),
                               url: "/\(organisation.slug)/catalogus/\(title.id)", availability: availabilityDTO(list),
                               on_shelf: list.reduce(0) { $0 + $1.onShelf })
    }

    /// Facet counts with labels. A chosen value that no longer has hits is
    /// listed with count 0, so it can still be seen and switched off.
    func facetsDTO(_ facets: SearchFacets, chosen filters: SearchFilters, lang: Language) -> FacetsDTO {
        func values(_ list: [(value: String, count: Int)], chosen: [String], label: (String) -> String) -> [FacetValueDTO] {
            let missing = chosen.filter { value in !list.contains { $0.value == value } }
            return (list + missing.map { ($0, 0) }).map { FacetValueDTO(value: $0.value, label: label($0.value), count: $0.count) }
        }
        let slugs = Dictionary(uniqueKeysWithValues: branches.map { ($0.id.uuidString, ($0.slug, $0.name)) })
        var branchCounts = facets.branches
        if let branch = filters.branch, !branchCounts.contains(where: { $0.value == branch.uuidString }) {
            branchCounts.append((branch.uuidString, 0))
        }
        return FacetsDTO(
            format: values(facets.formats, chosen: filters.formats.map(\.rawValue)) { Locales.text("format_\($0)", lang) },
            language: values(facets.languages, chosen: filters.languages) { Locales.table(lang)["lang_\($0)"] ?? $0 },
            audience: values(facets.audiences, chosen: filters.audiences.map(\.rawValue)) { Locales.text("audience_\($0)", lang) },
            genre: values(facets.genres, chosen: filters.genres.map { String($0) }) { NUR.name(Int($0) ?? 0, english: lang == .en) },
            decade: values(facets.decades, chosen: []) { "\($0)–\((Int($0) ?? 0) + 9)" },
            branch: branchCounts.compactMap { entry in
                slugs[entry.value].map { FacetValueDTO(value: $0.0, label: $0.1, count: entry.count) }
            },
            available_now: facets.availableNow)
    }

    /// A title of this organisation, or 404.
    func title(_ id: Int) async throws -> Title {
        guard let title = try await store.title(id), !title.deleted else {
            throw BiebError.notFound("title", nl: "Titel niet gevonden.")
        }
        return title
    }

    func titleDTO(_ title: Title) async throws -> TitleDTO {
        guard let record = title.record else {
            throw BiebError(.conflict, code: "broken_record", message: "The stored record of this title cannot be read.")
        }
        let others = try await Title.query(on: req.db).filter(\.$organisationID == organisation.id!).filter(\.$workID == title.workID)
            .filter(\.$id != title.id!).filter(\.$deleted == false).limit(50).all()
        let availability = try await store.availability(of: [title.id!] + others.compactMap(\.id))
        return TitleDTO(
            id: title.id!, organisation: organisation.slug, control_number: record.controlNumber, title: record.title,
            subtitle: record.subtitle, responsibility: record.responsibility,
            contributors: record.contributors.map { ContributorDTO(name: $0.name, role: $0.role.rawValue, main: $0.isMain) },
            publisher: record.publisher, place: record.placeOfPublication, year: record.year, edition: record.edition,
            isbns: record.isbns.map(\.isbn13), language: record.language, format: record.format.rawValue, series: record.series,
            series_number: record.seriesNumber, subjects: record.subjects, summary: record.summary, audience: record.audience?.rawValue,
            age_min: record.ageMin, age_max: record.ageMax, avi: record.aviLevel, nur: record.nur, siso: record.siso,
            cover: record.coverReference, access_rule: record.accessRule?.rawValue, link: record.link,
            availability: availabilityDTO(availability[title.id!] ?? []),
            other_editions: others.map { summary(TitleSummary($0), availability) }, updated_at: title.updatedAt)
    }
}
