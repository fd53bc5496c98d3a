import Foundation

/// The notes Bieb itself writes on fee lines, made in one place and read back
/// in one place. The ledger keeps a note as text, in Dutch (the record stays
/// as it was written); a page in English says Bieb's own notes in English and
/// writes their dates as people do. A note staff typed themselves is shown as
/// typed.
public enum FeeNote {
    public static func overdue(title: String, days: Int) -> String { "\(title): \(days) dagen te laat" }
    public static func lost(title: String, barcode: String) -> String { "\(title) (\(barcode)) verloren" }
    public static func found(title: String) -> String { "\(title) teruggevonden" }
    public static func membership(type: String, from: LocalDate, through: LocalDate) -> String { "\(type) \(from.iso) – \(through.iso)" }
    public static func onlinePayment(provider: String) -> String { "online (\(provider))" }
    public static func cancelledRegistration(activity: String) -> String { "Afgemeld: \(activity)" }

    /// How a payment was made, as the ledger's note begins ("kas", "pin", "kiosk pin BK…", "online (test)"):
    /// the one list of methods that both the desk's English notes and the member's sentences read.
    public enum PaymentMethod: String, CaseIterable, Sendable {
        case kioskCash = "kiosk contant"
        case kioskCard = "kiosk pin"
        case cash = "kas"
        case card = "pin"
        case online

        /// The method a payment's note names, if any (longer prefixes first: "kiosk pin" is not "pin").
        public static func of(note: String) -> PaymentMethod? {
            allCases.first { note == $0.rawValue || note.hasPrefix($0.rawValue + " ") }
        }

        /// The method in English, as the note's first words become on an English page.
        public var english: String {
            switch self {
            case .kioskCash: "kiosk cash"
            case .kioskCard: "kiosk debit card"
            case .cash: "cash"
            case .card: "debit card"
            case .online: "online"
            }
        }

        /// A name for the method in keys and code ("kiosk_cash", "card", …).
        public var key: String {
            switch self {
            case .kioskCash: "kiosk_cash"
            case .kioskCard: "kiosk_card"
            case .cash: "cash"
            case .card: "card"
            case .online: "online"
            }
        }
    }

    /// A note for a person: in English when `english`, with the dates of a
    /// membership period written by `date` in either language.
    public static func words(_ note: String, english: Bool, date: (LocalDate) -> String) -> String {
        if let match = note.wholeMatch(of: /(.+) (\d{4}-\d{2}-\d{2}) – (\d{4}-\d{2}-\d{2})/),
           let from = LocalDate(iso: String(match.output.2)), let through = LocalDate(iso: String(match.output.3)) {
            return "\(match.output.1) \(date(from)) – \(date(through))"
        }
        guard english else { return note }
        if let match = note.wholeMatch(of: /(.+): (\d+) dagen te laat/), let days = Int(match.output.2) {
            return "\(match.output.1): \(days) day\(days == 1 ? "" : "s") late"
        }
        if let match = note.wholeMatch(of: /(.+) \(([^()]*)\) verloren/) { return "\(match.output.1) (\(match.output.2)) lost" }
        if let match = note.wholeMatch(of: /(.+) teruggevonden/) { return "\(match.output.1) found again" }
        if let match = note.wholeMatch(of: /Afgemeld: (.+)/) { return "Cancelled: \(match.output.1)" }
        if let method = PaymentMethod.of(note: note) {
            return method.english + note.dropFirst(method.rawValue.count)
        }
        return note
    }
}
