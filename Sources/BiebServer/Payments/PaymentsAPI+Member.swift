import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The member's side of the payments API (`/api/v1/my/accounts/{member}/payments`): start a payment, see one's payments.
extension PaymentsAPIController {
    func start(req: Request) async throws -> Response {
        let service = try await MemberAccountService.make(req)
        let member = try await service.record(try MemberAccountAPIController.account(req))
        let purpose = try Self.purpose(try req.content.decode(StartInput.self).purpose)
        let payment = try await OnlinePayments(app: req.application, organisation: service.organisation).start(member: member, purpose: purpose)
        let response = try await PaymentDTO(payment).encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/my/accounts/\(member.id!)/payments/\(payment.id)")
        return response
    }

    func memberPayments(req: Request) async throws -> [PaymentDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await Payments(req.db, organisationID: service.organisation.id!).list(member: account).map { PaymentDTO($0) }
    }

    /// One payment of the member's; while open, its state is asked of the provider first.
    func memberPayment(req: Request) async throws -> PaymentDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
              var payment = try await Payments(req.db, organisationID: service.organisation.id!).find(id), payment.memberID == account else {
            throw BiebError.notFound("payment", nl: "Betaling niet gevonden.")
        }
        if payment.status == .open {
            payment = try await OnlinePayments(app: req.application, organisation: service.organisation).refresh(payment)
        }
        return PaymentDTO(payment)
    }
}
