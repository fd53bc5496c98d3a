import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An activity of the programme: a lecture, debate, course (several
/// sessions), exhibition (one long session), consultation hour, … with its
/// registration rules.
public struct Activity: Sendable, Equatable, Codable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Being planned: not on the agenda; its room is held tentatively.
        case draft
        case published
        /// Called off: stays on the agenda as cancelled; registrations end.
        case cancelled
    }

    public var id: UUID
    public var organisationID: UUID
    /// The branch that runs it (and whose agenda shows it).
    public var branchID: UUID
    /// Where: a space of the branch, or an external venue (or neither: "in the branch").
    public var spaceID: UUID?
    public var venueID: UUID?
    public var kind: String
    public var title: String
    public var description: String
    /// An image's web address (https) or path.
    public var imageURL: String
    /// The language it is held in (ISO 639-1).
    public var language: String
    public var accessibility: String
    public var coreFunction: CoreFunction
    /// In a room, online or hybrid.
    public var presence: ActivityPresence
    public var themes: [String]
    public var audiences: [ActivityAudience]
    public var ageMin: Int?
    public var ageMax: Int?
    public var seriesID: Int?
    public var communityID: UUID?
    /// Who organises it, as shown ("Bibliotheek Utrecht i.s.m. Pakhuis de Zwijger").
    public var organiser: String
    public var partnerIDs: [UUID]
    /// A curated collection list that goes with it.
    public var listID: UUID?
    public var registration: RegistrationMode
    public var priceCents: Int
    /// Places; nil: no limit.
    public var capacity: Int?
    /// Needs staffed hours (a staff-run activity); otherwise self-service hours do.
    public var needsStaff: Bool
    /// Days after the activity that name and e-mail of registrations without an account are kept (0: erased once it is over).
    public var guestDataDays: Int
    public var status: Status
    public var createdAt: Date
    public var updatedAt: Date
}

/// One session of an activity (a course has several, an exhibition one long one).
public struct ActivitySession: Sendable, Equatable, Codable {
    public let id: Int
    public let activityID: UUID
    public let range: TimeRange
    /// The space booking that holds the room, if the activity is in a space.
    public let bookingID: Int?
}

/// An activity with its sessions and how many places are taken.
public struct ActivityListing: Sendable, Equatable {
    public let activity: Activity
    public let sessions: [ActivitySession]
    /// Places taken by registrations (not the waiting list).
    public let taken: Int
    public let waiting: Int

    /// Places left; nil: no limit.
    public var placesLeft: Int? { activity.capacity.map { max(0, $0 - taken) } }
    public var firstStart: Date? { sessions.first?.range.start }
    public var lastEnd: Date? { sessions.map(\.range.end).max() }
}

/// A registration for an activity: of a member, or of a guest with just a
/// name and e-mail (erased after the activity).
public struct Registration: Sendable, Equatable, Codable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case registered
        /// On the waiting list; promoted in order when places come free.
        case waiting
        case cancelled
        /// A guest's registration not confirmed by its e-mail link in time: its places went to others.
        case lapsed
    }

    public let id: Int
    public let activityID: UUID
    public let memberID: UUID?
    public let guestName: String?
    public let guestEmail: String?
    public let places: Int
    public let status: Status
    /// The key of the cancellation link (nil once the guest's data is erased).
    public let token: String?
    public let language: String
    public let createdAt: Date
    public let promotedAt: Date?
    /// The fee line of a paid registration.
    public let feeLineID: Int?
    /// A guest's registration holds its places until this moment; it counts
    /// once the link in its mail is used (`confirmedAt`), and lapses if not.
    /// Nil for members and registrations made by staff: they count at once.
    public var confirmBy: Date? = nil
    public var confirmedAt: Date? = nil
    /// The person agreed, when registering, to be asked a few questions afterwards (customer research).
    public var researchConsent: Bool = false

    /// A guest's registration waiting for its e-mail link.
    public var isProvisional: Bool { confirmBy != nil && confirmedAt == nil }

    /// Coded as its row in `registrations`: each key is a column, named here
    /// once (`Registrations` reads rows with SQLKit's `decode(model:)`).
    enum CodingKeys: String, CodingKey {
        case id, activityID = "activity_id", memberID = "member_id", guestName = "guest_name", guestEmail = "guest_email", places, status
        case token, language, createdAt = "created_at", promotedAt = "promoted_at", feeLineID = "fee_line_id", confirmBy = "confirm_by"
        case confirmedAt = "confirmed_at", researchConsent = "research_consent"
    }
}

/// How guests (registrations without an account) may register, per organisation.
public struct GuestRules: Sendable, Equatable, Codable {
    /// Places one guest registration may ask for.
    public var placesPerRegistration: Int
    /// Hours a guest has to confirm by the link in the mail (never past the start).
    public var confirmHours: Int

    public init(placesPerRegistration: Int = 2, confirmHours: Int = 24) {
        self.placesPerRegistration = placesPerRegistration
        self.confirmHours = confirmHours
    }

