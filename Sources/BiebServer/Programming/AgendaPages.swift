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
        let pages = routes.grouped(StaffSessionsMiddleware()).grouped(MemberSessionAuthenticator())
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
            let programme = Programme(req.db, organisationID: org.id!, timeZone: org.zone)
            let branches = try await req.branches.branches(of: org.id!)
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
            return listing.sessions.count > 1 ? text + " " + Locales.text("agenda_sessions_more", lang, ["n": String(listing.sessions.count)]) : text
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


    /// The page context with the member links (and the signed-in member's name). A visitor without a
    /// session gets none: no form token, no flash, nothing stored.
    static func page(_ req: Request, _ org: Organisation, title: String) async throws -> PageContext {
        guard req.cookies[req.application.sessions.configuration.cookieName] != nil else {
            var page = PageContext(req, lang: Language.of(req), title: title)
            let portal = MemberPortalPages.base(org)
            page.member = PageContext.MemberLink(name: nil, accountURL: portal, signOutURL: portal + "/uitloggen", signInURL: portal + "/inloggen")
            return page
        }
        var name: String?
        if let member = req.auth.get(SignedInMember.self), member.organisationID == org.id {
            name = try await Member.find(member.id, on: req.db)?.name
        }
        return MemberPortalPages.page(req, org, title: title, name: name)
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
        let listings = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).agenda(filter)
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
            page: try await Self.page(req, org, title: Locales.text("agenda_title", lang) + " · " + org.name),
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

    // MARK: One activity

    struct ActivityContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let agendaURL: String
        let card: ActivityCard
        let description: [String]
        let sessions: [SessionLine]
        let language: String?
        let accessibility: String?
        let organiser: String?
        let partners: [String]
        let series: String?
        let imageURL: String?
        let listURL: String?
        let open: Bool
        let closedReason: String?
        let action: String
        let memberName: String?
        let paid: Bool
        let signInURL: String
        let jsonLD: String
        let calendarURL: String
    }

    static func listing(_ req: Request, _ org: Organisation) async throws -> ActivityListing {
        guard let id = req.parameters.get("activityID").flatMap(UUID.init(uuidString:)),
              let listing = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).listing(id),
              listing.activity.status != .draft else { throw Abort(.notFound) }
        return listing
    }

    func activity(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let listing = try await Self.listing(req, org)
        let words = try await Words.make(req, org)
        let a = listing.activity
        let now = Date()
        let partners = try await PartnerDirectory(req.db).partners(of: org.id!).filter { a.partnerIDs.contains($0.id!) }.map(\.name)
        let series = try await a.seriesID.asyncMap { id in try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).series().first { $0.id == id }?.title }
        var closed: String?
        if a.status == .cancelled { closed = Locales.text("agenda_cancelled", lang) }
        else if a.registration == .none { closed = Locales.text("agenda_no_registration", lang) }
        else if (listing.firstStart ?? now) <= now { closed = Locales.text("agenda_begun", lang) }
        var memberName: String?
        if let member = Self.signedIn(req, org) { memberName = try await Member.find(member, on: req.db)?.name }
        let list = try await a.listID.asyncMap { try await TitleList.find($0, on: req.db) }
        let url = req.application.bieb.baseURL + "/\(org.slug)/agenda/\(a.id)"
        let context = ActivityContext(
            page: try await Self.page(req, org, title: a.title), organisation: org.name, orgURL: "/\(org.slug)", agendaURL: "/\(org.slug)/agenda",
            card: words.card(listing), description: a.description.components(separatedBy: "\n\n").filter { !$0.trimmed.isEmpty },
            sessions: listing.sessions.map { SessionLine(when: words.formats.range($0.range), past: $0.range.end <= now) },
            language: a.language == "nl" ? nil : Locale(identifier: lang.rawValue).localizedString(forLanguageCode: a.language) ?? a.language,
            accessibility: a.accessibility.isEmpty ? nil : a.accessibility, organiser: a.organiser.isEmpty ? nil : a.organiser,
            partners: partners, series: series ?? nil, imageURL: a.imageURL.isEmpty ? nil : a.imageURL,
            listURL: (list ?? nil).map { "/\(org.slug)/lijsten/\($0.slug)" }, open: closed == nil, closedReason: closed,
            action: "/\(org.slug)/agenda/\(a.id)/aanmelden", memberName: memberName, paid: a.registration == .paid,
            signInURL: "/\(org.slug)/mijn/inloggen?terug=" + (req.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
            jsonLD: Self.jsonLD(listing, words: words, url: url), calendarURL: "/\(org.slug)/agenda.ics?activity=\(a.id)")
        return try await PublicPages().render(req, "agenda/activity", context)
    }

    /// schema.org `Event` for search engines: dates, place, capacity and the offer.
    static func jsonLD(_ listing: ActivityListing, words: Words, url: String) -> String {
        let a = listing.activity
        let iso = ISO8601DateFormatter()
        iso.timeZone = words.org.zone
        var object: [String: Any] = [
            "@context": "https://schema.org", "@type": "Event", "name": a.title, "url": url,
            "eventStatus": a.status == .cancelled ? "https://schema.org/EventCancelled" : "https://schema.org/EventScheduled",
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode", "inLanguage": a.language,
            "isAccessibleForFree": a.registration != .paid,
            "organizer": ["@type": "Library", "name": words.org.name],
        ]
        if let start = listing.firstStart { object["startDate"] = iso.string(from: start) }
        if let end = listing.lastEnd { object["endDate"] = iso.string(from: end) }
        if !a.description.isEmpty { object["description"] = a.description }
        if !a.imageURL.isEmpty { object["image"] = a.imageURL }
        if let venue = a.venueID.flatMap({ words.venues[$0] }) {
            object["location"] = ["@type": "Place", "name": venue.name, "address": venue.address]
        } else if let branch = words.branches[a.branchID] {
            object["location"] = ["@type": "Place", "name": words.place(a), "address": [
                "@type": "PostalAddress", "streetAddress": branch.street, "postalCode": branch.postcode, "addressLocality": branch.city, "addressCountry": "NL"]]
        }
        if let capacity = a.capacity {
            object["maximumAttendeeCapacity"] = capacity
            object["remainingAttendeeCapacity"] = listing.placesLeft ?? capacity
        }
        if a.registration != .none {
            object["offers"] = ["@type": "Offer", "url": url, "price": String(format: "%.2f", Double(a.priceCents) / 100), "priceCurrency": "EUR",
                                "availability": listing.placesLeft == 0 ? "https://schema.org/SoldOut" : "https://schema.org/InStock"]
        }
        if !a.audiences.isEmpty {
            object["audience"] = ["@type": "Audience", "audienceType": a.audiences.map(\.rawValue).joined(separator: ", ")]
        }
        if listing.sessions.count > 1 {
            object["subEvent"] = listing.sessions.map { ["@type": "Event", "name": a.title, "startDate": iso.string(from: $0.range.start),
                                                         "endDate": iso.string(from: $0.range.end)] }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    }

    struct RegisterForm: Content {
        var name: String?
        var email: String?
        var places: Int?
    }

    /// The registration form: signed in, as the member; otherwise name and e-mail.
    func register(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let listing = try await Self.listing(req, org)
        let form = try req.content.decode(RegisterForm.self)
        let lang = Language.of(req)
        let back = "/\(org.slug)/agenda/\(listing.activity.id)"
        let member = try Self.memberForm(req, org)
        do {
            guard let member else {
                // A guest: provisional until the link in the mail is used; the key is only in the mail.
                let registration = try await GuestRegistrations.register(req, organisation: org, activity: listing.activity.id, name: form.name,
                                                                         email: form.email, places: form.places ?? 1, language: lang.rawValue)
                let until = registration.confirmBy.map { Formats(lang: lang, timeZone: org.zone).moment($0) } ?? ""
                return MemberPortalPages.done(req, back, Locales.text("registration_check_mail", lang, ["until": until]))
            }
            let registration = try await Registrations(req.db, organisationID: org.id!).register(
                for: listing.activity.id, RegistrationRequest(member: member, places: form.places ?? 1, language: lang.rawValue))
            guard let token = registration.token else { return req.redirect(to: back, redirectType: .normal) }
            return req.redirect(to: "/\(org.slug)/afmelden/\(token)?nieuw=1", redirectType: .normal)
        } catch let error as BiebError where error.kind != .notFound {
            return MemberPortalPages.done(req, back + "#aanmelden", error.message(dutch: lang == .nl))
        }
    }

    // MARK: A registration (the link in the messages)

    struct RegistrationContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let card: ActivityCard
        let status: String
        let places: Int
        let isNew: Bool
        let cancelled: Bool
        let action: String
        /// A guest's registration waiting for confirmation: the words with its deadline, and where to confirm.
        let provisional: String?
        let confirmAction: String
    }

    func registration(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        guard let registration = try await Registrations(req.db, organisationID: org.id!).registration(token: req.parameters.get("token") ?? ""),
              let listing = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).listing(registration.activityID) else {
            throw Abort(.notFound)
        }
        let words = try await Words.make(req, org)
        let context = RegistrationContext(
            page: try await Self.page(req, org, title: Locales.text("registration_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            card: words.card(listing), status: Locales.text("registration_status_\(registration.status.rawValue)", lang),
            places: registration.places, isNew: req.query[String.self, at: "nieuw"] != nil,
            cancelled: registration.status == .cancelled || registration.status == .lapsed,
            action: "/\(org.slug)/afmelden/\(registration.token ?? "")",
            provisional: registration.isProvisional && registration.status != .lapsed
                ? Locales.text("registration_provisional", lang, ["until": registration.confirmBy.map { Formats(lang: lang, timeZone: org.zone).moment($0) } ?? ""]) : nil,
            confirmAction: "/\(org.slug)/aanmelding/\(registration.token ?? "")/bevestigen")
        return try await PublicPages().render(req, "agenda/registration", context)
    }

    /// Confirms a guest's registration by the form on the mailed link's page
    /// (a POST: a mail scanner that opens the link confirms nothing).
    func confirmRegistration(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let token = req.parameters.get("token") ?? ""
        let page = "/\(org.slug)/aanmelding/\(token)"
        do {
            try await Registrations(req.db, organisationID: org.id!).confirm(token: token)
            return MemberPortalPages.done(req, page, Locales.text("registration_confirmed_done", lang))
        } catch let error as BiebError where error.kind != .notFound {
            return MemberPortalPages.done(req, page, error.message(dutch: lang == .nl))
        }
    }

    /// Cancels by the link's form (a POST: mail scanners that open links do not cancel anything).
    func cancelRegistration(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let registrations = Registrations(req.db, organisationID: org.id!)
        guard let registration = try await registrations.registration(token: req.parameters.get("token") ?? "") else { throw Abort(.notFound) }
        do {
            try await registrations.cancel(registration.id)
            return MemberPortalPages.done(req, req.url.path, Locales.text("registration_cancelled_done", lang))
        } catch let error as BiebError {
            return MemberPortalPages.done(req, req.url.path, error.message(dutch: lang == .nl))
        }
    }

    // MARK: Consultation hours

    struct HourCard: Encodable {
        let url: String
        let title: String
        let partner: String
        let branch: String
        let when: String
        let walkIn: Bool
        let free: Int
    }

    struct HoursContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let hours: [HourCard]
    }

    func hourCards(_ req: Request, _ org: Organisation, _ hours: [ConsultationHour], store: ConsultationHours, words: Words) async throws -> [HourCard] {
        let partners = Dictionary(uniqueKeysWithValues: try await PartnerDirectory(req.db).partners(of: org.id!).map { ($0.id!, $0.name) })
        let free = try await store.freeSlots(hours)
        var cards: [HourCard] = []
        for hour in hours {
            cards.append(HourCard(url: "/\(org.slug)/spreekuren/\(hour.id)", title: hour.title, partner: partners[hour.partnerID] ?? "",
                                  branch: words.branches[hour.branchID]?.name ?? "", when: words.formats.range(hour.range), walkIn: hour.isWalkIn,
                                  free: free[hour.id]?.count ?? 0))
        }
        return cards
    }

    func hours(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let words = try await Words.make(req, org)
        let store = ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone)
        let now = Date()
        let branch = req.query[String.self, at: "vestiging"].flatMap(UUID.init(uuidString:))
        let hours = try await store.hours(branch: branch, in: TimeRange(start: now, end: now.addingTimeInterval(28 * 86_400)))
        return try await PublicPages().render(req, "agenda/hours", HoursContext(
            page: try await Self.page(req, org, title: Locales.text("consult_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            hours: try await hourCards(req, org, hours, store: store, words: words)))
    }

    struct Slot: Encodable {
        let value: String
        let label: String
    }

    struct HourContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let card: HourCard
        let description: String?
        let slots: [Slot]
        let action: String
        let memberName: String?
    }

    static func hourRecord(_ req: Request, _ org: Organisation) async throws -> ConsultationHour {
        guard let id = req.parameters.get("hourID").flatMap(UUID.init(uuidString:)),
              let hour = try await ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone).hour(id), !hour.cancelled else {
            throw Abort(.notFound)
        }
        return hour
    }

    func hour(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let words = try await Words.make(req, org)
        let hour = try await Self.hourRecord(req, org)
        let store = ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone)
        let card = try await hourCards(req, org, [hour], store: store, words: words)[0]
        var memberName: String?
        if let member = Self.signedIn(req, org) { memberName = try await Member.find(member, on: req.db)?.name }
        let minutes = Double(hour.slotMinutes ?? 0) * 60
        return try await PublicPages().render(req, "agenda/hour", HourContext(
            page: try await Self.page(req, org, title: hour.title), organisation: org.name, orgURL: "/\(org.slug)", card: card,
            description: hour.description.isEmpty ? nil : hour.description,
            slots: try await store.freeSlots(hour).map { Slot(value: $0.formatted(.iso8601), label: "\(words.formats.time($0))–\(words.formats.time($0.addingTimeInterval(minutes)))") },
            action: req.url.path, memberName: memberName))
    }

    struct SlotForm: Content {
        var slot: String?
        var name: String?
        var email: String?
        var question: String?
    }

    func bookSlot(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let hour = try await Self.hourRecord(req, org)
        let form = try req.content.decode(SlotForm.self)
        let member = try Self.memberForm(req, org)
        do {
            guard let slot = try Instant.parse(form.slot, field: "slot") else {
                throw BiebError.invalid("slot", "Choose a time.", nl: "Kies een tijd.")
            }
            let appointment = member == nil
                ? try await GuestRegistrations.bookAppointment(req, organisation: org, hour: hour.id, slot: slot, name: form.name, email: form.email,
                                                               question: form.question ?? "", language: lang.rawValue)
                : try await ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone).book(
                    hour: hour.id, slot: slot, member: member, name: form.name, email: form.email, question: form.question ?? "",
                    language: lang.rawValue)
            return req.redirect(to: "/\(org.slug)/afspraak-afzeggen/\(appointment.token ?? "")?nieuw=1", redirectType: .normal)
        } catch let error as BiebError where error.kind != .notFound {
            return MemberPortalPages.done(req, req.url.path, error.message(dutch: lang == .nl))
        }
    }

    struct AppointmentContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let card: HourCard
        let when: String
        let isNew: Bool
        let cancelled: Bool
        let action: String
    }

    func appointment(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let store = ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone)
        guard let appointment = try await store.appointment(token: req.parameters.get("token") ?? ""),
              let hour = try await store.hour(appointment.hourID) else { throw Abort(.notFound) }
        let words = try await Words.make(req, org)
        let minutes = Double(hour.slotMinutes ?? 0) * 60
        return try await PublicPages().render(req, "agenda/appointment", AppointmentContext(
            page: try await Self.page(req, org, title: Locales.text("appointment_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            card: try await hourCards(req, org, [hour], store: store, words: words)[0],
            when: words.formats.range(TimeRange(start: appointment.slotStart, end: appointment.slotStart.addingTimeInterval(minutes))),
            isNew: req.query[String.self, at: "nieuw"] != nil, cancelled: appointment.status != "booked", action: req.url.path))
    }

    func cancelAppointment(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let store = ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone)
        guard let appointment = try await store.appointment(token: req.parameters.get("token") ?? "") else { throw Abort(.notFound) }
        try await store.cancelAppointment(appointment.id)
        return MemberPortalPages.done(req, req.url.path, Locales.text("appointment_cancelled_done", Language.of(req)))
    }

    // MARK: Communities

    struct CommunityCard: Encodable {
        let id: String
        let name: String
        let description: String
        let contact: String
        let followers: Int
        let following: Bool
        let followURL: String
        let meetings: [ActivityCard]
    }

    struct CommunitiesContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let communities: [CommunityCard]
        let signedIn: Bool
        let signInURL: String
    }

    func communities(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let words = try await Words.make(req, org)
        let store = Communities(req.db, organisationID: org.id!)
        let member = Self.signedIn(req, org)
        let followed = Set(try await member.asyncMap { try await store.followed(by: $0).map(\.id) } ?? [])
        let programme = Programme(req.db, organisationID: org.id!, timeZone: org.zone)
        var cards: [CommunityCard] = []
        for community in try await store.all() {
            var filter = AgendaFilter(from: Date())
            filter.communityID = community.id
            filter.limit = 5
            cards.append(CommunityCard(id: community.id.uuidString, name: community.name, description: community.description, contact: community.contact,
                                       followers: community.followers, following: followed.contains(community.id),
                                       followURL: "/\(org.slug)/groepen/\(community.id)/volgen",
                                       meetings: try await programme.agenda(filter).map(words.card)))
        }
        return try await PublicPages().render(req, "agenda/communities", CommunitiesContext(
            page: try await Self.page(req, org, title: Locales.text("communities_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            communities: cards, signedIn: member != nil, signInURL: "/\(org.slug)/mijn/inloggen"))
    }

    struct FollowForm: Content {
        var follow: String?
    }

    func follow(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        guard let member = Self.signedIn(req, org) else { return req.redirect(to: "/\(org.slug)/mijn/inloggen", redirectType: .normal) }
        guard let id = req.parameters.get("communityID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let store = Communities(req.db, organisationID: org.id!)
        if (try req.content.decode(FollowForm.self)).follow == "0" {
            try await store.unfollow(id, member: member)
            return MemberPortalPages.done(req, "/\(org.slug)/groepen#g-\(id)", Locales.text("communities_unfollowed", lang))
        }
        try await store.follow(id, member: member)
        return MemberPortalPages.done(req, "/\(org.slug)/groepen#g-\(id)", Locales.text("communities_followed", lang))
    }

    // MARK: iCalendar feeds

    /// The agenda as iCalendar: `branch`, `kind`, `theme`, `audience` or one `activity`; the coming year.
    func feed(req: Request) async throws -> Response {
        let org = try await req.organisation()
        var filter = try ProgrammeAPIController.filter(req)
        filter.limit = 500
        filter.to = filter.to ?? filter.from.addingTimeInterval(366 * 86_400)
        let words = try await Words.make(req, org)
        let programme = Programme(req.db, organisationID: org.id!, timeZone: org.zone)
        var listings: [ActivityListing]
        if let one = try ProgrammeAPIController.uuidQuery(req, "activity") {
            listings = try await programme.listing(one).map { [$0] }?.filter { $0.activity.status != .draft } ?? []
        } else {
            listings = try await programme.agenda(filter)
        }
        var name = org.name + " – " + Locales.text("agenda_title", words.lang)
        if let branch = filter.branchID.flatMap({ words.branches[$0] }) { name += " – " + branch.name }
        if let theme = filter.theme { name += " – " + words.theme(theme) }
        return Self.ics(Self.calendar(listings, name: name, words: words, base: req.application.bieb.baseURL))
    }

    /// A member's own registrations (the secret address from the portal).
    func personalFeed(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let token = (req.parameters.get("feed") ?? "").replacingOccurrences(of: ".ics", with: "")
        guard let member = try await CalendarFeeds(req.db).member(token: token, organisation: org.id!) else { throw Abort(.notFound) }
        let programme = Programme(req.db, organisationID: org.id!, timeZone: org.zone)
        var listings: [ActivityListing] = []
        for registration in try await Registrations(req.db, organisationID: org.id!).registrations(member: member) where registration.status == .registered {
            if let listing = try await programme.listing(registration.activityID) { listings.append(listing) }
        }
        let words = try await Words.make(req, org)
        return Self.ics(Self.calendar(listings, name: org.name + " – " + Locales.text("agenda_my_feed", words.lang), words: words,
                                      base: req.application.bieb.baseURL))
    }

    static func calendar(_ listings: [ActivityListing], name: String, words: Words, base: String) -> ICalendar {
        let host = URL(string: base)?.host ?? "bieb.localhost"
        var events: [ICalendar.Event] = []
        for listing in listings {
            let a = listing.activity
            for (index, session) in listing.sessions.enumerated() {
                let summary = listing.sessions.count > 1 ? "\(a.title) (\(index + 1)/\(listing.sessions.count))" : a.title
                events.append(ICalendar.Event(
                    uid: "activity-\(a.id.uuidString.lowercased())-\(session.id)@\(host)", start: session.range.start, end: session.range.end,
                    summary: summary, description: a.description, location: words.place(a), url: base + "/\(words.org.slug)/agenda/\(a.id)",
                    categories: [words.kind(a.kind)] + a.themes.map(words.theme), cancelled: a.status == .cancelled, lastModified: a.updatedAt))
            }
        }
        return ICalendar(name: name, events: events)
    }

    static func ics(_ calendar: ICalendar) -> Response {
        let response = Response(status: .ok, body: .init(string: calendar.text(stamp: Date())))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return response
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): return try await transform(value)
        case .none: return nil
        }
    }
}
