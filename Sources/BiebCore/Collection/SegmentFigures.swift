import Foundation

/// How hard a part of the collection works: what the store counts for a
/// segment, and the measures a collection plan reads from it.
///
/// - **Holdings**: copies in the collection (not lost, missing or withdrawn).
/// - **Loans**: loans of those copies in the last 12 months (the copies'
///   own counters, `loans_year`).
/// - **Turnover**: loans ÷ holdings — how often a copy went out in a year.
/// - **Relative use**: the segment's share of the loans ÷ its share of the
///   holdings, both within the scope shown (a branch, or the organisation).
///   1 is average; above 1 the segment works harder than its shelf space
///   says, below 1 less hard. Nil when the scope has no loans or holdings.
/// - **Dead stock**: copies not lent for the segment's idle period
///   (`WeedingThresholds.idleMonths`), counting from the acquisition for a
///   copy never lent. Its share is of the holdings.
/// - **Average age**: years since publication of the copies whose edition
///   year is known.
public struct SegmentFigures: Hashable, Sendable, Codable {
    public var holdings: Int
    public var loans: Int
    public var lifetimeLoans: Int
    public var dead: Int
    /// Copies with a known edition year, and the sum of those years.
    public var dated: Int
    public var yearSum: Int

    public init(holdings: Int = 0, loans: Int = 0, lifetimeLoans: Int = 0, dead: Int = 0, dated: Int = 0, yearSum: Int = 0) {
        self.holdings = holdings
        self.loans = loans
        self.lifetimeLoans = lifetimeLoans
        self.dead = dead
        self.dated = dated
        self.yearSum = yearSum
    }

    public static func + (lhs: SegmentFigures, rhs: SegmentFigures) -> SegmentFigures {
        SegmentFigures(holdings: lhs.holdings + rhs.holdings, loans: lhs.loans + rhs.loans, lifetimeLoans: lhs.lifetimeLoans + rhs.lifetimeLoans,
                       dead: lhs.dead + rhs.dead, dated: lhs.dated + rhs.dated, yearSum: lhs.yearSum + rhs.yearSum)
    }

    public static func += (lhs: inout SegmentFigures, rhs: SegmentFigures) { lhs = lhs + rhs }

    /// Loans ÷ holdings; nil without holdings.
    public var turnover: Double? { holdings > 0 ? Double(loans) / Double(holdings) : nil }

    /// Dead stock ÷ holdings; nil without holdings.
    public var deadShare: Double? { holdings > 0 ? Double(dead) / Double(holdings) : nil }

    /// Average years since publication in `year`; nil when no copy's edition year is known.
    public func averageAge(in year: Int) -> Double? {
        dated > 0 ? Double(year) - Double(yearSum) / Double(dated) : nil
    }

    /// Share of the scope's loans ÷ share of its holdings.
    public func relativeUse(of total: SegmentFigures) -> Double? {
        guard total.loans > 0, total.holdings > 0, holdings > 0 else { return nil }
        return (Double(loans) / Double(total.loans)) / (Double(holdings) / Double(total.holdings))
    }
}

/// The two ends of a ranking, as the collection overview shows the branches' parts that work hardest and least:
/// the first `count` and the last `count` of `ranked` (best first), the last ones worst first. With fewer than twice
/// `count`, the upper half (the middle one included) is the top and the rest the bottom, so no one is in both and a
/// short ranking still has a bottom — three parts are two at the top and the worst at the bottom.
public enum RankingEnds {
    public static func split<T>(_ ranked: [T], count: Int = 5) -> (top: [T], bottom: [T]) {
        let top = min(count, (ranked.count + 1) / 2)
        return (Array(ranked.prefix(top)), Array(ranked.dropFirst(top).suffix(count).reversed()))
    }
}