    public func validated() throws -> GuestRules {
        guard (1...Registrations.maximumPlaces).contains(placesPerRegistration) else {
            throw BiebError.invalid("places_per_registration", "Between 1 and \(Registrations.maximumPlaces) places.",
                                    nl: "Tussen 1 en \(Registrations.maximumPlaces) plaatsen.")
        }
        guard (1...168).contains(confirmHours) else {
            throw BiebError.invalid("confirm_hours", "Between 1 and 168 hours.", nl: "Tussen 1 en 168 uur.")
        }
        return self
    }
}

/// A venue outside the library's branches (a community centre where the library runs language lessons).
public struct ExternalVenue: Sendable, Equatable, Codable {
    public let id: UUID
    public let organisationID: UUID
    /// The branch or outreach point it belongs to, if any.
    public let branchID: UUID?
    public let name: String
    public let address: String
    public let notes: String
}

/// A series of activities (a debate series with partner organisations).
public struct ActivitySeries: Sendable, Equatable, Codable {
    public let id: Int
    public let title: String
    public let description: String
}

/// A term of an organisation's kinds or themes.
public struct ProgrammeTerm: Sendable, Equatable, Codable {
    public let vocabulary: Vocabulary
    public let code: String
    public let nl: String
    public let en: String

    public func name(english: Bool) -> String { english ? en : nl }
}

/// The programme's tables.
/// The programme's migrations, in order; they run where `CreateProgramming`
/// stands among all migrations (`BiebDatabase.addMigrations`). A change to
/// the programme's tables is a migration appended here; it may rely on the
/// programme's earlier migrations and on everything registered before them.
enum ProgrammingSchema {
    static var migrations: [any Migration] { [CreateProgramming(), AddActivityStatistics()] }
}

/// What the statistics need of activities: whether one is physical, online or hybrid (`ActivityPresence`; those planned
/// before are physical), and a session's head count where nobody registers (a walk-in lecture, an exhibition's day).
struct AddActivityStatistics: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("activities").field("presence", .string, .required, .sql(.default("physical"))).update()
        try await database.schema("activity_sessions").field("head_count", .int).update()
    }

    func revert(on database: Database) async throws {
        try await database.schema("activity_sessions").deleteField("head_count").update()
        try await database.schema("activities").deleteField("presence").update()
    }
}

