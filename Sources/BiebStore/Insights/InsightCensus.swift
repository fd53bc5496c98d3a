import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The daily census: how many members and copies an organisation had at
/// the end of a day, per branch — the stocks that facts (happenings)
/// cannot give. Members are counted at their home branch, youth (under 18
/// on that day) and adult apart; a member is someone whose membership runs
/// on that day (start ≤ day ≤ end), blocked or not. Copies are counted at
/// their owning branch per part of the collection (`CollectionSegment`),
/// lost, missing and withdrawn copies not. No member is named: the census
/// keeps counts only (`insight_census`).
///
/// The census of a day is taken once, by the first job run after the day
/// ended (`takeDue`); memberships that ran out on that day become
/// `membership_ended` facts in the same transaction. A cursor
/// (`insight_cursor`, source "census", the day as yyyymmdd) makes it
/// exactly-once across servers. Days before Bieb ran have no census; a
/// question about such a day is answered from the nearest earlier census
/// (`value`), and says which day that was.
public struct InsightCensus: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// What the census counts.
    public enum Measure: String, Sendable, CaseIterable {
        case members
        case copies
    }

    /// Takes the census of yesterday unless it was taken; returns whether it was taken now.
    @discardableResult
    public func takeDue(today: LocalDate) async throws -> Bool {
        try await take(day: today.adding(days: -1))
    }

    /// Takes the census of `day` (as things stand now) unless a census of that day or a later one was taken.
    @discardableResult
    public func take(day: LocalDate) async throws -> Bool {
        let key = InsightFacts.key(of: day)
        let cursor = try await InsightFacts(db, organisationID: organisationID).cursor(.census)
        if let cursor, cursor >= key { return false }
        // Youth: born after this day 18 years ago (as text, so 29 February compares as `age(on:)` counts).
        let youthBorn = String(format: "%04d-%02d-%02d", day.year - 18, day.month, day.day)
        let members = try await sql.raw("""
            SELECT home_branch_id AS branch_id, CASE WHEN birth_date > \(bind: youthBorn) THEN 'youth' ELSE 'adult' END AS audience, COUNT(*) AS n
            FROM members WHERE organisation_id = \(bind: organisationID) AND membership_start <= \(bind: day.iso) AND membership_end >= \(bind: day.iso)
            GROUP BY 1, 2
            """).all().map { row in
            Row(branch: try row.decode(column: "branch_id", as: UUID?.self), measure: .members, audience: try row.decode(column: "audience", as: String.self),
                segment: "", value: try row.decode(column: "n", as: Int.self))
        }
        let inCollection = SQLQueryString(ItemStatus.allCases.filter(\.isInCollection).map { "'\($0.rawValue)'" }.joined(separator: ", "))
        var copies: [String: Row] = [:]
        for row in try await sql.raw("""
            SELECT i.owning_branch_id AS branch_id, t.format, t.audience, t.nur, COUNT(*) AS n FROM items i JOIN titles t ON t.id = i.title_id
            WHERE i.organisation_id = \(bind: organisationID) AND i.status IN (\(inCollection))
            GROUP BY i.owning_branch_id, t.format, t.audience, t.nur
            """).all() {
            let branch = try row.decode(column: "branch_id", as: UUID?.self)
            let segment = CollectionSegment.of(formatCode: try row.decode(column: "format", as: String.self), audienceCode: try row.decode(column: "audience", as: String?.self),
                                               nur: try row.decode(column: "nur", as: Int?.self))
            let key = "\(branch?.uuidString ?? "")|\(segment.rawValue)"
            copies[key, default: Row(branch: branch, measure: .copies, audience: segment.audience, segment: segment.rawValue, value: 0)].value
                += try row.decode(column: "n", as: Int.self)
        }
        let ended = try await sql.raw("""
            SELECT m.home_branch_id, m.birth_date, t.code FROM members m JOIN membership_types t ON t.id = m.membership_type_id
            WHERE m.organisation_id = \(bind: organisationID) AND m.membership_end = \(bind: day.iso)
            """).all().map { row in
            let band = LocalDate(iso: try row.decode(column: "birth_date", as: String.self)).map { SelfServiceAccess.ageBand(birthDate: $0, on: day) }
            return InsightFacts.Fact(day: day, branch: try row.decode(column: "home_branch_id", as: UUID.self), kind: .membershipEnded, ageBand: band,
                                     category: try row.decode(column: "code", as: String.self))
        }
        let rows = members + copies.values.sorted { ($0.branch?.uuidString ?? "", $0.segment) < ($1.branch?.uuidString ?? "", $1.segment) }
        let organisationID = organisationID
        let taken = try await WriteGate.transaction(on: db) { tx -> Bool in
            guard try await InsightFacts.move(.census, organisation: organisationID, from: cursor, to: key, on: tx.sql) else { return false }
            try await Self.insert(rows, day: day, organisation: organisationID, on: tx.sql)
            try await InsightFacts.Fact.insert(ended, organisation: organisationID, on: tx.sql)
            if !ended.isEmpty {
                try await InsightRollups.refresh(days: [day], kinds: [.membershipEnded], organisation: organisationID, on: tx.sql)
            }
            return true
        }
        return taken
    }

    /// Records the census of days before Bieb ran (an earlier system's counts, or the demo's history); the daily census
    /// goes on after the last of them (it does not count those days again).
    public func append(history: [(day: LocalDate, rows: [Row])]) async throws {
        guard let last = history.map(\.day).max() else { return }
        let key = InsightFacts.key(of: last)
        let cursor = try await InsightFacts(db, organisationID: organisationID).cursor(.census)
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            for (day, rows) in history { try await Self.insert(rows, day: day, organisation: organisationID, on: tx.sql) }
            if (cursor ?? 0) < key { _ = try await InsightFacts.move(.census, organisation: organisationID, from: cursor, to: key, on: tx.sql) }
        }
    }

    /// One line of a day's census (`insight_census`: its columns named here).
    public struct Row: Sendable {
        var branch: UUID?
        var measure: Measure
        /// "youth" or "adult".
        var audience: String
        /// The part of the collection (copies); "" for members.
        var segment: String
        var value: Int

        public init(branch: UUID?, measure: Measure, audience: String, segment: String, value: Int) {
            (self.branch, self.measure, self.audience, self.segment, self.value) = (branch, measure, audience, segment, value)
        }
    }

    static func insert(_ rows: [Row], day: LocalDate, organisation: UUID, on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: rows.count, by: 400) {
            var insert = sql.insert(into: "insight_census").columns("organisation_id", "day", "branch_id", "measure", "audience", "segment", "value")
            for row in rows[start..<min(start + 400, rows.count)] {
                insert = insert.values([SQLBind(organisation), SQLBind(day.iso), SQLBind(row.branch), SQLBind(row.measure.rawValue),
                                        SQLBind(row.audience), SQLBind(row.segment), SQLBind(row.value)])
            }
            try await insert.run()
        }
    }

    /// A census figure with the day it was counted.
    public struct Value: Sendable, Equatable {
        public let value: Int
        /// The day of the census it comes from: `on` itself, or the nearest earlier day with a census.
        public let day: LocalDate
    }

    /// The census figure of `measure` on `on` (or the nearest earlier census), for a branch (nil: all), an audience
    /// ("youth", "adult"; nil: both) and parts of the collection (nil: all); nil when there is no census up to that day.
    public func value(_ measure: Measure, on day: LocalDate, branch: UUID? = nil, audience: String? = nil,
                      segments: Set<String>? = nil) async throws -> Value? {
        guard let taken = try await sql.raw("""
            SELECT MAX(day) AS day FROM insight_census
            WHERE organisation_id = \(bind: organisationID) AND measure = \(bind: measure.rawValue) AND day <= \(bind: day.iso)
            """).first()?.decode(column: "day", as: String?.self).flatMap(LocalDate.init(iso:)) else { return nil }
        var query: SQLQueryString = """
            SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) AS n FROM insight_census
            WHERE organisation_id = \(bind: organisationID) AND measure = \(bind: measure.rawValue) AND day = \(bind: taken.iso)
            """
        if let branch { query = query + " AND branch_id = \(bind: branch)" }
        if let audience { query = query + " AND audience = \(bind: audience)" }
        if let segments {
            guard !segments.isEmpty else { return Value(value: 0, day: taken) }
            query = query + " AND segment IN (\(binds: segments.sorted()))"
        }
        return Value(value: try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0, day: taken)
    }

    /// A day's census lines per branch, audience and segment (the annual report's breakdowns).
    public func lines(_ measure: Measure, on day: LocalDate) async throws -> (day: LocalDate, lines: [(branch: UUID?, audience: String, segment: String, value: Int)])? {
        guard let taken = try await sql.raw("""
            SELECT MAX(day) AS day FROM insight_census
            WHERE organisation_id = \(bind: organisationID) AND measure = \(bind: measure.rawValue) AND day <= \(bind: day.iso)
            """).first()?.decode(column: "day", as: String?.self).flatMap(LocalDate.init(iso:)) else { return nil }
        let lines = try await sql.raw("""
            SELECT branch_id, audience, segment, value FROM insight_census
            WHERE organisation_id = \(bind: organisationID) AND measure = \(bind: measure.rawValue) AND day = \(bind: taken.iso)
            """).all().map { row in
            (branch: try row.decode(column: "branch_id", as: UUID?.self), audience: try row.decode(column: "audience", as: String.self),
             segment: try row.decode(column: "segment", as: String.self), value: try row.decode(column: "value", as: Int.self))
        }
        return (taken, lines)
    }
}
