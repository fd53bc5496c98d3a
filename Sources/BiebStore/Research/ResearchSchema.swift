import FluentKit
import Foundation
import SQLKit

/// Customer research's fieldwork: the panel, waves and their invitations, the answers.
///
/// What keeps an anonymous answer anonymous is in the shape of these tables:
/// `research_responses` has no column naming an invitation, a token, a
/// registration, a quota cell or a time of day (only `answered_on`, a date); `member_id` is
/// filled only for a version linked by consent, when the person ticked to link
/// it. An invitation keeps only `answered` (true or false, no time).
/// `ResearchPrivacyTests` reads the schema and the rows to prove it.
struct CreateResearchFieldwork: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("research_settings")
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("retention_months", .int, .required)
            .field("reminder_days", .int, .required)
            .field("open_days", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("research_panel")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("age_band", .string)
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("area", .string)
            .field("joined_on", .string, .required)
            .unique(on: "member_id")
            .create()
        try await database.schema("research_waves")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("version_id", .int64, .required, .references(Surveys.versionSchema, "id", onDelete: .cascade))
            .field("channel", .string, .required)
            .field("name", .string, .required)
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("activity_id", .uuid, .references("activities", "id", onDelete: .setNull))
            .field("series_id", .int64, .references("activity_series", "id", onDelete: .setNull))
            .field("link_code", .string)
            .field("size", .int, .required)
            .field("reminder_days", .int, .required)
            .field("open_days", .int, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "link_code")
            .create()
        try await database.schema("research_invitations")
            .field("id", .int64, .identifier(auto: true))
            .field("wave_id", .int64, .required, .references("research_waves", "id", onDelete: .cascade))
            .field("panel_id", .int64, .references("research_panel", "id", onDelete: .cascade))
            .field("registration_id", .int64, .references("registrations", "id", onDelete: .cascade))
            .field("cell", .string, .required)
            .field("token_hash", .string, .required)
            .field("answered", .bool, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("research_responses")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("wave_id", .int64, .references("research_waves", "id", onDelete: .setNull))
            .field("version_id", .int64, .required, .references(Surveys.versionSchema, "id", onDelete: .cascade))
            .field("channel", .string, .required)
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("activity_kind", .string)
            .field("core_function", .string)
            .field("theme", .string)
            .field("answered_on", .string, .required)
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .setNull))
            .create()
        try await database.schema("research_values")
            .field("response_id", .int64, .required, .references("research_responses", "id", onDelete: .cascade))
            .field("question_key", .string, .required)
            .field("number", .int)
            .field("choice", .string)
            .create()
        try await database.schema("research_open_answers")
            .field("id", .int64, .identifier(auto: true))
            .field("response_id", .int64, .required, .references("research_responses", "id", onDelete: .cascade))
            .field("question_key", .string, .required)
            .field("text", .string, .required)
            .field("status", .string, .required)
            .field("moderated_at", .datetime)
            .create()
        try await database.schema("research_device_days")
            .field("wave_id", .int64, .required, .references("research_waves", "id", onDelete: .cascade))
            .field("device", .string, .required)
            .field("day", .string, .required)
            .unique(on: "wave_id", "device", "day")
            .create()
        try await database.schema("registrations").field("research_consent", .bool, .required, .sql(.default(false))).update()
        try await database.createIndex("research_panel_org_idx", on: "research_panel", "organisation_id", "age_band", "branch_id")
        try await database.createIndex("research_invitations_wave_idx", on: "research_invitations", "wave_id", "cell", "answered")
        try await database.createIndex("research_invitations_panel_idx", on: "research_invitations", "panel_id")
        try await database.createIndex("research_invitations_registration_idx", on: "research_invitations", "registration_id", "wave_id")
        try await database.createIndex("research_responses_wave_idx", on: "research_responses", "wave_id")
        try await database.createIndex("research_responses_org_idx", on: "research_responses", "organisation_id", "answered_on")
        try await database.createIndex("research_responses_member_idx", on: "research_responses", "member_id")
        try await database.createIndex("research_values_response_idx", on: "research_values", "response_id")
        try await database.createIndex("research_open_answers_response_idx", on: "research_open_answers", "response_id")
    }

    func revert(on database: Database) async throws {
        try await database.schema("registrations").deleteField("research_consent").update()
        for table in ["research_device_days", "research_open_answers", "research_values", "research_responses", "research_invitations",
                      "research_waves", "research_panel", "research_settings"] {
            try await database.schema(table).delete()
        }
    }
}
