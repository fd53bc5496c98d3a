import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The branch network against the city: the organisation's planning norms,
/// its branches as planning sees them, each area's reach and profile, and
/// the focus recorded for a branch.
///
/// Members are counted per area from their postcode (its first four
/// digits, placed by the postcode table) when asked; nothing stored here
/// holds a member. Loans, active members and activities per area come from
/// the statistics' facts (`insight_facts`), which hold a postcode area, never a member.
public struct NetworkPlanning: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    static let settingsSchema = "planning_settings"
    static let focusSchema = "branch_focus"

    // MARK: Norms

    public func settings() async throws -> CoverageSettings {
        guard let row = try await sql.select().columns("norm", "maximum_distance", "detour_factor", "walking_speed").from(Self.settingsSchema)
            .where("organisation_id", .equal, organisationID).first() else { return CoverageSettings() }
        return CoverageSettings(norm: try row.decode(column: "norm", as: Int.self), maximumDistance: try row.decode(column: "maximum_distance", as: Double.self),
                                journey: Journey(detourFactor: try row.decode(column: "detour_factor", as: Double.self),
                                                 walkingSpeed: try row.decode(column: "walking_speed", as: Double.self)))
    }

    /// Sets the norms; each value out of its range is refused naming its field.
    public func setSettings(_ settings: CoverageSettings, now: Date = Date()) async throws {
        guard CoverageSettings.normRange.contains(settings.norm) else {
            throw BiebError.invalid("norm", "The norm is from 1,000 to 500,000 inhabitants a library.", nl: "De norm is 1.000 tot 500.000 inwoners per bibliotheek.")
        }
        guard CoverageSettings.distanceRange.contains(settings.maximumDistance) else {
            throw BiebError.invalid("maximum_distance", "The maximum distance is from 0.2 to 50 km.", nl: "De maximale afstand is 0,2 tot 50 km.")
        }
        guard (1.0...3.0).contains(settings.journey.detourFactor) else {
            throw BiebError.invalid("detour_factor", "The detour factor is from 1.0 to 3.0.", nl: "De omrijfactor is 1,0 tot 3,0.")
        }
        guard (2.0...8.0).contains(settings.journey.walkingSpeed) else {
            throw BiebError.invalid("walking_speed", "The walking speed is from 2 to 8 km an hour.", nl: "De loopsnelheid is 2 tot 8 km per uur.")
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.insert(into: Self.settingsSchema)
                .columns("organisation_id", "norm", "maximum_distance", "detour_factor", "walking_speed", "updated_at")
                .values(SQLBind(organisationID), SQLBind(settings.norm), SQLBind(settings.maximumDistance), SQLBind(settings.journey.detourFactor),
                        SQLBind(settings.journey.walkingSpeed), SQLBind(now))
                .onConflict(with: ["organisation_id"]) {
                    $0.set(excludedValueOf: "norm").set(excludedValueOf: "maximum_distance").set(excludedValueOf: "detour_factor")
                        .set(excludedValueOf: "walking_speed").set(excludedValueOf: "updated_at")
                }.run()
        }
    }

    // MARK: The network

    /// The organisation's open branches that have coordinates, by name; a branch without them cannot be placed and is left out.
    public func network() async throws -> [PlannedBranch] {
        try await sql.raw("""
            SELECT id, name, kind, latitude, longitude FROM branches
            WHERE organisation_id = \(bind: organisationID) AND active = \(bind: true) AND latitude IS NOT NULL AND longitude IS NOT NULL
            ORDER BY name
            """).all().compactMap { row in
            guard let kind = BranchKind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
            return PlannedBranch(id: try row.decode(column: "id", as: UUID.self).uuidString, name: try row.decode(column: "name", as: String.self),
                                 kind: kind, point: GeoPoint(latitude: try row.decode(column: "latitude", as: Double.self),
                                                             longitude: try row.decode(column: "longitude", as: Double.self)))
        }
    }

    /// What planning works on: the areas of a level that can be placed (a centroid and inhabitants), the network
    /// and the norms; the areas that cannot be placed are named apart.
    public struct Basis: Sendable {
        public var areas: [PlanningAreas.Area]
        public var planned: [PlanningArea]
        public var unplaced: [PlanningAreas.Area]
        public var branches: [PlannedBranch]
        public var settings: CoverageSettings
    }

    public func basis(level: AreaLevel = .district) async throws -> Basis {
        let all = try await PlanningAreas(db, organisationID: organisationID).all(level: level)
        var placed: [PlanningAreas.Area] = [], planned: [PlanningArea] = [], unplaced: [PlanningAreas.Area] = []
        for area in all {
            if let point = area.record.centroid, let inhabitants = area.record.inhabitants {
                placed.append(area)
                planned.append(PlanningArea(code: area.record.code, name: area.record.name, inhabitants: inhabitants, point: point))
            } else {
                unplaced.append(area)
            }
        }
        return Basis(areas: placed, planned: planned, unplaced: unplaced, branches: try await network(), settings: try await settings())
    }

    /// The network's coverage of the areas of a level.
    public func coverage(level: AreaLevel = .district) async throws -> (basis: Basis, coverage: Coverage) {
        let basis = try await basis(level: level)
        return (basis, Coverage.compute(areas: basis.planned, branches: basis.branches, settings: basis.settings))
    }

    // MARK: Area profiles

    /// What the library means to an area: its members (youth apart), the members active this year, loans in the last
    /// twelve months per inhabitant, activities at branches in the area, and how far each kind of branch is.
    public struct AreaProfile: Sendable {
        public var area: PlanningAreas.Area
        public var reach: AreaReach
        /// Members whose membership runs today, by their postcode.
        public var members: Int
        /// Of those, under 18.
        public var youthMembers: Int
        /// Members who borrowed, renewed or returned something this calendar year.
        public var activeMembers: Int
        /// Loans in the last twelve months by members living here.
        public var loans: Int
        /// Activity sessions in the last twelve months at branches in this area.
        public var activities: Int
        /// Branches in the area (by their postcode).
        public var branches: [String]

        public var inhabitants: Int { area.record.inhabitants ?? 0 }
        /// Members per 1,000 inhabitants.
        public var membersPerThousand: Double? { perThousand(members, of: inhabitants) }
        /// Youth members per 1,000 inhabitants under 15 (CBS's youngest group; members up to 17 count, so the figure leans high).
        public var youthPerThousand: Double? { perThousand(youthMembers, of: area.record.ages?.under15 ?? 0) }
        public var loansPerInhabitant: Double? { inhabitants > 0 ? Double(loans) / Double(inhabitants) : nil }

        func perThousand(_ count: Int, of people: Int) -> Double? { people > 0 ? Double(count) * 1_000 / Double(people) : nil }
    }

    /// Every placed area's profile, in the coverage's order (by code).
    public func profiles(today: LocalDate, level: AreaLevel = .district) async throws -> (basis: Basis, coverage: Coverage, profiles: [AreaProfile]) {
        let (basis, coverage) = try await coverage(level: level)
        let postcodes = try await PlanningAreas(db, organisationID: organisationID).postcodes()
        func area(_ postcode: String?) -> String? { postcode.flatMap { postcodes[String($0.prefix(4))] } }
        var members: [String: (all: Int, youth: Int)] = [:]
        let youthSince = today.adding(months: -18 * 12)
        // Grouped by the whole postcode, in the order of `members_postcode_idx` (no sort), and summed per postcode area here.
        for row in try await sql.raw("""
            SELECT postcode, COUNT(*) AS members, CAST(SUM(CASE WHEN birth_date > \(bind: youthSince.iso) THEN 1 ELSE 0 END) AS BIGINT) AS youth
            FROM members WHERE organisation_id = \(bind: organisationID) AND membership_end >= \(bind: today.iso)
            GROUP BY postcode
            """).all() {
            guard let code = area(try row.decode(column: "postcode", as: String?.self)) else { continue }
            let counted = (try row.decode(column: "members", as: Int.self), try row.decode(column: "youth", as: Int.self))
            members[code, default: (0, 0)].all += counted.0
            members[code, default: (0, 0)].youth += counted.1
        }
        // From the statistics' facts (`insight_facts_area_idx`): active members this calendar year, loans in the last twelve months.
        func perArea(_ kind: FactKind, since day: LocalDate, after: Bool) async throws -> [String: Int] {
            var counts: [String: Int] = [:]
            let from: SQLQueryString = after ? "day > \(bind: day.iso)" : "day >= \(bind: day.iso)"
            for row in try await sql.raw("""
                SELECT member_area, CAST(SUM(quantity) AS BIGINT) AS n FROM insight_facts
                WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: kind.rawValue) AND \(from) AND member_area IS NOT NULL
                GROUP BY member_area
                """).all() {
                guard let code = area(try row.decode(column: "member_area", as: String?.self)) else { continue }
                counts[code, default: 0] += try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
        let active = try await perArea(.activeMember, since: LocalDate(year: today.year, month: 1, day: 1)!, after: false)
        let loans = try await perArea(.loan, since: today.adding(months: -12), after: true)
        // Branches in an area: by their postcode, else the area whose centroid is nearest.
        var branchArea: [String: String] = [:]
        let placed = Set(basis.planned.map(\.code))
        for row in try await sql.raw("""
            SELECT id, postcode, latitude, longitude FROM branches WHERE organisation_id = \(bind: organisationID) AND active = \(bind: true)
            """).all() {
            let id = try row.decode(column: "id", as: UUID.self).uuidString
            if let code = area(try row.decode(column: "postcode", as: String.self)), placed.contains(code) {
                branchArea[id] = code
            } else if let lat = try row.decode(column: "latitude", as: Double?.self), let lon = try row.decode(column: "longitude", as: Double?.self) {
                branchArea[id] = PlanningArea.nearest(to: GeoPoint(latitude: lat, longitude: lon), in: basis.planned)?.code
            }
        }
        var sessions: [String: Int] = [:]
        for row in try await sql.raw("""
            SELECT branch_id, CAST(SUM(quantity) AS BIGINT) AS n FROM insight_facts
            WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: FactKind.activitySession.rawValue)
              AND day > \(bind: today.adding(months: -12).iso) AND branch_id IS NOT NULL
            GROUP BY branch_id
            """).all() {
            guard let code = branchArea[try row.decode(column: "branch_id", as: UUID.self).uuidString] else { continue }
            sessions[code, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        var branchesIn: [String: [String]] = [:]
        for (branch, code) in branchArea { branchesIn[code, default: []].append(branch) }
        let profiles = zip(basis.areas, coverage.areas).map { area, reach in
            let code = area.record.code
            return AreaProfile(area: area, reach: reach, members: members[code]?.all ?? 0, youthMembers: members[code]?.youth ?? 0,
                               activeMembers: active[code] ?? 0, loans: loans[code] ?? 0, activities: sessions[code] ?? 0,
                               branches: (branchesIn[code] ?? []).sorted())
        }
        return (basis, coverage, profiles)
    }

    // MARK: A branch's focus

    public struct Focus: Sendable, Equatable {
        public var branch: UUID
        public var focus: BranchFocus
        public var reason: String
        /// The area whose profile it was set from.
        public var area: String?
        public var setBy: String
        public var setAt: Date
    }

    /// Records a branch's focus with its reason (required); the earlier ones stay as its history.
    public func setFocus(branch: UUID, focus: BranchFocus, reason: String, area: String?, by staff: String, now: Date = Date()) async throws {
        let reason = reason.trimmed
        guard !reason.isEmpty else { throw BiebError.invalid("reason", "Say why: what in the area's profile asks for it.", nl: "Zeg waarom: wat in het gebiedsprofiel erom vraagt.") }
        guard reason.count <= 1_000 else { throw BiebError.invalid("reason", "A reason has at most 1,000 characters.", nl: "Een reden heeft hoogstens 1.000 tekens.") }
        guard try await sql.select().column("id").from(Branch.schema).where("id", .equal, branch).where("organisation_id", .equal, organisationID)
            .first() != nil else { throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.") }
        if let area { _ = try await PlanningAreas(db, organisationID: organisationID).area(area) }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.insert(into: Self.focusSchema).columns("organisation_id", "branch_id", "focus", "reason", "area_code", "set_by", "set_at")
                .values(SQLBind(organisationID), SQLBind(branch), SQLBind(focus.rawValue), SQLBind(reason), SQLBind(area?.uppercased()), SQLBind(staff),
                        SQLBind(now))
                .run()
        }
    }

    /// The focus of each branch that has one (the latest recorded).
    public func focus() async throws -> [UUID: Focus] {
        var latest: [UUID: Focus] = [:]
        for focus in try await focusHistory() where latest[focus.branch] == nil { latest[focus.branch] = focus }
        return latest
    }

    /// Every focus recorded, newest first (of one branch when given).
    public func focusHistory(branch: UUID? = nil) async throws -> [Focus] {
        var query = sql.select().columns("branch_id", "focus", "reason", "area_code", "set_by", "set_at").from(Self.focusSchema)
            .where("organisation_id", .equal, organisationID)
        if let branch { query = query.where("branch_id", .equal, branch) }
        return try await query.orderBy("id", .descending).all().compactMap { row in
            guard let focus = BranchFocus(rawValue: try row.decode(column: "focus", as: String.self)) else { return nil }
            return Focus(branch: try row.decode(column: "branch_id", as: UUID.self), focus: focus, reason: try row.decode(column: "reason", as: String.self),
                         area: try row.decode(column: "area_code", as: String?.self), setBy: try row.decode(column: "set_by", as: String.self),
                         setAt: try row.decode(column: "set_at", as: Date.self))
        }
    }
}
