import Foundation

/// The languages Bieb stems.
public enum StemLanguage: String, Sendable, CaseIterable {
    case dutch, english

    /// The MARC language codes (ISO 639-2/B) stemmed in this language: Dutch, Frisian and Flemish as Dutch.
    public var marcCodes: [String] {
        switch self {
        case .dutch: ["dut", "nld", "fry", "vls"]
        case .english: ["eng"]
        }
    }

    /// From a MARC language code (ISO 639-2/B): dut/nld → Dutch, eng → English.
    public init?(marcCode: String?) {
        guard let code = marcCode?.lowercased(), let language = Self.allCases.first(where: { $0.marcCodes.contains(code) }) else { return nil }
        self = language
    }

    public func stem(_ word: String) -> String {
        switch self {
        case .dutch: DutchStemmer.stem(word)
        case .english: EnglishStemmer.stem(word)
        }
    }
}

/// Turning text into search terms, the same way for indexing and for
/// queries, so both search engines (SQLite FTS5 and PostgreSQL) see exactly
/// the same tokens: lower case, diacritics folded ("Café" → "cafe", "één" →
/// "een"), split into words of letters and digits, and stemmed.
public enum TextAnalysis {
    /// Characters that do not decompose into a base letter and a mark.
    static let specialFolds: [Character: String] = [
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ĳ": "ij",
        "ŀ": "l", "ħ": "h", "ŧ": "t",
    ]

    /// Lower case without diacritics.
    public static func fold(_ text: String) -> String {
        // Fast path: plain ASCII only needs lower-casing.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        }
        let lowered = text.lowercased()
        var out = ""
        out.reserveCapacity(lowered.utf8.count)
        for scalar in lowered.decomposedStringWithCompatibilityMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            default:
                let character = Character(scalar)
                if let replacement = specialFolds[character] {
                    out += replacement
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// The folded words of a text. Apostrophes and the like inside a word are
    /// dropped ("auto's" → "autos", "d'Arc" → "darc"); anything else that is
    /// not a letter or digit separates words.
    public static func words(_ text: String) -> [String] {
        if let words = asciiWords(text) { return words }
        let folded = fold(text)
        if let words = asciiWords(folded) { return words }
        var words: [String] = []
        var current = ""
        for character in folded {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if ["'", "’", "‘", "`", "ʼ"].contains(character), !current.isEmpty {
                continue
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `words` for ASCII text, on bytes, lower-casing as it goes (for
    /// ASCII, folding is lower-casing); nil when the text is not ASCII.
    static func asciiWords(_ text: String) -> [String]? {
        var words: [String] = []
        var current: [UInt8] = []
        current.reserveCapacity(32)
        for byte in text.utf8 {
            if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                current.append(byte)
            } else if byte >= 0x41 && byte <= 0x5A {
                current.append(byte + 0x20)
            } else if byte >= 0x80 {
                return nil
            } else if byte == 0x27 || byte == 0x60, !current.isEmpty {
                continue
            } else if !current.isEmpty {
                words.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// Index terms for a text: each word stemmed in the text's language
    /// (unknown language: the folded word itself).
    public static func terms(_ text: String, language: StemLanguage?) -> [String] {
        words(text).map { word in language?.stem(word) ?? word }
    }
}

/// Stems words (and splits Dutch compounds, for one word list) with a cache:
/// titles repeat the same words again and again.
/// Not thread-safe: give each thread its own (it is Sendable so a thread can
/// be handed one).
public final class StemCache: @unchecked Sendable {
    private var dutch: [String: String] = [:]
    private var english: [String: String] = [:]
    private var compoundParts: [String: [String]] = [:]
    private let capacity: Int

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    public func stem(_ word: String, _ language: StemLanguage) -> String {
        switch language {
        case .dutch:
            if let hit = dutch[word] { return hit }
            if dutch.count >= capacity { dutch.removeAll(keepingCapacity: true) }
            let stem = DutchStemmer.stem(word)
            dutch[word] = stem
            return stem
        case .english:
            if let hit = english[word] { return hit }
            if english.count >= capacity { english.removeAll(keepingCapacity: true) }
            let stem = EnglishStemmer.stem(word)
            english[word] = stem
            return stem
        }
    }

    /// `compounds.parts(of: word)`, remembered.
    public func parts(of word: String, _ compounds: DutchCompounds) -> [String] {
        if let hit = compoundParts[word] { return hit }
        if compoundParts.count >= capacity { compoundParts.removeAll(keepingCapacity: true) }
        let parts = compounds.parts(of: word)
        compoundParts[word] = parts
        return parts
    }
}
