import BiebCore
import OpenAPIKit

/// The member API in the OpenAPI document: `/api/v1/my/…`, with member
/// tokens (`Authorization: Bearer biebm_…`). Another member's account,
/// loan or hold is always a 404.
enum MemberAccountOpenAPI {
    typealias D = OpenAPIDocument

    static let account = D.pathParam("member", "Account id: the signed-in member's own, or a youth member's they are guardian of")
    static let loanID = D.intParam("loanID", "Loan id")
    static let holdID = D.intParam("holdID", "Hold id")

    static let memberErrors: D.Responses = [
        401: D.error("No valid member token."),
        404: D.error("Not found — also for any account, loan or hold that is not the member's to manage."),
        409: D.error("Refused by the rules; the body says why (the rule, in the member's language)."),
    ]

    /// An operation for a signed-in member (a member token).
    static func op(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                   response: JSONSchema? = nil, extra: D.Responses = [:]) -> OpenAPI.Operation {
        var responses = memberErrors
        responses.merge(extra) { $1 }
        var operation = D.op(summary, tag: "my account", params: params, body: body, status: status, response: response, extra: responses)
        operation.security = D.requiring("member")
        return operation
    }

    static let paths: D.Paths = [
        "/api/v1/organisations/{org}/members": .init(
            post: D.operation(
                "Join the library online: the desk's checks, one membership per e-mail address, a card number at once and a welcome e-mail; the first year's fee (none under 18) is owed until paid; staff check an identity document at the first visit",
                tag: "my account", params: [D.orgParam], body: D.ref("JoinInput"),
                responses: [
                    201: D.response("A member", D.ref("Joined")),
                    400: D.error("A field will not do; `field` names it"),
                    404: D.error("No such organisation"),
                    409: D.error("The e-mail address already belongs to a membership (`email_taken`)"),
                    429: D.error("Too many joins, or too many refused addresses, from this client address (Retry-After)"),
                ])),
        "/api/v1/online-joins": .init(get: D.op(
            "Members who joined online and whose identity nobody checked yet, newest first (each counts as viewed)", tag: "members",
            params: [D.query("branch", "Only members of this home branch (id or slug)")], response: D.array(D.ref("OnlineJoin")), auth: true)),
        "/api/v1/members/{memberID}/identity-check": .init(post: D.op(
            "An identity document matching name and birth date was seen: the member leaves the list of online joins", tag: "members",
            params: [D.pathParam("memberID", "Member id")], status: 204, auth: true,
            extra: [409: D.error("Checked already, or the member did not join online")])),
        "/api/v1/my/token": .init(
            post: D.operation(
                "Sign in as a member: card number and PIN, or e-mail address and password; returns a member token (shown once, 30 days)",
                tag: "my account", body: D.ref("MemberSignIn"),
                responses: [
                    201: D.response("Signed in", D.ref("MemberToken")),
                    400: D.error("No organisation, or neither card nor e-mail given"),
                    401: D.error("Card number or PIN (e-mail address or password) not right — the same answer for unknown cards"),
                    403: D.error("The card was reported lost or replaced"),
                    429: D.error("Too many failed tries (Retry-After), or the PIN is locked after five wrong ones"),
                ]),
            delete: op("Sign out: the token stops working", status: 204)),
        "/api/v1/my/pin-reset": .init(
            post: D.operation(
                "Ask for a link to choose a new PIN, by card number or e-mail address; the same answer whether or not they are known",
                tag: "my account",
                body: D.object(["organisation": D.string, "card": D.string, "email": D.string], required: ["organisation"]),
                responses: [
                    202: D.response("If the library knows the card or address and has an e-mail address, a link is on its way"),
                    400: D.error("No organisation, or neither card nor e-mail"),
                    429: D.error("Too many requests from this address"),
                ])),
        "/api/v1/my/pin-reset/confirm": .init(
            post: D.operation(
                "Choose the new PIN with the code from the link (once, within an hour); lifts a lock-out and ends the member's tokens",
                tag: "my account",
                body: D.object(["organisation": D.string, "code": D.string, "pin": D.string], required: ["organisation", "code", "pin"]),
                responses: [
                    204: D.response("The new PIN is set"),
                    400: D.error("The PIN will not do, or the code is used or past its hour"),
                ])),
        "/api/v1/my/accounts": .init(
            get: op("The accounts the member manages: their own, then their youth members'", response: D.array(D.ref("AccountLink")))),
        "/api/v1/my/accounts/{member}": .init(
            get: op("The account: member details, membership, blocks, loans, holds and fee lines", params: [account],
                    response: D.ref("MyAccount"))),
        "/api/v1/my/accounts/{member}/loans": .init(
            get: op("Current loans, due first", params: [account], response: D.array(D.ref("Loan")))),
        "/api/v1/my/accounts/{member}/loans/{loanID}/renew": .init(
            post: op("Renew one loan; refused (409) with the rule's reason", params: [account, loanID], response: D.ref("Renewal"))),
        "/api/v1/my/accounts/{member}/loans/renew-all": .init(
            post: op("Renew every loan that can be; each with its outcome", params: [account], response: D.ref("RenewAll"))),
        "/api/v1/my/accounts/{member}/holds": .init(
            get: op("Active holds with their place in the queue", params: [account], response: D.array(D.ref("Hold"))),
            post: op("Place a hold on a title, picked up at a branch", params: [account], body: D.ref("MyHoldInput"), status: 201,
                     response: D.ref("Hold"))),
        "/api/v1/my/accounts/{member}/holds/{holdID}": .init(
            delete: op("Cancel a hold", params: [account, holdID], status: 204),
            patch: op("Change a hold: another pickup branch (while no copy is on its way), pause until a day, or resume",
                      params: [account, holdID], body: D.ref("MyHoldChange"), response: D.ref("Hold"))),
        "/api/v1/my/accounts/{member}/fees": .init(
            get: op("The balance and the fee lines (charges, payments, waivers), newest first", params: [account], response: D.ref("MyFees"))),
        "/api/v1/my/accounts/{member}/details": .init(
            patch: op("Change contact details (e-mail, phone, address); a name or birth date is refused (staff only)", params: [account],
                      body: D.ref("ContactDetails"), response: D.ref("Member"))),
        "/api/v1/my/accounts/{member}/password": .init(
            put: op("Choose a password for signing in with the e-mail address (own account only)", params: [account],
                    body: D.object(["password": .string(minLength: 10)], required: ["password"]), status: 204)),
        "/api/v1/my/accounts/{member}/pin": .init(
            put: op("Choose a new PIN for card and kiosks; the current PIN is asked when there is one", params: [account],
                    body: D.object(["current_pin": D.string, "pin": D.string], required: ["pin"]), status: 204)),
        "/api/v1/my/accounts/{member}/preferences": .init(
            get: op("What the member receives (e-mail notices, newsletter, recommendations), their language, and every change with its words",
                    params: [account], response: D.ref("Preferences")),
            put: op("Change what the member receives or their language; each change is recorded with the words agreed to",
                    params: [account], body: D.ref("PreferencesInput"), response: D.ref("Preferences"))),
        "/api/v1/my/accounts/{member}/membership/renew": .init(
            post: op("Renew a membership that costs nothing this year (youth); a paid one answers 409 payment_required", params: [account],
                     response: D.ref("Member"))),
    ]

