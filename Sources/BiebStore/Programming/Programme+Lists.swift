import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The library's own lists of the programme that activities point at — series and external venues —
/// checked, changed and removed.
///
/// Removing one that activities still use is refused (409, naming how many). The schema's foreign keys
/// (`activities.series_id`, `activities.venue_id`) say `ON DELETE SET NULL`, which would let it go
/// silently: a lecture at the community centre would then seem to take place "in the branch", and a
/// series would lose its meetings. The keys stay as a safety net (an activity planned at the very
/// moment of the removal loses its series or venue rather than failing); the check here is the rule.
extension Programme {
    // MARK: Series

    /// A series' fields as stored: trimmed, a title of 1–200 characters, a description of at most 4,000.
    static func checkSeries(title: String, description: String) throws -> (title: String, description: String) {
        let title = title.trimmed, description = description.trimmed
        guard (1...200).contains(title.count) else {
            throw BiebError.invalid("title", "Give the series a title (at most 200 characters).", nl: "Geef de reeks een titel (hoogstens 200 tekens).")
        }
        guard description.count <= 4000 else { throw BiebError.invalid("description", "At most 4000 characters.", nl: "Hoogstens 4000 tekens.") }
        return (title, description)
    }

    public func series(_ id: Int) async throws -> ActivitySeries? {
        try await sql.raw("""
            SELECT id, title, description FROM activity_series WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)
            """).first().map {
            ActivitySeries(id: try $0.decode(column: "id", as: Int.self), title: try $0.decode(column: "title", as: String.self),
                           description: try $0.decode(column: "description", as: String.self))
        }
    }

    public func updateSeries(_ id: Int, title: String, description: String) async throws -> ActivitySeries {
        let (title, description) = try Self.checkSeries(title: title, description: description)
        let organisationID = organisationID
        let found = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE activity_series SET title = \(bind: title), description = \(bind: description)
                WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID) RETURNING id
                """).first() != nil
        }
        guard found else { throw Self.seriesNotFound }
        return ActivitySeries(id: id, title: title, description: description)
    }

    /// Removes a series no activity belongs to.
    public func deleteSeries(_ id: Int) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("SELECT id FROM activity_series WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)")
                .first() != nil else { throw Self.seriesNotFound }
            let used = try await Self.count(sql, "SELECT COUNT(*) AS n FROM activities WHERE series_id = \(bind: id)")
            if used > 0 {
                throw BiebError(.conflict, code: "series_in_use", message: used == 1
                                    ? "1 activity belongs to this series: give it another series (or none) first."
                                    : "\(used) activities belong to this series: give them another series (or none) first.",
                                nl: used == 1
                                    ? "Er hoort 1 activiteit bij deze reeks: geef die eerst een andere reeks (of geen)."
                                    : "Er horen \(used) activiteiten bij deze reeks: geef die eerst een andere reeks (of geen).")
            }
            try await sql.raw("DELETE FROM activity_series WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)").run()
        }
    }

    static let seriesNotFound = BiebError.notFound("series", nl: "Reeks niet gevonden.")

    /// How many activities (any status) belong to a series.
    public func activityCount(series id: Int) async throws -> Int {
        try await Self.count(sql, "SELECT COUNT(*) AS n FROM activities WHERE series_id = \(bind: id) AND organisation_id = \(bind: organisationID)")
    }

    // MARK: Venues

    /// A venue's fields as stored: trimmed, a name of 1–200 characters, an address of 1–300, the branch one of the organisation's.
    func checkVenue(name: String, address: String, notes: String, branch: UUID?) async throws -> (name: String, address: String, notes: String) {
        let name = name.trimmed, address = address.trimmed, notes = notes.trimmed
        guard (1...200).contains(name.count) else {
            throw BiebError.invalid("name", "Give the venue a name (at most 200 characters).", nl: "Geef de locatie een naam (hoogstens 200 tekens).")
        }
        guard (1...300).contains(address.count) else {
            throw BiebError.invalid("address", "Give the address (at most 300 characters).", nl: "Geef het adres (hoogstens 300 tekens).")
        }
        guard notes.count <= 4000 else { throw BiebError.invalid("notes", "At most 4000 characters.", nl: "Hoogstens 4000 tekens.") }
        if let branch, try await Branch.query(on: db).filter(\.$id == branch).filter(\.$organisation.$id == organisationID).first() == nil {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        return (name, address, notes)
    }

    public func updateVenue(_ id: UUID, name: String, address: String, notes: String, branch: UUID?) async throws -> ExternalVenue {
        guard try await venue(id) != nil else { throw Self.venueNotFound }
        let (name, address, notes) = try await checkVenue(name: name, address: address, notes: notes, branch: branch)
        let organisationID = organisationID
        let found = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE external_venues SET name = \(bind: name), address = \(bind: address), notes = \(bind: notes), branch_id = \(bind: branch)
                WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID) RETURNING id
                """).first() != nil
        }
        guard found else { throw Self.venueNotFound }
        return ExternalVenue(id: id, organisationID: organisationID, branchID: branch, name: name, address: address, notes: notes)
    }

    /// Removes a venue no activity takes place at.
    public func deleteVenue(_ id: UUID) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("SELECT id FROM external_venues WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)")
                .first() != nil else { throw Self.venueNotFound }
            let used = try await Self.count(sql, "SELECT COUNT(*) AS n FROM activities WHERE venue_id = \(bind: id)")
            if used > 0 {
                throw BiebError(.conflict, code: "venue_in_use", message: used == 1
                                    ? "1 activity takes place at this venue: move it elsewhere first."
                                    : "\(used) activities take place at this venue: move them elsewhere first.",
                                nl: used == 1
                                    ? "Er vindt 1 activiteit plaats op deze locatie: verplaats die eerst."
                                    : "Er vinden \(used) activiteiten plaats op deze locatie: verplaats die eerst.")
            }
            try await sql.raw("DELETE FROM external_venues WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)").run()
        }
    }

    static let venueNotFound = BiebError.notFound("venue", nl: "Locatie niet gevonden.")

    /// How many activities (any status) take place at a venue.
    public func activityCount(venue id: UUID) async throws -> Int {
        try await Self.count(sql, "SELECT COUNT(*) AS n FROM activities WHERE venue_id = \(bind: id) AND organisation_id = \(bind: organisationID)")
    }

    static func count(_ sql: any SQLDatabase, _ query: SQLQueryString) async throws -> Int {
        try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
