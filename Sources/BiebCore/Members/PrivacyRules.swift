import Foundation

/// What statistics keep of a member once the link to them is gone: facts
/// shared by many members, never a birth date, name, address or card.
public struct PseudonymousFacts: Sendable, Equatable {
    /// "0-11", "12-17", "18-24", "25-44", "45-64", "65+" (on the day of the event).
    public let ageBand: String?
    /// The membership type code.
    public let category: String
    /// The four digits of the postcode (PC4, the area of CBS statistics), or nil.
    public let area: String?

    public init(birthDate: LocalDate?, on date: LocalDate, category: String, postcode: String) {
        ageBand = birthDate.map { SelfServiceAccess.ageBand(birthDate: $0, on: date) }
        self.category = category
        let digits = postcode.prefix { $0.isNumber }
        area = digits.count == 4 ? String(digits) : nil
    }
}

/// Why a member's account cannot be removed yet, in the words shown to them.
public enum ErasureBlocker: Sendable, Equatable {
    case openLoans(Int)
    /// Fees still to pay (positive) or money the library owes them (negative).
    case balance(cents: Int)
    /// An online payment not finished yet.
    case paymentInProgress

    public var code: String {
        switch self {
        case .openLoans: "open_loans"
        case .balance: "open_balance"
        case .paymentInProgress: "payment_in_progress"
        }
    }

    public func message(dutch: Bool) -> String {
        switch self {
        case .openLoans(let n):
            dutch ? "Je hebt nog \(n) \(n == 1 ? "uitlening" : "uitleningen"): lever \(n == 1 ? "die" : "ze") eerst in."
                : "You still have \(n) \(n == 1 ? "loan" : "loans"): return \(n == 1 ? "it" : "them") first."
        case .balance(let cents) where cents > 0:
            dutch ? "Er staat nog \(Money.text(cents)) open: betaal dat eerst (online of aan de balie)."
                : "\(Money.text(cents)) is still to be paid: pay it first (online or at the desk)."
        case .balance(let cents):
            dutch ? "De bibliotheek moet jou nog \(Money.text(-cents)) terugbetalen: vraag dat aan de balie."
                : "The library still owes you \(Money.text(-cents)): ask for it at the desk."
        case .paymentInProgress:
            dutch ? "Er loopt nog een online betaling: wacht tot die klaar is." : "An online payment is still in progress: wait until it is done."
        }
    }

    /// The blockers of an account with these open things.
    public static func blockers(openLoans: Int, balanceCents: Int, paymentsInProgress: Int) -> [ErasureBlocker] {
        var result: [ErasureBlocker] = []
        if openLoans > 0 { result.append(.openLoans(openLoans)) }
        if balanceCents != 0 { result.append(.balance(cents: balanceCents)) }
        if paymentsInProgress > 0 { result.append(.paymentInProgress) }
        return result
    }
}
