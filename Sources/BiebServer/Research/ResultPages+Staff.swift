import Foundation
import Vapor
import BiebCore
import BiebStore

/// A survey's results (`/staff/onderzoek/{id}/resultaten`, `research`): the NPS with its parts and 95 % interval,
/// each question's distribution as a chart with its numbers as a table, comparisons between rounds, branches,
/// activity kinds, core functions and age bands (groups under five answers show "<5" and nothing else), answers per
/// day, the words of approved open answers, and the answers as CSV. Moderation of open answers
/// (`/staff/onderzoek/moderatie`, `moderateAnswers`).
struct ResultPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("onderzoek", ":id", "resultaten", use: results)
        staff.get("onderzoek", ":id", "antwoorden.csv", use: csv)
        staff.get("onderzoek", "moderatie", use: moderation)
        staff.post("onderzoek", "moderatie", ":id", use: moderate)
    }

    struct NPSView: Encodable { let score: String, interval: String, promoters: String, passives: String, detractors: String, n: String }
    struct CountLine: Encodable { let label: String, count: String }
    struct QuestionView: Encodable {
        let id: String, text: String, answered: String, mean: String?, chart: String?, counts: [CountLine], nps: NPSView?
    }
    struct GroupLine: Encodable { let label: String, answers: String, nps: String, interval: String }
    struct GroupTable: Encodable { let id: String, title: String, lines: [GroupLine] }
    struct Option: Encodable { let value: String, label: String, selected: Bool }

    struct Context: Encodable {
        let page: PageContext
        let surveyURL: String
        let csvURL: String
        let apiURL: String
        let answers: String
        let nps: NPSView?
        let questions: [QuestionView]
        let groups: [GroupTable]
        let days: [CountLine]
        let words: [CountLine]
        let waves: [Option]
        let branches: [Option]
        let channels: [Option]
        let from: String
        let through: String
    }

    static func npsView(_ nps: NetPromoterScore?, formats: Formats) -> NPSView? {
        guard let nps, let score = nps.score else { return nil }
        let interval = nps.interval.map { formats.decimal($0.lowerBound, digits: 0) + " – " + formats.decimal($0.upperBound, digits: 0) } ?? "–"
        return NPSView(score: formats.decimal(score, digits: 0), interval: interval, promoters: formats.cell(nps.promoters),
                       passives: formats.cell(nps.passives), detractors: formats.cell(nps.detractors),
                       n: formats.count(nps.n))
    }

    func results(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let id = try req.intParameter("id")
        let scope = try ResearchAPIController.scope(req, survey: id, service: service)
        let report = try await service.results.report(scope)
        let dto = try await service.resultsDTO(scope, english: english, report: report)
        let title = try await service.surveys.versions(of: id).first.map { english ? $0.titleEN : $0.titleNL } ?? ""
        let questions = report.questions.enumerated().map { index, result -> QuestionView in
            let question = result.question
            let labels: [String: String] = Dictionary(uniqueKeysWithValues: question.options.map { ($0.key, english ? $0.en : $0.nl) })
            let counts = result.counts.map { CountLine(label: labels[$0.value] ?? $0.value, count: formats.cell($0.count)) }
            var chart: String?
            if result.answered >= SmallCells.threshold && question.kind != .text {
                chart = BarChart(title: english ? question.en : question.nl, summary: page.t("research_chart_summary", ["n": formats.count(result.answered)]),
                                 labels: result.counts.map { labels[$0.value] ?? $0.value },
                                 // A value under 5 answers is not drawn (its table cell says "<5"), as everywhere a breakdown leaves the dashboard.
                                 series: [.init(name: page.t("research_answers"),
                                                values: result.counts.map { $0.count < SmallCells.threshold ? 0 : $0.count })], locale: page.lang.locale).svg(id: "q\(index)")
            }
            return QuestionView(id: "q\(index)", text: english ? question.en : question.nl, answered: formats.count(result.answered),
                                mean: result.answered >= SmallCells.threshold ? result.mean.map { formats.decimal($0, digits: 1) } : nil,
                                chart: chart, counts: question.kind == .text ? [] : counts, nps: Self.npsView(result.nps, formats: formats))
        }
        let groups = ResearchResults.Dimension.allCases.compactMap { dimension -> GroupTable? in
            guard let lines = dto.groups[dimension.rawValue], !lines.isEmpty else { return nil }
            return GroupTable(id: "groep-\(dimension.rawValue)", title: page.t("research_by_\(dimension.rawValue)"), lines: lines.map { group in
                GroupLine(label: group.label, answers: formats.figure(group.answers), nps: group.nps?.score.map { formats.decimal($0, digits: 0) } ?? "–",
                          interval: group.nps.flatMap { n in n.low.flatMap { low in n.high.map { formats.decimal(low, digits: 0) + " – " + formats.decimal($0, digits: 0) } } } ?? "–")
            })
        }
        let waves = try await service.fieldwork.waves(survey: id)
        let query = req.url.query.map { "?" + $0 } ?? ""
        let overall = report.questions.first { $0.question.kind == .nps }?.nps
        let context = Context(
            page: page.context(page.t("research_results_of", ["title": title])), surveyURL: "/staff/onderzoek/\(id)",
            csvURL: "/staff/onderzoek/\(id)/antwoorden.csv" + query, apiURL: "/api/v1/research/surveys/\(id)/results" + query,
            answers: formats.count(report.answers), nps: Self.npsView(overall, formats: formats), questions: questions, groups: groups,
            days: dto.per_day.map { CountLine(label: LocalDate(iso: $0.day).map(formats.dateWithYear) ?? $0.day, count: formats.figure($0.answers)) },
            words: dto.words.map { CountLine(label: $0.word, count: formats.figure($0.answers)) },
            waves: [Option(value: "", label: page.t("research_all"), selected: scope.wave == nil)]
                + waves.map { Option(value: String($0.id), label: $0.name, selected: scope.wave == $0.id) },
            branches: [Option(value: "", label: page.t("research_all"), selected: scope.branch == nil)]
                + service.branches.map { Option(value: $0.slug, label: $0.name, selected: scope.branch == $0.id) },
            channels: [Option(value: "", label: page.t("research_all"), selected: scope.channel == nil)]
                + ResearchChannel.allCases.map { Option(value: $0.rawValue, label: page.t("research_channel_\($0.rawValue)"), selected: scope.channel == $0) },
            from: scope.from?.iso ?? "", through: scope.through?.iso ?? "")
        return try await page.render("staff/research_results", context)
    }

    func csv(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req)
        return try await ResearchExport.response(try ResearchAPIController.scope(req, survey: try req.intParameter("id"), service: service),
                                                 service: service)
    }

    // MARK: Moderation

    struct OpenLine: Encodable { let id: Int, survey: String, question: String, text: String, day: String }

    struct ModerationContext: Encodable {
        let page: PageContext
        let pending: Int
        let answers: [OpenLine]
    }

    func moderation(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req, .moderateAnswers)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        var titles: [Int: (String, [String: String])] = [:]
        for summary in try await service.surveys.all() {
            var questions: [String: String] = [:]
            for version in try await service.surveys.versions(of: summary.id) {
                for q in version.questions where questions[q.key] == nil { questions[q.key] = english ? q.en : q.nl }
            }
            titles[summary.id] = (english ? summary.latest.titleEN : summary.latest.titleNL, questions)
        }
        let open = try await service.answers.openAnswers(status: .pending, limit: 50)
        let context = ModerationContext(
            page: page.context(page.t("research_moderation")), pending: try await service.answers.pendingCount(),
            answers: open.map { answer in
                OpenLine(id: answer.id, survey: titles[answer.surveyID]?.0 ?? "", question: titles[answer.surveyID]?.1[answer.questionKey] ?? answer.questionKey,
                         text: answer.text, day: formats.dateWithYear(answer.answeredOn))
            })
        return try await page.render("staff/research_moderation", context)
    }

    func moderate(req: Request) async throws -> Response {
        let service = try await ResearchService.make(req, .moderateAnswers)
        let approve = (try? req.content.get(String.self, at: "decision")) == "approve"
        try await service.answers.moderate(try req.intParameter("id"), approve: approve)
        return req.redirect(to: "/staff/onderzoek/moderatie", done: approve ? "research_approved" : "research_rejected")
    }
}
