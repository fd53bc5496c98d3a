import Foundation

/// A library location as network planning sees it: where it is and what kind.
public struct PlannedBranch: Sendable, Hashable, Codable {
    /// The branch's id, or a scenario's own for a branch it opens ("new-1").
    public var id: String
    public var name: String
    public var kind: BranchKind
    public var point: GeoPoint

    public init(id: String, name: String, kind: BranchKind, point: GeoPoint) {
        self.id = id
        self.name = name
        self.kind = kind
        self.point = point
    }

    /// Whether it is a library in the norm's sense: a central or district library with staff and a full
    /// collection. A volunteer neighbourhood library, an outreach point or a library in a partner's building is not.
    public var isLibrary: Bool { CoverageSettings.libraryKinds.contains(kind) }
}

/// An area to be served: a district or neighbourhood with its inhabitants and centroid.
public struct PlanningArea: Sendable, Hashable {
    public var code: String
    public var name: String
    public var inhabitants: Int
    public var point: GeoPoint

    public init(code: String, name: String, inhabitants: Int, point: GeoPoint) {
        self.code = code
        self.name = name
        self.inhabitants = inhabitants
        self.point = point
    }
}

/// The planning norms an organisation sets.
public struct CoverageSettings: Sendable, Hashable, Codable {
    /// Inhabitants one library serves: "a district library per service area of about 30,000 inhabitants".
    public var norm: Int
    /// An area whose nearest library is further than this (km, straight line) is a gap.
    public var maximumDistance: Double
    /// How a straight line is read as a journey.
    public var journey: Journey

    public init(norm: Int = 30_000, maximumDistance: Double = 1.5, journey: Journey = Journey()) {
        self.norm = norm
        self.maximumDistance = maximumDistance
        self.journey = journey
    }

    /// The kinds that count as a library for the norm.
    public static let libraryKinds: Set<BranchKind> = [.central, .district]
    /// The norm's bounds a setting must keep to.
    public static let normRange = 1_000...500_000
    public static let distanceRange = 0.2...50.0
}

/// The nearest location of one kind and how far it is (km, straight line).
public struct NearestBranch: Sendable, Hashable, Codable {
    public var branch: String
    public var distance: Double
}

/// Where an area stands: its nearest library (its catchment) and the nearest location of every kind.
public struct AreaReach: Sendable, Hashable {
    public var code: String
    public var inhabitants: Int
    /// The nearest library (central or district); nil when the network has none.
    public var library: NearestBranch?
    /// The nearest location of each kind.
    public var nearest: [BranchKind: NearestBranch]
    /// Further than the maximum distance from any library: a gap.
    public var isGap: Bool
}

/// A library's catchment: the areas for which it is the nearest library.
public struct Catchment: Sendable, Hashable {
    public var branch: String
    public var inhabitants: Int
    public var areas: Int
    /// The farthest area's distance (km).
    public var farthest: Double
    /// More inhabitants than the norm.
    public var overNorm: Bool
}

/// The network against the norm: every area's reach, every library's catchment, and the totals.
public struct Coverage: Sendable {
    public var settings: CoverageSettings
    public var areas: [AreaReach]
    /// One per library (central or district), also those no area is nearest to; most inhabitants first.
    public var catchments: [Catchment]
    public var inhabitants: Int
    /// Inhabitants of areas within the maximum distance of a library.
    public var withinReach: Int
    /// The average distance from an inhabitant's area to the nearest library (km, straight line; weighted by inhabitants).
    public var averageDistance: Double
    /// Locations counted by kind.
    public var kinds: [BranchKind: Int]
    /// The libraries there are.
    public var libraries: Int { kinds.filter { $0.key.isLibraryKind }.values.reduce(0, +) }
    /// The libraries the norm asks for: the inhabitants ÷ the norm, rounded up.
    public var librariesNeeded: Int { settings.norm > 0 ? (inhabitants + settings.norm - 1) / settings.norm : 0 }
    /// The gaps, most inhabitants first.
    public var gaps: [AreaReach] { areas.filter(\.isGap).sorted { ($1.inhabitants, $0.code) < ($0.inhabitants, $1.code) } }
    /// The libraries serving more inhabitants than the norm.
    public var overNorm: [Catchment] { catchments.filter(\.overNorm) }

