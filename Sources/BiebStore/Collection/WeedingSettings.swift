import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An organisation's own weeding thresholds, over the defaults written in
/// `WeedingThresholds.defaults`. A row is a part of the collection, or one
/// NUR heading within it (`heading`; `wholePart` for the part itself).
public struct WeedingSettings: OrganisationStore {
    static let schema = "collection_thresholds"
    /// The `heading` of a row that sets a whole part.
    static let wholePart = -1

    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The policy: the organisation's rows over the defaults.
    public func policy() async throws -> WeedingPolicy {
        var own: [WeedingPolicy.Scope: WeedingThresholds] = [:]
        for row in try await sql.select().columns("part", "heading", "max_age_years", "idle_months", "worn_loans", "loans_per_copy")
            .from(Self.schema).where("organisation_id", .equal, organisationID).all() {
            guard let part = CollectionSegment(rawValue: try row.decode(column: "part", as: String.self)) else { continue }
            let heading = try row.decode(column: "heading", as: Int.self)
            own[.init(part: part, heading: heading == Self.wholePart ? nil : heading)] = WeedingThresholds(
                maxAgeYears: try row.decode(column: "max_age_years", as: Int?.self), idleMonths: try row.decode(column: "idle_months", as: Int.self),
                wornLoans: try row.decode(column: "worn_loans", as: Int.self), loansPerCopy: try row.decode(column: "loans_per_copy", as: Int.self))
        }
        return WeedingPolicy(own: own)
    }

    /// Sets the thresholds of a part or heading; refused with each problem named.
    public func set(_ thresholds: WeedingThresholds, part: CollectionSegment, heading: Int?, now: Date = Date()) async throws {
        if let problem = thresholds.problems().first {
            throw BiebError.invalid(problem.field, problem.en, nl: problem.nl)
        }
        if let heading, ShelfSegment.heading(nur: heading) != heading {
            throw BiebError.invalid("heading", "A NUR heading is a multiple of ten from 0 to 990.", nl: "Een NUR-hoofdrubriek is een tiental van 0 tot 990.")
        }
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: Self.schema) (organisation_id, part, heading, max_age_years, idle_months, worn_loans, loans_per_copy, updated_at)
            VALUES (\(bind: organisationID), \(bind: part.rawValue), \(bind: heading ?? Self.wholePart), \(bind: thresholds.maxAgeYears),
                    \(bind: thresholds.idleMonths), \(bind: thresholds.wornLoans), \(bind: thresholds.loansPerCopy), \(bind: now))
            ON CONFLICT (organisation_id, part, heading) DO UPDATE SET max_age_years = excluded.max_age_years,
                idle_months = excluded.idle_months, worn_loans = excluded.worn_loans, loans_per_copy = excluded.loans_per_copy,
                updated_at = excluded.updated_at
            """).run()
    }

    /// Removes the organisation's own thresholds of a part or heading: the defaults apply again.
    public func reset(part: CollectionSegment, heading: Int?) async throws {
        try await sql.delete(from: Self.schema).where("organisation_id", .equal, organisationID).where("part", .equal, part.rawValue)
            .where("heading", .equal, heading ?? Self.wholePart).run()
    }
}
