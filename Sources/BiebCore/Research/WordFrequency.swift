import Foundation

/// The words open answers use most, for a first look at what people say
/// (the answers themselves are read after moderation): lower case, accents
/// kept, Dutch and English function words and words under three letters
/// left out, each word counted once per answer (one long answer does not
/// outweigh many short ones), most answers first, then alphabetically.
public enum WordFrequency {
    /// Function words of Dutch and English that say nothing on their own.
    static let stopWords: Set<String> = [
        "aan", "als", "bij", "dan", "dat", "de", "den", "der", "die", "dit", "door", "een", "en", "er", "het", "hij", "hoe", "ik", "in", "is",
        "je", "kan", "maar", "me", "met", "mij", "mijn", "na", "naar", "niet", "nog", "nu", "of", "om", "ook", "op", "over", "te", "tot",
        "uit", "van", "veel", "voor", "wat", "was", "we", "wel", "wie", "wij", "worden", "wordt", "zal", "ze", "zich", "zijn", "zo", "zou",
        "heel", "erg", "meer", "geen", "alle", "alles", "deze", "hebben", "heeft", "had", "kunnen", "moet", "moeten", "omdat", "waar", "weer",
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out", "has", "have", "with",
        "this", "that", "from", "they", "what", "there", "their", "would", "very", "more", "some", "about", "which", "when", "were", "been",
    ]

    /// The `limit` most used words with the number of answers using each.
    public static func top(_ answers: [String], limit: Int = 20) -> [(word: String, answers: Int)] {
        var counts: [String: Int] = [:]
        for answer in answers {
            let words = Set(answer.lowercased().split { !$0.isLetter && $0 != "-" && $0 != "'" }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "-'")) })
            for word in words where word.count >= 3 && !stopWords.contains(word) { counts[word, default: 0] += 1 }
        }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(max(0, limit)).map { ($0.key, $0.value) }
    }
}
