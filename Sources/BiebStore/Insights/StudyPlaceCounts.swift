import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Staff's head counts of occupied study places: walking past the study
/// areas of a branch and counting who sits there. Each count becomes two
/// facts of the day — the places found occupied (`study_occupied`) and the
/// places there were (`study_places_counted`, the capacity of the branch's
/// study areas then) — so that the year's occupancy is one sum divided by
/// another, whatever the number of counts. The hour of the count is the
/// facts' `mode` ("14:00"), for the busy hours. Nobody is named.
public struct StudyPlaceCounts: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// A count as recorded.
    public struct Count: Sendable, Equatable {
        public let day: LocalDate
        public let hour: String
        public let occupied: Int
        public let places: Int

        /// Occupied ÷ places.
        public var occupancy: Double { places == 0 ? 0 : Double(occupied) / Double(places) }
    }

    /// The study places of a branch: the capacity of its study areas.
    public func places(branch: UUID) async throws -> Int {
        try await sql.raw("""
            SELECT CAST(COALESCE(SUM(capacity), 0) AS BIGINT) AS n FROM spaces
            WHERE branch_id = \(bind: branch) AND kind = \(bind: SpaceKind.studyArea.rawValue)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Records a count of `occupied` places at `branch` at `at`: refused where the branch has no study places,
    /// or when more are counted than there are.
    public func record(branch: UUID, occupied: Int, at: Date, timeZone: TimeZone) async throws -> Count {
        guard try await sql.raw("SELECT 1 AS x FROM branches WHERE id = \(bind: branch) AND organisation_id = \(bind: organisationID)").first() != nil else {
            throw BiebError.invalid("branch", "There is no such branch in this organisation.", nl: "Die vestiging is er niet in deze organisatie.")
        }
        let places = try await places(branch: branch)
        guard places > 0 else {
            throw BiebError.invalid("branch", "This branch has no study places.", nl: "Deze vestiging heeft geen studieplekken.", code: "no_study_places")
        }
        guard (0...places).contains(occupied) else {
            throw BiebError.invalid("occupied", "Give a number from 0 to \(places), the study places of this branch.",
                                    nl: "Geef een getal van 0 tot en met \(places), de studieplekken van deze vestiging.")
        }
        let day = LocalDate(at, in: timeZone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let hour = String(format: "%02d:00", calendar.component(.hour, from: at))
        let facts = [
            InsightFacts.Fact(day: day, branch: branch, kind: .studyOccupied, mode: hour, quantity: occupied),
            InsightFacts.Fact(day: day, branch: branch, kind: .studyPlacesCounted, mode: hour, quantity: places),
        ].filter { $0.quantity > 0 }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await InsightFacts.Fact.insert(facts, organisation: organisationID, on: tx.sql)
            try await InsightRollups.refresh(days: [day], kinds: [.studyOccupied, .studyPlacesCounted], organisation: organisationID, on: tx.sql)
        }
        return Count(day: day, hour: hour, occupied: occupied, places: places)
    }
}
