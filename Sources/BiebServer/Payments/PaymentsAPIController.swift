import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Online payments over the API: members start and follow their payments
/// (`/api/v1/my/accounts/{member}/payments`), the provider's webhook
/// (`/api/v1/payments/webhook/{organisation}`), and staff list, refund
/// and reconcile (`/api/v1/payments`).
/// Routes and shared types here; the handlers by audience in `PaymentsAPI+Member.swift`, `PaymentsAPI+Staff.swift` (the webhook here).
struct PaymentsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let my = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member", "payments")
        my.get(use: memberPayments)
        my.post(use: start)
        my.get(":paymentID", use: memberPayment)
        let api = routes.grouped("api", "v1", "payments")
        api.post("webhook", ":org", use: webhook)
        let staff = api.grouped(BearerAuthenticator())
        staff.get(use: list)
        staff.get("reconciliation", use: reconciliation)
        staff.get(":paymentID", use: show)
        staff.post(":paymentID", "refunds", use: refund)
    }

    struct PaymentDTO: Content {
        let id: UUID
        let purpose: String
        let amount_cents: Int
        let status: String
        let provider: String
        /// Where the member pays (while open).
        let checkout_url: String?
        let booked_at: Date?
        let refunded_cents: Int
        let description: String
        let created_at: Date
        var member_id: UUID? = nil

        init(_ payment: PaymentRecord, staff: Bool = false) {
            id = payment.id
            purpose = payment.purpose.rawValue
            amount_cents = payment.amountCents
            status = payment.status.rawValue
            provider = payment.provider
            checkout_url = payment.status == .open ? payment.checkoutURL : nil
            booked_at = payment.bookedAt
            refunded_cents = payment.refundedCents
            description = payment.description
            created_at = payment.createdAt
            if staff { member_id = payment.memberID }
        }
    }

    // MARK: Members

    struct StartInput: Content {
        /// "fees" or "membership".
        var purpose: String?
    }

    static func purpose(_ text: String?) throws -> PaymentPurpose {
        guard let text = text?.trimmed, let purpose = PaymentPurpose(rawValue: text) else {
            throw BiebError.invalid("purpose", "Choose fees or membership.", nl: "Kies fees (kosten) of membership (abonnement).")
        }
        return purpose
    }

    // MARK: The provider

    /// The provider's notice: `id=tr_…` (form) or `{"id": "…"}`. The state
    /// is fetched from the provider; an unknown id gets the same 200.
    func webhook(req: Request) async throws -> HTTPStatus {
        guard let organisation = try await req.branches.organisation(slug: req.parameters.get("org") ?? "") else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        guard let id = (try? req.content.get(String.self, at: "id"))?.trimmed, !id.isEmpty, id.count <= 64 else {
            throw BiebError.invalid("id", "The provider's payment id is missing.", nl: "Het betalingsnummer van de betaaldienst ontbreekt.")
        }
        // A provider error is a 502: the provider sends the webhook again later.
        try await OnlinePayments(app: req.application, organisation: organisation).webhook(providerPaymentID: id)
        return .ok
    }

    // MARK: Staff

    struct ReconciliationDTO: Content {
        struct Mismatch: Content {
            let payment_id: UUID
            let status: String
            let amount_cents: Int
            let booked_cents: Int
            let refunded_cents: Int
            let ledger_refund_cents: Int
        }
        let balanced: Bool
        let mismatches: [Mismatch]
    }

}
