import Foundation
import PropertyBased

/// Searches built from the query language's own pieces — words, phrases,
/// prefixes, fields and operators in both languages, parentheses, minus —
/// and some of its syntax characters, in random order: many are queries,
/// many are not. For property tests of the parser and of what it compiles to.
public enum SearchGrammar {
    static let pieces = [
        "oorlog", "verzet", "fiets", "library", "Café", "de", "a", "b", "c", "\"de avonden\"", "\"\"", "bibliot*", "*", "9789025452353",
        "title:", "titel:", "author:", "onderwerp:", "isbn:", "any:", "AND", "EN", "OR", "OF", "NOT", "NIET", "&&", "||",
        "-", "-(", "(", ")", "\"", ":", "'", "\\", "!", "jan-willem", "auto's", "x:y", "{", "}", "^", "<->", "&", "|", "NEAR", "%", "_",
    ]

    /// One to fourteen pieces; a minus or a field name sticks to what follows.
    public static let query = Gen<String?>.element(of: pieces).array(of: 1...14).map { parts in
        parts.map { $0 ?? "" }.joined(separator: " ").replacingOccurrences(of: "- ", with: "-").replacingOccurrences(of: ": ", with: ":")
    }

    /// CQL from its pieces: indexes, relations, booleans, parentheses, quoted terms.
    static let cqlPieces = [
        "oorlog", "fiets", "\"de avonden\"", "dc.title", "title", "author", "subject", "cql.serverChoice", "isbn", "=", "==", "adj", "all", "any",
        "and", "or", "not", "prox", "(", ")", "\"", "*", "bibliot*", "<", ">", "\\",
    ]

    public static let cql = Gen<String?>.element(of: cqlPieces).array(of: 1...12).map { parts in parts.map { $0 ?? "" }.joined(separator: " ") }
}
