import Foundation
import Vapor
import BiebCore
import BiebStore

/// The one decoding of a refund, whichever way it comes: the API's JSON (`POST /api/v1/payments/{id}/refunds`)
/// or the staff payment page's form, which turns only its amount in euros ("12,50") into `amount_cents`
/// first — so both accept and refuse alike, and an error names the same field.
struct RefundInput: Content {
    var amount_cents: Int?
    /// Why (required; at most 200 characters are kept), on the ledger line the refund books.
    var note: String?

    /// The amount and the reason, checked against what is left of `payment`. The store checks the amount
    /// again in its conditional update, so two refunds at the same moment never exceed what was paid.
    func checked(against payment: PaymentRecord) throws -> (cents: Int, note: String) {
        guard let cents = amount_cents else {
            throw BiebError.invalid("amount_cents", "Give the amount to refund in cents.", nl: "Geef het terug te betalen bedrag in centen.")
        }
        guard cents > 0 else { throw Payments.refundNotPositive }
        guard payment.status == .paid else { throw Payments.notPaid }
        let left = payment.amountCents - payment.refundedCents
        guard cents <= left else { throw Payments.refundTooMuch(left: left) }
        let note = String((note ?? "").trimmed.prefix(200))
        guard !note.isEmpty else {
            throw BiebError.invalid("note", "Give the reason for the refund.", nl: "Geef de reden van de terugbetaling.")
        }
        return (cents, note)
    }
}