    static let relation = D.enumeration(AccountAccess.Relation.self)
    static let language = D.enumeration(Language.self)

    static let schemas: D.Schemas = [
        "JoinInput": D.object([
            "name": D.string, "birth_date": D.date, "email": D.string, "phone": D.string, "street": D.string, "postcode": D.string,
            "city": D.string, "home_branch": D.string.with(description: "Branch id or slug"),
            "membership_type": D.string.with(description: "A membership type code"),
            "password": D.string.with(description: "At least 10 characters, to sign in with the e-mail address"),
            "password_repeated": D.string, "language": D.enumeration(["nl", "en"]),
        ], required: ["name", "birth_date", "email", "street", "postcode", "city", "home_branch", "membership_type", "password"]),
        "Joined": D.object([
            "member_id": D.uuid, "card": D.string, "membership_type": D.string, "membership_end": D.date, "balance_cents": D.int,
            "identity_check_pending": D.bool,
        ], required: ["member_id", "card", "membership_type", "membership_end", "balance_cents", "identity_check_pending"]),
        "OnlineJoin": D.object([
            "member_id": D.uuid, "name": D.string, "birth_date": D.date, "card": D.nullableString, "home_branch_id": D.uuid,
            "membership_type": D.string, "balance_cents": D.int, "joined_at": D.dateTime,
            "possible_duplicate": D.bool.with(description: "Another member has the same name and birth date"),
        ], required: ["member_id", "name", "birth_date", "home_branch_id", "membership_type", "balance_cents", "joined_at", "possible_duplicate"]),
        "MemberSignIn": D.object([
            "organisation": D.string.with(description: "The library's slug, e.g. den-haag"),
            "card": D.string, "pin": D.string, "email": D.string, "password": D.string,
        ], required: ["organisation"]),
        "MemberToken": D.object([
            "token": D.string.with(description: "biebm_…; send as Authorization: Bearer"), "member_id": D.uuid, "organisation": D.string,
            "expires_at": D.dateTime,
        ]),
        "AccountLink": D.object(["id": D.uuid, "name": D.string, "relation": relation]),
        "MyAccount": D.object([
            "relation": relation, "organisation": D.string, "account": D.ref("Account"),
            "has_pin": D.bool, "signs_in_with_email": D.bool, "membership_fee_cents": D.int,
        ]),
        "MyHoldInput": D.object([
            "title_id": D.int, "pickup_branch": D.string.with(description: "Branch slug or id"),
        ], required: ["title_id", "pickup_branch"]),
        "MyHoldChange": D.object(["pickup_branch": D.string, "suspended_until": D.date, "resume": D.bool]),
        "MyFees": D.object(["balance_cents": D.int, "balance": D.string, "lines": D.array(D.ref("FeeLine"))]),
        "Preferences": D.object([
            "language": language, "has_email": D.bool, "service_notices": D.bool, "newsletter": D.bool, "recommendations": D.bool,
            "history": D.array(D.object([
                "purpose": D.string, "granted": D.bool, "at": D.dateTime, "text": D.string, "source": D.string,
            ])),
        ]),
        "PreferencesInput": D.object([
            "language": language, "service_notices": D.bool, "newsletter": D.bool, "recommendations": D.bool,
        ]),
        "ContactDetails": D.object([
            "email": D.nullableString, "phone": D.nullableString, "street": D.string, "postcode": D.string, "city": D.string,
        ]),
    ]
}
