import Foundation

/// Space bookings in the OpenAPI document.
enum SpacesOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI
    typealias M = MemberAccountOpenAPI

    nonisolated(unsafe) static let branchID = D.pathParam("branchID", "Branch id")
    nonisolated(unsafe) static let spaceID = D.pathParam("spaceID", "Space id")
    nonisolated(unsafe) static let bookingID: [String: Any] = ["name": "bookingID", "in": "path", "required": true, "description": "Booking id",
                                                               "schema": ["type": "integer"]]
    nonisolated(unsafe) static let window: [[String: Any]] = [
        D.query("from", "From this moment (ISO 8601; default now)", format: "date-time"),
        D.query("to", "Until this moment (default a week later; at most 62 days)", format: "date-time"),
    ]

    static func op(_ summary: String, params: [[String: Any]] = [], body: [String: Any]? = nil, status: String = "200",
                   response: [String: Any]? = nil, auth: Bool = true) -> [String: Any] {
        D.op(summary, tag: "spaces", params: params, body: body, status: status, response: response, auth: auth,
             extra: ["409": ["description": "Closed, not staffed, taken (names the moment), or a hold that lapsed", "content": D.json(D.ref("Error"))]])
    }

    nonisolated(unsafe) static let bookInput: [String: Any] = ["type": "object", "required": ["starts_at", "ends_at", "title"], "properties": [
        "starts_at": ["type": "string", "format": "date-time"], "ends_at": ["type": "string", "format": "date-time"], "title": D.string,
        "tentative": C.bool, "hold_hours": C.int, "needs_staff": C.bool]]

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/branches/{branchID}/study-places": [
            "get": op("Free study places per study area, now or `at` (public)", params: [branchID, D.query("at", "Moment", format: "date-time")],
                      response: D.array(["type": "object", "properties": ["space_id": ["type": "string", "format": "uuid"], "name": D.string,
                                                                            "places": C.int, "free": C.int, "bookable": C.bool]]), auth: false),
        ],
        "/api/v1/branches/{branchID}/bookings": [
            "get": op("Every booking of the branch's spaces in a window (staff): the week calendar", params: [branchID] + window,
                      response: D.array(D.ref("SpaceBooking"))),
        ],
        "/api/v1/spaces/{spaceID}/bookings": [
            "get": op("A space's bookings in a window (staff)", params: [spaceID] + window, response: D.array(D.ref("SpaceBooking"))),
            "post": op("Book a space once (staff): within opening hours (staffed hours with needs_staff); tentative holds lapse after hold_hours",
                       params: [spaceID], body: bookInput, status: "201", response: D.ref("SpaceBooking")),
        ],
        "/api/v1/spaces/{spaceID}/series": [
            "post": op("Book a weekly series, all or none (staff); 409 names the date that does not fit", params: [spaceID],
                       body: ["type": "object", "required": ["weekdays", "starts", "duration_minutes", "from", "through", "title"], "properties": [
                           "weekdays": D.array(D.string), "starts": D.string, "duration_minutes": C.int, "from": ["type": "string", "format": "date"],
                           "through": ["type": "string", "format": "date"], "every_weeks": C.int, "skipped": D.array(["type": "string", "format": "date"]),
                           "title": D.string, "needs_staff": C.bool]],
                       status: "201", response: ["type": "object", "properties": ["series_id": C.int, "bookings": D.array(D.ref("SpaceBooking"))]]),
        ],
        "/api/v1/bookings/{bookingID}/confirm": [
            "post": op("Confirm a tentative hold before it lapses (staff)", params: [bookingID], response: D.ref("SpaceBooking")),
        ],
        "/api/v1/bookings/{bookingID}": [
            "delete": op("Cancel a booking (staff)", params: [bookingID], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/study-places": [
            "get": M.op("The member's study place bookings", params: [M.account], response: D.array(D.ref("SpaceBooking"))),
            "post": M.op("Book a study place at a branch (any study area with room; self-service hours will do)", params: [M.account],
                         body: ["type": "object", "required": ["branch", "starts_at", "ends_at"], "properties": [
                             "branch": D.string, "starts_at": ["type": "string", "format": "date-time"], "ends_at": ["type": "string", "format": "date-time"]]],
                         status: "201", response: D.ref("SpaceBooking")),
        ],
        "/api/v1/my/accounts/{member}/study-places/{bookingID}": [
            "delete": M.op("Cancel the member's study place booking", params: [M.account, bookingID], status: "204"),
        ],
    ]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "SpaceBooking": ["type": "object", "properties": [
            "id": C.int, "space_id": ["type": "string", "format": "uuid"], "branch_id": ["type": "string", "format": "uuid"],
            "starts_at": ["type": "string", "format": "date-time"], "ends_at": ["type": "string", "format": "date-time"],
            "status": ["type": "string", "enum": ["tentative", "confirmed", "cancelled", "expired"]],
            "hold_until": ["type": ["string", "null"], "format": "date-time"], "title": D.string, "series_id": ["type": ["integer", "null"]],
            "needs_staff": C.bool, "member_id": ["type": ["string", "null"], "format": "uuid"],
        ]],
    ]
}
