import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The circulation desk of an organisation: lending, returns, renewals,
/// holds, transfers and fees. Every change is one transaction (on SQLite
/// through the write gate) that records a circulation event.
///
/// Concurrency: each operation on a copy first locks the copy's row inside
/// its transaction (`lockItem`) and decides on what it reads there, so two
/// desks working on one copy take turns and the second sees the first's
/// result. Limits are raised with conditional updates (`loan_count <
/// limit`), and a hold is claimed only while it is still waiting, so two
/// returns cannot fill one hold. Nothing here reads a member's loans or a
/// title's holds to decide: counters on the member row and the queue index
/// keep the cost flat.
public struct Circulation: Sendable {
    public let db: any Database
    public let organisationID: UUID
    public let timeZone: TimeZone
    public let branches: BranchDirectory
    public let rules: LoanRuleStore
    /// The organisation's `ConfigVersion` read for this request or message: cached settings and calendars made at
    /// it are used without asking the database again (nil: they are checked each time).
    public let configVersion: Int?

    public init(_ db: any Database, organisationID: UUID, timeZone: TimeZone = BranchCalendar.amsterdam,
                calendars: CalendarCache? = nil, ruleBooks: RuleBookCache? = nil, configVersion: Int? = nil) {
        self.db = db
        self.organisationID = organisationID
        self.timeZone = timeZone
        self.configVersion = configVersion
        branches = BranchDirectory(db, cache: calendars)
        rules = LoanRuleStore(db, organisationID: organisationID, cache: ruleBooks, configVersion: configVersion)
    }

    /// Where, by whom and when a desk action happens.
    public struct Desk: Sendable {
        public var branch: UUID
        public var staff: UUID?
        public var now: Date

        public init(branch: UUID, staff: UUID? = nil, now: Date = Date()) {
            self.branch = branch
            self.staff = staff
            self.now = now
        }
    }

    var sql: any SQLDatabase { db.sql }

    func today(_ desk: Desk) -> LocalDate { LocalDate(desk.now, in: timeZone) }

    // MARK: Facts

    /// A copy as circulation sees it.
    public struct ItemFacts: Sendable, Equatable {
        public let id: Int
        public let titleID: Int
        public let barcode: String
        public let status: ItemStatus
        public let owningBranch: UUID
        public let currentBranch: UUID
        public let holdID: Int?
        public let priceCents: Int?
        /// The title's material format: the item type of the loan rules.
        public let itemType: String
        public let title: String

        public var format: MaterialFormat { MaterialFormat(rawValue: itemType) ?? .other }
    }

    static let itemColumns = "i.id, i.title_id, i.barcode, i.status, i.owning_branch_id, i.current_branch_id, i.hold_id, i.price_cents, t.format, t.title"

    static func itemFacts(_ row: any SQLRow) throws -> ItemFacts {
        ItemFacts(id: try row.decode(column: "id", as: Int.self), titleID: try row.decode(column: "title_id", as: Int.self),
                  barcode: try row.decode(column: "barcode", as: String.self),
                  status: ItemStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .missing,
                  owningBranch: try row.decode(column: "owning_branch_id", as: UUID.self),
                  currentBranch: try row.decode(column: "current_branch_id", as: UUID.self),
                  holdID: try row.decode(column: "hold_id", as: Int?.self), priceCents: try row.decode(column: "price_cents", as: Int?.self),
                  itemType: try row.decode(column: "format", as: String.self), title: try row.decode(column: "title", as: String.self))
    }

    /// A copy by barcode (as scanned), or a clear "not found" naming it.
    public func item(barcode: String) async throws -> ItemFacts {
        let code = barcode.trimmed
        guard !code.isEmpty else {
            throw BiebError.invalid("item", "Scan or type the copy's barcode.", nl: "Scan of typ de streepjescode van het exemplaar.")
        }
        let row = try await sql.raw("""
            SELECT \(unsafeRaw: Self.itemColumns) FROM items i JOIN titles t ON t.id = i.title_id
            WHERE i.organisation_id = \(bind: organisationID) AND i.barcode = \(bind: code)
            """).first()
        guard let row else {
            throw BiebError(.notFound, code: "item_not_found", field: "item", message: "No copy with barcode \(code).",
                            nl: "Geen exemplaar met streepjescode \(code).")
        }
        return try Self.itemFacts(row)
    }

