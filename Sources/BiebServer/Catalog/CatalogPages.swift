import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The public catalogue: `/{org}/catalogus` (search with facets, grouped
/// works, availability) and `/{org}/catalogus/{id}` (a title with its
/// copies per branch and schema.org `Book` data). No JavaScript needed.
struct CatalogPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.publicPages()
        pages.get(":org", "catalogus", use: search)
        pages.get(":org", "catalogus", ":titleID", use: title)
    }

    struct Link: Encodable {
        let label: String
        let url: String
        /// In the page's language ("12.345").
        let count: String
        let selected: Bool
    }

    struct FacetGroup: Encodable {
        let name: String
        let links: [Link]
    }

    struct EditionView: Encodable {
        let title: String
        let url: String
        let format: String
        let year: String?
        let status: String
        let available: Bool
    }

    struct WorkView: Encodable {
        let title: String
        let subtitle: String?
        let url: String
        let author: String?
        let year: String
        let editions: [EditionView]
    }


    /// "Op de plank in Centrale Bibliotheek en 2 andere vestigingen" / "Uitgeleend, terug vanaf 12 december".
    static func statusText(_ list: [BranchAvailability], names: [UUID: String], lang: Language, timeZone: TimeZone, digital: Bool) -> (String, Bool) {
        if digital { return (Locales.text("cat_online", lang), true) }
        let onShelf = list.filter { $0.onShelf > 0 }
        if let first = onShelf.first {
            let name = names[first.branchID] ?? ""
            switch onShelf.count {
            case 1: return (Locales.text("cat_on_shelf_at", lang, ["branch": name]), true)
            case 2: return (Locales.text("cat_on_shelf_at_one_more", lang, ["branch": name]), true)
            default: return (Locales.text("cat_on_shelf_at_more", lang, ["branch": name, "n": String(onShelf.count - 1)]), true)
            }
        }
        if let due = list.compactMap(\.earliestDue).min() {
            return (Self.backText(due, whole: true, lang: lang, timeZone: timeZone), false)
        }
        if list.contains(where: { $0.inTransit > 0 || $0.onHoldShelf > 0 }) { return (Locales.text("cat_reserved", lang), false) }
        return (Locales.text("cat_no_copies", lang), false)
    }

    func search(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let org = try await req.organisation()
        let service = try await CatalogService(req, organisation: org)
        let text = req.query[String.self, at: "q"] ?? ""
        struct Context: Encodable {
            let page: PageContext
            let organisation: String
            let orgURL: String
            let action: String
            let q: String
            let error: String?
            let searched: Bool
            let total: Int
            let summary: String?
            let works: [WorkView]
            let facets: [FacetGroup]
            let sorts: [FormOption]
            let hidden: [FormOption]
            let previous: String?
            let next: String?
            let pageText: String?
            var showFacets = false
            /// Nothing found: the page gives search tips.
            var noResults = false
            /// The same words without filters, when filters are on.
            var withoutFilters: String? = nil
        }
        let base = "/\(org.slug)/catalogus"
        let sorts = SearchSort.allCases.map {
            FormOption(value: $0.rawValue, label: Locales.text("cat_sort_\($0.rawValue)", lang),
                              selected: $0.rawValue == (req.query[String.self, at: "sort"] ?? "relevance"))
        }
        let pageContext = PageContext.organisation(req, org, title: text.isEmpty ? Locales.text("cat_title", lang) : "\(text) · \(Locales.text("cat_title", lang))")
        guard !text.trimmed.isEmpty else {
            return try await PublicPages().render(req, "catalog/search", Context(
                page: pageContext, organisation: org.name, orgURL: "/\(org.slug)", action: base, q: "", error: nil, searched: false,
                total: 0, summary: nil, works: [], facets: [], sorts: sorts, hidden: [], previous: nil, next: nil, pageText: nil))
        }
        let request: CatalogRequest
        do {
            request = try CatalogRequest.read(req, branches: service.branchesBySlug)
        } catch let error as BiebError {
            let response = try await PublicPages().render(req, "catalog/search", Context(
                page: pageContext, organisation: org.name, orgURL: "/\(org.slug)", action: base, q: text,
                error: error.message(dutch: lang == .nl), searched: false, total: 0, summary: nil, works: [], facets: [], sorts: sorts,
                hidden: [], previous: nil, next: nil, pageText: nil))
            response.status = .badRequest
            return response
        }
        let (page, availability) = try await service.search(request, withFacets: true)
        let names = service.branchNames
        let works = page.works.map { work -> WorkView in
            let first = work.titles[0]
            return WorkView(
                title: first.title, subtitle: first.subtitle, url: "\(base)/\(first.id)", author: first.mainAuthor,
                year: first.year.map(String.init) ?? "",
                editions: work.titles.map { title in
                    let (status, available) = Self.statusText(availability[title.id] ?? [], names: names, lang: lang, timeZone: org.zone,
                                                             digital: MaterialFormat(rawValue: title.format)?.isDigital == true)
                    return EditionView(title: title.title, url: "\(base)/\(title.id)", format: Locales.text("format_\(title.format)", lang),
                                       year: title.year.map(String.init), status: status, available: available)
                })
        }

        // Facet links keep the query and other filters; a chosen value links to its removal.
        let current = URLComponents(string: req.url.string)?.queryItems?.filter { $0.name != "page" } ?? []
        func url(toggling name: String, value: String) -> (String, Bool) {
            var items = current
            let selected = items.contains { $0.name == name && $0.value == value }
            if selected { items.removeAll { $0.name == name && $0.value == value } } else { items.append(URLQueryItem(name: name, value: value)) }
            var components = URLComponents()
            components.path = base
            components.queryItems = items
            return (components.string ?? base, selected)
        }
        var groups: [FacetGroup] = []
        if let facets = page.facets.map({ service.facetsDTO($0, chosen: request.filters, lang: lang) }) {
            func group(_ key: String, _ name: String, _ values: [FacetValueDTO]) {
                guard !values.isEmpty else { return }
                groups.append(FacetGroup(name: Locales.text(name, lang), links: values.prefix(12).map { value in
                    let (link, selected) = url(toggling: key, value: value.value)
                    return Link(label: value.label, url: link, count: Formats.count(value.count, lang), selected: selected)
                }))
            }
            let (availableURL, availableSelected) = url(toggling: "available", value: "true")
            if facets.available_now > 0 || availableSelected {
                groups.append(FacetGroup(name: Locales.text("cat_facet_availability", lang),
                                         links: [Link(label: Locales.text("cat_available_now", lang), url: availableURL,
                                                      count: Formats.count(facets.available_now, lang), selected: availableSelected)]))
            }
            group("format", "cat_facet_format", facets.format)
            group("language", "cat_facet_language", facets.language)
            group("audience", "cat_facet_audience", facets.audience)
            group("genre", "cat_facet_genre", facets.genre)
            group("branch", "cat_facet_branch", facets.branch)
            let decades = facets.decade.prefix(12).map { value in
                let from = value.value, to = String((Int(value.value) ?? 0) + 9)
                var items = current.filter { $0.name != "year_from" && $0.name != "year_to" }
                let selected = req.query[String.self, at: "year_from"] == from
                if !selected { items += [URLQueryItem(name: "year_from", value: from), URLQueryItem(name: "year_to", value: to)] }
                var components = URLComponents()
                components.path = base
                components.queryItems = items
                return Link(label: value.label, url: components.string ?? base, count: Formats.count(value.count, lang), selected: selected)
            }
            if !decades.isEmpty { groups.append(FacetGroup(name: Locales.text("cat_facet_decade", lang), links: decades)) }
        }
        func pageURL(_ number: Int) -> String {
            var components = URLComponents()
            components.path = base
            components.queryItems = current + [URLQueryItem(name: "page", value: String(number))]
            return components.string ?? base
        }
        let pages = max(1, (page.total + request.perPage - 1) / request.perPage)
        let hidden = current.filter { !["q", "sort"].contains($0.name) }.map { FormOption(value: $0.value ?? "", label: $0.name, selected: false) }
        return try await PublicPages().render(req, "catalog/search", Context(
            page: pageContext, organisation: org.name, orgURL: "/\(org.slug)", action: base, q: text, error: nil, searched: true,
            total: page.total,
            summary: Locales.text(page.total == 1 ? "cat_found_one" : "cat_found", lang, ["n": Formats.count(page.total, lang), "q": text]),
            works: works, facets: groups, sorts: sorts, hidden: hidden,
            previous: request.page > 1 ? pageURL(request.page - 1) : nil,
            next: request.page < pages ? pageURL(request.page + 1) : nil,
            pageText: pages > 1 ? Locales.text("cat_page_of", lang, ["page": String(request.page), "pages": String(pages)]) : nil,
            showFacets: !groups.isEmpty, noResults: page.total == 0,
            withoutFilters: current.contains { !["q", "sort", "lang"].contains($0.name) } ? {
                var components = URLComponents()
                components.path = base
                components.queryItems = current.filter { ["q", "sort"].contains($0.name) }
                return components.string ?? base
            }() : nil))
    }

    func title(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let org = try await req.organisation()
        let service = try await CatalogService(req, organisation: org)
        guard let idText = req.parameters.get("titleID"), let id = Int(idText), let title = try? await service.title(id) else {
            throw Abort(.notFound)
        }
        let dto = try await service.titleDTO(title)
        struct Row: Encodable {
            let label: String
            let value: String
        }
        struct AvailabilityRow: Encodable {
            let branch: String
            let url: String
            let available: Bool
            let status: String
            /// Where to look on the shelf there (call numbers).
            let shelfMark: String?
        }
        let shelfMarks = try await service.store.shelfMarks(of: id)
        struct Context: Encodable {
            let page: PageContext
            let organisation: String
            let orgURL: String
            let searchURL: String
            let title: String
            let subtitle: String?
            let authors: [String]?
            let summary: String?
            let details: [Row]
            let subjects: [Link]?
            let availability: [AvailabilityRow]
            let hasCopies: Bool
            /// Reserving through the member pages (titles with copies).
            let holdURL: String?
            let link: String?
            let editions: [EditionView]?
            let marcURL: String
            let jsonLD: String
        }
        let slugs = Dictionary(uniqueKeysWithValues: service.branches.map { ($0.id, $0.slug) })
        var details: [Row] = []
        func add(_ key: String, _ value: String?) { if let value, !value.isEmpty { details.append(Row(label: Locales.text(key, lang), value: value)) } }
        add("cat_format", Locales.text("format_\(dto.format)", lang))
        add("cat_author", dto.responsibility)
        add("cat_publisher", [dto.publisher, dto.place, dto.year.map(String.init)].compactMap { $0 }.joined(separator: ", "))
        add("cat_edition", dto.edition)
        add("cat_series", dto.series.map { s in dto.series_number.map { "\(s) ; \($0)" } ?? s })
        add("cat_language", dto.language.map { Locales.table(lang)["lang_\($0)"] ?? $0 })
        add("cat_isbn", dto.isbns.joined(separator: ", "))
        add("cat_audience", dto.audience.map { Locales.text("audience_\($0)", lang) })
        add("cat_age", dto.age_min.map { min in dto.age_max.map { "\(min)–\($0)" } ?? "\(min)+" })
        add("cat_avi", dto.avi)
        add("cat_nur", dto.nur.map { String(format: "%03d", $0) })
        add("cat_siso", dto.siso)
        let availability = dto.availability.map { row -> AvailabilityRow in
            var parts: [String] = []
            if row.on_shelf > 0 { parts.append(Locales.text("cat_n_on_shelf", lang, ["n": String(row.on_shelf)])) }
            if row.on_loan > 0 {
                parts.append(Locales.text("cat_n_on_loan", lang, ["n": String(row.on_loan)])
                             + (row.earliest_due.map { " (" + Self.backText($0, whole: false, lang: lang, timeZone: org.zone) + ")" } ?? ""))
            }
            if row.in_transit > 0 { parts.append(Locales.text("cat_n_in_transit", lang, ["n": String(row.in_transit)])) }
            if row.on_hold_shelf > 0 { parts.append(Locales.text("cat_n_on_hold_shelf", lang, ["n": String(row.on_hold_shelf)])) }
            return AvailabilityRow(branch: row.branch, url: "/\(org.slug)/\(slugs[row.branch_id] ?? "")", available: row.on_shelf > 0,
                                   status: parts.joined(separator: ", "), shelfMark: shelfMarks[row.branch_id]?.joined(separator: "; ").nonEmpty)
        }
        let base = "/\(org.slug)/catalogus"
        let names = service.branchNames
        let otherAvailability = try await service.store.availability(of: dto.other_editions.map(\.id))
        let editions = dto.other_editions.map { edition -> EditionView in
            let (status, available) = Self.statusText(otherAvailability[edition.id] ?? [], names: names, lang: lang, timeZone: org.zone,
                                                     digital: MaterialFormat(rawValue: edition.format)?.isDigital == true)
            return EditionView(title: edition.title, url: "\(base)/\(edition.id)", format: Locales.text("format_\(edition.format)", lang),
                               year: edition.year.map(String.init), status: status, available: available)
        }
        let page = PageContext.organisation(req, org, title: dto.title)
        return try await PublicPages().render(req, "catalog/title", Context(
            page: page, organisation: org.name, orgURL: "/\(org.slug)", searchURL: base, title: dto.title, subtitle: dto.subtitle,
            authors: dto.contributors.map { $0.role == "author" || $0.main ? $0.name : "\($0.name) (\(Locales.text("role_contributor_\($0.role)", lang)))" }.nonEmpty,
            summary: dto.summary, details: details,
            subjects: dto.subjects.map { subject in
                var components = URLComponents()
                components.path = base
                components.queryItems = [URLQueryItem(name: "q", value: "subject:\"\(subject.replacingOccurrences(of: "\"", with: ""))\"")]
                return Link(label: subject, url: components.string ?? base, count: "0", selected: false)
            }.nonEmpty,
            availability: availability, hasCopies: !availability.isEmpty,
            holdURL: availability.isEmpty ? nil : "/\(org.slug)/mijn/reserveren?titel=\(dto.id)", link: dto.link, editions: editions.nonEmpty,
            marcURL: "/api/v1/organisations/\(org.slug)/titles/\(dto.id)/marcxml",
            jsonLD: Self.jsonLD(dto, org: org, url: req.bieb.baseURL + "\(base)/\(dto.id)")))
    }

    /// schema.org `Book` (or `CreativeWork` for other formats) with offers per branch.
    static func jsonLD(_ dto: TitleDTO, org: Organisation, url: String) -> String {
        let book = ["book", "large_print", "ebook", "audiobook"].contains(dto.format)
        var object: [String: Any] = [
            "@context": "https://schema.org", "@type": book ? "Book" : "CreativeWork", "name": dto.title, "url": url,
        ]
        if let subtitle = dto.subtitle { object["alternativeHeadline"] = subtitle }
        let authors = dto.contributors.filter { $0.role == "author" || $0.main }.map { ["@type": "Person", "name": $0.name] }
        if !authors.isEmpty { object["author"] = authors }
        if let isbn = dto.isbns.first { object["isbn"] = isbn }
        if let year = dto.year { object["datePublished"] = String(year) }
        if let publisher = dto.publisher { object["publisher"] = ["@type": "Organization", "name": publisher] }
        if let language = dto.language { object["inLanguage"] = language }
        if let summary = dto.summary { object["description"] = summary }
        if !dto.subjects.isEmpty { object["about"] = dto.subjects }
        let formats = ["book": "Hardcover", "large_print": "Hardcover", "ebook": "EBook", "audiobook": "AudiobookFormat"]
        if let format = formats[dto.format] { object["bookFormat"] = "https://schema.org/\(format)" }
        object["offers"] = dto.availability.map { row -> [String: Any] in
            [
                "@type": "Offer",
                "availability": row.on_shelf > 0 ? "https://schema.org/InStock" : "https://schema.org/OutOfStock",
                "offeredBy": ["@type": "Library", "name": row.branch, "parentOrganization": ["@type": "Organization", "name": org.name]],
                "price": 0, "priceCurrency": "EUR",
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    }
}

extension CatalogPages {
    /// When an on-loan copy is back: "terug vanaf vrijdag 27 november", or, once that day has passed,
    /// that it is overdue — never a date in the past as if it were still to come. `whole`: the
    /// sentence on its own ("Uitgeleend, …"); otherwise the part after a count ("1 uitgeleend (…)").
    static func backText(_ due: Date, whole: Bool, now: Date = Date(), lang: Language, timeZone: TimeZone) -> String {
        let day = LocalDate(due, in: timeZone)
        let date = Formats(lang: lang, timeZone: timeZone).longDate(day)
        let overdue = day < LocalDate(now, in: timeZone)
        let key = switch (whole, overdue) {
        case (true, false): "cat_on_loan_until"
        case (true, true): "cat_on_loan_overdue"
        case (false, false): "cat_back_from"
        case (false, true): "cat_overdue_since"
        }
        return Locales.text(key, lang, ["date": date])
    }
}
