import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The frame of every staff page: the signed-in account, its organisation and
/// language, the page context with the form token and flash message, rendering
/// (never cached) and errors in the page's language; the branch a page is about.
extension StaffPages {
    // MARK: Common

    struct Page {
        let request: Request
        let user: StaffUser?
        let organisation: Organisation?
        let lang: Language

        init(_ req: Request) async throws {
            request = req
            user = req.auth.get(StaffUser.self)
            if let user {
                organisation = try await Organisation.find(user.organisationID, on: req.db)
            } else {
                organisation = nil
            }
            lang = Language.of(req)
        }

        func context(_ title: String, flash: String? = nil) -> PageContext {
            let summary = user.map {
                PageContext.UserSummary(name: $0.name, role: Locales.text("role_\($0.role.rawValue)", lang),
                                        organisation: organisation?.name ?? "", isAdmin: $0.role == .admin)
            }
            return PageContext(request, lang: lang, title: title, user: summary, csrf: CSRFMiddleware.token(for: request),
                               flash: flash ?? request.query[String.self, at: "done"].map { Locales.text("flash_\($0)", lang) })
        }

        func t(_ key: String, _ values: [String: String] = [:]) -> String { Locales.text(key, lang, values) }

        func render(_ template: String, _ context: some Encodable, status: HTTPStatus = .ok) async throws -> Response {
            let response = try await request.view.render(template, context).encodeResponse(status: status, for: request)
            response.rememberLanguage(from: request)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }

        /// An error in words for the page: the field named as the forms label it ("Begint om: …"),
        /// never by its name in the API ("sessions[0].starts_at"); a field without a label is left
        /// out (the message says what is wrong).
        func message(_ error: BiebError) -> String {
            let text = error.message(dutch: lang == .nl)
            guard let field = error.field, let key = Self.labelKey(of: field) else { return text }
            return "\(t(key)): \(text)"
        }

        /// A refused form for the page (`FormErrors`): `ids` maps the error's field to its input's id.
        func formErrors(_ error: BiebError?, ids: [String: String]) -> FormErrors? {
            error.map { FormErrors($0, summary: message($0), lang: lang, ids: ids) }
        }

        /// The same where each field's id is its name.
        func formErrors(_ error: BiebError?, fields: Set<String>) -> FormErrors? {
            formErrors(error, ids: Dictionary(uniqueKeysWithValues: fields.map { ($0, $0) }))
        }

        /// The label of an input field by its API name (the last part of a path such as
        /// `sessions[1].starts_at`), as the staff forms show it.
        static func labelKey(of field: String) -> String? {
            let name = field.split(separator: ".").last.map { String($0.prefix { $0 != "[" }) } ?? field
            return fieldLabels[name]
        }

        static let fieldLabels: [String: String] = [
            "title": "programme_title_field", "kind": "agenda_kind", "branch_id": "agenda_branch", "space_id": "programme_space",
            "venue_id": "programme_venue", "sessions": "programme_date", "date": "programme_date", "starts_at": "field_starts",
            "starts": "field_starts", "ends_at": "field_ends", "ends": "field_ends", "weeks": "programme_weeks",
            "description": "programme_description", "series_id": "agenda_series", "community_id": "programme_community",
            "registration": "programme_registration", "price_cents": "programme_price", "price": "programme_price",
            "capacity": "agenda_places",
        ]
    }


    static func branch(_ req: Request, _ permission: Permission? = nil) async throws -> (Branch, Organisation, StaffUser) {
        let user = try req.staff()
        guard let id = req.parameters.get("branchID").flatMap(UUID.init(uuidString:)),
              let branch = try await req.branches.branch(id, in: user.organisationID),
              let org = try await Organisation.find(user.organisationID, on: req.db) else {
            throw Abort(.notFound)
        }
        if let permission { _ = try req.staff(permission, branch: branch.id) }
        return (branch, org, user)
    }
}
