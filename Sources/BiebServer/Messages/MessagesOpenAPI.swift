import Foundation

/// The outbox and message wording in the OpenAPI document.
enum MessagesOpenAPI {
    typealias D = OpenAPIDocument
    typealias C = CirculationOpenAPI

    nonisolated(unsafe) static let messageID: [String: Any] = ["name": "messageID", "in": "path", "required": true, "description": "Message id",
                                                               "schema": ["type": "integer"]]
    nonisolated(unsafe) static let kind: [String: Any] = ["name": "kind", "in": "path", "required": true, "description": "Kind of message",
                                                          "schema": ["type": "string", "enum": ["hold_ready", "hold_expired", "due_soon", "overdue",
                                                                                                "membership_expiring", "pin_reset", "recommendations", "activity_registered", "activity_confirm",
                                                                                                "activity_promoted", "activity_reminder", "activity_cancelled",
                                                                                                "appointment_booked", "appointment_cancelled"]]]
    nonisolated(unsafe) static let language: [String: Any] = ["name": "language", "in": "path", "required": true, "description": "nl or en",
                                                              "schema": ["type": "string", "enum": ["nl", "en"]]]

    static func op(_ summary: String, params: [[String: Any]] = [], body: [String: Any]? = nil, status: String = "200",
                   response: [String: Any]? = nil, extra: [String: Any] = [:]) -> [String: Any] {
        D.op(summary, tag: "messages", params: params, body: body, status: status, response: response, auth: true, extra: extra)
    }

    nonisolated(unsafe) static let paths: [String: Any] = [
        "/api/v1/outbox": [
            "get": op("Messages to members, newest first: what went out, what waits, what failed and why (staff)",
                      params: [D.query("status", "pending, sending, sent, failed or skipped"), D.query("limit", "At most this many (1–500, default 100)")],
                      response: D.ref("Outbox")),
        ],
        "/api/v1/outbox/{messageID}": [
            "get": op("One message with the text that went out (staff)", params: [messageID], response: D.ref("OutboxMessage")),
        ],
        "/api/v1/outbox/{messageID}/retry": [
            "post": op("Send a failed message again (staff; check first that it did not arrive)", params: [messageID], status: "202",
                       extra: ["409": ["description": "Only a failed message is sent again", "content": D.json(D.ref("Error"))]]),
        ],
        "/api/v1/message-templates": [
            "get": op("The wording of every kind of message in Dutch and English (own or default)", response: D.array(D.ref("MessageTemplate"))),
        ],
        "/api/v1/message-templates/{kind}/{language}": [
            "get": op("The wording of one kind of message", params: [kind, language], response: D.ref("MessageTemplate")),
            "put": op("The organisation's own wording (admins); an unknown {{field}} is refused with its name", params: [kind, language],
                      body: ["type": "object", "required": ["subject", "text", "html"],
                             "properties": ["subject": D.string, "text": D.string, "html": D.string]],
                      response: D.ref("MessageTemplate")),
            "delete": op("Back to Bieb's default wording (admins)", params: [kind, language], response: D.ref("MessageTemplate")),
        ],
    ]

    nonisolated(unsafe) static let schemas: [String: Any] = [
        "OutboxMessage": ["type": "object", "properties": [
            "id": C.int, "kind": D.string, "status": ["type": "string", "enum": ["pending", "sending", "sent", "failed", "skipped"]],
            "member_id": ["type": ["string", "null"], "format": "uuid"], "recipient": C.nullableString, "subject": C.nullableString,
            "attempts": C.int, "next_attempt_at": ["type": ["string", "null"], "format": "date-time"], "last_error": C.nullableString,
            "created_at": ["type": "string", "format": "date-time"], "sent_at": ["type": ["string", "null"], "format": "date-time"],
            "text": C.nullableString, "html": C.nullableString,
        ]],
        "Outbox": ["type": "object", "properties": [
            "mail_server": C.bool, "counts": ["type": "object", "additionalProperties": C.int], "messages": D.array(D.ref("OutboxMessage")),
        ]],
        "MessageTemplate": ["type": "object", "properties": [
            "kind": D.string, "language": D.string, "subject": D.string, "text": D.string, "html": D.string, "customised": C.bool,
            "placeholders": D.array(D.string),
        ]],
    ]
}