struct CreateProgramming: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("programme_terms")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("vocabulary", .string, .required)
            .field("code", .string, .required)
            .field("name_nl", .string, .required)
            .field("name_en", .string, .required)
            .field("position", .int, .required)
            .unique(on: "organisation_id", "vocabulary", "code")
            .create()
        try await database.schema("activity_series")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .create()
        try await database.schema("external_venues")
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("name", .string, .required)
            .field("address", .string, .required)
            .field("notes", .string, .required)
            .create()
        try await database.schema("communities")
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("contact", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("community_followers")
            .field("community_id", .uuid, .required, .references("communities", "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .unique(on: "community_id", "member_id")
            .create()
        try await database.schema("activities")
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("space_id", .uuid, .references(Space.schema, "id", onDelete: .setNull))
            .field("venue_id", .uuid, .references("external_venues", "id", onDelete: .setNull))
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("image_url", .string, .required)
            .field("language", .string, .required)
            .field("accessibility", .string, .required)
            .field("core_function", .string, .required)
            .field("age_min", .int)
            .field("age_max", .int)
            .field("series_id", .int64, .references("activity_series", "id", onDelete: .setNull))
            .field("community_id", .uuid, .references("communities", "id", onDelete: .setNull))
            .field("organiser", .string, .required)
            .field("list_id", .uuid, .references(TitleList.schema, "id", onDelete: .setNull))
            .field("registration", .string, .required)
            .field("price_cents", .int, .required)
            .field("capacity", .int)
            .field("needs_staff", .bool, .required)
            .field("guest_data_days", .int, .required)
            .field("status", .string, .required)
            // First start and last end of its sessions, kept with them (the agenda's order and window).
            .field("starts_at", .datetime)
            .field("ends_at", .datetime)
            // Set once the guests' names and e-mail addresses are erased.
            .field("guests_erased_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("activity_tags")
            .field("activity_id", .uuid, .required, .references("activities", "id", onDelete: .cascade))
            .field("vocabulary", .string, .required)
            .field("code", .string, .required)
            .unique(on: "activity_id", "vocabulary", "code")
            .create()
        try await database.schema("activity_partners")
            .field("activity_id", .uuid, .required, .references("activities", "id", onDelete: .cascade))
            .field("partner_id", .uuid, .required, .references(Partner.schema, "id", onDelete: .cascade))
            .unique(on: "activity_id", "partner_id")
            .create()
        try await database.schema("activity_sessions")
            .field("id", .int64, .identifier(auto: true))
            .field("activity_id", .uuid, .required, .references("activities", "id", onDelete: .cascade))
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("booking_id", .int64, .references("space_bookings", "id", onDelete: .setNull))
            .create()
        try await database.schema("registrations")
            .field("id", .int64, .identifier(auto: true))
            .field("activity_id", .uuid, .required, .references("activities", "id", onDelete: .cascade))
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .cascade))
            .field("guest_name", .string)
            .field("guest_email", .string)
            .field("places", .int, .required)
            .field("status", .string, .required)
            .field("token", .string)
            .field("language", .string, .required)
            .field("fee_line_id", .int64)
            .field("created_at", .datetime, .required)
            .field("promoted_at", .datetime)
            .field("cancelled_at", .datetime)
            .create()
        try await database.schema("attendance")
            .field("registration_id", .int64, .required, .references("registrations", "id", onDelete: .cascade))
            .field("session_id", .int64, .required, .references("activity_sessions", "id", onDelete: .cascade))
            .field("checked_in_at", .datetime, .required)
            .field("staff_user_id", .uuid)
            .unique(on: "registration_id", "session_id")
            .create()
        try await database.schema("consultation_hours")
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("partner_id", .uuid, .required, .references(Partner.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("space_id", .uuid, .references(Space.schema, "id", onDelete: .setNull))
            .field("booking_id", .int64, .references("space_bookings", "id", onDelete: .setNull))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            // Minutes per appointment; nil: walk in.
            .field("slot_minutes", .int)
            .field("cancelled", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("appointments")
            .field("id", .int64, .identifier(auto: true))
            .field("hour_id", .uuid, .required, .references("consultation_hours", "id", onDelete: .cascade))
            .field("slot_start", .datetime, .required)
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .cascade))
            .field("name", .string)
            .field("email", .string)
            .field("question", .string)
            .field("status", .string, .required)
            .field("token", .string)
            .field("language", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(StaffUser.schema)
            .field("partner_id", .uuid, .references(Partner.schema, "id", onDelete: .setNull))
            .update()
        try await database.schema(Member.schema)
            .field("calendar_token", .string)
            .update()
        let sql = database.sql
        try await database.createIndex("activities_agenda_idx", on: "activities", "organisation_id", "ends_at")
        try await database.createIndex("activity_sessions_activity_idx", on: "activity_sessions", "activity_id", "starts_at")
        try await database.createIndex("activity_sessions_start_idx", on: "activity_sessions", "starts_at")
        try await database.createIndex("activity_tags_code_idx", on: "activity_tags", "vocabulary", "code")
        try await database.createIndex("registrations_activity_idx", on: "registrations", "activity_id", "status")
        try await database.createIndex("registrations_member_idx", on: "registrations", "member_id")
        try await database.createIndex("registrations_token_idx", on: "registrations", "token", unique: true)
        try await database.createIndex("consultation_hours_branch_idx", on: "consultation_hours", "branch_id", "starts_at")
        try await database.createIndex("appointments_member_idx", on: "appointments", "member_id")
        try await database.createIndex("appointments_token_idx", on: "appointments", "token", unique: true)
        try await database.createIndex("members_calendar_token_idx", on: Member.schema, "calendar_token", unique: true)
        // One booked appointment per slot: two residents racing for a slot, one wins.
        try await sql.raw("CREATE UNIQUE INDEX appointments_slot_idx ON appointments (hour_id, slot_start) WHERE status = 'booked'").run()
    }

    func revert(on database: Database) async throws {
        for table in ["appointments", "consultation_hours", "attendance", "registrations", "activity_sessions", "activity_partners",
                      "activity_tags", "activities", "community_followers", "communities", "external_venues", "activity_series",
                      "programme_terms"] {
            try await database.schema(table).delete()
        }
    }
}

/// Guests' registrations are provisional until confirmed by the link in their
/// mail (issue 16): the moment they must be confirmed by and the moment they
/// were, and each organisation's rules for guests.
struct AddGuestConfirmation: AsyncMigration {
    func prepare(on database: Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await database.schema("registrations").field("confirm_by", .datetime).update()
        try await database.schema("registrations").field("confirmed_at", .datetime).update()
        try await database.schema("guest_rules")
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("places_per_registration", .int, .required)
            .field("confirm_hours", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database.sql
        // The lapse job reads provisional registrations by deadline; the one-mail-an-hour rule by address.
        try await sql.raw("CREATE INDEX registrations_provisional_idx ON registrations (confirm_by) WHERE confirmed_at IS NULL AND confirm_by IS NOT NULL").run()
        try await sql.raw("CREATE INDEX registrations_guest_email_idx ON registrations (LOWER(guest_email)) WHERE member_id IS NULL").run()
    }

    func revert(on database: Database) async throws {
        try await database.schema("guest_rules").delete()
        try await database.schema("registrations").deleteField("confirm_by").update()
        try await database.schema("registrations").deleteField("confirmed_at").update()
    }
}
