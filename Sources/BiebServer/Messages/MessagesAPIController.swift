import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The outbox and message wording over the API (staff; wording: admins).
struct MessagesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("outbox", use: list)
        api.get("outbox", ":messageID", use: show)
        api.post("outbox", ":messageID", "retry", use: retry)
        api.get("message-templates", use: templates)
        api.get("message-templates", ":kind", ":language", use: template)
        api.put("message-templates", ":kind", ":language", use: saveTemplate)
        api.delete("message-templates", ":kind", ":language", use: resetTemplate)
    }

    struct MessageDTO: Content {
        let id: Int
        let kind: String
        let status: String
        let member_id: UUID?
        let recipient: String?
        let subject: String?
        let attempts: Int
        let next_attempt_at: Date?
        let last_error: String?
        let created_at: Date
        let sent_at: Date?
        var text: String? = nil
        var html: String? = nil

        init(_ message: OutboxMessage) {
            id = message.id
            kind = message.kind.rawValue
            status = message.status.rawValue
            member_id = message.memberID
            recipient = message.recipient
            subject = message.subject
            attempts = message.attempts
            next_attempt_at = message.status == .pending ? message.nextAttemptAt : nil
            last_error = message.lastError
            created_at = message.createdAt
            sent_at = message.sentAt
        }
    }

    struct OutboxDTO: Content {
        /// False when no mail server is set: messages wait.
        let mail_server: Bool
        let counts: [String: Int]
        let messages: [MessageDTO]
    }

    func list(req: Request) async throws -> OutboxDTO {
        let service = try MessagesService.make(req, .viewMessages)
        let statusText = req.query[String.self, at: "status"]
        var status: OutboxMessage.Status?
        if let statusText {
            guard let value = OutboxMessage.Status(rawValue: statusText) else {
                throw BiebError.invalid("status", "status is pending, sending, sent, failed or skipped.",
                                        nl: "status is pending, sending, sent, failed of skipped.")
            }
            status = value
        }
        let limit = min(max(req.query[Int.self, at: "limit"] ?? 100, 1), 500)
        let counts = try await service.outbox.counts(organisation: service.organisation)
        return OutboxDTO(mail_server: service.smtpConfigured, counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                         messages: try await service.outbox.list(organisation: service.organisation, status: status, limit: limit).map(MessageDTO.init))
    }

    static func id(_ req: Request) throws -> Int {
        guard let id = req.parameters.get("messageID").flatMap(Int.init) else { throw BiebError.notFound("message", nl: "Bericht niet gevonden.") }
        return id
    }

    func show(req: Request) async throws -> MessageDTO {
        let service = try MessagesService.make(req, .viewMessages)
        let id = try Self.id(req)
        guard let message = try await service.outbox.find(id, organisation: service.organisation) else {
            throw BiebError.notFound("message", nl: "Bericht niet gevonden.")
        }
        var dto = MessageDTO(message)
        let body = try await service.outbox.body(id, organisation: service.organisation)
        dto.text = body?.text
        dto.html = body?.html
        return dto
    }

    func retry(req: Request) async throws -> HTTPStatus {
        let service = try MessagesService.make(req, .viewMessages)
        try await service.outbox.retry(try Self.id(req), organisation: service.organisation)
        return .accepted
    }

    struct TemplateDTO: Content {
        let kind: String
        let language: String
        let subject: String
        let text: String
        let html: String
        /// False: Bieb's default wording.
        let customised: Bool
        let placeholders: [String]
    }

    static func dto(_ state: MessagesService.TemplateState) -> TemplateDTO {
        TemplateDTO(kind: state.kind.rawValue, language: state.language, subject: state.template.subject, text: state.template.text,
                    html: state.template.html, customised: state.customised, placeholders: Notices.placeholders(state.kind).sorted())
    }

    func templates(req: Request) async throws -> [TemplateDTO] {
        let service = try MessagesService.make(req, .viewMessages)
        return try await service.allTemplates().map(Self.dto)
    }

    func template(req: Request) async throws -> TemplateDTO {
        let service = try MessagesService.make(req, .viewMessages)
        return Self.dto(try await service.template(try MessagesService.kind(req.parameters.get("kind")),
                                                   try MessagesService.language(req.parameters.get("language"))))
    }

    func saveTemplate(req: Request) async throws -> TemplateDTO {
        let service = try MessagesService.make(req, .editMessageTemplates)
        let kind = try MessagesService.kind(req.parameters.get("kind")), language = try MessagesService.language(req.parameters.get("language"))
        struct Input: Content { var subject: String?; var text: String?; var html: String? }
        let input = try req.content.decode(Input.self)
        try await service.save(MessageTemplate(subject: input.subject ?? "", text: input.text ?? "", html: input.html ?? ""), kind: kind, language: language)
        return Self.dto(try await service.template(kind, language))
    }

    func resetTemplate(req: Request) async throws -> TemplateDTO {
        let service = try MessagesService.make(req, .editMessageTemplates)
        let kind = try MessagesService.kind(req.parameters.get("kind")), language = try MessagesService.language(req.parameters.get("language"))
        try await service.templates.reset(kind: kind, language: language)
        return Self.dto(try await service.template(kind, language))
    }
}
