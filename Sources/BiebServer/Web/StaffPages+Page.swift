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

        func message(_ error: BiebError) -> String {
            let text = error.message(dutch: lang == .nl)
            guard let field = error.field else { return text }
            return "\(t("form_field")) \(field): \(text)"
        }
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
