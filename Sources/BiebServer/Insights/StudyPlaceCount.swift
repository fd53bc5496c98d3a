import Foundation
import Vapor
import BiebCore
import BiebStore

/// A head count of occupied study places, recorded for the API and the
/// desk's page alike: by staff who may work the desk (`circulate`) at that
/// branch, at this moment in the organisation's time.
enum StudyPlaceCount {
    static func record(_ fields: StudyCountFields, req: Request) async throws -> (branch: BranchLabel, count: StudyPlaceCounts.Count) {
        let user = try req.staff(.circulate)
        let branches = try await req.branches.labels(of: user.organisationID)
        let (branch, occupied) = try fields.count(branches: branches)
        _ = try req.staff(.circulate, branch: branch.id)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let count = try await StudyPlaceCounts(req.db, organisationID: user.organisationID)
            .record(branch: branch.id, occupied: occupied, at: Date(), timeZone: organisation.zone)
        return (branch, count)
    }
}
