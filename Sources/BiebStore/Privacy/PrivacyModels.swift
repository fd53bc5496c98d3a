import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An organisation's retention rules.
public struct PrivacySettings: Sendable, Equatable, Codable {
    /// Days a returned loan stays linked to its member (0: at the return,
    /// once no fee of the loan is open). A member who keeps a loan history
    /// has their own copy of it (`LoanHistory`), which this does not touch.
    public var loanLinkDays: Int
    /// Members are removed this many years after their membership ended and
    /// nothing was open any more (0: never automatically).
    public var inactiveMemberYears: Int

    public init(loanLinkDays: Int = 0, inactiveMemberYears: Int = 3) {
        self.loanLinkDays = loanLinkDays
        self.inactiveMemberYears = inactiveMemberYears
    }

    public static let standard = PrivacySettings()

    /// Checked values; errors name the field.
    public func validated() throws -> PrivacySettings {
        guard (0...3_650).contains(loanLinkDays) else {
            throw BiebError.invalid("loan_link_days", "Between 0 and 3650 days.", nl: "Tussen 0 en 3650 dagen.")
        }
        guard (0...50).contains(inactiveMemberYears) else {
            throw BiebError.invalid("inactive_member_years", "Between 0 (never) and 50 years.", nl: "Tussen 0 (nooit) en 50 jaar.")
        }
        return self
    }
}

/// A line of the privacy log: a retention rule that ran, an erasure, a
/// change of the retention rules. Counts and reasons, never whom.
public struct PrivacyLogEntry: Sendable, Equatable, Codable {
    public let at: Date
    /// loans_unlinked, events_pseudonymised, inactive_members_removed, erasure, settings_changed.
    public let rule: String
    public let count: Int
    public let detail: String
}

/// Partial indexes of what still has a member: the retention job walks
/// these, so its cost follows what is still linked, not all of history.
struct IndexPrivacy: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        try await sql.raw("CREATE INDEX circulation_events_linked_idx ON circulation_events (id) WHERE member_id IS NOT NULL").run()
        try await sql.raw("CREATE INDEX loans_linked_idx ON loans (id) WHERE member_id IS NOT NULL").run()
    }

    func revert(on database: Database) async throws {
        let sql = database.sql
        try await sql.raw("DROP INDEX circulation_events_linked_idx").run()
        try await sql.raw("DROP INDEX loans_linked_idx").run()
    }
}

/// The partial indexes of `IndexPrivacy` keyed by organisation: the job runs
/// for each organisation, and walking every organisation's linked events (and
/// every open loan) by id made each run cost the whole network's — the
/// privacy rules over one day took 15.7 s at 34 organisations and 20.2 s at
/// 48. Returned loans that still have a member are their own index: open
/// loans keep theirs and are not the job's.
struct IndexPrivacyByOrganisation: AsyncMigration {
    func prepare(on database: Database) async throws {
        let sql = database.sql
        try await sql.raw("""
            CREATE INDEX circulation_events_linked_org_idx ON circulation_events (organisation_id, id) WHERE member_id IS NOT NULL
            """).run()
        try await sql.raw("""
            CREATE INDEX loans_returned_linked_idx ON loans (organisation_id, id) WHERE member_id IS NOT NULL AND NOT open
            """).run()
        try await sql.raw("DROP INDEX IF EXISTS circulation_events_linked_idx").run()
        try await sql.raw("DROP INDEX IF EXISTS loans_linked_idx").run()
    }

    func revert(on database: Database) async throws {
        let sql = database.sql
        try await IndexPrivacy().prepare(on: database)
        try await sql.raw("DROP INDEX circulation_events_linked_org_idx").run()
        try await sql.raw("DROP INDEX loans_returned_linked_idx").run()
    }
}

/// Tables of privacy by design: the loan history, retention rules and their
/// log, the log of staff views of member records, the pseudonymous facts
/// of circulation events, and a member's request to be erased.
struct CreatePrivacy: AsyncMigration {
    func prepare(on database: Database) async throws {
        // One column per statement: SQLite adds one at a time.
        for (table, column, type) in [(Member.schema, "loan_history_since", DatabaseSchema.DataType.datetime),
                                      (Member.schema, "erasure_requested_at", .datetime),
                                      (CirculationEvent.schema, "age_band", .string), (CirculationEvent.schema, "member_category", .string),
                                      (CirculationEvent.schema, "member_area", .string)] {
            let builder = database.schema(table)
            builder.schema.createFields = [.definition(name: .key(FieldKey(stringLiteral: column)), dataType: type, constraints: [])]
            try await builder.update()
        }
        try await database.schema("loan_history")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("loan_id", .int64, .required)
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required)
            .field("checked_out_at", .datetime, .required)
            .field("returned_at", .datetime, .required)
            .create()
        try await database.schema("privacy_settings")
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("loan_link_days", .int, .required)
            .field("inactive_member_years", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("privacy_log")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("rule", .string, .required)
            .field("count", .int, .required)
            .field("detail", .string, .required)
            .create()
        try await database.schema("member_views")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("staff_user_id", .uuid, .required, .references(StaffUser.schema, "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("purpose", .string, .required)
            .field("via", .string, .required)
            .create()
        try await database.createIndex("loan_history_member_idx", on: "loan_history", "member_id", "returned_at")
        try await database.createIndex("loan_history_title_idx", on: "loan_history", "title_id")
        try await database.createIndex("privacy_log_idx", on: "privacy_log", "organisation_id", "at")
        try await database.createIndex("member_views_member_idx", on: "member_views", "member_id", "at")
        try await database.createIndex("member_views_org_idx", on: "member_views", "organisation_id", "at")
        try await database.createIndex("circulation_events_member_idx", on: CirculationEvent.schema, "member_id")
        try await database.createIndex("loans_returned_idx", on: Loan.schema, "organisation_id", "open", "returned_at")
        try await database.createIndex("fee_lines_loan_idx", on: FeeLine.schema, "loan_id")
        try await database.createIndex("members_erasure_idx", on: Member.schema, "erasure_requested_at")
    }

    func revert(on database: Database) async throws {
        for table in ["member_views", "privacy_log", "privacy_settings", "loan_history"] {
            try await database.schema(table).delete()
        }
    }
}
