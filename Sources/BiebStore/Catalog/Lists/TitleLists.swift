import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A curated list of titles ("display"): new acquisitions, a theme, a
/// reading list for an activity. Made by staff, shown on public pages when
/// public. Optionally tied to a branch (a display there).
public final class TitleList: Model, @unchecked Sendable {
    public static let schema = "title_lists"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organisation_id") public var organisationID: UUID
    @OptionalField(key: "branch_id") public var branchID: UUID?
    /// URL name, unique in the organisation.
    @Field(key: "slug") public var slug: String
    @Field(key: "name") public var name: String
    @Field(key: "description") public var description: String
    @Field(key: "is_public") public var isPublic: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(organisationID: UUID, slug: String, name: String, description: String = "", branchID: UUID? = nil, isPublic: Bool = true) {
        self.organisationID = organisationID
        self.slug = slug
        self.name = name
        self.description = description
        self.branchID = branchID
        self.isPublic = isPublic
        createdAt = Date()
        updatedAt = createdAt
    }
}

/// A title on a list, in the list's order, with an optional note ("aanrader
/// voor de leesclub").
public struct TitleListEntry: Sendable, Equatable {
    public let titleID: Int
    public let position: Int
    public let note: String
}

/// A title that arrived at a branch recently: its newest copy there was
/// acquired on `acquired`.
public struct NewTitle: Sendable, Equatable {
    public let titleID: Int
    public let acquired: LocalDate
}

struct CreateTitleLists: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(TitleList.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .setNull))
            .field("slug", .string, .required)
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("is_public", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "organisation_id", "slug")
            .create()
        try await database.schema("title_list_entries")
            .field("list_id", .uuid, .required, .references(TitleList.schema, "id", onDelete: .cascade))
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("note", .string, .required)
            .field("added_at", .datetime, .required)
            .compositeIdentifier(over: "list_id", "title_id")
            .create()
        // "New in the collection": the copies a branch acquired lately.
        try await database.createIndex("items_acquired_idx", on: Item.schema, "owning_branch_id", "acquired_on")
    }

    func revert(on database: Database) async throws {
        try await database.sql.drop(index: "items_acquired_idx").run()
        try await database.schema("title_list_entries").delete()
        try await database.schema(TitleList.schema).delete()
    }
}

