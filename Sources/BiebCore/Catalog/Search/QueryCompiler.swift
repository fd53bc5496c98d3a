import Foundation

/// Turns a `SearchQuery` into each engine's query language, over the same
/// indexed columns (`SearchDocument`): title, author, subject, other, ids.
/// Title, subject and other hold stems, so a word matches its expansions
/// there (`SearchTerms`); author and ids hold folded words.
public enum QueryCompiler {
    static let stemmedColumns = ["title", "subject", "other"]

    static func columns(_ field: SearchField) -> (stemmed: [String], plain: [String]) {
        switch field {
        case .any: (stemmedColumns, ["author", "ids"])
        case .title: (["title"], [])
        case .author: ([], ["author"])
        case .subject: (["subject"], [])
        case .isbn: ([], ["ids"])
        }
    }

    // MARK: SQLite FTS5

    /// An FTS5 MATCH expression. Pure exclusions never reach here (the parser refuses them).
    public static func fts5(_ query: SearchQuery) -> String {
        switch query {
        case .word(let word, let field):
            let (stemmed, plain) = columns(field)
            var parts: [String] = []
            if !stemmed.isEmpty {
                parts.append("{\(stemmed.joined(separator: " "))} : (\(SearchTerms.expansions(of: word).map(quote).joined(separator: " OR ")))")
            }
            if !plain.isEmpty { parts.append("{\(plain.joined(separator: " "))} : \(quote(word))") }
            return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " OR ") + ")"
        case .prefix(let prefix, let field):
            let (stemmed, plain) = columns(field)
            return "{\((stemmed + plain).joined(separator: " "))} : \(quote(prefix)) *"
        case .phrase(let words, let field):
            let (stemmed, plain) = columns(field)
            var parts: [String] = []
            if !stemmed.isEmpty {
                let variants = phraseVariants(words)
                parts.append("{\(stemmed.joined(separator: " "))} : (\(variants.map { "\"" + $0.joined(separator: " ") + "\"" }.joined(separator: " OR ")))")
            }
            if !plain.isEmpty { parts.append("{\(plain.joined(separator: " "))} : \"\(words.joined(separator: " "))\"") }
            return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " OR ") + ")"
        case .and(let parts):
            let positive = parts.filter { if case .not = $0 { false } else { true } }
            let negative = parts.compactMap { part -> SearchQuery? in if case .not(let inner) = part { inner } else { nil } }
            var text = "(" + positive.map(fts5).joined(separator: " AND ") + ")"
            for exclusion in negative { text += " NOT " + fts5(exclusion) }
            return negative.isEmpty ? text : "(" + text + ")"
        case .or(let parts):
            return "(" + parts.map(fts5).joined(separator: " OR ") + ")"
        case .not(let inner):
            // Only inside AND; a bare NOT is refused by the parser.
            return "NOT " + fts5(inner)
        }
    }

    /// The word sequence as indexed in stemmed columns: as Dutch stems, as
    /// English stems, and as the folded words (other languages).
    static func phraseVariants(_ words: [String]) -> [[String]] {
        var variants = [words]
        for language in StemLanguage.allCases {
            let stems = words.map(language.stem)
            if !variants.contains(stems) { variants.append(stems) }
        }
        return variants
    }

    static func quote(_ term: String) -> String {
        "\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: PostgreSQL tsquery

    /// Weights of the indexed fields in the PostgreSQL `tsvector`.
    static func weights(_ field: SearchField) -> (stemmed: String, plain: String) {
        switch field {
        case .any: ("ACD", "BD")
        case .title: ("A", "")
        case .author: ("", "B")
        case .subject: ("C", "")
        case .isbn: ("", "D")
        }
    }

    /// A `tsquery` in its text form (cast, not parsed by `to_tsquery`: the
    /// lexemes are Bieb's own terms, as in the documents, `TSVectorText`).
    /// With `within` (weight letters, "A" for the title, "B" for the author)
    /// only those weights count, like FTS5's column filter around the whole
    /// query: a word that can only match elsewhere matches nothing
    /// (`nothing`, a lexeme no document holds).
    public static func tsquery(_ query: SearchQuery, within: String? = nil) -> String {
        func only(_ weights: String) -> String {
            guard let within else { return weights }
            return String(weights.filter { within.contains($0) })
        }
        func leaf(_ options: [String]) -> String {
            options.isEmpty ? nothing : "(" + options.joined(separator: " | ") + ")"
        }
        switch query {
        case .word(let word, let field):
            let (stemmed, plain) = weights(field)
            var lexemes: [String] = []
            if !only(stemmed).isEmpty { lexemes += SearchTerms.expansions(of: word).map { lexeme($0) + ":" + only(stemmed) } }
            if !only(plain).isEmpty { lexemes.append(lexeme(word) + ":" + only(plain)) }
            return leaf(lexemes)
        case .prefix(let prefix, let field):
            let (stemmed, plain) = weights(field)
            let allowed = only(stemmed + plain)
            return allowed.isEmpty ? nothing : lexeme(prefix) + ":*" + allowed
        case .phrase(let words, let field):
            let (stemmed, plain) = weights(field)
            var options: [String] = []
            if !only(stemmed).isEmpty {
                options += phraseVariants(words).map { "(" + $0.map { lexeme($0) + ":" + only(stemmed) }.joined(separator: " <-> ") + ")" }
            }
            if !only(plain).isEmpty { options.append("(" + words.map { lexeme($0) + ":" + only(plain) }.joined(separator: " <-> ") + ")") }
            return leaf(options)
        case .and(let parts):
            return "(" + parts.map { tsquery($0, within: within) }.joined(separator: " & ") + ")"
        case .or(let parts):
            return "(" + parts.map { tsquery($0, within: within) }.joined(separator: " | ") + ")"
        case .not(let inner):
            return "!" + tsquery(inner, within: within)
        }
    }

    /// A query part that matches no document: a lexeme Bieb never indexes
    /// (its terms are letters and digits only).
    static let nothing = "'-'"

    static func lexeme(_ term: String) -> String { TSVectorText.lexeme(term) }
}
