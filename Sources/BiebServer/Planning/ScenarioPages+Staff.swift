import Foundation
import Vapor
import BiebCore
import BiebStore

/// Scenarios for the branch network (`/staff/netwerk/scenarios`): every saved
/// scenario side by side against the network as it is — inhabitants covered
/// and lost, the average distance, the libraries and gaps after — and a form
/// for a new one: up to three branches opened at a point and any branches
/// closed (read as the API reads a scenario, `ScenarioFields`). One
/// scenario's page (`/staff/netwerk/scenarios/{id}`) shows the network
/// before and after, with the map after. Nothing here changes a branch.
struct ScenarioPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("netwerk", "scenarios", use: index)
        staff.post("netwerk", "scenarios", use: save)
        staff.get("netwerk", "scenarios", ":id", use: show)
        staff.post("netwerk", "scenarios", ":id", "verwijderen", use: delete)
    }

    /// The rows for branches opened on the form.
    static let openRows = 3

    struct Compared: Encodable {
        let id: Int
        let name: String
        let changes: [String]
        let covered: String
        let lost: String
        let distanceChange: String
        let libraries: Int
        let gaps: Int
        let overNorm: Int
    }

    struct OpenRow: Encodable {
        let n: Int
        let name: String
        let latitude: String
        let longitude: String
        let kinds: [FormOption]
        let error: String?
    }

    struct IndexContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let canManage: Bool
        let now: Compared?
        let scenarios: [Compared]
        let rows: [OpenRow]
        let closable: [FormOption]
        let closeError: String?
    }

    /// A change in words ("Opens Bibliotheek Zuid (district library) at 52.045, 4.3").
    static func words(_ change: Scenario.Change, _ service: PlanningService, _ page: StaffPages.Page, _ formats: Formats) -> String {
        switch change {
        case .open(let name, let kind, let point):
            return page.t("planning_change_open", ["name": name, "kind": PlanningService.kindNames(page)[kind] ?? kind.rawValue,
                                                   "point": "\(formats.decimal(point.latitude, digits: 4)); \(formats.decimal(point.longitude, digits: 4))"])
        case .close(let branch):
            return page.t("planning_change_close", ["name": service.branches.first { $0.id.uuidString == branch }?.name ?? branch])
        }
    }

    func index(req: Request) async throws -> Response {
        try await renderIndex(req, refused: nil)
    }

    func renderIndex(_ req: Request, refused: (error: BiebError, form: FormValues, ids: [String: String])?) async throws -> Response {
        let service = try await PlanningService.make(req)
        let page = try await StaffPages.Page(req)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let basis = try await service.planning.basis()
        let network = Coverage.compute(areas: basis.planned, branches: basis.branches, settings: basis.settings)
        func signed(_ km: Double) -> String { (km > 0 ? "+" : "") + formats.decimal(km, digits: 2) + " km" }
        let compared = try await service.scenarios.all().map { saved in
            let outcome = saved.scenario.outcome(areas: basis.planned, branches: basis.branches, settings: basis.settings, before: network)
            return Compared(id: saved.id, name: saved.name, changes: saved.changes.map { Self.words($0, service, page, formats) },
                            covered: formats.count(outcome.covered), lost: formats.count(outcome.lost), distanceChange: signed(outcome.averageDistanceChange),
                            libraries: outcome.after.libraries, gaps: outcome.after.gaps.count, overNorm: outcome.after.overNorm.count)
        }
        let typed = refused?.form ?? FormValues()
        let errors = page.formErrors(refused?.error, ids: refused?.ids ?? [:])
        let errorField = refused?.error.field
        func rowError(_ n: Int) -> String? {
            guard let field = errorField, refused?.ids[field] == "open_name_\(n)" else { return nil }
            return refused?.error.message(dutch: page.lang == .nl)
        }
        let kindNames = PlanningService.kindNames(page)
        let rows = (1...Self.openRows).map { n in
            OpenRow(n: n, name: typed["open_name_\(n)"] ?? "", latitude: typed["open_latitude_\(n)"] ?? "", longitude: typed["open_longitude_\(n)"] ?? "",
                    kinds: [BranchKind.district, .central, .neighbourhood, .outreachPoint, .partnerHosted].map {
                        FormOption(value: $0.rawValue, label: kindNames[$0] ?? $0.rawValue, selected: (typed["open_kind_\(n)"] ?? "district") == $0.rawValue)
                    }, error: rowError(n))
        }
        let closable = basis.branches.filter(\.isLibrary).compactMap { planned -> FormOption? in
            guard let label = service.branches.first(where: { $0.id.uuidString == planned.id }) else { return nil }
            return FormOption(value: label.slug, label: label.name, selected: typed.contains("close", label.slug))
        }
        let closeError = errorField.flatMap { refused?.ids[$0] == "close" ? refused?.error.message(dutch: page.lang == .nl) : nil }
        return try await page.render("staff/scenarios", IndexContext(
            page: page.context(page.t("planning_scenarios_title")), errors: errors, form: typed, canManage: service.user.can(.managePlanning),
            now: Compared(id: 0, name: page.t("planning_network_now"), changes: [], covered: "–", lost: "–", distanceChange: "–",
                          libraries: network.libraries, gaps: network.gaps.count, overNorm: network.overNorm.count),
            scenarios: compared, rows: rows, closable: closable, closeError: closeError), status: refused == nil ? .ok : .unprocessableEntity)
    }

    /// The form as the API's scenario: the open rows that are filled, then the branches ticked to close; with each
    /// change's field (`change_N`) pointing at its row's first input.
    static func fields(_ form: FormValues) -> (fields: ScenarioFields, ids: [String: String]) {
        var changes: [ScenarioFields.Change] = []
        var ids: [String: String] = ["name": "name", "note": "note", "changes": "open_name_1"]
        for n in 1...openRows {
            let name = form["open_name_\(n)"]?.trimmed ?? "", latitude = form["open_latitude_\(n)"]?.trimmed ?? ""
            let longitude = form["open_longitude_\(n)"]?.trimmed ?? ""
            guard !(name.isEmpty && latitude.isEmpty && longitude.isEmpty) else { continue }
            changes.append(ScenarioFields.Change(action: "open", branch: nil, name: name, kind: form["open_kind_\(n)"],
                                                 latitude: LooseText(text: latitude), longitude: LooseText(text: longitude)))
            ids["change_\(changes.count)"] = "open_name_\(n)"
        }
        for slug in form.values["close"] ?? [] {
            changes.append(ScenarioFields.Change(action: "close", branch: slug, name: nil, kind: nil, latitude: nil, longitude: nil))
            ids["change_\(changes.count)"] = "close"
        }
        return (ScenarioFields(name: form["name"], note: form["note"], changes: changes), ids)
    }

    func save(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let form = FormValues(req)
        let (fields, ids) = Self.fields(form)
        do {
            let decoded = try fields.decoded(service)
            let id = try await service.scenarios.save(name: decoded.name, note: decoded.note, changes: decoded.changes, by: service.staffName)
            return req.redirect(to: "/staff/netwerk/scenarios/\(id)", done: "planning_scenario_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await renderIndex(req, refused: (error, form, ids))
        }
    }

    struct Side: Encodable {
        let libraries: Int
        let needed: Int
        let withinReach: String
        let distance: String
        let gaps: [String]
        let overNorm: [String]
    }

    struct ShowContext: Encodable {
        let page: PageContext
        let canManage: Bool
        let id: Int
        let name: String
        let note: String
        let madeBy: String
        let madeAt: String
        let changes: [String]
        let covered: String
        let lost: String
        let distanceChange: String
        let before: Side
        let after: Side
        let map: String
    }

    func show(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req)
        let page = try await StaffPages.Page(req)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let (saved, basis, outcome) = try await service.scenarios.outcome(try req.intParameter("id"))
        let after = saved.scenario.apply(to: basis.branches)
        let names = Dictionary(uniqueKeysWithValues: basis.planned.map { ($0.code, $0.name) })
        func side(_ coverage: Coverage, _ network: [PlannedBranch]) -> Side {
            let share = coverage.inhabitants > 0 ? formats.decimal(Double(coverage.withinReach) * 100 / Double(coverage.inhabitants), digits: 0) + "%" : "–"
            return Side(libraries: coverage.libraries, needed: coverage.librariesNeeded, withinReach: "\(formats.count(coverage.withinReach)) (\(share))",
                        distance: formats.decimal(coverage.averageDistance, digits: 2) + " km",
                        gaps: coverage.gaps.map { "\(names[$0.code] ?? $0.code) (\(formats.count($0.inhabitants)))" },
                        overNorm: coverage.overNorm.map { "\(service.label($0.branch, in: network).name) (\(formats.count($0.inhabitants)))" })
        }
        let kindNames = PlanningService.kindNames(page)
        let map = NetworkMap(title: page.t("planning_scenario_map", ["name": saved.name]),
                             summary: page.t("planning_map_summary", ["areas": String(basis.planned.count), "gaps": String(outcome.after.gaps.count),
                                                                      "libraries": String(outcome.after.libraries)]),
                             areas: basis.planned, coverage: outcome.after, branches: after,
                             legend: .init(withinReach: page.t("planning_within_reach"), gap: page.t("planning_gap"), kinds: kindNames, locale: page.lang.locale))
        let change = outcome.averageDistanceChange
        return try await page.render("staff/scenario", ShowContext(
            page: page.context(saved.name), canManage: service.user.can(.managePlanning), id: saved.id, name: saved.name, note: saved.note,
            madeBy: saved.madeBy, madeAt: formats.moment(saved.madeAt), changes: saved.changes.map { Self.words($0, service, page, formats) },
            covered: formats.count(outcome.covered), lost: formats.count(outcome.lost), distanceChange: (change > 0 ? "+" : "") + formats.decimal(change, digits: 2) + " km",
            before: side(outcome.before, basis.branches), after: side(outcome.after, after), map: map.svg(id: "scenario")))
    }

    func delete(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        try await service.scenarios.delete(try req.intParameter("id"))
        return req.redirect(to: "/staff/netwerk/scenarios", done: "planning_scenario_deleted")
    }
}
