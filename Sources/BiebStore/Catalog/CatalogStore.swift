import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A title on its way into the catalogue: the MARC record it comes from,
/// what Bieb reads from it, and its copies.
public struct IncomingTitle: Sendable {
    public let marc: MARCRecord
    public let record: TitleRecord
    public var holdings: [Holding]
    /// Where it came from, for reports ("record 12 (byte 10240)").
    public var position: MARCPosition?
    /// What the reader corrected on the way.
    public var warnings: [String] = []
    // Prepared where the record is read (the import's reading thread), not in the database task.
    let marcData: Data
    let document: SearchDocument
    let workKey: String

    /// Reads the title fields from the record and prepares everything that is
    /// stored. Throws when the record cannot be written as ISO 2709.
    public init(marc: MARCRecord, holdings: [Holding]? = nil, position: MARCPosition? = nil, cache: StemCache? = nil) throws {
        try self.init(marc: marc, record: MARCMapping.title(from: marc), holdings: holdings ?? Holding.holdings(in: marc),
                      position: position, cache: cache)
    }

    /// A title whose fields were set by hand (staff forms); `marc` is the record to store.
    public init(marc: MARCRecord, record: TitleRecord, holdings: [Holding] = [], position: MARCPosition? = nil,
                cache: StemCache? = nil) throws {
        self.marc = marc
        self.record = record
        self.holdings = holdings
        self.position = position
        do {
            marcData = Data(try ISO2709Writer.encode(marc))
        } catch {
            throw BiebError.invalid("marc", "the record cannot be stored as ISO 2709: \(error.reason)")
        }
        document = SearchDocument(record, cache: cache, compounds: DutchWordList.compounds)
        workKey = WorkKey.make(title: record.title, mainAuthor: record.mainAuthor)
    }
}

public enum UpsertOutcome: Equatable, Sendable {
    case inserted(Int)
    case updated(Int)
    case rejected(String)
}

