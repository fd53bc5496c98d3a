import Foundation

/// When the collection plan suggests buying, and how many.
///
/// The rules (the one place they are written; tests cover each):
/// 1. **Queue**: a title whose waiting holds per copy exceed the ratio
///    (default 3), counting the copies on order as copies: buy enough to
///    bring the ratio down to it — ⌈holds ÷ ratio⌉ less the copies there are
///    and on order.
/// 2. **Missing at a branch**: holds picked up at a branch that has no copy
///    of the title (and none on order for it), at least `branchHolds`
///    (default 2) of them: one copy for that branch.
/// 3. **New edition**: a newer edition of a work is in the catalogue without
///    copies, while the older edition's copies turned over at least
///    `editionTurnover` (default 4) loans per copy in the last 12 months:
///    as many copies as the older edition has, at most `editionCopies`.
/// A suggestion already ordered or dismissed is not made again for the
/// same title and branch until its reason changes (the store keeps it).
public struct PurchaseThresholds: Hashable, Sendable, Codable {
    public var holdsPerCopy: Int
    public var branchHolds: Int
    public var editionTurnover: Int
    public var editionCopies: Int

    public init(holdsPerCopy: Int = 3, branchHolds: Int = 2, editionTurnover: Int = 4, editionCopies: Int = 5) {
        self.holdsPerCopy = holdsPerCopy
        self.branchHolds = branchHolds
        self.editionTurnover = editionTurnover
        self.editionCopies = editionCopies
    }
}

public enum PurchaseReason: String, Sendable, Codable, CaseIterable {
    case queue
    case missingAtBranch = "missing_at_branch"
    case newEdition = "new_edition"

    public func name(english: Bool = false) -> String {
        switch self {
        case .queue: english ? "Long queue" : "Lange wachtrij"
        case .missingAtBranch: english ? "Asked for where there is none" : "Gevraagd waar er geen is"
        case .newEdition: english ? "New edition of a well-used title" : "Nieuwe uitgave van een veelgeleende titel"
        }
    }
}

public enum PurchaseRules {
    /// Rule 1: copies to buy for a queue, or nil when the ratio is not exceeded.
    public static func forQueue(holds: Int, copies: Int, onOrder: Int, thresholds: PurchaseThresholds = .init()) -> Int? {
        let ratio = max(1, thresholds.holdsPerCopy)
        let have = copies + onOrder
        guard holds > ratio * have else { return nil }
        let needed = (holds + ratio - 1) / ratio - have
        return needed > 0 ? needed : nil
    }

    /// Rule 2: one copy for a branch asked for that has none.
    public static func forBranch(holdsHere: Int, copiesHere: Int, onOrderHere: Int, thresholds: PurchaseThresholds = .init()) -> Int? {
        holdsHere >= thresholds.branchHolds && copiesHere == 0 && onOrderHere == 0 ? 1 : nil
    }

    /// Rule 3: copies of a newer edition, from the older edition's use.
    public static func forNewEdition(olderLoans: Int, olderCopies: Int, newerCopies: Int, onOrder: Int,
                                     thresholds: PurchaseThresholds = .init()) -> Int? {
        guard olderCopies > 0, newerCopies == 0, onOrder == 0, olderLoans >= thresholds.editionTurnover * olderCopies else { return nil }
        return min(olderCopies, thresholds.editionCopies)
    }
}

/// Balancing a floating collection: branches over their shelf capacity for
/// a part of the collection send copies to branches under theirs.
///
/// The rule: per part, the branches over capacity (holdings above it) and
/// those under it (room left) are matched largest first; a move carries
/// as many copies as the smaller of surplus and room. Nothing moves to a
/// branch without a capacity set for that part, and a branch never sends
/// more than its surplus. The store then picks the copies: available ones,
/// set aside for nobody, least lent first, titles the receiving branch
/// lacks first.
public enum BalancePlan {
    public struct Shelf: Hashable, Sendable {
        public var branch: UUID
        public var holdings: Int
        public var capacity: Int
        public init(branch: UUID, holdings: Int, capacity: Int) {
            self.branch = branch
            self.holdings = holdings
            self.capacity = capacity
        }
    }

    public struct Move: Hashable, Sendable, Codable {
        public var from: UUID
        public var to: UUID
        public var copies: Int
        public init(from: UUID, to: UUID, copies: Int) {
            self.from = from
            self.to = to
            self.copies = copies
        }
    }

    /// The moves for one part.
    public static func moves(_ shelves: [Shelf]) -> [Move] {
        var over = shelves.filter { $0.holdings > $0.capacity }.map { ($0.branch, $0.holdings - $0.capacity) }
            .sorted { ($0.1, $0.0.uuidString) > ($1.1, $1.0.uuidString) }
        var under = shelves.filter { $0.holdings < $0.capacity }.map { ($0.branch, $0.capacity - $0.holdings) }
            .sorted { ($0.1, $0.0.uuidString) > ($1.1, $1.0.uuidString) }
        var out: [Move] = []
        var i = 0, j = 0
        while i < over.count, j < under.count {
            let n = min(over[i].1, under[j].1)
            out.append(Move(from: over[i].0, to: under[j].0, copies: n))
            over[i].1 -= n
            under[j].1 -= n
            if over[i].1 == 0 { i += 1 }
            if under[j].1 == 0 { j += 1 }
        }
        return out
    }
}
