import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Each branch's shelf capacity per part of the collection (copies), set by
/// staff. A branch without a capacity for a part takes no part in balancing it.
public struct ShelfCapacities: OrganisationStore {
    static let schema = "shelf_capacities"

    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public static let maxCapacity = 2_000_000

    public func all() async throws -> [UUID: [CollectionSegment: Int]] {
        var out: [UUID: [CollectionSegment: Int]] = [:]
        for row in try await sql.select().columns("branch_id", "part", "capacity").from(Self.schema)
            .where("organisation_id", .equal, organisationID).all() {
            guard let part = CollectionSegment(rawValue: try row.decode(column: "part", as: String.self)) else { continue }
            out[try row.decode(column: "branch_id", as: UUID.self), default: [:]][part] = try row.decode(column: "capacity", as: Int.self)
        }
        return out
    }

    /// Sets (or, with nil, removes) a branch's capacity for a part.
    public func set(branch: UUID, part: CollectionSegment, capacity: Int?) async throws {
        guard try await sql.select().column("id").from(Branch.schema).where("id", .equal, branch)
            .where("organisation_id", .equal, organisationID).first() != nil else {
            throw BiebError.invalid("branch", "Choose a branch of this library.", nl: "Kies een vestiging van deze bibliotheek.")
        }
        guard let capacity else {
            try await sql.delete(from: Self.schema).where("branch_id", .equal, branch).where("part", .equal, part.rawValue).run()
            return
        }
        guard (0...Self.maxCapacity).contains(capacity) else {
            throw BiebError.invalid("capacity_\(part.rawValue)", "A capacity lies between 0 and 2,000,000 copies.",
                                    nl: "Een capaciteit ligt tussen 0 en 2.000.000 exemplaren.")
        }
        try await sql.raw("""
            INSERT INTO shelf_capacities (organisation_id, branch_id, part, capacity)
            VALUES (\(bind: organisationID), \(bind: branch), \(bind: part.rawValue), \(bind: capacity))
            ON CONFLICT (branch_id, part) DO UPDATE SET capacity = excluded.capacity
            """).run()
    }
}