/// Writes titles and items of one organisation. A batch is one transaction:
/// a title, its ISBNs, its copies and its search-index row are written
/// together or not at all.
public struct CatalogStore: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Branch ids by slug, for holdings.
    public func branchesBySlug() async throws -> [String: UUID] {
        let branches = try await Branch.query(on: db).filter(\.$organisation.$id == organisationID).all()
        return Dictionary(uniqueKeysWithValues: branches.map { ($0.slug, $0.id!) })
    }

    /// Inserts new titles and updates existing ones — matched by control
    /// number (001), else by any shared ISBN — with their copies (matched by
    /// barcode) and index rows. Records that cannot be stored as given (a
    /// copy at an unknown branch, a barcode used twice) are rejected with a
    /// reason; the others are stored. All in one transaction.
    public func upsert(_ batch: [IncomingTitle], branches: [String: UUID], defaultBranch: UUID?,
                       generatedItemsPerTitle: Int = 0, now: Date = Date()) async throws -> [UpsertOutcome] {
        guard !batch.isEmpty else { return [] }
        var outcomes = [UpsertOutcome?](repeating: nil, count: batch.count)
        // Validate copies first: nothing of a record is written when one of its copies is wrong.
        var seenBarcodes: [String: Int] = [:]
        for (index, incoming) in batch.enumerated() {
            for holding in incoming.holdings {
                if let slug = holding.branch, branches[slug] == nil {
                    outcomes[index] = .rejected("copy \(holding.barcode ?? "?"): '\(slug)' is not a branch of this organisation")
                    break
                }
                if holding.branch == nil && defaultBranch == nil {
                    outcomes[index] = .rejected("copy \(holding.barcode ?? "?") has no branch (give --branch for copies without one)")
                    break
                }
                let barcode = holding.barcode!.trimmingCharacters(in: .whitespaces)
                if let other = seenBarcodes[barcode], other != index {
                    outcomes[index] = .rejected("copy barcode \(barcode) is also used by another record in this file")
                    break
                }
                seenBarcodes[barcode] = index
            }
        }
        let accepted = batch.indices.filter { outcomes[$0] == nil }
        let validated = outcomes

        let stored = try await db.withConnection { connection in
          let sqlite = SearchIndex.engine(of: connection.sql) == .sqlite
          if sqlite {
            let sql = connection.sql
            // On this connection, outside the transaction: a larger page cache (index pages stay in
            // memory across batches), and WAL commits without a sync each (a crash keeps the
            // database whole; the last batches may need importing again, which updates them).
            try await sql.raw("PRAGMA cache_size = -65536").run()
            try await sql.raw("PRAGMA synchronous = NORMAL").run()
            try await sql.raw("PRAGMA wal_autocheckpoint = 16384").run()
          }
          let storeBatch: @Sendable (any Database) async throws -> [UpsertOutcome?] = { tx in
            var outcomes = validated
            let sql = tx.sql
            // First statement: takes the write lock (SQLite) or the organisation's version row (PostgreSQL).
            let version = try await CatalogChanges.claim(organisationID: organisationID, titles: true, on: sql)
            // Existing titles by control number and ISBN.
            let numbers = Array(Set(accepted.compactMap { batch[$0].record.controlNumber }))
            let isbns = Array(Set(accepted.flatMap { batch[$0].record.isbns.map(\.isbn13) }))
            var byNumber: [String: Int] = [:]
            for chunk in numbers.chunked(into: 500) {
                let rows = try await sql.select().column("id").column("control_number").from(Title.schema)
                    .where("organisation_id", .equal, organisationID)
                    .where("control_number", .in, SQLBind.group(Array(chunk)))
                    .all()
                for row in rows {
                    byNumber[try row.decode(column: "control_number", as: String.self)] = try row.decode(column: "id", as: Int.self)
                }
            }
            var byISBN: [String: Int] = [:]
            for chunk in isbns.chunked(into: 500) {
                let rows = try await sql.select().column("title_id").column("isbn").from("title_isbns")
                    .where("organisation_id", .equal, organisationID)
                    .where("isbn", .in, SQLBind.group(Array(chunk)))
                    .all()
                for row in rows {
                    byISBN[try row.decode(column: "isbn", as: String.self)] = try row.decode(column: "title_id", as: Int.self)
                }
            }

            // Records of the batch that are one title (same control number or a
            // shared ISBN, with each other or with a title already there) form a
            // group: the last record of a group is written, the copies of all.
            struct Group {
                var existing: Int?
                var members: [Int] = []
            }
            var groups: [Group] = []
            var groupOfNumber: [String: Int] = [:]
            var groupOfISBN: [String: Int] = [:]
            var groupOfExisting: [Int: Int] = [:]
            for index in accepted {
                let record = batch[index].record
                var group = record.controlNumber.flatMap { groupOfNumber[$0] }
                    ?? record.isbns.lazy.compactMap { groupOfISBN[$0.isbn13] }.first
                if group == nil {
                    let existing = record.controlNumber.flatMap { byNumber[$0] }
                        ?? record.isbns.lazy.compactMap { byISBN[$0.isbn13] }.first
                    if let existing, let known = groupOfExisting[existing] {
                        group = known
                    } else {
                        groups.append(Group(existing: existing))
                        group = groups.count - 1
                        if let existing { groupOfExisting[existing] = group }
                    }
                }
                let g = group!
                groups[g].members.append(index)
                if let number = record.controlNumber { groupOfNumber[number] = g }
                for isbn in record.isbns { groupOfISBN[isbn.isbn13] = g }
            }

            // New titles: one multi-row INSERT per chunk; ids come back in row order (checked).
            var ids = [Int](repeating: 0, count: groups.count)
            let newGroups = groups.indices.filter { groups[$0].existing == nil }
            for chunk in newGroups.chunked(into: sqlite ? 200 : 1_000) {
                let returned = try await insertTitles(chunk.map { batch[groups[$0].members.last!] }, version: version, now: now, on: sql)
                for (offset, g) in chunk.enumerated() { ids[g] = returned[offset] }
            }
            let updatedGroups = groups.indices.filter { groups[$0].existing != nil }
            for g in updatedGroups {
                ids[g] = groups[g].existing!
                try await updateTitle(ids[g], batch[groups[g].members.last!], version: version, now: now, on: sql)
            }
            for (g, group) in groups.enumerated() {
                for (position, index) in group.members.enumerated() {
                    outcomes[index] = group.existing == nil && position == 0 ? .inserted(ids[g]) : .updated(ids[g])
                }
            }

            let replaced = updatedGroups.map { ids[$0] }
            try await writeISBNs(groups.indices.map { (ids[$0], batch[groups[$0].members.last!].record.isbns) }, replacing: replaced, on: sql)
            try await SearchIndex.write(groups.indices.map { (ids[$0], organisationID, batch[groups[$0].members.last!].document) },
                                        replacing: replaced, on: sql)
            // The copies carry their title's shelf segment and edition year (`ShelfKeys`), written with them: filling
            // them in afterwards rewrote every new copy and its indexes a second time.
            try await writeItems(groups.indices.map { g in
                let record = batch[groups[g].members.last!].record
                return (ids[g], groups[g].members.flatMap { batch[$0].holdings },
                        ShelfSegment(formatCode: record.format.rawValue, audienceCode: record.audience?.rawValue, nur: record.nur).key,
                        record.year)
            }, branches: branches, defaultBranch: defaultBranch, generated: generatedItemsPerTitle, now: now, on: sql)
            return outcomes
          }
          // One transaction per batch: a batch is stored whole or not at all (an import stopped half-way is run again).
          // On PostgreSQL begun by Bieb: on a connection of its own, Fluent's `transaction` would begin none.
          if sqlite { return try await connection.transaction(storeBatch) }
          return try await PostgresTransaction.run(onConnection: connection) { tx in
            // A batch commits without waiting for its log to reach the disk: a crash of the database server may lose
            // the last batches, never part of one, and the import run again stores them.
            try await tx.sql.raw("SET LOCAL synchronous_commit = off").run()
            return try await storeBatch(tx)
          }
        }
        return stored.map { $0 ?? .rejected("not stored") }
    }

    // MARK: Writing pieces

    static let titleColumns = ["organisation_id", "control_number", "title", "subtitle", "main_author", "publisher", "year",
                               "isbns", "language", "format", "series", "audience", "age_min", "age_max", "avi", "nur",
                               "work_key", "work_id", "changed_version", "marc", "deleted", "created_at", "updated_at"]

    func titleValues(_ incoming: IncomingTitle, version: Int, now: Date, created: Date?) -> [SQLValue] {
        let r = incoming.record
        return [.uuid(organisationID), .text(r.controlNumber), .text(r.title), .text(r.subtitle), .text(r.mainAuthor),
                .text(r.publisher), .int(r.year), .text(r.isbns.map(\.isbn13).joined(separator: " ")), .text(r.language),
                .text(r.format.rawValue), .text(r.series), .text(r.audience?.rawValue), .int(r.ageMin), .int(r.ageMax),
                .text(r.aviLevel), .int(r.nur), .text(incoming.workKey), .int(Int(WorkKey.id(incoming.workKey))), .int(version),
                .data(incoming.marcData), .bool(false), .date(created ?? now), .date(now)]
    }

    /// New titles' ids, in order. SQLite: one multi-row INSERT … RETURNING (ids checked to come back in row order).
    /// PostgreSQL (`sql` one connection, in a transaction): ids taken from the table's sequence first,
    /// then the rows with their ids in one `COPY`.
    func insertTitles(_ titles: [IncomingTitle], version: Int, now: Date, on sql: any SQLDatabase) async throws -> [Int] {
        guard SearchIndex.engine(of: sql) == .sqlite else {
            let rows = try await sql.raw("""
                SELECT nextval(pg_get_serial_sequence(\(bind: Title.schema), 'id')) AS id FROM generate_series(1, \(bind: titles.count))
                """).all()
            let ids = try rows.map { try $0.decode(column: "id", as: Int.self) }
            let values = zip(ids, titles).map { id, title in [.int(id)] + titleValues(title, version: version, now: now, created: nil) }
            try await PostgresCopy.rows(values, into: Title.schema, columns: ["id"] + Self.titleColumns, on: sql)
            return ids
        }
        var query = SQLQueryString.insert(into: Title.schema, columns: Self.titleColumns,
                                          rows: titles.map { titleValues($0, version: version, now: now, created: nil) }, sqlite: true)
        query.appendLiteral(" RETURNING id, work_key")
        let rows = try await sql.raw(query).all()
        guard rows.count == titles.count else { throw BiebError(.conflict, code: "insert_mismatch", message: "The database returned \(rows.count) ids for \(titles.count) titles.") }
        var ids: [Int] = []
        for (row, title) in zip(rows, titles) {
            let key = try row.decode(column: "work_key", as: String.self)
            guard key == title.workKey else {
                throw BiebError(.conflict, code: "insert_order", message: "Inserted titles came back out of order.")
            }
            ids.append(try row.decode(column: "id", as: Int.self))
        }
        return ids
    }

    /// New rows: multi-row INSERTs on SQLite, one `COPY` on PostgreSQL (`sql` one connection, in a transaction).
    func bulkInsert(_ rows: [[SQLValue]], into table: String, columns: [String], on sql: any SQLDatabase) async throws {
        guard SearchIndex.engine(of: sql) == .sqlite else {
            return try await PostgresCopy.rows(rows, into: table, columns: columns, on: sql)
        }
        for chunk in rows.chunked(into: 300 * 12 / columns.count) {
            try await sql.raw(.insert(into: table, columns: columns, rows: chunk, sqlite: true)).run()
        }
    }

    func updateTitle(_ id: Int, _ incoming: IncomingTitle, version: Int, now: Date, on sql: any SQLDatabase) async throws {
        let values = titleValues(incoming, version: version, now: now, created: nil)
        var update = sql.update(Title.schema)
        let sqlite = SearchIndex.engine(of: sql) == .sqlite
        for (column, value) in zip(Self.titleColumns, values) where column != "created_at" && column != "organisation_id" {
            update = update.set(SQLIdentifier(column), to: value.expression(sqlite: sqlite))
        }
        try await update.where("id", .equal, id).where("organisation_id", .equal, organisationID).run()
        try await ShelfKeys.titleChanged(id, record: incoming.record, on: sql)
    }

    func writeISBNs(_ titles: [(Int, [ISBN])], replacing: [Int], on sql: any SQLDatabase) async throws {
        for chunk in replacing.chunked(into: 500) {
            try await sql.delete(from: "title_isbns").where("title_id", .in, SQLBind.group(Array(chunk))).run()
        }
        let rows: [[SQLValue]] = titles.flatMap { id, isbns in Set(isbns.map(\.isbn13)).map { [.uuid(organisationID), .text($0), .int(id)] } }
        try await bulkInsert(rows, into: "title_isbns", columns: ["organisation_id", "isbn", "title_id"], on: sql)
    }

    static let itemColumns = ["organisation_id", "title_id", "barcode", "owning_branch_id", "current_branch_id", "call_number",
                              "shelf_location", "status", "price_cents", "acquired_on", "created_at", "updated_at"]

    /// Written with a copy by the import: its title's shelf segment and edition year (`ShelfKeys`).
    static let itemShelfColumns = ["shelf", "edition_year"]

    /// The copies of titles, new or known by barcode, with their title's shelf segment key and edition year.
    func writeItems(_ titles: [(id: Int, holdings: [Holding], shelf: String, year: Int?)], branches: [String: UUID], defaultBranch: UUID?,
                    generated: Int, now: Date, on sql: any SQLDatabase) async throws {
        let shelves = Dictionary(titles.map { ($0.id, (key: $0.shelf, year: $0.year)) }, uniquingKeysWith: { $1 })
        var holdings: [(Int, Holding)] = titles.flatMap { title in title.holdings.map { (title.id, $0) } }
        if generated > 0 {
            let branchIDs = defaultBranch.map { [$0] } ?? Array(branches.values).sorted { $0.uuidString < $1.uuidString }
            guard !branchIDs.isEmpty else {
                throw BiebError.invalid("--items", "There is no branch to put generated copies in.")
            }
            let slugByID = Dictionary(uniqueKeysWithValues: branches.map { ($1, $0) })
            for id in titles.map(\.id) {
                for copy in 0..<generated {
                    let branch = branchIDs[(id &* 7 &+ copy) % branchIDs.count]
                    holdings.append((id, Holding(branch: slugByID[branch], barcode: String(format: "3%011d%02d", id, copy),
                                                 callNumber: nil, status: .available)))
                }
            }
        }
        guard !holdings.isEmpty else { return }
        let barcodes = holdings.map { $0.1.barcode!.trimmingCharacters(in: .whitespaces) }
        var existing: [String: Int] = [:]
        for chunk in barcodes.chunked(into: 500) {
            let rows = try await sql.select().column("id").column("barcode").from(Item.schema)
                .where("organisation_id", .equal, organisationID)
                .where("barcode", .in, SQLBind.group(Array(chunk))).all()
            for row in rows { existing[try row.decode(column: "barcode", as: String.self)] = try row.decode(column: "id", as: Int.self) }
        }
        var inserts: [[SQLValue]] = []
        for ((titleID, holding), barcode) in zip(holdings, barcodes) {
            let branch = holding.branch.flatMap { branches[$0] } ?? defaultBranch!
            let shelf = shelves[titleID]
            if let itemID = existing[barcode] {
                // The same copy again: it may have moved to this title or changed its shelf mark; its status stays.
                try await sql.update(Item.schema)
                    .set("title_id", to: titleID).set("shelf", to: shelf?.key).set("edition_year", to: shelf?.year ?? nil)
                    .set("owning_branch_id", to: branch)
                    .set("call_number", to: holding.callNumber ?? "")
                    .set("shelf_location", to: holding.shelfLocation ?? "")
                    .set("price_cents", to: holding.priceCents)
                    .set("updated_at", to: now)
                    .where("id", .equal, itemID).run()
            } else {
                inserts.append([.uuid(organisationID), .int(titleID), .text(barcode), .uuid(branch), .uuid(branch),
                                .text(holding.callNumber ?? ""), .text(holding.shelfLocation ?? ""),
                                .text((holding.status ?? .available).rawValue), .int(holding.priceCents), .text(holding.acquired?.iso),
                                .date(now), .date(now), .text(shelf?.key), .int(shelf?.year ?? nil)])
            }
        }
        try await bulkInsert(inserts, into: Item.schema, columns: Self.itemColumns + Self.itemShelfColumns, on: sql)
    }

    // MARK: Status and removal

    /// Sets the status (and due date, for loans) of copies. The one way
    /// copies change status, so search sees it (`CatalogChanges`).
    /// Marks copies withdrawn, lost or missing, or available again after a
    /// withdrawal. Lending, returns, transit, the hold shelf and a lost copy
    /// coming back belong to circulation (the desk), which keeps loans,
    /// holds and fees in step; those are refused here with the reason.
    public func setStatus(_ status: ItemStatus, ofItems itemIDs: [Int]) async throws {
        guard !itemIDs.isEmpty else { return }
        guard [.available, .lost, .missing, .withdrawn].contains(status) else {
            throw BiebError.invalid("status", "Lending, transit and the hold shelf are handled at the desk.",
                                    nl: "Uitlenen, vervoer en de afhaalplank gaan via de balie.")
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            var titleIDs: [Int] = []
            for chunk in itemIDs.chunked(into: 500) {
                for row in try await sql.select().columns("title_id", "status", "hold_id", "barcode").from(Item.schema)
                    .where("organisation_id", .equal, organisationID).where("id", .in, SQLBind.group(Array(chunk))).all() {
                    titleIDs.append(try row.decode(column: "title_id", as: Int.self))
                    let current = ItemStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .missing
                    let barcode = try row.decode(column: "barcode", as: String.self)
                    let held = try row.decode(column: "hold_id", as: Int?.self) != nil
                    if [.onLoan, .inTransit, .onHoldShelf].contains(current) || held {
                        throw BiebError(.conflict, code: "item_in_circulation", field: "status",
                                        message: "Copy \(barcode) is on loan, in transit or set aside for a hold: take it in at the desk first.",
                                        nl: "Exemplaar \(barcode) is uitgeleend, onderweg of gereserveerd: neem het eerst in aan de balie.")
                    }
                    if [.lost, .missing].contains(current) && status == .available {
                        throw BiebError(.conflict, code: "found_at_desk", field: "status",
                                        message: "Copy \(barcode) was lost or missing: scan it at the desk's returns, which settles charges and serves holds.",
                                        nl: "Exemplaar \(barcode) was verloren of vermist: scan het bij Innemen aan de balie; dan worden kosten verrekend en reserveringen bediend.")
                    }
                }
            }
            for chunk in itemIDs.chunked(into: 500) {
                try await sql.update(Item.schema).set("status", to: status.rawValue)
                    .set("due_at", to: SQLLiteral.null).set("updated_at", to: Date())
                    .where("organisation_id", .equal, organisationID).where("id", .in, SQLBind.group(Array(chunk))).run()
            }
            let version = try await CatalogChanges.claim(organisationID: organisationID, titles: false, on: sql)
            try await CatalogChanges.stamp(titleIDs: titleIDs, version: version, on: sql)
        }
    }

    /// Deletes a title: it leaves search and the public pages at once and
    /// stays as a tombstone for OAI-PMH harvesters. A title with copies that
    /// are not withdrawn cannot be deleted.
    public func delete(titleID: Int) async throws {
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let copies = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(Item.schema)
                .where("organisation_id", .equal, organisationID).where("title_id", .equal, titleID)
                .where("status", .notEqual, ItemStatus.withdrawn.rawValue).first()?.decode(column: "n", as: Int.self) ?? 0
            guard copies == 0 else {
                throw BiebError(.conflict, code: "title_has_copies",
                                message: "This title still has \(copies) copies; withdraw them first.",
                                nl: "Deze titel heeft nog \(copies) exemplaren; boek die eerst af.")
            }
            let version = try await CatalogChanges.claim(organisationID: organisationID, titles: true, on: sql)
            try await sql.update(Title.schema).set("deleted", to: true).set("updated_at", to: Date())
                .set("changed_version", to: version)
                .where("organisation_id", .equal, organisationID).where("id", .equal, titleID).run()
            try await sql.delete(from: "title_isbns").where("title_id", .equal, titleID).run()
            try await SearchIndex.remove([titleID], on: sql)
        }
    }

    // MARK: Reading

    /// The live title with this ISBN, if any.
    public func title(isbn: ISBN) async throws -> Title? {
        let row = try await sql.raw("""
            SELECT i.title_id AS id FROM title_isbns i JOIN titles t ON t.id = i.title_id
            WHERE i.organisation_id = \(bind: organisationID) AND i.isbn = \(bind: isbn.isbn13) AND t.deleted = \(bind: false)
            ORDER BY i.title_id LIMIT 1
            """).first()
        guard let id = try row?.decode(column: "id", as: Int.self) else { return nil }
        return try await title(id)
    }

    public func title(_ id: Int) async throws -> Title? {
        try await Title.query(on: db).filter(\.$id == id).filter(\.$organisationID == organisationID).first()
    }

    /// Result-list columns of titles by id (deleted ones left out).
    public func summaries(_ ids: [Int]) async throws -> [Int: TitleSummary] {
        var result: [Int: TitleSummary] = [:]
        for chunk in ids.chunked(into: 500) {
            for summary in try await sql.select().columns(TitleSummary.columns.map { SQLIdentifier($0) }).from(Title.schema)
                .where("organisation_id", .equal, organisationID).where("deleted", .equal, false)
                .where("id", .in, SQLBind.group(Array(chunk))).all().map(TitleSummary.init) {
                result[summary.id] = summary
            }
        }
        return result
    }

    public func items(of titleID: Int) async throws -> [Item] {
        try await Item.query(on: db).filter(\.$titleID == titleID).filter(\.$organisationID == organisationID).sort(\.$barcode).all()
    }

    public func titleCount() async throws -> Int {
        try await Title.query(on: db).filter(\.$organisationID == organisationID).filter(\.$deleted == false).count()
    }

    /// Titles in id order from `after` (for export and harvesting), `limit` at a time.
    public func titles(after: Int, limit: Int, includeDeleted: Bool = false) async throws -> [Title] {
        var query = Title.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id > after)
        if !includeDeleted { query = query.filter(\.$deleted == false) }
        return try await query.sort(\.$id).limit(limit).all()
    }

    /// Copies of many titles at once, by title.
    public func items(of titleIDs: [Int]) async throws -> [Int: [Item]] {
        guard !titleIDs.isEmpty else { return [:] }
        var result: [Int: [Item]] = [:]
        for chunk in titleIDs.chunked(into: 500) {
            let items = try await Item.query(on: db).filter(\.$organisationID == organisationID).filter(\.$titleID ~~ Array(chunk)).all()
            for item in items { result[item.titleID, default: []].append(item) }
        }
        return result
    }
}

