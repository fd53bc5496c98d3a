import BiebCore
import BiebStore
import OpenAPIKit

/// The collection plan in the OpenAPI document: figures (`viewCollection`),
/// thresholds, weeding, purchasing and balancing (`manageCollection`).
enum CollectionOpenAPI {
    typealias D = OpenAPIDocument

    static func staff(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                      response: JSONSchema? = nil, conflict: String? = nil) -> OpenAPI.Operation {
        D.op(summary, tag: "collection", params: params, body: body, status: status, response: response, auth: true,
             extra: conflict.map { [409: D.error($0)] } ?? [:])
    }

    static let listID = D.intParam("id", "Weeding list id")
    static let part = D.enumeration(CollectionSegment.self)

    static var disposal: OpenAPI.Operation {
        var operation = staff("The disposal list of a signed weeding list as CSV (UTF-8 with a byte order mark): the copies withdrawn, with barcode, title, author, year, call number, reasons, loans, last loan and note",
                              params: [listID], conflict: "The list is not signed off")
        operation.responses[.status(code: 200)] = .response(OpenAPI.Response(description: "CSV", content: D.content(.csv, D.string)))
        return operation
    }

    static let paths: D.Paths = [
        "/api/v1/collection/segments": .init(get: staff(
            "How each part of the collection works, for one branch or the whole library: holdings, loans of the last 12 months, turnover, relative use, dead stock and average age per segment at a level, beside the same month a year ago; loans under 5 are \"<5\" with the measures made from them left out",
            params: [D.query("branch", "Branch slug or id (empty: the whole library)"),
                     D.query("level", "part (default), format, heading (NUR heading) or full (format × part × heading)", D.enumeration(SegmentLevel.self))],
            response: D.ref("CollectionTable"))),
        "/api/v1/collection/branches": .init(get: staff(
            "The branches side by side, for one part of the collection or all of it, beside a year ago",
            params: [D.query("part", "A part of the collection (empty: all)", part)], response: D.ref("CollectionTable"))),
        "/api/v1/collection/lists": .init(get: staff(
            "The curated lists as segments: the copies of their titles, organisation-wide",
            response: D.array(D.object(["slug": D.string, "name": D.string, "figures": D.ref("CollectionFigures"), "relative_use": D.nullable(D.number)],
                                       required: ["slug", "name", "figures"])))),
        "/api/v1/collection/thresholds": .init(
            get: staff("The weeding thresholds per part and NUR heading: the organisation's own where set, else the defaults",
                       response: D.array(D.ref("WeedingThreshold"))),
            put: staff("Set the thresholds of a part, or of one NUR heading in it (manageCollection); answers every threshold",
                       body: D.object(["part": part, "heading": D.nullableInt, "max_age_years": D.nullableInt, "idle_months": D.int, "worn_loans": D.int,
                                       "loans_per_copy": D.int], required: ["part", "idle_months", "worn_loans", "loans_per_copy"]),
                       response: D.array(D.ref("WeedingThreshold")))),
        "/api/v1/collection/weeding-lists": .init(
            get: staff("The weeding lists, newest first", params: [D.query("branch", "Branch slug or id")], response: D.array(D.ref("WeedingSummary"))),
            post: staff("Make a branch's weeding list from today's candidates", body: D.object(["branch": D.string], required: ["branch"]), status: 201,
                        response: D.ref("WeedingList"), conflict: "The branch has an open list (weeding_list_open)")),
        "/api/v1/collection/weeding-lists/{id}": .init(get: staff(
            "A weeding list with a page of its lines, most reasons first, then by call number (`page`, `per_page`; also on making and reviewing)",
            params: [listID, D.query("page", "Page (from 1)", D.int), D.query("per_page", "1–1000, default 200", D.int)], response: D.ref("WeedingList"))),
        "/api/v1/collection/weeding-lists/{id}/review": .init(post: staff(
            "Decide lines of an open list: withdraw, or keep with a note; undecided \"withdraw\" marks every line left undecided withdraw",
            params: [listID], body: D.object(["lines": D.array(D.object(["line": D.int, "decision": D.enumeration(WeedingLists.Decision.self),
                                                                           "note": D.string], required: ["line", "decision"])),
                                              "undecided": D.string], required: ["lines"]),
            response: D.ref("WeedingList"), conflict: "The list was signed off or discarded (weeding_list_closed)")),
        "/api/v1/collection/weeding-lists/{id}/sign-off": .init(post: staff(
            "Sign the list off: the copies marked withdraw that are on the shelf are withdrawn in one transaction; those lent, in transit or held since stay",
            params: [listID], response: D.object(["withdrawn": D.int, "in_use": D.array(D.string), "kept": D.int], required: ["withdrawn", "in_use", "kept"]),
            conflict: "Lines not decided yet (weeding_list_undecided), or already signed or discarded (weeding_list_closed)")),
        "/api/v1/collection/weeding-lists/{id}/discard": .init(post: staff("Throw an open list away: nothing is withdrawn", params: [listID], status: 204,
                                                                          conflict: "Already signed or discarded")),
        "/api/v1/collection/weeding-lists/{id}/disposal.csv": .init(get: disposal),
        "/api/v1/collection/purchase-suggestions": .init(get: staff(
            "Purchase suggestions now: more than 3 holds a copy (copies on order count), holds at a branch without a copy, new editions of well-used titles",
            response: D.array(D.ref("PurchaseSuggestion")))),
        "/api/v1/collection/purchase-suggestions/dismiss": .init(post: staff(
            "Dismiss a suggestion with a reason; it comes back only when it asks for more copies",
            body: D.object(["title": D.int, "branch": D.nullableString, "reason": D.enumeration(PurchaseReason.self), "copies": D.int, "note": D.string],
                           required: ["title", "reason", "note"]), status: 204)),
        "/api/v1/collection/orders": .init(
            get: staff("Orders (open by default)", params: [D.query("status", "open, received, cancelled or all", D.enumeration(["open", "received", "cancelled", "all"]))],
                       response: D.array(D.ref("PurchaseOrder"))),
            post: staff("Put copies of a title on order for a branch", body: D.object(["title": D.int, "branch": D.string, "copies": D.int,
                                                                                      "expected_on": D.nullableDate, "reason": D.nullable(D.enumeration(PurchaseReason.self))],
                                                                                     required: ["title", "branch", "copies"]),
                        status: 201, response: D.ref("PurchaseOrder"))),
        "/api/v1/collection/orders/{id}/close": .init(post: staff(
            "Close an open order as received or cancelled", params: [D.intParam("id", "Order id")],
            body: D.object(["status": D.enumeration(["received", "cancelled"])], required: ["status"]), status: 204, conflict: "Not open")),
        "/api/v1/collection/capacities": .init(
            get: staff("Shelf capacities per branch and part, beside the holdings", response: D.array(D.ref("ShelfCapacity"))),
            put: staff("Set (or with no capacity remove) a branch's capacity for a part", body: D.object(["branch": D.string, "part": part, "capacity": D.nullableInt],
                                                                                                        required: ["branch", "part"]),
                       response: D.array(D.ref("ShelfCapacity")))),
        "/api/v1/collection/balance": .init(get: staff("The moves the capacities ask for, and the open balance transfers", response: D.ref("Balance"))),
        "/api/v1/collection/balance/transfers": .init(
            post: staff("Make the transfer list of the moves (a floating collection): a balance transfer, not yet sent, on each chosen copy", status: 201,
                        response: D.array(D.ref("BalanceTransfer")), conflict: "Not a floating collection (not_floating)"),
            delete: staff("Withdraw the balance transfers not sent yet", params: [D.query("branch", "Only those of this branch")],
                          response: D.object(["cancelled": D.int], required: ["cancelled"]))),
        "/api/v1/collection/balance/send": .init(post: staff(
            "A picked copy scanned to send (circulate at that branch): it goes into transit; the return scan at the other branch receives it",
            body: D.object(["barcode": D.string, "branch": D.string], required: ["barcode", "branch"]), response: D.ref("BalanceTransfer"),
            conflict: "The copy is no longer on the shelf (item_in_circulation)")),
        "/api/v1/collection/themes": .init(
            get: staff("The programme's themes with the NUR headings of the collection that match each", response: D.array(D.ref("ThemeShelfSetting"))),
            put: staff("Set the NUR headings that match a theme (an empty list: none)",
                       body: D.object(["theme": D.string, "headings": D.array(D.int)], required: ["theme", "headings"]),
                       response: D.array(D.ref("ThemeShelfSetting")))),
        "/api/v1/collection/themes/{theme}/shelf": .init(get: staff(
            "A theme's shelf: how it works at a branch and in the whole library, and its best-lent titles with a copy at the branch (the whole library's when the branch has none), for an activity's page",
            params: [D.textParam("theme", "Theme code"), D.query("branch", "Branch slug or id")], response: D.ref("ThemeShelf"))),
    ]