    /// Locks a copy's row for the rest of the transaction and reads what can
    /// change fresh (one statement); the rest comes from the scan.
    /// A scanned copy is in hand: the day is its `last_seen_on` (`CopyCounters`), in the same statement.
    static func lockItem(_ scanned: ItemFacts, at now: Date, seen: LocalDate, on sql: any SQLDatabase) async throws -> ItemFacts {
        guard let row = try await sql.raw("""
            UPDATE items SET updated_at = \(bind: now), last_seen_on = \(bind: seen.iso) WHERE id = \(bind: scanned.id)
            RETURNING status, owning_branch_id, current_branch_id, hold_id, price_cents
            """).first() else {
            throw BiebError(.notFound, code: "item_not_found", field: "item", message: "The copy no longer exists.",
                            nl: "Het exemplaar bestaat niet meer.")
        }
        return ItemFacts(id: scanned.id, titleID: scanned.titleID, barcode: scanned.barcode,
                         status: ItemStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .missing,
                         owningBranch: try row.decode(column: "owning_branch_id", as: UUID.self),
                         currentBranch: try row.decode(column: "current_branch_id", as: UUID.self),
                         holdID: try row.decode(column: "hold_id", as: Int?.self), priceCents: try row.decode(column: "price_cents", as: Int?.self),
                         itemType: scanned.itemType, title: scanned.title)
    }

    /// Locks a copy's row for the rest of the transaction and reads it fresh.
    static func lockItem(_ id: Int, at now: Date, on sql: any SQLDatabase) async throws -> ItemFacts {
        // The update takes the row lock (PostgreSQL) — a concurrent desk waits here and then reads our result.
        try await sql.update(Item.schema).set("updated_at", to: now).where("id", .equal, id).run()
        guard let row = try await sql.raw("""
            SELECT \(unsafeRaw: itemColumns) FROM items i JOIN titles t ON t.id = i.title_id WHERE i.id = \(bind: id)
            """).first() else {
            throw BiebError(.notFound, code: "item_not_found", field: "item", message: "The copy no longer exists.",
                            nl: "Het exemplaar bestaat niet meer.")
        }
        return try itemFacts(row)
    }

    /// A member as circulation sees it.
    public struct MemberFacts: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let birthDate: LocalDate
        public let category: String
        public let membershipEnd: LocalDate
        public let blockReason: String?
        public let balanceCents: Int
        public let loanCount: Int
        public let holdCount: Int
        public let homeBranch: UUID

