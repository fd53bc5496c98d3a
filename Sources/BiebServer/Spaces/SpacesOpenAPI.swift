import BiebStore
import OpenAPIKit

/// Space bookings in the OpenAPI document.
enum SpacesOpenAPI {
    typealias D = OpenAPIDocument
    typealias M = MemberAccountOpenAPI

    static let spaceID = D.pathParam("spaceID", "Space id")
    static let bookingID = D.intParam("bookingID", "Booking id")
    static let window: [OpenAPI.Parameter] = [
        D.query("from", "From this moment (ISO 8601; default now)", D.dateTime),
        D.query("to", "Until this moment (default a week later; at most 62 days)", D.dateTime),
    ]

    static func op(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                   response: JSONSchema? = nil, auth: Bool = true) -> OpenAPI.Operation {
        D.op(summary, tag: "spaces", params: params, body: body, status: status, response: response, auth: auth,
             extra: [409: D.error("Closed, not staffed, taken (names the moment), or a hold that lapsed")])
    }

    static let bookInput = D.object([
        "starts_at": D.dateTime, "ends_at": D.dateTime, "title": D.string, "tentative": D.bool, "hold_hours": D.int, "needs_staff": D.bool,
    ], required: ["starts_at", "ends_at", "title"])

    static let paths: D.Paths = [
        "/api/v1/branches/{branchID}/study-places": .init(
            get: op("Free study places per study area, now or `at` (public)", params: [D.branchID, D.query("at", "Moment", D.dateTime)],
                    response: D.array(D.object(["space_id": D.uuid, "name": D.string, "places": D.int, "free": D.int, "bookable": D.bool])),
                    auth: false)),
        "/api/v1/branches/{branchID}/bookings": .init(
            get: op("Every booking of the branch's spaces in a window (staff): the week calendar", params: [D.branchID] + window,
                    response: D.array(D.ref("SpaceBooking")))),
        "/api/v1/spaces/{spaceID}/bookings": .init(
            get: op("A space's bookings in a window (staff)", params: [spaceID] + window, response: D.array(D.ref("SpaceBooking"))),
            post: op("Book a space once (staff): within opening hours (staffed hours with needs_staff); tentative holds lapse after hold_hours",
                     params: [spaceID], body: bookInput, status: 201, response: D.ref("SpaceBooking"))),
        "/api/v1/spaces/{spaceID}/series": .init(
            post: op("Book a weekly series, all or none (staff); 409 names the date that does not fit", params: [spaceID],
                     body: D.object([
                         "weekdays": D.array(D.string), "starts": D.string, "duration_minutes": D.int, "from": D.date, "through": D.date,
                         "every_weeks": D.int, "skipped": D.array(D.date), "title": D.string, "needs_staff": D.bool,
                     ], required: ["weekdays", "starts", "duration_minutes", "from", "through", "title"]),
                     status: 201, response: D.object(["series_id": D.int, "bookings": D.array(D.ref("SpaceBooking"))]))),
        "/api/v1/bookings/{bookingID}/confirm": .init(
            post: op("Confirm a tentative hold before it lapses (staff)", params: [bookingID], response: D.ref("SpaceBooking"))),
        "/api/v1/bookings/{bookingID}": .init(
            delete: op("Cancel a booking (staff)", params: [bookingID], status: 204)),
        "/api/v1/my/accounts/{member}/study-places": .init(
            get: M.op("The member's study place bookings", params: [M.account], response: D.array(D.ref("SpaceBooking"))),
            post: M.op("Book a study place at a branch (any study area with room; self-service hours will do)", params: [M.account],
                       body: D.object(["branch": D.string, "starts_at": D.dateTime, "ends_at": D.dateTime], required: ["branch", "starts_at", "ends_at"]),
                       status: 201, response: D.ref("SpaceBooking"))),
        "/api/v1/my/accounts/{member}/study-places/{bookingID}": .init(
            delete: M.op("Cancel the member's study place booking", params: [M.account, bookingID], status: 204)),
    ]

    static let schemas: D.Schemas = [
        "SpaceBooking": D.object([
            "id": D.int, "space_id": D.uuid, "branch_id": D.uuid, "starts_at": D.dateTime, "ends_at": D.dateTime,
            "status": D.enumeration(SpaceBooking.Status.self), "hold_until": D.nullableDateTime, "title": D.string,
            "series_id": D.nullableInt, "needs_staff": D.bool, "member_id": D.nullableUUID,
        ]),
    ]
}
