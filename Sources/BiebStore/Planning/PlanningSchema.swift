import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Network planning's tables: the areas an organisation imported (the
/// national statistics' figures, with centroids), the postcode areas that
/// place members in them, its planning norms, the focus recorded for its
/// branches, and saved scenarios. None holds a member: members are counted
/// per area when asked.
struct CreateNetworkPlanning: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(PlanningAreas.schema)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("municipality", .string, .required)
            .field("inhabitants", .int)
            .field("age_0_15", .int)
            .field("age_15_25", .int)
            .field("age_25_45", .int)
            .field("age_45_65", .int)
            .field("age_65", .int)
            .field("households", .int)
            .field("hectares", .int)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("estimate", .bool, .required)
            .field("source", .string, .required)
            .field("imported_at", .datetime, .required)
            .unique(on: "organisation_id", "code")
            .create()
        try await database.schema(PlanningAreas.postcodeSchema)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("postcode", .string, .required)
            .field("area_code", .string, .required)
            .unique(on: "organisation_id", "postcode")
            .create()
        try await database.schema(NetworkPlanning.settingsSchema)
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("norm", .int, .required)
            .field("maximum_distance", .double, .required)
            .field("detour_factor", .double, .required)
            .field("walking_speed", .double, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(NetworkPlanning.focusSchema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("focus", .string, .required)
            .field("reason", .string, .required)
            .field("area_code", .string)
            .field("set_by", .string, .required)
            .field("set_at", .datetime, .required)
            .create()
        try await database.createIndex("branch_focus_branch_idx", on: NetworkPlanning.focusSchema, "organisation_id", "branch_id", "id")
        try await database.schema(PlanningScenarios.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("note", .string, .required)
            .field("made_by", .string, .required)
            .field("made_at", .datetime, .required)
            .create()
        try await database.schema(PlanningScenarios.changeSchema)
            .field("scenario_id", .int64, .required, .references(PlanningScenarios.schema, "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("action", .string, .required)
            .field("branch_id", .uuid)
            .field("name", .string, .required)
            .field("kind", .string)
            .field("latitude", .double)
            .field("longitude", .double)
            .unique(on: "scenario_id", "position")
            .create()
    }

    func revert(on database: Database) async throws {
        for table in [PlanningScenarios.changeSchema, PlanningScenarios.schema, NetworkPlanning.focusSchema, NetworkPlanning.settingsSchema,
                      PlanningAreas.postcodeSchema, PlanningAreas.schema] {
            try await database.schema(table).delete()
        }
    }
}

/// The indexes the area profiles read: members by postcode (an index-only pass, in postcode order: 0.7 s instead of
/// 1.8 s for 3.6 million members on SQLite) and the facts that carry a postcode area, by kind and day (0.5 s instead of
/// 3.1 s for a year of loans per postcode area; partial, so facts without an area cost nothing more).
struct IndexPlanningProfiles: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.createIndex("members_postcode_idx", on: Member.schema, "organisation_id", "postcode", "membership_end", "birth_date")
        try await database.sql.raw("""
            CREATE INDEX insight_facts_area_idx ON insight_facts (organisation_id, kind, day, member_area, quantity) WHERE member_area IS NOT NULL
            """).run()
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX insight_facts_area_idx").run()
        try await database.sql.raw("DROP INDEX members_postcode_idx").run()
    }
}
