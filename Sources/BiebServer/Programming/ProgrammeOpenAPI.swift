import BiebCore
import BiebStore
import OpenAPIKit

/// The programme (activities, registrations, consultation hours, communities) in the OpenAPI document.
enum ProgrammeOpenAPI {
    typealias D = OpenAPIDocument
    typealias M = MemberAccountOpenAPI

    static let activityID = D.pathParam("activityID", "Activity id")
    static let hourID = D.pathParam("hourID", "Consultation hour id")
    static let communityID = D.pathParam("communityID", "Community id")
    static let seriesID = D.intParam("seriesID", "Series id")
    static let venueID = D.pathParam("venueID", "Venue id")
    static let seriesInput = D.object(["title": D.string, "description": D.string], required: ["title"])
    static let venueInput = D.object(["name": D.string, "address": D.string, "notes": D.string, "branch_id": D.nullableUUID],
                                     required: ["name", "address"])
    static let token = D.textParam("token", "The key from the link in the mail")
    static let agendaQuery: [OpenAPI.Parameter] = [
        D.query("branch", "Branch id"), D.query("from", "Still running after this moment (default now)", D.dateTime),
        D.query("to", "Starting before this moment", D.dateTime), D.query("kind", "Kind code"), D.query("theme", "Theme code"),
        D.query("audience", "children, youth, adults, seniors or newcomers"), D.query("paid", "true: paid only; false: free and walk-in", D.bool),
        D.query("community", "Community id"), D.query("series", "Series id", D.int), D.query("partner", "Partner id"),
        D.query("limit", "At most (default 50, up to 500)", D.int), D.query("offset", "Skip", D.int),
    ]

    /// A public operation of an organisation's programme (no account needed).
    static func open(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                     response: JSONSchema? = nil, limited: Bool = false) -> OpenAPI.Operation {
        var extra: D.Responses = [
            409: D.error("Refused: full is not refused (waiting list), but cancelled, begun, already registered, lapsed or a slot taken"),
        ]
        if limited { extra.merge(D.tooMany) { $1 } }
        return D.op(summary, tag: "programme", params: [D.orgParam] + params, body: body, status: status, response: response, extra: extra)
    }

    static func staff(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                      response: JSONSchema? = nil) -> OpenAPI.Operation {
        D.op(summary, tag: "programme", params: params, body: body, status: status, response: response, auth: true,
             extra: [409: D.error("Closed, not staffed, space taken (names the moment), or the activity was cancelled")])
    }

    /// The door list: JSON, or a spreadsheet (CSV) with `?format=csv`.
    static var doorList: OpenAPI.Operation {
        var operation = staff("The door list (registered, then waiting) with names, cards and check-ins; ?format=csv for a spreadsheet (logged as views)",
                              params: [activityID, D.query("format", "csv")], response: D.array(D.ref("Registration")))
        var content = D.json(D.array(D.ref("Registration")))
        content[.csv] = .content(OpenAPI.Content(schema: D.string))
        operation.responses[.status(code: 200)] = .response(description: "OK", content: content)
        return operation
    }

    static let activityInput = D.object([
        "branch_id": D.uuid, "space_id": D.uuid, "venue_id": D.uuid, "kind": D.string, "title": D.string, "description": D.string,
        "image_url": D.string, "language": D.string, "accessibility": D.string, "core_function": D.enumeration(CoreFunction.self),
        "presence": D.enumeration(ActivityPresence.self).with(description: "Physical (default), online or hybrid"),
        "themes": D.array(D.string), "audiences": D.array(D.enumeration(ActivityAudience.self)),
        "age_min": D.int, "age_max": D.int, "series_id": D.int, "community_id": D.uuid, "organiser": D.string, "partner_ids": D.array(D.uuid),
        "list_id": D.uuid, "registration": D.enumeration(RegistrationMode.self), "price_cents": D.int,
        "capacity": D.nullableInt.with(description: "Places; leave out for no limit"), "needs_staff": D.bool,
        "guest_data_days": D.int.with(description: "Days after the activity that guests' names and addresses are kept (default 0)"),
        "sessions": D.array(D.object(["starts_at": D.dateTime, "ends_at": D.dateTime], required: ["starts_at", "ends_at"])),
    ], required: ["branch_id", "kind", "title", "sessions"])

    static let guest = D.object([
        "name": D.string, "email": D.string, "places": D.int, "language": D.enumeration(Language.self), "research_consent": D.bool,
    ], required: ["name", "email"])

