import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An indicator's value on a day, with what it was worked out from.
public struct IndicatorReading: Sendable, Equatable, Codable {
    /// The value; nil when it cannot be known (no census yet, a divisor of 0, distinct members of a closed year's day).
    public let value: Double?
    /// For a ratio: the two numbers divided.
    public let numerator: Int?
    public let denominator: Int?
    /// The census the stock was read from (the day itself, or the nearest earlier census).
    public let censusDay: LocalDate?

    public init(value: Double?, numerator: Int? = nil, denominator: Int? = nil, censusDay: LocalDate? = nil) {
        (self.value, self.numerator, self.denominator, self.censusDay) = (value, numerator, denominator, censusDay)
    }
}

/// Works out the catalogue's indicators (`Indicator`) from the roll-ups,
/// the census and — for distinct members of a year still open — the facts.
public struct IndicatorValues: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// The indicator's value on `day` for a branch (nil: the whole organisation).
    public func reading(_ indicator: Indicator, on day: LocalDate, branch: UUID?) async throws -> IndicatorReading {
        switch indicator.formula {
        case .research(let measure):
            return try await ResearchResults(db, organisationID: organisationID).reading(measure, on: day, branch: branch)
        case .ratio(let top, let bottom):
            let (numerator, _) = try await count(top, on: day, branch: branch)
            let (denominator, census) = try await count(bottom, on: day, branch: branch)
            guard let numerator, let denominator else { return IndicatorReading(value: nil, numerator: numerator, denominator: denominator, censusDay: census) }
            return IndicatorReading(value: denominator == 0 ? nil : Double(numerator) / Double(denominator), numerator: numerator,
                                    denominator: denominator, censusDay: census)
        default:
            let (value, census) = try await count(indicator.formula, on: day, branch: branch)
            return IndicatorReading(value: value.map(Double.init), censusDay: census)
        }
    }

    /// A whole-number formula's value and the census day it used.
    func count(_ formula: IndicatorFormula, on day: LocalDate, branch: UUID?) async throws -> (Int?, LocalDate?) {
        switch formula {
        case .flow(let kinds, let audience, let coreFunction, let modes):
            return (try await InsightRollups(db, organisationID: organisationID)
                .total(kinds, from: day.adding(days: -364), through: day, branch: branch, audience: audience, coreFunction: coreFunction?.rawValue,
                       modes: modes), nil)
        case .stock(let measure, let audience, let segments):
            guard let measure = InsightCensus.Measure(rawValue: measure),
                  let value = try await InsightCensus(db, organisationID: organisationID)
                    .value(measure, on: day, branch: branch, audience: audience, segments: segments) else { return (nil, nil) }
            return (value.value, value.day)
        case .activeMembers(let youth):
            let years = InsightYears(db, organisationID: organisationID)
            if try await years.isClosed(day.year) {
                // Only the whole year's totals remain, for the organisation.
                guard branch == nil, day.month == 12, day.day == 31 else { return (nil, nil) }
                return (try await years.totals(day.year)[youth ? "active_youth_members" : "active_members"], nil)
            }
            let facts = InsightFacts(db, organisationID: organisationID)
            // The organisation's from the roll-ups; a branch's by counting the pseudonyms of its facts.
            guard let branch else { return (try await facts.activeMembers(through: day, youth: youth), nil) }
            return (try await facts.distinctMembers(FactKind.borrowing, from: LocalDate(year: day.year, month: 1, day: 1)!, through: day, youthOnly: youth,
                                                    branch: branch), nil)
        case .ratio, .research:
            return (nil, nil)
        }
    }
}

/// A measurement: an indicator for the organisation or a branch, read at a
/// start and an end moment, with an optional target.
public struct IndicatorMeasurement: Sendable, Equatable {
    public let id: Int
    public let indicator: String
    public let branchID: UUID?
    public let title: String
    public let start: LocalDate
    public let end: LocalDate
    public let target: Double?
    public let createdAt: Date
    /// The snapshots taken so far (start first).
    public let snapshots: [Snapshot]

    public var startSnapshot: Snapshot? { snapshots.first { $0.moment == .start } }
    public var endSnapshot: Snapshot? { snapshots.first { $0.moment == .end } }
    public var outcome: MeasurementOutcome { MeasurementOutcome(start: startSnapshot?.value, end: endSnapshot?.value, target: target) }
}

/// One of a measurement's moments, frozen: the value, the definition it was
/// worked out by, and when it was taken. Later data never changes it.
public struct Snapshot: Sendable, Equatable {
    public enum Moment: String, Sendable, Codable, CaseIterable {
        case start
        case end
    }

