import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The areas an organisation plans for — districts or neighbourhoods with
/// the national statistics' figures and a centroid — and the table that
/// places a postcode area (PC4) in one of them.
///
/// An import is all or nothing: a file with any bad line stores nothing and
/// answers every problem with its line. A good file's areas replace the
/// figures stored under their codes (other areas stay), in one transaction;
/// a postcode table replaces the whole table.
public struct PlanningAreas: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    static let schema = "planning_areas"
    static let postcodeSchema = "planning_postcodes"

    /// An area as stored: its figures, where they came from and when.
    public struct Area: Sendable, Equatable {
        public var record: AreaRecord
        /// What the import said the figures are ("CBS Kerncijfers wijken en buurten 2024").
        public var source: String
        public var importedAt: Date
    }

    /// What an import did: the areas (or postcodes) stored, or the problems that stopped it.
    public struct Outcome: Sendable {
        public var stored: Int
        public var problems: [ImportProblem]
        public var problemCount: Int
        public var accepted: Bool { problemCount == 0 }
    }

    static let columns = ["organisation_id", "code", "name", "level", "municipality", "inhabitants", "age_0_15", "age_15_25", "age_25_45",
                          "age_45_65", "age_65", "households", "hectares", "latitude", "longitude", "estimate", "source", "imported_at"]

    /// Imports a key figures file (`AreaStatistics`). Throws when the file as a whole cannot be read.
    public func importFigures(_ text: String, source: String, now: Date = Date()) async throws -> Outcome {
        let parsed = try AreaStatistics.parse(text)
        guard parsed.accepted else { return Outcome(stored: 0, problems: parsed.problems, problemCount: parsed.problemCount) }
        let source = String(source.trimmed.prefix(200))
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            for chunk in parsed.areas.chunked(into: 400) {
                var insert = tx.sql.insert(into: Self.schema).columns(Self.columns)
                for area in chunk {
                    let ages = area.ages?.all
                    insert = insert.values([SQLBind(organisationID), SQLBind(area.code), SQLBind(area.name), SQLBind(area.level.rawValue),
                                            SQLBind(area.municipality), SQLBind(area.inhabitants), SQLBind(ages?[0]), SQLBind(ages?[1]),
                                            SQLBind(ages?[2]), SQLBind(ages?[3]), SQLBind(ages?[4]), SQLBind(area.households),
                                            SQLBind(area.hectares), SQLBind(area.centroid?.latitude), SQLBind(area.centroid?.longitude),
                                            SQLBind(area.estimate), SQLBind(source), SQLBind(now)] as [any SQLExpression])
                }
                try await insert.onConflict(with: ["organisation_id", "code"]) { conflict in
                    var conflict = conflict
                    for column in Self.updated(by: parsed.columns) { conflict = conflict.set(excludedValueOf: column) }
                    return conflict
                }.run()
            }
        }
        return Outcome(stored: parsed.areas.count, problems: [], problemCount: 0)
    }

    /// The stored columns a file with `columns` sets on an area already there: its own, the level, where they came from.
    static func updated(by columns: Set<AreaStatistics.Column>) -> [String] {
        let stored: [AreaStatistics.Column: [String]] = [
            .name: ["name"], .municipality: ["municipality"], .inhabitants: ["inhabitants"], .under15: ["age_0_15"], .from15to25: ["age_15_25"],
            .from25to45: ["age_25_45"], .from45to65: ["age_45_65"], .from65: ["age_65"], .households: ["households"], .hectares: ["hectares"],
            .latitude: ["latitude"], .longitude: ["longitude"], .estimate: ["estimate"],
        ]
        let set = Set(columns.flatMap { stored[$0] ?? [] } + ["level", "source", "imported_at"])
        return Self.columns.filter(set.contains)
    }

    /// Imports a postcode table (`PostcodeAreas`, to districts or to neighbourhoods), replacing the one there was.
    public func importPostcodes(_ text: String, level: AreaLevel = .district) async throws -> Outcome {
        let parsed = try PostcodeAreas.parse(text, level: level == .neighbourhood ? .neighbourhood : .district)
        guard parsed.accepted else { return Outcome(stored: 0, problems: parsed.problems, problemCount: parsed.problemCount) }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.delete(from: Self.postcodeSchema).where("organisation_id", .equal, organisationID).run()
            for chunk in parsed.areas.sorted(by: { $0.key < $1.key }).chunked(into: 1_000) {
                var insert = tx.sql.insert(into: Self.postcodeSchema).columns("organisation_id", "postcode", "area_code")
                for (postcode, area) in chunk { insert = insert.values(SQLBind(organisationID), SQLBind(postcode), SQLBind(area)) }
                try await insert.run()
            }
        }
        return Outcome(stored: parsed.areas.count, problems: [], problemCount: 0)
    }

    /// The areas, of one level when given, by code.
    public func all(level: AreaLevel? = nil) async throws -> [Area] {
        var query = sql.select().columns(Self.columns.map { SQLColumn($0) }).from(Self.schema).where("organisation_id", .equal, organisationID)
        if let level { query = query.where("level", .equal, level.rawValue) }
        return try await query.orderBy("code").all().map(Self.area)
    }

    /// One area, or a 404.
    public func area(_ code: String) async throws -> Area {
        guard let row = try await sql.select().columns(Self.columns.map { SQLColumn($0) }).from(Self.schema)
            .where("organisation_id", .equal, organisationID).where("code", .equal, code.uppercased()).first() else {
            throw BiebError.notFound("area", nl: "Gebied niet gevonden.")
        }
        return try Self.area(row)
    }

    static func area(_ row: any SQLRow) throws -> Area {
        let ages = try ["age_0_15", "age_15_25", "age_25_45", "age_45_65", "age_65"].map { try row.decode(column: $0, as: Int?.self) }
        let latitude = try row.decode(column: "latitude", as: Double?.self), longitude = try row.decode(column: "longitude", as: Double?.self)
        let code = try row.decode(column: "code", as: String.self)
        let record = AreaRecord(
            code: code, name: try row.decode(column: "name", as: String.self),
            level: AreaLevel(rawValue: try row.decode(column: "level", as: String.self)) ?? AreaLevel(code: code) ?? .district,
            municipality: try row.decode(column: "municipality", as: String.self), inhabitants: try row.decode(column: "inhabitants", as: Int?.self),
            ages: ages.allSatisfy { $0 != nil }
                ? AgeGroups(under15: ages[0]!, from15to25: ages[1]!, from25to45: ages[2]!, from45to65: ages[3]!, from65: ages[4]!) : nil,
            households: try row.decode(column: "households", as: Int?.self), hectares: try row.decode(column: "hectares", as: Int?.self),
            centroid: latitude.flatMap { lat in longitude.map { GeoPoint(latitude: lat, longitude: $0) } },
            estimate: try row.decode(column: "estimate", as: Bool.self))
        return Area(record: record, source: try row.decode(column: "source", as: String.self),
                    importedAt: try row.decode(column: "imported_at", as: Date.self))
    }

    /// Postcode area → area code.
    public func postcodes() async throws -> [String: String] {
        var map: [String: String] = [:]
        for row in try await sql.select().columns("postcode", "area_code").from(Self.postcodeSchema)
            .where("organisation_id", .equal, organisationID).all() {
            map[try row.decode(column: "postcode", as: String.self)] = try row.decode(column: "area_code", as: String.self)
        }
        return map
    }
}