        public func isYouth(on date: LocalDate) -> Bool { Membership.isYouth(birthDate: birthDate, on: date) }
    }

    static let memberColumns = """
        m.id, m.name, m.birth_date, t.code, m.membership_end, m.block_reason, m.balance_cents, m.loan_count, m.hold_count, m.home_branch_id
        """

    static func memberFacts(_ id: UUID, organisation: UUID, on sql: any SQLDatabase) async throws -> MemberFacts {
        let row = try await sql.raw("""
            SELECT \(unsafeRaw: memberColumns) FROM members m JOIN membership_types t ON t.id = m.membership_type_id
            WHERE m.id = \(bind: id) AND m.organisation_id = \(bind: organisation)
            """).first()
        guard let row else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        return try memberFacts(row)
    }

    static func memberFacts(_ row: any SQLRow) throws -> MemberFacts {
        MemberFacts(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                           birthDate: LocalDate(iso: try row.decode(column: "birth_date", as: String.self))!,
                           category: try row.decode(column: "code", as: String.self),
                           membershipEnd: LocalDate(iso: try row.decode(column: "membership_end", as: String.self))!,
                           blockReason: try row.decode(column: "block_reason", as: String?.self),
                           balanceCents: try row.decode(column: "balance_cents", as: Int.self),
                           loanCount: try row.decode(column: "loan_count", as: Int.self),
                           holdCount: try row.decode(column: "hold_count", as: Int.self),
                           homeBranch: try row.decode(column: "home_branch_id", as: UUID.self))
    }

    public func member(_ id: UUID) async throws -> MemberFacts {
        try await Self.memberFacts(id, organisation: organisationID, on: sql)
    }

    /// The member of a card; a lost or replaced card is refused with its reason.
    public func member(card: String) async throws -> MemberFacts {
        let code = card.trimmed.uppercased()
        guard !code.isEmpty else {
            throw BiebError.invalid("card", "Scan or type the member's card number.", nl: "Scan of typ het pasnummer van het lid.")
        }
        // The card and its member in one query: a desk scans a card for every action.
        let row = try await sql.raw("""
            SELECT c.status AS card_status, \(unsafeRaw: Self.memberColumns)
            FROM member_cards c JOIN members m ON m.id = c.member_id JOIN membership_types t ON t.id = m.membership_type_id
            WHERE c.organisation_id = \(bind: organisationID) AND c.barcode = \(bind: code)
            """).first()
        guard let row else {
            throw BiebError(.notFound, code: "card_not_found", field: "card", message: "No member with card \(code).",
                            nl: "Geen lid met pas \(code).")
        }
        guard try row.decode(column: "card_status", as: String.self) == MemberCard.Status.active.rawValue else {
            throw Refusal.blocked(.cardLost)
        }
        return try Self.memberFacts(row)
    }

    /// The settings and the rule book in force.
    func environment() async throws -> (CirculationSettings, LoanRuleBook) {
        let settings = try await rules.settings()
        return (settings, try await rules.ruleBook(version: settings.rulesVersion))
    }

    /// A branch's calendar; inside a transaction pass its connection (the
    /// transaction holds one, and asking the pool for another could wait forever).
    func calendar(of branch: UUID, on db: (any Database)? = nil) async throws -> BranchCalendar {
        // A desk scans many copies a second: a calendar checked against the database at this request's
        // configuration version is current (a calendar change raises it), so it is not checked again.
        if let configVersion, let cached = branches.cache?.calendar(branch, timeZone: timeZone, configVersion: configVersion) {
            return cached
        }
        let directory = db.map { BranchDirectory($0, cache: branches.cache) } ?? branches
        let calendar = try await directory.calendar(of: branch, timeZone: timeZone)
        if let configVersion { branches.cache?.confirm(branch, configVersion: configVersion) }
        return calendar
    }

    /// Refuses when the member may not borrow or place holds now.
    func checkStanding(_ member: MemberFacts, settings: CirculationSettings, today: LocalDate) throws {
        if let block = MemberBlock.blocks(cardLost: false, membershipEnd: member.membershipEnd, today: today,
                                          balanceCents: member.balanceCents, limitCents: settings.feeLimitCents,
                                          manualReason: member.blockReason).first {
            throw Refusal.blocked(block)
        }
    }

    static func bump(_ column: String, of member: UUID, by step: Int, limit: Int? = nil, on sql: any SQLDatabase) async throws -> Bool {
        precondition(["loan_count", "hold_count"].contains(column), "not a member counter: \(column)")
        var update: SQLQueryString = "UPDATE members SET \(unsafeRaw: column) = \(unsafeRaw: column) + \(literal: step) WHERE id = \(bind: member)"
        if let limit { update += " AND \(unsafeRaw: column) < \(bind: limit)" }
        return try await sql.raw(update + " RETURNING \(unsafeRaw: column)").first() != nil
    }

    /// Raises (or lowers) the member's count of current loans of an item type; false when the limit is reached.
    static func bumpTypeLoans(of member: UUID, type: String, by step: Int, limit: Int?, on sql: any SQLDatabase) async throws -> Bool {
        if step > 0 {
            guard limit.map({ $0 > 0 }) ?? true else { return false }
            let cap = limit.map { "WHERE member_type_loans.loans < \($0)" } ?? ""
            return try await sql.raw("""
                INSERT INTO member_type_loans (member_id, item_type, loans) VALUES (\(bind: member), \(bind: type), 1)
                ON CONFLICT (member_id, item_type) DO UPDATE SET loans = member_type_loans.loans + 1 \(unsafeRaw: cap)
                RETURNING loans
                """).first() != nil
        }
        try await sql.raw("""
            UPDATE member_type_loans SET loans = loans - 1 WHERE member_id = \(bind: member) AND item_type = \(bind: type) AND loans > 0
            """).run()
        return true
    }
}
