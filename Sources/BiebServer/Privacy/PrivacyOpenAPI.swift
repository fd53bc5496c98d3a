import BiebStore
import OpenAPIKit

/// Privacy and online payments in the OpenAPI document.
enum PrivacyOpenAPI {
    typealias D = OpenAPIDocument
    typealias M = MemberAccountOpenAPI

    static let entryID = D.intParam("entryID", "Loan history entry id")
    static let paymentID = D.pathParam("paymentID", "Payment id")
    static let purpose = D.enumeration(PaymentPurpose.self)

    static func staff(_ summary: String, tag: String = "privacy", params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil,
                      response: JSONSchema? = nil, extra: D.Responses = [:]) -> OpenAPI.Operation {
        D.op(summary, tag: tag, params: params, body: body, response: response, auth: true, extra: extra)
    }

    static let paths: D.Paths = [
        "/api/v1/my/accounts/{member}/history": .init(
            get: M.op("The loan history (when kept): search words in `q`; `page`, `per_page`",
                      params: [M.account, D.query("q", "Words of the title or author"), D.query("page", "Page (from 1)", D.int),
                               D.query("per_page", "1–200, default 50", D.int)], response: D.ref("LoanHistory")),
            put: M.op("Keep the loan history from now (true) or stop and erase it (false); recorded as a consent with its words",
                      params: [M.account], body: D.object(["enabled": D.bool], required: ["enabled"]), response: D.ref("LoanHistory")),
            delete: M.op("Delete every entry (the history stays on)", params: [M.account], status: 204)),
        "/api/v1/my/accounts/{member}/history/{entryID}": .init(
            delete: M.op("Delete one entry", params: [M.account, entryID], status: 204)),
        "/api/v1/my/accounts/{member}/history/export": .init(
            get: M.op("The whole history as a download: CSV (default) or JSON",
                      params: [M.account, D.query("format", "csv or json", D.enumeration(["csv", "json"]))])),
        "/api/v1/my/accounts/{member}/data": .init(
            get: M.op("Everything Bieb holds about the member (right of access), as a JSON download", params: [M.account],
                      response: D.anyObject)),
        "/api/v1/my/accounts/{member}/views": .init(
            get: M.op("Which staff members viewed the member's record, when and why", params: [M.account],
                      response: D.array(D.ref("MemberView")))),
        "/api/v1/my/accounts/{member}/erasure": .init(
            get: M.op("Whether closing the account was asked, and what blocks it", params: [M.account], response: D.ref("Erasure")),
            post: M.op("Close the account: 200 erased at once when nothing is open, else 202 waiting with the blockers (holds are cancelled)",
                       params: [M.account], response: D.ref("Erasure"), extra: [202: D.response("Recorded; blocked", D.ref("Erasure"))]),
            delete: M.op("Withdraw the request", params: [M.account], status: 204)),
        "/api/v1/my/accounts/{member}/recommendations": .init(
            get: M.op("Personal reading tips (with the consent recommendations; else enabled is false): also borrowed by at least two others, and new titles",
                      params: [M.account],
                      response: D.object(["enabled": D.bool, "also_borrowed": D.array(D.ref("Tip")), "new_titles": D.array(D.ref("Tip"))]))),
        "/api/v1/my/accounts/{member}/payments": .init(
            get: M.op("The member's online payments", params: [M.account], response: D.array(D.ref("Payment"))),
            post: M.op("Start an online payment of the open fees or a year of paid membership; pay at `checkout_url`",
                       params: [M.account], body: D.object(["purpose": purpose], required: ["purpose"]),
                       status: 201, response: D.ref("Payment"),
                       extra: [502: D.error("The payment provider failed"), 503: D.error("Online payment is not set up")])),
        "/api/v1/my/accounts/{member}/payments/{paymentID}": .init(
            get: M.op("One payment; while open its state is asked of the provider", params: [M.account, paymentID], response: D.ref("Payment"))),
        "/api/v1/payments/webhook/{org}": .init(
            post: D.op("The payment provider's notice (`id=tr_…`); the state is fetched from the provider. Unknown ids get 200 too",
                       tag: "payments", params: [D.orgParam], body: D.object(["id": D.string], required: ["id"]))),
        "/api/v1/payments": .init(
            get: staff("Online payments, newest first (staff)", tag: "payments",
                       params: [D.query("member", "Only this member's", D.uuid),
                                D.query("status", "Only payments in this state", D.enumeration(PaymentStatus.self)),
                                D.query("limit", "1–500, default 100", D.int)],
                       response: D.array(D.ref("Payment")))),
        "/api/v1/payments/reconciliation": .init(
            get: staff("Every payment against the ledger: balanced, or the mismatches (staff)", tag: "payments",
                       response: D.object(["balanced": D.bool, "mismatches": D.array(D.anyObject)]))),
        "/api/v1/payments/{paymentID}": .init(
            get: staff("One payment (staff)", tag: "payments", params: [paymentID], response: D.ref("Payment"))),
        "/api/v1/payments/{paymentID}/refunds": .init(
            post: staff("Refund (part of) a paid payment at the provider and on the ledger (staff)", tag: "payments", params: [paymentID],
                        body: D.object(["amount_cents": D.int, "note": D.string.with(description: "Why (required; at most 200 characters kept)")],
                                       required: ["amount_cents", "note"]), response: D.ref("Payment"),
                        extra: [409: D.error("Refused: only a paid payment can be refunded (not_paid)")])),
        "/api/v1/privacy/settings": .init(
            get: staff("The retention rules (privacy officers and admins)", response: D.ref("PrivacySettings")),
            put: staff("Change the retention rules (admins)", body: D.ref("PrivacySettings"), response: D.ref("PrivacySettings"))),
        "/api/v1/privacy/log": .init(
            get: staff("What the retention rules and erasures did: counts, never whom (privacy officers)",
                       response: D.array(D.object(["at": D.dateTime, "rule": D.string, "count": D.int, "detail": D.string])))),
        "/api/v1/privacy/views": .init(
            get: staff("Staff views of member records (privacy officers)",
                       params: [D.query("member", "One member's", D.uuid), D.query("staff", "One staff account's", D.uuid),
                                D.query("since", "From this day (YYYY-MM-DD)", D.date), D.query("limit", "1–1000", D.int)],
                       response: D.array(D.ref("MemberView")))),
        "/api/v1/privacy/run": .init(
            post: staff("Apply the retention rules now (they also run every hour; admins)", response: D.anyObject)),
    ]

