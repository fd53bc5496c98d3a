import Foundation

/// When a copy is a candidate for weeding, per part of the collection.
///
/// The criteria follow the CREW method's "X/Y/MUSTIE" formula (Texas State
/// Library, *CREW: A Weeding Manual for Modern Libraries*): X years since
/// the edition appeared, Y years without a loan, and MUSTIE's factors a
/// system can see — worn (many loans), superseded (a newer edition), and
/// duplicates beyond demand. Misleading, ugly, trivial and "elsewhere" need
/// a person's eye: that is the review, where staff keep or withdraw each
/// copy with a reason. Nothing is withdrawn without a person's sign-off.
///
/// The criteria (the one place they are written; tests cover each):
/// 1. **Outdated**: the edition is older than `maxAgeYears` (publication
///    year to this year). Not applied when the part has no maximum
///    (fiction ages well) or the year is unknown.
/// 2. **Idle**: no loan for `idleMonths` months, counted from the last loan,
///    or from the acquisition for a copy never lent; a copy never lent
///    whose acquisition is unknown is idle. This is also the definition of
///    dead stock in the segment report.
/// 3. **Worn**: `wornLoans` loans or more in the copy's life.
/// 4. **Superseded**: the organisation holds a newer edition of the same
///    work (same work key, later year).
/// 5. **Surplus**: the branch holds more copies of the title than demand
///    needs — demand is the title's loans at the branch in the last 12
///    months ÷ `loansPerCopy`, rounded up, at least one copy. The least-lent
///    copies are the surplus; the best-used are kept.
/// A copy on loan, in transit or on the hold shelf is never a candidate
/// for idleness or surplus (it is in use); it may still be worn or outdated
/// (it will be withdrawn when it comes back, if the list is signed then).
public struct WeedingThresholds: Hashable, Sendable, Codable {
    /// Years since publication after which an edition is outdated; nil: never.
    public var maxAgeYears: Int?
    public var idleMonths: Int
    public var wornLoans: Int
    public var loansPerCopy: Int

    public init(maxAgeYears: Int?, idleMonths: Int, wornLoans: Int, loansPerCopy: Int) {
        self.maxAgeYears = maxAgeYears
        self.idleMonths = idleMonths
        self.wornLoans = wornLoans
        self.loansPerCopy = loansPerCopy
    }

    /// Bounds a setting must keep (a form or the API gets them as errors).
    public static let ageRange = 1...100
    public static let idleRange = 3...240
    public static let wornRange = 5...1_000
    public static let perCopyRange = 1...100

    /// The problems with these values, per field, in Dutch and English.
    public func problems() -> [(field: String, nl: String, en: String)] {
        var out: [(String, String, String)] = []
        if let age = maxAgeYears, !Self.ageRange.contains(age) {
            out.append(("max_age_years", "Een maximale leeftijd ligt tussen 1 en 100 jaar.", "A maximum age lies between 1 and 100 years."))
        }
        if !Self.idleRange.contains(idleMonths) {
            out.append(("idle_months", "Niet uitgeleend: tussen 3 en 240 maanden.", "Not lent: between 3 and 240 months."))
        }
        if !Self.wornRange.contains(wornLoans) {
            out.append(("worn_loans", "Versleten: tussen 5 en 1000 uitleningen.", "Worn: between 5 and 1,000 loans."))
        }
        if !Self.perCopyRange.contains(loansPerCopy) {
            out.append(("loans_per_copy", "Uitleningen per exemplaar: tussen 1 en 100.", "Loans per copy: between 1 and 100."))
        }
        return out
    }

