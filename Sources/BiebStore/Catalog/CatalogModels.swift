import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A title (bibliographic record) of an organisation's catalogue. The MARC
/// record is the source; the other columns are the few that result lists,
/// facets and matching need, read from it (`MARCMapping`) and written in the
/// same transaction. Everything else is read from the MARC record when shown.
public final class Title: Model, @unchecked Sendable {
    public static let schema = "titles"

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @OptionalField(key: "control_number") public var controlNumber: String?
    @Field(key: "title") public var title: String
    @OptionalField(key: "subtitle") public var subtitle: String?
    @OptionalField(key: "main_author") public var mainAuthor: String?
    @OptionalField(key: "publisher") public var publisher: String?
    @OptionalField(key: "year") public var year: Int?
    /// ISBN-13s, space-separated.
    @Field(key: "isbns") public var isbns: String
    @OptionalField(key: "language") public var language: String?
    @Field(key: "format") public var format: String
    @OptionalField(key: "series") public var series: String?
    @OptionalField(key: "audience") public var audience: String?
    @OptionalField(key: "age_min") public var ageMin: Int?
    @OptionalField(key: "age_max") public var ageMax: Int?
    @OptionalField(key: "avi") public var avi: String?
    @OptionalField(key: "nur") public var nur: Int?
    @Field(key: "work_key") public var workKey: String
    /// The work this title is an edition of (`WorkKey.id` of the work key):
    /// titles with the same work key share it.
    @OptionalField(key: "work_id") public var workID: Int?
    /// The catalogue version (`CatalogChanges`) that last changed this title
    /// or one of its copies.
    @Field(key: "changed_version") public var changedVersion: Int
    /// The record as ISO 2709 (UTF-8): the source of every other column.
    @Field(key: "marc") public var marc: Data
    /// Deleted titles stay as tombstones for OAI-PMH harvesters.
    @Field(key: "deleted") public var deleted: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    /// The stored MARC record.
    public var marcRecord: MARCRecord? { Self.marcRecord(marc) }

    /// A record as stored in the `marc` column.
    static func marcRecord(_ stored: Data) -> MARCRecord? {
        guard case .success(let read) = ISO2709Reader<DataByteSource>.parse([UInt8](stored), position: MARCPosition(record: 1, byteOffset: 0), warnings: []) else {
            return nil
        }
        return read.record
    }

    /// All title fields, read from the stored MARC record.
    public var record: TitleRecord? {
        marcRecord.map(MARCMapping.title(from:))
    }
}

/// A copy of a title.
public final class Item: Model, @unchecked Sendable {
    public static let schema = "items"

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "title_id") public var titleID: Int
    @Field(key: "barcode") public var barcode: String
    @Field(key: "owning_branch_id") public var owningBranchID: UUID
    @Field(key: "current_branch_id") public var currentBranchID: UUID
    @Field(key: "call_number") public var callNumber: String
    @Field(key: "shelf_location") public var shelfLocation: String
    @Field(key: "status") public var statusRaw: String
    /// When on loan: the due date (set by circulation).
    @OptionalField(key: "due_at") public var dueAt: Date?
    /// The hold this copy is set aside for (added by circulation).
    @OptionalField(key: "hold_id") public var holdID: Int?
    @OptionalField(key: "price_cents") public var priceCents: Int?
    /// ISO date.
    @OptionalField(key: "acquired_on") public var acquiredOn: String?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    /// The copy's own counters, kept by circulation (`CopyCounters`): loans in its life and in the last
    /// 12 months, the day of its last loan and the day it was last in hand (ISO dates).
    @Field(key: "loans_total") public var loansTotal: Int
    @Field(key: "loans_year") public var loansYear: Int
    @OptionalField(key: "last_loan_on") public var lastLoanOn: String?
    @OptionalField(key: "last_seen_on") public var lastSeenOn: String?

    public init() {
        loansTotal = 0
        loansYear = 0
    }

    public var status: ItemStatus {
        get { ItemStatus(rawValue: statusRaw) ?? .missing }
        set { statusRaw = newValue.rawValue }
    }
}

struct CreateCatalog: AsyncMigration {
    /// The name databases recorded when the type was spelled CreateCatalogue; kept so they do not run it again.
    var name: String { "BiebStore.CreateCatalogue" }

    func prepare(on database: Database) async throws {
        try await database.schema(Title.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("control_number", .string)
            .field("title", .string, .required)
            .field("subtitle", .string)
            .field("main_author", .string)
            .field("publisher", .string)
            .field("year", .int)
            .field("isbns", .string, .required)
            .field("language", .string)
            .field("format", .string, .required)
            .field("series", .string)
            .field("audience", .string)
            .field("age_min", .int)
            .field("age_max", .int)
            .field("avi", .string)
            .field("nur", .int)
            .field("work_key", .string, .required)
            .field("work_id", .int64)
            .field("changed_version", .int64, .required, .sql(.default(0)))
            .field("marc", .data, .required)
            .field("deleted", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema(CatalogChanges.schema)
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("version", .int64, .required)
            .field("titles_version", .int64, .required)
            .create()

        try await database.schema("title_isbns")
            .field("organisation_id", .uuid, .required)
            .field("isbn", .string, .required)
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .compositeIdentifier(over: "organisation_id", "isbn", "title_id")
            .create()

        try await database.schema(Item.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .field("barcode", .string, .required)
            .field("owning_branch_id", .uuid, .required, .references(Branch.schema, "id"))
            .field("current_branch_id", .uuid, .required, .references(Branch.schema, "id"))
            .field("call_number", .string, .required)
            .field("shelf_location", .string, .required)
            .field("status", .string, .required)
            .field("due_at", .datetime)
            .field("price_cents", .int)
            .field("acquired_on", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "organisation_id", "barcode")
            .create()

        let sql = database.sql
        try await database.createIndex("titles_control_number_idx", on: Title.schema, "organisation_id", "control_number")
        try await database.createIndex("titles_work_idx", on: Title.schema, "work_id")
        try await database.createIndex("titles_changed_idx", on: Title.schema, "organisation_id", "changed_version")
        try await database.createIndex("titles_updated_idx", on: Title.schema, "organisation_id", "updated_at")
        try await database.createIndex("title_isbns_title_idx", on: "title_isbns", "title_id")
        try await database.createIndex("items_title_idx", on: Item.schema, "title_id")
        try await database.createIndex("items_branch_status_idx", on: Item.schema, "current_branch_id", "status")
        try await SearchIndex.create(on: sql)
    }

    func revert(on database: Database) async throws {
        try await SearchIndex.drop(on: database.sql)
        for schema in [Item.schema, "title_isbns", Title.schema, CatalogChanges.schema] {
            try await database.schema(schema).delete()
        }
    }
}
