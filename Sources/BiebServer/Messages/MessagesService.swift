import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The staff side of messages, shared by the staff pages and the API: the
/// outbox (what went out, what failed and why, sending a failed one again)
/// and the organisation's wording of each kind of message.
struct MessagesService {
    let req: Request
    let user: StaffUser
    let organisation: UUID

    static func make(_ req: Request, _ permission: Permission) throws -> MessagesService {
        let user = try req.staff(permission)
        return MessagesService(req: req, user: user, organisation: user.organisationID)
    }

    var outbox: Outbox { Outbox(req.db) }
    var templates: MessageTemplates { MessageTemplates(req.db, organisationID: organisation) }
    var smtpConfigured: Bool { req.application.bieb.smtp != nil || req.application.bieb.mailSinkFolder != nil }

    static func kind(_ text: String?) throws -> NoticeKind {
        guard let text, let kind = NoticeKind(rawValue: text) else {
            throw BiebError.notFound("message_kind", nl: "Soort bericht niet gevonden.")
        }
        return kind
    }

    static func language(_ text: String?) throws -> String {
        guard let text, ["nl", "en"].contains(text) else { throw BiebError.notFound("language", nl: "Taal niet gevonden.") }
        return text
    }

    struct TemplateState {
        let kind: NoticeKind
        let language: String
        let template: MessageTemplate
        let customised: Bool
        let updatedAt: Date?
    }

    func template(_ kind: NoticeKind, _ language: String) async throws -> TemplateState {
        let stored = try await templates.stored(kind: kind, language: language)
        return TemplateState(kind: kind, language: language, template: stored?.template ?? Notices.defaultTemplate(kind, language: language),
                             customised: stored != nil, updatedAt: stored?.updatedAt)
    }

    func allTemplates() async throws -> [TemplateState] {
        var all: [TemplateState] = []
        for kind in NoticeKind.allCases {
            for language in ["nl", "en"] { all.append(try await template(kind, language)) }
        }
        return all
    }

    /// Checks and saves the organisation's wording (admins).
    func save(_ template: MessageTemplate, kind: NoticeKind, language: String) async throws {
        let valid = try template.validated(allowed: Notices.placeholders(kind))
        // A message that exists for its link must keep it.
        for (field, body) in [("text", valid.text), ("html", valid.html)] where kind == .pinReset && !body.contains("{{link}}") {
            throw BiebError.invalid(field, "A PIN reset message needs {{link}}: without it the member cannot choose a PIN.",
                                    nl: "Een bericht voor een nieuwe pincode heeft {{link}} nodig: zonder kan het lid geen pincode kiezen.")
        }
        for (field, body) in [("text", valid.text), ("html", valid.html)] where kind.isResearch && !body.contains("{{link}}") {
            throw BiebError.invalid(field, "A survey invitation needs {{link}}: without it nobody can answer.",
                                    nl: "Een uitnodiging voor een enquête heeft {{link}} nodig: zonder kan niemand antwoorden.")
        }
        try await templates.save(valid, kind: kind, language: language, staff: user.id)
    }

    /// The template filled in with example values, to see how it reads.
    func preview(_ template: MessageTemplate, kind: NoticeKind, language: String) -> (subject: String, text: String, html: String) {
        let dutch = language != "en"
        var values: [String: String] = [
            "name": "Anna de Vries", "library": "Bibliotheek", "account_url": "https://bieb.example/org/mijn",
            "preferences_url": "https://bieb.example/org/mijn/berichten", "title": dutch ? "De avonden" : "The evenings",
            "branch": "Centrale Bibliotheek", "until": dutch ? "zaterdag 5 december" : "Saturday 5 December",
            "due": dutch ? "maandag 7 december" : "Monday 7 December", "end": dutch ? "1 januari 2027" : "1 January 2027", "fee": "€ 54,00",
            "link": kind.isResearch ? "https://bieb.example/org/enquete/t/…" : "https://bieb.example/org/mijn/pincode-kiezen?code=…",
            "valid_until": "18:30", "survey": dutch ? "Bibliotheekpanel najaar" : "Library panel autumn",
            "loans": dutch ? "  - De avonden\n  - Het Achterhuis" : "  - The evenings\n  - The diary",
        ]
        var html = values.mapValues(MessageTemplate.escape)
        html["loans"] = dutch ? "<ul><li>De avonden</li><li>Het Achterhuis</li></ul>" : "<ul><li>The evenings</li><li>The diary</li></ul>"
        values["library"] = "Bibliotheek"
        return template.render(text: values, html: html)
    }
}
