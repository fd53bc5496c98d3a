import Foundation

/// Privacy and online payments in the OpenAPI document.
enum PrivacyOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI
    typealias M = MemberAccountOpenAPI

    nonisolated(unsafe) static let entryID: [String: Any] = ["name": "entryID", "in": "path", "required": true,
                                                             "description": "Loan history entry id", "schema": ["type": "integer"]]
    nonisolated(unsafe) static let paymentID = D.pathParam("paymentID", "Payment id")
    nonisolated(unsafe) static let org: [String: Any] = ["name": "org", "in": "path", "required": true, "description": "Organisation slug",
                                                         "schema": ["type": "string"]]
    nonisolated(unsafe) static let time: [String: Any] = ["type": "string", "format": "date-time"]
    nonisolated(unsafe) static let nullableTime: [String: Any] = ["type": ["string", "null"], "format": "date-time"]

    static func staff(_ summary: String, tag: String = "privacy", params: [[String: Any]] = [], body: [String: Any]? = nil,
                      response: [String: Any]? = nil) -> [String: Any] {
        D.op(summary, tag: tag, params: params, body: body, response: response, auth: true)
    }

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/my/accounts/{member}/history": [
            "get": M.op("The loan history (when kept): search words in `q`; `page`, `per_page`",
                        params: [M.account, D.query("q", "Words of the title or author"), D.query("page", "Page (from 1)", type: "integer"),
                                 D.query("per_page", "1–200, default 50", type: "integer")], response: D.ref("LoanHistory")),
            "put": M.op("Keep the loan history from now (true) or stop and erase it (false); recorded as a consent with its words",
                        params: [M.account], body: ["type": "object", "required": ["enabled"], "properties": ["enabled": C.bool]],
                        response: D.ref("LoanHistory")),
            "delete": M.op("Delete every entry (the history stays on)", params: [M.account], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/history/{entryID}": [
            "delete": M.op("Delete one entry", params: [M.account, entryID], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/history/export": [
            "get": M.op("The whole history as a download: CSV (default) or JSON", params: [M.account, D.query("format", "csv or json", values: ["csv", "json"])]),
        ],
        "/api/v1/my/accounts/{member}/data": [
            "get": M.op("Everything Bieb holds about the member (right of access), as a JSON download", params: [M.account],
                        response: ["type": "object"]),
        ],
        "/api/v1/my/accounts/{member}/views": [
            "get": M.op("Which staff members viewed the member's record, when and why", params: [M.account], response: D.array(D.ref("MemberView"))),
        ],
        "/api/v1/my/accounts/{member}/erasure": [
            "get": M.op("Whether closing the account was asked, and what blocks it", params: [M.account], response: D.ref("Erasure")),
            "post": M.op("Close the account: 200 erased at once when nothing is open, else 202 waiting with the blockers (holds are cancelled)",
                         params: [M.account], response: D.ref("Erasure"), extra: ["202": ["description": "Recorded; blocked", "content": D.json(D.ref("Erasure"))]]),
            "delete": M.op("Withdraw the request", params: [M.account], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/recommendations": [
            "get": M.op("Personal reading tips (with the consent recommendations; else enabled is false): also borrowed by at least two others, and new titles",
                        params: [M.account], response: ["type": "object", "properties": [
                            "enabled": C.bool, "also_borrowed": D.array(D.ref("Tip")), "new_titles": D.array(D.ref("Tip"))]]),
        ],
        "/api/v1/my/accounts/{member}/payments": [
            "get": M.op("The member's online payments", params: [M.account], response: D.array(D.ref("Payment"))),
            "post": M.op("Start an online payment of the open fees or a year of paid membership; pay at `checkout_url`",
                         params: [M.account], body: ["type": "object", "required": ["purpose"],
                                                     "properties": ["purpose": ["type": "string", "enum": ["fees", "membership"]]]],
                         status: "201", response: D.ref("Payment"),
                         extra: ["502": ["description": "The payment provider failed", "content": D.json(D.ref("Error"))],
                                 "503": ["description": "Online payment is not set up", "content": D.json(D.ref("Error"))]]),
        ],
        "/api/v1/my/accounts/{member}/payments/{paymentID}": [
            "get": M.op("One payment; while open its state is asked of the provider", params: [M.account, paymentID], response: D.ref("Payment")),
        ],
        "/api/v1/payments/webhook/{org}": [
            "post": D.op("The payment provider's notice (`id=tr_…`); the state is fetched from the provider. Unknown ids get 200 too",
                         tag: "payments", params: [org],
                         body: ["type": "object", "required": ["id"], "properties": ["id": D.string]]),
        ],
        "/api/v1/payments": [
            "get": staff("Online payments, newest first (staff)", tag: "payments",
                         params: [D.query("member", "Only this member's", format: "uuid"), D.query("limit", "1–500, default 100", type: "integer")],
                         response: D.array(D.ref("Payment"))),
        ],
        "/api/v1/payments/reconciliation": [
            "get": staff("Every payment against the ledger: balanced, or the mismatches (staff)", tag: "payments",
                         response: ["type": "object", "properties": ["balanced": C.bool, "mismatches": D.array(["type": "object"])]]),
        ],
        "/api/v1/payments/{paymentID}": [
            "get": staff("One payment (staff)", tag: "payments", params: [paymentID], response: D.ref("Payment")),
        ],
        "/api/v1/payments/{paymentID}/refunds": [
            "post": staff("Refund (part of) a paid payment at the provider and on the ledger (staff)", tag: "payments", params: [paymentID],
                          body: ["type": "object", "required": ["amount_cents"], "properties": ["amount_cents": C.int, "note": D.string]],
                          response: D.ref("Payment")),
        ],
        "/api/v1/privacy/settings": [
            "get": staff("The retention rules (privacy officers and admins)", response: D.ref("PrivacySettings")),
            "put": staff("Change the retention rules (admins)", body: D.ref("PrivacySettings"), response: D.ref("PrivacySettings")),
        ],
        "/api/v1/privacy/log": [
            "get": staff("What the retention rules and erasures did: counts, never whom (privacy officers)",
                         response: D.array(["type": "object", "properties": ["at": time, "rule": D.string, "count": C.int, "detail": D.string]])),
        ],
        "/api/v1/privacy/views": [
            "get": staff("Staff views of member records (privacy officers)",
                         params: [D.query("member", "One member's", format: "uuid"), D.query("staff", "One staff account's", format: "uuid"),
                                  D.query("since", "From this day (YYYY-MM-DD)", format: "date"), D.query("limit", "1–1000", type: "integer")],
                         response: D.array(D.ref("MemberView"))),
        ],
        "/api/v1/privacy/run": [
            "post": staff("Apply the retention rules now (they also run every hour; admins)", response: ["type": "object"]),
        ],
    ]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "LoanHistory": ["type": "object", "properties": [
            "enabled": C.bool, "since": nullableTime, "total": C.int, "page": C.int, "per_page": C.int,
            "entries": D.array(["type": "object", "properties": [
                "id": C.int, "title_id": C.int, "title": D.string, "author": C.nullableString, "format": D.string, "branch": D.string,
                "checked_out_at": time, "returned_at": time]]),
        ]],
        "MemberView": ["type": "object", "properties": [
            "at": time, "staff": D.string, "role": D.string,
            "purpose": ["type": "string", "enum": ["desk", "account", "privacy_request", "audit", "other"]], "via": D.string,
        ]],
        "Erasure": ["type": "object", "properties": [
            "status": ["type": "string", "enum": ["none", "waiting", "erased"]], "requested_at": nullableTime,
            "blockers": D.array(["type": "object", "properties": ["code": D.string, "message": D.string]]),
        ]],
        "Payment": ["type": "object", "properties": [
            "id": ["type": "string", "format": "uuid"], "purpose": ["type": "string", "enum": ["fees", "membership"]], "amount_cents": C.int,
            "status": ["type": "string", "enum": ["open", "paid", "failed", "canceled", "expired"]], "provider": D.string,
            "checkout_url": C.nullableString, "booked_at": nullableTime, "refunded_cents": C.int, "description": D.string, "created_at": time,
        ]],
        "Tip": ["type": "object", "properties": [
            "title_id": C.int, "title": D.string, "author": C.nullableString,
            "reason": ["type": "string", "enum": ["also_borrowed", "author", "series", "genre"]], "members": ["type": ["integer", "null"]],
        ]],
        "PrivacySettings": ["type": "object", "properties": ["loan_link_days": C.int, "inactive_member_years": C.int]],
    ]
}
