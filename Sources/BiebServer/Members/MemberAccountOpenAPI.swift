import Foundation

/// The member API in the OpenAPI document: `/api/v1/my/…`, with member
/// tokens (`Authorization: Bearer biebm_…`). Another member's account,
/// loan or hold is always a 404.
enum MemberAccountOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI

    nonisolated(unsafe) static let account = D.pathParam("member", "Account id: the signed-in member's own, or a youth member's they are guardian of")
    nonisolated(unsafe) static let loanID: [String: Any] = ["name": "loanID", "in": "path", "required": true, "description": "Loan id",
                                                            "schema": ["type": "integer"]]
    nonisolated(unsafe) static let holdID: [String: Any] = ["name": "holdID", "in": "path", "required": true, "description": "Hold id",
                                                            "schema": ["type": "integer"]]

    static func op(_ summary: String, params: [[String: Any]] = [], body: [String: Any]? = nil, status: String = "200",
                   response: [String: Any]? = nil, extra: [String: Any] = [:]) -> [String: Any] {
        var operation = D.op(summary, tag: "my account", params: params, body: body, status: status, response: response, extra: [
            "401": ["description": "No valid member token.", "content": D.json(D.ref("Error"))],
            "404": ["description": "Not found — also for any account, loan or hold that is not the member's to manage.",
                    "content": D.json(D.ref("Error"))],
            "409": ["description": "Refused by the rules; the body says why (the rule, in the member's language).",
                    "content": D.json(D.ref("Error"))],
        ].merging(extra) { $1 })
        operation["security"] = [["member": [String]()]]
        return operation
    }

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/my/token": [
            "post": [
                "summary": "Sign in as a member: card number and PIN, or e-mail address and password; returns a member token (shown once, 30 days)",
                "tags": ["my account"],
                "requestBody": ["required": true, "content": D.json(D.ref("MemberSignIn"))],
                "responses": [
                    "201": ["description": "Signed in", "content": D.json(D.ref("MemberToken"))],
                    "400": ["description": "No organisation, or neither card nor e-mail given", "content": D.json(D.ref("Error"))],
                    "401": ["description": "Card number or PIN (e-mail address or password) not right — the same answer for unknown cards",
                            "content": D.json(D.ref("Error"))],
                    "403": ["description": "The card was reported lost or replaced", "content": D.json(D.ref("Error"))],
                    "429": ["description": "Too many failed tries (Retry-After), or the PIN is locked after five wrong ones",
                            "content": D.json(D.ref("Error"))],
                ],
            ] as [String: Any],
            "delete": op("Sign out: the token stops working", status: "204"),
        ],
        "/api/v1/my/pin-reset": [
            "post": [
                "summary": "Ask for a link to choose a new PIN, by card number or e-mail address; the same answer whether or not they are known",
                "tags": ["my account"],
                "requestBody": ["required": true, "content": D.json(["type": "object", "required": ["organisation"],
                                                                      "properties": ["organisation": D.string, "card": D.string, "email": D.string]])],
                "responses": [
                    "202": ["description": "If the library knows the card or address and has an e-mail address, a link is on its way"],
                    "400": ["description": "No organisation, or neither card nor e-mail", "content": D.json(D.ref("Error"))],
                    "429": ["description": "Too many requests from this address", "content": D.json(D.ref("Error"))],
                ],
            ] as [String: Any],
        ],
        "/api/v1/my/pin-reset/confirm": [
            "post": [
                "summary": "Choose the new PIN with the code from the link (once, within an hour); lifts a lock-out and ends the member's tokens",
                "tags": ["my account"],
                "requestBody": ["required": true, "content": D.json(["type": "object", "required": ["organisation", "code", "pin"],
                                                                      "properties": ["organisation": D.string, "code": D.string, "pin": D.string]])],
                "responses": [
                    "204": ["description": "The new PIN is set"],
                    "400": ["description": "The PIN will not do, or the code is used or past its hour", "content": D.json(D.ref("Error"))],
                ],
            ] as [String: Any],
        ],
        "/api/v1/my/accounts": [
            "get": op("The accounts the member manages: their own, then their youth members'", response: D.array(D.ref("AccountLink"))),
        ],
        "/api/v1/my/accounts/{member}": [
            "get": op("The account: member details, membership, blocks, loans, holds and fee lines", params: [account],
                      response: D.ref("MyAccount")),
        ],
        "/api/v1/my/accounts/{member}/loans": [
            "get": op("Current loans, due first", params: [account], response: D.array(D.ref("Loan"))),
        ],
        "/api/v1/my/accounts/{member}/loans/{loanID}/renew": [
            "post": op("Renew one loan; refused (409) with the rule's reason", params: [account, loanID], response: D.ref("Renewal")),
        ],
        "/api/v1/my/accounts/{member}/loans/renew-all": [
            "post": op("Renew every loan that can be; each with its outcome", params: [account], response: D.ref("RenewAll")),
        ],
        "/api/v1/my/accounts/{member}/holds": [
            "get": op("Active holds with their place in the queue", params: [account], response: D.array(D.ref("Hold"))),
            "post": op("Place a hold on a title, picked up at a branch", params: [account], body: D.ref("MyHoldInput"), status: "201",
                       response: D.ref("Hold")),
        ],
        "/api/v1/my/accounts/{member}/holds/{holdID}": [
            "patch": op("Change a hold: another pickup branch (while no copy is on its way), pause until a day, or resume",
                        params: [account, holdID], body: D.ref("MyHoldChange"), response: D.ref("Hold")),
            "delete": op("Cancel a hold", params: [account, holdID], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/fees": [
            "get": op("The balance and the fee lines (charges, payments, waivers), newest first", params: [account], response: D.ref("MyFees")),
        ],
        "/api/v1/my/accounts/{member}/details": [
            "patch": op("Change contact details (e-mail, phone, address); a name or birth date is refused (staff only)", params: [account],
                        body: D.ref("ContactDetails"), response: D.ref("Member")),
        ],
        "/api/v1/my/accounts/{member}/password": [
            "put": op("Choose a password for signing in with the e-mail address (own account only)", params: [account],
                      body: ["type": "object", "required": ["password"], "properties": ["password": ["type": "string", "minLength": 10]]],
                      status: "204"),
        ],
        "/api/v1/my/accounts/{member}/pin": [
            "put": op("Choose a new PIN for card and kiosks; the current PIN is asked when there is one", params: [account],
                      body: ["type": "object", "required": ["pin"], "properties": ["current_pin": D.string, "pin": D.string]], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/preferences": [
            "get": op("What the member receives (e-mail notices, newsletter, recommendations), their language, and every change with its words",
                      params: [account], response: D.ref("Preferences")),
            "put": op("Change what the member receives or their language; each change is recorded with the words agreed to",
                      params: [account], body: D.ref("PreferencesInput"), response: D.ref("Preferences")),
        ],
        "/api/v1/my/accounts/{member}/membership/renew": [
            "post": op("Renew a membership that costs nothing this year (youth); a paid one answers 409 payment_required", params: [account],
                       response: D.ref("Member")),
        ],
    ]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "MemberSignIn": ["type": "object", "required": ["organisation"], "properties": [
            "organisation": ["type": "string", "description": "The library's slug, e.g. den-haag"],
            "card": D.string, "pin": D.string, "email": D.string, "password": D.string,
        ]],
        "MemberToken": ["type": "object", "properties": [
            "token": ["type": "string", "description": "biebm_…; send as Authorization: Bearer"], "member_id": C.uuid, "organisation": D.string,
            "expires_at": ["type": "string", "format": "date-time"],
        ]],
        "AccountLink": ["type": "object", "properties": [
            "id": C.uuid, "name": D.string, "relation": ["type": "string", "enum": ["self", "child"]],
        ]],
        "MyAccount": ["type": "object", "properties": [
            "relation": ["type": "string", "enum": ["self", "child"]], "organisation": D.string, "account": D.ref("Account"),
            "has_pin": C.bool, "signs_in_with_email": C.bool, "membership_fee_cents": C.int,
        ]],
        "MyHoldInput": ["type": "object", "required": ["title_id", "pickup_branch"], "properties": [
            "title_id": C.int, "pickup_branch": ["type": "string", "description": "Branch slug or id"],
        ]],
        "MyHoldChange": ["type": "object", "properties": [
            "pickup_branch": D.string, "suspended_until": D.date, "resume": C.bool,
        ]],
        "MyFees": ["type": "object", "properties": [
            "balance_cents": C.int, "balance": D.string, "lines": D.array(D.ref("FeeLine")),
        ]],
        "Preferences": ["type": "object", "properties": [
            "language": ["type": "string", "enum": ["nl", "en"]], "has_email": C.bool, "service_notices": C.bool, "newsletter": C.bool,
            "recommendations": C.bool,
            "history": D.array(["type": "object", "properties": [
                "purpose": D.string, "granted": C.bool, "at": ["type": "string", "format": "date-time"], "text": D.string, "source": D.string,
            ]]),
        ]],
        "PreferencesInput": ["type": "object", "properties": [
            "language": ["type": "string", "enum": ["nl", "en"]], "service_notices": C.bool, "newsletter": C.bool, "recommendations": C.bool,
        ]],
        "ContactDetails": ["type": "object", "properties": [
            "email": C.nullableString, "phone": C.nullableString, "street": D.string, "postcode": D.string, "city": D.string,
        ]],
    ]
}
