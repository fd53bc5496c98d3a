import Foundation
import Vapor
import BiebCore
import BiebStore

/// The one decoding of a series and of an external venue, whichever way they come: the API's JSON
/// (`POST`/`PUT /api/v1/activity-series`, `/api/v1/venues`) or the forms of the programme's own lists
/// page, whose inputs carry the same names — so both accept and refuse alike and an error names the same field.
struct ActivitySeriesInput: Content {
    var title: String?
    var description: String?

    func create(in programme: Programme) async throws -> ActivitySeries {
        try await programme.createSeries(title: title ?? "", description: description ?? "")
    }

    func update(_ id: Int, in programme: Programme) async throws -> ActivitySeries {
        try await programme.updateSeries(id, title: title ?? "", description: description ?? "")
    }
}

struct VenueInput: Content {
    /// A branch id, or empty or absent for none (a form's "—").
    var branch_id: String?
    var name: String?
    var address: String?
    var notes: String?

    func branch() throws -> UUID? {
        guard let text = branch_id?.trimmed, !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw BiebError.invalid("branch_id", "'\(text)' is not a branch id.", nl: "'\(text)' is geen vestigings-id.")
        }
        return id
    }

    func create(in programme: Programme) async throws -> ExternalVenue {
        try await programme.createVenue(name: name ?? "", address: address ?? "", notes: notes ?? "", branch: try branch())
    }

    func update(_ id: UUID, in programme: Programme) async throws -> ExternalVenue {
        try await programme.updateVenue(id, name: name ?? "", address: address ?? "", notes: notes ?? "", branch: try branch())
    }
}
