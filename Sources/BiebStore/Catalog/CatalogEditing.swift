import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A copy as staff enter it.
public struct ItemDraft: Sendable {
    public var barcode: String
    public var branchID: UUID
    public var callNumber: String
    public var shelfLocation: String
    public var priceCents: Int?
    public var acquired: LocalDate?

    public init(barcode: String, branchID: UUID, callNumber: String = "", shelfLocation: String = "", priceCents: Int? = nil,
                acquired: LocalDate? = nil) {
        self.barcode = barcode
        self.branchID = branchID
        self.callNumber = callNumber
        self.shelfLocation = shelfLocation
        self.priceCents = priceCents
        self.acquired = acquired
    }
}

/// Creating and changing single titles and copies, as staff do in forms:
/// unlike the import (which updates a title that shares a control number or
/// ISBN), a clash here is refused with the title it clashes with.
extension CatalogStore {
    /// Checks a title record as entered by staff.
    static func check(_ incoming: IncomingTitle) throws {
        try TitleValidation.validate(incoming.record)
    }

    /// Refuses a control number or ISBN that another live title of the organisation uses.
    func checkClashes(_ record: TitleRecord, except titleID: Int?, on sql: any SQLDatabase) async throws {
        if let number = record.controlNumber {
            var query = sql.select().column("id").column("title").from(Title.schema)
                .where("organisation_id", .equal, organisationID).where("control_number", .equal, number).where("deleted", .equal, false)
            if let titleID { query = query.where("id", .notEqual, titleID) }
            if let row = try await query.first() {
                let other = try row.decode(column: "title", as: String.self)
                throw BiebError(.conflict, code: "control_number_taken", field: "control_number",
                                message: "Control number \(number) is already used by “\(other)”.",
                                nl: "Controlenummer \(number) is al in gebruik bij “\(other)”.")
            }
        }
        for isbn in record.isbns {
            let rows = try await sql.raw("""
                SELECT t.id AS id, t.title AS title FROM title_isbns i JOIN titles t ON t.id = i.title_id
                WHERE i.organisation_id = \(bind: organisationID) AND i.isbn = \(bind: isbn.isbn13) AND t.deleted = \(bind: false)
                """).all()
            for row in rows where try row.decode(column: "id", as: Int.self) != titleID {
                let other = try row.decode(column: "title", as: String.self)
                throw BiebError(.conflict, code: "isbn_taken", field: "isbns",
                                message: "ISBN \(isbn.isbn13) is already used by “\(other)”.",
                                nl: "ISBN \(isbn.isbn13) is al in gebruik bij “\(other)”.")
            }
        }
    }

