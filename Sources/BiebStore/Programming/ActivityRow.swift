import BiebCore
import Foundation
import SQLKit

/// The columns of `activities` that planning writes when it creates or
/// changes an activity. Each column is named here once: inserting,
/// updating and reading an activity encode and decode this type.
struct ActivityPlanColumns: Codable, Sendable {
    var branch_id: UUID
    var space_id: UUID?
    var venue_id: UUID?
    var kind: String
    var title: String
    var description: String
    var image_url: String
    var language: String
    var accessibility: String
    var core_function: String
    var age_min: Int?
    var age_max: Int?
    var series_id: Int?
    var community_id: UUID?
    var organiser: String
    var list_id: UUID?
    var registration: String
    var price_cents: Int
    var capacity: Int?
    var needs_staff: Bool
    var guest_data_days: Int
    /// The first session's start and the last session's end (for finding activities by date).
    var starts_at: Date
    var ends_at: Date
    var updated_at: Date

    /// The plan of `input` with its (validated, sorted) sessions, as of `now`.
    init(_ input: ActivityInput, sessions: [TimeRange], now: Date) {
        branch_id = input.branchID
        space_id = input.spaceID
        venue_id = input.venueID
        kind = input.kind
        title = input.title.trimmed
        description = input.description.trimmed
        image_url = input.imageURL.trimmed
        language = input.language
        accessibility = input.accessibility.trimmed
        core_function = input.coreFunction.rawValue
        age_min = input.ageMin
        age_max = input.ageMax
        series_id = input.seriesID
        community_id = input.communityID
        organiser = input.organiser.trimmed
        list_id = input.listID
        registration = input.registration.rawValue
        price_cents = input.priceCents
        capacity = input.capacity
        needs_staff = input.needsStaff
        guest_data_days = input.guestDataDays
        starts_at = sessions.map(\.start).min() ?? now
        ends_at = sessions.map(\.end).max() ?? now
        updated_at = now
    }

    /// Sets these columns of the activity `id` (a cleared value becomes NULL).
    func update(_ id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.update(ActivityRow.table).set(model: self, nilEncodingStrategy: .asNil)
            .where("id", .equal, id).run()
    }
}

/// A whole row of `activities`: whose it is, where it stands, and its plan
/// (the plan's columns stand in the same row, not nested).
struct ActivityRow: Codable, Sendable {
    static let table = "activities"

    var id: UUID
    var organisation_id: UUID
    var status: String
    var created_at: Date
    var plan: ActivityPlanColumns

    private enum CodingKeys: String, CodingKey {
        case id, organisation_id, status, created_at
    }

    init(id: UUID, organisationID: UUID, status: Activity.Status, createdAt: Date, plan: ActivityPlanColumns) {
        self.id = id
        organisation_id = organisationID
        self.status = status.rawValue
        created_at = createdAt
        self.plan = plan
    }

    init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        id = try row.decode(UUID.self, forKey: .id)
        organisation_id = try row.decode(UUID.self, forKey: .organisation_id)
        status = try row.decode(String.self, forKey: .status)
        created_at = try row.decode(Date.self, forKey: .created_at)
        plan = try ActivityPlanColumns(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        var row = encoder.container(keyedBy: CodingKeys.self)
        try row.encode(id, forKey: .id)
        try row.encode(organisation_id, forKey: .organisation_id)
        try row.encode(status, forKey: .status)
        try row.encode(created_at, forKey: .created_at)
        try plan.encode(to: encoder)
    }

    /// Adds the row to `activities`.
    func insert(on sql: any SQLDatabase) async throws {
        try await sql.insert(into: Self.table).model(self, nilEncodingStrategy: .asNil).run()
    }

    /// The row's activity, without the themes, audiences and partners kept in tables of their own.
    var activity: Activity {
        Activity(id: id, organisationID: organisation_id, branchID: plan.branch_id, spaceID: plan.space_id, venueID: plan.venue_id,
                 kind: plan.kind, title: plan.title, description: plan.description, imageURL: plan.image_url, language: plan.language,
                 accessibility: plan.accessibility, coreFunction: CoreFunction(rawValue: plan.core_function) ?? .meeting,
                 themes: [], audiences: [], ageMin: plan.age_min, ageMax: plan.age_max, seriesID: plan.series_id,
                 communityID: plan.community_id, organiser: plan.organiser, partnerIDs: [], listID: plan.list_id,
                 registration: RegistrationMode(rawValue: plan.registration) ?? .none, priceCents: plan.price_cents,
                 capacity: plan.capacity, needsStaff: plan.needs_staff, guestDataDays: plan.guest_data_days,
                 status: Activity.Status(rawValue: status) ?? .draft, createdAt: created_at, updatedAt: plan.updated_at)
    }
}
