/// Splits Dutch compound words into the words they are made of, so that a
/// search for "oorlog" finds "Tweede Wereldoorlog" and "Oorlogswinter", and
/// "boek" finds "Kinderboeken". Dutch writes compounds as one word; the index keeps the
/// compound and adds its parts (`SearchDocument`), queries stay as they are.
///
/// The rules, all from a word list (Debian's `wdutch`, OpenTaal):
/// - Only words of at least 8 letters are split, into parts of at least 4
///   letters: "oorlog" (6) is never "oor" + "log", "kindle" is never split.
/// - A split is a head that is a word, an optional linking sound ("s" in
///   oorlog·s·winter, "en" in boek·en·kast, "er" in kind·er·boek, "e" in
///   pann·e·koek), and a tail that is a word or itself a compound.
/// - A tail that is a word beats a tail that is a compound; then the longer
///   tail (Dutch compounds end in the word they are about: "nummer" +
///   "service", not "nummers" + "vice"; "keur" + "slager", not "keurs" +
///   "lager"); then the longer head ("boeken" + "kast"). Parts of 10 letters
///   or more are split again (a part "kinderboeken" gives "kind" and
///   "boeken"); "automaat" in "flessenautomaat" stays whole.
/// - Heads that are prepositions or particles ("onder", "voor", "buiten") do
///   not split, nor do shorter heads inside them: "onderwijs" is not about
///   "wijs", "overleven" not about "leven", "buitenlicht" not about "buit".
///   Tails that are suffixes as well as words ("schap", "ling", "heden",
///   "ster"), inflected endings ("eren", "ende") and four letters
///   ending in "ing" do not split: "wetenschap" is not about "weten",
///   "kinderen" not about "eren", "levering" not about "ring".
/// - Names (capitalised in the list), abbreviations and words with
///   hyphens, digits or apostrophes are not in the list used.
public struct DutchCompounds: Sendable {
    /// Folded lower-case words of letters only.
    let words: Set<String>

    static let minimumWordLength = 8
    static let minimumPartLength = 4
    /// Parts shorter than this are not split again ("automaat" is not "auto" + "maat").
    static let minimumResplitLength = 10
    /// Longer "words" are codes or run-together text, not compounds; the bound keeps the search for a split cheap.
    static let maximumWordLength = 40
    /// Linking sounds between head and tail, tried in this order.
    static let linkers: [[UInt8]] = ["", "s", "en", "er", "e"].map { Array($0.utf8) }
    /// Heads that do not split a word: prepositions, adverbs and pronouns that
    /// make verbs and abstract words, not compounds of two things.
    static let particles: Set<String> = [
        "aldus", "alle", "achter", "binnen", "boven", "buiten", "daar", "deze", "door", "elke", "even",
        "hier", "jouw", "maar", "mede", "niet", "onder", "onze", "over", "rond", "samen", "tegen",
        "terug", "tussen", "veel", "voor", "vooral", "waar", "weer", "zelf", "zijn",
    ]
    static let particleLengths = Set(particles.map(\.utf8.count)).sorted()
    /// Tails that are also suffixes or inflected endings.
    static let suffixes: Set<String> = [
        "achtig", "achtige", "baar", "bare", "eerde", "eerden", "ende", "eren", "erij", "heden", "isme", "ismen",
        "lende", "lijk", "lijke", "ling", "lingen", "loos", "loze", "matig", "matige", "ment", "schap", "schappen",
        "ster", "sters", "waardig", "zaam", "zame",
    ]

    /// From words already folded (lower case, no diacritics).
    public init(words: some Sequence<String>) {
        self.words = Set(words)
    }

    /// From a word list, one word per line (`/usr/share/dict/dutch`). Lines
    /// that are names (a capital letter), abbreviations or hold anything but
    /// letters are left out; the rest is folded ("één" → "een").
    public init(wordList: String) {
        var words = Set<String>()
        words.reserveCapacity(400_000)
        for line in wordList.split(whereSeparator: \.isNewline) {
            guard line.utf8.count >= Self.minimumPartLength else { continue }
            // Most lines are plain lower-case ASCII; only the others need a look at their characters.
            if line.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) {
                words.insert(String(line))
            } else if !line.utf8.contains(where: { $0 < 0x80 && !($0 >= 0x61 && $0 <= 0x7A) }),
                      line.allSatisfy({ $0.isLetter && $0.isLowercase }) {
                words.insert(TextAnalysis.fold(String(line)))
            }
        }
        self.words = words
    }

    /// How many words the list holds.
    public var count: Int { words.count }

    /// The words a folded word is made of, the intermediate ones included
    /// ("kinderboekenweek" → kinderboeken, kind, boeken, week); empty when
    /// it is not a compound.
    public func parts(of word: String) -> [String] {
        let bytes = Array(word.utf8)
        guard (Self.minimumWordLength...Self.maximumWordLength).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return [] }
        var parts: [String] = []
        collect(bytes[...], into: &parts, depth: 0)
        return parts
    }

    /// Adds the parts of `word` (not the word itself) to `parts`. Depth is
    /// bounded by the word's length (each part has 4 letters or more); the
    /// guard keeps it bounded whatever the list holds.
    private func collect(_ word: ArraySlice<UInt8>, into parts: inout [String], depth: Int) {
        guard depth < 8, let (head, tail) = split(word) else { return }
        for part in [head, tail] {
            let text = String(decoding: part, as: UTF8.self)
            if !parts.contains(text) { parts.append(text) }
            if part.count >= Self.minimumResplitLength { collect(part, into: &parts, depth: depth + 1) }
        }
    }

    /// The best split, or nil: a tail that is a word beats one that is only a
    /// compound; then the longer tail, then the longer head.
    func split(_ word: ArraySlice<UInt8>) -> (head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>)? {
        let length = word.count
        guard length >= Self.minimumWordLength else { return nil }
        let start = word.startIndex
        // A word that starts with a particle splits only after it: "buitenlicht" is not "buit" + "licht".
        var shortestHead = Self.minimumPartLength
        for particleLength in Self.particleLengths where particleLength < length
            && Self.particles.contains(String(decoding: word[start..<(start + particleLength)], as: UTF8.self)) {
            shortestHead = max(shortestHead, particleLength + 1)
        }
        guard shortestHead <= length - Self.minimumPartLength else { return nil }
        var best: (head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>, score: (Int, Int))?
        var compoundTail: (head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>)?
        for headLength in stride(from: length - Self.minimumPartLength, through: shortestHead, by: -1) {
            let head = word[start..<(start + headLength)]
            guard words.contains(String(decoding: head, as: UTF8.self)) else { continue }
            let rest = word[(start + headLength)...]
            for linker in Self.linkers where rest.starts(with: linker) {
                let tail = rest.dropFirst(linker.count)
                guard tail.count >= Self.minimumPartLength, acceptable(tail: tail) else { continue }
                if words.contains(String(decoding: tail, as: UTF8.self)) {
                    let score = (tail.count, head.count)
                    if best == nil || score > best!.score { best = (head, tail, score) }
                } else if best == nil, compoundTail == nil, split(tail) != nil {
                    compoundTail = (head, tail)
                }
            }
        }
        if let best { return (best.head, best.tail) }
        return compoundTail
    }

    /// False for tails that are endings rather than words: the suffixes, and
    /// four letters ending in "ing" ("levering" is not "leve" + "ring").
    func acceptable(tail: ArraySlice<UInt8>) -> Bool {
        if tail.count == 4, tail.suffix(3).elementsEqual("ing".utf8) { return false }
        return !Self.suffixes.contains(String(decoding: tail, as: UTF8.self))
    }
}