/// Where copies of a title are and whether one can be had now, per branch.
public struct BranchAvailability: Sendable, Equatable {
    public let branchID: UUID
    public var onShelf = 0
    public var onLoan = 0
    /// The earliest due date of the copies on loan here.
    public var earliestDue: Date?
    public var inTransit = 0
    public var onHoldShelf = 0
    /// Lost, missing and withdrawn copies are not counted anywhere.
    public var total: Int { onShelf + onLoan + inTransit + onHoldShelf }

    public init(branchID: UUID) { self.branchID = branchID }
}

extension CatalogStore {
    /// Availability of many titles at once: title id → branches (with copies), by branch id.
    /// Where a title's copies stand on the shelf, per branch they are at: the call numbers (with the
    /// shelf location where there is one), e.g. "JEUGD AVI-E4 BOS" or "R REVE (Romans)". Copies that are
    /// lost, missing or withdrawn are left out.
    public func shelfMarks(of titleID: Int) async throws -> [UUID: [String]] {
        var marks: [UUID: [String]] = [:]
        for row in try await sql.select().column("current_branch_id").column("call_number").column("shelf_location").from(Item.schema)
            .where("title_id", .equal, titleID).where("organisation_id", .equal, organisationID)
            .where("status", .notIn, SQLBind.group([ItemStatus.lost, .missing, .withdrawn].map(\.rawValue)))
            .orderBy("call_number").all() {
            let call = try row.decode(column: "call_number", as: String.self).trimmed
            guard !call.isEmpty else { continue }
            let location = try row.decode(column: "shelf_location", as: String.self).trimmed
            let mark = location.isEmpty ? call : "\(call) (\(location))"
            let branch = try row.decode(column: "current_branch_id", as: UUID.self)
            if !(marks[branch] ?? []).contains(mark) { marks[branch, default: []].append(mark) }
        }
        return marks
    }

