import Foundation
import Vapor
import BiebCore
import BiebStore

/// The collection plan's inputs as a client sends them — the API's JSON
/// body and the staff pages' forms alike — each with its one decoding.
/// Numbers come as numbers or text (`LooseText`); an empty text is "not
/// given"; branches by slug or id.

/// Weeding thresholds for a part, or one NUR heading of it.
struct ThresholdFields: Content {
    var part: String?
    var heading: LooseText?
    var max_age_years: LooseText?
    var idle_months: LooseText?
    var worn_loans: LooseText?
    var loans_per_copy: LooseText?

    static let names: Set<String> = ["part", "heading", "max_age_years", "idle_months", "worn_loans", "loans_per_copy"]

    func decoded() throws -> (part: CollectionSegment, heading: Int?, thresholds: WeedingThresholds) {
        guard let part = part.flatMap({ CollectionSegment(rawValue: $0.trimmed) }) else {
            throw BiebError.invalid("part", "Choose a part of the collection.", nl: "Kies een deel van de collectie.")
        }
        let heading = try Self.whole(heading, "heading")
        guard let idle = try Self.whole(idle_months, "idle_months") else {
            throw BiebError.invalid("idle_months", "Give the months without a loan.", nl: "Geef het aantal maanden zonder uitlening.")
        }
        guard let worn = try Self.whole(worn_loans, "worn_loans") else {
            throw BiebError.invalid("worn_loans", "Give the loans after which a copy is worn.", nl: "Geef het aantal uitleningen waarna een exemplaar versleten is.")
        }
        guard let perCopy = try Self.whole(loans_per_copy, "loans_per_copy") else {
            throw BiebError.invalid("loans_per_copy", "Give the loans a copy serves a year.", nl: "Geef het aantal uitleningen per exemplaar per jaar.")
        }
        return (part, heading, WeedingThresholds(maxAgeYears: try Self.whole(max_age_years, "max_age_years"), idleMonths: idle, wornLoans: worn,
                                                  loansPerCopy: perCopy))
    }

    /// A whole number, or nil when left empty.
    static func whole(_ value: LooseText?, _ field: String) throws -> Int? {
        guard let text = value?.text.trimmed, !text.isEmpty else { return nil }
        guard let number = Int(text), (-1_000_000...1_000_000_000).contains(number) else {
            throw BiebError.invalid(field, "Give a whole number.", nl: "Geef een heel getal.")
        }
        return number
    }
}

/// Copies of a title put on order for a branch.
struct OrderFields: Content {
    var title: LooseText?
    var branch: String?
    var copies: LooseText?
    var expected_on: String?
    var reason: String?

    static let names: Set<String> = ["title", "branch", "copies", "expected_on", "reason"]

    func decoded(_ service: CollectionService) throws -> (title: Int, branch: BranchLabel, copies: Int, expectedOn: LocalDate?, reason: PurchaseReason?) {
        guard let title = try ThresholdFields.whole(title, "title") else {
            throw BiebError.invalid("title", "Name the title to order.", nl: "Noem de titel die besteld wordt.")
        }
        let branch = try service.requireBranch(branch)
        guard let copies = try ThresholdFields.whole(copies, "copies") else {
            throw BiebError.invalid("copies", "Give the number of copies.", nl: "Geef het aantal exemplaren.")
        }
        var expected: LocalDate?
        if let text = expected_on?.trimmed, !text.isEmpty {
            guard let day = LocalDate(iso: text) else { throw BiebError.invalid("expected_on", "Give a date as YYYY-MM-DD.", nl: "Geef een datum als JJJJ-MM-DD.") }
            expected = day
        }
        var why: PurchaseReason?
        if let text = reason?.trimmed, !text.isEmpty {
            guard let value = PurchaseReason(rawValue: text) else { throw BiebError.invalid("reason", "Unknown reason '\(text)'.", nl: "Onbekende reden '\(text)'.") }
            why = value
        }
        return (title, branch, copies, expected, why)
    }
}

/// A purchase suggestion dismissed, with the reason why.
struct DismissFields: Content {
    var title: LooseText?
    var branch: String?
    var reason: String?
    var copies: LooseText?
    var note: String?

