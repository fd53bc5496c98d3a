import Foundation

/// A wave of a library panel drawn by quota, so the answers stand for the
/// population rather than for who happens to be on the panel (panels age:
/// their members average 53–56 years). Each cell (an age band × a branch,
/// say) gets its quota from the population's shares by the largest
/// remainder method, and its members are drawn at random within the cell —
/// a seeded draw, so the same wave can be drawn again and checked. A cell
/// with fewer panel members than its quota gives all it has, and the
/// shortfall is reported: nobody is drawn twice to fill it.
public enum QuotaSample {
    /// Quotas for `total` invitations over cells with these population shares (any positive weights): each cell its
    /// whole part, the rest one each to the cells with the largest remainders (the earlier cell on a tie).
    public static func quotas<Cell: Hashable>(total: Int, shares: [(cell: Cell, weight: Double)]) -> [Cell: Int] {
        let sum = shares.map { max(0, $0.weight) }.reduce(0, +)
        guard total > 0, sum > 0 else { return Dictionary(uniqueKeysWithValues: shares.map { ($0.cell, 0) }) }
        let exact = shares.map { Double(total) * max(0, $0.weight) / sum }
        var counts = exact.map { Int($0.rounded(.down)) }
        let order = exact.indices.sorted { (exact[$1] - Double(counts[$1]), $0) < (exact[$0] - Double(counts[$0]), $1) }
        for index in order.prefix(total - counts.reduce(0, +)) { counts[index] += 1 }
        return Dictionary(uniqueKeysWithValues: zip(shares.map(\.cell), counts))
    }

    public struct Draw<Member: Hashable, Cell: Hashable> {
        /// The members drawn, cell by cell.
        public let members: [Member]
        /// Per cell: the quota and how many were drawn.
        public let cells: [Cell: (quota: Int, drawn: Int)]
        /// The cells that had fewer panel members than their quota.
        public var short: [Cell] { cells.filter { $0.value.drawn < $0.value.quota }.map(\.key) }
    }

    /// Draws each cell's quota from `panel` (member and cell), at random with `seed`.
    public static func draw<Member: Hashable, Cell: Hashable>(_ panel: [(member: Member, cell: Cell)], quotas: [Cell: Int], seed: UInt64) -> Draw<Member, Cell> {
        var byCell: [Cell: [Member]] = [:]
        var seen: Set<Member> = []
        for entry in panel where seen.insert(entry.member).inserted { byCell[entry.cell, default: []].append(entry.member) }
        var generator = SplitMix64(seed: seed)
        var members: [Member] = []
        var cells: [Cell: (quota: Int, drawn: Int)] = [:]
        // Cells in the order of the panel, so the same panel, quotas and seed give the same wave.
        var order: [Cell] = []
        var listed: Set<Cell> = []
        for entry in panel where listed.insert(entry.cell).inserted { order.append(entry.cell) }
        for cell in quotas.keys where !listed.contains(cell) { cells[cell] = (quotas[cell] ?? 0, 0) }
        for cell in order {
            let quota = max(0, quotas[cell] ?? 0)
            var pool = byCell[cell] ?? []
            // A partial Fisher–Yates shuffle: the first `quota` places at random.
            let take = min(quota, pool.count)
            for i in 0..<take {
                let j = i + Int(generator.next() % UInt64(pool.count - i))
                pool.swapAt(i, j)
            }
            members += pool.prefix(take)
            if quotas[cell] != nil { cells[cell] = (quota, take) }
        }
        return Draw(members: members, cells: cells)
    }
}

/// A small, fast, seedable generator (SplitMix64, Steele, Lea and Flood 2014): the same seed, the same numbers.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
