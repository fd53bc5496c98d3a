/// The order of search hits ("relevance"), decided without scoring each hit
/// in the database.
///
/// Ranking every hit with FTS5's `bm25` or PostgreSQL's `ts_rank` costs a
/// lookup per hit: a broad word in a large catalogue ("history", 185,566
/// hits in a million titles) took 150–200 ms of the database's time alone,
/// and ten times that at ten million. Instead the index only says *where*
/// the query matched — three unscored passes over its posting lists: all
/// hits, the hits in the title, the hits in the author — and every hit gets
/// a sort key from that and from what is known of the title in memory:
///
/// 1. where it matched: the whole query in the title, else in the author,
///    else elsewhere (subjects, notes, identifiers, or across fields);
/// 2. for title matches, how much of the title the query is: the title is
///    (about) the query, a little longer, or much longer — "History" before
///    "A history of Rome" before "A history of the county of Middlesex";
/// 3. holdings: at how many branches the library has a copy, in doubling
///    steps (1, 2–3, 4–7, …); a digital title counts as held once;
/// 4. the newer year (unknown years last), then the earlier-added title.
///
/// The same keys on SQLite and PostgreSQL, so both engines give the same
/// order. Keys are 64-bit numbers (smaller first) so that a hit list sorts
/// as plain integers.
public enum SearchRank {
    public enum Match: UInt64, Sendable {
        case title = 0, author = 1, elsewhere = 2
    }

    /// How much longer the title is than the query, in three steps.
    public static func closeness(titleWords: Int, queryWords: Int) -> UInt64 {
        let extra = titleWords - max(1, queryWords)
        return extra <= 1 ? 0 : extra <= 4 ? 1 : 2
    }

    /// Doubling steps of the number of branches with a copy: 0 for 128 or
    /// more branches, 7 for one branch, 8 for none.
    public static func holdingStep(branches: Int, digital: Bool) -> UInt64 {
        let held = digital ? max(1, branches) : branches
        guard held > 0 else { return 8 }
        return UInt64(max(0, 7 - (Int.bitWidth - held.leadingZeroBitCount - 1)))
    }

    /// The sort key of a hit; smaller comes first. `id` is the title's id
    /// (it fits in 32 bits, as in the in-memory columns).
    public static func key(match: Match, titleWords: Int, queryWords: Int, branches: Int, digital: Bool,
                           year: Int?, id: UInt32) -> UInt64 {
        let close = match == .title ? closeness(titleWords: titleWords, queryWords: queryWords) : 0
        let age: UInt64 = year.map { $0 > 0 ? UInt64(max(0, min(0xFFFE, 10_000 - $0))) : 0xFFFF } ?? 0xFFFF
        return match.rawValue << 62 | close << 60 | holdingStep(branches: branches, digital: digital) << 52
            | age << 36 | UInt64(id)
    }

    /// The title id in a key.
    public static func id(of key: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: key) }

    /// The ids of keys in key order, for keys given in id order: a stable
    /// counting sort on the year, then on where and how it matched and the
    /// holdings (ties keep their id order). The same order as sorting the
    /// keys, in two passes instead of n log n comparisons: a broad word's
    /// 400,000 hits sort in a few milliseconds.
    public static func idsInOrder(ofKeysInIDOrder keys: [UInt64]) -> [UInt32] {
        guard keys.count > 1 else { return keys.map(id(of:)) }
        var pass = keys
        var next = [UInt64](repeating: 0, count: keys.count)
        for (shift, bits) in [(36, 16), (52, 12)] {
            let mask = UInt64(1) << UInt64(bits) - 1
            var starts = [Int](repeating: 0, count: 1 << bits + 1)
            for key in pass { starts[Int((key >> UInt64(shift)) & mask) + 1] += 1 }
            for bucket in 1..<starts.count { starts[bucket] += starts[bucket - 1] }
            for key in pass {
                let bucket = Int((key >> UInt64(shift)) & mask)
                next[starts[bucket]] = key
                starts[bucket] += 1
            }
            swap(&pass, &next)
        }
        return pass.map(id(of:))
    }
}
