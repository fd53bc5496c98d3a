import FluentKit
import Foundation
import SQLKit
import BiebCore

/// People through a branch's entrance, as `visitor_count` facts: the days
/// of a people counter's export (`PeopleCounterImport`: summed over the
/// branch's counters, a day "estimated" when any counter's day was) and the
/// counts staff type in ("manual"). Bringing a day in again replaces what
/// that source said of it (an export corrected and sent again counts once),
/// in one transaction with the day's roll-ups. No person is in it.
public struct VisitorCounts: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Where a count comes from: a people counter's export, or staff counting.
    public enum Source: String, Sendable, CaseIterable {
        case gate
        case manual
    }

    /// One day's count for a branch.
    public struct Day: Sendable, Equatable {
        public let date: LocalDate
        public let visits: Int
        public let estimated: Bool

        public init(date: LocalDate, visits: Int, estimated: Bool) {
            (self.date, self.visits, self.estimated) = (date, visits, estimated)
        }
    }

    /// A people counter's days per branch: each date's counters summed, estimated when any counter's day was.
    public static func days(of result: PeopleCounterImport.Result) -> [Day] {
        Dictionary(grouping: result.days, by: \.date).map { date, counts in
            Day(date: date, visits: counts.map(\.visits).reduce(0, +), estimated: counts.contains { $0.origin == .estimated })
        }.sorted { $0.date < $1.date }
    }

    /// Records the days' counts for `branch` from `source`, replacing what that source said of those days.
    public func record(_ days: [Day], branch: UUID, source: Source) async throws {
        guard try await sql.raw("SELECT 1 AS x FROM branches WHERE id = \(bind: branch) AND organisation_id = \(bind: organisationID)").first() != nil else {
            throw BiebError.invalid("branch", "There is no such branch in this organisation.", nl: "Die vestiging is er niet in deze organisatie.")
        }
        if let bad = days.first(where: { !(0...1_000_000).contains($0.visits) }) {
            throw BiebError.invalid("count", "\(bad.date.iso): give a number from 0 to 1000000.", nl: "\(bad.date.iso): geef een getal van 0 tot en met 1000000.")
        }
        let organisationID = organisationID
        for start in stride(from: 0, to: days.count, by: 400) {
            let part = Array(days[start..<min(start + 400, days.count)])
            try await WriteGate.transaction(on: db) { tx in
                try await tx.sql.raw("""
                    DELETE FROM insight_facts WHERE organisation_id = \(bind: organisationID) AND branch_id = \(bind: branch)
                      AND kind = \(bind: FactKind.visitorCount.rawValue) AND topic = \(bind: source.rawValue) AND day IN (\(binds: part.map(\.date.iso)))
                    """).run()
                let facts = part.filter { $0.visits > 0 }.map { day in
                    InsightFacts.Fact(day: day.date, branch: branch, kind: .visitorCount, topic: source.rawValue,
                                      mode: source == .manual ? "manual" : day.estimated ? "estimated" : "counted", quantity: day.visits)
                }
                try await InsightFacts.Fact.insert(facts, organisation: organisationID, on: tx.sql)
                try await InsightRollups.refresh(days: Set(part.map(\.date)), kinds: [.visitorCount], organisation: organisationID, on: tx.sql)
            }
        }
    }
}
