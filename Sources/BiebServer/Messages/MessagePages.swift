import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Messages in the staff pages: the outbox (sent, waiting, failed and why,
/// skipped and why; a failed one sent again) and the wording of each kind
/// of message in Dutch and English, with a preview (admins edit).
struct MessagePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("messages", use: outbox)
        staff.get("messages", "templates", use: templates)
        staff.get("messages", "templates", ":kind", ":language", use: template)
        staff.post("messages", "templates", ":kind", ":language", use: saveTemplate)
        staff.get("messages", ":messageID", use: message)
        staff.post("messages", ":messageID", "retry", use: retry)
    }

    struct Line: Encodable {
        let id: Int
        let when: String
        let kind: String
        let recipient: String
        let subject: String
        let status: String
        let why: String
        let failed: Bool
    }

    struct OutboxContext: Encodable {
        let page: PageContext
        let mailServer: Bool
        let filters: [FormOption]
        let counts: [FormOption]
        let lines: [Line]
        let canEditTemplates: Bool
    }

    func line(_ message: OutboxMessage, _ page: StaffPages.Page, _ formats: Formats, _ zone: TimeZone) -> Line {
        Line(id: message.id, when: formats.shortDate(LocalDate(message.createdAt, in: zone)) + " " + formats.time(message.createdAt),
             kind: page.t("notice_\(message.kind.rawValue)"), recipient: message.recipient ?? "—", subject: message.subject ?? "—",
             status: page.t("outbox_\(message.status.rawValue)"), why: message.lastError ?? "", failed: message.status == .failed)
    }

    func outbox(req: Request) async throws -> Response {
        let service = try MessagesService.make(req, .viewMessages)
        let page = try await StaffPages.Page(req)
        let zone = page.organisation?.zone ?? BranchCalendar.amsterdam
        let formats = Formats(lang: page.lang, timeZone: zone)
        let status = req.query[String.self, at: "status"].flatMap(OutboxMessage.Status.init(rawValue:))
        let counts = try await service.outbox.counts(organisation: service.organisation)
        let messages = try await service.outbox.list(organisation: service.organisation, status: status, limit: 200)
        return try await page.render("staff/messages", OutboxContext(
            page: page.context(page.t("messages_title")), mailServer: service.smtpConfigured,
            filters: [FormOption(value: "", label: page.t("outbox_all"), selected: status == nil)]
                + OutboxMessage.Status.allCases.map { FormOption(value: $0.rawValue, label: page.t("outbox_\($0.rawValue)"), selected: $0 == status) },
            counts: OutboxMessage.Status.allCases.map { FormOption(value: String(counts[$0] ?? 0), label: page.t("outbox_\($0.rawValue)"), selected: false) },
            lines: messages.map { line($0, page, formats, zone) }, canEditTemplates: service.user.can(.editMessageTemplates)))
    }

    struct MessageContext: Encodable {
        let page: PageContext
        let line: Line
        let text: String
        let attempts: Int
        let canRetry: Bool
    }

    func message(req: Request) async throws -> Response {
        let service = try MessagesService.make(req, .viewMessages)
        let page = try await StaffPages.Page(req)
        let zone = page.organisation?.zone ?? BranchCalendar.amsterdam
        guard let id = req.parameters.get("messageID").flatMap(Int.init),
              let message = try await service.outbox.find(id, organisation: service.organisation) else { throw Abort(.notFound) }
        let body = try await service.outbox.body(id, organisation: service.organisation)
        return try await page.render("staff/message", MessageContext(
            page: page.context(page.t("messages_one", ["n": String(id)])), line: line(message, page, Formats(lang: page.lang, timeZone: zone), zone),
            text: body?.text ?? page.t("messages_not_written"), attempts: message.attempts, canRetry: message.status == .failed))
    }

    func retry(req: Request) async throws -> Response {
        let service = try MessagesService.make(req, .viewMessages)
        guard let id = req.parameters.get("messageID").flatMap(Int.init) else { throw Abort(.notFound) }
        try await service.outbox.retry(id, organisation: service.organisation)
        return req.redirect(to: "/staff/messages/\(id)", done: "message_retried")
    }

    struct TemplateLine: Encodable {
        let kind: String
        let name: String
        let languages: [FormOption]
    }

    struct TemplatesContext: Encodable {
        let page: PageContext
        let lines: [TemplateLine]
    }

    func templates(req: Request) async throws -> Response {
        let service = try MessagesService.make(req, .viewMessages)
        let page = try await StaffPages.Page(req)
        let all = try await service.allTemplates()
        return try await page.render("staff/message_templates", TemplatesContext(
            page: page.context(page.t("templates_title")),
            lines: NoticeKind.allCases.map { kind in
                TemplateLine(kind: kind.rawValue, name: page.t("notice_\(kind.rawValue)"), languages: all.filter { $0.kind == kind }.map {
                    FormOption(value: $0.language, label: $0.language == "nl" ? "Nederlands" : "English", selected: $0.customised)
                })
            }))
    }

    struct TemplateContext: Encodable {
        let page: PageContext
        let kind: String
        let language: String
        let name: String
        let subject: String
        let text: String
        let html: String
        let customised: Bool
        let canEdit: Bool
        let placeholders: [String]
        let previewSubject: String
        let previewText: String
        let errors: FormErrors?
    }

    func template(req: Request) async throws -> Response {
        let service = try MessagesService.make(req, .viewMessages)
        let kind = try MessagesService.kind(req.parameters.get("kind")), language = try MessagesService.language(req.parameters.get("language"))
        let state = try await service.template(kind, language)
        return try await renderTemplate(req, service, kind, language, state.template, customised: state.customised, error: nil)
    }

    func renderTemplate(_ req: Request, _ service: MessagesService, _ kind: NoticeKind, _ language: String, _ template: MessageTemplate,
                        customised: Bool, error: BiebError?) async throws -> Response {
        let page = try await StaffPages.Page(req)
        let preview = service.preview(template, kind: kind, language: language)
        let name = page.t("notice_\(kind.rawValue)") + " · " + (language == "nl" ? "Nederlands" : "English")
        return try await page.render("staff/message_template", TemplateContext(
            page: page.context(name), kind: kind.rawValue, language: language, name: name, subject: template.subject, text: template.text,
            html: template.html, customised: customised, canEdit: service.user.can(.editMessageTemplates),
            placeholders: Notices.placeholders(kind).sorted().map { "{{\($0)}}" }, previewSubject: preview.subject, previewText: preview.text,
            errors: page.formErrors(error, fields: ["subject", "text", "html"])), status: error?.httpStatus ?? .ok)
    }

    func saveTemplate(req: Request) async throws -> Response {
        let service = try MessagesService.make(req, .editMessageTemplates)
        let kind = try MessagesService.kind(req.parameters.get("kind")), language = try MessagesService.language(req.parameters.get("language"))
        struct Form: Content { var subject: String?; var text: String?; var html: String?; var action: String? }
        let form = try req.content.decode(Form.self)
        let path = "/staff/messages/templates/\(kind.rawValue)/\(language)"
        if form.action == "reset" {
            try await service.templates.reset(kind: kind, language: language)
            return req.redirect(to: path, done: "template_reset")
        }
        // The browser may send CRLF line ends; the texts keep plain newlines.
        func clean(_ text: String?) -> String { (text ?? "").replacingOccurrences(of: "\r\n", with: "\n") }
        let template = MessageTemplate(subject: clean(form.subject), text: clean(form.text), html: clean(form.html))
        if form.action == "preview" {
            return try await renderTemplate(req, service, kind, language, template, customised: true, error: nil)
        }
        do {
            try await service.save(template, kind: kind, language: language)
        } catch let error as BiebError {
            return try await renderTemplate(req, service, kind, language, template, customised: true, error: error)
        }
        return req.redirect(to: path, done: "template_saved")
    }
}