    /// The defaults per part, and for the headings that wear or date faster.
    /// - Youth fiction: not lent 2 years, worn at 60 loans; picture books and
    ///   toddlers' books (NUR 270–279) wear sooner: 18 months, 40 loans.
    /// - Youth non-fiction: 8 years old, 2 years not lent, 50 loans.
    /// - Adult fiction: no maximum age, 3 years not lent, 80 loans.
    /// - Adult non-fiction: 10 years old, 3 years not lent, 60 loans;
    ///   computers and IT (NUR 980–989) date in 5 years; literary non-fiction
    ///   (NUR 320–329: biographies, diaries, essays) does not date, like fiction.
    /// - Audiovisual: 2 years not lent, 100 loans (discs outlast paper but scratch).
    /// - Sheet music: 5 years not lent, 80 loans.
    /// Demand is 6 loans per copy a year (8 for picture books and audiovisual, 4 for sheet music).
    public static func defaults(part: CollectionSegment, heading: Int?) -> WeedingThresholds {
        switch (part, heading) {
        case (.youthFiction, 270): WeedingThresholds(maxAgeYears: nil, idleMonths: 18, wornLoans: 40, loansPerCopy: 8)
        case (.youthFiction, _): WeedingThresholds(maxAgeYears: nil, idleMonths: 24, wornLoans: 60, loansPerCopy: 6)
        case (.youthNonFiction, _): WeedingThresholds(maxAgeYears: 8, idleMonths: 24, wornLoans: 50, loansPerCopy: 6)
        case (.adultFiction, _): WeedingThresholds(maxAgeYears: nil, idleMonths: 36, wornLoans: 80, loansPerCopy: 6)
        case (.adultNonFiction, 980): WeedingThresholds(maxAgeYears: 5, idleMonths: 36, wornLoans: 60, loansPerCopy: 6)
        case (.adultNonFiction, 320): WeedingThresholds(maxAgeYears: nil, idleMonths: 36, wornLoans: 80, loansPerCopy: 6)
        case (.adultNonFiction, _): WeedingThresholds(maxAgeYears: 10, idleMonths: 36, wornLoans: 60, loansPerCopy: 6)
        case (.audiovisual, _): WeedingThresholds(maxAgeYears: nil, idleMonths: 24, wornLoans: 100, loansPerCopy: 8)
        case (.sheetMusic, _): WeedingThresholds(maxAgeYears: nil, idleMonths: 60, wornLoans: 80, loansPerCopy: 4)
        }
    }

    /// The headings whose defaults differ from their part's.
    public static let defaultHeadings: [(CollectionSegment, Int)] = [(.youthFiction, 270), (.adultNonFiction, 320), (.adultNonFiction, 980)]

    /// The last day a copy may have been lent (or acquired, never lent) and still be dead stock on `today`.
    public func idleSince(_ today: LocalDate) -> LocalDate {
        today.adding(months: -idleMonths)
    }
}

/// The thresholds an organisation set, over the defaults: the most specific
/// wins — a heading's own, else its part's, else the default for either.
public struct WeedingPolicy: Hashable, Sendable {
    public var own: [Scope: WeedingThresholds]

    public struct Scope: Hashable, Sendable, Codable {
        public var part: CollectionSegment
        /// A NUR heading, or nil for the whole part.
        public var heading: Int?
        public init(part: CollectionSegment, heading: Int?) {
            self.part = part
            self.heading = heading
        }
    }

    public init(own: [Scope: WeedingThresholds] = [:]) { self.own = own }

    public func thresholds(for segment: ShelfSegment) -> WeedingThresholds {
        thresholds(part: segment.part, heading: segment.heading)
    }

    public func thresholds(part: CollectionSegment, heading: Int?) -> WeedingThresholds {
        if let heading, let set = own[Scope(part: part, heading: heading)] { return set }
        if let heading, WeedingThresholds.defaultHeadings.contains(where: { $0 == (part, heading) }) {
            return WeedingThresholds.defaults(part: part, heading: heading)
        }
        return own[Scope(part: part, heading: nil)] ?? WeedingThresholds.defaults(part: part, heading: heading)
    }

    /// Every set of thresholds that can apply: the defaults of each part and heading, and the organisation's own.
    public var all: [WeedingThresholds] {
        CollectionSegment.allCases.map { WeedingThresholds.defaults(part: $0, heading: nil) }
            + WeedingThresholds.defaultHeadings.map { WeedingThresholds.defaults(part: $0.0, heading: $0.1) } + Array(own.values)
    }

