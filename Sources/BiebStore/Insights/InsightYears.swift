import Crypto
import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The calendar years of the fact stream and their keys: a year's key is
/// made when its first fact needs a subject, and destroyed when the year is
/// closed, after its distinct counts are kept as totals
/// (`insight_year_totals`). A year closes by itself once it ended more than
/// `graceDays` ago (late returns and renewals of December still count);
/// events of a closed year become facts without a subject.
public struct InsightYears: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public static let graceDays = 31

    /// The member's subject under a year's key: the HMAC-SHA256 of their id (128 bits, hex).
    static func subject(of member: UUID, key: SymmetricKey) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(member.uuidString.lowercased().utf8), using: key)
        return code.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The key of `year`, made on first use; nil when the year is closed.
    func key(year: Int, now: Date) async throws -> SymmetricKey? {
        if let row = try await sql.raw("""
            SELECT secret FROM insight_year_keys WHERE organisation_id = \(bind: organisationID) AND year = \(bind: year)
            """).first() {
            return try row.decode(column: "secret", as: String?.self).flatMap(Self.key(hex:))
        }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            // Two servers making the first key of a year at once: one key wins, both use it.
            try await tx.sql.raw("""
                INSERT INTO insight_year_keys (organisation_id, year, secret, created_at) VALUES (\(bind: organisationID), \(bind: year), \(bind: secret), \(bind: now))
                ON CONFLICT (organisation_id, year) DO NOTHING
                """).run()
        }
        return try await key(year: year, now: now)
    }

    static func key(hex: String) -> SymmetricKey? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes.count == 32 ? SymmetricKey(data: bytes) : nil
    }

    /// Whether `year` is closed (its key destroyed).
    public func isClosed(_ year: Int) async throws -> Bool {
        try await sql.raw("""
            SELECT closed_at FROM insight_year_keys WHERE organisation_id = \(bind: organisationID) AND year = \(bind: year)
            """).first()?.decode(column: "closed_at", as: Date?.self) != nil
    }

    /// Closes `year`: its distinct counts become totals, then its key and every subject of its facts are erased
    /// (one transaction). Refused for a year that has not ended.
    public func close(_ year: Int, today: LocalDate, now: Date = Date()) async throws {
        guard year < today.year else {
            throw BiebError(.conflict, code: "year_not_over", field: "year", message: "\(year) has not ended yet.", nl: "\(year) is nog niet voorbij.")
        }
        let organisationID = organisationID
        let from = "\(year)-01-01", through = "\(year)-12-31"
        let youth = SQLQueryString("'" + AgeBands.youth.sorted().joined(separator: "', '") + "'")
        let borrowing = SQLQueryString([FactKind.loan, .renewal, .return].map { "'\($0.rawValue)'" }.joined(separator: ", "))
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let measures: [(String, SQLQueryString)] = [
                ("active_members", "kind IN (\(borrowing))"),
                ("active_youth_members", "kind IN (\(borrowing)) AND age_band IN (\(youth))"),
                ("borrowers", "kind = 'loan'"),
                ("youth_borrowers", "kind = 'loan' AND age_band IN (\(youth))"),
            ]
            for (measure, condition) in measures {
                let value = try await sql.raw("""
                    SELECT COUNT(DISTINCT subject) AS n FROM insight_facts
                    WHERE organisation_id = \(bind: organisationID) AND day >= \(bind: from) AND day <= \(bind: through) AND subject IS NOT NULL AND
                    """ + " " + condition).first()?.decode(column: "n", as: Int.self) ?? 0
                try await Self.keep(measure, value, year: year, organisation: organisationID, on: sql)
            }
            // Reading programmes: their participants' borrowing, which needs the pseudonyms (`SummerReading`).
            for (measure, value) in try await SummerReading.followed(year: year, organisation: organisationID, on: sql).sorted(by: { $0.key < $1.key }) {
                try await Self.keep(measure, value, year: year, organisation: organisationID, on: sql)
            }
            try await sql.raw("DELETE FROM insight_year_subjects WHERE organisation_id = \(bind: organisationID) AND year = \(bind: year)").run()
            try await sql.raw("""
                UPDATE insight_facts SET subject = NULL
                WHERE organisation_id = \(bind: organisationID) AND day >= \(bind: from) AND day <= \(bind: through) AND subject IS NOT NULL
                """).run()
            try await sql.raw("""
                INSERT INTO insight_year_keys (organisation_id, year, secret, created_at, closed_at)
                VALUES (\(bind: organisationID), \(bind: year), NULL, \(bind: now), \(bind: now))
                ON CONFLICT (organisation_id, year) DO UPDATE SET secret = NULL, closed_at = \(bind: now)
                """).run()
        }
    }

    /// Closes every year with a key that ended more than `graceDays` ago; returns the years closed.
    @discardableResult
    public func closeEnded(today: LocalDate, now: Date = Date()) async throws -> [Int] {
        let lastToClose = today.adding(days: -Self.graceDays).year - 1
        let open = try await sql.raw("""
            SELECT year FROM insight_year_keys WHERE organisation_id = \(bind: organisationID) AND closed_at IS NULL AND year <= \(bind: lastToClose)
            ORDER BY year
            """).all().map { try $0.decode(column: "year", as: Int.self) }
        for year in open { try await close(year, today: today, now: now) }
        return open
    }

    /// Records a year that ended before Bieb ran as closed, with its distinct counts as totals (an earlier system's, or
    /// the demo's): it has no key and its facts no subjects.
    public func appendClosed(_ year: Int, totals: [String: Int], now: Date = Date()) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            for (measure, value) in totals.sorted(by: { $0.key < $1.key }) {
                try await Self.keep(measure, value, year: year, organisation: organisationID, on: tx.sql)
            }
            try await tx.sql.raw("""
                INSERT INTO insight_year_keys (organisation_id, year, secret, created_at, closed_at)
                VALUES (\(bind: organisationID), \(bind: year), NULL, \(bind: now), \(bind: now))
                ON CONFLICT (organisation_id, year) DO UPDATE SET secret = NULL, closed_at = \(bind: now)
                """).run()
        }
    }

    /// Keeps a closed year's total (`insight_year_totals`).
    static func keep(_ measure: String, _ value: Int, year: Int, organisation: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO insight_year_totals (organisation_id, year, measure, value) VALUES (\(bind: organisation), \(bind: year), \(bind: measure), \(bind: value))
            ON CONFLICT (organisation_id, year, measure) DO UPDATE SET value = excluded.value
            """).run()
    }

    /// The totals kept of a closed year, by measure.
    public func totals(_ year: Int) async throws -> [String: Int] {
        var totals: [String: Int] = [:]
        for row in try await sql.raw("""
            SELECT measure, value FROM insight_year_totals WHERE organisation_id = \(bind: organisationID) AND year = \(bind: year)
            """).all() {
            totals[try row.decode(column: "measure", as: String.self)] = try row.decode(column: "value", as: Int.self)
        }
        return totals
    }
}

/// The pseudonyms already active in an open year (`InsightFacts.firstActivities`), erased with the year's other
/// pseudonyms when it closes; and the `active_member` facts of what was ingested before, so the roll-ups count them.
struct CreateInsightYearSubjects: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("insight_year_subjects")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("year", .int, .required)
            .field("subject", .string, .required)
            .unique(on: "organisation_id", "year", "subject")
            .create()
        let sql = database.sql
        let kinds = SQLQueryString(FactKind.borrowing.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", "))
        let organisations = try await sql.raw("SELECT DISTINCT organisation_id FROM insight_facts WHERE subject IS NOT NULL").all()
            .map { try $0.decode(column: "organisation_id", as: UUID.self) }
        for organisation in organisations {
            let facts = try await sql.raw("""
                SELECT day, branch_id, kind, age_band, member_category, member_area, subject FROM insight_facts
                WHERE organisation_id = \(bind: organisation) AND subject IS NOT NULL AND kind IN (\(kinds)) ORDER BY day, id
                """).all().compactMap { row -> InsightFacts.Fact? in
                guard let day = LocalDate(iso: try row.decode(column: "day", as: String.self)),
                      let kind = FactKind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
                return InsightFacts.Fact(day: day, branch: try row.decode(column: "branch_id", as: UUID?.self), kind: kind,
                                         ageBand: try row.decode(column: "age_band", as: String?.self),
                                         category: try row.decode(column: "member_category", as: String?.self),
                                         area: try row.decode(column: "member_area", as: String?.self),
                                         subject: try row.decode(column: "subject", as: String?.self))
            }
            try await WriteGate.transaction(on: database) { tx in
                try await InsightFacts.Fact.insert(try await InsightFacts.firstActivities(facts, organisation: organisation, on: tx.sql),
                                                   organisation: organisation, on: tx.sql)
            }
            _ = try await InsightRollups(database, organisationID: organisation).rebuild()
        }
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DELETE FROM insight_facts WHERE kind = \(bind: FactKind.activeMember.rawValue)").run()
        try await database.schema("insight_year_subjects").delete()
    }
}
