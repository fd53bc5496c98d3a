import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A branch's weeding list: the copies the rules (`WeedingRules`) name as
/// candidates on the day it is made, each reviewed by staff — withdraw or
/// keep, with a note (required to keep a candidate) — and then signed off
/// by a person, which withdraws the copies marked so in one transaction.
///
/// - One open list per branch: a second is refused until the first is
///   signed off or discarded.
/// - A line keeps what the disposal export needs (barcode, title, author,
///   year, call number, reasons), so the export stays right after the
///   title changes or goes.
/// - Sign-off needs every line decided. It withdraws only copies that are
///   available and set aside for nobody at that moment; a copy lent, in
///   transit or on a hold shelf since the list was made is left as it is
///   and its line says so (`outcome` in_use). Two people signing the same
///   list at once: one signs, the other is told it was signed.
public struct WeedingLists: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public enum Decision: String, Sendable, Codable, CaseIterable {
        case withdraw, keep
    }

    public enum Outcome: String, Sendable, Codable {
        case withdrawn
        /// On loan, in transit or held at sign-off: not withdrawn.
        case inUse = "in_use"
        /// Kept by the review.
        case kept
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var id: Int
        public var branch: UUID
        public var status: WeedingList.Status
        public var madeOn: LocalDate
        public var madeBy: String
        public var signedBy: String?
        public var signedAt: Date?
        public var lines: Int
        public var decided: Int
        public var withdrawn: Int
    }

    public struct Line: Sendable, Equatable, Codable {
        public var id: Int
        public var itemID: Int
        public var barcode: String
        public var titleID: Int
        public var title: String
        public var author: String?
        public var editionYear: Int?
        public var callNumber: String
        public var segment: String
        public var reasons: [WeedingReason]
        public var lifetimeLoans: Int
        public var lastLoanOn: LocalDate?
        public var decision: Decision?
        public var note: String
        public var decidedBy: String?
        public var outcome: Outcome?
    }

    // MARK: Making a list

    /// The candidates of a branch on `today`, most reasons first, then by call number.
    public func candidates(branch: UUID, today: LocalDate, policy: WeedingPolicy) async throws -> [Line] {
        try await judge(branch: branch, today: today, policy: policy).lines.sorted(by: Self.listOrder)
    }

    /// A list's order: most reasons first, then by call number (as the shelves are walked). A stored list is read in
    /// the same order by the database (`lines(of:)`); a test holds the two together.
    static func listOrder(_ a: Line, _ b: Line) -> Bool {
        (b.reasons.count, a.callNumber, a.itemID) < (a.reasons.count, b.callNumber, b.itemID)
    }

    /// The copies of a branch the rules name on `today` as lines (not yet stored), in no order.
    ///
    /// Queries for their own criteria (side by side where the pool has connections to spare) find the copies the
    /// rules then judge (`WeedingRules`, the one place the criteria are written); the database leaves out every copy
    /// that meets none, with each shelf's own thresholds:
    /// - criteria 1–3 (outdated, idle, worn): the branch's copies by the shelf key they carry (`ShelfCriteria`);
    ///   the copies without a key (or with one no policy reads) all, to be judged through their titles;
    /// - criterion 5 (surplus): only the titles with more than one copy at the branch, each copy with the title's
    ///   loans, copies and its rank there;
    /// - criterion 4 (superseded): the copies of the titles of which the organisation holds a newer edition.
    /// A copy two queries find is one line, with every reason it has.
    ///
    /// With `shelves` given (by `make`), the keyed copies criteria 1–3 name are left to the database, which writes
    /// their lines itself, and so are the superseded copies with a key the policy reads (`supersededLeft`) — unless
    /// they are surplus too; only the other copies the queries find are judged here.
    func judge(branch: UUID, today: LocalDate, policy: WeedingPolicy, leaving shelves: ShelfCriteria? = nil) async throws -> Judged {
        let criteria: ShelfCriteria
        if let shelves { criteria = shelves } else { criteria = try await shelfCriteria(try await scope(of: branch), policy: policy, today: today) }
        let (atBranch, here) = (criteria.scope.atBranch, criteria.scope.here)
        let organisationID = organisationID
        async let keyed = shelves != nil || criteria.groups.isEmpty ? [] : candidateCopies(where: "i.id IN (\(criteria.copies()))")
        async let withoutKey = candidateCopies(where: "i.organisation_id = \(bind: organisationID) AND i.shelf IS NULL AND \(here)")
        // A key the policy cannot read: its copies are judged through their titles.
        async let unreadKey = criteria.unread.isEmpty ? [] : candidateCopies(where: """
            i.organisation_id = \(bind: organisationID) AND i.shelf IN \(SQLBind.group(criteria.unread)) AND \(here)
            """)
        // Criterion 5: the least-lent copies of titles held more than once here, beyond the loosest demand any shelf has.
        let perCopy = max(1, policy.loosest.loansPerCopy)
        async let surplus = candidateCopies(
            from: """
                (SELECT i.*, CAST(SUM(i.loans_year) OVER (PARTITION BY i.title_id) AS BIGINT) AS title_loans,
                        COUNT(*) OVER (PARTITION BY i.title_id) AS title_copies,
                        ROW_NUMBER() OVER (PARTITION BY i.title_id ORDER BY i.loans_year DESC, i.loans_total ASC, i.id ASC) - 1 AS copy_rank
                 FROM items i
                 WHERE \(here) AND i.title_id IN (SELECT i.title_id FROM items i WHERE \(atBranch) GROUP BY i.title_id HAVING COUNT(*) > 1))
                """,
            where: "i.status = 'available' AND i.copy_rank >= 1 AND i.copy_rank >= (i.title_loans + \(bind: perCopy - 1)) / \(bind: perCopy)",
            surplusFacts: true)
        // Criterion 4: titles of this branch of which the organisation holds a newer edition (same work and format, a later year).
        async let superseded = candidateCopies(where: """
            \(here) AND i.title_id IN (
                SELECT o.id FROM titles o
                JOIN titles n ON n.work_id = o.work_id AND n.format = o.format AND n.year > o.year AND n.organisation_id = o.organisation_id
                WHERE o.organisation_id = \(bind: organisationID) AND o.work_id IS NOT NULL
                  AND o.id IN (SELECT i.title_id FROM items i WHERE \(atBranch))
                  AND EXISTS (SELECT 1 FROM items x WHERE x.title_id = n.id AND x.status NOT IN \(unsafeRaw: CollectionSQL.outOfCollection)))
            """)
        var found: [Int: CandidateCopy] = [:]
        for copy in try await keyed + withoutKey + unreadKey { found[copy.id] = copy }
        for copy in try await surplus { found[copy.id, default: copy].surplus = copy.surplus }
        for copy in try await superseded { found[copy.id, default: copy].superseded = true }
        // Copies without a shelf key: from their titles.
        let unkeyed = Array(Set(found.values.filter { $0.segment == nil }.map(\.titleID)))
        var titleFacts: [Int: (ShelfSegment, Int?)] = [:]
        for chunk in unkeyed.chunked(into: 500) {
            for row in try await sql.raw("SELECT id, format, audience, nur, year FROM titles WHERE id IN \(SQLBind.group(Array(chunk)))").all() {
                titleFacts[try row.decode(column: "id", as: Int.self)] = (try ShelfSegment(titleColumnsOf: row), try row.decode(column: "year", as: Int?.self))
            }
        }
        var judged: [Line] = []
        var left: [Int] = []
        judged.reserveCapacity(found.count)
        for var copy in found.values {
            if shelves != nil, copy.segment != nil, copy.superseded, copy.surplus == nil {
                left.append(copy.id)
                continue
            }
            if copy.segment == nil, let facts = titleFacts[copy.titleID] { (copy.segment, copy.year) = facts }
            guard let segment = copy.segment else { continue }
            let candidate = WeedingCandidate(status: copy.status, editionYear: copy.year, acquired: copy.acquired, lastLoan: copy.lastLoan,
                                             lifetimeLoans: copy.lifetime, newerEditionHeld: copy.superseded,
                                             titleLoansHere: copy.surplus?.titleLoans ?? copy.loansYear, copiesHere: copy.surplus?.copies ?? 1,
                                             rankHere: copy.surplus?.rank ?? 0)
            let reasons = WeedingRules.reasons(candidate, thresholds: policy.thresholds(for: segment), today: today)
            guard !reasons.isEmpty else { continue }
            judged.append(Line(id: 0, itemID: copy.id, barcode: copy.barcode, titleID: copy.titleID, title: copy.title, author: copy.author,
                               editionYear: copy.year, callNumber: copy.callNumber, segment: segment.key, reasons: reasons,
                               lifetimeLoans: copy.lifetime, lastLoanOn: copy.lastLoan, decision: nil, note: "", decidedBy: nil, outcome: nil))
        }
        return Judged(lines: judged, supersededLeft: left)
    }

    /// What `judge` found.
    struct Judged {
        /// The copies judged here, as lines (in no order).
        var lines: [Line]
        /// With `shelves`: the superseded copies left to the database (their key is one the policy reads).
        var supersededLeft: [Int]
    }

    /// A copy as a weeding query reads it: the rules' facts and the names a line keeps.
    struct CandidateCopy {
        var id: Int, titleID: Int, status: ItemStatus, acquired: LocalDate?, lastLoan: LocalDate?
        var lifetime: Int, loansYear: Int, segment: ShelfSegment?, year: Int?
        var barcode: String, callNumber: String, title: String, author: String?
        /// The title's loans and copies at the branch and this copy's rank there (read for titles held more than once).
        var surplus: (titleLoans: Int, copies: Int, rank: Int)?
        var superseded = false
    }

    /// The copies of `from` (the items table, or a query over it, as `i`) that `where` names, with their titles' names
    /// (read in the same pass: the copy's row is read anyway).
    func candidateCopies(from source: SQLQueryString = "items", where filter: SQLQueryString, surplusFacts: Bool = false) async throws -> [CandidateCopy] {
        let extra: SQLQueryString = surplusFacts ? ", i.title_loans, i.title_copies, i.copy_rank" : ""
        var segments: [String: ShelfSegment] = [:]
        func segment(_ key: String?) -> ShelfSegment? {
            guard let key else { return nil }
            if let known = segments[key] { return known }
            let segment = ShelfSegment(key: key)
            segments[key] = segment
            return segment
        }
        return try await sql.raw("""
            SELECT i.id, i.title_id, i.status, i.acquired_on, i.last_loan_on, i.loans_total, i.loans_year, i.shelf, i.edition_year,
                   i.barcode, i.call_number, (SELECT t.title FROM titles t WHERE t.id = i.title_id) AS title,
                   (SELECT t.main_author FROM titles t WHERE t.id = i.title_id) AS author \(extra)
            FROM \(source) i WHERE \(filter)
            """).all().map { row in
            CandidateCopy(
                id: try row.decode(column: "id", as: Int.self), titleID: try row.decode(column: "title_id", as: Int.self),
                status: ItemStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .missing,
                acquired: try row.decode(column: "acquired_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                lastLoan: try row.decode(column: "last_loan_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                lifetime: try row.decode(column: "loans_total", as: Int.self), loansYear: try row.decode(column: "loans_year", as: Int.self),
                segment: segment(try row.decode(column: "shelf", as: String?.self)),
                year: try row.decode(column: "edition_year", as: Int?.self),
                barcode: try row.decode(column: "barcode", as: String.self), callNumber: try row.decode(column: "call_number", as: String.self),
                title: try row.decode(column: "title", as: String?.self) ?? "", author: try row.decode(column: "author", as: String?.self),
                surplus: surplusFacts ? (try row.decode(column: "title_loans", as: Int.self), try row.decode(column: "title_copies", as: Int.self),
                                         try row.decode(column: "copy_rank", as: Int.self)) : nil)
        }
    }

    /// Where a branch's copies are: its column (`owning_branch_id`, or `current_branch_id` in a floating collection)
    /// equal to the branch, and of those the copies in the collection. Refused for another organisation's branch.
    func scope(of branch: UUID) async throws -> (atBranch: SQLQueryString, here: SQLQueryString) {
        let column = try await SegmentReport(db, organisationID: organisationID).branchColumn()
        // The branch is this organisation's; from here its copies are found by the branch alone (one index, not two).
        guard try await sql.select().column("id").from(Branch.schema).where("id", .equal, branch)
            .where("organisation_id", .equal, organisationID).first() != nil else {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        let atBranch: SQLQueryString = "\(unsafeRaw: column) = \(bind: branch)"
        return (atBranch, "\(atBranch) AND i.status NOT IN \(unsafeRaw: CollectionSQL.outOfCollection)")
    }

    /// Criteria 1–3 of `WeedingRules` (outdated, idle, worn) in SQL, for a branch's copies that carry a shelf key, each
    /// shelf with its own thresholds: the shelves that share thresholds in one `IN` list. The rules stay the one
    /// definition: `judge` reads the copies these name and judges them in Swift, and `make` has the database write their
    /// lines with the reasons below — a test holds both to the rules, copy by copy, at each threshold's edge.
    struct ShelfCriteria {
        /// The branch's copies these are for (`scope(of:)`).
        var scope: (atBranch: SQLQueryString, here: SQLQueryString)
        /// The keys the policy cannot read.
        var unread: [String]
        /// The branch's copies with a key the policy reads (a condition on `items i`).
        var keyed: SQLQueryString
        /// The groups of keys that share thresholds, each with its criteria and the reason each names (none: no copy
        /// carries a key the policy reads).
        var groups: [(keys: [String], met: [(reason: WeedingReason, condition: SQLQueryString)])]

        /// The keyed copies that meet one of the criteria — or, given, are `also` — as a condition on `items i`.
        func filter(also: SQLQueryString? = nil) -> SQLQueryString {
            var either: [any SQLExpression] = groups.map { group in
                SQLQueryString("(i.shelf IN \(SQLBind.group(group.keys)) AND (\(SQLList(group.met.map(\.condition), separator: SQLRaw(" OR ")))))")
            }
            if let also { either.append(also) }
            return "\(keyed) AND (\(SQLList(either.isEmpty ? [SQLRaw("1 = 0")] : either, separator: SQLRaw(" OR "))))"
        }

        /// The ids of the copies `filter` names, judged inside `items_shelf_idx`: SQLite reads no copy that is not a candidate.
        func copies(also: SQLQueryString? = nil) -> SQLQueryString { "SELECT i.id FROM items i WHERE \(filter(also: also))" }

        /// A keyed copy's reasons, comma-separated in the rules' order ("outdated,idle"); `superseded` (a condition)
        /// names the copies that are besides.
        func reasons(superseded: SQLQueryString? = nil) -> SQLQueryString {
            let cases = groups.map { group in
                var named: [any SQLExpression] = group.met.map { met in
                    SQLQueryString("CASE WHEN \(met.condition) THEN \(bind: met.reason.rawValue + ",") ELSE '' END")
                }
                if let superseded { named.append(SQLQueryString("CASE WHEN \(superseded) THEN \(bind: WeedingReason.superseded.rawValue + ",") ELSE '' END")) }
                return SQLQueryString("WHEN i.shelf IN \(SQLBind.group(group.keys)) THEN RTRIM(\(SQLList(named, separator: SQLRaw(" || "))), ',')")
            }
            return cases.isEmpty ? "''" : "CASE \(SQLList(cases, separator: SQLRaw(" "))) ELSE '' END"
        }
    }

    func shelfCriteria(_ scope: (atBranch: SQLQueryString, here: SQLQueryString), policy: WeedingPolicy, today: LocalDate) async throws -> ShelfCriteria {
        let keys = try await ShelfKeys.inUse(organisation: organisationID, on: sql)
        var groups: [WeedingThresholds: [String]] = [:]
        var unread: [String] = []
        for key in keys {
            guard let segment = ShelfSegment(key: key) else {
                unread.append(key)
                continue
            }
            groups[policy.thresholds(for: segment), default: []].append(key)
        }
        let criteria = groups.sorted(by: { $0.value[0] < $1.value[0] }).map { thresholds, keys in
            var met: [(reason: WeedingReason, condition: SQLQueryString)] = []
            if let years = thresholds.maxAgeYears { met.append((.outdated, "i.edition_year < \(bind: today.year - years)")) }
            met.append((.idle, "(i.status = 'available' AND COALESCE(i.last_loan_on, i.acquired_on, '') < \(bind: thresholds.idleSince(today).iso))"))
            met.append((.worn, "i.loans_total >= \(bind: thresholds.wornLoans)"))
            return (keys: keys, met: met)
        }
        let read = groups.values.flatMap { $0 }
        let keyed: SQLQueryString = """
            i.organisation_id = \(bind: organisationID) AND i.shelf IN \(SQLBind.group(read.isEmpty ? [""] : read)) AND \(scope.here)
            """
        return ShelfCriteria(scope: scope, unread: unread, keyed: keyed, groups: criteria)
    }

    /// Makes the branch's list from today's candidates. Refused while the branch has an open list.
    ///
    /// The copies that carry a shelf key and meet criteria 1–3 or are superseded — nearly all of a list — are written
    /// as lines by the database in one statement (`ShelfCriteria`; the superseded ones named by id, one parameter). The
    /// others (surplus, without a key) are judged by the rules in Swift and joined in after, 2,000 lines a statement,
    /// a line the database wrote taking the rules' reasons (all of them: its surplus besides).
    public func make(branch: UUID, today: LocalDate, by staff: String, now: Date = Date()) async throws -> Int {
        let policy = try await WeedingSettings(db, organisationID: organisationID).policy()
        let shelves = try await shelfCriteria(try await scope(of: branch), policy: policy, today: today)
        let judged = try await judge(branch: branch, today: today, policy: policy, leaving: shelves)
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            if try await sql.select().column("id").from(WeedingList.schema).where("organisation_id", .equal, organisationID)
                .where("branch_id", .equal, branch).where("status", .equal, WeedingList.Status.open.rawValue).first() != nil {
                throw BiebError(.conflict, code: "weeding_list_open", field: "branch",
                                message: "This branch has an open weeding list: sign it off or discard it first.",
                                nl: "Deze vestiging heeft een open wieduitlijst: teken die eerst af of gooi hem weg.")
            }
            guard let id = try await sql.raw("""
                INSERT INTO \(unsafeRaw: WeedingList.schema) (organisation_id, branch_id, status, made_on, made_by, created_at)
                VALUES (\(bind: organisationID), \(bind: branch), \(bind: WeedingList.Status.open.rawValue), \(bind: today.iso), \(bind: staff), \(bind: now))
                RETURNING id
                """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("weeding list", nl: "Wieduitlijst niet gevonden.") }
            // A line's names come from the copy and its title, written by the database in both statements.
            let names: SQLQueryString = "i.id, i.barcode, i.title_id, t.title, t.main_author"
            if !shelves.groups.isEmpty {
                // The superseded copies the rules left here (with a key the policy reads), as one parameter.
                let superseded: SQLQueryString? = judged.supersededLeft.isEmpty ? nil : sql.isOne(of: judged.supersededLeft, "i.id")
                // PostgreSQL reads the branch's rows to test them anyway (a bitmap scan), so it tests and writes in one
                // pass; SQLite first judges inside the covering index and reads only the candidates' rows.
                let which: SQLQueryString = sql.dialect.name == "postgresql"
                    ? shelves.filter(also: superseded) : "i.id IN (\(shelves.copies(also: superseded)))"
                try await sql.raw("""
                    INSERT INTO \(unsafeRaw: WeedingList.lineSchema) (\(unsafeRaw: Self.lineColumns.joined(separator: ", ")))
                    SELECT \(bind: id), \(names), i.edition_year, i.call_number, i.shelf, \(shelves.reasons(superseded: superseded)), i.loans_total,
                           i.last_loan_on
                    FROM items i LEFT JOIN titles t ON t.id = i.title_id WHERE \(which)
                    """).run()
            }
            // The copies the rules judged here, as (copy, edition year, segment, reasons) — a copy without a key was judged
            // by its title's: a copy the database wrote too gets every reason it has.
            for chunk in judged.lines.chunked(into: 2_000) {
                let rows = SQLList(chunk.map { line in
                    SQLQueryString("""
                        (\(bind: line.itemID), \(bind: line.editionYear), \(bind: line.segment), \(bind: line.reasons.map(\.rawValue).joined(separator: ",")))
                        """)
                })
                try await sql.raw("""
                    INSERT INTO \(unsafeRaw: WeedingList.lineSchema) (\(unsafeRaw: Self.lineColumns.joined(separator: ", ")))
                    SELECT \(bind: id), \(names), v.column2, i.call_number, v.column3, v.column4, i.loans_total, i.last_loan_on
                    FROM (VALUES \(rows)) v JOIN items i ON i.id = v.column1 LEFT JOIN titles t ON t.id = i.title_id
                    WHERE i.organisation_id = \(bind: organisationID)
                    ON CONFLICT (list_id, item_id) DO UPDATE SET reasons = excluded.reasons
                    """).run()
            }
            return id
        }
    }

    static let lineColumns = ["list_id", "item_id", "barcode", "title_id", "title", "author", "edition_year", "call_number", "segment", "reasons",
                              "lifetime_loans", "last_loan_on"]

    // MARK: Reading

    static let summaryColumns = """
        w.id, w.branch_id, w.status, w.made_on, w.made_by, w.signed_by, w.signed_at,
        (SELECT COUNT(*) FROM weeding_lines l WHERE l.list_id = w.id) AS lines,
        (SELECT COUNT(*) FROM weeding_lines l WHERE l.list_id = w.id AND l.decision IS NOT NULL) AS decided,
        (SELECT COUNT(*) FROM weeding_lines l WHERE l.list_id = w.id AND l.outcome = 'withdrawn') AS withdrawn
        """

    func summary(_ row: any SQLRow) throws -> Summary {
        Summary(id: try row.decode(column: "id", as: Int.self), branch: try row.decode(column: "branch_id", as: UUID.self),
                status: WeedingList.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
                madeOn: LocalDate(iso: try row.decode(column: "made_on", as: String.self)) ?? LocalDate(year: 2000, month: 1, day: 1)!,
                madeBy: try row.decode(column: "made_by", as: String.self), signedBy: try row.decode(column: "signed_by", as: String?.self),
                signedAt: try row.decode(column: "signed_at", as: Date?.self), lines: try row.decode(column: "lines", as: Int.self),
                decided: try row.decode(column: "decided", as: Int.self), withdrawn: try row.decode(column: "withdrawn", as: Int.self))
    }

    /// The lists, newest first (of one branch when given).
    public func lists(branch: UUID? = nil) async throws -> [Summary] {
        var filter = SQLQueryString("")
        if let branch { filter = "AND w.branch_id = \(bind: branch)" }
        return try await sql.raw("""
            SELECT \(unsafeRaw: Self.summaryColumns) FROM weeding_lists w
            WHERE w.organisation_id = \(bind: organisationID) \(filter) ORDER BY w.id DESC
            """).all().map(summary)
    }

    public func list(_ id: Int) async throws -> Summary {
        guard let row = try await sql.raw("""
            SELECT \(unsafeRaw: Self.summaryColumns) FROM weeding_lists w WHERE w.organisation_id = \(bind: organisationID) AND w.id = \(bind: id)
            """).first() else {
            throw BiebError.notFound("weeding list", nl: "Wieduitlijst niet gevonden.")
        }
        return try summary(row)
    }

    /// A list's lines (`limit` of them from `offset`, or all) in `listOrder`: most reasons first, then by call number
    /// (compared as Swift compares it, code point by code point: `COLLATE "C"` on PostgreSQL), then by copy.
    public func lines(of id: Int, limit: Int? = nil, offset: Int = 0) async throws -> [Line] {
        _ = try await list(id)
        let byCode: SQLQueryString = sql.dialect.name == "postgresql" ? "COLLATE \"C\"" : ""
        var page = SQLQueryString("")
        if let limit { page = "LIMIT \(bind: max(0, limit)) OFFSET \(bind: max(0, offset))" }
        return try await sql.raw("""
            SELECT id, item_id, barcode, title_id, title, author, edition_year, call_number, segment, reasons, lifetime_loans, last_loan_on,
                   decision, note, decided_by, outcome
            FROM weeding_lines WHERE list_id = \(bind: id)
            ORDER BY LENGTH(reasons) - LENGTH(REPLACE(reasons, ',', '')) DESC, call_number \(byCode), item_id \(page)
            """).all().map { row in
            Line(id: try row.decode(column: "id", as: Int.self), itemID: try row.decode(column: "item_id", as: Int.self),
                 barcode: try row.decode(column: "barcode", as: String.self), titleID: try row.decode(column: "title_id", as: Int.self),
                 title: try row.decode(column: "title", as: String.self), author: try row.decode(column: "author", as: String?.self),
                 editionYear: try row.decode(column: "edition_year", as: Int?.self), callNumber: try row.decode(column: "call_number", as: String.self),
                 segment: try row.decode(column: "segment", as: String.self),
                 reasons: try row.decode(column: "reasons", as: String.self).split(separator: ",").compactMap { WeedingReason(rawValue: String($0)) },
                 lifetimeLoans: try row.decode(column: "lifetime_loans", as: Int.self),
                 lastLoanOn: try row.decode(column: "last_loan_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                 decision: try row.decode(column: "decision", as: String?.self).flatMap(Decision.init(rawValue:)),
                 note: try row.decode(column: "note", as: String.self), decidedBy: try row.decode(column: "decided_by", as: String?.self),
                 outcome: try row.decode(column: "outcome", as: String?.self).flatMap(Outcome.init(rawValue:)))
        }
    }

    // MARK: Review and sign-off

    public struct Review: Sendable, Equatable {
        public var line: Int
        public var decision: Decision
        public var note: String
        public init(line: Int, decision: Decision, note: String) {
            self.line = line
            self.decision = decision
            self.note = note
        }
    }

    /// Records decisions on lines of an open list. Keeping a candidate needs a note (why the rules are wrong here).
    /// With `withdrawRest`, every line still undecided after these is marked withdraw (one statement, however long the list).
    public func review(_ id: Int, _ reviews: [Review], withdrawRest: Bool = false, by staff: String) async throws {
        for review in reviews where review.decision == .keep && review.note.trimmed.isEmpty {
            throw BiebError.invalid("line_\(review.line)", "Say why this copy is kept.", nl: "Zeg waarom dit exemplaar blijft.")
        }
        for review in reviews where review.note.count > 500 {
            throw BiebError.invalid("line_\(review.line)", "A note has at most 500 characters.", nl: "Een notitie heeft hoogstens 500 tekens.")
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            try await Self.requireOpen(id, organisationID: organisationID, on: sql)
            for review in reviews {
                guard try await sql.update(WeedingList.lineSchema).set("decision", to: review.decision.rawValue)
                    .set("note", to: review.note.trimmed).set("decided_by", to: staff)
                    .where("id", .equal, review.line).where("list_id", .equal, id).returning("id").first() != nil else {
                    throw BiebError.invalid("line_\(review.line)", "This line is not on the list.", nl: "Deze regel staat niet op de lijst.")
                }
            }
            if withdrawRest {
                try await sql.update(WeedingList.lineSchema).set("decision", to: Decision.withdraw.rawValue).set("note", to: "")
                    .set("decided_by", to: staff).where("list_id", .equal, id).where("decision", .is, SQLLiteral.null).run()
            }
        }
    }

    static func requireOpen(_ id: Int, organisationID: UUID, on sql: any SQLDatabase) async throws {
        // Takes the list's row lock (PostgreSQL) so a review and a sign-off do not cross.
        guard let row = try await sql.raw("""
            UPDATE weeding_lists SET status = status WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID) RETURNING status
            """).first() else {
            throw BiebError.notFound("weeding list", nl: "Wieduitlijst niet gevonden.")
        }
        guard try row.decode(column: "status", as: String.self) == WeedingList.Status.open.rawValue else {
            throw BiebError(.conflict, code: "weeding_list_closed", field: nil, message: "This list was already signed off or discarded.",
                            nl: "Deze lijst is al afgetekend of weggegooid.")
        }
    }

    public struct SignOff: Sendable, Equatable {
        public var withdrawn: Int
        public var inUse: [String]
        public var kept: Int
    }

    /// Signs the list off: the copies marked withdraw that are available and
    /// set aside for nobody are withdrawn, in one transaction with the sign-off.
    public func signOff(_ id: Int, by staff: String, now: Date = Date()) async throws -> SignOff {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            try await Self.requireOpen(id, organisationID: organisationID, on: sql)
            let pending = try await sql.raw("""
                SELECT COUNT(*) AS n FROM weeding_lines WHERE list_id = \(bind: id) AND decision IS NULL
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            guard pending == 0 else {
                throw BiebError(.conflict, code: "weeding_list_undecided", field: nil,
                                message: "\(pending) copies are not reviewed yet: decide each before signing off.",
                                nl: "\(pending) exemplaren zijn nog niet beoordeeld: beslis over elk voor het aftekenen.")
            }
            let marked = try await sql.select().columns("item_id", "barcode").from(WeedingList.lineSchema)
                .where("list_id", .equal, id).where("decision", .equal, Decision.withdraw.rawValue).all()
                .map { (try $0.decode(column: "item_id", as: Int.self), try $0.decode(column: "barcode", as: String.self)) }
            var withdrawn: Set<Int> = []
            var titles: [Int] = []
            for chunk in marked.map(\.0).chunked(into: 500) {
                for row in try await sql.raw("""
                    UPDATE items SET status = \(bind: ItemStatus.withdrawn.rawValue), due_at = NULL, updated_at = \(bind: now)
                    WHERE organisation_id = \(bind: organisationID) AND id IN \(SQLBind.group(Array(chunk)))
                      AND status = \(bind: ItemStatus.available.rawValue) AND hold_id IS NULL
                    RETURNING id, title_id
                    """).all() {
                    withdrawn.insert(try row.decode(column: "id", as: Int.self))
                    titles.append(try row.decode(column: "title_id", as: Int.self))
                }
            }
            try await sql.raw("""
                UPDATE weeding_lines SET outcome = CASE WHEN decision = 'keep' THEN 'kept' ELSE 'in_use' END WHERE list_id = \(bind: id)
                """).run()
            for chunk in Array(withdrawn).chunked(into: 500) {
                try await sql.update(WeedingList.lineSchema).set("outcome", to: Outcome.withdrawn.rawValue)
                    .where("list_id", .equal, id).where("item_id", .in, SQLBind.group(Array(chunk))).run()
            }
            try await sql.update(WeedingList.schema).set("status", to: WeedingList.Status.signed.rawValue).set("signed_by", to: staff)
                .set("signed_at", to: now).where("id", .equal, id).run()
            if !titles.isEmpty {
                let version = try await CatalogChanges.claim(organisationID: organisationID, titles: false, on: sql)
                try await CatalogChanges.stamp(titleIDs: Array(Set(titles)), version: version, on: sql)
            }
            let kept = try await sql.raw("SELECT COUNT(*) AS n FROM weeding_lines WHERE list_id = \(bind: id) AND decision = 'keep'").first()?
                .decode(column: "n", as: Int.self) ?? 0
            return SignOff(withdrawn: withdrawn.count, inUse: marked.filter { !withdrawn.contains($0.0) }.map(\.1), kept: kept)
        }
    }

    /// Throws an open list away: nothing is withdrawn.
    public func discard(_ id: Int) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await Self.requireOpen(id, organisationID: organisationID, on: tx.sql)
            try await tx.sql.update(WeedingList.schema).set("status", to: WeedingList.Status.discarded.rawValue).where("id", .equal, id).run()
        }
    }
}

/// The names of the weeding tables and a list's states.
public enum WeedingList {
    static let schema = "weeding_lists"
    static let lineSchema = "weeding_lines"

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, signed, discarded
    }
}
