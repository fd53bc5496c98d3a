import Foundation
import Vapor
import BiebCore
import BiebStore

/// The answers of a survey as CSV: a line per answer with its wave, channel, branch, activity kind, core
/// function, theme and day, and a column per question. An anonymous answer carries no identifier at all (not even
/// its own number in the database); a column `member` is filled only for an answer linked by consent. Open text
/// stands only once approved by moderation.
enum ResearchExport {
    static func answers(_ scope: ResearchResults.Scope, service: ResearchService) async throws -> String {
        let questions = try await service.results.questions(survey: scope.survey)
        let waves = Dictionary(uniqueKeysWithValues: try await service.fieldwork.waves(survey: scope.survey).map { ($0.id, $0.name) })
        var text = CSVText.line(["wave", "channel", "branch", "activity_kind", "core_function", "theme", "answered_on", "member"]
            .map { CSVText.field($0) } + questions.map { CSVText.field($0.key) })
        for row in try await service.results.rows(scope) {
            let facts = [row.waveID.flatMap { waves[$0] } ?? "", row.channel, service.branchName(row.branchID) ?? "",
                         row.activityKind ?? "", row.coreFunction ?? "", row.theme ?? "", row.answeredOn, row.memberID?.uuidString.lowercased() ?? ""]
            text += CSVText.line(facts.map { CSVText.field($0) } + questions.map { CSVText.field(row.values[$0.key] ?? "") })
        }
        return text
    }

    /// The CSV as a download, for the API and the results page alike.
    static func response(_ scope: ResearchResults.Scope, service: ResearchService) async throws -> Response {
        let survey = try await service.survey(scope.survey)
        return CSVText.response(try await answers(scope, service: service), filename: "\(survey.slug)-antwoorden.csv", bom: true)
    }
}
