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
/// field. It is written as the words come, a lexeme once per position
/// (`'fiets':2A 'fiets':5D`): PostgreSQL's input sorts the lexemes and
/// merges their positions, positions above 16,383 counted as 16,383, as
/// `to_tsvector` does (PostgreSQL's "Text Search Types" and "Limitations"),
/// and keeps 256 positions of a lexeme where `to_tsvector` keeps 255 (a word
/// more than 255 times in a field shifts the next field's positions by one;
/// what matches is the same). A word of 2,047 bytes or more, which
/// `to_tsvector` leaves out and the input refuses, is left out here too and
/// takes no position.
public enum TSVectorText {
    public static let maximumLexemeBytes = 2_046

    /// The `tsvector` of a document, in PostgreSQL's text form.
    public static func vector(_ document: SearchDocument) -> String {
        vector(fields: [(document.title, "A"), (document.author, "B"), (document.subject, "C"),
                        (document.other + " " + document.identifiers, "D")])
    }

    /// Space-separated terms per field with the field's weight letter.
    static func vector(fields: [(terms: String, weight: Character)]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(fields.reduce(0) { $0 + $1.terms.utf8.count * 2 + 16 })
        var position = 0
        for (terms, weight) in fields {
            let weightByte = weight.asciiValue ?? UInt8(ascii: "D")
            var terms = terms
            terms.makeContiguousUTF8()
            _ = terms.utf8.withContiguousStorageIfAvailable { bytes in
                var start = 0
                while start < bytes.count {
                    while start < bytes.count && bytes[start] == 0x20 { start += 1 }
                    var end = start
                    while end < bytes.count && bytes[end] != 0x20 { end += 1 }
                    if end > start && end - start <= maximumLexemeBytes {
                        position += 1
                        if !out.isEmpty { out.append(0x20) }
                        appendQuoted(bytes[start..<end], to: &out)
                        out.append(UInt8(ascii: ":"))
                        appendNumber(position, to: &out)
                        out.append(weightByte)
                    }
                    start = end
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func appendQuoted(_ term: UnsafeBufferPointer<UInt8>.SubSequence, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "'"))
        for byte in term {
            if byte == UInt8(ascii: "'") { out.append(byte) } else if byte == UInt8(ascii: "\\") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "'"))
    }

    static func appendNumber(_ number: Int, to out: inout [UInt8]) {
        if number >= 10 { appendNumber(number / 10, to: &out) }
        out.append(UInt8(ascii: "0") + UInt8(number % 10))
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
