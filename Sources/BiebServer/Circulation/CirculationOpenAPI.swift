import BiebStore
import OpenAPIKit

/// The circulation and member part of the OpenAPI document.
enum CirculationOpenAPI {
    typealias D = OpenAPIDocument

    static let memberID = D.pathParam("memberID", "Member id")
    static let loanID = D.intParam("loanID", "Loan id")
    static let holdID = D.intParam("holdID", "Hold id")
    static let refused: D.Responses = [409: D.error("Refused: the code and message name the reason and, for limits, the rule.")]

    static func op(_ summary: String, tag: String = "circulation", params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil,
                   status: Int = 200, response: JSONSchema? = nil) -> OpenAPI.Operation {
        D.op(summary, tag: tag, params: params, body: body, status: status, response: response, auth: true, extra: refused)
    }

    static let paths: D.Paths = [
        "/api/v1/circulation/checkout": .init(post: op("Lend a copy to a member (card or member_id) at a branch", body: D.ref("CheckoutInput"),
                                                       response: D.ref("Checkout"))),
        "/api/v1/circulation/checkin": .init(post: op("Take a copy in at a branch (return or receive): ends the loan, fines, routes the copy",
                                                      body: D.ref("CheckinInput"), response: D.ref("Checkin"))),
        "/api/v1/circulation/renew": .init(post: op("Renew the loan of a scanned copy (item barcode) from today", body: D.ref("CheckinInput"),
                                                    response: D.ref("Renewal"))),
        "/api/v1/loans/{loanID}/renew": .init(post: op("Renew a loan from today", params: [loanID], body: D.ref("DeskAction"),
                                                       response: D.ref("Renewal"))),
        "/api/v1/loans/{loanID}/lost": .init(post: op("The member lost the copy: end the loan, charge the copy", params: [loanID],
                                                      body: D.ref("DeskAction"), response: D.ref("Account"))),
        "/api/v1/loans/{loanID}/claimed-returned": .init(post: op("The member says it was returned: end the loan, the copy is missing",
                                                                  params: [loanID], body: D.ref("DeskAction"), response: D.ref("Account"))),
        "/api/v1/members/{memberID}/renew-all": .init(post: op("Renew every loan that can be renewed; the others with their refusal",
                                                               params: [memberID], body: D.ref("DeskAction"), response: D.ref("RenewAll"))),
        "/api/v1/holds": .init(post: op("Place a hold on a title (title_id) or a copy (item barcode) for pickup at a branch",
                                        body: D.ref("HoldInput"), status: 201, response: D.ref("Hold"))),
        "/api/v1/holds/{holdID}": .init(delete: op("Cancel a hold; a copy set aside for it goes to the next in line", params: [holdID],
                                                   status: 204)),
        "/api/v1/holds/{holdID}/suspend": .init(post: op("Pause a waiting hold until a day, or resume it (until null)", params: [holdID],
                                                         body: D.object(["until": D.nullableDate]), status: 204)),
        "/api/v1/branches/{branchID}/pick-list": .init(get: op(
            "Copies on this branch's shelves set aside for holds, and copies to clear from the hold shelf",
            params: [D.branchIDOrSlug], response: D.ref("PickList"))),
        "/api/v1/branches/{branchID}/hold-shelf": .init(get: op("Holds waiting for collection at this branch", params: [D.branchIDOrSlug],
                                                                response: D.array(D.ref("WorkItem")))),
        "/api/v1/branches/{branchID}/transfers": .init(get: op(
            "Copies in transit to (incoming, default) or from (outgoing) this branch",
            params: [D.branchIDOrSlug, D.query("direction", "incoming or outgoing", D.enumeration(["incoming", "outgoing"]))],
            response: D.array(D.ref("WorkItem")))),
        "/api/v1/members/{memberID}/payments": .init(post: op("A payment at the desk (at most the outstanding amount)", params: [memberID],
                                                              body: D.ref("Amount"), response: D.ref("Account"))),
        "/api/v1/members/{memberID}/waivers": .init(post: op("Waive an amount with a reason (staff, not volunteers)", params: [memberID],
                                                             body: D.ref("Amount"), response: D.ref("Account"))),
        "/api/v1/members/{memberID}/charges": .init(post: op("Charge a member (a damaged copy, another cost)", params: [memberID],
                                                             body: D.ref("Amount"), response: D.ref("Account"))),
        "/api/v1/loan-rules": .init(
            get: op("The loan rules matrix, most specific first, with how desks name each rule", response: D.array(D.ref("LoanRule"))),
            put: op("Replace the loan rules (admins); errors name the rule: rules[2].terms.loan_days", body: D.array(D.ref("LoanRule")),
                    response: D.array(D.ref("LoanRule")))),
        "/api/v1/circulation-settings": .init(
            get: op("Hold shelf days, hold expiry, floating collection, fee limit, lost copy charge", response: D.ref("CirculationSettings")),
            put: op("Change the circulation settings (admins)", body: D.ref("CirculationSettings"), response: D.ref("CirculationSettings"))),
        "/api/v1/members": .init(
            get: op("Find members by card number, e-mail address or name", tag: "members",
                    params: [D.query("q", "Card number, e-mail address or name words", required: true)], response: D.array(D.ref("FoundMember"))),
            post: op("Register a member with a card; the membership starts today (fee on the ledger; none under 18)", tag: "members",
                     body: D.ref("MemberInput"), status: 201, response: D.ref("Account"))),
        "/api/v1/members/search": .init(post: op(
            "Find members with the words in the body (`{\"q\": …}`), keeping names and card numbers out of URLs and access logs; each member found is logged as viewed",
            tag: "members", body: D.object(["q": D.string], required: ["q"]), response: D.array(D.ref("FoundMember")))),
        "/api/v1/members/{memberID}": .init(
            get: op("A member's account: details, blocks, loans, holds (with queue position), fees", tag: "members", params: [memberID],
                    response: D.ref("Account")),
            patch: op("Change a member's details, home branch, membership type or guardian", tag: "members", params: [memberID],
                      body: D.ref("MemberInput"), response: D.ref("Account"))),
        "/api/v1/members/{memberID}/block": .init(
            put: op("Block a member with a reason (staff)", tag: "members", params: [memberID],
                    body: D.object(["reason": D.string]), response: D.ref("Account")),
            delete: op("Lift a member's block (staff)", tag: "members", params: [memberID], response: D.ref("Account"))),
        "/api/v1/members/{memberID}/cards": .init(post: op("Issue a new card; earlier cards are replaced", tag: "members", params: [memberID],
                                                           body: D.object(["card": D.string]), response: D.ref("Account"))),
        "/api/v1/members/{memberID}/renew-membership": .init(post: op("Renew the membership for a year (fee on the ledger)", tag: "members",
                                                                      params: [memberID], response: D.ref("Account"))),
        "/api/v1/members/{memberID}/consents": .init(get: op(
            "What the member agreed to now, the words a choice recorded now would store (the member portal's, in the member's language), and every change, newest first (logged as a view)",
            tag: "members", params: [memberID], response: D.ref("MemberConsents"))),
        "/api/v1/members/{memberID}/consents/{purpose}": .init(put: op(
            "Record the member's choice for one purpose, as given at the desk: stored with the words and the way desk:<staff id>; a choice that changes nothing adds no record",
            tag: "members", params: [memberID, D.textParam("purpose", "What the consent is for", D.enumeration(ConsentPurpose.self))],
            body: D.object(["granted": D.bool], required: ["granted"]), response: D.ref("MemberConsents"))),
        "/api/v1/cards/{card}/lost": .init(post: op("Report a card lost: it blocks lending", tag: "members",
                                                    params: [D.textParam("card", "Card number")], status: 204)),
        "/api/v1/membership-types": .init(
            get: op("The organisation's membership types", tag: "members", response: D.array(D.ref("MembershipType"))),
            post: op("Add a membership type (admins); youth types are free", tag: "members", body: D.ref("MembershipType"), status: 201,
                     response: D.ref("MembershipType"))),
        "/api/v1/membership-types/{typeID}": .init(patch: op("Change a membership type (admins)", tag: "members",
                                                             params: [D.pathParam("typeID", "Membership type id")], body: D.ref("MembershipType"),
                                                             response: D.ref("MembershipType"))),
    ]

