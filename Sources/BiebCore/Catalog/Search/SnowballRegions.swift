/// The regions R1 and R2 that the Snowball stemmers (Dutch, English) speak
/// of: a region starts after the first non-vowel that follows a vowel.
enum SnowballRegions {
    /// Where the region after `from` starts in `word`: past the first
    /// non-vowel that follows a vowel at or after `from`; nil when there is none.
    static func start(after from: Int, in word: [Unicode.Scalar], vowels: Set<Unicode.Scalar>) -> Int? {
        let limit = word.count
        var i = from
        while i < limit, !vowels.contains(word[i]) { i += 1 }
        guard i < limit else { return nil }
        while i < limit, vowels.contains(word[i]) { i += 1 }
        guard i < limit else { return nil }
        return i + 1
    }
}
