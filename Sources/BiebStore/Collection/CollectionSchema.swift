import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Status lists for the collection plan's queries, made from the enums that define them.
enum CollectionSQL {
    /// Copies out of the collection (`ItemStatus.isInCollection`): "('lost', 'missing', 'withdrawn')".
    static let outOfCollection = "(" + ItemStatus.allCases.filter { !$0.isInCollection }.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    /// Holds still to be served (`Hold.Status.isActive`).
    static let activeHolds = "(" + Hold.Status.allCases.filter(\.isActive).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
}

/// The collection plan's tables: each copy's counters (on `items`), the
/// organisation's weeding thresholds, monthly snapshots of the segments,
/// weeding lists, purchase decisions and orders, and shelf capacities.
/// None holds a member.
struct CreateCollectionPlan: AsyncMigration {
    func prepare(on database: Database) async throws {
        // One column a statement: SQLite alters a table one column at a time.
        try await database.schema(Item.schema).field("loans_total", .int, .required, .sql(.default(0))).update()
        try await database.schema(Item.schema).field("loans_year", .int, .required, .sql(.default(0))).update()
        try await database.schema(Item.schema).field("last_loan_on", .string).update()
        try await database.schema(Item.schema).field("last_seen_on", .string).update()
        // The loans that leave the 12-month window each night are found by their day.
        try await database.createIndex("loans_checked_out_idx", on: Loan.schema, "organisation_id", "checked_out_at")
        // A branch's copies by title (surplus, weeding) and by last loan (dead stock) come from the branch's own rows.
        try await database.createIndex("items_owning_branch_idx", on: Item.schema, "owning_branch_id", "title_id")
        try await database.schema(CopyCounters.cursorSchema)
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("aged_through", .string, .required)
            .create()
        try await database.schema(WeedingSettings.schema)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("part", .string, .required)
            .field("heading", .int, .required)
            .field("max_age_years", .int)
            .field("idle_months", .int, .required)
            .field("worn_loans", .int, .required)
            .field("loans_per_copy", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "organisation_id", "part", "heading")
            .create()
        try await database.schema(SegmentSnapshots.schema)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("month", .string, .required)
            .field("branch_id", .uuid, .required)
            .field("segment", .string, .required)
            .field("holdings", .int, .required)
            .field("loans", .int, .required)
            .field("lifetime_loans", .int64, .required)
            .field("dead", .int, .required)
            .field("dated", .int, .required)
            .field("year_sum", .int64, .required)
            .unique(on: "organisation_id", "month", "branch_id", "segment")
            .create()
        try await database.schema(WeedingList.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id"))
            .field("status", .string, .required)
            .field("made_on", .string, .required)
            .field("made_by", .string, .required)
            .field("signed_by", .string)
            .field("signed_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await database.createIndex("weeding_lists_branch_idx", on: WeedingList.schema, "organisation_id", "branch_id", "status")
        try await database.schema(WeedingList.lineSchema)
            .field("id", .int64, .identifier(auto: true))
            .field("list_id", .int64, .required, .references(WeedingList.schema, "id", onDelete: .cascade))
            .field("item_id", .int64, .required)
            .field("barcode", .string, .required)
            .field("title_id", .int64, .required)
            .field("title", .string, .required)
            .field("author", .string)
            .field("edition_year", .int)
            .field("call_number", .string, .required)
            .field("segment", .string, .required)
            .field("reasons", .string, .required)
            .field("lifetime_loans", .int, .required)
            .field("last_loan_on", .string)
            .field("decision", .string)
            .field("note", .string, .required, .sql(.default("")))
            .field("decided_by", .string)
            .field("outcome", .string)
            .unique(on: "list_id", "item_id")
            .create()
        try await database.schema(PurchaseSuggestions.decisionSchema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid)
            .field("reason", .string, .required)
            .field("copies", .int, .required)
            .field("note", .string, .required)
            .field("decided_by", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.createIndex("purchase_decisions_title_idx", on: PurchaseSuggestions.decisionSchema, "organisation_id", "title_id")
        try await database.schema(PurchaseOrders.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id"))
            .field("copies", .int, .required)
            .field("expected_on", .string)
            .field("reason", .string)
            .field("status", .string, .required)
            .field("ordered_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex("purchase_orders_title_idx", on: PurchaseOrders.schema, "organisation_id", "status", "title_id")
        try await database.schema(ShelfCapacities.schema)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references(Branch.schema, "id", onDelete: .cascade))
            .field("part", .string, .required)
            .field("capacity", .int, .required)
            .unique(on: "branch_id", "part")
            .create()
        try await database.schema(ThemeShelves.schema)
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("theme", .string, .required)
            .field("heading", .int, .required)
            .unique(on: "organisation_id", "theme", "heading")
            .create()
    }

    func revert(on database: Database) async throws {
        for table in [ThemeShelves.schema, ShelfCapacities.schema, PurchaseOrders.schema, PurchaseSuggestions.decisionSchema, WeedingList.lineSchema,
                      WeedingList.schema, SegmentSnapshots.schema, WeedingSettings.schema, CopyCounters.cursorSchema] {
            try await database.schema(table).delete()
        }
        try await database.sql.raw("DROP INDEX items_owning_branch_idx").run()
        try await database.sql.raw("DROP INDEX loans_checked_out_idx").run()
        for column in ["last_seen_on", "last_loan_on", "loans_year", "loans_total"] {
            try await database.schema(Item.schema).deleteField(.string(column)).update()
        }
    }
}

/// A weeding list's lines without a foreign key to their list on PostgreSQL. PostgreSQL checks such a key with a query
/// of its own for every line written: for a list of 47,000 lines (a 100,000-copy branch among 25 million copies) that
/// was 300 ms of 1.1 s (docs/PERFORMANCE.md). Nothing is lost: lines are written only by `WeedingLists.make`, in the
/// transaction that writes their list with the id it was just given, and a list is never deleted (a discarded one
/// stays, with its lines, as the record of what was proposed). SQLite checks its keys cheaply and keeps it.
struct UncheckWeedingLines: AsyncMigration {
    func prepare(on database: Database) async throws {
        guard database.sql.dialect.name == "postgresql" else { return }
        try await database.sql.raw("ALTER TABLE weeding_lines DROP CONSTRAINT IF EXISTS weeding_lines_list_id_fkey").run()
    }

    func revert(on database: Database) async throws {
        guard database.sql.dialect.name == "postgresql" else { return }
        try await database.sql.raw("""
            ALTER TABLE weeding_lines ADD CONSTRAINT weeding_lines_list_id_fkey FOREIGN KEY (list_id) REFERENCES weeding_lists (id) ON DELETE CASCADE
            """).run()
    }
}
