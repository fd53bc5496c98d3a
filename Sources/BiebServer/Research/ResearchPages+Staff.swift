import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Customer research's staff pages (`/staff/onderzoek`): the surveys, the panel's size and the settings; a new survey
/// from standard questions (and a few of its own); a survey's versions and rounds, with the forms to publish, make a
/// new version and start a round (a panel wave, after an activity, a branch link); a round's response rates and its
/// link with QR code. Results and moderation: `ResultPages+Staff.swift`.
struct ResearchPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("onderzoek", use: overview)
        staff.post("onderzoek", "instellingen", use: saveSettings)
        staff.get("onderzoek", "nieuw", use: newForm)
        staff.post("onderzoek", "nieuw", use: create)
        staff.get("onderzoek", ":id", use: survey)
        staff.post("onderzoek", ":id", "nieuwe-versie", use: newVersion)
        staff.post("onderzoek", ":id", "rondes", use: startWave)
        staff.get("onderzoek", "versies", ":id", use: editForm)
        staff.post("onderzoek", "versies", ":id", use: edit)
        staff.post("onderzoek", "versies", ":id", "publiceren", use: publish)
        staff.get("onderzoek", "rondes", ":id", use: wave)
        staff.post("onderzoek", "rondes", ":id", "sluiten", use: closeWave)
        staff.get("onderzoek", "rondes", ":id", "qr.svg", use: qr)
    }

    // MARK: Overview

    struct SurveyLine: Encodable { let url: String, title: String, slug: String, version: Int, status: String, anonymous: Bool }
    struct PanelLine: Encodable { let ageBand: String, branch: String, members: String }

    struct OverviewContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let surveys: [SurveyLine]
        let panelMembers: String
        let panel: [PanelLine]
        let pending: Int
        let canModerate: Bool
    }

    static let settingsFields: Set<String> = ["retention_months", "reminder_days", "open_days"]

    func overview(req: Request) async throws -> Response { try await renderOverview(req, refused: nil) }

    func renderOverview(_ req: Request, refused: (BiebError, FormValues)?) async throws -> Response {
        let service = try await ResearchService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let settings = try await service.fieldwork.settings()
        let panel = try await service.panelDTO()
        let context = OverviewContext(
            page: page.context(page.t("research_title")), errors: page.formErrors(refused?.0, fields: Self.settingsFields),
            form: refused?.1 ?? FormValues(["retention_months": [String(settings.retentionMonths)], "reminder_days": [String(settings.reminderDays)],
                                            "open_days": [String(settings.openDays)]]),
            surveys: try await service.surveys.all().map { summary in
                SurveyLine(url: "/staff/onderzoek/\(summary.id)", title: english ? summary.latest.titleEN : summary.latest.titleNL, slug: summary.slug,
                           version: summary.latest.number, status: page.t("research_status_\(summary.latest.status.rawValue)"),
                           anonymous: summary.latest.anonymous)
            },
            panelMembers: formats.count(panel.members),
            panel: panel.cells.map { cell in
                PanelLine(ageBand: cell.age_band ?? "?", branch: service.branches.first { $0.slug == cell.branch }?.name ?? "?", members: formats.figure(cell.members))
            },
            pending: try await service.answers.pendingCount(), canModerate: service.user.can(.moderateAnswers))
        return try await page.render("staff/research", context, status: refused?.0.httpStatus ?? .ok)
    }

    func saveSettings(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        do {
            try await service.fieldwork.save(try ResearchSettingsFields.form(req).decoded(current: try await service.fieldwork.settings()))
            return req.redirect(to: "/staff/onderzoek", done: "research_settings_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await renderOverview(req, refused: (error, FormValues(req)))
        }
    }

    // MARK: A survey's form (new, or a draft edited)

    struct StandardChoice: Encodable { let key: String, text: String, kind: String, checked: Bool }
    struct OwnRow: Encodable { let n: Int, kinds: [FormOption], nl: String, en: String, options: String, scale10: Bool, required: Bool }

    struct FormContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let action: String
        let isNew: Bool
        let anonymous: Bool
        let standard: [StandardChoice]
        let own: [OwnRow]
    }

    static var formFields: Set<String> {
        var fields: Set<String> = ["slug", "title_nl", "title_en", "standard", "questions"]
        for n in 1...60 { fields.insert("question_\(n)") }
        return fields
    }

    /// `typed`: the form as sent (after a refusal), else the version's content.
    func renderForm(_ req: Request, action: String, isNew: Bool, typed: FormValues, error: BiebError?) async throws -> Response {
        _ = try await ResearchService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let chosen = Set(typed.values["standard"] ?? [])
        let context = FormContext(
            page: page.context(page.t(isNew ? "research_new" : "research_edit")),
            errors: page.formErrors(error, ids: Dictionary(uniqueKeysWithValues: Self.formFields.map { field in
                // An error on question N points at the first field of that question on the form.
                (field, field.hasPrefix("question_") ? "own_1_nl" : field)
            })),
            form: typed, action: action, isNew: isNew, anonymous: typed["anonymous"] == "on",
            standard: StandardQuestions.all.map {
                StandardChoice(key: $0.key, text: english ? $0.en : $0.nl, kind: page.t("research_kind_\($0.kind.rawValue)"), checked: chosen.contains($0.key))
            },
            own: (1...ResearchForms.ownRows).map { n in
                OwnRow(n: n, kinds: QuestionKind.allCases.filter { $0 != .nps }.map {
                    FormOption(value: $0.rawValue, label: page.t("research_kind_\($0.rawValue)"), selected: typed["own_\(n)_kind"] == $0.rawValue)
                }, nl: typed["own_\(n)_nl"] ?? "", en: typed["own_\(n)_en"] ?? "", options: typed["own_\(n)_options"] ?? "",
                scale10: typed["own_\(n)_scale"] == "10", required: typed["own_\(n)_required"] == "on")
            })
        return try await page.render("staff/research_form", context, status: error?.httpStatus ?? .ok)
    }

    func newForm(req: Request) async throws -> Response {
        try await renderForm(req, action: "/staff/onderzoek/nieuw", isNew: true,
                             typed: FormValues(["anonymous": ["on"], "standard": StandardQuestions.all.map(\.key)]), error: nil)
    }

    func create(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        do {
            let fields = try SurveyFields.form(req)
            let made = try await service.surveys.create(slug: fields.slug?.trimmed ?? "", try fields.draft())
            return req.redirect(to: "/staff/onderzoek/\(made.survey)", done: "research_created")
        } catch let error as BiebError where error.kind == .invalid || error.kind == .conflict {
            return try await renderForm(req, action: "/staff/onderzoek/nieuw", isNew: true, typed: FormValues(req), error: error)
        }
    }

    /// A draft's content as the form's fields.
    static func typed(_ version: Surveys.Version) -> FormValues {
        var values: [String: [String]] = ["title_nl": [version.titleNL], "title_en": [version.titleEN]]
        if version.anonymous { values["anonymous"] = ["on"] }
        let standardKeys = Set(StandardQuestions.all.map(\.key))
        values["standard"] = version.questions.map(\.key).filter(standardKeys.contains)
        for (index, question) in version.questions.filter({ !standardKeys.contains($0.key) }).prefix(ResearchForms.ownRows).enumerated() {
            let n = index + 1
            values["own_\(n)_kind"] = [question.kind.rawValue]
            values["own_\(n)_nl"] = [question.nl]
            values["own_\(n)_en"] = [question.en]
            if question.required { values["own_\(n)_required"] = ["on"] }
            if question.kind == .scale { values["own_\(n)_scale"] = [String(question.scaleMaximum)] }
            values["own_\(n)_options"] = [question.options.map { "\($0.nl) | \($0.en)" }.joined(separator: "\n")]
        }
        return FormValues(values)
    }

    func editForm(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let version = try await service.surveys.version(try req.intParameter("id"))
        return try await renderForm(req, action: "/staff/onderzoek/versies/\(version.id)", isNew: false, typed: Self.typed(version), error: nil)
    }

    func edit(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let id = try req.intParameter("id")
        let version = try await service.surveys.version(id)
        do {
            try await service.surveys.edit(version: id, try SurveyFields.form(req).draft())
            return req.redirect(to: "/staff/onderzoek/\(version.survey)", done: "research_saved")
        } catch let error as BiebError where error.kind == .invalid || error.kind == .conflict {
            return try await renderForm(req, action: "/staff/onderzoek/versies/\(id)", isNew: false, typed: FormValues(req), error: error)
        }
    }

    // MARK: A survey

    struct VersionLine: Encodable {
        let id: Int, number: Int, status: String, isDraft: Bool, published: String, questions: Int, anonymous: Bool
    }
    struct WaveLine: Encodable { let url: String, name: String, channel: String, invited: String, answered: String, status: String }
    struct Choice: Encodable { let value: String, label: String }

    struct SurveyContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let surveyID: Int
        let slug: String
        let versions: [VersionLine]
        let published: Int?
        let hasDraft: Bool
        let waves: [WaveLine]
        let activities: [Choice]
        let series: [Choice]
        let branches: [Choice]
        let panelMembers: String
    }

    static let waveFields: Set<String> = ["name", "size", "activity_id", "series_id", "branch", "channel", "version_id"]

    func survey(req: Request) async throws -> Response { try await renderSurvey(req, id: try req.intParameter("id"), refused: nil) }

    func renderSurvey(_ req: Request, id: Int, refused: (BiebError, FormValues)?) async throws -> Response {
        let service = try await ResearchService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let survey = try await service.survey(id)
        let versions = try await service.surveys.versions(of: id)
        let programme = Programme(service.db, organisationID: service.organisationID, timeZone: service.organisation.zone)
        let since = Date().addingTimeInterval(-60 * 86_400)
        // Activities that ended at most 60 days ago or are still to come, and the series.
        let activities = try await service.db.sql.raw("""
            SELECT id, title, starts_at FROM activities WHERE organisation_id = \(bind: service.organisationID) AND status = 'published'
              AND ends_at > \(bind: since) ORDER BY starts_at LIMIT 200
            """).all().map { row in
            Choice(value: try row.decode(column: "id", as: UUID.self).uuidString,
                   label: try row.decode(column: "title", as: String.self)
                       + (try row.decode(column: "starts_at", as: Date?.self).map { " · " + formats.dateWithYear(LocalDate($0, in: service.organisation.zone)) } ?? ""))
        }
        var waves: [WaveLine] = []
        for wave in try await service.fieldwork.waves(survey: id) {
            let rates = try await service.fieldwork.rates(wave: wave.id)
            waves.append(WaveLine(url: "/staff/onderzoek/rondes/\(wave.id)", name: wave.name, channel: page.t("research_channel_\(wave.channel.rawValue)"),
                                  invited: formats.count(rates.total.invited), answered: formats.cell(rates.total.answered), status: page.t("research_wave_\(wave.status.rawValue)")))
        }
        let context = SurveyContext(
            page: page.context(english ? (versions.first?.titleEN ?? survey.slug) : (versions.first?.titleNL ?? survey.slug)),
            errors: page.formErrors(refused?.0, fields: Self.waveFields), form: refused?.1 ?? FormValues(["size": ["500"]]),
            surveyID: id, slug: survey.slug,
            versions: versions.map { v in
                VersionLine(id: v.id, number: v.number, status: page.t("research_status_\(v.status.rawValue)"), isDraft: v.status == .draft,
                            published: v.publishedAt.map { formats.dateWithYear(LocalDate($0, in: service.organisation.zone)) } ?? "–",
                            questions: v.questions.count, anonymous: v.anonymous)
            },
            published: versions.first { $0.status == .published }?.id, hasDraft: versions.contains { $0.status == .draft }, waves: waves,
            activities: activities, series: try await programme.series().map { Choice(value: String($0.id), label: $0.title) },
            branches: service.branches.map { Choice(value: $0.slug, label: $0.name) }, panelMembers: formats.count(try await service.panelDTO().members))
        return try await page.render("staff/research_survey", context, status: refused?.0.httpStatus ?? .ok)
    }

    func newVersion(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let id = try req.intParameter("id")
        let version = try await service.surveys.newVersion(of: id)
        return req.redirect(to: "/staff/onderzoek/versies/\(version)", done: "research_version_made")
    }

    func publish(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let version = try await service.surveys.version(try req.intParameter("id"))
        do {
            try await service.surveys.publish(version: version.id)
            return req.redirect(to: "/staff/onderzoek/\(version.survey)", done: "research_published")
        } catch let error as BiebError where error.kind == .invalid {
            // The questions will not do: back to the draft's form, with the problem.
            return try await renderForm(req, action: "/staff/onderzoek/versies/\(version.id)", isNew: false, typed: Self.typed(version), error: error)
        }
    }

    func startWave(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let id = try req.intParameter("id")
        guard let published = try await service.surveys.versions(of: id).first(where: { $0.status == .published }) else {
            return try await renderSurvey(req, id: id, refused: (BiebError(.conflict, code: "survey_not_published", field: "version_id",
                message: "Publish the survey first.", nl: "Publiceer de enquête eerst."), FormValues(req)))
        }
        do {
            let wave = try await service.start(try WaveFields.form(req, version: published.id))
            return req.redirect(to: "/staff/onderzoek/rondes/\(wave)", done: "research_wave_started")
        } catch let error as BiebError where error.kind == .invalid || error.kind == .conflict {
            return try await renderSurvey(req, id: id, refused: (error, FormValues(req)))
        }
    }

    // MARK: A round

    struct CellLine: Encodable { let name: String, invited: String, answered: String, share: String }

    struct WaveContext: Encodable {
        let page: PageContext
        let wave: ResearchDTO.Wave
        let surveyURL: String
        let channel: String
        let status: String
        let isOpen: Bool
        let invited: String
        let answered: String
        let share: String
        let cells: [CellLine]
        let link: String?
        let qr: Bool
    }

    func wave(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let page = try await StaffPages.Page(req)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let dto = try await service.waveDTO(try req.intParameter("id"))
        func share(_ value: Double?) -> String { value.map { formats.decimal($0 * 100, digits: 0) + "%" } ?? "–" }
        let activityTitles = Dictionary(uniqueKeysWithValues: try await service.db.sql.raw("""
            SELECT id, title FROM activities WHERE organisation_id = \(bind: service.organisationID)
              AND id IN (SELECT activity_id FROM registrations WHERE id IN (SELECT registration_id FROM research_invitations WHERE wave_id = \(bind: dto.id)))
            """).all().map { (try $0.decode(column: "id", as: UUID.self).uuidString.lowercased(), try $0.decode(column: "title", as: String.self)) })
        let cells = dto.cells.map { cell in
            let name = dto.channel == .panel
                ? "\(cell.age_band ?? "?") · \(service.branches.first { $0.slug == cell.branch }?.name ?? "?")"
                : activityTitles[cell.cell] ?? cell.cell
            return CellLine(name: name, invited: formats.count(cell.invited), answered: formats.figure(cell.answered), share: share(cell.share))
        }
        let context = WaveContext(
            page: page.context(dto.name), wave: dto, surveyURL: "/staff/onderzoek/\(dto.survey_id)", channel: page.t("research_channel_\(dto.channel.rawValue)"),
            status: page.t("research_wave_\(dto.status.rawValue)"), isOpen: dto.status == .open, invited: formats.count(dto.invited),
            answered: formats.cell(dto.answered), share: share(dto.answered >= SmallCells.threshold && dto.invited > 0 ? Double(dto.answered) / Double(dto.invited) : nil),
            cells: cells, link: dto.link, qr: dto.link != nil && LinkQRCode.available)
        return try await page.render("staff/research_wave", context)
    }

    func closeWave(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let id = try req.intParameter("id")
        try await service.fieldwork.close(wave: id)
        return req.redirect(to: "/staff/onderzoek/rondes/\(id)", done: "research_wave_closed")
    }

    func qr(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let wave = try await service.waveDTO(try req.intParameter("id"))
        guard let link = wave.link, let svg = try await LinkQRCode.svg(for: link, on: req.application) else {
            throw BiebError.notFound("QR code", nl: "QR-code niet gevonden.")
        }
        let response = Response(status: .ok, body: .init(string: svg))
        response.headers.contentType = HTTPMediaType(type: "image", subType: "svg+xml")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "inline; filename=\"enquete-\(wave.id).svg\"")
        return response
    }
}
