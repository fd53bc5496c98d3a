import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Catalogue searches as `catalogue_search` facts: how many, per day and
/// channel ("portal", "api") — never the words or who searched. Each app
/// server tallies its searches in memory and hands them in about once a
/// minute (`record`); tallies of several servers add up.
public struct SearchCounts: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// A tally of searches on a day through a channel.
    public struct Tally: Sendable, Hashable {
        public let day: LocalDate
        public let channel: String

        public init(day: LocalDate, channel: String) { (self.day, self.channel) = (day, channel) }
    }

    /// Adds the tallies as facts and brings their days' roll-ups of searches up to date, in one transaction.
    public func record(_ tallies: [Tally: Int]) async throws {
        let facts = tallies.filter { $0.value > 0 }.sorted { ($0.key.day, $0.key.channel) < ($1.key.day, $1.key.channel) }.map { tally, count in
            InsightFacts.Fact(day: tally.day, branch: nil, kind: .catalogueSearch, mode: tally.channel, quantity: count)
        }
        guard !facts.isEmpty else { return }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await InsightFacts.Fact.insert(facts, organisation: organisationID, on: tx.sql)
            try await InsightRollups.refresh(days: Set(facts.map(\.day)), kinds: [.catalogueSearch], organisation: organisationID, on: tx.sql)
        }
    }
}
