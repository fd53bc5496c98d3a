import Foundation

/// The terms a loan rule can set. Every term is optional in a rule: a rule
/// sets what differs, the more general rules and the organisation's
/// defaults give the rest.
public enum LoanTerm: String, CaseIterable, Codable, Sendable {
    case loanDays = "loan_days"
    case maxRenewals = "max_renewals"
    case maxLoans = "max_loans"
    case maxLoansOfType = "max_loans_of_type"
    case maxHolds = "max_holds"
    case finePerDayCents = "fine_per_day_cents"
    case maxFineCents = "max_fine_cents"
    case holdFeeCents = "hold_fee_cents"
    case youthExemptFromFines = "youth_exempt_from_fines"
}

/// What a rule applies to; nil means any. Item types are material formats
/// (`MaterialFormat` raw values: book, dvd, …); member categories are the
/// codes of the organisation's membership types.
public struct LoanRuleScope: Hashable, Sendable, Codable {
    public var branch: UUID?
    public var category: String?
    public var itemType: String?

    public init(branch: UUID? = nil, category: String? = nil, itemType: String? = nil) {
        self.branch = branch
        self.category = category
        self.itemType = itemType
    }

    /// Branch counts most, then member category, then item type: a rule for
    /// one branch beats one for a category everywhere.
    public var specificity: Int { (branch != nil ? 4 : 0) + (category != nil ? 2 : 0) + (itemType != nil ? 1 : 0) }

    public func matches(branch: UUID, category: String, itemType: String) -> Bool {
        (self.branch == nil || self.branch == branch) && (self.category == nil || self.category == category)
            && (self.itemType == nil || self.itemType == itemType)
    }
}

/// Values of the terms; nil where a rule does not set a term.
public struct LoanTerms: Equatable, Sendable, Codable {
    public var loanDays: Int?
    public var maxRenewals: Int?
    public var maxLoans: Int?
    public var maxLoansOfType: Int?
    public var maxHolds: Int?
    public var finePerDayCents: Int?
    public var maxFineCents: Int?
    public var holdFeeCents: Int?
    public var youthExemptFromFines: Bool?

    public init(loanDays: Int? = nil, maxRenewals: Int? = nil, maxLoans: Int? = nil, maxLoansOfType: Int? = nil, maxHolds: Int? = nil,
                finePerDayCents: Int? = nil, maxFineCents: Int? = nil, holdFeeCents: Int? = nil, youthExemptFromFines: Bool? = nil) {
        self.loanDays = loanDays
        self.maxRenewals = maxRenewals
        self.maxLoans = maxLoans
        self.maxLoansOfType = maxLoansOfType
        self.maxHolds = maxHolds
        self.finePerDayCents = finePerDayCents
        self.maxFineCents = maxFineCents
        self.holdFeeCents = holdFeeCents
        self.youthExemptFromFines = youthExemptFromFines
    }

    /// Defaults of a Dutch public library when an organisation sets nothing:
    /// three weeks, renewed twice, 20 loans, 10 of one type, 10 holds, 25 cents
    /// a day up to € 5, holds free of charge, youth pay no fines.
    public static let standard = LoanTerms(loanDays: 21, maxRenewals: 2, maxLoans: 20, maxLoansOfType: 10, maxHolds: 10,
                                           finePerDayCents: 25, maxFineCents: 500, holdFeeCents: 0, youthExemptFromFines: true)

    /// The value of a term as an integer (booleans as 0/1), nil when unset.
    public func value(_ term: LoanTerm) -> Int? {
        switch term {
        case .loanDays: loanDays
        case .maxRenewals: maxRenewals
        case .maxLoans: maxLoans
        case .maxLoansOfType: maxLoansOfType
        case .maxHolds: maxHolds
        case .finePerDayCents: finePerDayCents
        case .maxFineCents: maxFineCents
        case .holdFeeCents: holdFeeCents
        case .youthExemptFromFines: youthExemptFromFines.map { $0 ? 1 : 0 }
        }
    }

    public mutating func set(_ term: LoanTerm, _ value: Int?) {
        switch term {
        case .loanDays: loanDays = value
        case .maxRenewals: maxRenewals = value
        case .maxLoans: maxLoans = value
        case .maxLoansOfType: maxLoansOfType = value
        case .maxHolds: maxHolds = value
        case .finePerDayCents: finePerDayCents = value
        case .maxFineCents: maxFineCents = value
        case .holdFeeCents: holdFeeCents = value
        case .youthExemptFromFines: youthExemptFromFines = value.map { $0 != 0 }
        }
    }

