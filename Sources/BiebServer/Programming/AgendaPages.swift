import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The public programme pages (Dutch and English, no JavaScript needed):
/// the agenda with filters, an activity's page with places left, a
/// registration form (with an account or just a name and e-mail) and
/// schema.org `Event` JSON-LD; the cancellation page behind the link in
/// the messages; consultation hours with their free slots; communities;
/// and the iCalendar feeds (per branch, kind, theme, audience, and a
/// member's own registrations).
struct AgendaPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(":org", "agenda.ics", use: feed)
        routes.get(":org", "agenda", "mijn", ":feed", use: personalFeed)
        // Visitors read and register without a session (no row stored per page view); forms acting for a
        // signed-in member check the form token themselves (`memberForm`); a cancellation key is its own proof.
        let pages = routes.publicPages()
        pages.get(":org", "agenda", use: agenda)
        pages.get(":org", "agenda", ":activityID", use: activity)
        pages.post(":org", "agenda", ":activityID", "aanmelden", use: register)
        pages.get(":org", "afmelden", ":token", use: registration)
        pages.post(":org", "afmelden", ":token", use: cancelRegistration)
        pages.get(":org", "aanmelding", ":token", use: registration)
        pages.post(":org", "aanmelding", ":token", "bevestigen", use: confirmRegistration)
        pages.get(":org", "spreekuren", use: hours)
        pages.get(":org", "spreekuren", ":hourID", use: hour)
        pages.post(":org", "spreekuren", ":hourID", use: bookSlot)
        pages.get(":org", "afspraak-afzeggen", ":token", use: appointment)
        pages.post(":org", "afspraak-afzeggen", ":token", use: cancelAppointment)
        pages.get(":org", "groepen", use: communities)
        pages.grouped(CSRFMiddleware()).post(":org", "groepen", ":communityID", "volgen", use: follow)
    }

    // MARK: Shared


    struct SessionLine: Encodable {
        let when: String
        let past: Bool
    }

    struct ActivityCard: Encodable {
        let url: String
        let title: String
        let kind: String
        let when: String
        let place: String
        let themes: [String]
        let audience: String?
        let price: String
        let places: String?
        let cancelled: Bool
        let full: Bool
    }

    struct Words {
        let lang: Language
        let org: Organisation
        let kinds: [String: ProgrammeTerm]
        let themes: [String: ProgrammeTerm]
        let branches: [UUID: Branch]
        let spaces: [UUID: Space]
        let venues: [UUID: ExternalVenue]
        var formats: Formats { Formats(lang: lang, timeZone: org.zone) }
        var english: Bool { lang == .en }

        static func make(_ req: Request, _ org: Organisation) async throws -> Words {
            let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
            let branches = try await req.branches.branches(of: try org.requireID())
            var spaces: [UUID: Space] = [:]
            for space in try await Space.query(on: req.db).filter(\.$branch.$id ~~ branches.map { $0.id! }).all() { spaces[space.id!] = space }
            return Words(lang: Language.of(req), org: org,
                         kinds: Dictionary(uniqueKeysWithValues: try await programme.terms(.kind).map { ($0.code, $0) }),
                         themes: Dictionary(uniqueKeysWithValues: try await programme.terms(.theme).map { ($0.code, $0) }),
                         branches: Dictionary(uniqueKeysWithValues: branches.map { ($0.id!, $0) }), spaces: spaces,
                         venues: Dictionary(uniqueKeysWithValues: try await programme.venues().map { ($0.id, $0) }))
        }

        func kind(_ code: String) -> String { kinds[code]?.name(english: english) ?? code }
        func theme(_ code: String) -> String { themes[code]?.name(english: english) ?? code }

        func place(_ a: Activity) -> String {
            if let venue = a.venueID.flatMap({ venues[$0] }) { return "\(venue.name), \(venue.address)" }
            let branch = branches[a.branchID]?.name ?? ""
            if let space = a.spaceID.flatMap({ spaces[$0] }) { return "\(space.name), \(branch)" }
            return branch
        }

        func when(_ listing: ActivityListing) -> String {
            guard let first = listing.sessions.first else { return "" }
            let text = formats.range(first.range)
            // "(en nog 5 keer; 6 keer in totaal)": the first is the date shown.
            return listing.sessions.count > 1
                ? text + " " + Locales.text("agenda_sessions_more", lang, count: listing.sessions.count - 1, ["total": String(listing.sessions.count)])
                : text
        }

        func audience(_ a: Activity) -> String? {
            guard !a.audiences.isEmpty else { return nil }
            var text = a.audiences.map { Locales.text("programme_audience_\($0.rawValue)", lang) }.joined(separator: ", ")
            if let min = a.ageMin, let max = a.ageMax { text += " (\(Locales.text("agenda_ages", lang, ["min": String(min), "max": String(max)])))" }
            else if let min = a.ageMin { text += " (\(min)+)" }
            return text
        }

        func price(_ a: Activity) -> String {
            switch a.registration {
            case .none: Locales.text("agenda_free_walk_in", lang)
            case .free: Locales.text("agenda_free_register", lang)
            case .paid: Money.text(a.priceCents)
            }
        }

        func places(_ listing: ActivityListing) -> String? {
            guard listing.activity.registration != .none, let left = listing.placesLeft else { return nil }
            return left == 0 ? Locales.text("agenda_full", lang) : Locales.text("agenda_places_left", lang, ["n": String(left)])
        }

        func card(_ listing: ActivityListing) -> ActivityCard {
            let a = listing.activity
            return ActivityCard(url: "/\(org.slug)/agenda/\(a.id)", title: a.title, kind: kind(a.kind), when: when(listing), place: place(a),
                                themes: a.themes.map(theme), audience: audience(a), price: price(a), places: places(listing),
                                cancelled: a.status == .cancelled, full: listing.placesLeft == 0)
        }
    }

    static func signedIn(_ req: Request, _ org: Organisation) -> UUID? {
        guard let member = req.auth.get(SignedInMember.self), member.organisationID == org.id else { return nil }
        return member.id
    }

    /// The signed-in member a form acts for, after checking its token (a guest's form needs none: it carries no one's authority).
    static func memberForm(_ req: Request, _ org: Organisation) throws -> UUID? {
        guard let member = signedIn(req, org) else { return nil }
        try CSRFMiddleware.verify(req)
        return member
    }

    // MARK: Agenda

    struct AgendaContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let action: String
        let branches: [FormOption]
        let kinds: [FormOption]
        let themes: [FormOption]
        let audiences: [FormOption]
        let prices: [FormOption]
        let from: String
        let activities: [ActivityCard]
        let feedURL: String
        let hoursURL: String
        let communitiesURL: String
        let nextURL: String?
    }

    func agenda(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let words = try await Words.make(req, org)
        let today = LocalDate(Date(), in: org.zone)
        var filter = AgendaFilter(from: Date())
        let fromText = req.query[String.self, at: "van"] ?? ""
        if let day = LocalDate(iso: fromText), day > today { filter.from = LocalClock.instant(of: day, minute: 0, in: org.zone) }
        let branch = req.query[String.self, at: "vestiging"].flatMap(UUID.init(uuidString:))
        filter.branchID = branch.flatMap { words.branches[$0] != nil ? $0 : nil }
        filter.kind = req.query[String.self, at: "soort"].flatMap { words.kinds[$0] != nil ? $0 : nil }
        filter.theme = req.query[String.self, at: "thema"].flatMap { words.themes[$0] != nil ? $0 : nil }
        filter.audience = req.query[String.self, at: "voor"].flatMap(ActivityAudience.init(rawValue:))
        let price = req.query[String.self, at: "prijs"] ?? ""
        filter.paid = price == "betaald" ? true : price == "gratis" ? false : nil
        let page = max(0, req.query[Int.self, at: "pagina"] ?? 0)
        filter.limit = 26
        filter.offset = page * 25
        let listings = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).agenda(filter)
        var feed = URLComponents()
        feed.path = "/\(org.slug)/agenda.ics"
        var items: [URLQueryItem] = []
        if let b = filter.branchID { items.append(URLQueryItem(name: "branch", value: b.uuidString)) }
        if let k = filter.kind { items.append(URLQueryItem(name: "kind", value: k)) }
        if let t = filter.theme { items.append(URLQueryItem(name: "theme", value: t)) }
        if let a = filter.audience { items.append(URLQueryItem(name: "audience", value: a.rawValue)) }
        feed.queryItems = items.isEmpty ? nil : items
        var next: String?
        if listings.count > 25 {
            var components = URLComponents(string: req.url.string) ?? URLComponents()
            components.queryItems = (components.queryItems ?? []).filter { $0.name != "pagina" } + [URLQueryItem(name: "pagina", value: String(page + 1))]
            next = components.string
        }
        let english = lang == .en
        let context = AgendaContext(
            page: .organisation(req, org, title: Locales.text("agenda_title", lang) + " · " + org.name),
            organisation: org.name, orgURL: "/\(org.slug)", action: "/\(org.slug)/agenda",
            branches: words.branches.values.filter(\.active).sorted { $0.name < $1.name }
                .map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id == filter.branchID) },
            kinds: words.kinds.values.sorted { $0.name(english: english) < $1.name(english: english) }
                .map { FormOption(value: $0.code, label: $0.name(english: english), selected: $0.code == filter.kind) },
            themes: words.themes.values.sorted { $0.name(english: english) < $1.name(english: english) }
                .map { FormOption(value: $0.code, label: $0.name(english: english), selected: $0.code == filter.theme) },
            audiences: ActivityAudience.allCases.map { FormOption(value: $0.rawValue, label: Locales.text("programme_audience_\($0.rawValue)", lang), selected: $0 == filter.audience) },
            prices: [FormOption(value: "gratis", label: Locales.text("agenda_price_free", lang), selected: price == "gratis"),
                     FormOption(value: "betaald", label: Locales.text("agenda_price_paid", lang), selected: price == "betaald")],
            from: filter.from > Date() ? LocalDate(filter.from, in: org.zone).iso : "",
            activities: listings.prefix(25).map(words.card), feedURL: feed.string ?? feed.path,
            hoursURL: "/\(org.slug)/spreekuren", communitiesURL: "/\(org.slug)/groepen", nextURL: next)
        return try await PublicPages().render(req, "agenda/list", context)
    }
}
