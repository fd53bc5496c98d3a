import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The member's privacy pages (`/{org}/mijn/…`): the loan history
/// (`geschiedenis`), all their data with who viewed it and closing the
/// account (`privacy`), and paying online (`betalen`, `betaling/{id}`).
/// The staff page for the privacy officer is `/staff/privacy`.
struct PrivacyPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let portal = routes.memberPages()
        portal.get("geschiedenis", use: history)
        portal.post("geschiedenis", use: changeHistory)
        portal.get("geschiedenis", "export", use: exportHistory)
        portal.get("privacy", use: privacy)
        portal.get("privacy", "download", use: download)
        portal.post("privacy", "opheffen", use: requestErasure)
        portal.post("privacy", "intrekken", use: withdrawErasure)
        let staff = routes.staffPages().grouped("privacy")
        staff.get(use: audit)
        staff.post(use: auditSearch)
        staff.post("settings", use: saveSettings)
    }

    typealias Portal = MemberPortalPages
    let frame = MemberPageFrame()

    // MARK: Loan history

    struct HistoryBody: Encodable {
        struct Entry: Encodable {
            let id: Int
            let title: String
            let titleURL: String
            let author: String
            let branch: String
            let returned: String
        }
        let enabled: Bool
        let since: String
        let consentText: String
        let query: String
        let total: Int
        let entries: [Entry]
        let previous: String?
        let next: String?
    }

    func history(req: Request) async throws -> Response {
        let (org, service, account) = try await frame.authorized(req)
        let lang = Language.of(req)
        let formats = Formats(lang: lang, timeZone: org.zone)
        let store = LoanHistory(req.db, organisationID: try org.requireID())
        let since = try await store.since(member: account)
        let query = (req.query[String.self, at: "q"] ?? "").trimmed
        let page = min(max(req.query[Int.self, at: "pagina"] ?? 1, 1), 10_000)
        let (entries, total) = try await store.entries(member: account, query: query, limit: 50, offset: (page - 1) * 50)
        func link(_ page: Int) -> String {
            var items = [URLQueryItem(name: "pagina", value: String(page))]
            if !query.isEmpty { items.append(URLQueryItem(name: "q", value: query)) }
            if account != service.signedIn.id { items.append(URLQueryItem(name: "lid", value: account.uuidString)) }
            var components = URLComponents()
            components.queryItems = items
            return Portal.base(org) + "/geschiedenis" + (components.string ?? "")
        }
        let body = HistoryBody(
            enabled: since != nil, since: since.map { formats.dateWithYear(LocalDate($0, in: org.zone)) } ?? "",
            consentText: MemberAccountService.consentText(.loanHistory, dutch: lang == .nl), query: query, total: total,
            entries: entries.map { e in
                .init(id: e.id, title: e.title, titleURL: "/\(org.slug)/catalogus/\(e.titleID)", author: e.author ?? "",
                      branch: service.branchName(e.branchID), returned: formats.dateWithYear(LocalDate(e.returnedAt, in: org.zone)))
            },
            previous: page > 1 ? link(page - 1) : nil, next: page * 50 < total ? link(page + 1) : nil)
        return try await frame.render(req, "portal/history", title: Locales.text("portal_history", lang), org: org, service: service, account: account,
                                body: body)
    }

    func changeHistory(req: Request) async throws -> Response {
        let (org, service, account) = try await frame.setUp(req)
        let lang = Language.of(req)
        let action = (try? req.content.get(String.self, at: "action")) ?? ""
        let message: String
        switch action {
        case "on":
            try await service.setLoanHistory(account: account, on: true, source: "portal", dutch: lang == .nl)
            message = Locales.text("portal_history_on_done", lang)
        case "off":
            try await service.setLoanHistory(account: account, on: false, source: "portal", dutch: lang == .nl)
            message = Locales.text("portal_history_off_done", lang)
        case "delete_all":
            try await service.authorize(account)
            let n = try await LoanHistory(req.db, organisationID: try org.requireID()).deleteAll(member: account)
            message = Locales.text("portal_history_deleted_all", lang, ["n": String(n)])
        case "delete":
            try await service.authorize(account)
            guard let entry = try? req.content.get(Int.self, at: "entry"),
                  try await LoanHistory(req.db, organisationID: try org.requireID()).delete(member: account, entry: entry) else {
                throw BiebError.notFound("history_entry", nl: "Regel van de leengeschiedenis niet gevonden.")
            }
            message = Locales.text("portal_history_deleted", lang)
        default:
            throw BiebError.invalid("action", "Choose on, off, delete or delete_all.", nl: "Kies on, off, delete of delete_all.")
        }
        return frame.back(req, org, "/geschiedenis", account, service, message)
    }

    func exportHistory(req: Request) async throws -> Response {
        let (_, service, account) = try await frame.authorized(req)
        return try await PrivacyAPIController.historyExport(req, service, account: account, format: req.query[String.self, at: "format"] ?? "csv")
    }

    // MARK: My data, who viewed it, closing the account

    struct DataBody: Encodable {
        struct Section: Encodable {
            let id: String
            let title: String
            let headings: [String]
            /// Each cell with its column's heading (a phone shows the table as labelled lines).
            let rows: [[Pair]]
            /// A single record: shown as a list of label and value.
            let pairs: [Pair]
        }
        struct Pair: Encodable {
            let label: String
            let value: String
        }
        let sections: [Section]
        let downloadURL: String
        let requested: String?
        let blockers: [String]
        let canClose: Bool
    }

    func privacy(req: Request) async throws -> Response {
        try await renderPrivacy(req, error: nil)
    }

    func renderPrivacy(_ req: Request, error: BiebError?) async throws -> Response {
        let (org, service, account) = try await frame.authorized(req)
        let lang = Language.of(req)
        let data = try await MemberData.read(member: account, organisation: org, on: req.db)
        let words = MemberDataWords(lang: lang, timeZone: org.zone)
        let sections = data.sections.map { section in
            let rows = words.rows(of: section).map { row in row.map { DataBody.Pair(label: $0.heading, value: $0.value) } }
            return DataBody.Section(
                id: "data-\(section.key)", title: Locales.text("data_section_\(section.key)", lang),
                headings: section.single ? [] : words.shown(section).map { words.heading(section.columns[$0]) },
                rows: section.single ? [] : rows, pairs: section.single ? rows.first ?? [] : [])
        }
        let erasure = Erasure(req.db, organisationID: try org.requireID())
        let requested = try await erasure.requestedAt(member: account)
        let blockers = try await erasure.blockers(member: account)
        let body = DataBody(sections: sections, downloadURL: Portal.base(org) + "/privacy/download"
                                + (account == service.signedIn.id ? "" : "?lid=\(account)"),
                            requested: requested.map { words.formats.dateWithYear(LocalDate($0, in: org.zone)) },
                            blockers: blockers.map { $0.message(dutch: lang == .nl) }, canClose: blockers.isEmpty)
        return try await frame.render(req, "portal/privacy", title: Locales.text("portal_privacy", lang), org: org, service: service, account: account,
                                body: body, errors: error.map { FormErrors($0, lang: lang, known: ["confirm"]) }, status: error?.httpStatus ?? .ok)
    }

    func download(req: Request) async throws -> Response {
        let (_, service, account) = try await frame.authorized(req)
        return try await PrivacyAPIController.dataDownload(req, service, account: account)
    }

    struct ClosedContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
    }

    func requestErasure(req: Request) async throws -> Response {
        let (org, service, account) = try await frame.setUp(req)
        let lang = Language.of(req)
        guard (try? req.content.get(String.self, at: "confirm")) == "on" else {
            return try await renderPrivacy(req, error: BiebError.invalid("confirm", Locales.text("portal_close_confirm_needed", .en),
                                                                         nl: Locales.text("portal_close_confirm_needed", .nl)))
        }
        switch try await service.requestErasure(account: account) {
        case .erased:
            if account == service.signedIn.id {
                MemberSession.end(req)
                let context = ClosedContext(page: Portal.page(req, org, title: Locales.text("portal_closed_title", lang)),
                                            organisation: org.name, orgURL: "/\(org.slug)")
                return try await PublicPages().render(req, "portal/closed", context)
            }
            return Portal.done(req, Portal.base(org), Locales.text("portal_closed_child", lang))
        case .waiting:
            return frame.back(req, org, "/privacy", account, service, Locales.text("portal_close_waiting", lang))
        }
    }

    func withdrawErasure(req: Request) async throws -> Response {
        let (org, service, account) = try await frame.authorized(req)
        try await Erasure(req.db, organisationID: try org.requireID()).withdrawRequest(member: account)
        return frame.back(req, org, "/privacy", account, service, Locales.text("portal_close_withdrawn", Language.of(req)))
    }

    // MARK: Staff: the privacy officer's page

    struct AuditContext: Encodable {
        struct Row: Encodable {
            let cells: [String]
        }
        let page: PageContext
        let canEdit: Bool
        /// The rules as stored, or as typed after a refused form.
        let loanLinkDays: String
        let inactiveMemberYears: String
        let card: String
        let memberName: String?
        let views: [Row]
        let log: [Row]
        /// The lookup's answer (no member with that card).
        let error: String?
        /// A refused settings form, with what was typed.
        let errors: FormErrors?
        let form: FormValues
    }

    func audit(req: Request) async throws -> Response {
        try await renderAudit(req, card: "")
    }

    /// The card to filter on comes in the body: card numbers stay out of URLs.
    func auditSearch(req: Request) async throws -> Response {
        try await renderAudit(req, card: (try? req.content.get(String.self, at: "card")) ?? "")
    }

    func renderAudit(_ req: Request, card: String, error: BiebError? = nil, typed: FormValues = FormValues()) async throws -> Response {
        let page = try await StaffPages.Page(req)
        let user = try req.staff(.auditPrivacy)
        guard let org = page.organisation else { throw Abort(.notFound) }
        let formats = Formats(lang: page.lang, timeZone: org.zone)
        let retention = Retention(req.db, organisationID: try org.requireID())
        let settings = try await retention.settings()
        let card = card.trimmed
        var member: Member?
        if !card.isEmpty {
            member = try await MemberDirectory(req.db, organisationID: try org.requireID()).member(card: card)?.member
        }
        func when(_ date: Date) -> String { formats.dateWithYear(LocalDate(date, in: org.zone)) + " " + formats.time(date) }
        let views = card.isEmpty || member != nil
            ? try await MemberViews(req.db, organisationID: try org.requireID()).list(member: member?.id, limit: 300) : []
        var names: [UUID: String] = [:]
        if member == nil {
            let ids = Array(Set(views.map(\.memberID)))
            if !ids.isEmpty {
                for row in try await req.db.sql.select().column("id").column("name").from(Member.schema)
                    .where(SQLIdentifier("id"), .in, SQLBind.group(ids)).all() {
                    names[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "name", as: String.self)
                }
            }
        }
        let context = AuditContext(
            page: page.context(page.t("privacy_title")), canEdit: user.can(.managePrivacySettings),
            loanLinkDays: typed["loan_link_days"] ?? String(settings.loanLinkDays),
            inactiveMemberYears: typed["inactive_member_years"] ?? String(settings.inactiveMemberYears), card: card, memberName: member?.name,
            views: views.map { view in
                .init(cells: [when(view.at), view.staffName, page.t("role_\(view.staffRole)"),
                              member?.name ?? names[view.memberID] ?? "—", page.t("view_purpose_\(view.purpose.rawValue)"), view.via])
            },
            log: try await retention.log().map { .init(cells: [when($0.at), page.t("privacy_rule_\($0.rule)"), String($0.count), $0.detail]) },
            error: !card.isEmpty && member == nil ? page.t("privacy_no_card", ["card": card]) : nil,
            errors: page.formErrors(error, fields: ["loan_link_days", "inactive_member_years"]), form: typed)
        return try await page.render("staff/privacy", context, status: error?.httpStatus ?? .ok)
    }

    func saveSettings(req: Request) async throws -> Response {
        let user = try req.staff(.managePrivacySettings)
        struct Form: Content { var loan_link_days: String?; var inactive_member_years: String? }
        let form = try req.content.decode(Form.self)
        func number(_ text: String?, _ field: String) throws -> Int {
            guard let value = text.flatMap({ Int($0.trimmed) }) else {
                throw BiebError.invalid(field, "Give a whole number.", nl: "Vul een heel getal in.")
            }
            return value
        }
        do {
            let settings = PrivacySettings(loanLinkDays: try number(form.loan_link_days, "loan_link_days"),
                                           inactiveMemberYears: try number(form.inactive_member_years, "inactive_member_years"))
            try await Retention(req.db, organisationID: user.organisationID).save(settings, by: user.id)
        } catch let error as BiebError {
            return try await renderAudit(req, card: "", error: error, typed: FormValues(req))
        }
        return req.redirect(to: "/staff/privacy?done=privacy_saved", redirectType: .normal)
    }
}
