import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The member's own side of the programme (`/{org}/mijn/…`): their
/// registrations (cancel one), followed communities, the secret address of
/// their calendar feed; and study places — free now per branch, book one
/// for today or another day, cancel.
struct MemberProgrammePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let mine = routes.memberPages()
        mine.get("activiteiten", use: activities)
        mine.post("activiteiten", ":registrationID", "afmelden", use: cancel)
        mine.post("activiteiten", "agenda-adres", use: feed)
        mine.get("studieplekken", use: studyPlaces)
        mine.post("studieplekken", use: bookStudyPlace)
        mine.post("studieplekken", ":bookingID", "annuleren", use: cancelStudyPlace)
    }

    let pages = MemberPageFrame()

    // MARK: Registrations

    struct Line: Encodable {
        let id: Int
        let title: String
        let url: String
        let when: String
        let place: String
        let status: String
        let cancelURL: String
    }

    struct ActivitiesBody: Encodable {
        let lines: [Line]
        let communities: [String]
        let feedURL: String?
        let feedAction: String
        let agendaURL: String
        let communitiesURL: String
    }

    func activities(req: Request) async throws -> Response {
        let (org, service, account) = try await pages.authorized(req)
        let lang = Language.of(req)
        let words = try await AgendaPages.Words.make(req, org)
        let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        var lines: [Line] = []
        for registration in try await Registrations(req.db, organisationID: try org.requireID()).registrations(member: account) {
            guard let listing = try await programme.listing(registration.activityID) else { continue }
            lines.append(Line(id: registration.id, title: listing.activity.title, url: "/\(org.slug)/agenda/\(listing.activity.id)",
                              when: words.when(listing), place: words.place(listing.activity),
                              status: Locales.text("registration_status_\(registration.status.rawValue)", lang),
                              cancelURL: MemberPortalPages.base(org) + "/activiteiten/\(registration.id)/afmelden"))
        }
        let communities = try await Communities(req.db, organisationID: try org.requireID()).followed(by: account).map(\.name)
        let token = try await CalendarFeeds(req.db).token(member: account)
        return try await pages.render(req, "portal/activities", title: Locales.text("portal_activities", lang), org: org, service: service,
                                      account: account, body: ActivitiesBody(
                                        lines: lines, communities: communities,
                                        feedURL: token.map { req.application.bieb.baseURL + "/\(org.slug)/agenda/mijn/\($0).ics" },
                                        feedAction: MemberPortalPages.base(org) + "/activiteiten/agenda-adres",
                                        agendaURL: "/\(org.slug)/agenda", communitiesURL: "/\(org.slug)/groepen"))
    }

    func cancel(req: Request) async throws -> Response {
        let (org, service, account) = try await pages.authorized(req)
        let lang = Language.of(req)
        guard let id = req.parameters.get("registrationID").flatMap(Int.init) else { throw Abort(.notFound) }
        do {
            try await Registrations(req.db, organisationID: try org.requireID()).cancel(id, member: account)
            return pages.back(req, org, "/activiteiten", account, service, Locales.text("registration_cancelled_done", lang))
        } catch let error as BiebError {
            return pages.back(req, org, "/activiteiten", account, service, error.message(dutch: lang == .nl))
        }
    }

    struct FeedForm: Content {
        var stop: String?
    }

    /// A new secret feed address (the old one stops working), or none.
    func feed(req: Request) async throws -> Response {
        let (org, service, account) = try await pages.authorized(req)
        let lang = Language.of(req)
        if (try req.content.decode(FeedForm.self)).stop != nil {
            try await CalendarFeeds(req.db).revoke(member: account)
            return pages.back(req, org, "/activiteiten", account, service, Locales.text("portal_feed_stopped", lang))
        }
        _ = try await CalendarFeeds(req.db).renew(member: account)
        return pages.back(req, org, "/activiteiten", account, service, Locales.text("portal_feed_made", lang))
    }

    // MARK: Study places

    struct Area: Encodable {
        let branch: String
        let name: String
        let free: Int
        let places: Int
    }

    struct Booking: Encodable {
        let when: String
        let branch: String
        let cancelURL: String
    }

    struct StudyBody: Encodable {
        let areas: [Area]
        let branches: [FormOption]
        let bookings: [Booking]
        let action: String
        let today: String
        let from: String
        let until: String
    }

    func studyPlaces(req: Request) async throws -> Response {
        let (org, service, account) = try await pages.authorized(req)
        let lang = Language.of(req)
        let now = Date()
        let formats = Formats(lang: lang, timeZone: org.zone)
        let store = SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        let names = Dictionary(uniqueKeysWithValues: service.branches.map { ($0.id, $0.name) })
        // The bookable study areas of the organisation's open branches, with places free now.
        let free = try await store.freeStudyPlaces(branches: service.branches.filter(\.active).map(\.id), at: now).filter { $0.space.bookable }
        let areas = free.map { Area(branch: names[$0.space.$branch.id] ?? "", name: $0.space.name, free: $0.free, places: $0.space.capacity) }
            .sorted { ($0.branch, $0.name) < ($1.branch, $1.name) }
        let branches = service.branches.filter { branch in free.contains { $0.space.$branch.id == branch.id } }
        let bookings = try await store.bookings(member: account, in: TimeRange(start: now, end: now.addingTimeInterval(62 * 86_400))).map {
            Booking(when: formats.range($0.range), branch: names[$0.branchID] ?? "",
                    cancelURL: MemberPortalPages.base(org) + "/studieplekken/\($0.id)/annuleren")
        }
        let minute = LocalClock.minuteOfDay(of: now, in: org.zone)
        let start = min(((minute + 29) / 30) * 30, 23 * 60)
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        let home = (try? await service.members.member(account))?.homeBranchID
        return try await pages.render(req, "portal/study", title: Locales.text("portal_study_places", lang), org: org, service: service,
                                      account: account, body: StudyBody(
                                        areas: areas, branches: branches.map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == home) },
                                        bookings: bookings, action: MemberPortalPages.base(org) + "/studieplekken",
                                        today: LocalDate(now, in: org.zone).iso, from: hhmm(start), until: hhmm(min(start + 240, 23 * 60 + 30))))
    }

    struct StudyForm: Content {
        var branch: String?
        var date: String?
        var from: String?
        var until: String?
    }

    func bookStudyPlace(req: Request) async throws -> Response {
        let (org, service, account) = try await pages.authorized(req)
        let lang = Language.of(req)
        let form = try req.content.decode(StudyForm.self)
        do {
            let branch = try service.branch(form.branch, field: "branch")
            guard let day = LocalDate(iso: form.date ?? "") else { throw BiebError.invalid("date", "Give a date.", nl: "Geef een datum.") }
            guard let from = LocalTime(form.from ?? ""), let until = LocalTime(form.until ?? ""), until.minuteOfDay > from.minuteOfDay else {
                throw BiebError.invalid("until", "Give a start and a later end (HH:MM).", nl: "Geef een begin en een later einde (UU:MM).")
            }
            let range = TimeRange(start: LocalClock.instant(of: day, minute: from.minuteOfDay, in: org.zone),
                                  end: LocalClock.instant(of: day, minute: until.minuteOfDay, in: org.zone))
            _ = try await SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone).bookStudyPlace(branch: branch.id, range: range, member: account)
            return pages.back(req, org, "/studieplekken", account, service, Locales.text("portal_study_booked", lang))
        } catch let error as BiebError {
            return pages.back(req, org, "/studieplekken", account, service, error.message(dutch: lang == .nl))
        }
    }

    func cancelStudyPlace(req: Request) async throws -> Response {
        let (org, service, account) = try await pages.authorized(req)
        let lang = Language.of(req)
        guard let id = req.parameters.get("bookingID").flatMap(Int.init) else { throw Abort(.notFound) }
        do {
            try await SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone).cancel(id, member: account)
            return pages.back(req, org, "/studieplekken", account, service, Locales.text("portal_study_cancelled", lang))
        } catch let error as BiebError {
            return pages.back(req, org, "/studieplekken", account, service, error.message(dutch: lang == .nl))
        }
    }
}