    static let schemas: D.Schemas = [
        "LoanHistory": D.object([
            "enabled": D.bool, "since": D.nullableDateTime, "total": D.int, "page": D.int, "per_page": D.int,
            "entries": D.array(D.object([
                "id": D.int, "title_id": D.int, "title": D.string, "author": D.nullableString, "format": D.string, "branch": D.string,
                "checked_out_at": D.dateTime, "returned_at": D.dateTime,
            ])),
        ]),
        "MemberView": D.object([
            "at": D.dateTime, "staff": D.string, "role": D.string, "purpose": D.enumeration(ViewPurpose.self), "via": D.string,
        ]),
        "Erasure": D.object([
            "status": D.enumeration(["none", "waiting", "erased"]), "requested_at": D.nullableDateTime,
            "blockers": D.array(D.object(["code": D.string, "message": D.string])),
        ]),
        "Payment": D.object([
            "id": D.uuid, "purpose": purpose, "amount_cents": D.int, "status": D.enumeration(PaymentStatus.self), "provider": D.string,
            "checkout_url": D.nullableString, "booked_at": D.nullableDateTime, "refunded_cents": D.int, "description": D.string,
            "created_at": D.dateTime,
        ]),
        "Tip": D.object([
            "title_id": D.int, "title": D.string, "author": D.nullableString, "reason": D.enumeration(BiebStore.Suggestion.Reason.self),
            "members": D.nullableInt,
        ]),
        "PrivacySettings": D.object(["loan_link_days": D.int, "inactive_member_years": D.int]),
    ]
}
