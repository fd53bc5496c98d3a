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
/// Routes and shared types here; the handlers by audience in `PrivacyAPI+Member.swift`, `PrivacyAPI+Staff.swift`.
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
        let paging = req.paging(size: 50, maxSize: 200)
        let store = LoanHistory(req.db, organisationID: service.organisation.id!)
        let since = try await store.since(member: account)
        let (entries, total) = try await store.entries(member: account, query: req.query[String.self, at: "q"] ?? "", limit: paging.perPage,
                                                       offset: paging.offset)
        return HistoryDTO(enabled: since != nil, since: since, total: total, page: paging.page, per_page: paging.perPage,
                          entries: entries.map { Self.entry($0, service) })
    }

    struct SwitchInput: Content {
        var enabled: Bool?
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
            var csv = CSVText.line(["title", "author", "format", "branch", "checked_out_at", "returned_at"])
            for row in rows {
                csv += CSVText.line([row.title, row.author, row.format, row.branch, iso.string(from: row.checked_out_at), iso.string(from: row.returned_at)]
                    .map { CSVText.field($0 ?? "") })
            }
            response.body = .init(string: csv)
            response.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        }
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"leengeschiedenis-\(day).\(format)\"")
        return response
    }

    // MARK: Access

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

    // MARK: Staff: rules and audit

    struct SettingsDTO: Content {
        var loan_link_days: Int?
        var inactive_member_years: Int?
    }

    struct LogDTO: Content {
        let at: Date
        let rule: String
        let count: Int
        let detail: String
    }

    struct RunDTO: Content {
        let loans_unlinked: Int
        let events_pseudonymised: Int
        let members_removed: Int
        let erasures_done: Int
        let views_pruned: Int
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
