import BiebCore
import BiebStore
import OpenAPIKit

/// Network planning in the OpenAPI document: areas, reach, profiles (`viewPlanning`); imports, norms, focus and
/// scenarios (`managePlanning`).
enum PlanningOpenAPI {
    typealias D = OpenAPIDocument

    static func staff(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                      response: JSONSchema? = nil) -> OpenAPI.Operation {
        D.op(summary, tag: "planning", params: params, body: body, status: status, response: response, auth: true)
    }

    static let level = D.query("level", "district (default), neighbourhood or municipality", D.enumeration(AreaLevel.self))
    static let scenarioID = D.intParam("id", "Scenario id")

    static func csvImport(_ summary: String, params: [OpenAPI.Parameter] = []) -> OpenAPI.Operation {
        var operation = D.op(summary, tag: "planning", params: params, response: D.ref("PlanningImport"), auth: true,
                             extra: [422: D.response("Nothing imported: the problems, each with its line", D.ref("PlanningImport"))])
        operation.requestBody = .request(OpenAPI.Request(content: [.csv: .content(OpenAPI.Content(schema: D.string))], required: true))
        return operation
    }

    static func csv(_ summary: String) -> OpenAPI.Operation {
        var operation = staff(summary, params: [level])
        operation.responses[.status(code: 200)] = .response(OpenAPI.Response(description: "CSV", content: D.content(.csv, D.string)))
        return operation
    }

    static let paths: D.Paths = [
        "/api/v1/planning/areas": .init(
            get: staff("The areas imported, with the national statistics' figures and centroids", params: [level], response: D.array(D.ref("PlanningArea"))),
            post: csvImport("Import CBS's key figures for districts and neighbourhoods (CSV body; columns by name, their yearly suffixes ignored): all or nothing; an area's figures replace those stored under its code, only the columns the file has",
                            params: [D.query("source", "Where the figures come from (\"CBS Kerncijfers wijken en buurten 2024\")")])),
        "/api/v1/planning/postcodes": .init(post: csvImport(
            "Import a postcode-to-district table (CSV body: CBS's address table PC6;Huisnummer;Buurt;Wijk, or PC4;code), replacing the one there was; a postcode area goes to the district (or with level=neighbourhood, the neighbourhood) most of its lines name",
            params: [level])),
        "/api/v1/planning/settings": .init(
            get: staff("The planning norms", response: D.ref("PlanningSettings")),
            put: staff("Set the norms: inhabitants a library (1,000–500,000), the maximum distance in km (0.2–50), the detour factor (1.0–3.0) and walking speed (2–8 km/h); fields left out stay",
                       body: D.object(["norm": D.int, "maximum_distance": D.number, "detour_factor": D.number, "walking_speed": D.number]),
                       response: D.ref("PlanningSettings"))),
        "/api/v1/planning/coverage": .init(get: staff(
            "The network against the norm: each area's nearest library (its catchment) and nearest location of each kind, the gaps (further than the maximum distance), each library's inhabitants against the norm, the kinds counted",
            params: [level], response: D.ref("PlanningCoverage"))),
        "/api/v1/planning/coverage.csv": .init(get: csv("Each area's reach as CSV")),
        "/api/v1/planning/profiles": .init(get: staff(
            "Each area's profile: inhabitants by age, members per 1,000 inhabitants (youth apart), active members, loans in 12 months per inhabitant, activities, the distance to each kind of branch and the focus of its library; counts under 5 are \"<5\" with the rates made from them left out",
            params: [level], response: D.array(D.ref("PlanningProfile")))),
        "/api/v1/planning/profiles.csv": .init(get: csv("The area profiles as CSV")),
        "/api/v1/planning/focus": .init(
            get: staff("The focus of each branch that has one", response: D.array(D.ref("PlanningFocus"))),
            put: staff("Record a branch's focus with its reason (the earlier ones stay as its history)",
                       body: D.object(["branch": D.string, "focus": D.enumeration(BranchFocus.self), "reason": D.string, "area": D.nullableString],
                                      required: ["branch", "focus", "reason"]), response: D.ref("PlanningFocus"))),
        "/api/v1/planning/scenarios": .init(
            get: staff("The saved scenarios, newest first", response: D.array(D.ref("PlanningScenario"))),
            post: staff("Save a scenario: branches opened at a point and branches closed (the network is never changed); answers its outcome",
                        body: D.object(["name": D.string, "note": D.string, "changes": D.array(D.object([
                            "action": D.enumeration(["open", "close"]), "branch": D.string, "name": D.string, "kind": D.enumeration(BranchKind.self),
                            "latitude": D.number, "longitude": D.number], required: ["action"]))], required: ["name", "changes"]),
                        status: 201, response: D.ref("PlanningOutcome"))),
        "/api/v1/planning/scenarios/compare": .init(get: staff(
            "Scenarios side by side, each against the network as it is",
            params: [D.query("ids", "One to six scenario ids, comma-separated", required: true), level], response: D.array(D.ref("PlanningOutcome")))),
        "/api/v1/planning/scenarios/{id}": .init(
            get: staff("A scenario's outcome: inhabitants covered and lost, the change in average distance, the network before and after",
                       params: [scenarioID, level], response: D.ref("PlanningOutcome")),
            delete: staff("Delete a scenario", params: [scenarioID], status: 204)),
    ]