    public var isComplete: Bool { LoanTerm.allCases.allSatisfy { value($0) != nil } }

    /// Checks the values: days and limits within sensible bounds, amounts not negative.
    public func validate(field: String = "terms") throws {
        func check(_ term: LoanTerm, _ range: ClosedRange<Int>) throws {
            guard let value = value(term) else { return }
            guard range.contains(value) else {
                // The field names the term; the words are for a person ("Uitleentermijn: geef een getal …" on the page).
                throw BiebError.invalid("\(field).\(term.rawValue)", "Give a number from \(range.lowerBound) to \(range.upperBound).",
                                        nl: "Geef een getal van \(range.lowerBound) tot en met \(range.upperBound).")
            }
        }
        try check(.loanDays, 1...365)
        try check(.maxRenewals, 0...99)
        try check(.maxLoans, 0...999)
        try check(.maxLoansOfType, 0...999)
        try check(.maxHolds, 0...999)
        try check(.finePerDayCents, 0...10_000)
        try check(.maxFineCents, 0...100_000)
        try check(.holdFeeCents, 0...10_000)
    }
}

/// A rule of the matrix: where it applies, what it sets, and how staff and
/// members see it named ("volwassen basis / alle vestigingen / boeken").
public struct LoanRule: Equatable, Sendable {
    public var id: UUID?
    public var scope: LoanRuleScope
    public var terms: LoanTerms
    public var label: Label

    public struct Label: Equatable, Sendable, Codable {
        public var en: String
        public var nl: String
        public init(en: String, nl: String) {
            self.en = en
            self.nl = nl
        }
        public func text(dutch: Bool) -> String { dutch ? nl : en }
    }

    public init(id: UUID? = nil, scope: LoanRuleScope, terms: LoanTerms, label: Label) {
        self.id = id
        self.scope = scope
        self.terms = terms
        self.label = label
    }
}

/// The terms that hold for one loan, each with the rule it came from.
public struct LoanPolicy: Equatable, Sendable {
    public let terms: LoanTerms
    /// The rule that set each term (the organisation's defaults when none did).
    public let sources: [LoanTerm: LoanRule.Label]

    public var loanDays: Int { terms.loanDays! }
    public var maxRenewals: Int { terms.maxRenewals! }
    public var maxLoans: Int { terms.maxLoans! }
    public var maxLoansOfType: Int { terms.maxLoansOfType! }
    public var maxHolds: Int { terms.maxHolds! }
    public var finePerDayCents: Int { terms.finePerDayCents! }
    public var maxFineCents: Int { terms.maxFineCents! }
    public var holdFeeCents: Int { terms.holdFeeCents! }
    public var youthExemptFromFines: Bool { terms.youthExemptFromFines! }

    public func source(_ term: LoanTerm) -> LoanRule.Label { sources[term]! }
}

/// An organisation's rules matrix: branch × member category × item type.
/// For each term the most specific matching rule that sets it wins
/// (branch before category before item type); the defaults fill the rest.
public struct LoanRuleBook: Sendable {
    public let rules: [LoanRule]
    public let defaults: LoanTerms
    public static let defaultsLabel = LoanRule.Label(en: "library defaults", nl: "standaardregels van de bibliotheek")

    /// `defaults` must set every term; `LoanTerms.standard` fills what it does not.
    public init(rules: [LoanRule], defaults: LoanTerms = .standard) {
        // Most specific first; equal specificity keeps the given order.
        self.rules = rules.enumerated().sorted { a, b in
            a.element.scope.specificity != b.element.scope.specificity
                ? a.element.scope.specificity > b.element.scope.specificity : a.offset < b.offset
        }.map(\.element)
        var complete = defaults
        for term in LoanTerm.allCases where complete.value(term) == nil { complete.set(term, LoanTerms.standard.value(term)) }
        self.defaults = complete
    }

    public func policy(branch: UUID, category: String, itemType: String) -> LoanPolicy {
        var terms = LoanTerms()
        var sources: [LoanTerm: LoanRule.Label] = [:]
        for rule in rules where rule.scope.matches(branch: branch, category: category, itemType: itemType) {
            for term in LoanTerm.allCases where terms.value(term) == nil {
                if let value = rule.terms.value(term) {
                    terms.set(term, value)
                    sources[term] = rule.label
                }
            }
            if terms.isComplete { break }
        }
        for term in LoanTerm.allCases where terms.value(term) == nil {
            terms.set(term, defaults.value(term))
            sources[term] = Self.defaultsLabel
        }
        return LoanPolicy(terms: terms, sources: sources)
    }
}
