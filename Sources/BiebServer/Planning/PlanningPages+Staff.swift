import Foundation
import Vapor
import BiebCore
import BiebStore

/// Network planning's overview (`/staff/netwerk`): the city's areas against
/// the branch network — inhabitants within reach of a library, the average
/// distance, the libraries there are against those the norm asks for, the
/// map with its numbers as tables (the gaps, each library's catchment
/// against the norm, every area's reach) and CSV downloads; the norms; and
/// the imports of CBS's key figures and of the postcode areas (read as the
/// API reads them, whole or not at all).
struct PlanningPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("netwerk", use: overview)
        staff.post("netwerk", "normen", use: setNorms)
        staff.on(.POST, "netwerk", "gebieden", body: .collect(maxSize: "20mb"), use: importAreas)
        staff.on(.POST, "netwerk", "postcodes", body: .collect(maxSize: "200mb"), use: importPostcodes)
        staff.get("netwerk", "bereik.csv", use: coverageCSV)
        staff.get("netwerk", "gebiedsprofielen.csv", use: profilesCSV)
    }

    struct AreaLine: Encodable {
        let code: String
        let name: String
        let inhabitants: String
        let library: String
        let distance: String
        let minutes: String
        let gap: Bool
    }

    struct CatchmentLine: Encodable {
        let name: String
        let kind: String
        let inhabitants: String
        let areas: Int
        let farthest: String
        let overNorm: Bool
    }

    struct KindCount: Encodable {
        let name: String
        let count: Int
    }

    struct ImportView: Encodable {
        let heading: String
        let imported: Bool
        let stored: Int
        let problems: [ImportProblemDTO]
        let more: Int
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let canManage: Bool
        let hasAreas: Bool
        let inhabitants: String
        let withinReach: String
        let share: String
        let distance: String
        let minutes: String
        let libraries: Int
        let needed: Int
        let norm: String
        let maximumDistance: String
        let kinds: [KindCount]
        let map: String
        let gaps: [AreaLine]
        let catchments: [CatchmentLine]
        let areas: [AreaLine]
        let unplaced: [String]
        let outcome: ImportView?
    }

    static let normFields = PlanningSettingsFields.names
    static let fields: Set<String> = normFields.union(["file", "source"])

    func overview(req: Request) async throws -> Response {
        try await render(req, refused: nil, outcome: nil)
    }

    /// `fileID`: the file input an error on "file" belongs to (the key figures' form, or the postcodes' form).
    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?, outcome: ImportView?, fileID: String = "file") async throws -> Response {
        let service = try await PlanningService.make(req)
        let page = try await StaffPages.Page(req)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let (basis, coverage) = try await service.planning.coverage()
        let journey = coverage.settings.journey
        func whole(_ value: Int) -> String { formats.count(value) }
        func km(_ value: Double) -> String { formats.decimal(value, digits: 1) }
        func name(_ id: String) -> String { service.label(id, in: basis.branches).name }
        let kindNames = PlanningService.kindNames(page)
        let names = Dictionary(uniqueKeysWithValues: basis.planned.map { ($0.code, $0.name) })
        func line(_ reach: AreaReach) -> AreaLine {
            AreaLine(code: reach.code, name: names[reach.code] ?? reach.code, inhabitants: whole(reach.inhabitants),
                     library: reach.library.map { name($0.branch) } ?? "–", distance: reach.library.map { km($0.distance) } ?? "–",
                     minutes: reach.library.map { whole(Int(journey.walkingMinutes($0.distance).rounded())) } ?? "–", gap: reach.isGap)
        }
        let kindOf = Dictionary(uniqueKeysWithValues: basis.branches.map { ($0.id, $0.kind) })
        let map = NetworkMap(
            title: page.t("planning_map_title", ["organisation": service.organisation.name]),
            summary: page.t("planning_map_summary", ["areas": String(basis.planned.count), "gaps": String(coverage.gaps.count),
                                                     "libraries": String(coverage.libraries)]),
            areas: basis.planned, coverage: coverage, branches: basis.branches,
            legend: .init(withinReach: page.t("planning_within_reach"), gap: page.t("planning_gap"), kinds: kindNames, locale: page.lang.locale))
        let settings = coverage.settings
        let typed = refused?.form ?? FormValues([
            "norm": [String(settings.norm)], "maximum_distance": [formats.decimal(settings.maximumDistance, digits: nil)],
            "detour_factor": [formats.decimal(settings.journey.detourFactor, digits: nil)],
            "walking_speed": [formats.decimal(settings.journey.walkingSpeed, digits: nil)], "source": [""],
        ])
        let context = Context(
            page: page.context(page.t("planning_title")),
            errors: page.formErrors(refused?.error, ids: Dictionary(uniqueKeysWithValues: Self.fields.map { ($0, $0 == "file" ? fileID : $0) })),
            form: typed,
            canManage: service.user.can(.managePlanning), hasAreas: !basis.planned.isEmpty || !basis.unplaced.isEmpty,
            inhabitants: whole(coverage.inhabitants), withinReach: whole(coverage.withinReach),
            share: coverage.inhabitants > 0 ? formats.decimal(Double(coverage.withinReach) * 100 / Double(coverage.inhabitants), digits: 0) + "%" : "–",
            distance: km(coverage.averageDistance), minutes: whole(Int(journey.walkingMinutes(coverage.averageDistance).rounded())),
            libraries: coverage.libraries, needed: coverage.librariesNeeded, norm: whole(settings.norm), maximumDistance: km(settings.maximumDistance),
            kinds: BranchKind.allCases.map { KindCount(name: kindNames[$0] ?? $0.rawValue, count: coverage.kinds[$0] ?? 0) },
            map: map.svg(id: "netwerk"), gaps: coverage.gaps.map(line),
            catchments: coverage.catchments.map { c in
                CatchmentLine(name: name(c.branch), kind: kindOf[c.branch].map { kindNames[$0] ?? $0.rawValue } ?? "", inhabitants: whole(c.inhabitants),
                              areas: c.areas, farthest: km(c.farthest), overNorm: c.overNorm)
            },
            areas: coverage.areas.map(line), unplaced: basis.unplaced.map { "\($0.record.name) (\($0.record.code))" }, outcome: outcome)
        let failed = refused != nil || outcome?.imported == false
        return try await page.render("staff/planning", context, status: failed ? .unprocessableEntity : .ok)
    }

    func setNorms(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        do {
            let settings = try req.content.decode(PlanningSettingsFields.self).decoded(current: try await service.planning.settings())
            try await service.planning.setSettings(settings)
            return req.redirect(to: "/staff/netwerk", done: "planning_norms_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: (error, FormValues(req)), outcome: nil)
        }
    }

    func upload(_ req: Request, heading: String, fileID: String, _ run: (String, String) async throws -> PlanningAreas.Outcome) async throws -> Response {
        do {
            let fields = try req.content.decode(PlanningUploadFields.self)
            guard let file = fields.file, file.data.readableBytes > 0 else {
                throw BiebError.invalid("file", "Choose the file (CSV).", nl: "Kies het bestand (CSV).")
            }
            let outcome = try await run(String(buffer: file.data), fields.source ?? "")
            let english = Language.of(req) == .en
            return try await render(req, refused: nil, outcome: ImportView(
                heading: heading, imported: outcome.accepted, stored: outcome.stored,
                problems: outcome.problems.prefix(100).map { ImportProblemDTO($0, english: english) }, more: max(0, outcome.problemCount - 100)))
        } catch let error as BiebError where error.kind == .invalid {
            let source = (try? req.content.decode(PlanningUploadFields.self))?.source ?? ""
            return try await render(req, refused: (error, FormValues(["source": [source]])), outcome: nil, fileID: fileID)
        }
    }

    func importAreas(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let page = try await StaffPages.Page(req)
        return try await upload(req, heading: page.t("planning_import_areas"), fileID: "file") { text, source in
            try await service.areas.importFigures(text, source: source)
        }
    }

    func importPostcodes(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let page = try await StaffPages.Page(req)
        return try await upload(req, heading: page.t("planning_import_postcodes"), fileID: "postcode_file") { text, _ in
            try await service.areas.importPostcodes(text)
        }
    }

    func coverageCSV(req: Request) async throws -> Response {
        let dto = try await PlanningService.make(req).coverageDTO()
        return CSVText.response(PlanningExport.coverage(dto, english: Language.of(req) == .en), filename: "bereik.csv", bom: true)
    }

    func profilesCSV(req: Request) async throws -> Response {
        let rows = try await PlanningService.make(req).profileDTOs()
        return CSVText.response(PlanningExport.profiles(rows, english: Language.of(req) == .en), filename: "gebiedsprofielen.csv", bom: true)
    }
}
