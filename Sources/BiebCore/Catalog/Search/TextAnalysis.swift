import Foundation

/// The languages Bieb stems.
public enum StemLanguage: String, Sendable, CaseIterable {
    case dutch, english

    /// From a MARC language code (ISO 639-2/B): dut/nld → Dutch, eng → English.
    public init?(marcCode: String?) {
        switch marcCode?.lowercased() {
        case "dut", "nld", "fry", "vls": self = .dutch
        case "eng": self = .english
        default: return nil
        }
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
        var words: [String] = []
        var current = ""
        for character in fold(text) {
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

    /// Index terms for a text: each word stemmed in the text's language
    /// (unknown language: the folded word itself).
    public static func terms(_ text: String, language: StemLanguage?) -> [String] {
        words(text).map { word in language?.stem(word) ?? word }
    }
}
