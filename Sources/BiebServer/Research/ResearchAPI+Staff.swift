import Foundation
import Vapor
import BiebCore
import BiebStore

/// Customer research's staff API (`/api/v1/research/…`): surveys and versions, waves, results and the answers as
/// CSV, settings and the panel's size (`research`); open answers and their moderation (`moderateAnswers`).
struct ResearchAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1", "research").grouped(BearerAuthenticator())
        api.get("standard-questions", use: standardQuestions)
        api.get("surveys", use: surveys)
        api.post("surveys", use: createSurvey)
        api.get("surveys", ":id", use: survey)
        api.post("surveys", ":id", "versions", use: newVersion)
        api.get("surveys", ":id", "results", use: results)
        api.get("surveys", ":id", "answers.csv", use: answersCSV)
        api.put("versions", ":id", use: editVersion)
        api.post("versions", ":id", "publish", use: publish)
        api.get("waves", use: waves)
        api.post("waves", use: startWave)
        api.get("waves", ":id", use: wave)
        api.post("waves", ":id", "close", use: closeWave)
        api.get("open-answers", use: openAnswers)
        api.put("open-answers", ":id", use: moderate)
        api.get("settings", use: settings)
        api.put("settings", use: saveSettings)
        api.get("panel", use: panel)
    }

    static func id(_ req: Request, _ thing: String = "survey", nl: String = "Enquête niet gevonden.") throws -> Int {
        guard let id = req.parameters.get("id").flatMap(Int.init) else { throw BiebError.notFound(thing, nl: nl) }
        return id
    }

    func standardQuestions(req: Request) async throws -> [QuestionFields] {
        _ = try await ResearchService.make(req)
        return StandardQuestions.all.map(QuestionFields.init)
    }

    func surveys(req: Request) async throws -> [ResearchDTO.Survey] {
        let service = try await ResearchService.make(req)
        var result: [ResearchDTO.Survey] = []
        for summary in try await service.surveys.all() {
            result.append(ResearchDTO.Survey(id: summary.id, slug: summary.slug,
                                             versions: try await service.surveys.versions(of: summary.id).map(ResearchDTO.Version.init)))
        }
        return result
    }

    func createSurvey(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let fields = try req.content.decode(SurveyFields.self)
        let made = try await service.surveys.create(slug: fields.slug?.trimmed ?? "", try fields.draft())
        return try await service.survey(made.survey).encodeResponse(status: .created, for: req)
    }

    func survey(req: Request) async throws -> ResearchDTO.Survey {
        try await ResearchService.make(req).survey(try Self.id(req))
    }

    func newVersion(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let survey = try Self.id(req)
        _ = try await service.surveys.newVersion(of: survey)
        return try await service.survey(survey).encodeResponse(status: .created, for: req)
    }

    func editVersion(req: Request) async throws -> ResearchDTO.Version {
        let service = try await ResearchService.make(req)
        let id = try Self.id(req, "survey version", nl: "Versie niet gevonden.")
        try await service.surveys.edit(version: id, try req.content.decode(SurveyFields.self).draft())
        return ResearchDTO.Version(try await service.surveys.version(id))
    }

    func publish(req: Request) async throws -> ResearchDTO.Version {
        let service = try await ResearchService.make(req)
        let id = try Self.id(req, "survey version", nl: "Versie niet gevonden.")
        try await service.surveys.publish(version: id)
        return ResearchDTO.Version(try await service.surveys.version(id))
    }

    func waves(req: Request) async throws -> [ResearchDTO.Wave] {
        let service = try await ResearchService.make(req)
        var result: [ResearchDTO.Wave] = []
        for wave in try await service.fieldwork.waves(survey: try req.queryInt("survey")) {
            result.append(ResearchDTO.Wave(wave, rates: try await service.fieldwork.rates(wave: wave.id), service: service))
        }
        return result
    }

    func startWave(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let id = try await service.start(try req.content.decode(WaveFields.self))
        return try await service.waveDTO(id).encodeResponse(status: .created, for: req)
    }

    func wave(req: Request) async throws -> ResearchDTO.Wave {
        try await ResearchService.make(req).waveDTO(try Self.id(req, "wave", nl: "Ronde niet gevonden."))
    }

    func closeWave(req: Request) async throws -> ResearchDTO.Wave {
        let service = try await ResearchService.make(req)
        let id = try Self.id(req, "wave", nl: "Ronde niet gevonden.")
        try await service.fieldwork.close(wave: id)
        return try await service.waveDTO(id)
    }

    /// The results' scope from the query: `wave`, `branch` (slug or id), `channel`, `from`, `through`.
    static func scope(_ req: Request, survey: Int, service: ResearchService) throws -> ResearchResults.Scope {
        var scope = ResearchResults.Scope(survey: survey)
        scope.wave = try req.queryInt("wave")
        if let branch = req.query[String.self, at: "branch"], !branch.isEmpty { scope.branch = try service.branches.named(branch, field: "branch")?.id }
        if let channel = req.query[String.self, at: "channel"], !channel.isEmpty {
            guard let value = ResearchChannel(rawValue: channel) else {
                throw BiebError.invalid("channel", "The channel is panel, activity or branch.", nl: "Het kanaal is panel, activity of branch.")
            }
            scope.channel = value
        }
        scope.from = try req.queryDate("from")
        scope.through = try req.queryDate("through")
        return scope
    }

    func results(req: Request) async throws -> ResearchDTO.Results {
        let service = try await ResearchService.make(req)
        return try await service.resultsDTO(try Self.scope(req, survey: try Self.id(req), service: service), english: Language.of(req) == .en)
    }

    func answersCSV(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        return try await ResearchExport.response(try Self.scope(req, survey: try Self.id(req), service: service), service: service)
    }

    func openAnswers(req: Request) async throws -> [ResearchDTO.OpenAnswer] {
        let service = try await ResearchService.make(req, .moderateAnswers)
        let text = req.query[String.self, at: "status"] ?? ResearchAnswers.Moderation.pending.rawValue
        guard let status = ResearchAnswers.Moderation(rawValue: text) else {
            throw BiebError.invalid("status", "The status is pending, approved or rejected.", nl: "De status is pending, approved of rejected.")
        }
        let paging = try req.paging(size: 100, maxSize: 500)
        return try await service.answers.openAnswers(status: status, survey: try req.queryInt("survey"), limit: paging.perPage,
                                                     offset: paging.offset).map(ResearchDTO.OpenAnswer.init)
    }

    struct ModerationFields: Content { var approve: Bool? }

    func moderate(req: Request) async throws -> HTTPStatus {
        let service = try await ResearchService.make(req, .moderateAnswers)
        guard let approve = try req.content.decode(ModerationFields.self).approve else {
            throw BiebError.invalid("approve", "Approve (true) or reject (false).", nl: "Keur goed (true) of af (false).")
        }
        try await service.answers.moderate(try Self.id(req, "open answer", nl: "Open antwoord niet gevonden."), approve: approve)
        return .noContent
    }

    func settings(req: Request) async throws -> ResearchDTO.Settings {
        ResearchDTO.Settings(try await ResearchService.make(req).fieldwork.settings())
    }

    func saveSettings(req: Request) async throws -> ResearchDTO.Settings {
        let service = try await ResearchService.make(req)
        let settings = try req.content.decode(ResearchSettingsFields.self).decoded(current: try await service.fieldwork.settings())
        try await service.fieldwork.save(settings)
        return ResearchDTO.Settings(try await service.fieldwork.settings())
    }

    func panel(req: Request) async throws -> ResearchDTO.Panel {
        try await ResearchService.make(req).panelDTO()
    }
}