/// Balance transfers for a floating collection: copies go from branches
/// over their shelf capacity for a part to branches under it
/// (`BalancePlan`). Making the list puts a transfer (reason `balance`) on
/// each chosen copy, not yet sent: the copy stays on the shelf, and can
/// still be lent, until staff pick it and scan it to send (`send`). From
/// there the transfer flow carries it: the copy is in transit, on the
/// receiving branch's incoming list, and received by the return scan there
/// — where, the collection floating, it stays.
public struct Balancing: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public struct PlannedMove: Sendable, Equatable, Codable {
        public var part: CollectionSegment
        public var from: UUID
        public var to: UUID
        public var copies: Int
    }

    public struct Line: Sendable, Equatable, Codable {
        public var transferID: Int
        public var itemID: Int
        public var barcode: String
        public var title: String
        public var callNumber: String
        public var from: UUID
        public var to: UUID
        public var sent: Bool
        /// The part of the collection the copy is in.
        public var part: CollectionSegment
    }

    func requireFloating() async throws {
        let floating = try await sql.select().column("floating").from("circulation_settings")
            .where("organisation_id", .equal, organisationID).first()?.decode(column: "floating", as: Bool.self) ?? false
        guard floating else {
            throw BiebError(.conflict, code: "not_floating", field: nil,
                            message: "Balancing is for a floating collection; this library's copies go home after each return.",
                            nl: "Balanceren is voor een zwevende collectie; de exemplaren van deze bibliotheek gaan na elke inname naar huis.")
        }
    }

    /// The moves the capacities ask for now, per part: holdings (`SegmentReport`) against capacity, less copies
    /// already on an open balance transfer.
    /// Each branch's copies in the collection per part (`SegmentReport`, one pass).
    public func holdings(today: LocalDate) async throws -> [UUID: [CollectionSegment: Int]] {
        let policy = try await WeedingSettings(db, organisationID: organisationID).policy()
        var out: [UUID: [CollectionSegment: Int]] = [:]
        for row in try await SegmentReport(db, organisationID: organisationID).rows(today: today, policy: policy) {
            out[row.branch, default: [:]][row.segment.part, default: 0] += row.figures.holdings
        }
        return out
    }

    /// `holdings`: each branch's copies per part when the caller read them already (`holdings(today:)`).
    public func plan(today: LocalDate, holdings known: [UUID: [CollectionSegment: Int]]? = nil) async throws -> [PlannedMove] {
        let capacities = try await ShelfCapacities(db, organisationID: organisationID).all()
        var holdings: [UUID: [CollectionSegment: Int]]
        if let known { holdings = known } else { holdings = try await self.holdings(today: today) }
        // Copies already leaving and coming are counted where they go.
        for line in try await open() {
            holdings[line.from, default: [:]][line.part, default: 0] -= 1
            holdings[line.to, default: [:]][line.part, default: 0] += 1
        }
        var out: [PlannedMove] = []
        for part in CollectionSegment.allCases {
            let shelves = capacities.compactMap { branch, parts in
                parts[part].map { BalancePlan.Shelf(branch: branch, holdings: holdings[branch]?[part] ?? 0, capacity: $0) }
            }
            out += BalancePlan.moves(shelves).map { PlannedMove(part: part, from: $0.from, to: $0.to, copies: $0.copies) }
        }
        return out
    }

    /// Makes the transfer list of the plan: for each move, the copies to send — available, set aside for nobody,
    /// on no transfer, titles the receiving branch lacks first, then the least lent. Returns the lines made.
    public func makeTransfers(today: LocalDate, now: Date = Date()) async throws -> [Line] {
        try await requireFloating()
        let moves = try await plan(today: today)
        let organisationID = organisationID
        var made: [Line] = []
        for move in moves {
            let candidates = try await sql.raw("""
                SELECT i.id, i.barcode, i.title_id, i.call_number, i.loans_year, t.title, t.format, t.audience, t.nur,
                       (SELECT COUNT(*) FROM items x WHERE x.title_id = i.title_id AND x.current_branch_id = \(bind: move.to)
                            AND x.status NOT IN \(unsafeRaw: CollectionSQL.outOfCollection)) AS there
                FROM items i JOIN titles t ON t.id = i.title_id
                WHERE i.organisation_id = \(bind: organisationID) AND i.current_branch_id = \(bind: move.from)
                  AND i.status = 'available' AND i.hold_id IS NULL
                  AND NOT EXISTS (SELECT 1 FROM transfers r WHERE r.item_id = i.id AND r.received_at IS NULL)
                """).all().compactMap { row -> (id: Int, barcode: String, title: String, call: String, lacking: Bool, loans: Int, part: CollectionSegment)? in
                let part = try ShelfSegment(titleColumnsOf: row).part
                guard part == move.part else { return nil }
                return (try row.decode(column: "id", as: Int.self), try row.decode(column: "barcode", as: String.self),
                        try row.decode(column: "title", as: String.self), try row.decode(column: "call_number", as: String.self),
                        try row.decode(column: "there", as: Int.self) == 0, try row.decode(column: "loans_year", as: Int.self), part)
            }
            let chosen = candidates.sorted { ($0.lacking ? 0 : 1, $0.loans, $0.id) < ($1.lacking ? 0 : 1, $1.loans, $1.id) }.prefix(move.copies)
            made += try await WriteGate.transaction(on: db) { tx in
                var made: [Line] = []
                for copy in chosen {
                    guard let id = try await tx.sql.raw("""
                        INSERT INTO transfers (organisation_id, item_id, from_branch_id, to_branch_id, reason, created_at)
                        SELECT \(bind: organisationID), \(bind: copy.id), \(bind: move.from), \(bind: move.to), 'balance', \(bind: now)
                        WHERE NOT EXISTS (SELECT 1 FROM transfers r WHERE r.item_id = \(bind: copy.id) AND r.received_at IS NULL)
                        RETURNING id
                        """).first()?.decode(column: "id", as: Int.self) else { continue }
                    made.append(Line(transferID: id, itemID: copy.id, barcode: copy.barcode, title: copy.title, callNumber: copy.call,
                                     from: move.from, to: move.to, sent: false, part: copy.part))
                }
                return made
            }
        }
        return made
    }

    /// The open balance transfers (of one branch's shelves when given), to pick and send or on their way.
    public func open(from branch: UUID? = nil) async throws -> [Line] {
        var filter = SQLQueryString("")
        if let branch { filter = "AND r.from_branch_id = \(bind: branch)" }
        return try await sql.raw("""
            SELECT r.id, r.item_id, i.barcode, t.title, i.call_number, r.from_branch_id, r.to_branch_id, r.sent_at, t.format, t.audience, t.nur
            FROM transfers r JOIN items i ON i.id = r.item_id JOIN titles t ON t.id = i.title_id
            WHERE r.organisation_id = \(bind: organisationID) AND r.reason = 'balance' AND r.received_at IS NULL \(filter)
            ORDER BY r.from_branch_id, i.call_number, r.id
            """).all().map { row in
            Line(transferID: try row.decode(column: "id", as: Int.self), itemID: try row.decode(column: "item_id", as: Int.self),
                 barcode: try row.decode(column: "barcode", as: String.self), title: try row.decode(column: "title", as: String.self),
                 callNumber: try row.decode(column: "call_number", as: String.self), from: try row.decode(column: "from_branch_id", as: UUID.self),
                 to: try row.decode(column: "to_branch_id", as: UUID.self), sent: try row.decode(column: "sent_at", as: Date?.self) != nil,
                 part: try ShelfSegment(titleColumnsOf: row).part)
        }
    }

    /// A picked copy is scanned to send: it goes into transit to the receiving branch. Refused when it has no balance
    /// transfer waiting at this branch, or is no longer on the shelf (lent or set aside since).
    public func send(barcode: String, at branch: UUID, staff: UUID?, now: Date = Date()) async throws -> Line {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("""
                SELECT r.id, r.item_id, r.to_branch_id, i.title_id, t.title, i.call_number, t.format, t.audience, t.nur FROM transfers r
                JOIN items i ON i.id = r.item_id JOIN titles t ON t.id = i.title_id
                WHERE r.organisation_id = \(bind: organisationID) AND i.barcode = \(bind: barcode.trimmed) AND r.reason = 'balance'
                  AND r.from_branch_id = \(bind: branch) AND r.received_at IS NULL AND r.sent_at IS NULL
                """).first() else {
                throw BiebError(.notFound, code: "no_balance_transfer", field: "barcode",
                                message: "This copy has no balance transfer waiting here.", nl: "Voor dit exemplaar staat hier geen balansverplaatsing klaar.")
            }
            let transfer = try row.decode(column: "id", as: Int.self), item = try row.decode(column: "item_id", as: Int.self)
            let to = try row.decode(column: "to_branch_id", as: UUID.self)
            guard try await sql.raw("""
                UPDATE items SET status = \(bind: ItemStatus.inTransit.rawValue), current_branch_id = \(bind: branch), updated_at = \(bind: now)
                WHERE id = \(bind: item) AND status = \(bind: ItemStatus.available.rawValue) AND hold_id IS NULL RETURNING id
                """).first() != nil else {
                throw BiebError(.conflict, code: "item_in_circulation", field: "barcode",
                                message: "This copy is no longer on the shelf (lent or set aside for a hold): it stays.",
                                nl: "Dit exemplaar staat niet meer op de plank (uitgeleend of gereserveerd): het blijft.")
            }
            try await sql.update(Transfer.schema).set("sent_at", to: now).where("id", .equal, transfer).run()
            let titleID = try row.decode(column: "title_id", as: Int.self)
            try await Ledger.event("transfer_sent", organisation: organisationID, at: now, branch: branch, item: item, title: titleID,
                                   staff: staff, detail: to.uuidString, on: sql)
            try await CatalogChanges.copiesChanged(of: [titleID], organisationID: organisationID, on: sql)
            return Line(transferID: transfer, itemID: item, barcode: barcode.trimmed, title: try row.decode(column: "title", as: String.self),
                        callNumber: try row.decode(column: "call_number", as: String.self), from: branch, to: to, sent: true,
                        part: try ShelfSegment(titleColumnsOf: row).part)
        }
    }

    /// Removes balance transfers not sent yet (of one branch, or all): the copies simply stay.
    @discardableResult
    public func cancelUnsent(from branch: UUID? = nil) async throws -> Int {
        var filter = SQLQueryString("")
        if let branch { filter = "AND from_branch_id = \(bind: branch)" }
        return try await sql.raw("""
            DELETE FROM transfers WHERE organisation_id = \(bind: organisationID) AND reason = 'balance' AND sent_at IS NULL
              AND received_at IS NULL \(filter) RETURNING id
            """).all().count
    }
}
