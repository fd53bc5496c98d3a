import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The collection and the programme together: which NUR headings match an
/// activity theme (set by staff, per organisation: "basic skills: digital"
/// is 980, computers), how that shelf works at a branch and in the whole
/// library (`SegmentFigures`), and the titles to show with an activity —
/// the shelf's best-lent titles with a copy at the activity's branch
/// (the whole library's when the branch has none).
public struct ThemeShelves: OrganisationStore {
    static let schema = "collection_theme_shelves"

    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Theme code → its NUR headings, in order.
    public func all() async throws -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for row in try await sql.select().columns("theme", "heading").from(Self.schema).where("organisation_id", .equal, organisationID)
            .orderBy("heading").all() {
            out[try row.decode(column: "theme", as: String.self), default: []].append(try row.decode(column: "heading", as: Int.self))
        }
        return out
    }

    /// Sets the headings of a theme (none: the theme has no shelf). The theme must be one of the programme's.
    public func set(theme: String, headings: [Int]) async throws {
        let known = try await Programme(db, organisationID: organisationID, timeZone: BranchCalendar.amsterdam).terms(.theme).map(\.code)
        guard known.contains(theme) else {
            throw BiebError.invalid("theme", "Unknown theme '\(theme)'.", nl: "Onbekend thema '\(theme)'.")
        }
        guard headings.count <= 20 else { throw BiebError.invalid("headings", "At most 20 headings.", nl: "Hoogstens 20 hoofdrubrieken.") }
        if let bad = headings.first(where: { ShelfSegment.heading(nur: $0) != $0 }) {
            throw BiebError.invalid("headings", "\(bad) is not a NUR heading (a multiple of ten from 0 to 990).",
                                    nl: "\(bad) is geen NUR-hoofdrubriek (een tiental van 0 tot 990).")
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.delete(from: Self.schema).where("organisation_id", .equal, organisationID).where("theme", .equal, theme).run()
            for heading in Set(headings) {
                try await tx.sql.insert(into: Self.schema).columns("organisation_id", "theme", "heading")
                    .values(SQLBind(organisationID), SQLBind(theme), SQLBind(heading)).run()
            }
        }
    }

    public struct Suggested: Sendable, Equatable, Codable {
        public var titleID: Int
        public var title: String
        public var author: String?
        public var year: Int?
        public var loans: Int
        public var available: Int
    }

    public struct Shelf: Sendable, Equatable {
        public var headings: [Int]
        /// At the activity's branch (nil without one) and in the whole library.
        public var branch: SegmentFigures?
        public var organisation: SegmentFigures
        public var titles: [Suggested]
        /// The titles are the whole library's: the branch holds none of the shelf.
        public var fromWholeLibrary: Bool
    }

    /// The shelf of an activity's themes, nil when none of them has headings.
    public func shelf(themes: [String], branch: UUID?, today: LocalDate, limit: Int = 8) async throws -> Shelf? {
        let mapping = try await all()
        let headings = Array(Set(themes.flatMap { mapping[$0] ?? [] })).sorted()
        guard !headings.isEmpty else { return nil }
        let policy = try await WeedingSettings(db, organisationID: organisationID).policy()
        let report = SegmentReport(db, organisationID: organisationID)
        let all = try await report.rows(today: today, headings: headings, policy: policy)
        let whole = all.reduce(SegmentFigures()) { $0 + $1.figures }
        let here = branch.map { b in all.filter { $0.branch == b }.reduce(SegmentFigures()) { $0 + $1.figures } }
        // The copies by their shelf keys under the headings (ranges of `items_shelf_idx`), read once for both asks.
        let shelves = try await report.shelfHeadingFilter(headings)
        var titles = try await suggested(headings: headings, shelves: shelves, branch: branch, limit: limit)
        let fromWhole = branch != nil && titles.isEmpty
        if fromWhole { titles = try await suggested(headings: headings, shelves: shelves, branch: nil, limit: limit) }
        return Shelf(headings: headings, branch: here, organisation: whole, titles: titles, fromWholeLibrary: fromWhole)
    }

    /// The most-lent titles under the headings: `shelves` finds the keyed copies (`SegmentReport.shelfHeadingFilter`),
    /// the copies without a key yet are found by their titles.
    func suggested(headings: [Int], shelves: SQLQueryString, branch: UUID?, limit: Int) async throws -> [Suggested] {
        var filter = SQLQueryString("")
        if let branch { filter = "AND \(unsafeRaw: try await SegmentReport(db, organisationID: organisationID).branchColumn()) = \(bind: branch)" }
        return try await sql.raw("""
            SELECT t.id, t.title, t.main_author, t.year, CAST(SUM(i.loans_year) AS BIGINT) AS loans,
                   CAST(SUM(CASE WHEN i.status = 'available' THEN 1 ELSE 0 END) AS BIGINT) AS available
            FROM items i JOIN titles t ON t.id = i.title_id
            WHERE i.organisation_id = \(bind: organisationID) AND i.status NOT IN \(unsafeRaw: CollectionSQL.outOfCollection) AND t.deleted = \(bind: false)
              AND (\(shelves) OR i.shelf IS NULL) AND (i.shelf IS NOT NULL OR \(SegmentReport.headingFilter(headings))) \(filter)
            GROUP BY t.id, t.title, t.main_author, t.year
            ORDER BY loans DESC, t.title LIMIT \(unsafeRaw: String(max(1, min(limit, 50))))
            """).all().map { row in
            Suggested(titleID: try row.decode(column: "id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                      author: try row.decode(column: "main_author", as: String?.self), year: try row.decode(column: "year", as: Int?.self),
                      loans: try row.decode(column: "loans", as: Int.self), available: try row.decode(column: "available", as: Int.self))
        }
    }

    /// Makes a curated list of an activity's suggested titles and shows it with the activity (its list), in the
    /// order suggested. The list is the branch's when the activity has one; its short name comes from the
    /// activity's title and first day. Returns the list's slug.
    public func makeList(forActivity activityID: UUID, name: String, day: LocalDate, branch: UUID?, titles: [Int]) async throws -> String {
        guard !titles.isEmpty else {
            throw BiebError.invalid("titles", "There are no titles to put on a list.", nl: "Er zijn geen titels om op een lijst te zetten.")
        }
        guard try await sql.select().column("id").from(ActivityRow.table).where("id", .equal, activityID)
            .where("organisation_id", .equal, organisationID).first() != nil else {
            throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.")
        }
        let lists = TitleLists(db, organisationID: organisationID)
        let base = String(Validate.slugify("\(name) \(day.iso)").prefix(56)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        var slug = base
        var n = 1
        while try await lists.list(slug: slug) != nil {
            n += 1
            slug = "\(base)-\(n)"
        }
        let list = TitleList(organisationID: organisationID, slug: slug, name: String(name.prefix(120)),
                             description: "", branchID: branch, isPublic: true)
        try await lists.save(list)
        for title in titles { try await lists.add(title, to: list.id!) }
        guard try await sql.raw("""
            UPDATE \(unsafeRaw: ActivityRow.table) SET list_id = \(bind: list.id!) WHERE id = \(bind: activityID) AND organisation_id = \(bind: organisationID) RETURNING id
            """).first() != nil else {
            throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.")
        }
        return slug
    }
}
