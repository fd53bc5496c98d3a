import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff's side of the payments API (`/api/v1/payments`): the list, one payment, refunds, reconciliation.
extension PaymentsAPIController {
    func list(req: Request) async throws -> [PaymentDTO] {
        let user = try req.staff(.refundPayments)
        var member: UUID?
        if let text = req.query[String.self, at: "member"] {
            guard let id = UUID(uuidString: text) else {
                throw BiebError.invalid("member", "'\(text)' is not a member id.", nl: "'\(text)' is geen lidnummer (id).")
            }
            member = id
        }
        let status = try Self.status(req.query[String.self, at: "status"])
        let limit = min(max(req.query[Int.self, at: "limit"] ?? 100, 1), 500)
        return try await Payments(req.db, organisationID: user.organisationID).list(member: member, status: status, limit: limit)
            .map { PaymentDTO($0, staff: true) }
    }

    /// A status to filter on: nil for none (or empty), else one of `PaymentStatus`.
    static func status(_ text: String?) throws -> PaymentStatus? {
        guard let text = text?.trimmed, !text.isEmpty else { return nil }
        guard let status = PaymentStatus(rawValue: text) else {
            let known = PaymentStatus.allCases.map(\.rawValue).joined(separator: ", ")
            throw BiebError.invalid("status", "Choose one of: \(known).", nl: "Kies een van: \(known).")
        }
        return status
    }

    static func payment(_ req: Request, organisation: UUID) async throws -> PaymentRecord {
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
              let payment = try await Payments(req.db, organisationID: organisation).find(id) else {
            throw BiebError.notFound("payment", nl: "Betaling niet gevonden.")
        }
        return payment
    }

    func show(req: Request) async throws -> PaymentDTO {
        let user = try req.staff(.refundPayments)
        return PaymentDTO(try await Self.payment(req, organisation: user.organisationID), staff: true)
    }

    func refund(req: Request) async throws -> PaymentDTO {
        let user = try req.staff(.refundPayments)
        let payment = try await Self.payment(req, organisation: user.organisationID)
        let (cents, note) = try req.content.decode(RefundInput.self).checked(against: payment)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return PaymentDTO(try await OnlinePayments(app: req.application, organisation: organisation)
            .refund(payment.id, cents: cents, staff: user.id, note: note), staff: true)
    }

    /// Every payment against the ledger: `balanced` when all agree.
    func reconciliation(req: Request) async throws -> ReconciliationDTO {
        let user = try req.staff(.refundPayments)
        let mismatches = try await Payments(req.db, organisationID: user.organisationID).reconcile()
        return ReconciliationDTO(balanced: mismatches.isEmpty, mismatches: mismatches.map {
            .init(payment_id: $0.paymentID, status: $0.status.rawValue, amount_cents: $0.amountCents, booked_cents: $0.bookedCents,
                  refunded_cents: $0.refundedCents, ledger_refund_cents: $0.ledgerRefundCents)
        })
    }
}
