import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Saved what-ifs for the branch network: branches opened at a point and
/// branches closed, with a name and a note. A scenario never changes the
/// real network: its outcome is worked out against the network as it is
/// when asked (`Scenario.outcome`), so two scenarios compare on the same footing.
public struct PlanningScenarios: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    static let schema = "planning_scenarios"
    static let changeSchema = "planning_scenario_changes"
    /// At most this many changes a scenario.
    public static let maximumChanges = 50

    public struct Saved: Sendable, Equatable {
        public var id: Int
        public var name: String
        public var note: String
        public var changes: [Scenario.Change]
        public var madeBy: String
        public var madeAt: Date
        public var scenario: Scenario { Scenario(changes: changes) }
    }

    /// Saves a scenario. A closed branch must be one of the organisation's; an opened one needs a name, a kind and a point
    /// in the Netherlands. Each refusal names the change (`change_2`).
    public func save(name: String, note: String, changes: [Scenario.Change], by staff: String, now: Date = Date()) async throws -> Int {
        let name = name.trimmed, note = note.trimmed
        guard !name.isEmpty, name.count <= 200 else {
            throw BiebError.invalid("name", "Give the scenario a name (at most 200 characters).", nl: "Geef het scenario een naam (hoogstens 200 tekens).")
        }
        guard note.count <= 2_000 else { throw BiebError.invalid("note", "A note has at most 2,000 characters.", nl: "Een notitie heeft hoogstens 2.000 tekens.") }
        guard !changes.isEmpty else {
            throw BiebError.invalid("changes", "Open or close at least one branch.", nl: "Open of sluit ten minste één vestiging.")
        }
        guard changes.count <= Self.maximumChanges else {
            throw BiebError.invalid("changes", "At most \(Self.maximumChanges) changes a scenario.", nl: "Hoogstens \(Self.maximumChanges) wijzigingen per scenario.")
        }
        let branches = Set(try await NetworkPlanning(db, organisationID: organisationID).network().map(\.id))
        var closed: Set<String> = []
        for (index, change) in changes.enumerated() {
            let field = "change_\(index + 1)"
            switch change {
            case .close(let branch):
                guard branches.contains(branch) else {
                    throw BiebError.invalid(field, "This branch is not in the network (open, with coordinates).",
                                            nl: "Deze vestiging hoort niet bij het netwerk (open, met coördinaten).")
                }
                guard closed.insert(branch).inserted else {
                    throw BiebError.invalid(field, "This branch is closed twice.", nl: "Deze vestiging wordt twee keer gesloten.")
                }
            case .open(let name, _, let point):
                guard !name.trimmed.isEmpty, name.count <= 200 else {
                    throw BiebError.invalid(field, "Give the new branch a name (at most 200 characters).", nl: "Geef de nieuwe vestiging een naam (hoogstens 200 tekens).")
                }
                guard GeoPoint.netherlands.contains(latitude: point.latitude, longitude: point.longitude) else {
                    throw BiebError.invalid(field, "The point is not in the Netherlands.", nl: "Het punt ligt niet in Nederland.")
                }
            }
        }
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            guard let id = try await tx.sql.raw("""
                INSERT INTO \(unsafeRaw: Self.schema) (organisation_id, name, note, made_by, made_at)
                VALUES (\(bind: organisationID), \(bind: name), \(bind: note), \(bind: staff), \(bind: now)) RETURNING id
                """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("scenario", nl: "Scenario niet gevonden.") }
            var insert = tx.sql.insert(into: Self.changeSchema).columns(Self.changeColumns)
            for (position, change) in changes.enumerated() {
                switch change {
                case .close(let branch):
                    insert = insert.values(SQLBind(id), SQLBind(position), SQLBind("close"), SQLBind(UUID(uuidString: branch)), SQLBind(""),
                                           SQLBind(String?.none), SQLBind(Double?.none), SQLBind(Double?.none))
                case .open(let name, let kind, let point):
                    insert = insert.values(SQLBind(id), SQLBind(position), SQLBind("open"), SQLBind(UUID?.none), SQLBind(name.trimmed),
                                           SQLBind(kind.rawValue), SQLBind(point.latitude), SQLBind(point.longitude))
                }
            }
            try await insert.run()
            return id
        }
    }

    static let changeColumns = ["scenario_id", "position", "action", "branch_id", "name", "kind", "latitude", "longitude"]

    /// The scenarios, newest first.
    public func all() async throws -> [Saved] {
        let rows = try await sql.select().columns("id", "name", "note", "made_by", "made_at").from(Self.schema)
            .where("organisation_id", .equal, organisationID).orderBy("id", .descending).all()
        let changes = try await self.changes(of: try rows.map { try $0.decode(column: "id", as: Int.self) })
        return try rows.map { try Self.saved($0, changes) }
    }

    public func scenario(_ id: Int) async throws -> Saved {
        guard let row = try await sql.select().columns("id", "name", "note", "made_by", "made_at").from(Self.schema)
            .where("organisation_id", .equal, organisationID).where("id", .equal, id).first() else {
            throw BiebError.notFound("scenario", nl: "Scenario niet gevonden.")
        }
        return try Self.saved(row, try await changes(of: [id]))
    }

    static func saved(_ row: any SQLRow, _ changes: [Int: [Scenario.Change]]) throws -> Saved {
        let id = try row.decode(column: "id", as: Int.self)
        return Saved(id: id, name: try row.decode(column: "name", as: String.self), note: try row.decode(column: "note", as: String.self),
                     changes: changes[id] ?? [], madeBy: try row.decode(column: "made_by", as: String.self),
                     madeAt: try row.decode(column: "made_at", as: Date.self))
    }

    func changes(of ids: [Int]) async throws -> [Int: [Scenario.Change]] {
        var changes: [Int: [Scenario.Change]] = [:]
        for chunk in ids.chunked(into: 500) {
            for row in try await sql.select().columns(Self.changeColumns.map { SQLColumn($0) }).from(Self.changeSchema)
                .where("scenario_id", .in, SQLBind.group(Array(chunk))).orderBy("scenario_id").orderBy("position").all() {
                let id = try row.decode(column: "scenario_id", as: Int.self)
                if try row.decode(column: "action", as: String.self) == "close", let branch = try row.decode(column: "branch_id", as: UUID?.self) {
                    changes[id, default: []].append(.close(branch: branch.uuidString))
                } else if let kind = try row.decode(column: "kind", as: String?.self).flatMap(BranchKind.init(rawValue:)),
                          let lat = try row.decode(column: "latitude", as: Double?.self), let lon = try row.decode(column: "longitude", as: Double?.self) {
                    changes[id, default: []].append(.open(name: try row.decode(column: "name", as: String.self), kind: kind,
                                                          point: GeoPoint(latitude: lat, longitude: lon)))
                }
            }
        }
        return changes
    }

    /// Deletes a scenario (the network is not touched).
    public func delete(_ id: Int) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            guard try await tx.sql.delete(from: Self.schema).where("organisation_id", .equal, organisationID).where("id", .equal, id)
                .returning("id").first() != nil else { throw BiebError.notFound("scenario", nl: "Scenario niet gevonden.") }
        }
    }

    /// A scenario's outcome against the network as it is today. A branch it closes that has since closed or gone
    /// changes nothing.
    public func outcome(_ id: Int, level: AreaLevel = .district) async throws -> (saved: Saved, basis: NetworkPlanning.Basis, outcome: Scenario.Outcome) {
        let (basis, outcomes) = try await outcomes(of: [id], level: level)
        return (outcomes[0].saved, basis, outcomes[0].outcome)
    }

    /// Several scenarios' outcomes against the same network, read and worked out once.
    public func outcomes(of ids: [Int], level: AreaLevel = .district) async throws -> (basis: NetworkPlanning.Basis, [(saved: Saved, outcome: Scenario.Outcome)]) {
        var saved: [Saved] = []
        for id in ids { saved.append(try await scenario(id)) }
        let basis = try await NetworkPlanning(db, organisationID: organisationID).basis(level: level)
        let before = Coverage.compute(areas: basis.planned, branches: basis.branches, settings: basis.settings)
        return (basis, saved.map { ($0, $0.scenario.outcome(areas: basis.planned, branches: basis.branches, settings: basis.settings, before: before)) })
    }
}
