import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The fact stream's tables. None has a column for a member id, name, card or birth date.
struct CreateInsightFacts: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("insight_year_keys")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("year", .int, .required)
            .field("secret", .string)
            .field("created_at", .datetime, .required)
            .field("closed_at", .datetime)
            .unique(on: "organisation_id", "year")
            .create()
        try await database.schema("insight_facts")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("branch_id", .uuid)
            .field("kind", .string, .required)
            .field("age_band", .string)
            .field("member_category", .string)
            .field("member_area", .string)
            .field("item_type", .string)
            .field("subject", .string)
            .field("quantity", .int, .required)
            .create()
        try await database.createIndex("insight_facts_day_idx", on: "insight_facts", "organisation_id", "day", "kind")
        try await database.schema("insight_cursor")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("source", .string, .required)
            .field("last_id", .int64, .required)
            .unique(on: "organisation_id", "source")
            .create()
        try await database.schema("insight_year_totals")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("year", .int, .required)
            .field("measure", .string, .required)
            .field("value", .int, .required)
            .unique(on: "organisation_id", "year", "measure")
            .create()
    }

    func revert(on database: Database) async throws {
        for table in ["insight_year_totals", "insight_cursor", "insight_facts", "insight_year_keys"] { try await database.schema(table).delete() }
    }
}

/// The fact stream's second step: the part of the collection, an activity's
/// core function, topic, form and audience on facts and roll-ups; the
/// sessions already counted; the daily census of members and copies.
struct ExtendInsightFacts: AsyncMigration {
    func prepare(on database: Database) async throws {
        // One column a statement: SQLite alters a table one column at a time.
        for column in ["segment", "core_function", "topic", "mode", "audience"] { try await database.schema("insight_facts").field(.string(column), .string).update() }
        for column in ["segment", "core_function", "topic", "mode"] {
            try await database.schema("insight_daily").field(.string(column), .string, .required, .sql(.default(""))).update()
        }
        // Days whose facts changed and whose roll-ups are still to be rebuilt, written with the facts.
        try await database.schema("insight_dirty")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("day", .string, .required)
            .unique(on: "organisation_id", "day")
            .create()
        try await database.schema("insight_sessions")
            .field("session_id", .int64, .required)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .unique(on: "session_id")
            .create()
        try await database.schema("insight_census")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("branch_id", .uuid)
            .field("measure", .string, .required)
            .field("audience", .string, .required)
            .field("segment", .string, .required)
            .field("value", .int, .required)
            .create()
        try await database.createIndex("insight_census_idx", on: "insight_census", "organisation_id", "measure", "day")
    }

    func revert(on database: Database) async throws {
        try await database.schema("insight_census").delete()
        try await database.schema("insight_sessions").delete()
        try await database.schema("insight_dirty").delete()
        for column in ["segment", "core_function", "topic", "mode"] { try await database.schema("insight_daily").deleteField(.string(column)).update() }
        for column in ["segment", "core_function", "topic", "mode", "audience"] { try await database.schema("insight_facts").deleteField(.string(column)).update() }
    }
}

/// The ingestion reads an organisation's events after its cursor in id order: without an index on both, PostgreSQL
/// read them through the (organisation, time) index and sorted every batch (a quarter of a second each at a national
/// day's 150,000 events).
struct IndexEventsForInsights: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.createIndex("circulation_events_ingest_idx", on: "circulation_events", "organisation_id", "id")
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX circulation_events_ingest_idx").run()
    }
}

/// Door entries are read after the organisation's cursor in id order too: without an index on both, every
/// organisation's run walked the entries of the whole network after its cursor.
struct IndexVisitsForInsights: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.createIndex("visits_ingest_idx", on: "visits", "organisation_id", "id")
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX visits_ingest_idx").run()
    }
}