    /// Adds a new title; returns its id.
    public func create(_ incoming: IncomingTitle, now: Date = Date()) async throws -> Int {
        try Self.check(incoming)
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let version = try await CatalogChanges.claim(organisationID: organisationID, titles: true, on: sql)
            try await checkClashes(incoming.record, except: nil, on: sql)
            let id = try await insertTitles([incoming], version: version, now: now, on: sql)[0]
            try await writeISBNs([(id, incoming.record.isbns)], replacing: [], on: sql)
            try await SearchIndex.write([(id, organisationID, incoming.document)], replacing: [], on: sql)
            return id
        }
    }

    /// Replaces a title's record (its copies stay).
    public func update(_ titleID: Int, with incoming: IncomingTitle, now: Date = Date()) async throws {
        try Self.check(incoming)
        guard let existing = try await title(titleID), !existing.deleted else {
            throw BiebError.notFound("title", nl: "Titel niet gevonden.")
        }
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let version = try await CatalogChanges.claim(organisationID: organisationID, titles: true, on: sql)
            try await checkClashes(incoming.record, except: titleID, on: sql)
            try await updateTitle(titleID, incoming, version: version, now: now, on: sql)
            try await writeISBNs([(titleID, incoming.record.isbns)], replacing: [titleID], on: sql)
            try await SearchIndex.write([(titleID, organisationID, incoming.document)], replacing: [titleID], on: sql)
        }
    }

    /// Checks a copy's fields.
    static func check(_ draft: ItemDraft) throws -> ItemDraft {
        var draft = draft
        draft.barcode = draft.barcode.trimmed
        draft.callNumber = draft.callNumber.trimmed
        draft.shelfLocation = draft.shelfLocation.trimmed
        guard !draft.barcode.isEmpty, draft.barcode.count <= 32, !draft.barcode.contains(where: { $0.isWhitespace }) else {
            throw BiebError.invalid("barcode", "A barcode is required: up to 32 characters without spaces.",
                                    nl: "Een barcode is verplicht: hoogstens 32 tekens zonder spaties.")
        }
        guard draft.callNumber.count <= 100, draft.shelfLocation.count <= 100 else {
            throw BiebError.invalid("call_number", "Call number and shelf are at most 100 characters.",
                                    nl: "Plaatsingscode en kast zijn hoogstens 100 tekens.")
        }
        if let price = draft.priceCents, !(0...1_000_000).contains(price) {
            throw BiebError.invalid("price", "The price is out of range.", nl: "De prijs valt buiten het bereik.")
        }
        return draft
    }

    /// Adds a copy to a title (on the shelf at its branch); returns its id.
    public func addItem(to titleID: Int, _ draft: ItemDraft, now: Date = Date()) async throws -> Int {
        let draft = try Self.check(draft)
        guard let title = try await title(titleID), !title.deleted else { throw BiebError.notFound("title", nl: "Titel niet gevonden.") }
        if MaterialFormat(rawValue: title.format)?.isDigital == true {
            throw BiebError.invalid("barcode", "A digital title has no copies.", nl: "Een digitale titel heeft geen exemplaren.")
        }
        guard try await Branch.query(on: db).filter(\.$id == draft.branchID).filter(\.$organisation.$id == organisationID).first() != nil else {
            throw BiebError.invalid("branch", "That branch is not one of this organisation's.", nl: "Die vestiging hoort niet bij deze organisatie.")
        }
        do {
            return try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                let version = try await CatalogChanges.claim(organisationID: organisationID, titles: false, on: sql)
                let values: [any Encodable & Sendable] = [organisationID, titleID, draft.barcode, draft.branchID, draft.branchID,
                                                          draft.callNumber, draft.shelfLocation, ItemStatus.available.rawValue,
                                                          draft.priceCents, draft.acquired?.iso, now, now]
                let row = try await sql.insert(into: Item.schema).columns(Self.itemColumns.map { SQLIdentifier($0) })
                    .values(values.map { SQLBind($0) })
                    .returning("id").first()
                try await CatalogChanges.stamp(titleIDs: [titleID], version: version, on: sql)
                _ = try await ShelfKeys.fill(titles: [titleID], organisation: organisationID, on: sql)
                guard let id = try row?.decode(column: "id", as: Int.self) else {
                    throw BiebError(.conflict, code: "insert_failed", message: "The copy was not stored.")
                }
                return id
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw BiebError(.conflict, code: "barcode_taken", field: "barcode", message: "Barcode \(draft.barcode) is already in use.",
                            nl: "Barcode \(draft.barcode) is al in gebruik.")
        }
    }

    /// Changes a copy's shelf mark, owning branch and price (not its status:
    /// see `setStatus`).
    public func updateItem(_ itemID: Int, _ draft: ItemDraft, now: Date = Date()) async throws {
        let draft = try Self.check(draft)
        guard let item = try await Item.query(on: db).filter(\.$id == itemID).filter(\.$organisationID == organisationID).first() else {
            throw BiebError.notFound("item", nl: "Exemplaar niet gevonden.")
        }
        guard try await Branch.query(on: db).filter(\.$id == draft.branchID).filter(\.$organisation.$id == organisationID).first() != nil else {
            throw BiebError.invalid("branch", "That branch is not one of this organisation's.", nl: "Die vestiging hoort niet bij deze organisatie.")
        }
        do {
            try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                let version = try await CatalogChanges.claim(organisationID: organisationID, titles: false, on: sql)
                var update = sql.update(Item.schema).set("barcode", to: draft.barcode).set("call_number", to: draft.callNumber)
                    .set("shelf_location", to: draft.shelfLocation).set("price_cents", to: draft.priceCents)
                    .set("acquired_on", to: draft.acquired?.iso).set("owning_branch_id", to: draft.branchID).set("updated_at", to: now)
                // A copy on the shelf moves with its owner; one on loan or in transit comes back there.
                if item.status == .available { update = update.set("current_branch_id", to: draft.branchID) }
                try await update.where("id", .equal, itemID).run()
                try await CatalogChanges.stamp(titleIDs: [item.titleID], version: version, on: sql)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw BiebError(.conflict, code: "barcode_taken", field: "barcode", message: "Barcode \(draft.barcode) is already in use.",
                            nl: "Barcode \(draft.barcode) is al in gebruik.")
        }
    }
}