    /// Every idle period in use, for a report that counts dead stock per period in one pass.
    public var idlePeriods: [Int] { Array(Set(all.map(\.idleMonths))).sorted() }

    /// The loosest of every threshold that can apply: a copy that meets none of these is no candidate under any
    /// part's thresholds, so a store can leave it out before the rules look at each copy with its own.
    public var loosest: WeedingThresholds {
        let all = all
        return WeedingThresholds(maxAgeYears: all.compactMap(\.maxAgeYears).min(), idleMonths: all.map(\.idleMonths).min() ?? 3,
                                 wornLoans: all.map(\.wornLoans).min() ?? 5, loansPerCopy: all.map(\.loansPerCopy).max() ?? 100)
    }
}

/// Why a copy is on a weeding list.
public enum WeedingReason: String, Sendable, Codable, CaseIterable {
    case outdated, idle, worn, superseded, surplus

    public func name(english: Bool = false) -> String {
        switch self {
        case .outdated: english ? "Outdated edition" : "Verouderde uitgave"
        case .idle: english ? "Not lent" : "Niet uitgeleend"
        case .worn: english ? "Worn" : "Versleten"
        case .superseded: english ? "Newer edition held" : "Nieuwere uitgave aanwezig"
        case .surplus: english ? "More copies than demand" : "Meer exemplaren dan vraag"
        }
    }
}

/// A copy as the weeding rules see it.
public struct WeedingCandidate: Hashable, Sendable {
    public var status: ItemStatus
    public var editionYear: Int?
    public var acquired: LocalDate?
    public var lastLoan: LocalDate?
    public var lifetimeLoans: Int
    public var newerEditionHeld: Bool
    /// The title's loans at the branch in the last 12 months, its copies there, and this copy's place among
    /// them from the most lent (0) down.
    public var titleLoansHere: Int
    public var copiesHere: Int
    public var rankHere: Int

    public init(status: ItemStatus, editionYear: Int?, acquired: LocalDate?, lastLoan: LocalDate?, lifetimeLoans: Int,
                newerEditionHeld: Bool = false, titleLoansHere: Int = 0, copiesHere: Int = 1, rankHere: Int = 0) {
        self.status = status
        self.editionYear = editionYear
        self.acquired = acquired
        self.lastLoan = lastLoan
        self.lifetimeLoans = lifetimeLoans
        self.newerEditionHeld = newerEditionHeld
        self.titleLoansHere = titleLoansHere
        self.copiesHere = copiesHere
        self.rankHere = rankHere
    }
}

public enum WeedingRules {
    /// Copies the title needs at a branch for its loans (criterion 5).
    public static func demand(loans: Int, loansPerCopy: Int) -> Int {
        max(1, (loans + max(1, loansPerCopy) - 1) / max(1, loansPerCopy))
    }

    /// Whether a copy is dead stock on `today` (criterion 2).
    public static func isIdle(lastLoan: LocalDate?, acquired: LocalDate?, thresholds: WeedingThresholds, today: LocalDate) -> Bool {
        guard let since = lastLoan ?? acquired else { return true }
        return since < thresholds.idleSince(today)
    }

    /// The reasons a copy is a candidate, in the criteria's order; empty when it is not.
    public static func reasons(_ copy: WeedingCandidate, thresholds: WeedingThresholds, today: LocalDate) -> [WeedingReason] {
        guard copy.status.isInCollection else { return [] }
        let inUse = copy.status != .available
        var out: [WeedingReason] = []
        if let max = thresholds.maxAgeYears, let year = copy.editionYear, today.year - year > max { out.append(.outdated) }
        if !inUse, isIdle(lastLoan: copy.lastLoan, acquired: copy.acquired, thresholds: thresholds, today: today) { out.append(.idle) }
        if copy.lifetimeLoans >= thresholds.wornLoans { out.append(.worn) }
        if copy.newerEditionHeld { out.append(.superseded) }
        if !inUse, copy.rankHere >= demand(loans: copy.titleLoansHere, loansPerCopy: thresholds.loansPerCopy) { out.append(.surplus) }
        return out
    }
}
