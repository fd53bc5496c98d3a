import Foundation
import Vapor
import BiebCore
import BiebStore

/// Network planning's inputs as a client sends them — the API's JSON body and
/// the staff pages' forms alike — each with its one decoding. Numbers come
/// as numbers or text (`LooseText`); a decimal may have a comma ("1,5", `LooseText.decimal`).

/// The planning norms.
struct PlanningSettingsFields: Content {
    var norm: LooseText?
    var maximum_distance: LooseText?
    var detour_factor: LooseText?
    var walking_speed: LooseText?

    static let names: Set<String> = ["norm", "maximum_distance", "detour_factor", "walking_speed"]

    /// The norms given, the current ones where a field is left out.
    func decoded(current: CoverageSettings) throws -> CoverageSettings {
        var settings = current
        if let norm = try norm?.decimal("norm") {
            guard norm == norm.rounded() else { throw BiebError.invalid("norm", "Give a whole number of inhabitants.", nl: "Geef een heel aantal inwoners.") }
            settings.norm = Int(exactly: norm) ?? -1
        }
        if let distance = try maximum_distance?.decimal("maximum_distance") { settings.maximumDistance = distance }
        if let detour = try detour_factor?.decimal("detour_factor") { settings.journey.detourFactor = detour }
        if let speed = try walking_speed?.decimal("walking_speed") { settings.journey.walkingSpeed = speed }
        return settings
    }
}

/// A branch's focus with its reason, from an area's profile.
struct FocusFields: Content {
    var branch: String?
    var focus: String?
    var reason: String?
    var area: String?

    static let names: Set<String> = ["branch", "focus", "reason", "area"]

    func decoded(_ service: PlanningService) throws -> (branch: BranchLabel, focus: BranchFocus, reason: String, area: String?) {
        let branch = try service.branch(branch)
        guard let focus = focus.flatMap({ BranchFocus(rawValue: $0.trimmed) }) else {
            throw BiebError.invalid("focus", "Choose a focus.", nl: "Kies een profiel.")
        }
        let area = area?.trimmed.uppercased()
        return (branch, focus, reason ?? "", area?.isEmpty == false ? area : nil)
    }
}

/// A scenario: a name, a note and its changes, each opening a branch at a point or closing one.
struct ScenarioFields: Content {
    struct Change: Content {
        var action: String?
        var branch: String?
        var name: String?
        var kind: String?
        var latitude: LooseText?
        var longitude: LooseText?
    }

    var name: String?
    var note: String?
    var changes: [Change]?

    func decoded(_ service: PlanningService) throws -> (name: String, note: String, changes: [Scenario.Change]) {
        let changes = try (changes ?? []).enumerated().map { index, change -> Scenario.Change in
            let field = "change_\(index + 1)"
            switch change.action?.trimmed ?? "" {
            case "open":
                guard let kind = change.kind.flatMap({ BranchKind(rawValue: $0.trimmed) }) else {
                    throw BiebError.invalid(field, "Choose the kind of the new branch.", nl: "Kies het soort van de nieuwe vestiging.")
                }
                guard let latitude = try change.latitude?.decimal(field), let longitude = try change.longitude?.decimal(field) else {
                    throw BiebError.invalid(field, "Give the new branch's latitude and longitude.", nl: "Geef de breedte- en lengtegraad van de nieuwe vestiging.")
                }
                return .open(name: change.name ?? "", kind: kind, point: GeoPoint(latitude: latitude, longitude: longitude))
            case "close":
                return .close(branch: try service.branch(change.branch, field: field).id.uuidString)
            default:
                throw BiebError.invalid(field, "A change opens or closes a branch.", nl: "Een wijziging opent of sluit een vestiging.")
            }
        }
        return (name ?? "", note ?? "", changes)
    }
}

/// A file uploaded on the planning page (key figures or postcode areas), with where its figures come from.
struct PlanningUploadFields: Content {
    var file: File?
    var source: String?
}