    static let guestRules = D.object([
        "places_per_registration": .integer(description: "Default 2", maximum: (10, exclusive: false), minimum: (1, exclusive: false)),
        "confirm_hours": .integer(description: "Default 24; never past the start", maximum: (168, exclusive: false), minimum: (1, exclusive: false)),
    ])

    static let appointmentInput = D.object([
        "hour_id": D.uuid, "slot": D.dateTime, "name": D.string, "email": D.string, "question": D.string, "language": D.string,
    ], required: ["slot"])

    static let paths: D.Paths = [
        "/api/v1/organisations/{org}/agenda": .init(get: open("The agenda: published (and cancelled) activities still running, first starting first",
                                                              params: agendaQuery, response: D.array(D.ref("Activity")))),
        "/api/v1/organisations/{org}/activities/{activityID}": .init(get: open("An activity with places left", params: [activityID],
                                                                               response: D.ref("Activity"))),
        "/api/v1/organisations/{org}/activities/{activityID}/registrations": .init(
            post: open("Register without an account (name and e-mail, erased after the activity); a full activity puts you on the waiting list. "
                       + "Provisional until confirmed by the link in the mail (within the organisation's guest rules); rate-limited per address and activity; "
                       + "one unconfirmed mail an hour per address (429 confirmation_pending)",
                       params: [activityID], body: guest, status: 201, response: D.ref("Registration"), limited: true)),
        "/api/v1/organisations/{org}/registrations/{token}": .init(
            get: open("A registration by the key from its mail", params: [token], response: D.ref("Registration")),
            delete: open("Cancel by the key (the waiting list moves up)", params: [token], status: 204)),
        "/api/v1/organisations/{org}/registrations/{token}/confirm": .init(
            post: open("Confirm a guest's registration by the key from its mail (409 registration_lapsed when too late)", params: [token],
                       response: D.ref("Registration"))),
        "/api/v1/organisations/{org}/programme-terms": .init(get: open("Kinds, themes, audiences and core functions", response: D.anyObject)),
        "/api/v1/organisations/{org}/communities": .init(get: open("Communities", response: D.array(D.ref("Community")))),
        "/api/v1/organisations/{org}/communities/{communityID}": .init(get: open("A community with its coming meetings", params: [communityID],
                                                                                 response: D.ref("Community"))),
        "/api/v1/organisations/{org}/consultation-hours": .init(
            get: open("Partners' consultation hours with free slots (default: the coming four weeks)",
                      params: [D.query("branch", "Branch id"), D.query("partner", "Partner id"), D.query("from", "From", D.dateTime),
                               D.query("to", "To (at most 93 days)", D.dateTime)], response: D.array(D.ref("ConsultationHour")))),
        "/api/v1/organisations/{org}/consultation-hours/{hourID}/appointments": .init(
            post: open("Book a slot without an account (one wins a raced slot; 409 slot_taken; rate-limited per address)", params: [hourID],
                       body: appointmentInput, status: 201, response: D.ref("Appointment"), limited: true)),
        "/api/v1/organisations/{org}/appointments/{token}": .init(delete: open("Cancel an appointment by its key", params: [token], status: 204)),

        "/api/v1/activities": .init(
            get: staff("Activities incl. drafts (partners: those they co-organise)", params: agendaQuery, response: D.array(D.ref("Activity"))),
            post: staff("Plan an activity (a draft; its sessions hold the space tentatively)", body: activityInput, status: 201,
                        response: D.ref("Activity"))),
        "/api/v1/activities/{activityID}": .init(put: staff("Change an activity (more places move the waiting list up)", params: [activityID],
                                                            body: activityInput, response: D.ref("Activity"))),
        "/api/v1/activities/{activityID}/plan": .init(get: staff("An activity as planned (staff view)", params: [activityID],
                                                                 response: D.ref("Activity"))),
        "/api/v1/activities/{activityID}/publish": .init(post: staff("Publish: the space bookings are confirmed (a lapsed hold is booked again)",
                                                                     params: [activityID], response: D.ref("Activity"))),
        "/api/v1/activities/{activityID}/cancel": .init(post: staff("Call off: spaces freed, registrations told, paid places credited",
                                                                    params: [activityID], response: D.ref("Activity"))),
        "/api/v1/activities/{activityID}/registrations": .init(
            get: doorList,
            post: staff("Register someone at the desk: member_id, card, or name and e-mail", params: [activityID],
                        body: D.object(["member_id": D.uuid, "card": D.string, "name": D.string, "email": D.string, "places": D.int]),
                        status: 201, response: D.ref("Registration"))),
        "/api/v1/activities/{activityID}/registrations/{registrationID}": .init(
            delete: staff("Cancel a registration", params: [activityID, D.intParam("registrationID", "Registration id")], status: 204)),
        "/api/v1/activities/{activityID}/attendance": .init(
            get: staff("Per session: registered, checked in, no-shows once over", params: [activityID],
                       response: D.array(D.object(["session_id": D.int, "starts_at": D.dateTime, "ends_at": D.dateTime, "registered": D.int,
                                                   "attended": D.int, "no_shows": D.nullableInt])))),
        "/api/v1/activities/{activityID}/sessions/{sessionID}/check-in": .init(
            post: staff("Check in by registration_id or a scanned card", params: [activityID, D.intParam("sessionID", "Session id")],
                        body: D.object(["registration_id": D.int, "card": D.string]), response: D.ref("Registration"))),
        "/api/v1/activities/{activityID}/sessions/{sessionID}/check-in/{registrationID}": .init(
            delete: staff("Undo a check-in", params: [activityID, D.intParam("sessionID", "Session id"), D.intParam("registrationID", "Registration id")],
                          status: 204)),
        "/api/v1/programme/guest-rules": .init(
            get: staff("How guests register: places per registration, hours to confirm by the mailed link", response: guestRules),
            put: staff("Change the rules for guests (any subset)", body: guestRules, response: guestRules)),
        "/api/v1/programme-terms/{vocabulary}": .init(
            post: staff("Add or rename a kind or theme of the organisation",
                        params: [D.textParam("vocabulary", "kind or theme", D.enumeration(Vocabulary.self))],
                        body: D.object(["code": D.string, "name_nl": D.string, "name_en": D.string], required: ["code", "name_nl"]),
                        response: D.anyObject)),
        "/api/v1/activity-series": .init(
            get: staff("Series", response: D.array(D.ref("ActivitySeries"))),
            post: staff("Create a series", body: seriesInput, status: 201, response: D.ref("ActivitySeries"))),
        "/api/v1/activity-series/{seriesID}": .init(
            put: staff("Change a series (title and description, as when creating it)", params: [seriesID], body: seriesInput,
                       response: D.ref("ActivitySeries")),
            delete: staff("Remove a series; refused (409 series_in_use, naming how many) while activities belong to it", params: [seriesID],
                          status: 204)),
        "/api/v1/venues": .init(
            get: staff("External venues", response: D.array(D.ref("Venue"))),
            post: staff("Add an external venue (a community centre for outreach)", body: venueInput, status: 201, response: D.ref("Venue"))),
        "/api/v1/venues/{venueID}": .init(
            put: staff("Change an external venue (every field, as when adding it)", params: [venueID], body: venueInput, response: D.ref("Venue")),
            delete: staff("Remove an external venue; refused (409 venue_in_use, naming how many) while activities take place there",
                          params: [venueID], status: 204)),
        "/api/v1/communities": .init(post: staff("Create a community", body: D.object([
            "name": D.string, "description": D.string, "contact": D.string, "branch_id": D.uuid,
        ], required: ["name"]), status: 201, response: D.ref("Community"))),
        "/api/v1/communities/{communityID}": .init(put: staff("Change a community", params: [communityID], body: D.anyObject,
                                                              response: D.ref("Community"))),
        "/api/v1/consultation-hours": .init(
            post: staff("Publish one consultation hour or a weekly run (partners: their own, in branches that house them); slot_minutes empty = walk-in",
                        body: D.object([
                            "partner_id": D.uuid, "branch_id": D.uuid, "space_id": D.uuid, "title": D.string, "description": D.string,
                            "slot_minutes": D.int, "starts_at": D.dateTime, "ends_at": D.dateTime,
                            "weekly": D.anyObject.with(description: "As a space series: weekdays, starts, duration_minutes, from, through, every_weeks, skipped"),
                        ], required: ["branch_id", "title"]),
                        status: 201, response: D.array(D.ref("ConsultationHour")))),
        "/api/v1/consultation-hours/{hourID}/appointments": .init(get: staff("Appointments with names and questions (the partner, staff)",
                                                                             params: [hourID], response: D.array(D.ref("Appointment")))),
        "/api/v1/consultation-hours/{hourID}": .init(delete: staff("Cancel an hour (appointments told)", params: [hourID], status: 204)),

        "/api/v1/my/accounts/{member}/registrations": .init(
            get: M.op("The member's registrations with their activities", params: [M.account], response: D.array(D.anyObject)),
            post: M.op("Register (paid: the price goes on the fees)", params: [M.account],
                       body: D.object(["activity_id": D.uuid, "places": D.int, "research_consent": D.bool], required: ["activity_id"]),
                       status: 201, response: D.ref("Registration"))),
        "/api/v1/my/accounts/{member}/registrations/{registrationID}": .init(
            delete: M.op("Cancel (paid: credited back)", params: [M.account, D.intParam("registrationID", "Registration id")], status: 204)),
        "/api/v1/my/accounts/{member}/communities": .init(get: M.op("Communities the member follows", params: [M.account],
                                                                    response: D.array(D.ref("Community")))),
        "/api/v1/my/accounts/{member}/communities/{communityID}": .init(
            put: M.op("Follow", params: [M.account, communityID], status: 204),
            delete: M.op("Unfollow", params: [M.account, communityID], status: 204)),
        "/api/v1/my/accounts/{member}/appointments": .init(
            post: M.op("Book a consultation slot", params: [M.account], body: appointmentInput, status: 201, response: D.ref("Appointment"))),
        "/api/v1/my/accounts/{member}/appointments/{appointmentID}": .init(
            delete: M.op("Cancel an appointment", params: [M.account, D.intParam("appointmentID", "Appointment id")], status: 204)),
        "/api/v1/my/accounts/{member}/calendar-feed": .init(
            post: M.op("A new secret address of the personal calendar feed (iCalendar); the old one stops working", params: [M.account],
                       response: D.object(["url": D.string])),
            delete: M.op("Stop the personal calendar feed", params: [M.account], status: 204)),
    ]

