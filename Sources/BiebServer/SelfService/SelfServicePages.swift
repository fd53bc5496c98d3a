import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Self-service in the staff pages: door entries of the last week per
/// branch (all staff), the SIP2 terminal accounts and each branch's sort
/// bins (admins). Without JavaScript; every form names what was wrong.
struct SelfServicePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("self-service", use: overview)
        staff.post("self-service", "terminals", use: createTerminal)
        staff.post("self-service", "terminals", ":terminalID", use: changeTerminal)
        staff.post("self-service", "sort-bins", use: setSortBins)
    }

    struct TerminalLine: Encodable {
        let id: String
        let name: String
        let login: String
        let kind: String
        let branch: String
        let location: String
        let lastLogin: String
        let active: Bool
    }

    struct BinLine: Encodable {
        let slug: String
        let name: String
        let holds: String
        let transit: String
        let shelf: String
    }

    struct VisitLine: Encodable {
        let name: String
        let visits: Int
    }

    struct Context: Encodable {
        let page: PageContext
        let canManage: Bool
        let visits: [VisitLine]
        let visitPeriod: String
        let terminals: [TerminalLine]
        let bins: [BinLine]
        let branches: [FormOption]
        let kinds: [FormOption]
        /// The new terminal form as typed (the API's `TerminalInput`; never the password).
        let form: TerminalInput
        let message: String?
        let errors: FormErrors?
    }

    func render(_ req: Request, message: String? = nil, error: BiebError? = nil, form: TerminalInput? = nil,
                status: HTTPStatus = .ok) async throws -> Response {
        let service = try await DeskService.make(req)
        let page = try await StaffPages.Page(req)
        let zone = service.organisation.zone
        let today = LocalDate(Date(), in: zone)
        let from = today.adding(days: -6)
        let counts = try await service.selfService.visitCounts(from: LocalClock.instant(of: from, minute: 0, in: zone),
                                                               to: LocalClock.instant(of: today.adding(days: 1), minute: 0, in: zone))
        let canManage = service.user.can(.manageSelfService)
        var terminals: [TerminalLine] = []
        var bins: [BinLine] = []
        if canManage {
            let formatter = Formats(lang: service.lang, timeZone: zone)
            terminals = try await service.selfService.terminals().map { terminal in
                TerminalLine(id: terminal.id!.uuidString, name: terminal.name, login: terminal.login, kind: page.t("terminal_kind_\(terminal.kindRaw)"),
                             branch: service.branchName(terminal.branchID), location: terminal.locationCode ?? "",
                             lastLogin: terminal.lastLoginAt.map { formatter.shortDate(LocalDate($0, in: zone)) + " " + formatter.time($0) } ?? page.t("terminal_never"), active: terminal.active)
            }
            for branch in service.branches where branch.active {
                let set = try await service.selfService.sortBins(branch: branch.id)
                bins.append(BinLine(slug: branch.slug, name: branch.name, holds: set.holds, transit: set.transit, shelf: set.shelf))
            }
        }
        var form = form ?? TerminalInput(kind: "kiosk", language: service.lang.rawValue)
        form.password = nil
        let title = page.t("self_service_title")
        return try await page.render("staff/self_service", Context(
            page: page.context(title), canManage: canManage,
            visits: service.branches.filter(\.active).map { VisitLine(name: $0.name, visits: counts[$0.id] ?? 0) },
            visitPeriod: page.t("self_service_visits_period", ["from": service.day(from),
                                                               "to": service.day(today)]),
            terminals: terminals, bins: bins,
            branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == form.branch) },
            kinds: SIP2Terminal.Kind.allCases.map { FormOption(value: $0.rawValue, label: page.t("terminal_kind_\($0.rawValue)"),
                                                                      selected: $0.rawValue == form.kind) },
            form: form,
            message: message, errors: page.formErrors(error, ids: ["name": "tname", "login": "tlogin", "password": "tpass"])), status: status)
    }

    func overview(req: Request) async throws -> Response {
        try await render(req)
    }

    func createTerminal(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageSelfService)
        let form = try req.content.decode(TerminalInput.self)
        do {
            let draft = try form.draft(service, existing: nil)
            let password = form.password ?? ""
            try TerminalDraft.validatePassword(password)
            let terminal = try await service.selfService.create(draft, passwordHash: try await req.password.async.hash(password))
            return try await render(req, message: Locales.text("terminal_created", service.lang, ["name": terminal.name]))
        } catch let error as BiebError {
            return try await render(req, error: error, form: form, status: error.httpStatus)
        }
    }

    struct ChangeForm: Content {
        var action: String?
        var password: String?
    }

    /// Switch a terminal on or off, give it a new password, or remove it.
    func changeTerminal(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageSelfService)
        let form = try req.content.decode(ChangeForm.self)
        do {
            let terminal = try await service.selfService.terminal(try req.uuidParameter("terminalID"))
            let draft = try TerminalInput().draft(service, existing: terminal)
            var changed = draft
            let message: String
            switch form.action ?? "" {
            case "activate", "deactivate":
                changed.active = form.action == "activate"
                _ = try await service.selfService.update(terminal.id!, changed, passwordHash: nil)
                message = Locales.text(changed.active ? "terminal_activated" : "terminal_deactivated", service.lang, ["name": terminal.name])
            case "password":
                let password = form.password ?? ""
                try TerminalDraft.validatePassword(password)
                _ = try await service.selfService.update(terminal.id!, draft, passwordHash: try await req.password.async.hash(password))
                message = Locales.text("terminal_password_changed", service.lang, ["name": terminal.name])
            case "delete":
                try await service.selfService.delete(terminal.id!)
                message = Locales.text("terminal_deleted", service.lang, ["name": terminal.name])
            default:
                throw BiebError.invalid("action", "Unknown action.", nl: "Onbekende handeling.")
            }
            return try await render(req, message: message)
        } catch let error as BiebError {
            return try await render(req, error: error, status: error.httpStatus)
        }
    }

    struct BinsForm: Content {
        var branch: String?
        var holds: String?
        var transit: String?
        var shelf: String?
    }

    func setSortBins(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageSelfService)
        let form = try req.content.decode(BinsForm.self)
        do {
            let branch = try service.branch(form.branch)
            try await service.selfService.setSortBins(SortBins(holds: form.holds?.trimmed ?? "", transit: form.transit?.trimmed ?? "",
                                                               shelf: form.shelf?.trimmed ?? ""), branch: branch.id)
            return try await render(req, message: Locales.text("sort_bins_saved", service.lang, ["branch": branch.name]))
        } catch let error as BiebError {
            return try await render(req, error: error, status: error.httpStatus)
        }
    }
}