    static let place = D.object(["branch": D.string, "slug": D.nullableString, "name": D.string, "distance_km": D.number, "walking_minutes": D.int],
                                required: ["branch", "name", "distance_km", "walking_minutes"])
    static let ages = D.nullable(D.object(["0_15": D.int, "15_25": D.int, "25_45": D.int, "45_65": D.int, "65_plus": D.int]))

    static let schemas: D.Schemas = [
        "PlanningImport": D.object(["imported": D.bool, "stored": D.int, "problems": D.array(D.object(["line": D.nullableInt, "code": D.string, "message": D.string], required: ["code", "message"])),
                                    "problem_count": D.int],
                                   required: ["imported", "stored", "problems", "problem_count"]),
        "PlanningArea": D.object([
            "code": D.string, "name": D.string, "level": D.enumeration(AreaLevel.self), "municipality": D.string, "inhabitants": D.nullableInt,
            "ages": ages, "households": D.nullableInt, "hectares": D.nullableInt, "latitude": D.nullable(D.number), "longitude": D.nullable(D.number),
            "estimate": D.bool, "source": D.string, "imported_at": D.dateTime,
        ], required: ["code", "name", "level", "municipality", "estimate", "source", "imported_at"]),
        "PlanningSettings": D.object(["norm": D.int, "maximum_distance": D.number, "detour_factor": D.number, "walking_speed": D.number],
                                     required: ["norm", "maximum_distance", "detour_factor", "walking_speed"]),
        "PlanningCoverage": D.object([
            "settings": D.ref("PlanningSettings"), "inhabitants": D.int, "within_reach": D.int, "average_distance_km": D.number,
            "average_walking_minutes": D.int, "libraries": D.int, "libraries_needed": D.int, "kinds": D.object([:]),
            "gaps": D.array(D.string), "over_norm": D.array(D.string), "unplaced": D.array(D.string),
            "areas": D.array(D.object(["code": D.string, "name": D.string, "inhabitants": D.int, "library": D.nullable(place),
                                       "nearest": D.object([:]), "gap": D.bool], required: ["code", "name", "inhabitants", "nearest", "gap"])),
            "catchments": D.array(D.object(["branch": D.string, "slug": D.nullableString, "name": D.string, "kind": D.string, "inhabitants": D.int,
                                            "areas": D.int, "farthest_km": D.number, "over_norm": D.bool],
                                           required: ["branch", "name", "kind", "inhabitants", "areas", "farthest_km", "over_norm"])),
        ], required: ["settings", "inhabitants", "within_reach", "average_distance_km", "average_walking_minutes", "libraries", "libraries_needed",
                      "kinds", "gaps", "over_norm", "unplaced", "areas", "catchments"]),
        "PlanningProfile": D.object([
            "code": D.string, "name": D.string, "estimate": D.bool, "inhabitants": D.int, "ages": ages, "members": D.string, "youth_members": D.string,
            "active_members": D.string, "members_per_1000": D.nullable(D.number), "youth_members_per_1000_under_15": D.nullable(D.number),
            "loans": D.string, "loans_per_inhabitant": D.nullable(D.number), "activities": D.int, "branches": D.array(D.string),
            "library": D.nullable(place), "nearest": D.object([:]), "gap": D.bool, "focus": D.nullableString, "focus_reason": D.nullableString,
        ], required: ["code", "name", "estimate", "inhabitants", "members", "youth_members", "active_members", "loans", "activities", "branches",
                      "nearest", "gap"]),
        "PlanningFocus": D.object(["branch": D.string, "focus": D.enumeration(BranchFocus.self), "reason": D.string, "area": D.nullableString,
                                   "set_by": D.string, "set_at": D.dateTime], required: ["branch", "focus", "reason", "set_by", "set_at"]),
        "PlanningScenario": D.object([
            "id": D.int, "name": D.string, "note": D.string, "made_by": D.string, "made_at": D.dateTime,
            "changes": D.array(D.object(["action": D.enumeration(["open", "close"]), "branch": D.nullableString, "name": D.nullableString,
                                         "kind": D.nullableString, "latitude": D.nullable(D.number), "longitude": D.nullable(D.number)],
                                        required: ["action"])),
        ], required: ["id", "name", "note", "made_by", "made_at", "changes"]),
        "PlanningOutcome": D.object([
            "scenario": D.ref("PlanningScenario"), "covered": D.int, "lost": D.int, "average_distance_change_km": D.number,
            "before": D.ref("PlanningCoverage"), "after": D.ref("PlanningCoverage"),
        ], required: ["scenario", "covered", "lost", "average_distance_change_km", "before", "after"]),
    ]
}
