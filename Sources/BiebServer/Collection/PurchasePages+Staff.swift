import Foundation
import Vapor
import BiebCore
import BiebStore

/// Purchasing (`/staff/collectie/aankoop`): the suggestions the rules make
/// now (`PurchaseRules`), each with what it looked at and two forms — order
/// (branch, copies, expected day) or dismiss with a reason; and the open
/// orders, to mark received or cancelled.
struct PurchasePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("collectie", "aankoop", use: show)
        staff.post("collectie", "aankoop", "bestellen", use: order)
        staff.post("collectie", "aankoop", "afwijzen", use: dismiss)
        staff.post("collectie", "aankoop", "bestellingen", ":id", use: close)
    }

    struct SuggestionView: Encodable {
        let key: String
        let titleID: Int
        let title: String
        let author: String
        let year: String
        let reason: String
        let reasonName: String
        let detail: String
        let branch: String
        let branchName: String
        let copies: String
        let expected: String
        let note: String
        let branches: [FormOption]
        let orderErrors: [String: String]
        let dismissError: String?
    }

    struct OrderView: Encodable {
        let id: Int
        let title: String
        let branch: String
        let copies: Int
        let expected: String
        let reason: String
        let orderedBy: String
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let suggestions: [SuggestionView]
        let orders: [OrderView]
        let today: String
    }

    static func key(_ s: PurchaseSuggestions.Suggestion) -> String { "\(s.titleID)-\(s.reason.rawValue)-\(s.branch.map { $0.uuidString.prefix(8) } ?? "all")" }

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, typed: [:])
    }

    func render(_ req: Request, refused: BiebError?, typed: [String: String]) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let suggestions = try await PurchaseSuggestions(service.db, organisationID: service.organisationID).suggestions()
        let typedKey = typed["form_key"]
        var ids: [String: String] = [:]
        let main = service.branches.first { $0.kind == .central } ?? service.branches.first
        let views = suggestions.map { s -> SuggestionView in
            let key = Self.key(s)
            let mine = key == typedKey
            let branch = (mine ? typed["branch"] : nil) ?? service.label(s.branch ?? main?.id ?? UUID())?.slug ?? ""
            if mine { for field in ["branch", "copies", "expected_on", "note"] { ids[field] = "\(field)-\(key)" } }
            let detail: String
            switch s.reason {
            case .queue: detail = page.t("purchase_detail_queue", ["holds": String(s.holds), "copies": String(s.copiesHeld), "ordered": String(s.onOrder)])
            case .missingAtBranch: detail = page.t("purchase_detail_branch", ["holds": String(s.holds), "branch": service.label(s.branch!)?.name ?? ""])
            case .newEdition: detail = page.t("purchase_detail_edition", ["loans": String(s.loans), "copies": String(s.copiesHeld)])
            }
            var orderErrors: [String: String] = [:]
            var dismissError: String?
            if mine, let refused, let field = refused.field {
                if field == "note" { dismissError = refused.message(dutch: page.lang == .nl) } else { orderErrors[field] = refused.message(dutch: page.lang == .nl) }
            }
            return SuggestionView(key: key, titleID: s.titleID, title: s.title, author: s.author ?? "", year: s.year.map(String.init) ?? "",
                                  reason: s.reason.rawValue, reasonName: s.reason.name(english: english), detail: detail,
                                  branch: s.branch.flatMap { service.label($0)?.slug } ?? "", branchName: s.branch.flatMap { service.label($0)?.name } ?? "",
                                  copies: (mine ? typed["copies"] : nil) ?? String(s.copies), expected: (mine ? typed["expected_on"] : nil) ?? "",
                                  note: (mine ? typed["note"] : nil) ?? "",
                                  branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == branch) },
                                  orderErrors: orderErrors, dismissError: dismissError)
        }
        let orders = try await PurchaseOrders(service.db, organisationID: service.organisationID).orders(status: .open).map { o in
            OrderView(id: o.id, title: o.title, branch: service.label(o.branch)?.name ?? "", copies: o.copies,
                      expected: o.expectedOn.map(formats.dateWithYear) ?? "–", reason: o.reason?.name(english: english) ?? "", orderedBy: o.orderedBy)
        }
        return try await page.render("staff/purchases", Context(
            page: page.context(page.t("purchase_title")), errors: page.formErrors(refused, ids: ids), suggestions: views, orders: orders,
            today: service.today.iso), status: refused == nil ? .ok : (refused!.kind == .conflict ? .conflict : .unprocessableEntity))
    }

    func order(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        do {
            let fields = try req.content.decode(OrderFields.self).decoded(service)
            _ = try await PurchaseOrders(service.db, organisationID: service.organisationID)
                .order(title: fields.title, branch: fields.branch.id, copies: fields.copies, expectedOn: fields.expectedOn, reason: fields.reason,
                       by: service.staffName, today: service.today)
            return req.redirect(to: "/staff/collectie/aankoop", done: "purchase_ordered")
        } catch let error as BiebError where [.invalid, .notFound].contains(error.kind) {
            return try await render(req, refused: error, typed: form)
        }
    }

    func dismiss(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        do {
            let fields = try req.content.decode(DismissFields.self).decoded(service)
            try await PurchaseSuggestions(service.db, organisationID: service.organisationID)
                .dismiss(title: fields.title, branch: fields.branch, reason: fields.reason, copies: fields.copies, note: fields.note, by: service.staffName)
            return req.redirect(to: "/staff/collectie/aankoop", done: "purchase_dismissed")
        } catch let error as BiebError where [.invalid, .notFound].contains(error.kind) {
            return try await render(req, refused: error, typed: form)
        }
    }

    func close(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        guard let id = req.parameters.get("id", as: Int.self) else { throw Abort(.notFound) }
        let status = try req.content.decode([String: String].self)["status"].flatMap(PurchaseOrders.Status.init(rawValue:))
        do {
            guard let status else { throw BiebError.invalid("status", "An order closes as received or cancelled.", nl: "Een bestelling sluit als ontvangen of geannuleerd.") }
            try await PurchaseOrders(service.db, organisationID: service.organisationID).close(id, as: status)
            return req.redirect(to: "/staff/collectie/aankoop", done: "purchase_closed")
        } catch let error as BiebError where [.invalid, .conflict].contains(error.kind) {
            return try await render(req, refused: error, typed: [:])
        }
    }
}
