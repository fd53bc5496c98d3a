import Foundation
import Vapor
import BiebCore
import BiebStore

/// A people counter's export read and, when every line is good, recorded
/// for the branch: shared by the API and the staff page.
enum VisitorImport {
    /// What became of an export: the API's answer and what the page shows.
    struct Outcome: Content {
        let branch: String
        let days: Int
        let visits: Int
        let estimated_days: [String]
        let corrections: [String]
        let problems: [ImportProblemDTO]
        let imported: Bool
    }

    static func run(_ text: String, branch: BranchLabel, settings: PeopleCounterImport.Settings, service: InsightsService,
                    english: Bool) async throws -> Outcome {
        let result = try PeopleCounterImport.parse(text, settings: settings)
        let days = VisitorCounts.days(of: result)
        if result.accepted {
            try await VisitorCounts(service.db, organisationID: service.organisationID).record(days, branch: branch.id, source: .gate)
        }
        return Outcome(
            branch: branch.slug, days: days.count, visits: days.map(\.visits).reduce(0, +),
            estimated_days: days.filter(\.estimated).map(\.date.iso), corrections: result.corrections.map { $0.message(dutch: !english) },
            problems: result.problems.map { ImportProblemDTO($0, english: english) },
            imported: result.accepted)
    }
}