    static let schemas: D.Schemas = [
        "Activity": D.object([
            "id": D.uuid, "url": D.string, "status": D.enumeration(Activity.Status.self), "branch_id": D.uuid,
            "space_id": D.nullableUUID, "venue_id": D.nullableUUID, "kind": D.string, "title": D.string, "description": D.string,
            "image_url": D.string, "language": D.string, "accessibility": D.string, "core_function": D.string, "presence": D.string,
            "themes": D.array(D.string), "audiences": D.array(D.string), "age_min": D.nullableInt, "age_max": D.nullableInt,
            "series_id": D.nullableInt, "community_id": D.nullableUUID, "organiser": D.string, "partner_ids": D.array(D.uuid),
            "list_id": D.nullableUUID, "registration": D.string, "price_cents": D.int, "capacity": D.nullableInt,
            "places_left": D.nullableInt, "registered": D.int, "waiting": D.int, "needs_staff": D.bool, "guest_data_days": D.nullableInt,
            "sessions": D.array(D.object(["id": D.int, "starts_at": D.dateTime, "ends_at": D.dateTime, "booking_id": D.nullableInt])),
        ]),
        "Registration": D.object([
            "id": D.int, "activity_id": D.uuid, "status": D.enumeration(Registration.Status.self), "places": D.int,
            "confirmed": D.bool.with(description: "False while a guest's registration waits for the link in its mail"),
            "confirm_by": D.nullableDateTime.with(description: "Until when a provisional registration may be confirmed"),
            "member_id": D.nullableUUID, "name": D.nullableString, "email": D.nullableString,
            "cancel_url": D.nullableString, "created_at": D.dateTime, "promoted_at": D.nullableDateTime,
            "card": D.nullableString, "attended_sessions": JSONSchema.array(nullable: true, items: D.int),
        ]),
        "ActivitySeries": D.object(["id": D.int, "title": D.string, "description": D.string], required: ["id", "title", "description"]),
        "Venue": D.object(["id": D.uuid, "branch_id": D.nullableUUID, "name": D.string, "address": D.string, "notes": D.string],
                          required: ["id", "name", "address", "notes"]),
        "Community": D.object([
            "id": D.uuid, "name": D.string, "description": D.string, "contact": D.string, "branch_id": D.nullableUUID,
            "followers": D.int, "meetings": JSONSchema.array(nullable: true, items: D.ref("Activity")),
        ]),
        "ConsultationHour": D.object([
            "id": D.uuid, "partner_id": D.uuid, "partner": D.string, "branch_id": D.uuid, "space_id": D.nullableUUID,
            "title": D.string, "description": D.string, "starts_at": D.dateTime, "ends_at": D.dateTime, "slot_minutes": D.nullableInt,
            "walk_in": D.bool, "cancelled": D.bool, "free_slots": D.array(D.dateTime),
        ]),
        "Appointment": D.object([
            "id": D.int, "hour_id": D.uuid, "slot_start": D.dateTime, "status": D.string, "member_id": D.nullableUUID,
            "name": D.nullableString, "email": D.nullableString, "question": D.nullableString, "cancel_url": D.nullableString,
        ]),
    ]
}
