import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The member's side of the privacy API (`/api/v1/my/accounts/{member}/…`): loan history, their data, who viewed it, erasure.
extension PrivacyAPIController {
    func history(req: Request) async throws -> HistoryDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await historyDTO(req, service, account: account)
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

    /// Everything Bieb holds about the member, as a JSON download.
    func data(req: Request) async throws -> Response {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await Self.dataDownload(req, service, account: account)
    }

    func memberViews(req: Request) async throws -> [ViewDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await MemberViews(req.db, organisationID: service.organisation.id!).list(member: account).map {
            ViewDTO(at: $0.at, staff: $0.staffName, role: $0.staffRole, purpose: $0.purpose.rawValue, via: $0.via)
        }
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
}
