import BiebCore
import BiebStore
import Foundation
import OpenAPIKit
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

/// The OpenAPI document, built from OpenAPIKit values. This file has the
/// building blocks, the operations of organisations, branches, the catalogue,
/// lists and accounts, and puts every feature's paths and schemas together
/// (`CirculationOpenAPI`, `ProgrammeOpenAPI`, …). The values of an
/// enumeration come from the Swift enum behind it.
enum OpenAPIDocument {
    /// The document as served: JSON with sorted keys.
    static let json: Data = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(document)) ?? Data()
    }()

    /// A feature's paths, each with its operations.
    typealias Paths = OrderedDictionary<OpenAPI.Path, OpenAPI.PathItem>
    /// A feature's named schemas (`#/components/schemas/…`).
    typealias Schemas = OpenAPI.ComponentDictionary<JSONSchema>
    /// The properties of an object schema.
    typealias Properties = OrderedDictionary<String, JSONSchema>
    /// Responses by status code.
    typealias Responses = OrderedDictionary<OpenAPI.Response.StatusCode, OpenAPI.Response>

    // MARK: Building blocks: schemas

    static let string = JSONSchema.string
    static let int = JSONSchema.integer
    static let bool = JSONSchema.boolean
    static let number = JSONSchema.number
    static let uuid = JSONSchema.string(format: .uuid)
    static let date = JSONSchema.string(format: .date)
    static let dateTime = JSONSchema.string(format: .dateTime)
    /// Any JSON object.
    static let anyObject = JSONSchema.object
    static let nullableString = nullable(string)
    static let nullableInt = nullable(int)
    static let nullableBool = nullable(bool)
    static let nullableUUID = nullable(uuid)
    static let nullableDate = nullable(date)
    static let nullableDateTime = nullable(dateTime)
    /// The id of a record in its own schema: the server sets it.
    static let readOnlyID = JSONSchema.string(format: .uuid, permissions: .readOnly)

    static func ref(_ name: String) -> JSONSchema { .reference(.component(named: name)) }
    static func array(_ item: JSONSchema) -> JSONSchema { .array(items: item) }
    static func nullable(_ schema: JSONSchema) -> JSONSchema { schema.nullableSchemaObject() }
    /// A named schema, or null.
    static func refOrNull(_ name: String) -> JSONSchema { .one(of: [ref(name), .null()]) }

    /// An object whose properties may be left out, except those named in `required`.
    static func object(_ properties: Properties, required: [String] = [], nullable: Bool = false) -> JSONSchema {
        var marked = Properties()
        for (name, schema) in properties {
            marked[name] = required.contains(name) ? schema.requiredSchemaObject() : schema.optionalSchemaObject()
        }
        return .object(nullable: nullable, properties: marked)
    }

    /// A string that is one of `values`.
    static func enumeration(_ values: [String]) -> JSONSchema {
        .string(allowedValues: values.map { AnyCodable($0) })
    }

    /// A string that is one of the raw values of a Swift enum: the document
    /// lists the cases the code has.
    static func enumeration<Choice>(_: Choice.Type) -> JSONSchema
    where Choice: CaseIterable & RawRepresentable, Choice.RawValue == String {
        enumeration(Choice.allCases.map(\.rawValue))
    }

    /// A body of one content type.
    static func content(_ type: OpenAPI.ContentType, _ schema: JSONSchema) -> OpenAPI.Content.Map {
        [type: .content(OpenAPI.Content(schema: schema))]
    }

    static func json(_ schema: JSONSchema) -> OpenAPI.Content.Map { content(.json, schema) }

    // MARK: Building blocks: parameters

    /// A path parameter that is an id (a UUID).
    static func pathParam(_ name: String, _ description: String) -> OpenAPI.Parameter {
        .path(name: name, schema: uuid, description: description)
    }

    /// A path parameter that is a number (a loan, a hold, a message).
    static func intParam(_ name: String, _ description: String) -> OpenAPI.Parameter {
        .path(name: name, schema: int, description: description)
    }

    /// A path parameter that is a name or a code, not an id (a slug, a key from a link).
    static func textParam(_ name: String, _ description: String, _ schema: JSONSchema = string) -> OpenAPI.Parameter {
        .path(name: name, schema: schema, description: description)
    }

    static func query(_ name: String, _ description: String, _ schema: JSONSchema = string, required: Bool = false) -> OpenAPI.Parameter {
        .query(name: name, required: required, schema: schema, description: description)
    }

    static let branchID = pathParam("branchID", "Branch id")
    /// Desk routes take a branch's slug as well as its id.
    static let branchIDOrSlug = textParam("branchID", "Branch id or slug")
    static let orgParam = textParam("org", "Organisation slug")
    static let titleParam = intParam("titleID", "Title id")
    /// The minimum service level that counts as open: any level but closed.
    static let level = query("level", "Minimum service level that counts as open (default self_service).",
                             enumeration(ServiceLevel.allCases.filter { $0 != .closed }.map(\.rawValue)))

    // MARK: Building blocks: responses and operations

    /// A response with a JSON body, or none.
    static func response(_ description: String, _ schema: JSONSchema? = nil) -> OpenAPI.Response {
        .init(description: description, content: schema.map(json) ?? [:])
    }

    /// A response whose body is an `Error`.
    static func error(_ description: String) -> OpenAPI.Response { response(description, ref("Error")) }

    static let errors: Responses = [
        400: error("Bad input; the body names the field."),
        404: error("Not found (also: another organisation's record)."),
        415: error("The body is not JSON (or a form)."),
        503: error("The database is busy for now (code busy); try again after Retry-After seconds."),
    ]

    /// A 429 for operations that are throttled or rate-limited (with Retry-After).
    static let tooMany: Responses = [
        429: error("Too many tries or sends from here (too_many_attempts, rate_limited, …); wait Retry-After seconds."),
    ]

    static let authErrors: Responses = [
        401: error("No valid bearer token."),
        403: error("The account's role may not do this."),
    ]

    /// The security requirement of one scheme (`bearer`, `basic`, `member`).
    static func requiring(_ scheme: String) -> [OpenAPI.SecurityRequirement] { [[.component(named: scheme): []]] }

    /// An operation from its parts: a JSON request body (required when given) and all its responses.
    static func operation(_ summary: String, tag: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil,
                          responses: Responses, security: [OpenAPI.SecurityRequirement]? = nil) -> OpenAPI.Operation {
        OpenAPI.Operation(tags: [tag], summary: summary, parameters: params.map { .parameter($0) },
                          requestBody: body.map { OpenAPI.Request(content: json($0), required: true) },
                          responses: responses.mapValues { .response($0) }, security: security)
    }

    /// An operation of the JSON API with the usual errors (and 401 and 403
    /// with `auth`, which needs a bearer token) and `extra`; `status` answers
    /// `response` as its body ("OK"), or no body ("Done").
    static func op(_ summary: String, tag: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil,
                   status: Int = 200, response: JSONSchema? = nil, auth: Bool = false, extra: Responses = [:]) -> OpenAPI.Operation {
        var responses = errors
        if auth { responses.merge(authErrors) { $1 } }
        responses.merge(extra) { $1 }
        responses[.status(code: status)] = response.map { Self.response("OK", $0) } ?? Self.response("Done")
        return operation(summary, tag: tag, params: params, body: body, responses: responses, security: auth ? requiring("bearer") : nil)
    }

    // MARK: The document

    static let document = OpenAPI.Document(
        openAPIVersion: .v3_1_0,
        info: .init(
            title: "Bieb API",
            description: "The JSON API of Bieb, the open library services platform. Errors are "
                + "{\"error\": {\"code\", \"message\", \"field\"}} with a 4xx status. Messages follow Accept-Language (nl, en).",
            version: OperationsController.version),
        servers: URLTemplate(rawValue: "/").map { [OpenAPI.Server(urlTemplate: $0)] } ?? [],
        paths: merged(parts.map(\.paths)).mapValues { .pathItem($0) },
        components: .init(
            schemas: merged(parts.map(\.schemas)),
            securitySchemes: [
                "bearer": .securityScheme(.http(scheme: "bearer", description: "A token from POST /api/v1/auth/token")),
                "basic": .securityScheme(.http(scheme: "basic", description: "A door terminal's login and password")),
                "member": .securityScheme(.http(scheme: "bearer", description: "A member token from POST /api/v1/my/token")),
            ]),
        tags: ["operations", "organisations", "branches", "opening hours", "spaces", "partners", "catalogue", "lists", "members",
               "circulation", "auth", "users", "self-service"])

    /// The paths and schemas of this file and of each feature.
    static let parts: [(paths: Paths, schemas: Schemas)] = [
        (paths, schemas), (CirculationOpenAPI.paths, CirculationOpenAPI.schemas), (SelfServiceOpenAPI.paths, SelfServiceOpenAPI.schemas),
        (MemberAccountOpenAPI.paths, MemberAccountOpenAPI.schemas), (MessagesOpenAPI.paths, MessagesOpenAPI.schemas),
        (PrivacyOpenAPI.paths, PrivacyOpenAPI.schemas), (SpacesOpenAPI.paths, SpacesOpenAPI.schemas),
        (ProgrammeOpenAPI.paths, ProgrammeOpenAPI.schemas), (InsightsOpenAPI.paths, InsightsOpenAPI.schemas),
        (InsightSourcesOpenAPI.paths, InsightSourcesOpenAPI.schemas), (CollectionOpenAPI.paths, CollectionOpenAPI.schemas),
        (PlanningOpenAPI.paths, PlanningOpenAPI.schemas), (ResearchOpenAPI.paths, ResearchOpenAPI.schemas),
    ]

    /// The parts as one; where two define the same key, the first stays (a test checks that none do).
    static func merged<Key: Hashable, Value>(_ parts: [OrderedDictionary<Key, Value>]) -> OrderedDictionary<Key, Value> {
        var all = OrderedDictionary<Key, Value>()
        for part in parts { all.merge(part) { first, _ in first } }
        return all
    }

    // MARK: Operations, organisations, branches, catalogue, lists, accounts

    static let paths: Paths = [
        "/health": .init(get: op("Health: checks the database", tag: "operations", response: ref("Health"),
                                 extra: [503: response("Database unreachable", ref("Health"))])),
        "/metrics": .init(get: operation("Prometheus metrics (text format)", tag: "operations",
                                         responses: [200: .init(description: "OK", content: content(.txt, string))])),
        "/api/openapi.json": .init(get: operation("This document", tag: "operations", responses: [200: response("OK", anyObject)])),
        "/api/v1/organisations": .init(get: op("List organisations", tag: "organisations", response: array(ref("Organisation")))),
        "/api/v1/organisations/{org}/branches": .init(get: op(
            "List an organisation's branches with their opening status", tag: "branches",
            params: [
                orgParam,
                query("open_at", "Status at this instant (ISO 8601); default now.", dateTime),
                query("open", "Only branches open at open_at.", bool),
                query("kind", "Only branches of this kind.", enumeration(BranchKind.self)),
            ],
            response: array(ref("Branch")))),
        "/api/v1/branches": .init(post: op("Create a branch in your organisation", tag: "branches", body: ref("BranchInput"),
                                           status: 201, response: ref("Branch"), auth: true, extra: [409: error("Slug already used")])),
        "/api/v1/branches/{branchID}": .init(
            get: op("A branch with its current status", tag: "branches", params: [branchID], response: ref("Branch")),
            patch: op("Change a branch (any subset of fields)", tag: "branches", params: [branchID], body: ref("BranchInput"),
                      response: ref("Branch"), auth: true)),
        "/api/v1/branches/{branchID}/status": .init(get: op(
            "Is the branch open at an instant, at what level, until when, and when does it open next", tag: "opening hours",
            params: [branchID, query("at", "Instant (ISO 8601); default now.", dateTime)], response: ref("Status"))),
        "/api/v1/branches/{branchID}/opening-days": .init(get: op(
            "Opening days between two dates (inclusive, at most 367 days)", tag: "opening hours",
            params: [branchID, query("from", "First date", date, required: true), query("to", "Last date", date, required: true), level],
            response: object(["from": string, "to": string, "level": string, "days": array(date)]))),
        "/api/v1/branches/{branchID}/first-opening-day": .init(get: op(
            "The first opening day on or after a date", tag: "opening hours",
            params: [branchID, query("on_or_after", "Date (default today)", date), level],
            response: object(["on_or_after": string, "level": string, "date": nullableDate]))),
        "/api/v1/branches/{branchID}/opening-hours": .init(
            get: op("Weekly schedules and exceptions from a date", tag: "opening hours",
                    params: [branchID, query("from", "Exceptions ending on or after this date (default today)", date)],
                    response: ref("OpeningHours")),
            put: op("Replace all weekly schedules (exceptions stay)", tag: "opening hours", params: [branchID],
                    body: ref("OpeningHours"), response: ref("OpeningHours"), auth: true)),
        "/api/v1/branches/{branchID}/exceptions": .init(
            get: op("Exceptions ending on or after a date", tag: "opening hours",
                    params: [branchID, query("from", "Date (default today)", date)], response: array(ref("Exception"))),
            post: op("Add an exception (holiday, closure, special hours)", tag: "opening hours", params: [branchID],
                     body: ref("Exception"), status: 201, response: ref("Exception"), auth: true)),
        "/api/v1/branches/{branchID}/holidays": .init(post: op(
            "Add the Dutch public holidays of a year as exceptions", tag: "opening hours",
            params: [branchID, query("year", "Year", int, required: true)], status: 201,
            response: object(["year": int, "added": array(ref("Exception")), "skipped": array(date)]), auth: true)),
        "/api/v1/branches/{branchID}/exceptions/{exceptionID}": .init(
            put: op("Replace an exception", tag: "opening hours", params: [branchID, pathParam("exceptionID", "Exception id")],
                    body: ref("Exception"), response: ref("Exception"), auth: true),
            delete: op("Delete an exception", tag: "opening hours", params: [branchID, pathParam("exceptionID", "Exception id")],
                       status: 204, auth: true)),
        "/api/v1/branches/{branchID}/spaces": .init(
            get: op("Rooms, study areas and computers of a branch", tag: "spaces", params: [branchID], response: array(ref("Space"))),
            post: op("Add a space", tag: "spaces", params: [branchID], body: ref("Space"), status: 201, response: ref("Space"), auth: true)),
        "/api/v1/branches/{branchID}/spaces/{spaceID}": .init(
            delete: op("Delete a space", tag: "spaces", params: [branchID, pathParam("spaceID", "Space id")], status: 204, auth: true),
            patch: op("Change a space", tag: "spaces", params: [branchID, pathParam("spaceID", "Space id")],
                      body: ref("Space"), response: ref("Space"), auth: true)),
        "/api/v1/branches/{branchID}/partners": .init(get: op(
            "Partner organisations housed in the branch, with their role there", tag: "partners", params: [branchID],
            response: array(ref("Partner")))),
        "/api/v1/branches/{branchID}/partners/{partnerID}": .init(
            put: op("House a partner in the branch, or change its role there", tag: "partners",
                    params: [branchID, pathParam("partnerID", "Partner id")],
                    body: object(["role": .string(examples: ["Digi-spreekuur, dinsdag 10:00–12:00"])]),
                    response: array(ref("Partner")), auth: true),
            delete: op("End a partner's stay in the branch", tag: "partners",
                       params: [branchID, pathParam("partnerID", "Partner id")], status: 204, auth: true)),
        "/api/v1/partners": .init(
            get: op("Partner organisations of your organisation", tag: "partners", response: array(ref("Partner")), auth: true),
            post: op("Add a partner organisation", tag: "partners", body: ref("Partner"), status: 201, response: ref("Partner"), auth: true)),
        "/api/v1/partners/{partnerID}": .init(patch: op(
            "Change a partner organisation", tag: "partners", params: [pathParam("partnerID", "Partner id")],
            body: ref("Partner"), response: ref("Partner"), auth: true)),
        "/api/v1/organisations/{org}/search": .init(get: op(
            "Search the catalogue: works with their editions, availability per branch, and facets", tag: "catalogue",
            params: [orgParam,
                     query("q", "The search: words, \"phrases\", prefix*, title:/author:/subject:/isbn:, AND/OR/NOT, -word", required: true),
                     query("sort", "Order", enumeration(SearchSort.self)),
                     query("page", "Page (from 1)", int), query("per_page", "Works per page (1–100, default 20)", int),
                     query("format", "Only these formats (repeat or comma-separate)"), query("language", "Only these languages (dut, eng, …)"),
                     query("audience", "Only these audiences", enumeration(Audience.self)),
                     query("genre", "Only these genres (NUR codes, such as 301)"),
                     query("year_from", "From year", int), query("year_to", "Until year", int),
                     query("branch", "Only titles with a copy at this branch (slug)"),
                     query("available", "Only titles with a copy on the shelf now (at branch, if given)", bool),
                     query("facets", "Leave out facets with false", bool)],
            response: ref("SearchResult"))),
        "/api/v1/organisations/{org}/suggest": .init(get: op(
            "Titles and authors starting with what was typed", tag: "catalogue",
            params: [orgParam, query("q", "What was typed", required: true)],
            response: array(object(["text": string, "kind": enumeration(["title", "author"]), "url": nullableString])))),
        "/api/v1/organisations/{org}/titles/{titleID}": .init(get: op(
            "A title with all its fields, availability and other editions", tag: "catalogue", params: [orgParam, titleParam],
            response: ref("Title"))),
        "/api/v1/organisations/{org}/titles/{titleID}/marcxml": .init(get: operation(
            "A title as MARCXML, with its copies in 852", tag: "catalogue", params: [orgParam, titleParam],
            responses: [200: .init(description: "OK", content: content(.other("application/marcxml+xml"), string)),
                        404: error("Not found")])),
        "/api/v1/organisations/{org}/titles/{titleID}/items": .init(get: op(
            "The copies of a title", tag: "catalogue", params: [orgParam, titleParam], response: array(ref("Item")))),
        "/api/v1/organisations/{org}/lists": .init(get: op(
            "The organisation's public lists (displays)", tag: "lists", params: [orgParam], response: array(ref("TitleList")))),
        "/api/v1/organisations/{org}/lists/{slug}": .init(get: op(
            "A public list with its titles (and their availability) in order", tag: "lists",
            params: [orgParam, textParam("slug", "List slug")], response: ref("TitleListDetail"))),
        "/api/v1/organisations/{org}/branches/{branch}/new": .init(get: op(
            "New in the collection: titles a branch acquired in the last 90 days, newest first", tag: "lists",
            params: [orgParam, textParam("branch", "Branch slug")], response: array(ref("ListedTitle")))),
        "/api/v1/lists": .init(
            get: op("All lists of the account's organisation, public or not", tag: "lists", response: array(ref("TitleList")), auth: true),
            post: op("Create a list (volunteers: only for their own branch)", tag: "lists", body: ref("TitleListInput"),
                     status: 201, response: ref("TitleList"), auth: true, extra: [409: error("A list with that slug exists")])),
        "/api/v1/lists/{listID}": .init(
            get: op("A list with its titles", tag: "lists", params: [pathParam("listID", "List id")], response: ref("TitleListDetail"), auth: true),
            delete: op("Delete a list", tag: "lists", params: [pathParam("listID", "List id")], status: 204, auth: true),
            patch: op("Change a list's name, slug, description, branch or visibility", tag: "lists",
                      params: [pathParam("listID", "List id")], body: ref("TitleListInput"), response: ref("TitleList"), auth: true)),
        "/api/v1/lists/{listID}/titles": .init(post: op(
            "Add a title at the end of a list", tag: "lists", params: [pathParam("listID", "List id")],
            body: object(["title_id": int, "note": string], required: ["title_id"]),
            response: ref("TitleListDetail"), auth: true, extra: [409: error("The title is already on the list")])),
        "/api/v1/lists/{listID}/titles/{titleID}": .init(delete: op(
            "Take a title off a list", tag: "lists", params: [pathParam("listID", "List id"), titleParam], status: 204, auth: true)),
        "/api/v1/auth/token": .init(
            post: op("Sign in: exchange e-mail and password for a bearer token", tag: "auth", body: ref("Credentials"),
                     status: 201, response: ref("Token"),
                     extra: [401: error("Wrong e-mail or password"), 429: error("Too many failed attempts; see Retry-After")]),
            delete: op("Sign out: revoke the token used", tag: "auth", status: 204, auth: true)),
        "/api/v1/me": .init(get: op("The signed-in account", tag: "auth", response: ref("User"), auth: true)),
        "/api/v1/users": .init(
            get: op("Accounts of your organisation (admin)", tag: "users", response: array(ref("User")), auth: true),
            post: op("Create an account (admin)", tag: "users", body: ref("NewUser"), status: 201, response: ref("User"), auth: true,
                     extra: [409: error("E-mail address already used")])),
        "/api/v1/users/{userID}": .init(
            get: op("An account (admin)", tag: "users", params: [pathParam("userID", "Account id")], response: ref("User"), auth: true),
            patch: op("Change an account: name, role, branch, active, password (admin)", tag: "users",
                      params: [pathParam("userID", "Account id")], body: ref("UserPatch"), response: ref("User"), auth: true)),
    ]

    // MARK: Schemas

    static let time = JSONSchema.string(pattern: "^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$", examples: ["17:00"])
    static let levelSchema = enumeration(ServiceLevel.self)
    static let password = JSONSchema.string(format: .password, minLength: 10)
    static let role = enumeration(StaffRole.self)
    static let translations = object(["nl": string, "en": string])

    static let schemas: Schemas = [
        "Error": object(["error": object(["code": string, "message": string, "field": nullableString], required: ["code", "message"])],
                        required: ["error"]),
        "Health": object(["status": string, "database": string, "version": string]),
        "Organisation": object(["id": uuid, "slug": string, "name": string, "time_zone": string, "website": nullableString]),
        "Address": object(["street": string, "postcode": string, "city": string, "municipality": string]),
        "Location": object(["latitude": number, "longitude": number], required: ["latitude", "longitude"]),
        "SelfService": object(["minimum_age": int, "minimum_membership_days": int, "requires_terms_accepted": bool]),
        "Segment": object(["level": levelSchema, "from": dateTime, "until": dateTime]),
        "Status": object([
            "at": dateTime, "open": bool, "level": levelSchema, "until": nullableDateTime, "segments": array(ref("Segment")),
            "next_opening": refOrNull("Segment"), "text": .string(examples: ["Nu open, bemand tot 17:00, selfservice tot 22:00"]),
        ]),
        "Branch": object([
            "id": uuid, "organisation": string, "slug": string, "name": string, "kind": enumeration(BranchKind.self),
            "address": ref("Address"), "neighbourhood": string, "district": string, "location": refOrNull("Location"),
            "phone": string, "email": string, "description": translations, "self_service": ref("SelfService"),
            "facilities": object(["study_places": int, "rooms": int, "public_computers": int]),
            "active": bool, "url": string, "status": ref("Status"),
        ]),
        "BranchInput": object([
            "slug": string, "name": string, "kind": string, "address": ref("Address"), "neighbourhood": string, "district": string,
            "location": ref("Location"), "phone": string, "email": string, "description": translations,
            "self_service": ref("SelfService"), "active": bool,
        ]),
        "Period": object([
            "weekday": enumeration(Weekday.allCases.map(\.name)).with(description: "In weekly schedules only."),
            "opens": time, "closes": .all(of: time, description: "Not after opens: the period runs past midnight."), "level": levelSchema,
        ], required: ["opens", "closes", "level"]),
        "Schedule": object([
            "id": readOnlyID, "name": string, "valid_from": nullableDate.with(description: "Seasonal schedules only"),
            "valid_until": nullableDate, "periods": array(ref("Period")),
        ], required: ["periods"]),
        "Exception": object([
            "id": readOnlyID, "start_date": date, "end_date": date, "reason": string,
            "periods": .all(of: array(ref("Period")), description: "Empty: closed all day."), "closed": .boolean(permissions: .readOnly),
        ], required: ["start_date", "reason"]),
        "OpeningHours": object([
            "time_zone": .string(permissions: .readOnly), "schedules": array(ref("Schedule")),
            "exceptions": .all(of: [array(ref("Exception"))], core: .init(permissions: .readOnly)),
            "hours_per_week": .object(permissions: .readOnly, additionalProperties: .b(number)),
        ], required: ["schedules"]),
        "Space": object([
            "id": readOnlyID, "kind": enumeration(SpaceKind.self), "name": string, "capacity": .integer(minimum: (1, exclusive: false)),
            "bookable": bool, "notes": string,
            "facilities": array(string).with(description: "What a room offers (beamer, hearing loop); at most 12"),
        ], required: ["kind", "name", "capacity"]),
        "Partner": object([
            "id": readOnlyID, "name": string, "kind": enumeration(PartnerKind.self),
            "website": JSONSchema.string(format: .uri, nullable: true, description: "null: none"),
            "role": .string(permissions: .readOnly, description: "In a branch's list: what the partner does there."),
        ], required: ["name"]),
        "Availability": object([
            "branch_id": uuid, "branch": string, "on_shelf": int, "on_loan": int, "earliest_due": nullableDateTime,
            "in_transit": int, "on_hold_shelf": int,
        ]),
        "TitleList": object([
            "id": uuid, "slug": string, "name": string, "description": string, "branch": nullableString.with(description: "Branch slug"),
            "is_public": bool, "count": int, "url": string, "updated_at": dateTime,
        ]),
        "TitleListInput": object([
            "name": string, "slug": string, "description": string, "branch": string.with(description: "Branch slug; empty for none"),
            "is_public": bool,
        ]),
        "ListedTitle": object([
            "title": ref("TitleSummary"), "note": nullableString,
            "acquired": nullableDate.with(description: "New in the collection: when it arrived"),
        ]),
        "TitleListDetail": object(["list": ref("TitleList"), "titles": array(ref("ListedTitle"))]),
        "TitleSummary": object([
            "id": int, "title": string, "subtitle": nullableString, "author": nullableString, "year": nullableInt, "format": string,
            "language": nullableString, "isbn": nullableString, "url": string, "availability": array(ref("Availability")), "on_shelf": int,
        ]),
        "Facet": object(["value": string, "label": string, "count": int]),
        "SearchResult": object([
            "query": string, "total": int.with(description: "Matching works"), "title_count": int.with(description: "Matching titles"),
            "page": int, "per_page": int, "works": array(object(["key": string, "titles": array(ref("TitleSummary"))])),
            "facets": object([
                "format": array(ref("Facet")), "language": array(ref("Facet")), "audience": array(ref("Facet")),
                "genre": array(ref("Facet")), "decade": array(ref("Facet")), "branch": array(ref("Facet")), "available_now": int,
            ], nullable: true),
        ]),
        "Title": object([
            "id": int, "organisation": string, "control_number": nullableString, "title": string, "subtitle": nullableString,
            "responsibility": nullableString, "contributors": array(object(["name": string, "role": string, "main": bool])),
            "publisher": nullableString, "place": nullableString, "year": nullableInt, "edition": nullableString, "isbns": array(string),
            "language": nullableString, "format": string, "series": nullableString, "series_number": nullableString,
            "subjects": array(string), "summary": nullableString, "audience": nullableString, "age_min": nullableInt,
            "age_max": nullableInt, "avi": nullableString, "nur": nullableInt, "siso": nullableString, "cover": nullableString,
            "access_rule": nullableString, "link": nullableString, "availability": array(ref("Availability")),
            "other_editions": array(ref("TitleSummary")), "updated_at": dateTime,
        ]),
        "Item": object([
            "id": int, "barcode": string, "branch_id": uuid, "branch": string, "owning_branch_id": uuid, "call_number": string,
            "shelf_location": string, "status": enumeration(ItemStatus.self), "due_at": nullableDateTime,
        ]),
        "Credentials": object([
            "email": string, "password": .string(format: .password), "name": string.with(description: "Token label"),
        ], required: ["email", "password"]),
        "Token": object(["token": string, "token_type": string, "expires_at": dateTime, "user": ref("User")]),
        "User": object([
            "id": uuid, "organisation": string, "email": string, "name": string, "role": role, "branch_id": nullableUUID,
            "partner_id": nullableUUID, "active": bool, "last_login_at": nullableDateTime,
        ]),
        "NewUser": object([
            "email": string, "name": string, "role": role, "branch_id": uuid,
            "partner_id": uuid.with(description: "Required for a partner account"), "password": password,
        ], required: ["email", "name", "role", "password"]),
        "UserPatch": object([
            "name": string, "role": role, "branch_id": uuid, "partner_id": uuid, "active": bool, "password": password,
        ]),
    ]
}
