import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Network planning for one organisation, shared by its pages and its API:
/// who asks (`viewPlanning` to read, `managePlanning` to act), the
/// organisation's branches and today.
struct PlanningService {
    let user: StaffUser
    let organisation: Organisation
    let db: any Database
    let branches: [BranchLabel]

    static func make(_ req: Request, _ permission: Permission = .viewPlanning) async throws -> PlanningService {
        let user = try req.staff(permission)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return PlanningService(user: user, organisation: organisation, db: req.db, branches: try await req.branches.labels(of: user.organisationID))
    }

    var organisationID: UUID { organisation.id! }
    var today: LocalDate { LocalDate(Date(), in: organisation.zone) }
    var staffName: String { user.email }
    var planning: NetworkPlanning { NetworkPlanning(db, organisationID: organisationID) }
    var areas: PlanningAreas { PlanningAreas(db, organisationID: organisationID) }
    var scenarios: PlanningScenarios { PlanningScenarios(db, organisationID: organisationID) }

    /// A branch by slug or id.
    func branch(_ text: String?, field: String = "branch") throws -> BranchLabel {
        guard let branch = try branches.named(text, field: field) else { throw BiebError.invalid(field, "Choose a branch.", nl: "Kies een vestiging.") }
        return branch
    }

    /// A planned branch's name and slug: a branch of the organisation, or one a scenario opens.
    func label(_ id: String, in network: [PlannedBranch]) -> (name: String, slug: String?) {
        if let branch = branches.first(where: { $0.id.uuidString == id }) { return (branch.name, branch.slug) }
        return (network.first { $0.id == id }?.name ?? id, nil)
    }

    /// The network's coverage as the API and the CSV show it.
    func coverageDTO(level: AreaLevel = .district) async throws -> PlanningDTO.Coverage {
        let (basis, coverage) = try await planning.coverage(level: level)
        return PlanningDTO.Coverage(basis, coverage, self)
    }

    /// The areas' profiles as the API and the CSV show them (members and loans under 5 hidden).
    func profileDTOs(level: AreaLevel = .district) async throws -> [PlanningDTO.Profile] {
        let (basis, _, profiles) = try await planning.profiles(today: today, level: level)
        let focus = try await planning.focus()
        return profiles.map { PlanningDTO.Profile($0, self, network: basis.branches, journey: basis.settings.journey, focus: focus) }
    }

    /// The kinds of location by name, in the page's language (the map's legend, the tables).
    static func kindNames(_ page: StaffPages.Page) -> [BranchKind: String] {
        Dictionary(uniqueKeysWithValues: BranchKind.allCases.map { ($0, page.t("kind_\($0.rawValue)")) })
    }
}
