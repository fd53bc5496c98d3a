import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Purchase suggestions, made from the holds, the copies and the orders of
/// now by the rules of `PurchaseRules` (computed when asked for, never
/// stored), and the decisions on them: an order (`PurchaseOrders`) — whose
/// copies then count, so the suggestion goes — or a dismissal with a
/// reason, which hides the suggestion until it asks for more copies than
/// when it was dismissed.
public struct PurchaseSuggestions: OrganisationStore {
    static let decisionSchema = "purchase_decisions"

    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public struct Suggestion: Sendable, Equatable, Codable {
        public var titleID: Int
        public var title: String
        public var author: String?
        public var year: Int?
        /// The branch the copies are for; nil: wherever the organisation places them (a queue).
        public var branch: UUID?
        public var reason: PurchaseReason
        public var copies: Int
        /// What the rule looked at: holds, copies, copies on order (queue and branch); the older edition's loans and copies.
        public var holds: Int
        public var copiesHeld: Int
        public var onOrder: Int
        public var loans: Int
        /// For a new edition: the older edition it follows.
        public var olderTitleID: Int?
    }

    static let activeHolds = CollectionSQL.activeHolds
    static let gone = CollectionSQL.outOfCollection

    /// Every suggestion the rules make now, less those dismissed for as many copies or more.
    public func suggestions(thresholds: PurchaseThresholds = .init()) async throws -> [Suggestion] {
        let org = organisationID
        var out: [Suggestion] = []
        // Rule 1: titles with a queue, their copies and their copies on order.
        for row in try await sql.raw("""
            SELECT h.title_id, COUNT(*) AS holds, t.title, t.main_author, t.year,
                   (SELECT COUNT(*) FROM items i WHERE i.title_id = h.title_id AND i.status NOT IN \(unsafeRaw: Self.gone)) AS copies,
                   (SELECT CAST(COALESCE(SUM(o.copies), 0) AS BIGINT) FROM purchase_orders o WHERE o.organisation_id = \(bind: org) AND o.title_id = h.title_id
                        AND o.status = 'open') AS on_order
            FROM holds h JOIN titles t ON t.id = h.title_id
            WHERE h.organisation_id = \(bind: org) AND h.status IN \(unsafeRaw: Self.activeHolds)
            GROUP BY h.title_id, t.title, t.main_author, t.year
            HAVING COUNT(*) > \(bind: max(1, thresholds.holdsPerCopy))
            """).all() {
            let holds = try row.decode(column: "holds", as: Int.self), copies = try row.decode(column: "copies", as: Int.self)
            let onOrder = try row.decode(column: "on_order", as: Int.self)
            guard let n = PurchaseRules.forQueue(holds: holds, copies: copies, onOrder: onOrder, thresholds: thresholds) else { continue }
            out.append(Suggestion(titleID: try row.decode(column: "title_id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                                  author: try row.decode(column: "main_author", as: String?.self), year: try row.decode(column: "year", as: Int?.self),
                                  branch: nil, reason: .queue, copies: n, holds: holds, copiesHeld: copies, onOrder: onOrder, loans: 0, olderTitleID: nil))
        }
        // Rule 2: holds picked up at a branch that owns no copy of the title.
        for row in try await sql.raw("""
            SELECT h.title_id, h.pickup_branch_id, COUNT(*) AS holds, t.title, t.main_author, t.year,
                   (SELECT COUNT(*) FROM items i WHERE i.title_id = h.title_id AND i.owning_branch_id = h.pickup_branch_id
                        AND i.status NOT IN \(unsafeRaw: Self.gone)) AS copies,
                   (SELECT CAST(COALESCE(SUM(o.copies), 0) AS BIGINT) FROM purchase_orders o WHERE o.organisation_id = \(bind: org) AND o.title_id = h.title_id
                        AND o.branch_id = h.pickup_branch_id AND o.status = 'open') AS on_order
            FROM holds h JOIN titles t ON t.id = h.title_id
            WHERE h.organisation_id = \(bind: org) AND h.status IN \(unsafeRaw: Self.activeHolds)
            GROUP BY h.title_id, h.pickup_branch_id, t.title, t.main_author, t.year
            HAVING COUNT(*) >= \(bind: thresholds.branchHolds)
            """).all() {
            let holds = try row.decode(column: "holds", as: Int.self), copies = try row.decode(column: "copies", as: Int.self)
            let onOrder = try row.decode(column: "on_order", as: Int.self)
            guard let n = PurchaseRules.forBranch(holdsHere: holds, copiesHere: copies, onOrderHere: onOrder, thresholds: thresholds) else { continue }
            out.append(Suggestion(titleID: try row.decode(column: "title_id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                                  author: try row.decode(column: "main_author", as: String?.self), year: try row.decode(column: "year", as: Int?.self),
                                  branch: try row.decode(column: "pickup_branch_id", as: UUID.self), reason: .missingAtBranch, copies: n,
                                  holds: holds, copiesHeld: copies, onOrder: onOrder, loans: 0, olderTitleID: nil))
        }
        // Rule 3: a newer edition (one suggestion per title, after its best-used older edition) (same work and format, later year) without copies, after a well-used older one.
        // The pairs of editions come first (materialized), and only their older editions' copies are counted: left to itself,
        // PostgreSQL expected many new editions and hashed all of a national network's copies to count them (4 s).
        for row in try await sql.raw("""
            WITH pairs AS MATERIALIZED (
                SELECT n.id AS title_id, n.title, n.main_author, n.year, o.id AS older_id
                FROM titles o JOIN titles n ON n.organisation_id = o.organisation_id AND n.work_id = o.work_id AND n.format = o.format AND n.year > o.year
                WHERE o.organisation_id = \(bind: org) AND o.work_id IS NOT NULL AND n.deleted = \(bind: false)
                  AND NOT EXISTS (SELECT 1 FROM items x WHERE x.title_id = n.id AND x.status NOT IN \(unsafeRaw: Self.gone))
            )
            SELECT * FROM (
                SELECT p.title_id, p.title, p.main_author, p.year, p.older_id,
                       (SELECT CAST(COALESCE(SUM(i.loans_year), 0) AS BIGINT) FROM items i
                        WHERE i.title_id = p.older_id AND i.status NOT IN \(unsafeRaw: Self.gone)) AS loans,
                       (SELECT COUNT(*) FROM items i WHERE i.title_id = p.older_id AND i.status NOT IN \(unsafeRaw: Self.gone)) AS copies,
                       (SELECT CAST(COALESCE(SUM(o.copies), 0) AS BIGINT) FROM purchase_orders o WHERE o.organisation_id = \(bind: org)
                        AND o.title_id = p.title_id AND o.status = 'open') AS on_order
                FROM pairs p
            ) e
            WHERE e.copies > 0
            ORDER BY e.title_id, e.loans DESC
            """).all() {
            if out.last?.reason == .newEdition, try out.last?.titleID == row.decode(column: "title_id", as: Int.self) { continue }
            let loans = try row.decode(column: "loans", as: Int.self), copies = try row.decode(column: "copies", as: Int.self)
            let onOrder = try row.decode(column: "on_order", as: Int.self)
            guard let n = PurchaseRules.forNewEdition(olderLoans: loans, olderCopies: copies, newerCopies: 0, onOrder: onOrder,
                                                      thresholds: thresholds) else { continue }
            out.append(Suggestion(titleID: try row.decode(column: "title_id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                                  author: try row.decode(column: "main_author", as: String?.self), year: try row.decode(column: "year", as: Int?.self),
                                  branch: nil, reason: .newEdition, copies: n, holds: 0, copiesHeld: copies, onOrder: onOrder, loans: loans,
                                  olderTitleID: try row.decode(column: "older_id", as: Int.self)))
        }
        // Dismissed for as many copies or more: hidden.
        var dismissed: [String: Int] = [:]
        for row in try await sql.select().columns("title_id", "branch_id", "reason", "copies").from(Self.decisionSchema)
            .where("organisation_id", .equal, org).all() {
            let key = Self.key(try row.decode(column: "title_id", as: Int.self), try row.decode(column: "branch_id", as: UUID?.self),
                               try row.decode(column: "reason", as: String.self))
            dismissed[key] = max(dismissed[key] ?? 0, try row.decode(column: "copies", as: Int.self))
        }
        return out.filter { ($0.copies > (dismissed[Self.key($0.titleID, $0.branch, $0.reason.rawValue)] ?? 0)) }
            .sorted { ($0.reason.rawValue, -$0.copies, $0.title) < ($1.reason.rawValue, -$1.copies, $1.title) }
    }

    static func key(_ title: Int, _ branch: UUID?, _ reason: String) -> String { "\(title)|\(branch?.uuidString ?? "")|\(reason)" }

    /// Dismisses a suggestion with a reason; it comes back only when it asks for more copies.
    public func dismiss(title: Int, branch: UUID?, reason: PurchaseReason, copies: Int, note: String, by staff: String, now: Date = Date()) async throws {
        let note = note.trimmed
        guard !note.isEmpty else { throw BiebError.invalid("note", "Say why this suggestion is dismissed.", nl: "Zeg waarom deze suggestie vervalt.") }
        guard note.count <= 500 else { throw BiebError.invalid("note", "A reason has at most 500 characters.", nl: "Een reden heeft hoogstens 500 tekens.") }
        try await requireTitle(title)
        try await sql.insert(into: Self.decisionSchema).columns("organisation_id", "title_id", "branch_id", "reason", "copies", "note", "decided_by", "created_at")
            .values(SQLBind(organisationID), SQLBind(title), SQLBind(branch), SQLBind(reason.rawValue), SQLBind(copies), SQLBind(note),
                    SQLBind(staff), SQLBind(now))
            .run()
    }

    func requireTitle(_ id: Int) async throws {
        guard try await sql.select().column("id").from(Title.schema).where("id", .equal, id).where("organisation_id", .equal, organisationID)
            .first() != nil else { throw BiebError.notFound("title", nl: "Titel niet gevonden.") }
    }
}

/// Copies on order: the minimal record that makes a purchase count before
/// the copies arrive (the suggestions count them as copies) — a title, the
/// branch they are for, how many, when expected. Receiving the copies is
/// cataloguing them; the order is then marked received.
public struct PurchaseOrders: OrganisationStore {
    static let schema = "purchase_orders"

    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, received, cancelled
    }

    public struct Order: Sendable, Equatable, Codable {
        public var id: Int
        public var titleID: Int
        public var title: String
        public var branch: UUID
        public var copies: Int
        public var expectedOn: LocalDate?
        public var reason: PurchaseReason?
        public var status: Status
        public var orderedBy: String
        public var createdAt: Date
    }

    public static let maxCopies = 500

    /// Puts copies of a title on order for a branch.
    public func order(title: Int, branch: UUID, copies: Int, expectedOn: LocalDate?, reason: PurchaseReason?, by staff: String,
                      today: LocalDate, now: Date = Date()) async throws -> Int {
        guard (1...Self.maxCopies).contains(copies) else {
            throw BiebError.invalid("copies", "Order between 1 and 500 copies.", nl: "Bestel tussen 1 en 500 exemplaren.")
        }
        if let expectedOn, expectedOn < today {
            throw BiebError.invalid("expected_on", "The expected day cannot be in the past.", nl: "De verwachte datum kan niet in het verleden liggen.")
        }
        try await PurchaseSuggestions(db, organisationID: organisationID).requireTitle(title)
        guard try await sql.select().column("id").from(Branch.schema).where("id", .equal, branch)
            .where("organisation_id", .equal, organisationID).first() != nil else {
            throw BiebError.invalid("branch", "Choose a branch of this library.", nl: "Kies een vestiging van deze bibliotheek.")
        }
        guard let id = try await sql.raw("""
            INSERT INTO purchase_orders (organisation_id, title_id, branch_id, copies, expected_on, reason, status, ordered_by, created_at, updated_at)
            VALUES (\(bind: organisationID), \(bind: title), \(bind: branch), \(bind: copies), \(bind: expectedOn?.iso), \(bind: reason?.rawValue),
                    \(bind: Status.open.rawValue), \(bind: staff), \(bind: now), \(bind: now))
            RETURNING id
            """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("order", nl: "Bestelling niet gevonden.") }
        return id
    }

    public func orders(status: Status? = .open) async throws -> [Order] {
        var filter = SQLQueryString("")
        if let status { filter = "AND o.status = \(bind: status.rawValue)" }
        return try await sql.raw("""
            SELECT o.id, o.title_id, t.title, o.branch_id, o.copies, o.expected_on, o.reason, o.status, o.ordered_by, o.created_at
            FROM purchase_orders o JOIN titles t ON t.id = o.title_id
            WHERE o.organisation_id = \(bind: organisationID) \(filter) ORDER BY o.id DESC
            """).all().map { row in
            Order(id: try row.decode(column: "id", as: Int.self), titleID: try row.decode(column: "title_id", as: Int.self),
                  title: try row.decode(column: "title", as: String.self), branch: try row.decode(column: "branch_id", as: UUID.self),
                  copies: try row.decode(column: "copies", as: Int.self),
                  expectedOn: try row.decode(column: "expected_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                  reason: try row.decode(column: "reason", as: String?.self).flatMap(PurchaseReason.init(rawValue:)),
                  status: Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
                  orderedBy: try row.decode(column: "ordered_by", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self))
        }
    }

    /// Closes an open order as received or cancelled.
    public func close(_ id: Int, as status: Status, now: Date = Date()) async throws {
        guard status != .open else { throw BiebError.invalid("status", "An order closes as received or cancelled.", nl: "Een bestelling sluit als ontvangen of geannuleerd.") }
        guard try await sql.update(Self.schema).set("status", to: status.rawValue).set("updated_at", to: now)
            .where("id", .equal, id).where("organisation_id", .equal, organisationID).where("status", .equal, Status.open.rawValue)
            .returning("id").first() != nil else {
            throw BiebError(.conflict, code: "order_closed", field: nil, message: "This order is not open (any more).",
                            nl: "Deze bestelling staat niet (meer) open.")
        }
    }
}
