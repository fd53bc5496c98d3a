import BiebCore
import Foundation
import SQLKit

// An activity as it is filled in and as it is stored: the input, its
// checks, and its row in `activities`. Adding a field to an activity
// touches this file (docs/ARCHITECTURE.md, "Adding a field to an activity").

/// What staff (or a partner) fill in for an activity.
public struct ActivityInput: Sendable {
    public var branchID: UUID
    public var spaceID: UUID?
    public var venueID: UUID?
    public var kind: String
    public var title: String
    public var description: String = ""
    public var imageURL: String = ""
    public var language: String = "nl"
    public var accessibility: String = ""
    public var coreFunction: CoreFunction = .meeting
    public var presence: ActivityPresence = .physical
    public var themes: [String] = []
    public var audiences: [ActivityAudience] = []
    public var ageMin: Int?
    public var ageMax: Int?
    public var seriesID: Int?
    public var communityID: UUID?
    public var organiser: String = ""
    public var partnerIDs: [UUID] = []
    public var listID: UUID?
    public var registration: RegistrationMode = .free
    public var priceCents: Int = 0
    public var capacity: Int?
    public var needsStaff: Bool = true
    public var guestDataDays: Int = 0
    /// The sessions, in any order.
    public var sessions: [TimeRange]

    public init(branchID: UUID, kind: String, title: String, sessions: [TimeRange]) {
        self.branchID = branchID
        self.kind = kind
        self.title = title
        self.sessions = sessions
    }
}

extension ActivityInput {
    /// The checks of single fields and of fields against each other that
    /// need no database (the rest, such as a space in the branch, are
    /// `Programme`'s). Errors name the API's field.
    func checkFields() throws {
        if let min = ageMin, !(0...120).contains(min) { throw BiebError.invalid("age_min", "An age between 0 and 120.", nl: "Een leeftijd tussen 0 en 120.") }
        if let max = ageMax, !(0...120).contains(max) || max < (ageMin ?? 0) {
            throw BiebError.invalid("age_max", "An age between the lowest age and 120.", nl: "Een leeftijd tussen de laagste leeftijd en 120.")
        }
        if let capacity = capacity, !(1...100_000).contains(capacity) {
            throw BiebError.invalid("capacity", "Places between 1 and 100,000 (leave empty for no limit).", nl: "Plaatsen tussen 1 en 100.000 (leeg: geen grens).")
        }
        switch registration {
        case .paid:
            guard (1...100_000).contains(priceCents) else { throw BiebError.invalid("price_cents", "A paid activity needs a price (in cents, up to 100,000).", nl: "Een betaalde activiteit heeft een prijs nodig (in centen, tot 100.000).") }
        case .free, .none:
            guard priceCents == 0 else { throw BiebError.invalid("price_cents", "Only a paid activity has a price.", nl: "Alleen een betaalde activiteit heeft een prijs.") }
        }
        guard (0...365).contains(guestDataDays) else { throw BiebError.invalid("guest_data_days", "Between 0 and 365 days.", nl: "Tussen 0 en 365 dagen.") }
        if spaceID != nil && venueID != nil {
            throw BiebError.invalid("venue_id", "Either a space of the branch or an external venue, not both.", nl: "Een ruimte van de vestiging of een externe locatie, niet beide.")
        }
    }
}

/// The columns of `activities` that planning writes when it creates or
/// changes an activity. Each column is named here once: inserting,
/// updating and reading an activity encode and decode this type. A new
/// column also needs its migration (`ProgrammingSchema`).
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
    var presence: String
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
        presence = input.presence.rawValue
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
                 presence: ActivityPresence(rawValue: plan.presence) ?? .physical,
                 themes: [], audiences: [], ageMin: plan.age_min, ageMax: plan.age_max, seriesID: plan.series_id,
                 communityID: plan.community_id, organiser: plan.organiser, partnerIDs: [], listID: plan.list_id,
                 registration: RegistrationMode(rawValue: plan.registration) ?? .none, priceCents: plan.price_cents,
                 capacity: plan.capacity, needsStaff: plan.needs_staff, guestDataDays: plan.guest_data_days,
                 status: Activity.Status(rawValue: status) ?? .draft, createdAt: created_at, updatedAt: plan.updated_at)
    }
}