    public func availability(of titleIDs: [Int]) async throws -> [Int: [BranchAvailability]] {
        guard !titleIDs.isEmpty else { return [:] }
        var result: [Int: [UUID: BranchAvailability]] = [:]
        for chunk in titleIDs.chunked(into: 500) {
            let rows = try await sql.select()
                .column("title_id").column("current_branch_id").column("status")
                .column(SQLFunction("count", args: SQLLiteral.all), as: "n")
                .column(SQLFunction("min", args: SQLColumn("due_at")), as: "due")
                .from(Item.schema)
                .where("organisation_id", .equal, organisationID)
                .where("title_id", .in, SQLBind.group(Array(chunk)))
                .groupBy("title_id").groupBy("current_branch_id").groupBy("status")
                .all()
            for row in rows {
                let title = try row.decode(column: "title_id", as: Int.self)
                let branch = try row.decode(column: "current_branch_id", as: UUID.self)
                let count = try row.decode(column: "n", as: Int.self)
                let status = ItemStatus(rawValue: try row.decode(column: "status", as: String.self))
                var entry = result[title, default: [:]][branch] ?? BranchAvailability(branchID: branch)
                switch status {
                case .available: entry.onShelf += count
                case .onLoan:
                    entry.onLoan += count
                    if let due = try? row.decode(column: "due", as: Date?.self) {
                        entry.earliestDue = min(entry.earliestDue ?? due, due)
                    }
                case .inTransit: entry.inTransit += count
                case .onHoldShelf: entry.onHoldShelf += count
                default: continue
                }
                result[title, default: [:]][branch] = entry
            }
        }
        return result.mapValues { Array($0.values).sorted { $0.branchID.uuidString < $1.branchID.uuidString } }
    }
}

