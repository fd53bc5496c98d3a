import Foundation

/// The self-service part of the OpenAPI document: SIP2 terminal accounts,
/// sort bins, members' PINs and terms, visits and the door endpoint.
enum SelfServiceOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI

    nonisolated(unsafe) static let terminalID = D.pathParam("terminalID", "Terminal id")

    static func op(_ summary: String, params: [[String: Any]] = [], body: [String: Any]? = nil, status: String = "200",
                   response: [String: Any]? = nil) -> [String: Any] {
        D.op(summary, tag: "self-service", params: params, body: body, status: status, response: response, auth: true,
             extra: ["409": ["description": "The login is already in use.", "content": D.json(D.ref("Error"))]])
    }

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/sip2/terminals": [
            "get": op("The organisation's SIP2 terminal accounts: kiosks, sorters, doors (admins)", response: D.array(D.ref("Terminal"))),
            "post": op("Add a terminal account with a password (admins); the messages default to what its kind needs",
                       body: D.ref("TerminalInput"), status: "201", response: D.ref("Terminal")),
        ],
        "/api/v1/sip2/terminals/{terminalID}": [
            "get": op("A terminal account (admins)", params: [terminalID], response: D.ref("Terminal")),
            "patch": op("Change a terminal: name, branch, kind, location code, language, messages, active, a new password (admins)",
                        params: [terminalID], body: D.ref("TerminalInput"), response: D.ref("Terminal")),
            "delete": op("Remove a terminal account (admins)", params: [terminalID], status: "204"),
        ],
        "/api/v1/branches/{branchID}/sort-bins": [
            "get": op("The bins a return sorter at this branch uses for holds, transit and the shelf", params: [D.branchIDOrSlug],
                      response: D.ref("SortBins")),
            "put": op("Set the branch's sort bins (admins)", params: [D.branchIDOrSlug], body: D.ref("SortBins"), response: D.ref("SortBins")),
        ],
        "/api/v1/members/{memberID}/pin": [
            "put": op("Set a member's PIN for kiosks and the door (4 to 6 digits); lifts a lock-out", params: [C.memberID],
                      body: ["type": "object", "required": ["pin"], "properties": ["pin": D.string]], response: D.ref("SelfServiceMember")),
            "delete": op("Remove a member's PIN", params: [C.memberID], response: D.ref("SelfServiceMember")),
        ],
        "/api/v1/members/{memberID}/self-service-terms": [
            "put": op("Record that the member accepted the self-service terms today (true) or withdrew (false)", params: [C.memberID],
                      body: ["type": "object", "required": ["accepted"], "properties": ["accepted": C.bool]], response: D.ref("SelfServiceMember")),
        ],
        "/api/v1/visits": [
            "get": op("Door entries per branch over a period (default the last 7 days); who came in is not kept",
                      params: [D.query("from", "First day", format: "date"), D.query("to", "Last day", format: "date")],
                      response: D.array(D.ref("VisitCount"))),
        ],
        "/api/v1/door/entry": [
            "post": [
                "summary": "A door controller asks whether a card (and PIN) may enter now; HTTP Basic with a door terminal's login",
                "tags": ["self-service"],
                "security": [["basic": [String]()]],
                "requestBody": ["required": true, "content": D.json(["type": "object", "required": ["card"],
                                                                      "properties": ["card": D.string, "pin": D.string]])],
                "responses": [
                    "200": ["description": "The decision (allowed or not, with the reason)", "content": D.json(D.ref("DoorDecision"))],
                    "429": ["description": "Too many wrong logins of this terminal from this address (Retry-After)", "content": D.json(D.ref("Error"))],
                    "400": ["description": "No card given", "content": D.json(D.ref("Error"))],
                    "401": ["description": "Unknown terminal or wrong password", "content": D.json(D.ref("Error"))],
                    "403": ["description": "The terminal is not a door controller", "content": D.json(D.ref("Error"))],
                ],
            ] as [String: Any],
        ],
    ]

    nonisolated(unsafe) static let kinds: [String: Any] = ["type": "string", "enum": ["kiosk", "sorter", "door"]]
    nonisolated(unsafe) static let messages: [String: Any] = D.array(["type": "string", "description": "SIP2 request code, e.g. 11"])

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "Terminal": ["type": "object", "properties": [
            "id": C.uuid, "name": D.string, "login": D.string, "kind": kinds, "branch": D.string, "branch_name": D.string,
            "location_code": C.nullableString, "language": ["type": "string", "enum": ["nl", "en"]], "allowed_messages": messages,
            "active": C.bool, "last_login_at": ["type": ["string", "null"], "format": "date-time"],
        ]],
        "TerminalInput": ["type": "object", "properties": [
            "name": D.string, "login": ["type": "string", "description": "3 to 40 letters, digits, . _ -; unique in the deployment"],
            "password": ["type": "string", "description": "8 to 128 characters; kept as a bcrypt hash"], "kind": kinds,
            "branch": ["type": "string", "description": "Branch id or slug"], "location_code": D.string,
            "language": ["type": "string", "enum": ["nl", "en"]], "allowed_messages": messages, "active": C.bool,
        ]],
        "SortBins": ["type": "object", "required": ["holds", "transit", "shelf"],
                     "properties": ["holds": D.string, "transit": D.string, "shelf": D.string]],
        "SelfServiceMember": ["type": "object", "properties": [
            "member_id": C.uuid, "has_pin": C.bool, "pin_locked_until": ["type": ["string", "null"], "format": "date-time"],
            "self_service_terms_accepted_on": C.nullableString,
        ]],
        "VisitCount": ["type": "object", "properties": [
            "branch": D.string, "name": D.string, "from": D.date, "to": D.date, "visits": C.int,
        ]],
        "DoorDecision": ["type": "object", "properties": [
            "allowed": C.bool, "valid_card": C.bool, "valid_pin": ["type": ["boolean", "null"]],
            "code": ["type": "string", "description": "allowed, branch_closed, too_young, membership_too_recent, terms_not_accepted, pin_required, wrong_pin, pin_locked, card_not_found, card_lost, or a block's code"],
            "message": ["type": "string", "description": "Why, in Dutch"], "message_en": ["type": "string", "description": "Why, in English"],
        ]],
    ]
}
