import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The public page of one activity (with its registration form and schema.org
/// `Event` data) and the page behind the link in a registration's mail
/// (confirm, cancel).
extension AgendaPages {
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
        /// The registration form as typed (again after an error) and what was wrong with it.
        let form: RegisterForm
        let errors: FormErrors?
    }

    static func listing(_ req: Request, _ org: Organisation) async throws -> ActivityListing {
        guard let id = req.parameters.get("activityID").flatMap(UUID.init(uuidString:)),
              let listing = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).listing(id),
              listing.activity.status != .draft else { throw Abort(.notFound) }
        return listing
    }

    func activity(req: Request) async throws -> Response {
        let org = try await req.organisation()
        return try await activityPage(req, org, try await Self.listing(req, org), form: RegisterForm(places: 1), errors: nil)
    }

    /// The activity's page; after a rejected registration with the form as typed and its errors.
    func activityPage(_ req: Request, _ org: Organisation, _ listing: ActivityListing, form: RegisterForm, errors: FormErrors?,
                      status: HTTPStatus = .ok) async throws -> Response {
        let lang = Language.of(req)
        let words = try await Words.make(req, org)
        let a = listing.activity
        let now = Date()
        let partners = try await PartnerDirectory(req.db).partners(of: try org.requireID()).filter { a.partnerIDs.contains($0.id!) }.map(\.name)
        let series = try await a.seriesID.asyncMap { id in try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).series().first { $0.id == id }?.title }
        var closed: String?
        if a.status == .cancelled { closed = Locales.text("agenda_cancelled", lang) }
        else if a.registration == .none { closed = Locales.text("agenda_no_registration", lang) }
        else if (listing.firstStart ?? now) <= now { closed = Locales.text("agenda_begun", lang) }
        var memberName: String?
        if let member = Self.signedIn(req, org) { memberName = try await Member.find(member, on: req.db)?.name }
        let list = try await a.listID.asyncMap { try await TitleList.find($0, on: req.db) }
        let url = req.application.bieb.baseURL + "/\(org.slug)/agenda/\(a.id)"
        let context = ActivityContext(
            page: .organisation(req, org, title: a.title), organisation: org.name, orgURL: "/\(org.slug)", agendaURL: "/\(org.slug)/agenda",
            card: words.card(listing), description: a.description.components(separatedBy: "\n\n").filter { !$0.trimmed.isEmpty },
            sessions: listing.sessions.map { SessionLine(when: words.formats.range($0.range), past: $0.range.end <= now) },
            language: a.language == "nl" ? nil : Locale(identifier: lang.rawValue).localizedString(forLanguageCode: a.language) ?? a.language,
            accessibility: a.accessibility.isEmpty ? nil : a.accessibility, organiser: a.organiser.isEmpty ? nil : a.organiser,
            partners: partners, series: series ?? nil, imageURL: a.imageURL.isEmpty ? nil : a.imageURL,
            listURL: (list ?? nil).map { "/\(org.slug)/lijsten/\($0.slug)" }, open: closed == nil, closedReason: closed,
            action: "/\(org.slug)/agenda/\(a.id)/aanmelden", memberName: memberName, paid: a.registration == .paid,
            signInURL: "/\(org.slug)/mijn/inloggen?terug=" + (req.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
            jsonLD: Self.jsonLD(listing, words: words, url: url), calendarURL: "/\(org.slug)/agenda.ics?activity=\(a.id)",
            form: form, errors: errors)
        let response = try await PublicPages().render(req, "agenda/activity", context)
        response.status = status
        return response
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
        /// The box "you may ask me a few questions afterwards" ("on" when ticked).
        var research: String?
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
                                                                         email: form.email, places: form.places ?? 1, language: lang.rawValue,
                                                                         researchConsent: form.research == "on")
                let until = registration.confirmBy.map { Formats(lang: lang, timeZone: org.zone).moment($0) } ?? ""
                return MemberPortalPages.done(req, back, Locales.text("registration_check_mail", lang, ["until": until]))
            }
            let registration = try await Registrations(req.db, organisationID: try org.requireID()).register(
                for: listing.activity.id, RegistrationRequest(member: member, places: form.places ?? 1, language: lang.rawValue,
                                                                researchConsent: form.research == "on"))
            guard let token = registration.token else { return req.redirect(to: back, redirectType: .normal) }
            return req.redirect(to: "/\(org.slug)/afmelden/\(token)?nieuw=1", redirectType: .normal)
        } catch let error as BiebError where error.kind != .notFound {
            // The page again, with the error next to its field and in a summary at the top, and the form as typed.
            return try await activityPage(req, org, listing, form: form, errors: FormErrors(error, lang: lang, known: ["name", "email", "places"]),
                                          status: error.httpStatus)
        }
    }

    // MARK: A registration (the link in the messages)

    struct RegistrationContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let card: ActivityCard
        let status: String
        /// "2 plaatsen", "1 plaats".
        let places: String
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
        guard let registration = try await Registrations(req.db, organisationID: try org.requireID()).registration(token: req.parameters.get("token") ?? ""),
              let listing = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).listing(registration.activityID) else {
            throw Abort(.notFound)
        }
        let words = try await Words.make(req, org)
        let context = RegistrationContext(
            page: .organisation(req, org, title: Locales.text("registration_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            card: words.card(listing), status: Locales.text("registration_status_\(registration.status.rawValue)", lang),
            places: "\(registration.places) " + Locales.text("registration_places", lang, count: registration.places), isNew: req.query[String.self, at: "nieuw"] != nil,
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
            try await Registrations(req.db, organisationID: try org.requireID()).confirm(token: token)
            return MemberPortalPages.done(req, page, Locales.text("registration_confirmed_done", lang))
        } catch let error as BiebError where error.kind != .notFound {
            return MemberPortalPages.done(req, page, error.message(dutch: lang == .nl))
        }
    }

    /// Cancels by the link's form (a POST: mail scanners that open links do not cancel anything).
    func cancelRegistration(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let registrations = Registrations(req.db, organisationID: try org.requireID())
        guard let registration = try await registrations.registration(token: req.parameters.get("token") ?? "") else { throw Abort(.notFound) }
        do {
            try await registrations.cancel(registration.id)
            return MemberPortalPages.done(req, req.url.path, Locales.text("registration_cancelled_done", lang))
        } catch let error as BiebError {
            return MemberPortalPages.done(req, req.url.path, error.message(dutch: lang == .nl))
        }
    }
}
