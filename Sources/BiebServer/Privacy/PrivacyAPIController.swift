import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Privacy over the API. Members (`/api/v1/my/accounts/{member}/…`): the
/// loan history (on, off, search, export, delete), all their data, who of
/// the staff viewed their record, and erasure. Staff (`/api/v1/privacy/…`):
/// the retention rules (admins), the privacy log and the view log (privacy
/// officers and admins).
struct PrivacyAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let account = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member")
        account.get("history", use: history)
        account.put("history", use: switchHistory)
        account.delete("history", use: deleteHistory)
        account.get("history", "export", use: exportHistory)
        account.delete("history", ":entryID", use: deleteEntry)
        account.get("data", use: data)
        account.get("views", use: memberViews)
        account.get("erasure", use: erasureState)
        account.post("erasure", use: requestErasure)
        account.delete("erasure", use: withdrawErasure)
        let api = routes.grouped("api", "v1", "privacy").grouped(BearerAuthenticator())
        api.get("settings", use: settings)
        api.put("settings", use: saveSettings)
        api.get("log", use: log)
        api.get("views", use: views)
        api.post("run", use: run)
    }

    // MARK: Loan history

    struct EntryDTO: Content {
        let id: Int
        let title_id: Int
        let title: String
        let author: String?
        let format: String
        let branch: String
        let checked_out_at: Date
        let returned_at: Date
    }

    struct HistoryDTO: Content {
        let enabled: Bool
        let since: Date?
        let total: Int
        let page: Int
        let per_page: Int
        let entries: [EntryDTO]
    }

    static func entry(_ e: LoanHistoryEntry, _ service: MemberAccountService) -> EntryDTO {
        EntryDTO(id: e.id, title_id: e.titleID, title: e.title, author: e.author, format: e.format, branch: service.branchName(e.branchID),
                 checked_out_at: e.checkedOutAt, returned_at: e.returnedAt)
    }

    func historyDTO(_ req: Request, _ service: MemberAccountService, account: UUID) async throws -> HistoryDTO {
        let page = min(max(req.query[Int.self, at: "page"] ?? 1, 1), 10_000)
        let perPage = min(max(req.query[Int.self, at: "per_page"] ?? 50, 1), 200)
        let store = LoanHistory(req.db, organisationID: service.organisation.id!)
        let since = try await store.since(member: account)
        let (entries, total) = try await store.entries(member: account, query: req.query[String.self, at: "q"] ?? "", limit: perPage,
                                                       offset: (page - 1) * perPage)
        return HistoryDTO(enabled: since != nil, since: since, total: total, page: page, per_page: perPage,
                          entries: entries.map { Self.entry($0, service) })
    }

    func history(req: Request) async throws -> HistoryDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await historyDTO(req, service, account: account)
    }

    struct SwitchInput: Content {
        var enabled: Bool?
    }

    /// On: kept from now. Off: the history is erased at once.
    func switchHistory(req: Request) async throws -> HistoryDTO {
        let service = try await MemberAccountService.make(req)
        let account = try MemberAccountAPIController.account(req)
        guard let enabled = try req.content.decode(SwitchInput.self).enabled else {
            throw BiebError.invalid("enabled", "Say true (keep my loan history) or false (stop and erase it).",
                                    nl: "Geef true (leengeschiedenis bewaren) of false (stoppen en wissen).")
        }
        try await service.setLoanHistory(account: account, on: enabled, source: "api", dutch: Language.of(req) == .nl)
        return try await historyDTO(req, service, account: account)
    }

    func deleteHistory(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        try await LoanHistory(req.db, organisationID: service.organisation.id!).deleteAll(member: account)
        return .noContent
    }

    func deleteEntry(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        let entry = try MemberAccountAPIController.int(req, "entryID", "history_entry", nl: "Regel van de leengeschiedenis niet gevonden.")
        guard try await LoanHistory(req.db, organisationID: service.organisation.id!).delete(member: account, entry: entry) else {
            throw BiebError.notFound("history_entry", nl: "Regel van de leengeschiedenis niet gevonden.")
        }
        return .noContent
    }

    /// The whole history as CSV (`format=csv`, the default) or JSON.
    func exportHistory(req: Request) async throws -> Response {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await Self.historyExport(req, service, account: account, format: req.query[String.self, at: "format"] ?? "csv")
    }

    static func historyExport(_ req: Request, _ service: MemberAccountService, account: UUID, format: String) async throws -> Response {
        guard ["csv", "json"].contains(format) else {
            throw BiebError.invalid("format", "Choose csv or json.", nl: "Kies csv of json.")
        }
        let (entries, _) = try await LoanHistory(req.db, organisationID: service.organisation.id!).entries(member: account, limit: 100_000)
        let rows = entries.map { entry($0, service) }
        let response = Response(status: .ok)
        let day = service.today.iso
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            response.body = .init(data: try encoder.encode(rows))
            response.headers.contentType = .json
        } else {
            let iso = ISO8601DateFormatter()
            func field(_ text: String?) -> String {
                let text = text ?? ""
                return text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            var csv = "title,author,format,branch,checked_out_at,returned_at\r\n"
            for row in rows {
                csv += [row.title, row.author, row.format, row.branch, iso.string(from: row.checked_out_at), iso.string(from: row.returned_at)]
                    .map(field).joined(separator: ",") + "\r\n"
            }
            response.body = .init(string: csv)
            response.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        }
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"leengeschiedenis-\(day).\(format)\"")
        return response
    }

    // MARK: Access

    /// Everything Bieb holds about the member, as a JSON download.
    func data(req: Request) async throws -> Response {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await Self.dataDownload(req, service, account: account)
    }

    static func dataDownload(_ req: Request, _ service: MemberAccountService, account: UUID) async throws -> Response {
        let data = try await MemberData.read(member: account, organisation: service.organisation, on: req.db)
        let response = Response(status: .ok, body: .init(data: try data.json()))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"mijn-gegevens-\(service.today.iso).json\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    struct ViewDTO: Content {
        let at: Date
        let staff: String
        let role: String
        let purpose: String
        let via: String
        var member_id: UUID? = nil
        var staff_id: UUID? = nil
    }

    func memberViews(req: Request) async throws -> [ViewDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await MemberViews(req.db, organisationID: service.organisation.id!).list(member: account).map {
            ViewDTO(at: $0.at, staff: $0.staffName, role: $0.staffRole, purpose: $0.purpose.rawValue, via: $0.via)
        }
    }

    // MARK: Erasure

    struct BlockerDTO: Content {
        let code: String
        let message: String
    }

    struct ErasureDTO: Content {
        /// "none" (not asked), "waiting" (asked; blocked), "erased".
        let status: String
        let requested_at: Date?
        let blockers: [BlockerDTO]
    }

    static func blockers(_ list: [ErasureBlocker], dutch: Bool) -> [BlockerDTO] {
        list.map { BlockerDTO(code: $0.code, message: $0.message(dutch: dutch)) }
    }

    func erasureState(req: Request) async throws -> ErasureDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        let erasure = Erasure(req.db, organisationID: service.organisation.id!)
        let requested = try await erasure.requestedAt(member: account)
        return ErasureDTO(status: requested == nil ? "none" : "waiting", requested_at: requested,
                          blockers: Self.blockers(try await erasure.blockers(member: account), dutch: Language.of(req) == .nl))
    }

    /// Asks to close the account: 200 "erased" at once when nothing is open,
    /// else 202 "waiting" with what still blocks it.
    func requestErasure(req: Request) async throws -> Response {
        let service = try await MemberAccountService.make(req)
        let account = try MemberAccountAPIController.account(req)
        switch try await service.requestErasure(account: account) {
        case .erased:
            return try await ErasureDTO(status: "erased", requested_at: nil, blockers: []).encodeResponse(status: .ok, for: req)
        case .waiting(let blockers):
            let requested = try await Erasure(req.db, organisationID: service.organisation.id!).requestedAt(member: account)
            return try await ErasureDTO(status: "waiting", requested_at: requested, blockers: Self.blockers(blockers, dutch: Language.of(req) == .nl))
                .encodeResponse(status: .accepted, for: req)
        }
    }

    func withdrawErasure(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        try await Erasure(req.db, organisationID: service.organisation.id!).withdrawRequest(member: account)
        return .noContent
    }

    // MARK: Staff: rules and audit

    struct SettingsDTO: Content {
        var loan_link_days: Int?
        var inactive_member_years: Int?
    }

    func settings(req: Request) async throws -> SettingsDTO {
        // Privacy officers and admins (who hold every permission).
        let user = try req.staff(.auditPrivacy)
        let settings = try await Retention(req.db, organisationID: user.organisationID).settings()
        return SettingsDTO(loan_link_days: settings.loanLinkDays, inactive_member_years: settings.inactiveMemberYears)
    }

    func saveSettings(req: Request) async throws -> SettingsDTO {
        let user = try req.staff(.managePrivacySettings)
        let input = try req.content.decode(SettingsDTO.self)
        let retention = Retention(req.db, organisationID: user.organisationID)
        var settings = try await retention.settings()
        if let days = input.loan_link_days { settings.loanLinkDays = days }
        if let years = input.inactive_member_years { settings.inactiveMemberYears = years }
        try await retention.save(settings, by: user.id)
        return SettingsDTO(loan_link_days: settings.loanLinkDays, inactive_member_years: settings.inactiveMemberYears)
    }

    struct LogDTO: Content {
        let at: Date
        let rule: String
        let count: Int
        let detail: String
    }

    func log(req: Request) async throws -> [LogDTO] {
        let user = try req.staff(.auditPrivacy)
        return try await Retention(req.db, organisationID: user.organisationID).log().map {
            LogDTO(at: $0.at, rule: $0.rule, count: $0.count, detail: $0.detail)
        }
    }

    /// The view log: `member`, `staff` (ids) and `since` (ISO date) narrow it.
    func views(req: Request) async throws -> [ViewDTO] {
        let user = try req.staff(.auditPrivacy)
        func id(_ name: String) throws -> UUID? {
            guard let text = req.query[String.self, at: name] else { return nil }
            guard let id = UUID(uuidString: text) else {
                throw BiebError.invalid(name, "'\(text)' is not an id.", nl: "'\(text)' is geen id.")
            }
            return id
        }
        var since: Date?
        if let text = req.query[String.self, at: "since"] {
            guard let day = LocalDate(iso: text) else {
                throw BiebError.invalid("since", "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
            }
            let zone = try await req.branches.organisation(id: user.organisationID)?.zone ?? BranchCalendar.amsterdam
            since = LocalClock.instant(of: day, minute: 0, in: zone)
        }
        return try await MemberViews(req.db, organisationID: user.organisationID)
            .list(member: try id("member"), staff: try id("staff"), since: since, limit: min(max(req.query[Int.self, at: "limit"] ?? 200, 1), 1000))
            .map { ViewDTO(at: $0.at, staff: $0.staffName, role: $0.staffRole, purpose: $0.purpose.rawValue, via: $0.via, member_id: $0.memberID,
                           staff_id: $0.staffID) }
    }

    struct RunDTO: Content {
        let loans_unlinked: Int
        let events_pseudonymised: Int
        let members_removed: Int
        let erasures_done: Int
        let views_pruned: Int
    }

    /// Applies the retention rules now (they also run every hour).
    func run(req: Request) async throws -> RunDTO {
        let user = try req.staff(.managePrivacySettings)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let outcome = try await Retention(req.db, organisationID: user.organisationID).run(timeZone: organisation.zone)
        return RunDTO(loans_unlinked: outcome.loansUnlinked, events_pseudonymised: outcome.eventsPseudonymised,
                      members_removed: outcome.membersRemoved, erasures_done: outcome.erasuresDone, views_pruned: outcome.viewsPruned)
    }
}

extension MemberAccountService {
    /// Switches the loan history on (from now) or off (erasing it), recorded as a consent with the words shown.
    func setLoanHistory(account: UUID, on: Bool, source: String, dutch: Bool) async throws {
        try await authorize(account)
        try await Consents(req.db, organisationID: organisation.id!)
            .record(member: account, .loanHistory, granted: on, text: Self.consentText(.loanHistory, dutch: dutch),
                    source: source, at: now)
    }

    /// The member (or their guardian) asks to close the account: holds are
    /// cancelled first (their copies go to the next in line), then the
    /// account goes at once or when what blocks it is resolved.
    func requestErasure(account: UUID) async throws -> Erasure.RequestOutcome {
        let member = try await record(account)
        for hold in try await circulation.account(member: account, now: now).holds {
            try? await circulation.cancelHold(hold.holdID, member: account, at: desk(for: member))
        }
        return try await Erasure(req.db, organisationID: organisation.id!).request(member: account, now: now, timeZone: organisation.zone)
    }
}
