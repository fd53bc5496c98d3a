import Foundation

/// The programme (activities, registrations, consultation hours, communities) in the OpenAPI document.
enum ProgrammeOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI
    typealias M = MemberAccountOpenAPI

    nonisolated(unsafe) static let uuid: [String: Any] = ["type": "string", "format": "uuid"]
    nonisolated(unsafe) static let moment: [String: Any] = ["type": "string", "format": "date-time"]
    nonisolated(unsafe) static let activityID = D.pathParam("activityID", "Activity id")
    nonisolated(unsafe) static let hourID = D.pathParam("hourID", "Consultation hour id")
    nonisolated(unsafe) static let communityID = D.pathParam("communityID", "Community id")
    nonisolated(unsafe) static let token = D.textParam("token", "The key from the link in the mail")
    static func intParam(_ name: String, _ description: String) -> [String: Any] {
        ["name": name, "in": "path", "required": true, "description": description, "schema": ["type": "integer"]]
    }
    nonisolated(unsafe) static let agendaQuery: [[String: Any]] = [
        D.query("branch", "Branch id"), D.query("from", "Still running after this moment (default now)", format: "date-time"),
        D.query("to", "Starting before this moment", format: "date-time"), D.query("kind", "Kind code"), D.query("theme", "Theme code"),
        D.query("audience", "children, youth, adults, seniors or newcomers"), D.query("paid", "true: paid only; false: free and walk-in", type: "boolean"),
        D.query("community", "Community id"), D.query("series", "Series id", type: "integer"), D.query("partner", "Partner id"),
        D.query("limit", "At most (default 50, up to 500)", type: "integer"), D.query("offset", "Skip", type: "integer"),
    ]

    static func open(_ summary: String, params: [[String: Any]] = [], body: [String: Any]? = nil, status: String = "200",
                     response: [String: Any]? = nil, limited: Bool = false) -> [String: Any] {
        D.op(summary, tag: "programme", params: [D.orgParam] + params, body: body, status: status, response: response,
             extra: ["409": ["description": "Refused: full is not refused (waiting list), but cancelled, begun, already registered, lapsed or a slot taken",
                             "content": D.json(D.ref("Error"))]].merging(limited ? D.tooMany : [:]) { $1 })
    }

    static func staff(_ summary: String, params: [[String: Any]] = [], body: [String: Any]? = nil, status: String = "200",
                      response: [String: Any]? = nil) -> [String: Any] {
        D.op(summary, tag: "programme", params: params, body: body, status: status, response: response, auth: true,
             extra: ["409": ["description": "Closed, not staffed, space taken (names the moment), or the activity was cancelled",
                             "content": D.json(D.ref("Error"))]])
    }

    nonisolated(unsafe) static let activityInput: [String: Any] = ["type": "object", "required": ["branch_id", "kind", "title", "sessions"], "properties": [
        "branch_id": uuid, "space_id": uuid, "venue_id": uuid, "kind": D.string, "title": D.string, "description": D.string, "image_url": D.string,
        "language": D.string, "accessibility": D.string,
        "core_function": ["type": "string", "enum": ["knowledge_information", "development_education", "reading_literature", "meeting_debate", "art_culture"]],
        "themes": D.array(D.string), "audiences": D.array(["type": "string", "enum": ["children", "youth", "adults", "seniors", "newcomers"]]),
        "age_min": C.int, "age_max": C.int, "series_id": C.int, "community_id": uuid, "organiser": D.string, "partner_ids": D.array(uuid),
        "list_id": uuid, "registration": ["type": "string", "enum": ["none", "free", "paid"]], "price_cents": C.int,
        "capacity": ["type": ["integer", "null"], "description": "Places; leave out for no limit"], "needs_staff": C.bool,
        "guest_data_days": ["type": "integer", "description": "Days after the activity that guests' names and addresses are kept (default 0)"],
        "sessions": D.array(["type": "object", "required": ["starts_at", "ends_at"], "properties": ["starts_at": moment, "ends_at": moment]]),
    ]]

    nonisolated(unsafe) static let guest: [String: Any] = ["type": "object", "required": ["name", "email"], "properties": [
        "name": D.string, "email": D.string, "places": C.int, "language": ["type": "string", "enum": ["nl", "en"]]]]

    nonisolated(unsafe) static let guestRules: [String: Any] = ["type": "object", "properties": [
        "places_per_registration": ["type": "integer", "minimum": 1, "maximum": 10, "description": "Default 2"],
        "confirm_hours": ["type": "integer", "minimum": 1, "maximum": 168, "description": "Default 24; never past the start"]]]

    nonisolated(unsafe) static let appointmentInput: [String: Any] = ["type": "object", "required": ["slot"], "properties": [
        "hour_id": uuid, "slot": moment, "name": D.string, "email": D.string, "question": D.string, "language": D.string]]

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/organisations/{org}/agenda": ["get": open("The agenda: published (and cancelled) activities still running, first starting first",
                                                           params: agendaQuery, response: D.array(D.ref("Activity")))],
        "/api/v1/organisations/{org}/activities/{activityID}": ["get": open("An activity with places left", params: [activityID], response: D.ref("Activity"))],
        "/api/v1/organisations/{org}/activities/{activityID}/registrations": [
            "post": open("Register without an account (name and e-mail, erased after the activity); a full activity puts you on the waiting list. "
                         + "Provisional until confirmed by the link in the mail (within the organisation's guest rules); rate-limited per address and activity; "
                         + "one unconfirmed mail an hour per address (429 confirmation_pending)",
                         params: [activityID], body: guest, status: "201", response: D.ref("Registration"), limited: true),
        ],
        "/api/v1/organisations/{org}/registrations/{token}": [
            "get": open("A registration by the key from its mail", params: [token], response: D.ref("Registration")),
            "delete": open("Cancel by the key (the waiting list moves up)", params: [token], status: "204"),
        ],
        "/api/v1/organisations/{org}/registrations/{token}/confirm": [
            "post": open("Confirm a guest's registration by the key from its mail (409 registration_lapsed when too late)", params: [token],
                         response: D.ref("Registration")),
        ],
        "/api/v1/organisations/{org}/programme-terms": ["get": open("Kinds, themes, audiences and core functions", response: ["type": "object"])],
        "/api/v1/organisations/{org}/communities": ["get": open("Communities", response: D.array(D.ref("Community")))],
        "/api/v1/organisations/{org}/communities/{communityID}": ["get": open("A community with its coming meetings", params: [communityID],
                                                                               response: D.ref("Community"))],
        "/api/v1/organisations/{org}/consultation-hours": [
            "get": open("Partners' consultation hours with free slots (default: the coming four weeks)",
                        params: [D.query("branch", "Branch id"), D.query("partner", "Partner id"), D.query("from", "From", format: "date-time"),
                                 D.query("to", "To (at most 93 days)", format: "date-time")], response: D.array(D.ref("ConsultationHour"))),
        ],
        "/api/v1/organisations/{org}/consultation-hours/{hourID}/appointments": [
            "post": open("Book a slot without an account (one wins a raced slot; 409 slot_taken; rate-limited per address)", params: [hourID],
                         body: appointmentInput, status: "201", response: D.ref("Appointment"), limited: true),
        ],
        "/api/v1/organisations/{org}/appointments/{token}": ["delete": open("Cancel an appointment by its key", params: [token], status: "204")],

        "/api/v1/activities": [
            "get": staff("Activities incl. drafts (partners: those they co-organise)", params: agendaQuery, response: D.array(D.ref("Activity"))),
            "post": staff("Plan an activity (a draft; its sessions hold the space tentatively)", body: activityInput, status: "201", response: D.ref("Activity")),
        ],
        "/api/v1/activities/{activityID}": ["put": staff("Change an activity (more places move the waiting list up)", params: [activityID],
                                                         body: activityInput, response: D.ref("Activity"))],
        "/api/v1/activities/{activityID}/plan": ["get": staff("An activity as planned (staff view)", params: [activityID], response: D.ref("Activity"))],
        "/api/v1/activities/{activityID}/publish": ["post": staff("Publish: the space bookings are confirmed (a lapsed hold is booked again)",
                                                                  params: [activityID], response: D.ref("Activity"))],
        "/api/v1/activities/{activityID}/cancel": ["post": staff("Call off: spaces freed, registrations told, paid places credited",
                                                                 params: [activityID], response: D.ref("Activity"))],
        "/api/v1/activities/{activityID}/registrations": [
            "get": {
                var op = staff("The door list (registered, then waiting) with names, cards and check-ins; ?format=csv for a spreadsheet (logged as views)",
                               params: [activityID, D.query("format", "csv")], response: D.array(D.ref("Registration")))
                var responses = op["responses"] as! [String: Any]
                responses["200"] = ["description": "OK", "content": D.json(D.array(D.ref("Registration")))
                    .merging(["text/csv": ["schema": ["type": "string"]]]) { $1 }]
                op["responses"] = responses
                return op
            }(),
            "post": staff("Register someone at the desk: member_id, card, or name and e-mail", params: [activityID],
                          body: ["type": "object", "properties": ["member_id": uuid, "card": D.string, "name": D.string, "email": D.string, "places": C.int]],
                          status: "201", response: D.ref("Registration")),
        ],
        "/api/v1/activities/{activityID}/registrations/{registrationID}": [
            "delete": staff("Cancel a registration", params: [activityID, intParam("registrationID", "Registration id")], status: "204"),
        ],
        "/api/v1/activities/{activityID}/attendance": [
            "get": staff("Per session: registered, checked in, no-shows once over", params: [activityID],
                         response: D.array(["type": "object", "properties": ["session_id": C.int, "starts_at": moment, "ends_at": moment, "registered": C.int,
                                                                             "attended": C.int, "no_shows": ["type": ["integer", "null"]]]])),
        ],
        "/api/v1/activities/{activityID}/sessions/{sessionID}/check-in": [
            "post": staff("Check in by registration_id or a scanned card", params: [activityID, intParam("sessionID", "Session id")],
                          body: ["type": "object", "properties": ["registration_id": C.int, "card": D.string]], response: D.ref("Registration")),
        ],
        "/api/v1/activities/{activityID}/sessions/{sessionID}/check-in/{registrationID}": [
            "delete": staff("Undo a check-in", params: [activityID, intParam("sessionID", "Session id"), intParam("registrationID", "Registration id")],
                            status: "204"),
        ],
        "/api/v1/programme/guest-rules": [
            "get": staff("How guests register: places per registration, hours to confirm by the mailed link", response: guestRules),
            "put": staff("Change the rules for guests (any subset)", body: guestRules, response: guestRules),
        ],
        "/api/v1/programme-terms/{vocabulary}": [
            "post": staff("Add or rename a kind or theme of the organisation", params: [D.textParam("vocabulary", "kind or theme", values: ["kind", "theme"])],
                          body: ["type": "object", "required": ["code", "name_nl"], "properties": ["code": D.string, "name_nl": D.string, "name_en": D.string]],
                          response: ["type": "object"]),
        ],
        "/api/v1/activity-series": [
            "get": staff("Series", response: D.array(["type": "object"])),
            "post": staff("Create a series", body: ["type": "object", "required": ["title"], "properties": ["title": D.string, "description": D.string]],
                          status: "201", response: ["type": "object"]),
        ],
        "/api/v1/venues": [
            "get": staff("External venues", response: D.array(["type": "object"])),
            "post": staff("Add an external venue (a community centre for outreach)", body: ["type": "object", "required": ["name", "address"],
                          "properties": ["name": D.string, "address": D.string, "notes": D.string, "branch_id": uuid]], status: "201", response: ["type": "object"]),
        ],
        "/api/v1/communities": ["post": staff("Create a community", body: ["type": "object", "required": ["name"], "properties": [
            "name": D.string, "description": D.string, "contact": D.string, "branch_id": uuid]], status: "201", response: D.ref("Community"))],
        "/api/v1/communities/{communityID}": ["put": staff("Change a community", params: [communityID], body: ["type": "object"], response: D.ref("Community"))],
        "/api/v1/consultation-hours": [
            "post": staff("Publish one consultation hour or a weekly run (partners: their own, in branches that house them); slot_minutes empty = walk-in",
                          body: ["type": "object", "required": ["branch_id", "title"], "properties": [
                              "partner_id": uuid, "branch_id": uuid, "space_id": uuid, "title": D.string, "description": D.string, "slot_minutes": C.int,
                              "starts_at": moment, "ends_at": moment, "weekly": ["type": "object", "description": "As a space series: weekdays, starts, duration_minutes, from, through, every_weeks, skipped"]]],
                          status: "201", response: D.array(D.ref("ConsultationHour"))),
        ],
        "/api/v1/consultation-hours/{hourID}/appointments": ["get": staff("Appointments with names and questions (the partner, staff)", params: [hourID],
                                                                          response: D.array(D.ref("Appointment")))],
        "/api/v1/consultation-hours/{hourID}": ["delete": staff("Cancel an hour (appointments told)", params: [hourID], status: "204")],

        "/api/v1/my/accounts/{member}/registrations": [
            "get": M.op("The member's registrations with their activities", params: [M.account], response: D.array(["type": "object"])),
            "post": M.op("Register (paid: the price goes on the fees)", params: [M.account],
                         body: ["type": "object", "required": ["activity_id"], "properties": ["activity_id": uuid, "places": C.int]],
                         status: "201", response: D.ref("Registration")),
        ],
        "/api/v1/my/accounts/{member}/registrations/{registrationID}": [
            "delete": M.op("Cancel (paid: credited back)", params: [M.account, intParam("registrationID", "Registration id")], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/communities": ["get": M.op("Communities the member follows", params: [M.account], response: D.array(D.ref("Community")))],
        "/api/v1/my/accounts/{member}/communities/{communityID}": [
            "put": M.op("Follow", params: [M.account, communityID], status: "204"),
            "delete": M.op("Unfollow", params: [M.account, communityID], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/appointments": [
            "post": M.op("Book a consultation slot", params: [M.account], body: appointmentInput, status: "201", response: D.ref("Appointment")),
        ],
        "/api/v1/my/accounts/{member}/appointments/{appointmentID}": [
            "delete": M.op("Cancel an appointment", params: [M.account, intParam("appointmentID", "Appointment id")], status: "204"),
        ],
        "/api/v1/my/accounts/{member}/calendar-feed": [
            "post": M.op("A new secret address of the personal calendar feed (iCalendar); the old one stops working", params: [M.account],
                         response: ["type": "object", "properties": ["url": D.string]]),
            "delete": M.op("Stop the personal calendar feed", params: [M.account], status: "204"),
        ],
    ]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "Activity": ["type": "object", "properties": [
            "id": uuid, "url": D.string, "status": ["type": "string", "enum": ["draft", "published", "cancelled"]], "branch_id": uuid,
            "space_id": ["type": ["string", "null"], "format": "uuid"], "venue_id": ["type": ["string", "null"], "format": "uuid"], "kind": D.string,
            "title": D.string, "description": D.string, "image_url": D.string, "language": D.string, "accessibility": D.string, "core_function": D.string,
            "themes": D.array(D.string), "audiences": D.array(D.string), "age_min": ["type": ["integer", "null"]], "age_max": ["type": ["integer", "null"]],
            "series_id": ["type": ["integer", "null"]], "community_id": ["type": ["string", "null"], "format": "uuid"], "organiser": D.string,
            "partner_ids": D.array(uuid), "list_id": ["type": ["string", "null"], "format": "uuid"], "registration": D.string, "price_cents": C.int,
            "capacity": ["type": ["integer", "null"]], "places_left": ["type": ["integer", "null"]], "registered": C.int, "waiting": C.int,
            "needs_staff": C.bool, "guest_data_days": ["type": ["integer", "null"]],
            "sessions": D.array(["type": "object", "properties": ["id": C.int, "starts_at": moment, "ends_at": moment, "booking_id": ["type": ["integer", "null"]]]]),
        ]],
        "Registration": ["type": "object", "properties": [
            "id": C.int, "activity_id": uuid, "status": ["type": "string", "enum": ["registered", "waiting", "cancelled", "lapsed"]], "places": C.int,
            "confirmed": ["type": "boolean", "description": "False while a guest's registration waits for the link in its mail"],
            "confirm_by": ["type": ["string", "null"], "format": "date-time", "description": "Until when a provisional registration may be confirmed"],
            "member_id": ["type": ["string", "null"], "format": "uuid"], "name": ["type": ["string", "null"]], "email": ["type": ["string", "null"]],
            "cancel_url": ["type": ["string", "null"]], "created_at": moment, "promoted_at": ["type": ["string", "null"], "format": "date-time"],
            "card": ["type": ["string", "null"]], "attended_sessions": ["type": ["array", "null"], "items": C.int],
        ]],
        "Community": ["type": "object", "properties": [
            "id": uuid, "name": D.string, "description": D.string, "contact": D.string, "branch_id": ["type": ["string", "null"], "format": "uuid"],
            "followers": C.int, "meetings": ["type": ["array", "null"], "items": D.ref("Activity")],
        ]],
        "ConsultationHour": ["type": "object", "properties": [
            "id": uuid, "partner_id": uuid, "partner": D.string, "branch_id": uuid, "space_id": ["type": ["string", "null"], "format": "uuid"],
            "title": D.string, "description": D.string, "starts_at": moment, "ends_at": moment, "slot_minutes": ["type": ["integer", "null"]],
            "walk_in": C.bool, "cancelled": C.bool, "free_slots": D.array(moment),
        ]],
        "Appointment": ["type": "object", "properties": [
            "id": C.int, "hour_id": uuid, "slot_start": moment, "status": D.string, "member_id": ["type": ["string", "null"], "format": "uuid"],
            "name": ["type": ["string", "null"]], "email": ["type": ["string", "null"]], "question": ["type": ["string", "null"]],
            "cancel_url": ["type": ["string", "null"]],
        ]],
    ]
}