    /// Works out the coverage of `areas` by `branches`.
    ///
    /// Each area goes to its nearest library by straight line from its centroid. The nearest location is found by the
    /// local flat distance (longitude scaled by the cosine of the area's latitude: within a country it ranks as the
    /// great circle does), then measured on the great circle (`Geo.distance`). 13,000 areas against 1,300 locations
    /// are 17 million comparisons of a few multiplications each.
    public static func compute(areas: [PlanningArea], branches: [PlannedBranch], settings: CoverageSettings = CoverageSettings()) -> Coverage {
        let kinds = BranchKind.allCases
        let kindIndex = Dictionary(uniqueKeysWithValues: kinds.enumerated().map { ($1, $0) })
        let lats = branches.map(\.point.latitude), lons = branches.map(\.point.longitude)
        let kindOf = branches.map { kindIndex[$0.kind]! }
        var reaches: [AreaReach] = []
        reaches.reserveCapacity(areas.count)
        var loads: [String: (inhabitants: Int, areas: Int, farthest: Double)] = [:]
        for branch in branches where branch.isLibrary { loads[branch.id] = (0, 0, 0) }
        var total = 0, within = 0
        var weighted = 0.0, weight = 0
        for area in areas {
            let lat = area.point.latitude, lon = area.point.longitude
            let scale = cos(lat * .pi / 180)
            var best = [Double](repeating: .infinity, count: kinds.count)
            var which = [Int](repeating: -1, count: kinds.count)
            for j in 0..<lats.count {
                let dy = lats[j] - lat, dx = (lons[j] - lon) * scale
                let d = dx * dx + dy * dy
                let k = kindOf[j]
                if d < best[k] { best[k] = d; which[k] = j }
            }
            var nearest: [BranchKind: NearestBranch] = [:]
            for (k, kind) in kinds.enumerated() where which[k] >= 0 {
                nearest[kind] = NearestBranch(branch: branches[which[k]].id, distance: Geo.distance(area.point, branches[which[k]].point))
            }
            let library = kinds.filter(\.isLibraryKind).compactMap { nearest[$0] }.min { ($0.distance, $0.branch) < ($1.distance, $1.branch) }
            let isGap = library.map { $0.distance > settings.maximumDistance } ?? true
            total += area.inhabitants
            if !isGap { within += area.inhabitants }
            if let library {
                weighted += library.distance * Double(area.inhabitants)
                weight += area.inhabitants
                var load = loads[library.branch]!
                load.inhabitants += area.inhabitants
                load.areas += 1
                load.farthest = max(load.farthest, library.distance)
                loads[library.branch] = load
            }
            reaches.append(AreaReach(code: area.code, inhabitants: area.inhabitants, library: library, nearest: nearest, isGap: isGap))
        }
        let catchments = loads.map { id, load in
            Catchment(branch: id, inhabitants: load.inhabitants, areas: load.areas, farthest: load.farthest, overNorm: load.inhabitants > settings.norm)
        }.sorted { ($1.inhabitants, $0.branch) < ($0.inhabitants, $1.branch) }
        var counted: [BranchKind: Int] = [:]
        for branch in branches { counted[branch.kind, default: 0] += 1 }
        return Coverage(settings: settings, areas: reaches, catchments: catchments, inhabitants: total, withinReach: within,
                        averageDistance: weight > 0 ? weighted / Double(weight) : 0, kinds: counted)
    }
}

extension PlanningArea {
    /// The area whose centroid is nearest to `point` (ranked by the local flat distance, as `Coverage.compute` ranks).
    public static func nearest(to point: GeoPoint, in areas: [PlanningArea]) -> PlanningArea? {
        let scale = cos(point.latitude * .pi / 180)
        return areas.min { a, b in
            let (ay, ax) = (a.point.latitude - point.latitude, (a.point.longitude - point.longitude) * scale)
            let (by, bx) = (b.point.latitude - point.latitude, (b.point.longitude - point.longitude) * scale)
            return ay * ay + ax * ax < by * by + bx * bx
        }
    }
}

extension BranchKind {
    /// Central and district libraries: the norm's libraries.
    public var isLibraryKind: Bool { CoverageSettings.libraryKinds.contains(self) }
}

/// A what-if for the network: branches opened at a point and branches closed, never touching the real network.
public struct Scenario: Sendable, Hashable, Codable {
    public enum Change: Sendable, Hashable, Codable {
        case open(name: String, kind: BranchKind, point: GeoPoint)
        case close(branch: String)
    }

    public var changes: [Change]

    public init(changes: [Change]) { self.changes = changes }

    /// The network with the changes made: closed branches gone, opened ones added (ids "new-1", "new-2", … in order).
    public func apply(to branches: [PlannedBranch]) -> [PlannedBranch] {
        let closed = Set(changes.compactMap { if case .close(let id) = $0 { id } else { nil } })
        var result = branches.filter { !closed.contains($0.id) }
        var opened = 0
        for change in changes {
            guard case .open(let name, let kind, let point) = change else { continue }
            opened += 1
            result.append(PlannedBranch(id: "new-\(opened)", name: name, kind: kind, point: point))
        }
        return result
    }

    /// What the scenario does against the network as it is.
    public struct Outcome: Sendable {
        public var before: Coverage
        public var after: Coverage
        /// Inhabitants of areas that were gaps and are within reach after.
        public var covered: Int
        /// Inhabitants of areas that were within reach and are gaps after.
        public var lost: Int
        /// After minus before (km; negative: nearer).
        public var averageDistanceChange: Double { after.averageDistance - before.averageDistance }
    }

    /// `before`: the network's coverage as it is, when already worked out (several scenarios against one network).
    public func outcome(areas: [PlanningArea], branches: [PlannedBranch], settings: CoverageSettings = CoverageSettings(),
                        before known: Coverage? = nil) -> Outcome {
        let before = known ?? Coverage.compute(areas: areas, branches: branches, settings: settings)
        let after = Coverage.compute(areas: areas, branches: apply(to: branches), settings: settings)
        var covered = 0, lost = 0
        for (a, b) in zip(before.areas, after.areas) {
            if a.isGap && !b.isGap { covered += a.inhabitants }
            if !a.isGap && b.isGap { lost += a.inhabitants }
        }
        return Outcome(before: before, after: after, covered: covered, lost: lost)
    }
}
