import BiebStore
import OpenAPIKit

/// The self-service part of the OpenAPI document: SIP2 terminal accounts,
/// sort bins, members' PINs and terms, visits and the door endpoint.
enum SelfServiceOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI

    static let terminalID = D.pathParam("terminalID", "Terminal id")

    static func op(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                   response: JSONSchema? = nil) -> OpenAPI.Operation {
        D.op(summary, tag: "self-service", params: params, body: body, status: status, response: response, auth: true,
             extra: [409: D.error("The login is already in use.")])
    }

    static let paths: D.Paths = [
        "/api/v1/sip2/terminals": .init(
            get: op("The organisation's SIP2 terminal accounts: kiosks, sorters, doors (admins)", response: D.array(D.ref("Terminal"))),
            post: op("Add a terminal account with a password (admins); the messages default to what its kind needs",
                     body: D.ref("TerminalInput"), status: 201, response: D.ref("Terminal"))),
        "/api/v1/sip2/terminals/{terminalID}": .init(
            get: op("A terminal account (admins)", params: [terminalID], response: D.ref("Terminal")),
            delete: op("Remove a terminal account (admins)", params: [terminalID], status: 204),
            patch: op("Change a terminal: name, branch, kind, location code, language, messages, active, a new password (admins)",
                      params: [terminalID], body: D.ref("TerminalInput"), response: D.ref("Terminal"))),
        "/api/v1/branches/{branchID}/sort-bins": .init(
            get: op("The bins a return sorter at this branch uses for holds, transit and the shelf", params: [D.branchIDOrSlug],
                    response: D.ref("SortBins")),
            put: op("Set the branch's sort bins (admins)", params: [D.branchIDOrSlug], body: D.ref("SortBins"), response: D.ref("SortBins"))),
        "/api/v1/members/{memberID}/pin": .init(
            put: op("Set a member's PIN for kiosks and the door (4 to 6 digits); lifts a lock-out", params: [C.memberID],
                    body: D.object(["pin": D.string], required: ["pin"]), response: D.ref("SelfServiceMember")),
            delete: op("Remove a member's PIN", params: [C.memberID], response: D.ref("SelfServiceMember"))),
        "/api/v1/members/{memberID}/self-service-terms": .init(
            put: op("Record that the member accepted the self-service terms today (true) or withdrew (false)", params: [C.memberID],
                    body: D.object(["accepted": D.bool], required: ["accepted"]), response: D.ref("SelfServiceMember"))),
        "/api/v1/visits": .init(
            get: op("Door entries per branch over a period (default the last 7 days); who came in is not kept",
                    params: [D.query("from", "First day", D.date), D.query("to", "Last day", D.date)],
                    response: D.array(D.ref("VisitCount")))),
        "/api/v1/door/entry": .init(post: D.operation(
            "A door controller asks whether a card (and PIN) may enter now; HTTP Basic with a door terminal's login", tag: "self-service",
            body: D.object(["card": D.string, "pin": D.string], required: ["card"]),
            responses: [
                200: D.response("The decision (allowed or not, with the reason)", D.ref("DoorDecision")),
                429: D.error("Too many wrong logins of this terminal from this address (Retry-After)"),
                400: D.error("No card given"),
                401: D.error("Unknown terminal or wrong password"),
                403: D.error("The terminal is not a door controller"),
            ],
            security: D.requiring("basic"))),
    ]

    static let kinds = D.enumeration(SIP2Terminal.Kind.self)
    static let messages = D.array(D.string.with(description: "SIP2 request code, e.g. 11"))
    static let language = D.enumeration(Language.self)

    static let schemas: D.Schemas = [
        "Terminal": D.object([
            "id": D.uuid, "name": D.string, "login": D.string, "kind": kinds, "branch": D.string, "branch_name": D.string,
            "location_code": D.nullableString, "language": language, "allowed_messages": messages,
            "active": D.bool, "last_login_at": D.nullableDateTime,
        ]),
        "TerminalInput": D.object([
            "name": D.string, "login": D.string.with(description: "3 to 40 letters, digits, . _ -; unique in the deployment"),
            "password": D.string.with(description: "8 to 128 characters; kept as a bcrypt hash"), "kind": kinds,
            "branch": D.string.with(description: "Branch id or slug"), "location_code": D.string,
            "language": language, "allowed_messages": messages, "active": D.bool,
        ]),
        "SortBins": D.object(["holds": D.string, "transit": D.string, "shelf": D.string], required: ["holds", "transit", "shelf"]),
        "SelfServiceMember": D.object([
            "member_id": D.uuid, "has_pin": D.bool, "pin_locked_until": D.nullableDateTime,
            "self_service_terms_accepted_on": D.nullableString,
        ]),
        "VisitCount": D.object(["branch": D.string, "name": D.string, "from": D.date, "to": D.date, "visits": D.int]),
        "DoorDecision": D.object([
            "allowed": D.bool, "valid_card": D.bool, "valid_pin": D.nullableBool,
            "code": D.string.with(description: "allowed, branch_closed, too_young, membership_too_recent, terms_not_accepted, pin_required, "
                                  + "wrong_pin, pin_locked, card_not_found, card_lost, or a block's code"),
            "message": D.string.with(description: "Why, in Dutch"), "message_en": D.string.with(description: "Why, in English"),
        ]),
    ]
}
