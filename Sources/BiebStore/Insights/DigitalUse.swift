import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Use of digital resources, as `digital_use` facts: a vendor's monthly
/// report (`CounterReport`: COUNTER Release 5 JSON or tabular, or a plain
/// CSV) summed per month, platform and metric — the titles inside a
/// platform are not kept, the indicator and the annual report count per
/// platform. A month's count is dated the month's last day and belongs to
/// the organisation (no branch: a member reads from home).
///
/// Importing a month again replaces what was known of that platform,
/// month and metric — a corrected report counts once, and a platform report
/// after a title report of the same platform does not double its requests
/// — in one transaction, with the months' roll-ups.
public struct DigitalUse: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The longest platform name kept.
    public static let nameLimit = 120

    /// A month of one platform by one metric.
    public struct Month: Sendable, Equatable {
        /// "2026-03".
        public let month: String
        public let platform: String
        public let metric: String
        public let count: Int

        public init(month: String, platform: String, metric: String, count: Int) {
            (self.month, self.platform, self.metric, self.count) = (month, platform, metric, count)
        }

        /// The month's last day, which its facts are dated.
        public var day: LocalDate? {
            guard month.count == 7, let year = Int(month.prefix(4)), let number = Int(month.suffix(2)), (1...12).contains(number),
                  let next = LocalDate(year: number == 12 ? year + 1 : year, month: number == 12 ? 1 : number + 1, day: 1) else { return nil }
            return next.adding(days: -1)
        }
    }

    /// A report's counts per month, platform and metric: the platform the report names, else `provider`
    /// (a plain CSV may name only its resources); metrics as `DigitalUseMetric` stores them.
    public static func months(of counts: [CounterReport.UsageCount], provider: String?) throws(BiebError) -> [Month] {
        let fallback = String((provider ?? "").trimmingCharacters(in: .whitespaces).prefix(nameLimit))
        var sums: [String: Month] = [:]
        for count in counts {
            var platform = String(count.platform.trimmingCharacters(in: .whitespaces).prefix(nameLimit))
            if platform.isEmpty { platform = fallback }
            guard !platform.isEmpty else {
                throw BiebError.invalid("provider", "The report names no platform: give the provider's name.",
                                        nl: "Het rapport noemt geen platform: geef de naam van de aanbieder.")
            }
            let metric = DigitalUseMetric.normalised(count.metric)
            let key = "\(count.month)|\(platform)|\(metric)"
            sums[key] = Month(month: count.month, platform: platform, metric: metric, count: (sums[key]?.count ?? 0) + count.count)
        }
        return sums.values.sorted { ($0.month, $0.platform, $0.metric) < ($1.month, $1.platform, $1.metric) }
    }

    /// Records the months, replacing what was known of each month, platform and metric.
    public func record(_ months: [Month]) async throws {
        let dated = months.compactMap { month in month.day.map { (month, $0) } }
        let organisationID = organisationID
        for start in stride(from: 0, to: dated.count, by: 200) {
            let part = Array(dated[start..<min(start + 200, dated.count)])
            try await WriteGate.transaction(on: db) { tx in
                for (month, day) in part {
                    try await tx.sql.raw("""
                        DELETE FROM insight_facts WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: FactKind.digitalUse.rawValue)
                          AND day = \(bind: day.iso) AND topic = \(bind: month.platform) AND mode = \(bind: month.metric)
                        """).run()
                }
                try await InsightFacts.Fact.insert(part.map { month, day in
                    InsightFacts.Fact(day: day, branch: nil, kind: .digitalUse, topic: month.platform, mode: month.metric, quantity: month.count)
                }, organisation: organisationID, on: tx.sql)
                try await InsightRollups.refresh(days: Set(part.map(\.1)), kinds: [.digitalUse], organisation: organisationID, on: tx.sql)
            }
        }
    }

    /// A year's use per platform and metric, with the months (from the monthly roll-ups).
    public func year(_ year: Int) async throws -> [(platform: String, metric: String, months: [String: Int])] {
        let rows = try await sql.raw("""
            SELECT topic, mode, month, CAST(SUM(quantity) AS BIGINT) AS n FROM insight_monthly
            WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: FactKind.digitalUse.rawValue)
              AND month >= \(bind: "\(year)-01") AND month <= \(bind: "\(year)-12")
            GROUP BY 1, 2, 3
            """).all()
        var lines: [String: (platform: String, metric: String, months: [String: Int])] = [:]
        for row in rows {
            let platform = try row.decode(column: "topic", as: String?.self) ?? ""
            let metric = try row.decode(column: "mode", as: String?.self) ?? ""
            let key = platform + "|" + metric
            lines[key, default: (platform, metric, [:])].months[try row.decode(column: "month", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return lines.values.sorted { line, other in
            // Use first, then the platform's other metrics by name.
            (line.platform.lowercased(), DigitalUseMetric.countsAsUse(line.metric) ? 0 : 1, line.metric)
                < (other.platform.lowercased(), DigitalUseMetric.countsAsUse(other.metric) ? 0 : 1, other.metric)
        }
    }
}
