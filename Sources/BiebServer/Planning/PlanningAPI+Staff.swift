import Foundation
import Vapor
import BiebCore
import BiebStore

/// Network planning's API: areas and their reach, the gaps against the norm
/// and area profiles (`viewPlanning`); importing area statistics and
/// postcodes, the norms, a branch's focus and scenarios (`managePlanning`).
struct PlanningAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1", "planning").grouped(BearerAuthenticator())
        api.get("areas", use: areas)
        api.on(.POST, "areas", body: .collect(maxSize: "20mb"), use: importAreas)
        api.on(.POST, "postcodes", body: .collect(maxSize: "200mb"), use: importPostcodes)
        api.get("settings", use: settings)
        api.put("settings", use: setSettings)
        api.get("coverage", use: coverage)
        api.get("coverage.csv", use: coverageCSV)
        api.get("profiles", use: profiles)
        api.get("profiles.csv", use: profilesCSV)
        api.get("focus", use: focus)
        api.put("focus", use: setFocus)
        api.get("scenarios", use: scenarios)
        api.post("scenarios", use: saveScenario)
        api.get("scenarios", "compare", use: compare)
        api.get("scenarios", ":id", use: scenario)
        api.delete("scenarios", ":id", use: deleteScenario)
    }

    /// The level the query asks for (`level`: district, the default, or neighbourhood, municipality).
    static func level(_ req: Request) throws -> AreaLevel {
        guard let text = req.query[String.self, at: "level"], !text.isEmpty else { return .district }
        guard let level = AreaLevel(rawValue: text) else {
            throw BiebError.invalid("level", "The level is district, neighbourhood or municipality.", nl: "Het niveau is district, neighbourhood of municipality.")
        }
        return level
    }

    func areas(req: Request) async throws -> [PlanningDTO.Area] {
        let service = try await PlanningService.make(req)
        // Every level unless one is asked for.
        let level = req.query[String.self, at: "level"] == nil ? nil : try Self.level(req)
        return try await service.areas.all(level: level).map(PlanningDTO.Area.init)
    }

    func importAreas(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let outcome = try await service.areas.importFigures(req.body.string ?? "", source: req.query[String.self, at: "source"] ?? "")
        return try await PlanningDTO.ImportOutcome(outcome, english: Language.of(req) == .en)
            .encodeResponse(status: outcome.accepted ? .ok : .unprocessableEntity, for: req)
    }

    func importPostcodes(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let outcome = try await service.areas.importPostcodes(req.body.string ?? "", level: try Self.level(req))
        return try await PlanningDTO.ImportOutcome(outcome, english: Language.of(req) == .en)
            .encodeResponse(status: outcome.accepted ? .ok : .unprocessableEntity, for: req)
    }

    func settings(req: Request) async throws -> PlanningDTO.Settings {
        PlanningDTO.Settings(try await PlanningService.make(req).planning.settings())
    }

    func setSettings(req: Request) async throws -> PlanningDTO.Settings {
        let service = try await PlanningService.make(req, .managePlanning)
        let settings = try req.content.decode(PlanningSettingsFields.self).decoded(current: try await service.planning.settings())
        try await service.planning.setSettings(settings)
        return PlanningDTO.Settings(try await service.planning.settings())
    }

    func coverage(req: Request) async throws -> PlanningDTO.Coverage {
        try await PlanningService.make(req).coverageDTO(level: try Self.level(req))
    }

    func coverageCSV(req: Request) async throws -> Response {
        let dto = try await PlanningService.make(req).coverageDTO(level: try Self.level(req))
        return CSVText.response(PlanningExport.coverage(dto, english: Language.of(req) == .en), filename: "bereik.csv", bom: true)
    }

    func profiles(req: Request) async throws -> [PlanningDTO.Profile] {
        try await PlanningService.make(req).profileDTOs(level: try Self.level(req))
    }

    func profilesCSV(req: Request) async throws -> Response {
        let rows = try await PlanningService.make(req).profileDTOs(level: try Self.level(req))
        return CSVText.response(PlanningExport.profiles(rows, english: Language.of(req) == .en), filename: "gebiedsprofielen.csv", bom: true)
    }

    func focus(req: Request) async throws -> [PlanningDTO.Focus] {
        let service = try await PlanningService.make(req)
        return try await service.planning.focus().values.sorted { $0.setAt > $1.setAt }.map { PlanningDTO.Focus($0, service) }
    }

    func setFocus(req: Request) async throws -> PlanningDTO.Focus {
        let service = try await PlanningService.make(req, .managePlanning)
        let fields = try req.content.decode(FocusFields.self).decoded(service)
        try await service.planning.setFocus(branch: fields.branch.id, focus: fields.focus, reason: fields.reason, area: fields.area, by: service.staffName)
        guard let recorded = try await service.planning.focus()[fields.branch.id] else { throw BiebError.notFound("focus", nl: "Profiel niet gevonden.") }
        return PlanningDTO.Focus(recorded, service)
    }

    func scenarios(req: Request) async throws -> [PlanningDTO.ScenarioSummary] {
        let service = try await PlanningService.make(req)
        return try await service.scenarios.all().map { PlanningDTO.ScenarioSummary($0, service) }
    }

    func outcome(_ id: Int, _ req: Request, _ service: PlanningService) async throws -> PlanningDTO.ScenarioOutcome {
        let (saved, basis, outcome) = try await service.scenarios.outcome(id, level: try Self.level(req))
        return PlanningDTO.ScenarioOutcome(saved, basis, outcome, service)
    }

    func saveScenario(req: Request) async throws -> Response {
        let service = try await PlanningService.make(req, .managePlanning)
        let fields = try req.content.decode(ScenarioFields.self).decoded(service)
        let id = try await service.scenarios.save(name: fields.name, note: fields.note, changes: fields.changes, by: service.staffName)
        return try await outcome(id, req, service).encodeResponse(status: .created, for: req)
    }

    func scenario(req: Request) async throws -> PlanningDTO.ScenarioOutcome {
        let service = try await PlanningService.make(req)
        return try await outcome(try req.intParameter("id"), req, service)
    }

    /// Scenarios side by side (`ids`: 1,2,3), each against the network as it is.
    func compare(req: Request) async throws -> [PlanningDTO.ScenarioOutcome] {
        let service = try await PlanningService.make(req)
        let text = req.query[String.self, at: "ids"] ?? ""
        let ids = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !ids.isEmpty, ids.count <= 6, ids.allSatisfy({ Int($0) != nil }) else {
            throw BiebError.invalid("ids", "Name one to six scenarios by id (ids=1,2).", nl: "Noem een tot zes scenario's met hun id (ids=1,2).")
        }
        let (basis, outcomes) = try await service.scenarios.outcomes(of: ids.compactMap { Int($0) }, level: try Self.level(req))
        return outcomes.map { PlanningDTO.ScenarioOutcome($0.saved, basis, $0.outcome, service) }
    }

    func deleteScenario(req: Request) async throws -> HTTPStatus {
        let service = try await PlanningService.make(req, .managePlanning)
        try await service.scenarios.delete(try req.intParameter("id"))
        return .noContent
    }
}