    static let schemas: D.Schemas = [
        "MemberConsents": D.object([
            "member_id": D.uuid, "language": D.enumeration(["nl", "en"]).with(description: "The language of the words (the member's)"),
            "current": D.object(D.Properties(ConsentPurpose.allCases.map { ($0.rawValue, D.bool) }) { first, _ in first }),
            "words": D.object(D.Properties(ConsentPurpose.allCases.map { ($0.rawValue, D.string) }) { first, _ in first }),
            "history": D.array(D.object([
                "purpose": D.enumeration(ConsentPurpose.self), "granted": D.bool, "at": D.dateTime, "text": D.string,
                "source": D.string.with(description: "portal, api, or desk:<staff id>"),
            ])),
        ], required: ["member_id", "language", "current", "words", "history"]),
        "CheckoutInput": D.object([
            "card": D.string, "member_id": D.uuid, "item": D.string.with(description: "The copy's barcode"),
            "branch": D.string.with(description: "Branch id or slug (default: the account's own branch, else the central library)"),
        ]),
        "Checkout": D.object([
            "loan_id": D.int, "item_id": D.int, "barcode": D.string, "title_id": D.int, "title": D.string, "due_on": D.date,
            "filled_hold": D.nullableInt, "message": D.string,
        ]),
        "CheckinInput": D.object(["item": D.string, "branch": D.string]),
        "Routing": D.object([
            "action": D.enumeration(["shelf", "hold_shelf", "transit"]), "hold_id": D.nullableInt, "until": D.nullableString,
            "to_branch_id": D.nullableUUID, "to_branch": D.nullableString,
        ]),
        "Checkin": D.object([
            "item_id": D.int, "barcode": D.string, "title": D.string, "loan_id": D.nullableInt, "member_id": D.nullableUUID,
            "days_late": D.int, "fine_cents": D.int, "routing": D.ref("Routing"), "message": D.string,
        ]),
        "DeskAction": D.object(["branch": D.string]),
        "Renewal": D.object(["loan_id": D.int, "barcode": D.string, "title": D.string, "due_on": D.date, "renewals": D.int]),
        "RenewAll": D.object(["outcomes": D.array(D.object([
            "loan_id": D.int, "renewed": D.refOrNull("Renewal"), "refused": D.refOrNull("Block"),
        ]))]),
        "HoldInput": D.object([
            "member_id": D.uuid, "card": D.string, "title_id": D.int, "item": D.string.with(description: "A copy's barcode, for a hold on that copy"),
            "pickup_branch": D.string, "local_only": D.bool, "expires_on": D.date,
        ]),
        "Hold": D.object([
            "id": D.int, "title_id": D.int, "title": D.string, "status": D.enumeration(Hold.Status.self),
            "pickup_branch_id": D.uuid, "pickup_branch": D.string, "placed_at": D.dateTime, "expires_on": D.date,
            "suspended_until": D.nullableString, "ready_until": D.nullableString, "item_barcode": D.nullableString, "position": D.nullableInt,
        ]),
        "WorkItem": D.object([
            "item_id": D.int, "barcode": D.string, "title": D.string, "call_number": D.string, "branch_id": D.nullableUUID,
            "branch": D.nullableString, "hold_id": D.nullableInt, "member": D.nullableString, "until": D.nullableString,
            "since": D.nullableDateTime,
        ]),
        "PickList": D.object(["to_pick": D.array(D.ref("WorkItem")), "to_clear": D.array(D.ref("WorkItem"))]),
        "Amount": D.object([
            "amount_cents": D.int, "reason": D.string.with(description: "Waivers: why"),
            "note": D.string.with(description: "Payments: how (kas, pin); charges: what for"), "item": D.string, "branch": D.string,
        ], required: ["amount_cents"]),
        "Block": D.object(["code": D.string, "message": D.string]),
        "Loan": D.object([
            "loan_id": D.int, "item_id": D.int, "barcode": D.string, "title_id": D.int, "title": D.string, "due_on": D.date,
            "renewals": D.int, "overdue": D.bool,
        ]),
        "FeeLine": D.object([
            "id": D.int, "kind": D.enumeration(FeeLine.Kind.self), "amount_cents": D.int, "amount": D.string, "note": D.string,
            "at": D.dateTime,
        ]),
        "Member": D.object([
            "id": D.uuid, "name": D.string, "birth_date": D.date, "youth": D.bool, "email": D.nullableString, "phone": D.nullableString,
            "street": D.string, "postcode": D.string, "city": D.string, "home_branch_id": D.uuid, "membership_type": D.nullableString,
            "membership_type_name": D.nullableString, "membership_start": D.date, "membership_end": D.date,
            "guardian_id": D.nullableUUID, "block_reason": D.nullableString, "balance_cents": D.int, "loan_count": D.int, "hold_count": D.int,
            "cards": D.array(D.object(["barcode": D.string, "status": D.enumeration(MemberCard.Status.self), "issued_on": D.date])),
        ]),
        "Account": D.object([
            "member": D.ref("Member"), "blocks": D.array(D.ref("Block")), "may_borrow": D.bool, "loans": D.array(D.ref("Loan")),
            "holds": D.array(D.ref("Hold")), "fees": D.array(D.ref("FeeLine")),
        ]),
        "FoundMember": D.object([
            "id": D.uuid, "name": D.string, "birth_date": D.date, "postcode": D.string, "card": D.nullableString, "balance_cents": D.int,
            "loan_count": D.int, "blocked": D.bool,
        ]),
        "MemberInput": D.object([
            "name": D.string, "birth_date": D.date, "email": D.string, "phone": D.string, "street": D.string, "postcode": D.string,
            "city": D.string, "home_branch": D.string.with(description: "Branch id or slug"),
            "membership_type": D.string.with(description: "Type code"), "card": D.string,
            "guardian_id": D.uuid.with(description: "The parent or guardian, by member id"),
            "guardian_card": D.string.with(description: "The parent or guardian, by card (instead of guardian_id)"),
        ]),
        "MembershipType": D.object([
            "id": D.uuid, "code": D.string, "name_nl": D.string, "name_en": D.string, "yearly_fee_cents": D.int, "youth": D.bool,
            "active": D.bool,
        ]),
        "LoanRule": D.object([
            "branch": D.nullableString.with(description: "Branch slug; null for all"),
            "category": D.nullableString.with(description: "Membership type code; null for all"),
            "item_type": D.nullableString.with(description: "Material format (book, dvd, …); null for all"),
            "loan_days": D.nullableInt, "max_renewals": D.nullableInt, "max_loans": D.nullableInt, "max_loans_of_type": D.nullableInt,
            "max_holds": D.nullableInt, "fine_per_day_cents": D.nullableInt, "max_fine_cents": D.nullableInt, "hold_fee_cents": D.nullableInt,
            "youth_exempt_from_fines": D.nullableBool, "label": JSONSchema.string(nullable: true, permissions: .readOnly),
        ]),
        "CirculationSettings": D.object([
            "hold_shelf_days": D.int, "hold_expiry_days": D.int, "floating": D.bool, "fee_limit_cents": D.int, "lost_item_cents": D.int,
        ]),
    ]
}
