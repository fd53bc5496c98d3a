import Foundation
import Vapor

/// Serves the OpenAPI 3.1 document of the JSON API at `/api/openapi.json`.
/// A test checks that every registered `/api` route is described here and
/// that every path described here exists.
struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "openapi.json", use: document)
    }

    func document(req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: OpenAPIDocument.json))
    }
}

enum OpenAPIDocument {
    static let json: Data = {
        (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    }()

    // MARK: Building blocks

    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
    static func array(_ item: [String: Any]) -> [String: Any] { ["type": "array", "items": item] }
    static func json(_ schema: [String: Any]) -> [String: Any] { ["application/json": ["schema": schema]] }

    static func pathParam(_ name: String, _ description: String) -> [String: Any] {
        ["name": name, "in": "path", "required": true, "description": description, "schema": ["type": "string", "format": "uuid"]]
    }

    /// A path parameter that is a name or a code, not an id (a slug, a key from a link).
    static func textParam(_ name: String, _ description: String, values: [String]? = nil) -> [String: Any] {
        var schema: [String: Any] = ["type": "string"]
        if let values { schema["enum"] = values }
        return ["name": name, "in": "path", "required": true, "description": description, "schema": schema]
    }

    static func query(_ name: String, _ description: String, type: String = "string", format: String? = nil,
                      required: Bool = false, values: [String]? = nil) -> [String: Any] {
        var schema: [String: Any] = ["type": type]
        if let format { schema["format"] = format }
        if let values { schema["enum"] = values }
        return ["name": name, "in": "query", "required": required, "description": description, "schema": schema]
    }

    nonisolated(unsafe) static let errors: [String: Any] = [
        "400": ["description": "Bad input; the body names the field.", "content": json(ref("Error"))],
        "404": ["description": "Not found (also: another organisation's record).", "content": json(ref("Error"))],
        "415": ["description": "The body is not JSON (or a form).", "content": json(ref("Error"))],
        "503": ["description": "The database is busy for now (code busy); try again after Retry-After seconds.",
                "content": json(ref("Error"))],
    ]

    /// A 429 for operations that are throttled or rate-limited (with Retry-After).
    nonisolated(unsafe) static let tooMany: [String: Any] = [
        "429": ["description": "Too many tries or sends from here (too_many_attempts, rate_limited, …); wait Retry-After seconds.",
                "content": json(ref("Error"))],
    ]

    nonisolated(unsafe) static let authErrors: [String: Any] = [
        "401": ["description": "No valid bearer token.", "content": json(ref("Error"))],
        "403": ["description": "The account's role may not do this.", "content": json(ref("Error"))],
    ]

    static func op(_ summary: String, tag: String, params: [[String: Any]] = [], body: [String: Any]? = nil,
                   status: String = "200", response: [String: Any]? = nil, auth: Bool = false,
                   extra: [String: Any] = [:]) -> [String: Any] {
        var responses = errors
        if auth { responses.merge(authErrors) { $1 } }
        responses.merge(extra) { $1 }
        responses[status] = response.map { ["description": "OK", "content": json($0)] } ?? ["description": "Done"]
        var operation: [String: Any] = ["summary": summary, "tags": [tag], "responses": responses]
        if !params.isEmpty { operation["parameters"] = params }
        if let body { operation["requestBody"] = ["required": true, "content": json(body)] }
        if auth { operation["security"] = [["bearer": [String]()]] }
        return operation
    }

    nonisolated(unsafe) static let branchID = pathParam("branchID", "Branch id")
    /// Desk routes take a branch's slug as well as its id.
    nonisolated(unsafe) static let branchIDOrSlug = textParam("branchID", "Branch id or slug")
    nonisolated(unsafe) static let orgParam: [String: Any] = ["name": "org", "in": "path", "required": true,
                                                              "description": "Organisation slug", "schema": ["type": "string"]]
    nonisolated(unsafe) static let titleParam: [String: Any] = ["name": "titleID", "in": "path", "required": true,
                                                                "description": "Title id", "schema": ["type": "integer"]]
    nonisolated(unsafe) static let level = query("level", "Minimum service level that counts as open (default self_service).",
                             values: ["staffed", "self_service"])

    // MARK: The document

    nonisolated(unsafe) static let document: [String: Any] = [
        "openapi": "3.1.0",
        "info": [
            "title": "Bieb API",
            "version": OperationsController.version,
            "description": "The JSON API of Bieb, the open library services platform. Errors are "
                + "{\"error\": {\"code\", \"message\", \"field\"}} with a 4xx status. Messages follow Accept-Language (nl, en).",
        ],
        "servers": [["url": "/"]],
        "tags": [
            ["name": "operations"], ["name": "organisations"], ["name": "branches"], ["name": "opening hours"],
            ["name": "spaces"], ["name": "partners"], ["name": "catalogue"], ["name": "lists"], ["name": "members"], ["name": "circulation"],
            ["name": "auth"], ["name": "users"], ["name": "self-service"],
        ],
        "paths": (([
            "/health": ["get": op("Health: checks the database", tag: "operations", response: ref("Health"),
                                  extra: ["503": ["description": "Database unreachable", "content": json(ref("Health"))]])],
            "/metrics": ["get": ["summary": "Prometheus metrics (text format)", "tags": ["operations"],
                                 "responses": ["200": ["description": "OK", "content": ["text/plain": ["schema": ["type": "string"]]]]]]],
            "/api/openapi.json": ["get": ["summary": "This document", "tags": ["operations"],
                                          "responses": ["200": ["description": "OK", "content": json(["type": "object"])]]]],
            "/api/v1/organisations": ["get": op("List organisations", tag: "organisations", response: array(ref("Organisation")))],
            "/api/v1/organisations/{org}/branches": ["get": op(
                "List an organisation's branches with their opening status", tag: "branches",
                params: [
                    ["name": "org", "in": "path", "required": true, "description": "Organisation slug", "schema": ["type": "string"]],
                    query("open_at", "Status at this instant (ISO 8601); default now.", format: "date-time"),
                    query("open", "Only branches open at open_at.", type: "boolean"),
                    query("kind", "Only branches of this kind.", values: ["central", "district", "neighbourhood", "outreach_point", "partner_hosted"]),
                ],
                response: array(ref("Branch")))],
            "/api/v1/branches": ["post": op("Create a branch in your organisation", tag: "branches", body: ref("BranchInput"),
                                            status: "201", response: ref("Branch"), auth: true,
                                            extra: ["409": ["description": "Slug already used", "content": json(ref("Error"))]])],
            "/api/v1/branches/{branchID}": [
                "get": op("A branch with its current status", tag: "branches", params: [branchID], response: ref("Branch")),
                "patch": op("Change a branch (any subset of fields)", tag: "branches", params: [branchID], body: ref("BranchInput"),
                            response: ref("Branch"), auth: true),
            ],
            "/api/v1/branches/{branchID}/status": ["get": op(
                "Is the branch open at an instant, at what level, until when, and when does it open next", tag: "opening hours",
                params: [branchID, query("at", "Instant (ISO 8601); default now.", format: "date-time")], response: ref("Status"))],
            "/api/v1/branches/{branchID}/opening-days": ["get": op(
                "Opening days between two dates (inclusive, at most 367 days)", tag: "opening hours",
                params: [branchID, query("from", "First date", format: "date", required: true),
                         query("to", "Last date", format: "date", required: true), level],
                response: ["type": "object", "properties": ["from": ["type": "string"], "to": ["type": "string"],
                                                            "level": ["type": "string"], "days": array(["type": "string", "format": "date"])]])],
            "/api/v1/branches/{branchID}/first-opening-day": ["get": op(
                "The first opening day on or after a date", tag: "opening hours",
                params: [branchID, query("on_or_after", "Date (default today)", format: "date"), level],
                response: ["type": "object", "properties": ["on_or_after": ["type": "string"], "level": ["type": "string"],
                                                            "date": ["type": ["string", "null"], "format": "date"]]])],
            "/api/v1/branches/{branchID}/opening-hours": [
                "get": op("Weekly schedules and exceptions from a date", tag: "opening hours",
                          params: [branchID, query("from", "Exceptions ending on or after this date (default today)", format: "date")],
                          response: ref("OpeningHours")),
                "put": op("Replace all weekly schedules (exceptions stay)", tag: "opening hours", params: [branchID],
                          body: ref("OpeningHours"), response: ref("OpeningHours"), auth: true),
            ],
            "/api/v1/branches/{branchID}/exceptions": [
                "get": op("Exceptions ending on or after a date", tag: "opening hours",
                          params: [branchID, query("from", "Date (default today)", format: "date")], response: array(ref("Exception"))),
                "post": op("Add an exception (holiday, closure, special hours)", tag: "opening hours", params: [branchID],
                           body: ref("Exception"), status: "201", response: ref("Exception"), auth: true),
            ],
            "/api/v1/branches/{branchID}/holidays": ["post": op(
                "Add the Dutch public holidays of a year as exceptions", tag: "opening hours",
                params: [branchID, query("year", "Year", type: "integer", required: true)], status: "201",
                response: ["type": "object", "properties": ["year": ["type": "integer"], "added": array(ref("Exception")),
                                                            "skipped": array(["type": "string", "format": "date"])]], auth: true)],
            "/api/v1/branches/{branchID}/exceptions/{exceptionID}": [
                "put": op("Replace an exception", tag: "opening hours",
                          params: [branchID, pathParam("exceptionID", "Exception id")], body: ref("Exception"),
                          response: ref("Exception"), auth: true),
                "delete": op("Delete an exception", tag: "opening hours",
                             params: [branchID, pathParam("exceptionID", "Exception id")], status: "204", auth: true),
            ],
            "/api/v1/branches/{branchID}/spaces": [
                "get": op("Rooms, study areas and computers of a branch", tag: "spaces", params: [branchID], response: array(ref("Space"))),
                "post": op("Add a space", tag: "spaces", params: [branchID], body: ref("Space"), status: "201",
                           response: ref("Space"), auth: true),
            ],
            "/api/v1/branches/{branchID}/spaces/{spaceID}": [
                "patch": op("Change a space", tag: "spaces", params: [branchID, pathParam("spaceID", "Space id")],
                            body: ref("Space"), response: ref("Space"), auth: true),
                "delete": op("Delete a space", tag: "spaces", params: [branchID, pathParam("spaceID", "Space id")],
                             status: "204", auth: true),
            ],
            "/api/v1/branches/{branchID}/partners": ["get": op(
                "Partner organisations housed in the branch, with their role there", tag: "partners", params: [branchID],
                response: array(ref("Partner")))],
            "/api/v1/branches/{branchID}/partners/{partnerID}": [
                "put": op("House a partner in the branch, or change its role there", tag: "partners",
                          params: [branchID, pathParam("partnerID", "Partner id")],
                          body: ["type": "object", "properties": ["role": ["type": "string", "example": "Digi-spreekuur, dinsdag 10:00–12:00"]]],
                          response: array(ref("Partner")), auth: true),
                "delete": op("End a partner's stay in the branch", tag: "partners",
                             params: [branchID, pathParam("partnerID", "Partner id")], status: "204", auth: true),
            ],
            "/api/v1/partners": [
                "get": op("Partner organisations of your organisation", tag: "partners", response: array(ref("Partner")), auth: true),
                "post": op("Add a partner organisation", tag: "partners", body: ref("Partner"), status: "201",
                           response: ref("Partner"), auth: true),
            ],
            "/api/v1/partners/{partnerID}": ["patch": op(
                "Change a partner organisation", tag: "partners", params: [pathParam("partnerID", "Partner id")],
                body: ref("Partner"), response: ref("Partner"), auth: true)],
            "/api/v1/organisations/{org}/search": ["get": op(
                "Search the catalogue: works with their editions, availability per branch, and facets", tag: "catalogue",
                params: [orgParam,
                         query("q", "The search: words, \"phrases\", prefix*, title:/author:/subject:/isbn:, AND/OR/NOT, -word", required: true),
                         query("sort", "Order", values: ["relevance", "newest", "title", "author"]),
                         query("page", "Page (from 1)", type: "integer"), query("per_page", "Works per page (1–100, default 20)", type: "integer"),
                         query("format", "Only these formats (repeat or comma-separate)"), query("language", "Only these languages (dut, eng, …)"),
                         query("audience", "Only these audiences", values: ["preschool", "children", "young_adult", "adult"]),
                         query("genre", "Only these genres (NUR codes, such as 301)"),
                         query("year_from", "From year", type: "integer"), query("year_to", "Until year", type: "integer"),
                         query("branch", "Only titles with a copy at this branch (slug)"),
                         query("available", "Only titles with a copy on the shelf now (at branch, if given)", type: "boolean"),
                         query("facets", "Leave out facets with false", type: "boolean")],
                response: ref("SearchResult"))],
            "/api/v1/organisations/{org}/suggest": ["get": op(
                "Titles and authors starting with what was typed", tag: "catalogue",
                params: [orgParam, query("q", "What was typed", required: true)],
                response: array(["type": "object", "properties": ["text": string, "kind": ["type": "string", "enum": ["title", "author"]],
                                                                  "url": ["type": ["string", "null"]]]]))],
            "/api/v1/organisations/{org}/titles/{titleID}": ["get": op(
                "A title with all its fields, availability and other editions", tag: "catalogue", params: [orgParam, titleParam],
                response: ref("Title"))],
            "/api/v1/organisations/{org}/titles/{titleID}/marcxml": ["get": [
                "summary": "A title as MARCXML, with its copies in 852", "tags": ["catalogue"], "parameters": [orgParam, titleParam],
                "responses": ["200": ["description": "OK", "content": ["application/marcxml+xml": ["schema": ["type": "string"]]]],
                              "404": ["description": "Not found", "content": json(ref("Error"))]]]],
            "/api/v1/organisations/{org}/titles/{titleID}/items": ["get": op(
                "The copies of a title", tag: "catalogue", params: [orgParam, titleParam], response: array(ref("Item")))],
            "/api/v1/organisations/{org}/lists": ["get": op(
                "The organisation's public lists (displays)", tag: "lists", params: [orgParam], response: array(ref("TitleList")))],
            "/api/v1/organisations/{org}/lists/{slug}": ["get": op(
                "A public list with its titles (and their availability) in order", tag: "lists",
                params: [orgParam, textParam("slug", "List slug")], response: ref("TitleListDetail"))],
            "/api/v1/organisations/{org}/branches/{branch}/new": ["get": op(
                "New in the collection: titles a branch acquired in the last 90 days, newest first", tag: "lists",
                params: [orgParam, textParam("branch", "Branch slug")], response: array(ref("ListedTitle")))],
            "/api/v1/lists": [
                "get": op("All lists of the account's organisation, public or not", tag: "lists", response: array(ref("TitleList")), auth: true),
                "post": op("Create a list (volunteers: only for their own branch)", tag: "lists", body: ref("TitleListInput"),
                           status: "201", response: ref("TitleList"), auth: true,
                           extra: ["409": ["description": "A list with that slug exists", "content": json(ref("Error"))]]),
            ],
            "/api/v1/lists/{listID}": [
                "get": op("A list with its titles", tag: "lists", params: [pathParam("listID", "List id")],
                          response: ref("TitleListDetail"), auth: true),
                "patch": op("Change a list's name, slug, description, branch or visibility", tag: "lists",
                            params: [pathParam("listID", "List id")], body: ref("TitleListInput"), response: ref("TitleList"), auth: true),
                "delete": op("Delete a list", tag: "lists", params: [pathParam("listID", "List id")], status: "204", auth: true),
            ],
            "/api/v1/lists/{listID}/titles": ["post": op(
                "Add a title at the end of a list", tag: "lists", params: [pathParam("listID", "List id")],
                body: ["type": "object", "required": ["title_id"], "properties": ["title_id": ["type": "integer"], "note": string]],
                response: ref("TitleListDetail"), auth: true,
                extra: ["409": ["description": "The title is already on the list", "content": json(ref("Error"))]])],
            "/api/v1/lists/{listID}/titles/{titleID}": ["delete": op(
                "Take a title off a list", tag: "lists", params: [pathParam("listID", "List id"), titleParam], status: "204", auth: true)],
            "/api/v1/auth/token": [
                "post": op("Sign in: exchange e-mail and password for a bearer token", tag: "auth", body: ref("Credentials"),
                           status: "201", response: ref("Token"),
                           extra: ["401": ["description": "Wrong e-mail or password", "content": json(ref("Error"))],
                                   "429": ["description": "Too many failed attempts; see Retry-After", "content": json(ref("Error"))]]),
                "delete": op("Sign out: revoke the token used", tag: "auth", status: "204", auth: true),
            ],
            "/api/v1/me": ["get": op("The signed-in account", tag: "auth", response: ref("User"), auth: true)],
            "/api/v1/users": [
                "get": op("Accounts of your organisation (admin)", tag: "users", response: array(ref("User")), auth: true),
                "post": op("Create an account (admin)", tag: "users", body: ref("NewUser"), status: "201", response: ref("User"), auth: true,
                           extra: ["409": ["description": "E-mail address already used", "content": json(ref("Error"))]]),
            ],
            "/api/v1/users/{userID}": [
                "get": op("An account (admin)", tag: "users", params: [pathParam("userID", "Account id")], response: ref("User"), auth: true),
                "patch": op("Change an account: name, role, branch, active, password (admin)", tag: "users",
                            params: [pathParam("userID", "Account id")], body: ref("UserPatch"), response: ref("User"), auth: true),
            ],
        ] as [String: Any])).merging(CirculationOpenAPI.paths) { core, _ in core }.merging(SelfServiceOpenAPI.paths) { core, _ in core }
            .merging(MemberAccountOpenAPI.paths) { core, _ in core }.merging(MessagesOpenAPI.paths) { core, _ in core }
            .merging(PrivacyOpenAPI.paths) { core, _ in core }.merging(SpacesOpenAPI.paths) { core, _ in core }.merging(ProgrammeOpenAPI.paths) { core, _ in core },
        "components": [
            "securitySchemes": [
                "bearer": ["type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/auth/token"],
                "basic": ["type": "http", "scheme": "basic", "description": "A door terminal's login and password"],
                "member": ["type": "http", "scheme": "bearer", "description": "A member token from POST /api/v1/my/token"],
            ],
            "schemas": schemas.merging(CirculationOpenAPI.schemas) { core, _ in core }.merging(SelfServiceOpenAPI.schemas) { core, _ in core }
                .merging(MemberAccountOpenAPI.schemas) { core, _ in core }.merging(MessagesOpenAPI.schemas) { core, _ in core }
                .merging(PrivacyOpenAPI.schemas) { core, _ in core }.merging(SpacesOpenAPI.schemas) { core, _ in core }.merging(ProgrammeOpenAPI.schemas) { core, _ in core },
        ],
    ]

    nonisolated(unsafe) static let string: [String: Any] = ["type": "string"]
    nonisolated(unsafe) static let time: [String: Any] = ["type": "string", "pattern": "^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$", "example": "17:00"]
    nonisolated(unsafe) static let date: [String: Any] = ["type": "string", "format": "date"]
    nonisolated(unsafe) static let levelSchema: [String: Any] = ["type": "string", "enum": ["staffed", "self_service", "closed"]]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "Error": ["type": "object", "required": ["error"], "properties": [
            "error": ["type": "object", "required": ["code", "message"], "properties": [
                "code": string, "message": string, "field": ["type": ["string", "null"]],
            ]],
        ]],
        "Health": ["type": "object", "properties": ["status": string, "database": string, "version": string]],
        "Organisation": ["type": "object", "properties": [
            "id": ["type": "string", "format": "uuid"], "slug": string, "name": string, "time_zone": string,
            "website": ["type": ["string", "null"]],
        ]],
        "Address": ["type": "object", "properties": ["street": string, "postcode": string, "city": string, "municipality": string]],
        "Location": ["type": "object", "required": ["latitude", "longitude"],
                     "properties": ["latitude": ["type": "number"], "longitude": ["type": "number"]]],
        "SelfService": ["type": "object", "properties": [
            "minimum_age": ["type": "integer"], "minimum_membership_days": ["type": "integer"], "requires_terms_accepted": ["type": "boolean"],
        ]],
        "Segment": ["type": "object", "properties": ["level": levelSchema, "from": ["type": "string", "format": "date-time"],
                                                     "until": ["type": "string", "format": "date-time"]]],
        "Status": ["type": "object", "properties": [
            "at": ["type": "string", "format": "date-time"], "open": ["type": "boolean"], "level": levelSchema,
            "until": ["type": ["string", "null"], "format": "date-time"], "segments": array(ref("Segment")),
            "next_opening": ["oneOf": [ref("Segment"), ["type": "null"]]],
            "text": ["type": "string", "example": "Nu open, bemand tot 17:00, selfservice tot 22:00"],
        ]],
        "Branch": ["type": "object", "properties": [
            "id": ["type": "string", "format": "uuid"], "organisation": string, "slug": string, "name": string,
            "kind": ["type": "string", "enum": ["central", "district", "neighbourhood", "outreach_point", "partner_hosted"]],
            "address": ref("Address"), "neighbourhood": string, "district": string,
            "location": ["oneOf": [ref("Location"), ["type": "null"]]], "phone": string, "email": string,
            "description": ["type": "object", "properties": ["nl": string, "en": string]],
            "self_service": ref("SelfService"),
            "facilities": ["type": "object", "properties": ["study_places": ["type": "integer"], "rooms": ["type": "integer"],
                                                            "public_computers": ["type": "integer"]]],
            "active": ["type": "boolean"], "url": string, "status": ref("Status"),
        ]],
        "BranchInput": ["type": "object", "properties": [
            "slug": string, "name": string, "kind": string, "address": ref("Address"), "neighbourhood": string, "district": string,
            "location": ref("Location"), "phone": string, "email": string,
            "description": ["type": "object", "properties": ["nl": string, "en": string]],
            "self_service": ref("SelfService"), "active": ["type": "boolean"],
        ]],
        "Period": ["type": "object", "required": ["opens", "closes", "level"], "properties": [
            "weekday": ["type": "string", "enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
                        "description": "In weekly schedules only."],
            "opens": time, "closes": ["allOf": [time], "description": "Not after opens: the period runs past midnight."],
            "level": levelSchema,
        ]],
        "Schedule": ["type": "object", "required": ["periods"], "properties": [
            "id": ["type": "string", "format": "uuid", "readOnly": true], "name": string,
            "valid_from": ["type": ["string", "null"], "format": "date", "description": "Seasonal schedules only"],
            "valid_until": ["type": ["string", "null"], "format": "date"], "periods": array(ref("Period")),
        ]],
        "Exception": ["type": "object", "required": ["start_date", "reason"], "properties": [
            "id": ["type": "string", "format": "uuid", "readOnly": true], "start_date": date, "end_date": date, "reason": string,
            "periods": ["allOf": [array(ref("Period"))], "description": "Empty: closed all day."],
            "closed": ["type": "boolean", "readOnly": true],
        ]],
        "OpeningHours": ["type": "object", "required": ["schedules"], "properties": [
            "time_zone": ["type": "string", "readOnly": true], "schedules": array(ref("Schedule")),
            "exceptions": ["allOf": [array(ref("Exception"))], "readOnly": true],
            "hours_per_week": ["type": "object", "readOnly": true, "additionalProperties": ["type": "number"]],
        ]],
        "Space": ["type": "object", "required": ["kind", "name", "capacity"], "properties": [
            "id": ["type": "string", "format": "uuid", "readOnly": true],
            "kind": ["type": "string", "enum": ["room", "study_area", "computers"]], "name": string,
            "capacity": ["type": "integer", "minimum": 1], "bookable": ["type": "boolean"], "notes": string,
            "facilities": ["type": "array", "items": string, "description": "What a room offers (beamer, hearing loop); at most 12"],
        ]],
        "Partner": ["type": "object", "required": ["name"], "properties": [
            "id": ["type": "string", "format": "uuid", "readOnly": true], "name": string,
            "kind": ["type": "string", "enum": ["cultural", "social", "educational", "municipal", "other"]],
            "website": ["type": ["string", "null"], "format": "uri", "description": "null: none"],
            "role": ["type": "string", "readOnly": true, "description": "In a branch's list: what the partner does there."],
        ]],
        "Availability": ["type": "object", "properties": [
            "branch_id": ["type": "string", "format": "uuid"], "branch": string, "on_shelf": ["type": "integer"],
            "on_loan": ["type": "integer"], "earliest_due": ["type": ["string", "null"], "format": "date-time"],
            "in_transit": ["type": "integer"], "on_hold_shelf": ["type": "integer"],
        ]],
        "TitleList": ["type": "object", "properties": [
            "id": ["type": "string", "format": "uuid"], "slug": string, "name": string, "description": string,
            "branch": ["type": ["string", "null"], "description": "Branch slug"], "is_public": ["type": "boolean"],
            "count": ["type": "integer"], "url": string, "updated_at": ["type": "string", "format": "date-time"],
        ]],
        "TitleListInput": ["type": "object", "properties": [
            "name": string, "slug": string, "description": string, "branch": ["type": "string", "description": "Branch slug; empty for none"],
            "is_public": ["type": "boolean"],
        ]],
        "ListedTitle": ["type": "object", "properties": [
            "title": ref("TitleSummary"), "note": ["type": ["string", "null"]],
            "acquired": ["type": ["string", "null"], "format": "date", "description": "New in the collection: when it arrived"],
        ]],
        "TitleListDetail": ["type": "object", "properties": ["list": ref("TitleList"), "titles": array(ref("ListedTitle"))]],
        "TitleSummary": ["type": "object", "properties": [
            "id": ["type": "integer"], "title": string, "subtitle": ["type": ["string", "null"]], "author": ["type": ["string", "null"]],
            "year": ["type": ["integer", "null"]], "format": string, "language": ["type": ["string", "null"]],
            "isbn": ["type": ["string", "null"]], "url": string, "availability": array(ref("Availability")), "on_shelf": ["type": "integer"],
        ]],
        "Facet": ["type": "object", "properties": ["value": string, "label": string, "count": ["type": "integer"]]],
        "SearchResult": ["type": "object", "properties": [
            "query": string, "total": ["type": "integer", "description": "Matching works"],
            "title_count": ["type": "integer", "description": "Matching titles"], "page": ["type": "integer"], "per_page": ["type": "integer"],
            "works": array(["type": "object", "properties": ["key": string, "titles": array(ref("TitleSummary"))]]),
            "facets": ["type": ["object", "null"], "properties": [
                "format": array(ref("Facet")), "language": array(ref("Facet")), "audience": array(ref("Facet")),
                "genre": array(ref("Facet")), "decade": array(ref("Facet")), "branch": array(ref("Facet")), "available_now": ["type": "integer"],
            ]],
        ]],
        "Title": ["type": "object", "properties": [
            "id": ["type": "integer"], "organisation": string, "control_number": ["type": ["string", "null"]], "title": string,
            "subtitle": ["type": ["string", "null"]], "responsibility": ["type": ["string", "null"]],
            "contributors": array(["type": "object", "properties": ["name": string, "role": string, "main": ["type": "boolean"]]]),
            "publisher": ["type": ["string", "null"]], "place": ["type": ["string", "null"]], "year": ["type": ["integer", "null"]],
            "edition": ["type": ["string", "null"]], "isbns": array(string), "language": ["type": ["string", "null"]], "format": string,
            "series": ["type": ["string", "null"]], "series_number": ["type": ["string", "null"]], "subjects": array(string),
            "summary": ["type": ["string", "null"]], "audience": ["type": ["string", "null"]], "age_min": ["type": ["integer", "null"]],
            "age_max": ["type": ["integer", "null"]], "avi": ["type": ["string", "null"]], "nur": ["type": ["integer", "null"]],
            "siso": ["type": ["string", "null"]], "cover": ["type": ["string", "null"]], "access_rule": ["type": ["string", "null"]],
            "link": ["type": ["string", "null"]], "availability": array(ref("Availability")),
            "other_editions": array(ref("TitleSummary")), "updated_at": ["type": "string", "format": "date-time"],
        ]],
        "Item": ["type": "object", "properties": [
            "id": ["type": "integer"], "barcode": string, "branch_id": ["type": "string", "format": "uuid"], "branch": string,
            "owning_branch_id": ["type": "string", "format": "uuid"], "call_number": string, "shelf_location": string,
            "status": ["type": "string", "enum": ["available", "on_loan", "in_transit", "on_hold_shelf", "lost", "missing", "withdrawn"]],
            "due_at": ["type": ["string", "null"], "format": "date-time"],
        ]],
        "Credentials": ["type": "object", "required": ["email", "password"], "properties": [
            "email": string, "password": ["type": "string", "format": "password"], "name": ["type": "string", "description": "Token label"],
        ]],
        "Token": ["type": "object", "properties": [
            "token": string, "token_type": string, "expires_at": ["type": "string", "format": "date-time"], "user": ref("User"),
        ]],
        "User": ["type": "object", "properties": [
            "id": ["type": "string", "format": "uuid"], "organisation": string, "email": string, "name": string,
            "role": ["type": "string", "enum": ["admin", "staff", "volunteer", "partner", "privacy_officer"]],
            "branch_id": ["type": ["string", "null"], "format": "uuid"], "partner_id": ["type": ["string", "null"], "format": "uuid"],
            "active": ["type": "boolean"], "last_login_at": ["type": ["string", "null"], "format": "date-time"],
        ]],
        "NewUser": ["type": "object", "required": ["email", "name", "role", "password"], "properties": [
            "email": string, "name": string, "role": ["type": "string", "enum": ["admin", "staff", "volunteer", "partner", "privacy_officer"]],
            "branch_id": ["type": "string", "format": "uuid"], "partner_id": ["type": "string", "format": "uuid", "description": "Required for a partner account"],
            "password": ["type": "string", "format": "password", "minLength": 10],
        ]],
        "UserPatch": ["type": "object", "properties": [
            "name": string, "role": ["type": "string", "enum": ["admin", "staff", "volunteer", "partner", "privacy_officer"]],
            "branch_id": ["type": "string", "format": "uuid"], "partner_id": ["type": "string", "format": "uuid"], "active": ["type": "boolean"],
            "password": ["type": "string", "format": "password", "minLength": 10],
        ]],
    ]
}
