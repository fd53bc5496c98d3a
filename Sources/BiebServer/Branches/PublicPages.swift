import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The public pages: organisations, their branches with live opening status,
/// and a page per branch. Dutch by default, English by `?lang=en` or
/// Accept-Language. No JavaScript.
struct PublicPages: RouteCollection {
    /// Paths that can never be an organisation slug.
    static let reserved: Set<String> = ["api", "staff", "health", "metrics", "css", "static", "favicon.ico", "robots.txt", "oai", "sru"]

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
        let pages = routes.publicPages()
        pages.get(":org", use: organisation)
        pages.get(":org", ":branch", use: branch)
    }

    struct OrgCard: Encodable {
        let name: String
        let url: String
        let branches: Int
        let openNow: Int
    }

    func home(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let directory = req.branches
        var cards: [OrgCard] = []
        let now = Date()
        for org in try await directory.organisations() {
            let branches = try await directory.branches(of: try org.requireID())
            let calendars = try await directory.calendars(of: branches, timeZone: org.zone,
                                                          exceptionsFrom: LocalDate(now, in: org.zone).adding(days: -1))
            let open = calendars.values.filter { $0.level(at: now) != .closed }.count
            cards.append(OrgCard(name: org.name, url: "/\(org.slug)", branches: branches.count, openNow: open))
        }
        struct Context: Encodable {
            let page: PageContext
            let organisations: [OrgCard]
        }
        let page = PageContext(req, lang: lang, title: "Bieb")
        return try await render(req, "home", Context(page: page, organisations: cards))
    }

    struct BranchRow: Encodable {
        let name: String
        let url: String
        let kind: String
        let address: String?
        let open: Bool
        let level: String
        let status: String
        let facilities: [String]?
    }

    func organisation(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let directory = req.branches
        guard let org = try await directory.organisation(slug: req.parameters.get("org") ?? "") else {
            throw Abort(.notFound)
        }
        let now = Date()
        let words = BranchPresentation(lang: lang, timeZone: org.zone)
        let branches = try await directory.branches(of: try org.requireID())
        let ids = branches.map { $0.id! }
        let calendars = try await directory.calendars(of: branches, timeZone: org.zone, exceptionsFrom: LocalDate(now, in: org.zone).adding(days: -1))
        let facilities = try await directory.facilities(of: ids)
        let onlyOpen = req.query[String.self, at: "open"] == "now"
        var rows: [BranchRow] = []
        for branch in branches {
            let status = calendars[branch.id!]!.status(at: now)
            if onlyOpen && !status.isOpen { continue }
            rows.append(BranchRow(name: branch.name, url: "/\(org.slug)/\(branch.slug)", kind: words.kindName(branch.kind),
                                  address: [branch.street, branch.city].filter { !$0.isEmpty }.joined(separator: ", ").nonEmpty,
                                  open: status.isOpen, level: status.level.rawValue, status: words.statusText(status, now: now),
                                  facilities: Self.facilityTexts(facilities[branch.id!] ?? BranchFacilities(), lang).nonEmpty))
        }
        struct Context: Encodable {
            let page: PageContext
            let organisation: String
            let orgURL: String
            let branches: [BranchRow]
            let onlyOpen: Bool
            let openCount: Int
            let total: Int
        }
        let page = PageContext.organisation(req, org, title: org.name)
        return try await render(req, "branches", Context(page: page, organisation: org.name, orgURL: "/\(org.slug)", branches: rows,
                                                         onlyOpen: onlyOpen, openCount: rows.filter(\.open).count, total: branches.count))
    }

    static func facilityTexts(_ f: BranchFacilities, _ lang: Language) -> [String] {
        var texts: [String] = []
        if f.studyPlaces > 0 { texts.append(Locales.text("facility_study_places", lang, count: f.studyPlaces)) }
        if f.rooms > 0 { texts.append(Locales.text("facility_rooms", lang, count: f.rooms)) }
        if f.publicComputers > 0 { texts.append(Locales.text("facility_computers", lang, count: f.publicComputers)) }
        return texts
    }

    func branch(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let directory = req.branches
        guard let org = try await directory.organisation(slug: req.parameters.get("org") ?? ""),
              let branch = try await directory.branch(slug: req.parameters.get("branch") ?? "", in: try org.requireID()), branch.active else {
            throw Abort(.notFound)
        }
        let now = Date()
        let today = LocalDate(now, in: org.zone)
        let words = BranchPresentation(lang: lang, timeZone: org.zone)
        let calendar = try await directory.calendar(of: branch, timeZone: org.zone, exceptionsFrom: today.adding(days: -1))
        let status = calendar.status(at: now)
        // The coming exceptions as the calendar applies them (an overlap listed once, as it counts),
        // those that start within 90 days to their last day.
        let horizon = calendar.exceptions.filter { $0.endDate >= today && $0.startDate <= today.adding(days: 90) }
            .map(\.endDate).max() ?? today
        let upcoming = calendar.exceptionsAsTheyApply(from: today, through: horizon)
        let regular = calendar.schedule(on: today)
        let defaultSchedule = calendar.schedules.first(where: \.isDefault)
        let seasonal = calendar.schedules.filter { !$0.isDefault && ($0.validUntil ?? today) >= today }
            .sorted { $0.validFrom! < $1.validFrom! }
        let spaces = try await directory.spaces(of: branch.id!)
        let partners = try await PartnerDirectory(req.db).partners(ofBranch: branch.id!)
        let facilities = BranchFacilities(spaces: spaces.map { ($0.kind, $0.capacity) })
        let conditions = branch.selfServiceConditions
        let hasSelfService = calendar.schedules.contains { $0.periods.contains { $0.level == .selfService } }

        struct SeasonView: Encodable {
            let name: String
            let dates: String
            let week: [BranchPresentation.WeekRow]
        }
        struct SpaceView: Encodable {
            let name: String
            let kind: String
            let capacity: String
            let facilities: String
        }
        struct PartnerView: Encodable {
            let name: String
            let role: String
            let website: String?
        }
        struct Context: Encodable {
            let page: PageContext
            let organisation: String
            let orgURL: String
            let name: String
            let kind: String
            let street: String
            let postcode: String
            let city: String
            let neighbourhood: String?
            let phone: String?
            let email: String?
            let description: String?
            let mapURL: String?
            let open: Bool
            let level: String
            let status: String
            let days: [BranchPresentation.DayRow]
            let week: [BranchPresentation.WeekRow]
            let weekName: String?
            let seasons: [SeasonView]
            let exceptions: [BranchPresentation.ExceptionRow]?
            let facilities: [String]?
            let spaces: [SpaceView]?
            let partners: [PartnerView]?
            let selfService: String?
            let jsonLD: String
            /// Partners' consultation hours (walk-in and by appointment) in the coming week.
            let hours: [HourView]?
            let agendaURL: String
            /// "117 of 250 study places free now" while open.
            let studyFree: String?
        }
        struct HourView: Encodable {
            let title: String
            let partner: String
            let when: String
            let walkIn: Bool
            let url: String
        }
        let consultation = try await ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
            .hours(branch: branch.id!, in: Self.thisWeek(from: now, in: org.zone))
        let partnerNames = Dictionary(uniqueKeysWithValues: partners.map { ($0.partner.id!, $0.partner.name) })
        let study = try await SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone).freeStudyPlaces(branch: branch.id!, at: now)
            .filter { $0.space.bookable }
        let studyFree: String? = status.isOpen && !study.isEmpty
            ? Locales.text("branch_study_free_now", lang, ["free": String(study.map(\.free).reduce(0, +)),
                                                           "places": String(study.map(\.space.capacity).reduce(0, +))]) : nil
        let mapURL: String? = branch.latitude.flatMap { lat in
            branch.longitude.map { lon in "https://www.openstreetmap.org/?mlat=\(lat)&mlon=\(lon)#map=17/\(lat)/\(lon)" }
        }
        let selfService: String? = hasSelfService
            ? Locales.text("branch_self_service_conditions", lang, [
                "age": String(conditions.minimumAge),
                "months": String(max(1, Int((Double(conditions.minimumMembershipDays) / 30).rounded()))),
            ]) : nil
        let url = req.bieb.baseURL + "/\(org.slug)/\(branch.slug)"
        let page = PageContext.organisation(req, org, title: branch.name)
        let context = Context(
            page: page, organisation: org.name, orgURL: "/\(org.slug)", name: branch.name, kind: words.kindName(branch.kind),
            street: branch.street, postcode: branch.postcode, city: branch.city, neighbourhood: branch.neighbourhood.nonEmpty,
            phone: branch.phone.nonEmpty, email: branch.email.nonEmpty,
            description: (lang == .en && !branch.descriptionEN.isEmpty ? branch.descriptionEN : branch.descriptionNL).nonEmpty,
            mapURL: mapURL, open: status.isOpen, level: status.level.rawValue, status: words.statusText(status, now: now),
            days: words.days(calendar, from: today, count: 7),
            week: (defaultSchedule ?? regular).map(words.week) ?? [],
            weekName: defaultSchedule?.name.nonEmpty,
            seasons: seasonal.map { SeasonView(name: $0.name, dates: "\(words.formats.longDate($0.validFrom!)) – \(words.formats.longDate($0.validUntil!))", week: words.week($0)) },
            exceptions: upcoming.map { words.exceptionRow($0) }.nonEmpty,
            facilities: Self.facilityTexts(facilities, lang).nonEmpty,
            spaces: spaces.map { SpaceView(name: $0.name, kind: Locales.text("space_\($0.kindRaw)", lang), capacity: String($0.capacity),
                                           facilities: $0.facilities) }.nonEmpty,
            partners: partners.map { PartnerView(name: $0.partner.name, role: $0.role, website: $0.partner.website.nonEmpty) }.nonEmpty,
            selfService: selfService,
            jsonLD: BranchJSONLD.make(branch: branch, organisation: org, schedule: defaultSchedule ?? regular, exceptions: upcoming, url: url),
            hours: consultation.map { HourView(title: $0.title, partner: partnerNames[$0.partnerID] ?? "", when: words.formats.range($0.range),
                                               walkIn: $0.isWalkIn, url: "/\(org.slug)/spreekuren/\($0.id)") }.nonEmpty,
            agendaURL: "/\(org.slug)/agenda?vestiging=\(branch.id!)", studyFree: studyFree)
        return try await render(req, "branch", context)
    }

    func render(_ req: Request, _ template: String, _ context: some Encodable) async throws -> Response {
        let response = try await req.view.render(template, context).encodeResponse(for: req)
        response.rememberLanguage(from: req)
        response.headers.replaceOrAdd(name: .contentLanguage, value: Language.of(req).rawValue)
        return response
    }
}

extension PublicPages {
    /// "This week" on a branch page: from the start of today (an hour earlier today still counts)
    /// through the end of the sixth day after it.
    static func thisWeek(from now: Date, in zone: TimeZone) -> TimeRange {
        let today = LocalDate(now, in: zone)
        return TimeRange(start: LocalClock.instant(of: today, minute: 0, in: zone),
                         end: LocalClock.instant(of: today.adding(days: 7), minute: 0, in: zone))
    }
}