/// Curated lists of one organisation, and the automatic "new in the
/// collection" per branch.
public struct TitleLists: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The most entries a list holds.
    public static let maxEntries = 500

    // MARK: Lists

    /// The organisation's lists (only the public ones for the public), by name.
    public func all(publicOnly: Bool) async throws -> [TitleList] {
        var query = TitleList.query(on: db).filter(\.$organisationID == organisationID)
        if publicOnly { query = query.filter(\.$isPublic == true) }
        return try await query.sort(\.$name).all()
    }

    public func list(slug: String) async throws -> TitleList? {
        try await TitleList.query(on: db).filter(\.$organisationID == organisationID).filter(\.$slug == slug).first()
    }

    public func list(_ id: UUID) async throws -> TitleList? {
        try await TitleList.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id == id).first()
    }

    /// How many titles each list holds, by list id.
    public func entryCounts() async throws -> [UUID: Int] {
        let rows = try await sql.raw("""
            SELECT e.list_id AS list, count(*) AS n FROM title_list_entries e JOIN title_lists l ON l.id = e.list_id
            WHERE l.organisation_id = \(bind: organisationID) GROUP BY e.list_id
            """).all()
        var counts: [UUID: Int] = [:]
        for row in rows { counts[try row.decode(column: "list", as: UUID.self)] = try row.decode(column: "n", as: Int.self) }
        return counts
    }

    /// Saves a new or changed list after checking it; the slug is made from
    /// the name when empty.
    public func save(_ list: TitleList) async throws {
        guard list.organisationID == organisationID else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        list.name = list.name.trimmed
        list.description = list.description.trimmed
        list.slug = list.slug.trimmed.lowercased()
        if list.slug.isEmpty { list.slug = Validate.slugify(list.name) }
        guard !list.name.isEmpty, list.name.count <= 120 else {
            throw BiebError.invalid("name", "A list needs a name of at most 120 characters.",
                                    nl: "Een lijst heeft een naam nodig van hoogstens 120 tekens.")
        }
        guard Validate.slug(list.slug) else {
            throw BiebError.invalid("slug", "The short name '\(list.slug)' must be 2–64 lower-case letters, digits or hyphens.",
                                    nl: "De korte naam '\(list.slug)' mag alleen kleine letters, cijfers en streepjes bevatten (2–64 tekens).")
        }
        guard list.description.count <= 2000 else {
            throw BiebError.invalid("description", "The description is longer than 2,000 characters.",
                                    nl: "De beschrijving is langer dan 2.000 tekens.")
        }
        if let branchID = list.branchID {
            guard try await Branch.query(on: db).filter(\.$id == branchID).filter(\.$organisation.$id == organisationID).first() != nil else {
                throw BiebError.invalid("branch", "That branch is not one of this organisation's.",
                                        nl: "Die vestiging hoort niet bij deze organisatie.")
            }
        }
        list.updatedAt = Date()
        let taken = BiebError(.conflict, code: "slug_taken", field: "slug", message: "There is already a list called '\(list.slug)'.",
                              nl: "Er is al een lijst met de korte naam '\(list.slug)'.")
        let others = TitleList.query(on: db)
            .filter(\.$organisationID == organisationID).filter(\.$slug == list.slug)
        try await list.save(on: db, unlessTakenBy: others, taken)
    }

    public func delete(_ id: UUID) async throws {
        guard let list = try await list(id) else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.delete(from: "title_list_entries").where("list_id", .equal, id).run()
            try await list.delete(on: tx)
        }
    }

    // MARK: Entries

    /// The titles on a list in order (deleted titles left out).
    public func entries(of listID: UUID) async throws -> [TitleListEntry] {
        try await sql.raw("""
            SELECT e.title_id AS title_id, e.position AS position, e.note AS note FROM title_list_entries e
            JOIN titles t ON t.id = e.title_id
            WHERE e.list_id = \(bind: listID) AND t.deleted = \(bind: false) ORDER BY e.position, e.title_id
            """).all().map {
            TitleListEntry(titleID: try $0.decode(column: "title_id", as: Int.self), position: try $0.decode(column: "position", as: Int.self),
                           note: try $0.decode(column: "note", as: String.self))
        }
    }

    /// Adds a title at the end of a list. A title already there, a title of
    /// another organisation or a deleted one is refused with the reason.
    public func add(_ titleID: Int, note: String = "", to listID: UUID) async throws {
        let note = note.trimmed
        guard note.count <= 500 else {
            throw BiebError.invalid("note", "A note is at most 500 characters.", nl: "Een notitie is hoogstens 500 tekens.")
        }
        guard try await list(listID) != nil else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        guard let title = try await CatalogStore(db, organisationID: organisationID).title(titleID), !title.deleted else {
            throw BiebError.invalid("title", "There is no title \(titleID) in this catalogue.", nl: "Er is geen titel \(titleID) in deze catalogus.")
        }
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let row = try await sql.raw("""
                SELECT count(*) AS n, coalesce(max(position), 0) AS last,
                       sum(CASE WHEN title_id = \(bind: titleID) THEN 1 ELSE 0 END) AS present
                FROM title_list_entries WHERE list_id = \(bind: listID)
                """).first()
            let count = try row?.decode(column: "n", as: Int.self) ?? 0
            if try row?.decode(column: "present", as: Int?.self) ?? 0 > 0 {
                throw BiebError(.conflict, code: "already_on_list", field: "title", message: "“\(title.title)” is already on this list.",
                                nl: "“\(title.title)” staat al op deze lijst.")
            }
            guard count < Self.maxEntries else {
                throw BiebError.invalid("title", "A list holds at most \(Self.maxEntries) titles.", nl: "Een lijst bevat hoogstens \(Self.maxEntries) titels.")
            }
            let last = try row?.decode(column: "last", as: Int.self) ?? 0
            try await sql.insert(into: "title_list_entries").columns("list_id", "title_id", "position", "note", "added_at")
                .values(SQLBind(listID), SQLBind(titleID), SQLBind(last + 1), SQLBind(note), SQLBind(Date())).run()
            try await sql.update(TitleList.schema).set("updated_at", to: Date()).where("id", .equal, listID).run()
        }
    }

    public func remove(_ titleID: Int, from listID: UUID) async throws {
        guard try await list(listID) != nil else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        try await sql.delete(from: "title_list_entries").where("list_id", .equal, listID).where("title_id", .equal, titleID).run()
    }

    /// Moves a title one place up (-1) or down (+1) on its list.
    public func move(_ titleID: Int, in listID: UUID, by step: Int) async throws {
        guard try await list(listID) != nil else { throw BiebError.notFound("list", nl: "Lijst niet gevonden.") }
        try await WriteGate.transaction(on: db) { tx in
            let store = TitleLists(tx, organisationID: organisationID)
            var entries = try await store.entries(of: listID)
            guard let index = entries.firstIndex(where: { $0.titleID == titleID }) else {
                throw BiebError.notFound("title", nl: "Deze titel staat niet op de lijst.")
            }
            let target = index + (step < 0 ? -1 : 1)
            guard entries.indices.contains(target) else { return }
            entries.swapAt(index, target)
            let sql = tx.sql
            for (position, entry) in entries.enumerated() where entry.position != position + 1 {
                try await sql.update("title_list_entries").set("position", to: position + 1)
                    .where("list_id", .equal, listID).where("title_id", .equal, entry.titleID).run()
            }
        }
    }

    // MARK: New in the collection

    /// Titles whose copies a branch acquired since a date (copies that were
    /// withdrawn, lost or missing do not count), newest first.
    public func newInCollection(branchID: UUID, since: LocalDate, limit: Int = 60) async throws -> [NewTitle] {
        try await sql.raw("""
            SELECT title_id, max(acquired_on) AS acquired FROM items
            WHERE owning_branch_id = \(bind: branchID) AND acquired_on >= \(bind: since.iso)
              AND organisation_id = \(bind: organisationID) AND status NOT IN ('withdrawn', 'lost', 'missing')
            GROUP BY title_id ORDER BY acquired DESC, title_id DESC LIMIT \(bind: limit)
            """).all().compactMap { row in
            guard let date = LocalDate(iso: try row.decode(column: "acquired", as: String.self)) else { return nil }
            return NewTitle(titleID: try row.decode(column: "title_id", as: Int.self), acquired: date)
        }
    }
}
