import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A refund of an online payment, as staff see it on the payment's page.
public struct PaymentRefund: Sendable, Equatable {
    public let providerRefundID: String
    public let amountCents: Int
    public let at: Date
    public let staffID: UUID?
    /// The staff member's name (nil when there was none, or the account is gone).
    public let staffName: String?
    /// The reason, as on the ledger line the refund booked; nil once that line went with an erased member
    /// (`payment_refunds` keeps the amounts the bookkeeping needs, not free text about a person).
    public let note: String?
}

extension Payments {
    /// A payment by the provider's id (`tr_…`), whichever provider made it.
    public func find(providerPaymentID: String) async throws -> PaymentRecord? {
        try await sql.raw("""
            SELECT * FROM payments WHERE provider_payment_id = \(bind: providerPaymentID) AND organisation_id = \(bind: organisationID)
            ORDER BY created_at DESC LIMIT 1
            """).first().map(Self.record)
    }

    /// A payment's refunds, oldest first, with who gave them and why.
    public func refunds(of payment: UUID) async throws -> [PaymentRefund] {
        // The ledger line of a refund is written by `confirmRefund` with the refund's own moment and amount.
        try await sql.raw("""
            SELECT r.provider_refund_id, r.amount_cents, r.created_at, r.staff_user_id, s.name AS staff_name,
                (SELECT f.note FROM fee_lines f WHERE f.payment_id = r.payment_id AND f.kind = 'payout'
                    AND f.amount_cents = r.amount_cents AND f.created_at = r.created_at LIMIT 1) AS note
            FROM payment_refunds r LEFT JOIN staff_users s ON s.id = r.staff_user_id
            WHERE r.payment_id = \(bind: payment) AND r.organisation_id = \(bind: organisationID)
            ORDER BY r.created_at, r.provider_refund_id
            """).all().map { row in
            PaymentRefund(providerRefundID: try row.decode(column: "provider_refund_id", as: String.self),
                          amountCents: try row.decode(column: "amount_cents", as: Int.self),
                          at: try row.decode(column: "created_at", as: Date.self),
                          staffID: try row.decode(column: "staff_user_id", as: UUID?.self),
                          staffName: try row.decode(column: "staff_name", as: String?.self),
                          note: try row.decode(column: "note", as: String?.self))
        }
    }
}
