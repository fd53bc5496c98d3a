import Foundation

/// The circulation and member part of the OpenAPI document.
enum CirculationOpenAPI {
    typealias D = OpenAPIDocument

    nonisolated(unsafe) static let memberID = D.pathParam("memberID", "Member id")
    nonisolated(unsafe) static let loanID: [String: Any] = ["name": "loanID", "in": "path", "required": true, "description": "Loan id",
                                                            "schema": ["type": "integer"]]
    nonisolated(unsafe) static let holdID: [String: Any] = ["name": "holdID", "in": "path", "required": true, "description": "Hold id",
                                                            "schema": ["type": "integer"]]
    nonisolated(unsafe) static let refused: [String: Any] = [
        "409": ["description": "Refused: the code and message name the reason and, for limits, the rule.", "content": D.json(D.ref("Error"))],
    ]
    static func op(_ summary: String, tag: String = "circulation", params: [[String: Any]] = [], body: [String: Any]? = nil,
                   status: String = "200", response: [String: Any]? = nil) -> [String: Any] {
        D.op(summary, tag: tag, params: params, body: body, status: status, response: response, auth: true, extra: refused)
    }

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/circulation/checkout": ["post": op("Lend a copy to a member (card or member_id) at a branch", body: D.ref("CheckoutInput"),
                                                    response: D.ref("Checkout"))],
        "/api/v1/circulation/checkin": ["post": op("Take a copy in at a branch (return or receive): ends the loan, fines, routes the copy",
                                                   body: D.ref("CheckinInput"), response: D.ref("Checkin"))],
        "/api/v1/circulation/renew": ["post": op("Renew the loan of a scanned copy (item barcode) from today", body: D.ref("CheckinInput"),
                                                 response: D.ref("Renewal"))],
        "/api/v1/loans/{loanID}/renew": ["post": op("Renew a loan from today", params: [loanID], body: D.ref("DeskAction"), response: D.ref("Renewal"))],
        "/api/v1/loans/{loanID}/lost": ["post": op("The member lost the copy: end the loan, charge the copy", params: [loanID],
                                                   body: D.ref("DeskAction"), response: D.ref("Account"))],
        "/api/v1/loans/{loanID}/claimed-returned": ["post": op("The member says it was returned: end the loan, the copy is missing",
                                                               params: [loanID], body: D.ref("DeskAction"), response: D.ref("Account"))],
        "/api/v1/members/{memberID}/renew-all": ["post": op("Renew every loan that can be renewed; the others with their refusal",
                                                            params: [memberID], body: D.ref("DeskAction"), response: D.ref("RenewAll"))],
        "/api/v1/holds": ["post": op("Place a hold on a title (title_id) or a copy (item barcode) for pickup at a branch",
                                     body: D.ref("HoldInput"), status: "201", response: D.ref("Hold"))],
        "/api/v1/holds/{holdID}": ["delete": op("Cancel a hold; a copy set aside for it goes to the next in line", params: [holdID],
                                                status: "204")],
        "/api/v1/holds/{holdID}/suspend": ["post": op("Pause a waiting hold until a day, or resume it (until null)", params: [holdID],
                                                      body: ["type": "object", "properties": ["until": ["type": ["string", "null"], "format": "date"]]],
                                                      status: "204")],
        "/api/v1/branches/{branchID}/pick-list": ["get": op("Copies on this branch's shelves set aside for holds, and copies to clear from the hold shelf",
                                                            params: [D.branchIDOrSlug], response: D.ref("PickList"))],
        "/api/v1/branches/{branchID}/hold-shelf": ["get": op("Holds waiting for collection at this branch", params: [D.branchIDOrSlug],
                                                             response: D.array(D.ref("WorkItem")))],
        "/api/v1/branches/{branchID}/transfers": ["get": op("Copies in transit to (incoming, default) or from (outgoing) this branch",
                                                            params: [D.branchIDOrSlug, D.query("direction", "incoming or outgoing", values: ["incoming", "outgoing"])],
                                                            response: D.array(D.ref("WorkItem")))],
        "/api/v1/members/{memberID}/payments": ["post": op("A payment at the desk (at most the outstanding amount)", params: [memberID],
                                                           body: D.ref("Amount"), response: D.ref("Account"))],
        "/api/v1/members/{memberID}/waivers": ["post": op("Waive an amount with a reason (staff, not volunteers)", params: [memberID],
                                                          body: D.ref("Amount"), response: D.ref("Account"))],
        "/api/v1/members/{memberID}/charges": ["post": op("Charge a member (a damaged copy, another cost)", params: [memberID],
                                                          body: D.ref("Amount"), response: D.ref("Account"))],
        "/api/v1/loan-rules": [
            "get": op("The loan rules matrix, most specific first, with how desks name each rule", response: D.array(D.ref("LoanRule"))),
            "put": op("Replace the loan rules (admins); errors name the rule: rules[2].terms.loan_days", body: D.array(D.ref("LoanRule")),
                      response: D.array(D.ref("LoanRule"))),
        ],
        "/api/v1/circulation-settings": [
            "get": op("Hold shelf days, hold expiry, floating collection, fee limit, lost copy charge", response: D.ref("CirculationSettings")),
            "put": op("Change the circulation settings (admins)", body: D.ref("CirculationSettings"), response: D.ref("CirculationSettings")),
        ],
        "/api/v1/members": [
            "get": op("Find members by card number, e-mail address or name", tag: "members",
                      params: [D.query("q", "Card number, e-mail address or name words", required: true)], response: D.array(D.ref("FoundMember"))),
            "post": op("Register a member with a card; the membership starts today (fee on the ledger; none under 18)", tag: "members",
                       body: D.ref("MemberInput"), status: "201", response: D.ref("Account")),
        ],
        "/api/v1/members/search": [
            "post": op("Find members with the words in the body (`{\"q\": …}`), keeping names and card numbers out of URLs and access logs; each member found is logged as viewed",
                       tag: "members", body: ["type": "object", "required": ["q"], "properties": ["q": ["type": "string"]]],
                       response: D.array(D.ref("FoundMember"))),
        ],
        "/api/v1/members/{memberID}": [
            "get": op("A member's account: details, blocks, loans, holds (with queue position), fees", tag: "members", params: [memberID],
                      response: D.ref("Account")),
            "patch": op("Change a member's details, home branch, membership type or guardian", tag: "members", params: [memberID],
                        body: D.ref("MemberInput"), response: D.ref("Account")),
        ],
        "/api/v1/members/{memberID}/block": [
            "put": op("Block a member with a reason (staff)", tag: "members", params: [memberID],
                      body: ["type": "object", "properties": ["reason": D.string]], response: D.ref("Account")),
            "delete": op("Lift a member's block (staff)", tag: "members", params: [memberID], response: D.ref("Account")),
        ],
        "/api/v1/members/{memberID}/cards": ["post": op("Issue a new card; earlier cards are replaced", tag: "members", params: [memberID],
                                                        body: ["type": "object", "properties": ["card": D.string]], response: D.ref("Account"))],
        "/api/v1/members/{memberID}/renew-membership": ["post": op("Renew the membership for a year (fee on the ledger)", tag: "members",
                                                                   params: [memberID], response: D.ref("Account"))],
        "/api/v1/cards/{card}/lost": ["post": op("Report a card lost: it blocks lending", tag: "members",
                                                 params: [["name": "card", "in": "path", "required": true, "description": "Card number",
                                                           "schema": ["type": "string"]]], status: "204")],
        "/api/v1/membership-types": [
            "get": op("The organisation's membership types", tag: "members", response: D.array(D.ref("MembershipType"))),
            "post": op("Add a membership type (admins); youth types are free", tag: "members", body: D.ref("MembershipType"), status: "201",
                       response: D.ref("MembershipType")),
        ],
        "/api/v1/membership-types/{typeID}": ["patch": op("Change a membership type (admins)", tag: "members",
                                                          params: [D.pathParam("typeID", "Membership type id")], body: D.ref("MembershipType"),
                                                          response: D.ref("MembershipType"))],
    ]

    nonisolated(unsafe) static let int: [String: Any] = ["type": "integer"]
    nonisolated(unsafe) static let bool: [String: Any] = ["type": "boolean"]
    nonisolated(unsafe) static let uuid: [String: Any] = ["type": "string", "format": "uuid"]
    nonisolated(unsafe) static let nullableString: [String: Any] = ["type": ["string", "null"]]
    nonisolated(unsafe) static let nullableInt: [String: Any] = ["type": ["integer", "null"]]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "CheckoutInput": ["type": "object", "properties": [
            "card": D.string, "member_id": uuid, "item": ["type": "string", "description": "The copy's barcode"],
            "branch": ["type": "string", "description": "Branch id or slug (default: the account's own branch, else the central library)"],
        ]],
        "Checkout": ["type": "object", "properties": [
            "loan_id": int, "item_id": int, "barcode": D.string, "title_id": int, "title": D.string, "due_on": D.date,
            "filled_hold": nullableInt, "message": D.string,
        ]],
        "CheckinInput": ["type": "object", "properties": ["item": D.string, "branch": D.string]],
        "Routing": ["type": "object", "properties": [
            "action": ["type": "string", "enum": ["shelf", "hold_shelf", "transit"]], "hold_id": nullableInt, "until": nullableString,
            "to_branch_id": ["type": ["string", "null"], "format": "uuid"], "to_branch": nullableString,
        ]],
        "Checkin": ["type": "object", "properties": [
            "item_id": int, "barcode": D.string, "title": D.string, "loan_id": nullableInt, "member_id": ["type": ["string", "null"], "format": "uuid"],
            "days_late": int, "fine_cents": int, "routing": D.ref("Routing"), "message": D.string,
        ]],
        "DeskAction": ["type": "object", "properties": ["branch": D.string]],
        "Renewal": ["type": "object", "properties": ["loan_id": int, "barcode": D.string, "title": D.string, "due_on": D.date, "renewals": int]],
        "RenewAll": ["type": "object", "properties": ["outcomes": D.array(["type": "object", "properties": [
            "loan_id": int, "renewed": ["oneOf": [D.ref("Renewal"), ["type": "null"]]], "refused": ["oneOf": [D.ref("Block"), ["type": "null"]]],
        ]])]],
        "HoldInput": ["type": "object", "properties": [
            "member_id": uuid, "card": D.string, "title_id": int, "item": ["type": "string", "description": "A copy's barcode, for a hold on that copy"],
            "pickup_branch": D.string, "local_only": bool, "expires_on": D.date,
        ]],
        "Hold": ["type": "object", "properties": [
            "id": int, "title_id": int, "title": D.string,
            "status": ["type": "string", "enum": ["waiting", "allocated", "in_transit", "ready", "fulfilled", "cancelled", "expired"]],
            "pickup_branch_id": uuid, "pickup_branch": D.string, "placed_at": ["type": "string", "format": "date-time"], "expires_on": D.date,
            "suspended_until": nullableString, "ready_until": nullableString, "item_barcode": nullableString, "position": nullableInt,
        ]],
        "WorkItem": ["type": "object", "properties": [
            "item_id": int, "barcode": D.string, "title": D.string, "call_number": D.string, "branch_id": ["type": ["string", "null"], "format": "uuid"],
            "branch": nullableString, "hold_id": nullableInt, "member": nullableString, "until": nullableString,
            "since": ["type": ["string", "null"], "format": "date-time"],
        ]],
        "PickList": ["type": "object", "properties": ["to_pick": D.array(D.ref("WorkItem")), "to_clear": D.array(D.ref("WorkItem"))]],
        "Amount": ["type": "object", "required": ["amount_cents"], "properties": [
            "amount_cents": int, "reason": ["type": "string", "description": "Waivers: why"],
            "note": ["type": "string", "description": "Payments: how (kas, pin); charges: what for"], "item": D.string, "branch": D.string,
        ]],
        "Block": ["type": "object", "properties": ["code": D.string, "message": D.string]],
        "Loan": ["type": "object", "properties": [
            "loan_id": int, "item_id": int, "barcode": D.string, "title_id": int, "title": D.string, "due_on": D.date, "renewals": int, "overdue": bool,
        ]],
        "FeeLine": ["type": "object", "properties": [
            "id": int, "kind": ["type": "string", "enum": ["overdue", "lost", "damaged", "membership", "hold", "activity", "payment", "waiver", "refund", "payout"]],
            "amount_cents": int, "amount": D.string, "note": D.string, "at": ["type": "string", "format": "date-time"],
        ]],
        "Member": ["type": "object", "properties": [
            "id": uuid, "name": D.string, "birth_date": D.date, "youth": bool, "email": nullableString, "phone": nullableString,
            "street": D.string, "postcode": D.string, "city": D.string, "home_branch_id": uuid, "membership_type": nullableString,
            "membership_type_name": nullableString, "membership_start": D.date, "membership_end": D.date,
            "guardian_id": ["type": ["string", "null"], "format": "uuid"], "block_reason": nullableString, "balance_cents": int,
            "loan_count": int, "hold_count": int,
            "cards": D.array(["type": "object", "properties": ["barcode": D.string, "status": ["type": "string", "enum": ["active", "lost", "replaced"]],
                                                              "issued_on": D.date]]),
        ]],
        "Account": ["type": "object", "properties": [
            "member": D.ref("Member"), "blocks": D.array(D.ref("Block")), "may_borrow": bool, "loans": D.array(D.ref("Loan")),
            "holds": D.array(D.ref("Hold")), "fees": D.array(D.ref("FeeLine")),
        ]],
        "FoundMember": ["type": "object", "properties": [
            "id": uuid, "name": D.string, "birth_date": D.date, "postcode": D.string, "card": nullableString, "balance_cents": int,
            "loan_count": int, "blocked": bool,
        ]],
        "MemberInput": ["type": "object", "properties": [
            "name": D.string, "birth_date": D.date, "email": D.string, "phone": D.string, "street": D.string, "postcode": D.string, "city": D.string,
            "home_branch": ["type": "string", "description": "Branch id or slug"], "membership_type": ["type": "string", "description": "Type code"],
            "card": D.string, "guardian_id": uuid,
        ]],
        "MembershipType": ["type": "object", "properties": [
            "id": uuid, "code": D.string, "name_nl": D.string, "name_en": D.string, "yearly_fee_cents": int, "youth": bool, "active": bool,
        ]],
        "LoanRule": ["type": "object", "properties": [
            "branch": ["type": ["string", "null"], "description": "Branch slug; null for all"],
            "category": ["type": ["string", "null"], "description": "Membership type code; null for all"],
            "item_type": ["type": ["string", "null"], "description": "Material format (book, dvd, …); null for all"],
            "loan_days": nullableInt, "max_renewals": nullableInt, "max_loans": nullableInt, "max_loans_of_type": nullableInt,
            "max_holds": nullableInt, "fine_per_day_cents": nullableInt, "max_fine_cents": nullableInt, "hold_fee_cents": nullableInt,
            "youth_exempt_from_fines": ["type": ["boolean", "null"]], "label": ["type": ["string", "null"], "readOnly": true],
        ]],
        "CirculationSettings": ["type": "object", "properties": [
            "hold_shelf_days": int, "hold_expiry_days": int, "floating": bool, "fee_limit_cents": int, "lost_item_cents": int,
        ]],
    ]
}
