import Foundation

/// PostgreSQL's full-text types in their text form, written from Bieb's own
/// analysis (`SearchDocument`, `SearchTerms`) so PostgreSQL never parses the
/// words again: a document's `tsvector` (`'word':1A,4C 'other':2B`) and the
/// lexemes of a `tsquery`. Both sides of a match then hold exactly the terms
/// Bieb made — the same terms SQLite's FTS5 index holds — and the import
/// saves PostgreSQL's `to_tsvector` per row.
///
/// The vector is the one `setweight(to_tsvector('simple', title), 'A') ||
/// setweight(to_tsvector('simple', author), 'B') || setweight(…subject, 'C')
/// || setweight(…other ids, 'D')` makes for such terms: each word a position
/// counted on across the fields (the `||` of two vectors shifts the right
/// one's positions past the left one's last), each position weighted by its
/// field. PostgreSQL's limits (documented under "Limitations" of its text
/// search chapter) are kept as `to_tsvector` keeps them: a lexeme of 2,047
/// bytes or more is left out (and takes no position), at most 256 positions
/// per lexeme, positions above 16,383 count as 16,383.
public enum TSVectorText {
    public static let maximumLexemeBytes = 2_046
    public static let maximumPositions = 256
    public static let maximumPosition = 16_383

    /// The `tsvector` of a document, in PostgreSQL's text form.
    public static func vector(_ document: SearchDocument) -> String {
        vector(fields: [(document.title, "A"), (document.author, "B"), (document.subject, "C"),
                        (document.other + " " + document.identifiers, "D")])
    }

    /// Space-separated terms per field with the field's weight letter.
    static func vector(fields: [(terms: String, weight: Character)]) -> String {
        // Lexemes in first-seen order with their positions; PostgreSQL sorts them itself.
        var order: [Substring] = []
        var positions: [Substring: [(Int, Character)]] = [:]
        var position = 0
        for (terms, weight) in fields {
            for term in terms.split(separator: " ", omittingEmptySubsequences: true) {
                guard term.utf8.count <= maximumLexemeBytes else { continue }
                position += 1
                let at = min(position, maximumPosition)
                if positions[term] == nil {
                    order.append(term)
                    positions[term] = [(at, weight)]
                } else if positions[term]!.count < maximumPositions, positions[term]!.last!.0 != at {
                    positions[term]!.append((at, weight))
                }
            }
        }
        var text = ""
        text.reserveCapacity(order.reduce(0) { $0 + $1.utf8.count + 8 })
        for (index, term) in order.enumerated() {
            if index > 0 { text.append(" ") }
            text.append(lexeme(term))
            text.append(":")
            for (n, (at, weight)) in positions[term]!.enumerated() {
                if n > 0 { text.append(",") }
                text.append(String(at))
                text.append(weight)
            }
        }
        return text
    }

    /// A lexeme quoted for `tsvector` and `tsquery` input: in single quotes,
    /// a quote doubled and a backslash escaped. A term longer than PostgreSQL
    /// takes is cut at a character boundary (no document holds such a term,
    /// so it matches nothing, as it should, instead of failing the query).
    public static func lexeme<S: StringProtocol>(_ term: S) -> String {
        var term = String(term)
        if term.utf8.count > maximumLexemeBytes {
            var cut = term.utf8.index(term.utf8.startIndex, offsetBy: maximumLexemeBytes)
            while cut.samePosition(in: term.unicodeScalars) == nil { cut = term.utf8.index(before: cut) }
            term = String(term[..<cut])
        }
        guard term.contains(where: { $0 == "'" || $0 == "\\" }) else { return "'" + term + "'" }
        var quoted = "'"
        for character in term {
            switch character {
            case "'": quoted.append("''")
            case "\\": quoted.append("\\\\")
            default: quoted.append(character)
            }
        }
        return quoted + "'"
    }
}