/// What OAI-PMH harvesters see: titles (deleted ones too) of one or all
/// organisations, in id order, by date of change and format.
public struct HarvestQuery: Sendable {
    public var organisationID: UUID?
    public var format: String?
    public var from: Date?
    public var until: Date?
    public var after = 0

    public init(organisationID: UUID? = nil, format: String? = nil, from: Date? = nil, until: Date? = nil, after: Int = 0) {
        self.organisationID = organisationID
        self.format = format
        self.from = from
        self.until = until
        self.after = after
    }
}

public enum Harvest {
    static func filtered(_ query: HarvestQuery, on db: any Database) -> QueryBuilder<Title> {
        var builder = Title.query(on: db)
        if let organisation = query.organisationID { builder = builder.filter(\.$organisationID == organisation) }
        if let format = query.format { builder = builder.filter(\.$format == format) }
        if let from = query.from { builder = builder.filter(\.$updatedAt >= from) }
        if let until = query.until { builder = builder.filter(\.$updatedAt <= until) }
        return builder
    }

    /// Up to `limit` titles after `query.after`.
    public static func titles(_ query: HarvestQuery, limit: Int, on db: any Database) async throws -> [Title] {
        try await filtered(query, on: db).filter(\.$id > query.after).sort(\.$id).limit(limit).all()
    }

    /// How many titles match (for `completeListSize`), or how many up to an id (the `cursor`).
    public static func count(_ query: HarvestQuery, throughID: Int? = nil, on db: any Database) async throws -> Int {
        var builder = filtered(query, on: db)
        if let throughID { builder = builder.filter(\.$id <= throughID) }
        return try await builder.count()
    }

    /// The first change date of all titles (OAI-PMH earliestDatestamp).
    public static func earliest(on db: any Database) async throws -> Date? {
        try await Title.query(on: db).sort(\.$updatedAt).first()?.updatedAt
    }

    /// Formats present per organisation, for ListSets.
    public static func formats(on db: any Database) async throws -> [(organisationID: UUID, format: String)] {
        try await db.sql.select().distinct().column("organisation_id").column("format").from(Title.schema)
            .orderBy("format").all().map {
                (try $0.decode(column: "organisation_id", as: UUID.self), try $0.decode(column: "format", as: String.self))
            }
    }
}