    func decoded(_ service: CollectionService) throws -> (title: Int, branch: UUID?, reason: PurchaseReason, copies: Int, note: String) {
        guard let title = try ThresholdFields.whole(title, "title") else {
            throw BiebError.invalid("title", "Name the suggestion's title.", nl: "Noem de titel van de suggestie.")
        }
        guard let reason = reason.flatMap({ PurchaseReason(rawValue: $0.trimmed) }) else {
            throw BiebError.invalid("reason", "Name the suggestion's rule.", nl: "Noem de regel van de suggestie.")
        }
        let copies = try ThresholdFields.whole(copies, "copies") ?? 1
        return (title, try service.branch(branch)?.id, reason, copies, note ?? "")
    }
}

/// Decisions on a weeding list's lines: from the API as a list, from the
/// review form as `decision_{line}` and `note_{line}` pairs; `undecided`
/// "withdraw" marks every line still undecided after these withdraw.
struct ReviewFields: Content {
    struct Entry: Content {
        var line: Int
        var decision: String?
        var note: String?
    }

    var lines: [Entry]
    var undecided: String?

    /// Whether the lines left undecided are to be withdrawn.
    func withdrawRest() throws -> Bool {
        switch undecided?.trimmed ?? "" {
        case "": return false
        case WeedingLists.Decision.withdraw.rawValue: return true
        default: throw BiebError.invalid("undecided", "Only the rest can be withdrawn at once: keeping needs a note per copy.",
                                         nl: "Alleen de rest kan in één keer worden afgevoerd: houden vraagt per exemplaar een notitie.")
        }
    }

    func decoded() throws -> [WeedingLists.Review] {
        guard lines.count <= 10_000 else { throw BiebError.invalid("lines", "At most 10,000 lines at a time.", nl: "Hoogstens 10.000 regels tegelijk.") }
        return try lines.compactMap { entry in
            guard let text = entry.decision?.trimmed, !text.isEmpty else { return nil }
            guard let decision = WeedingLists.Decision(rawValue: text) else {
                throw BiebError.invalid("line_\(entry.line)", "Withdraw or keep.", nl: "Afvoeren of houden.")
            }
            return WeedingLists.Review(line: entry.line, decision: decision, note: entry.note ?? "")
        }
    }

    /// The review form: every `decision_{id}` with its `note_{id}`.
    init(form: [String: String]) {
        lines = form.compactMap { name, value in
            guard name.hasPrefix("decision_"), let id = Int(name.dropFirst("decision_".count)) else { return nil }
            return Entry(line: id, decision: value, note: form["note_\(id)"])
        }.sorted { $0.line < $1.line }
        undecided = form["undecided"]
    }
}

/// A branch's shelf capacity for a part (empty: none, the branch is then left out of balancing that part).
struct CapacityFields: Content {
    var branch: String?
    var part: String?
    var capacity: LooseText?

    func decoded(_ service: CollectionService) throws -> (branch: BranchLabel, part: CollectionSegment, capacity: Int?) {
        let branch = try service.requireBranch(branch)
        guard let part = part.flatMap({ CollectionSegment(rawValue: $0.trimmed) }) else {
            throw BiebError.invalid("part", "Choose a part of the collection.", nl: "Kies een deel van de collectie.")
        }
        return (branch, part, try ThresholdFields.whole(capacity, "capacity_\(part.rawValue)"))
    }
}

/// The NUR headings that match a programme theme: a list of numbers from the API, or "980, 600" typed in a form.
struct ThemeShelfFields: Content {
    var theme: String?
    var headings: Headings?

    struct Headings: Codable {
        let text: String

        init(text: String) { self.text = text }

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let list = try? value.decode([Int].self) {
                text = list.map(String.init).joined(separator: ",")
            } else {
                text = try value.decode(String.self)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }

    func decoded() throws -> (theme: String, headings: [Int]) {
        guard let theme = theme?.trimmed, !theme.isEmpty else { throw BiebError.invalid("theme", "Choose a theme.", nl: "Kies een thema.") }
        let parts = (headings?.text ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }).map(String.init)
        let numbers = try parts.map { part -> Int in
            guard let number = Int(part) else {
                throw BiebError.invalid("headings", "Give NUR headings as numbers, separated by commas (\"980, 600\").",
                                        nl: "Geef NUR-hoofdrubrieken als getallen, gescheiden door komma's (\"980, 600\").")
            }
            return number
        }
        return (theme, numbers)
    }
}