    public let moment: Moment
    public let day: LocalDate
    public let value: Double?
    public let numerator: Int?
    public let denominator: Int?
    public let censusDay: LocalDate?
    public let definitionNL: String
    public let definitionEN: String
    public let takenAt: Date
}

/// The measurements of an organisation and their snapshots. A moment's
/// snapshot is taken once the moment's day and the day after have passed
/// (attendance may be ticked until the next day), by the job or right when
/// a measurement is made with a moment already past; it is written once
/// (a unique key per measurement and moment) and never changed.
public struct Measurements: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Days after a moment before its snapshot is taken.
    public static let settleDays = 2

    /// What a measurement is made from.
    public struct Draft: Sendable {
        public var indicator: String
        public var branchID: UUID?
        public var title: String
        public var start: LocalDate
        public var end: LocalDate
        public var target: Double?

        public init(indicator: String, branchID: UUID?, title: String, start: LocalDate, end: LocalDate, target: Double?) {
            (self.indicator, self.branchID, self.title, self.start, self.end, self.target) = (indicator, branchID, title, start, end, target)
        }
    }

    /// Makes a measurement; snapshots whose moment has passed are taken at once.
    public func create(_ draft: Draft, today: LocalDate, now: Date = Date()) async throws -> IndicatorMeasurement {
        guard Indicator.named(draft.indicator) != nil else {
            throw BiebError.invalid("indicator", "Choose an indicator from the catalogue.", nl: "Kies een indicator uit de catalogus.")
        }
        let title = draft.title.trimmed
        guard (1...200).contains(title.count) else {
            throw BiebError.invalid("title", "Give the measurement a name (up to 200 characters).", nl: "Geef de meting een naam (tot 200 tekens).")
        }
        guard draft.start < draft.end else {
            throw BiebError.invalid("end", "The end comes after the start.", nl: "Het eind ligt na het begin.")
        }
        guard draft.start.year >= 2000, draft.start.days(until: draft.end) <= 366 * 10 else {
            throw BiebError.invalid("end", "A measurement runs at most ten years, from 2000 on.", nl: "Een meting loopt hoogstens tien jaar, vanaf 2000.")
        }
        if let target = draft.target, !(target.isFinite && target >= 0 && target < 1e12) {
            throw BiebError.invalid("target", "A target is a number of 0 or more.", nl: "Een doel is een getal van 0 of meer.")
        }
        if let branch = draft.branchID {
            guard try await sql.raw("""
                SELECT 1 AS x FROM branches WHERE id = \(bind: branch) AND organisation_id = \(bind: organisationID)
                """).first() != nil else { throw BiebError.invalid("branch", "There is no such branch in this organisation.", nl: "Die vestiging is er niet in deze organisatie.") }
        }
        let organisationID = organisationID
        let id = try await WriteGate.transaction(on: db) { tx -> Int in
            try await tx.sql.raw("""
                INSERT INTO insight_measurements (organisation_id, indicator, branch_id, title, start_day, end_day, target, created_at)
                VALUES (\(bind: organisationID), \(bind: draft.indicator), \(bind: draft.branchID), \(bind: title), \(bind: draft.start.iso),
                        \(bind: draft.end.iso), \(bind: draft.target), \(bind: now)) RETURNING id
                """).first()!.decode(column: "id", as: Int.self)
        }
        _ = try await freezeDue(today: today, now: now)
        return try await measurement(id)!
    }

    /// Every measurement, the latest end first.
    public func all() async throws -> [IndicatorMeasurement] {
        try await load(sql.raw("""
            SELECT * FROM insight_measurements WHERE organisation_id = \(bind: organisationID) ORDER BY end_day DESC, id DESC
            """).all())
    }

    public func measurement(_ id: Int) async throws -> IndicatorMeasurement? {
        try await load(sql.raw("""
            SELECT * FROM insight_measurements WHERE organisation_id = \(bind: organisationID) AND id = \(bind: id)
            """).all()).first
    }

    /// Removes a measurement and its snapshots.
    public func delete(_ id: Int) async throws {
        guard try await measurement(id) != nil else { throw BiebError.notFound("measurement", nl: "Meting niet gevonden.") }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM insight_snapshots WHERE measurement_id = \(bind: id)").run()
            try await tx.sql.raw("DELETE FROM insight_measurements WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)").run()
        }
    }

    /// Takes the snapshots whose moment has passed (`settleDays`) and that were not taken; returns how many it took.
    @discardableResult
    public func freezeDue(today: LocalDate, now: Date = Date()) async throws -> Int {
        let last = today.adding(days: -Self.settleDays).iso
        let due = try await sql.raw("""
            SELECT m.id, m.indicator, m.branch_id, 'start' AS moment, m.start_day AS day FROM insight_measurements m
            WHERE m.organisation_id = \(bind: organisationID) AND m.start_day <= \(bind: last)
              AND NOT EXISTS (SELECT 1 FROM insight_snapshots s WHERE s.measurement_id = m.id AND s.moment = 'start')
            UNION ALL
            SELECT m.id, m.indicator, m.branch_id, 'end' AS moment, m.end_day AS day FROM insight_measurements m
            WHERE m.organisation_id = \(bind: organisationID) AND m.end_day <= \(bind: last)
              AND NOT EXISTS (SELECT 1 FROM insight_snapshots s WHERE s.measurement_id = m.id AND s.moment = 'end')
            """).all()
        let values = IndicatorValues(db, organisationID: organisationID)
        var taken = 0
        for row in due {
            guard let indicator = Indicator.named(try row.decode(column: "indicator", as: String.self)),
                  let day = LocalDate(iso: try row.decode(column: "day", as: String.self)) else { continue }
            let reading = try await values.reading(indicator, on: day, branch: try row.decode(column: "branch_id", as: UUID?.self))
            let id = try row.decode(column: "id", as: Int.self), moment = try row.decode(column: "moment", as: String.self)
            let written = try await WriteGate.transaction(on: db) { tx -> Bool in
                // Once: a snapshot another server took first stays as it is.
                try await tx.sql.raw("""
                    INSERT INTO insight_snapshots (measurement_id, moment, day, value, numerator, denominator, census_day, definition_nl, definition_en, taken_at)
                    VALUES (\(bind: id), \(bind: moment), \(bind: day.iso), \(bind: reading.value), \(bind: reading.numerator), \(bind: reading.denominator),
                            \(bind: reading.censusDay?.iso), \(bind: indicator.definitionNL), \(bind: indicator.definitionEN), \(bind: now))
                    ON CONFLICT (measurement_id, moment) DO NOTHING RETURNING measurement_id
                    """).first() != nil
            }
            if written { taken += 1 }
        }
        return taken
    }

    func load(_ rows: [any SQLRow]) async throws -> [IndicatorMeasurement] {
        guard !rows.isEmpty else { return [] }
        let ids = try rows.map { try $0.decode(column: "id", as: Int.self) }
        var snapshots: [Int: [Snapshot]] = [:]
        for row in try await sql.raw("""
            SELECT * FROM insight_snapshots WHERE measurement_id IN (\(SQLQueryString(ids.map(String.init).joined(separator: ", ")))) ORDER BY moment DESC
            """).all() {
            snapshots[try row.decode(column: "measurement_id", as: Int.self), default: []].append(Snapshot(
                moment: Snapshot.Moment(rawValue: try row.decode(column: "moment", as: String.self)) ?? .start,
                day: LocalDate(iso: try row.decode(column: "day", as: String.self))!, value: try row.decode(column: "value", as: Double?.self),
                numerator: try row.decode(column: "numerator", as: Int?.self), denominator: try row.decode(column: "denominator", as: Int?.self),
                censusDay: try row.decode(column: "census_day", as: String?.self).flatMap(LocalDate.init(iso:)),
                definitionNL: try row.decode(column: "definition_nl", as: String.self), definitionEN: try row.decode(column: "definition_en", as: String.self),
                takenAt: try row.decode(column: "taken_at", as: Date.self)))
        }
        return try rows.map { row in
            let id = try row.decode(column: "id", as: Int.self)
            return IndicatorMeasurement(id: id, indicator: try row.decode(column: "indicator", as: String.self), branchID: try row.decode(column: "branch_id", as: UUID?.self),
                               title: try row.decode(column: "title", as: String.self), start: LocalDate(iso: try row.decode(column: "start_day", as: String.self))!,
                               end: LocalDate(iso: try row.decode(column: "end_day", as: String.self))!, target: try row.decode(column: "target", as: Double?.self),
                               createdAt: try row.decode(column: "created_at", as: Date.self), snapshots: snapshots[id] ?? [])
        }
    }
}

/// The measurements' tables.
struct CreateInsightMeasurements: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("insight_measurements")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("indicator", .string, .required)
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("start_day", .string, .required)
            .field("end_day", .string, .required)
            .field("target", .double)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("insight_snapshots")
            .field("measurement_id", .int64, .required, .references("insight_measurements", "id", onDelete: .cascade))
            .field("moment", .string, .required)
            .field("day", .string, .required)
            .field("value", .double)
            .field("numerator", .int64)
            .field("denominator", .int64)
            .field("census_day", .string)
            .field("definition_nl", .string, .required)
            .field("definition_en", .string, .required)
            .field("taken_at", .datetime, .required)
            .unique(on: "measurement_id", "moment")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema("insight_snapshots").delete()
        try await database.schema("insight_measurements").delete()
    }
}
