import Foundation
import Vapor
import BiebCore
import BiebStore

/// The districts' profiles (`/staff/netwerk/gebieden`): for each district its
/// inhabitants, members per 1,000 (youth apart), active members, loans per
/// inhabitant, activities and its library — as the API shows them, members
/// and loans under 5 as "<5". One district's page
/// (`/staff/netwerk/gebieden/{code}`) adds its age groups as a chart with
/// their table, the nearest location of every kind, and the focus of its
/// library with its history and a form to record a new one (read as the API
/// reads it, `FocusFields`).
struct AreaPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("netwerk", "gebieden", use: index)
        staff.get("netwerk", "gebieden", ":code", use: show)
        staff.post("netwerk", "gebieden", ":code", "profiel", use: setFocus)
    }

    struct Line: Encodable {
        let code: String
        let name: String
        let estimate: Bool
        let inhabitants: String
        let members: String
        let perThousand: String
        let youthPerThousand: String
        let active: String
        let loansPerInhabitant: String
        let activities: String
        let library: String
        let distance: String
        let focus: String
    }

    struct IndexContext: Encodable {
        let page: PageContext
        let lines: [Line]
    }

    static func line(_ p: PlanningDTO.Profile, _ page: StaffPages.Page, _ formats: Formats) -> Line {
        func rate(_ value: Double?, _ digits: Int) -> String { value.map { formats.decimal($0, digits: digits) } ?? "–" }
        return Line(code: p.code, name: p.name, estimate: p.estimate, inhabitants: formats.count(p.inhabitants), members: formats.figure(p.members),
                    perThousand: rate(p.members_per_1000, 1), youthPerThousand: rate(p.youth_members_per_1000_under_15, 1), active: formats.figure(p.active_members),
                    loansPerInhabitant: rate(p.loans_per_inhabitant, 2), activities: formats.count(p.activities), library: p.library?.name ?? "–",
                    distance: p.library.map { formats.decimal($0.distance_km, digits: 1) + " km" } ?? "–",
                    focus: p.focus.flatMap(BranchFocus.init(rawValue:)).map { $0.name(english: page.lang == .en) } ?? "–")
    }

    func index(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req)
        let page = try await StaffPages.Page(req)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let lines = try await service.profileDTOs().map { Self.line($0, page, formats) }
        return try await page.render("staff/areas", IndexContext(page: page.context(page.t("planning_areas_title")), lines: lines))
    }

    struct Nearest: Encodable {
        let kind: String
        let name: String
        let distance: String
        let minutes: Int
    }

    struct History: Encodable {
        let branch: String
        let focus: String
        let reason: String
        let setBy: String
        let setAt: String
    }

    struct ShowContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let canManage: Bool
        let line: Line
        let source: String
        let ages: [String]
        let ageNames: [String]
        let chart: String
        let gap: Bool
        let nearest: [Nearest]
        let branches: [FormOption]
        let foci: [FormOption]
        let history: [History]
    }

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil)
    }

    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?) async throws -> Response {
        let service = try await PlanningService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let code = (req.parameters.get("code") ?? "").uppercased()
        guard let profile = try await service.profileDTOs().first(where: { $0.code == code }) else {
            throw BiebError.notFound("area", nl: "Gebied niet gevonden.")
        }
        let area = try await service.areas.area(code)
        let ages = area.record.ages?.all ?? []
        let chart = BarChart(title: page.t("planning_ages_chart", ["area": profile.name]), summary: page.t("planning_ages_summary"),
                             labels: AgeGroups.names, series: [BarChart.Series(name: page.t("planning_inhabitants"), values: ages)], locale: page.lang.locale)
        let library = profile.library.flatMap { place in service.branches.first { $0.id.uuidString == place.branch } }
        let typed = refused?.form ?? FormValues(["branch": [library?.slug ?? ""], "focus": [profile.focus ?? ""], "reason": [""]])
        let history = try await service.planning.focusHistory(branch: library?.id).map { f in
            History(branch: service.branches.first { $0.id == f.branch }?.name ?? "", focus: f.focus.name(english: english), reason: f.reason,
                    setBy: f.setBy, setAt: formats.moment(f.setAt))
        }
        let kindNames = PlanningService.kindNames(page)
        let nearest = BranchKind.allCases.compactMap { kind -> Nearest? in
            guard let place = profile.nearest[kind.rawValue] else { return nil }
            return Nearest(kind: kindNames[kind] ?? kind.rawValue, name: place.name, distance: formats.decimal(place.distance_km, digits: 1) + " km",
                           minutes: place.walking_minutes)
        }
        return try await page.render("staff/area", ShowContext(
            page: page.context(profile.name), errors: page.formErrors(refused?.error, fields: FocusFields.names), form: typed,
            canManage: service.user.can(.managePlanning), line: Self.line(profile, page, formats), source: area.source,
            ages: ages.map(formats.count), ageNames: AgeGroups.names, chart: ages.isEmpty ? "" : chart.svg(id: "leeftijden"), gap: profile.gap, nearest: nearest,
            branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: typed["branch"] == $0.slug) },
            foci: BranchFocus.allCases.map { FormOption(value: $0.rawValue, label: $0.name(english: english), selected: typed["focus"] == $0.rawValue) },
            history: history), status: refused == nil ? .ok : .unprocessableEntity)
    }

    func setFocus(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let code = (req.parameters.get("code") ?? "").uppercased()
        do {
            var fields = try req.content.decode(FocusFields.self)
            fields.area = code
            let focus = try fields.decoded(service)
            try await service.planning.setFocus(branch: focus.branch.id, focus: focus.focus, reason: focus.reason, area: focus.area, by: service.staffName)
            return req.redirect(to: "/staff/netwerk/gebieden/\(code)", done: "planning_focus_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: (error, FormValues(req)))
        }
    }
}
