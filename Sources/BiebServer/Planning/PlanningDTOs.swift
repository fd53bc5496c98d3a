import Foundation
import Vapor
import BiebCore
import BiebStore

/// Network planning as the API and the CSV show it. Distances in km (straight
/// line) with the walking minutes the norms' journey makes of them; counts of
/// members and loans per area pass `SmallCells` ("<5"), as any breakdown that
/// leaves a dashboard does.
enum PlanningDTO {
    /// A distance as the API gives it: km to two decimals (ten metres).
    static func km(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    struct Area: Content {
        let code: String
        let name: String
        let level: String
        let municipality: String
        let inhabitants: Int?
        let ages: [String: Int]?
        let households: Int?
        let hectares: Int?
        let latitude: Double?
        let longitude: Double?
        let estimate: Bool
        let source: String
        let imported_at: Date

        init(_ area: PlanningAreas.Area) {
            let r = area.record
            (code, name, level, municipality, inhabitants) = (r.code, r.name, r.level.rawValue, r.municipality, r.inhabitants)
            ages = r.ages.map { Dictionary(uniqueKeysWithValues: zip(["0_15", "15_25", "25_45", "45_65", "65_plus"], $0.all)) }
            (households, hectares, latitude, longitude) = (r.households, r.hectares, r.centroid?.latitude, r.centroid?.longitude)
            (estimate, source, imported_at) = (r.estimate, area.source, area.importedAt)
        }
    }

    struct ImportOutcome: Content {
        let imported: Bool
        let stored: Int
        let problems: [ImportProblemDTO]
        let problem_count: Int

        init(_ outcome: PlanningAreas.Outcome, english: Bool) {
            imported = outcome.accepted
            stored = outcome.stored
            problems = outcome.problems.map { ImportProblemDTO($0, english: english) }
            problem_count = outcome.problemCount
        }
    }

    struct Settings: Content {
        let norm: Int
        let maximum_distance: Double
        let detour_factor: Double
        let walking_speed: Double

        init(_ s: CoverageSettings) {
            (norm, maximum_distance, detour_factor, walking_speed) = (s.norm, s.maximumDistance, s.journey.detourFactor, s.journey.walkingSpeed)
        }
    }

    struct Place: Content {
        let branch: String
        let slug: String?
        let name: String
        let distance_km: Double
        let walking_minutes: Int

        init(_ nearest: NearestBranch, _ service: PlanningService, network: [PlannedBranch], journey: Journey) {
            let label = service.label(nearest.branch, in: network)
            (branch, slug, name) = (nearest.branch, label.slug, label.name)
            distance_km = km(nearest.distance)
            walking_minutes = Int(journey.walkingMinutes(nearest.distance).rounded())
        }
    }

    struct Reach: Content {
        let code: String
        let name: String
        let inhabitants: Int
        let library: Place?
        let nearest: [String: Place]
        let gap: Bool
    }

    struct Catchment: Content {
        let branch: String
        let slug: String?
        let name: String
        let kind: String
        let inhabitants: Int
        let areas: Int
        let farthest_km: Double
        let over_norm: Bool
    }

    struct Coverage: Content {
        let settings: Settings
        let inhabitants: Int
        let within_reach: Int
        let average_distance_km: Double
        let average_walking_minutes: Int
        let libraries: Int
        let libraries_needed: Int
        let kinds: [String: Int]
        let gaps: [String]
        let over_norm: [String]
        let unplaced: [String]
        let areas: [Reach]
        let catchments: [Catchment]

        init(_ basis: NetworkPlanning.Basis, _ coverage: BiebCore.Coverage, _ service: PlanningService) {
            let journey = coverage.settings.journey
            let names = Dictionary(uniqueKeysWithValues: basis.planned.map { ($0.code, $0.name) })
            func place(_ nearest: NearestBranch) -> Place { Place(nearest, service, network: basis.branches, journey: journey) }
            settings = Settings(coverage.settings)
            (inhabitants, within_reach) = (coverage.inhabitants, coverage.withinReach)
            average_distance_km = km(coverage.averageDistance)
            average_walking_minutes = Int(journey.walkingMinutes(coverage.averageDistance).rounded())
            (libraries, libraries_needed) = (coverage.libraries, coverage.librariesNeeded)
            kinds = Dictionary(uniqueKeysWithValues: coverage.kinds.map { ($0.key.rawValue, $0.value) })
            gaps = coverage.gaps.map(\.code)
            over_norm = coverage.overNorm.map { service.label($0.branch, in: basis.branches).slug ?? $0.branch }
            unplaced = basis.unplaced.map(\.record.code)
            areas = coverage.areas.map { reach in
                Reach(code: reach.code, name: names[reach.code] ?? reach.code, inhabitants: reach.inhabitants, library: reach.library.map(place),
                      nearest: Dictionary(uniqueKeysWithValues: reach.nearest.map { ($0.key.rawValue, place($0.value)) }), gap: reach.isGap)
            }
            let kindOf = Dictionary(uniqueKeysWithValues: basis.branches.map { ($0.id, $0.kind) })
            catchments = coverage.catchments.map { c in
                let label = service.label(c.branch, in: basis.branches)
                return Catchment(branch: c.branch, slug: label.slug, name: label.name, kind: kindOf[c.branch]?.rawValue ?? "", inhabitants: c.inhabitants,
                                 areas: c.areas, farthest_km: km(c.farthest), over_norm: c.overNorm)
            }
        }
    }

    struct Profile: Content {
        let code: String
        let name: String
        let estimate: Bool
        let inhabitants: Int
        let ages: [String: Int]?
        let members: String
        let youth_members: String
        let active_members: String
        let members_per_1000: Double?
        let youth_members_per_1000_under_15: Double?
        let loans: String
        let loans_per_inhabitant: Double?
        let activities: Int
        let branches: [String]
        let library: Place?
        let nearest: [String: Place]
        let gap: Bool
        let focus: String?
        let focus_reason: String?

        init(_ p: NetworkPlanning.AreaProfile, _ service: PlanningService, network: [PlannedBranch], journey: Journey, focus: [UUID: NetworkPlanning.Focus]) {
            func rounded(_ value: Double?, _ places: Double) -> Double? { value.map { ($0 * places).rounded() / places } }
            func place(_ nearest: NearestBranch) -> Place { Place(nearest, service, network: network, journey: journey) }
            code = p.area.record.code
            name = p.area.record.name
            estimate = p.area.record.estimate
            inhabitants = p.inhabitants
            ages = p.area.record.ages.map { Dictionary(uniqueKeysWithValues: zip(["0_15", "15_25", "25_45", "45_65", "65_plus"], $0.all)) }
            (members, youth_members, active_members) = (SmallCells.text(p.members), SmallCells.text(p.youthMembers), SmallCells.text(p.activeMembers))
            // A rate of a hidden count would give the count away.
            members_per_1000 = p.members < SmallCells.threshold ? nil : rounded(p.membersPerThousand, 10)
            youth_members_per_1000_under_15 = p.youthMembers < SmallCells.threshold ? nil : rounded(p.youthPerThousand, 10)
            loans = SmallCells.text(p.loans)
            loans_per_inhabitant = p.loans < SmallCells.threshold ? nil : rounded(p.loansPerInhabitant, 100)
            activities = p.activities
            branches = p.branches.map { service.label($0, in: network).slug ?? $0 }.sorted()
            library = p.reach.library.map(place)
            nearest = Dictionary(uniqueKeysWithValues: p.reach.nearest.map { ($0.key.rawValue, place($0.value)) })
            gap = p.reach.isGap
            let own = p.reach.library.flatMap { UUID(uuidString: $0.branch) }.flatMap { focus[$0] }
            (self.focus, focus_reason) = (own?.focus.rawValue, own?.reason)
        }
    }

    struct Focus: Content {
        let branch: String
        let focus: String
        let reason: String
        let area: String?
        let set_by: String
        let set_at: Date

        init(_ f: NetworkPlanning.Focus, _ service: PlanningService) {
            branch = service.branches.first { $0.id == f.branch }?.slug ?? f.branch.uuidString
            (focus, reason, area, set_by, set_at) = (f.focus.rawValue, f.reason, f.area, f.setBy, f.setAt)
        }
    }

    struct Change: Content {
        let action: String
        let branch: String?
        let name: String?
        let kind: String?
        let latitude: Double?
        let longitude: Double?

        init(_ change: Scenario.Change, _ service: PlanningService) {
            switch change {
            case .open(let name, let kind, let point):
                (action, branch, self.name, self.kind, latitude, longitude) = ("open", nil, name, kind.rawValue, point.latitude, point.longitude)
            case .close(let id):
                let slug = service.branches.first { $0.id.uuidString == id }?.slug ?? id
                (action, branch, name, kind, latitude, longitude) = ("close", slug, nil, nil, nil, nil)
            }
        }
    }

    struct ScenarioSummary: Content {
        let id: Int
        let name: String
        let note: String
        let made_by: String
        let made_at: Date
        let changes: [Change]

        init(_ s: PlanningScenarios.Saved, _ service: PlanningService) {
            (id, name, note, made_by, made_at) = (s.id, s.name, s.note, s.madeBy, s.madeAt)
            changes = s.changes.map { Change($0, service) }
        }
    }

    /// A scenario's outcome: the network before and after, side by side.
    struct ScenarioOutcome: Content {
        let scenario: ScenarioSummary
        let covered: Int
        let lost: Int
        let average_distance_change_km: Double
        let before: Coverage
        let after: Coverage

        init(_ saved: PlanningScenarios.Saved, _ basis: NetworkPlanning.Basis, _ outcome: Scenario.Outcome, _ service: PlanningService) {
            scenario = ScenarioSummary(saved, service)
            (covered, lost) = (outcome.covered, outcome.lost)
            average_distance_change_km = km(outcome.averageDistanceChange)
            before = Coverage(basis, outcome.before, service)
            var changed = basis
            changed.branches = saved.scenario.apply(to: basis.branches)
            after = Coverage(changed, outcome.after, service)
        }
    }
}