    static let figures = D.object([
        "holdings": D.int, "loans": D.nullableInt.with(description: "Loans of the last 12 months; null when under 5"), "loans_shown": D.string,
        "turnover": D.nullable(D.number), "dead": D.int, "dead_share": D.nullable(D.number), "average_age": D.nullable(D.number),
    ], required: ["holdings", "loans_shown", "dead"])

    static let schemas: D.Schemas = [
        "CollectionFigures": figures,
        "CollectionTable": D.object([
            "day": D.date, "branch": D.nullableString, "level": D.nullableString, "part": D.nullableString,
            "lines": D.array(D.ref("CollectionLine")), "total": D.ref("CollectionLine"),
        ], required: ["day", "lines", "total"]),
        "CollectionLine": D.object([
            "key": D.string.with(description: "A segment key (format.part.heading) or a branch slug"), "name": D.string,
            "figures": D.ref("CollectionFigures"), "relative_use": D.nullable(D.number), "last_year": D.nullable(D.ref("CollectionFigures")),
        ], required: ["key", "name", "figures"]),
        "WeedingThreshold": D.object([
            "part": part, "heading": D.nullableInt, "own": D.bool, "max_age_years": D.nullableInt, "idle_months": D.int, "worn_loans": D.int,
            "loans_per_copy": D.int,
        ], required: ["part", "own", "idle_months", "worn_loans", "loans_per_copy"]),
        "WeedingSummary": D.object([
            "id": D.int, "branch": D.string, "status": D.enumeration(BiebStore.WeedingList.Status.self), "made_on": D.date, "made_by": D.string,
            "signed_by": D.nullableString, "signed_at": D.nullableDateTime, "lines": D.int, "decided": D.int, "withdrawn": D.int,
        ], required: ["id", "branch", "status", "made_on", "made_by", "lines", "decided", "withdrawn"]),
        "WeedingList": D.object([
            "list": D.ref("WeedingSummary"), "page": D.int, "per_page": D.int,
            "lines": D.array(D.object([
                "id": D.int, "barcode": D.string, "title_id": D.int, "title": D.string, "author": D.nullableString, "edition_year": D.nullableInt,
                "call_number": D.string, "segment": D.string, "reasons": D.array(D.enumeration(WeedingReason.self)), "lifetime_loans": D.int,
                "last_loan_on": D.nullableDate, "decision": D.nullable(D.enumeration(WeedingLists.Decision.self)), "note": D.string,
                "decided_by": D.nullableString, "outcome": D.nullable(D.enumeration(["withdrawn", "in_use", "kept"])),
            ], required: ["id", "barcode", "title_id", "title", "call_number", "segment", "reasons", "lifetime_loans", "note"])),
        ], required: ["list", "page", "per_page", "lines"]),
        "PurchaseSuggestion": D.object([
            "title_id": D.int, "title": D.string, "author": D.nullableString, "year": D.nullableInt, "branch": D.nullableString,
            "reason": D.enumeration(PurchaseReason.self), "copies": D.int, "holds": D.int, "copies_held": D.int, "on_order": D.int, "loans": D.int,
            "older_title_id": D.nullableInt,
        ], required: ["title_id", "title", "reason", "copies", "holds", "copies_held", "on_order", "loans"]),
        "PurchaseOrder": D.object([
            "id": D.int, "title_id": D.int, "title": D.string, "branch": D.string, "copies": D.int, "expected_on": D.nullableDate,
            "reason": D.nullableString, "status": D.enumeration(PurchaseOrders.Status.self), "ordered_by": D.string, "created_at": D.dateTime,
        ], required: ["id", "title_id", "title", "branch", "copies", "status", "ordered_by", "created_at"]),
        "ShelfCapacity": D.object(["branch": D.string, "part": part, "capacity": D.int, "holdings": D.int], required: ["branch", "part", "capacity", "holdings"]),
        "BalanceTransfer": D.object([
            "transfer_id": D.int, "barcode": D.string, "title": D.string, "call_number": D.string, "from": D.string, "to": D.string, "sent": D.bool,
        ], required: ["transfer_id", "barcode", "title", "call_number", "from", "to", "sent"]),
        "ThemeShelfSetting": D.object(["theme": D.string, "name_nl": D.string, "name_en": D.string, "headings": D.array(D.int)],
                                      required: ["theme", "name_nl", "name_en", "headings"]),
        "ThemeShelf": D.object([
            "headings": D.array(D.int), "branch": D.nullable(D.ref("CollectionFigures")), "organisation": D.ref("CollectionFigures"),
            "titles": D.array(D.object(["title_id": D.int, "title": D.string, "author": D.nullableString, "year": D.nullableInt, "available": D.int],
                                       required: ["title_id", "title", "available"])),
            "from_whole_library": D.bool,
        ], required: ["headings", "organisation", "titles", "from_whole_library"]),
        "Balance": D.object([
            "moves": D.array(D.object(["part": part, "from": D.string, "to": D.string, "copies": D.int], required: ["part", "from", "to", "copies"])),
            "transfers": D.array(D.ref("BalanceTransfer")),
        ], required: ["moves", "transfers"]),
    ]
}
