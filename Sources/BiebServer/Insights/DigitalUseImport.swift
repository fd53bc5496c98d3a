import Foundation
import Vapor
import BiebCore
import BiebStore

/// A digital resource's report read and, when every line is good, recorded
/// (`DigitalUse`); and a year's use per platform as pages and the API show
/// it — shared by both.
enum DigitalUseImport {
    /// What became of a report: the API's answer and what the page shows.
    struct Outcome: Content {
        /// r5.0_json, r5.1_json, tabular or plain_csv.
        let form: String
        let report: String?
        let platforms: [String]
        let months: [String]
        let lines: Int
        /// Of the counts, those that count as use (`DigitalUseMetric`).
        let uses: Int
        let problems: [ImportProblemDTO]
        let imported: Bool
    }

    static func run(_ data: Data, provider: String?, service: InsightsService, english: Bool) async throws -> Outcome {
        let result = try CounterReport.parse(data)
        let months = try DigitalUse.months(of: result.counts, provider: provider)
        if result.accepted {
            try await DigitalUse(service.db, organisationID: service.organisationID).record(months)
        }
        return Outcome(
            form: result.form.rawValue, report: result.header.reportID ?? result.header.reportName,
            platforms: Array(Set(months.map(\.platform))).sorted(), months: Array(Set(months.map(\.month))).sorted(), lines: months.count,
            uses: months.filter { DigitalUseMetric.countsAsUse($0.metric) }.map(\.count).reduce(0, +),
            problems: result.problems.map { ImportProblemDTO($0, english: english) },
            imported: result.accepted)
    }

    /// A platform's metric over a year: each month and the total as they may leave Bieb ("<5" under 5).
    struct Line: Content {
        let platform: String
        let metric: String
        let counts_as_use: Bool
        let months: [Cell]
        let total: Cell
    }

    struct Cell: Content {
        let month: String?
        let count: Int?
        let shown: String

        init(month: String?, count: Int) {
            self.month = month
            self.count = count < SmallCells.threshold ? nil : count
            shown = SmallCells.text(count)
        }
    }

    static func lines(year: Int, service: InsightsService) async throws -> [Line] {
        try await DigitalUse(service.db, organisationID: service.organisationID).year(year).map { line in
            Line(platform: line.platform, metric: line.metric, counts_as_use: DigitalUseMetric.countsAsUse(line.metric),
                 months: (1...12).map { month in
                     let key = String(format: "%04d-%02d", year, month)
                     return Cell(month: key, count: line.months[key] ?? 0)
                 },
                 total: Cell(month: nil, count: line.months.values.reduce(0, +)))
        }
    }
}
