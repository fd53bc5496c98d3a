import BiebStore
import OpenAPIKit

/// The outbox and message wording in the OpenAPI document.
enum MessagesOpenAPI {
    typealias D = OpenAPIDocument

    static let messageID = D.intParam("messageID", "Message id")
    static let kind = D.textParam("kind", "Kind of message", D.enumeration(NoticeKind.self))
    static let language = D.textParam("language", "nl or en", D.enumeration(Language.self))

    static func op(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                   response: JSONSchema? = nil, extra: D.Responses = [:]) -> OpenAPI.Operation {
        D.op(summary, tag: "messages", params: params, body: body, status: status, response: response, auth: true, extra: extra)
    }

    static let paths: D.Paths = [
        "/api/v1/outbox": .init(
            get: op("Messages to members, newest first: what went out, what waits, what failed and why (staff)",
                    params: [D.query("status", "pending, sending, sent, failed or skipped"), D.query("limit", "At most this many (1–500, default 100)")],
                    response: D.ref("Outbox"))),
        "/api/v1/outbox/{messageID}": .init(
            get: op("One message with the text that went out (staff)", params: [messageID], response: D.ref("OutboxMessage"))),
        "/api/v1/outbox/{messageID}/retry": .init(
            post: op("Send a failed message again (staff; check first that it did not arrive)", params: [messageID], status: 202,
                     extra: [409: D.error("Only a failed message is sent again")])),
        "/api/v1/message-templates": .init(
            get: op("The wording of every kind of message in Dutch and English (own or default)", response: D.array(D.ref("MessageTemplate")))),
        "/api/v1/message-templates/{kind}/{language}": .init(
            get: op("The wording of one kind of message", params: [kind, language], response: D.ref("MessageTemplate")),
            put: op("The organisation's own wording (admins); an unknown {{field}} is refused with its name", params: [kind, language],
                    body: D.object(["subject": D.string, "text": D.string, "html": D.string], required: ["subject", "text", "html"]),
                    response: D.ref("MessageTemplate")),
            delete: op("Back to Bieb's default wording (admins)", params: [kind, language], response: D.ref("MessageTemplate"))),
    ]

    static let schemas: D.Schemas = [
        "OutboxMessage": D.object([
            "id": D.int, "kind": D.string, "status": D.enumeration(OutboxMessage.Status.self), "member_id": D.nullableUUID,
            "recipient": D.nullableString, "subject": D.nullableString, "attempts": D.int, "next_attempt_at": D.nullableDateTime,
            "last_error": D.nullableString, "created_at": D.dateTime, "sent_at": D.nullableDateTime, "text": D.nullableString,
            "html": D.nullableString,
        ]),
        "Outbox": D.object([
            "mail_server": D.bool, "counts": .object(additionalProperties: .b(D.int)), "messages": D.array(D.ref("OutboxMessage")),
        ]),
        "MessageTemplate": D.object([
            "kind": D.string, "language": D.string, "subject": D.string, "text": D.string, "html": D.string, "customised": D.bool,
            "placeholders": D.array(D.string),
        ]),
    ]
}
