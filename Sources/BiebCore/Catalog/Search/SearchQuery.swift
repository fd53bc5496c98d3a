import Foundation

/// Where a search word must occur.
public enum SearchField: String, Sendable, CaseIterable {
    case any, title, author, subject, isbn
}

/// A parsed search: words (with their field), phrases, prefixes, and AND /
/// OR / NOT between them. Words are folded as the index is, so "Café" and
/// "cafe" are the same word.
public indirect enum SearchQuery: Hashable, Sendable {
    case word(String, SearchField)
    case prefix(String, SearchField)
    case phrase([String], SearchField)
    case and([SearchQuery])
    case or([SearchQuery])
    case not(SearchQuery)

    /// Limits on what a search may be, so that no query can exhaust the
    /// parser's stack or the database's: characters in all, nesting
    /// (parentheses, NOT, `-` and field prefixes each count a level) and
    /// words, phrases and prefixes. Each is far beyond what a person types.
    public static let maximumLength = 1_000
    public static let maximumDepth = 32
    public static let maximumTerms = 64

    /// Parses what a member types: `fietsen`, `"de avonden"`, `bibliot*`,
    /// `title:avonden`, `author:reve`, `subject:(oorlog OR verzet)`,
    /// `isbn:90-254-5235-3`, `a AND b`, `a OR b`, `NOT c`, `-c`, parentheses.
    /// Dutch operators work too: EN, OF, NIET; fields titel:, auteur:, onderwerp:.
    /// What it returns compiles to a valid query for both databases
    /// (`checked`); anything else is refused with the reason.
    public static func parse(_ text: String) throws(BiebError) -> SearchQuery {
        guard text.count <= maximumLength else {
            throw BiebError.invalid("q", "A search may be at most \(maximumLength) characters long.",
                                    nl: "Een zoekvraag mag hoogstens \(maximumLength) tekens lang zijn.", code: "query_too_long")
        }
        var parser = QueryParser(tokens: try QueryLexer.tokens(text))
        let query = try parser.parseOr(field: .any)
        if parser.position < parser.tokens.count {
            throw BiebError.invalid("q", "Unexpected '\(parser.tokens[parser.position].text)' in the search.",
                                    nl: "Onverwacht '\(parser.tokens[parser.position].text)' in de zoekvraag.", code: "invalid_query")
        }
        return try query.checked()
    }

    /// The simplified query, or the reason it cannot be searched: nothing
    /// left to search, only exclusions, too many words, or a group the
    /// databases cannot express (a group of only exclusions, or an
    /// exclusion as one of the alternatives of OR). Both parsers end here.
    public func checked() throws(BiebError) -> SearchQuery {
        guard let simplified else {
            throw BiebError.invalid("q", "Type at least one word to search for.", nl: "Typ minstens één woord om op te zoeken.",
                                    code: "empty_query")
        }
        guard simplified.hasPositivePart else {
            throw BiebError.invalid("q", "A search needs at least one word that must match, not only words to leave out.",
                                    nl: "Een zoekvraag heeft minstens één woord nodig dat moet voorkomen, niet alleen woorden om uit te sluiten.",
                                    code: "only_negative_query")
        }
        guard simplified.termCount <= Self.maximumTerms else {
            throw BiebError.invalid("q", "A search may have at most \(Self.maximumTerms) words.",
                                    nl: "Een zoekvraag mag hoogstens \(Self.maximumTerms) woorden hebben.", code: "query_too_many_terms")
        }
        guard simplified.isExpressible else {
            throw BiebError.invalid("q", "Every group needs a word that must match: leave out words with NOT after it (\"a NOT b\"), not as one of the choices of OR.",
                                    nl: "Elke groep heeft een woord nodig dat moet voorkomen: sluit woorden uit met NIET erna (\"a NIET b\"), niet als een van de keuzes van OF.",
                                    code: "unsupported_exclusion")
        }
        return simplified
    }

    /// The error for a query nested deeper than `maximumDepth`.
    static let tooDeep = BiebError.invalid(
        "q", "The search is nested too deeply (at most \(maximumDepth) levels of parentheses, NOT and fields).",
        nl: "De zoekvraag is te diep genest (hoogstens \(maximumDepth) niveaus van haakjes, NIET en velden).", code: "query_too_deep")

    /// Flattens nested AND/OR and drops empty parts; nil when nothing is left.
    var simplified: SearchQuery? {
        switch self {
        case .word(let w, _), .prefix(let w, _): return w.isEmpty ? nil : self
        case .phrase(let words, let field):
            if words.isEmpty { return nil }
            return words.count == 1 ? .word(words[0], field) : self
        case .not(let inner):
            // Leaving out what is left out keeps it: "a NOT NOT b" is "a b".
            guard let kept = inner.simplified else { return nil }
            if case .not(let twice) = kept { return twice }
            return .not(kept)
        case .and(let parts):
            let flat = parts.compactMap(\.simplified).flatMap { part -> [SearchQuery] in
                if case .and(let inner) = part { return inner }
                return [part]
            }
            return flat.isEmpty ? nil : flat.count == 1 ? flat[0] : .and(flat)
        case .or(let parts):
            let flat = parts.compactMap(\.simplified).flatMap { part -> [SearchQuery] in
                if case .or(let inner) = part { return inner }
                return [part]
            }
            return flat.isEmpty ? nil : flat.count == 1 ? flat[0] : .or(flat)
        }
    }

    /// True when something must match (not only exclusions).
    var hasPositivePart: Bool {
        switch self {
        case .word, .prefix, .phrase: return true
        case .not: return false
        case .and(let parts): return parts.contains(where: \.hasPositivePart)
        case .or(let parts): return parts.allSatisfy(\.hasPositivePart)
        }
    }

    /// Words, prefixes and phrases in the query.
    var termCount: Int {
        switch self {
        case .word, .prefix, .phrase: return 1
        case .not(let inner): return inner.termCount
        case .and(let parts), .or(let parts): return parts.reduce(0) { $0 + $1.termCount }
        }
    }

    /// True when FTS5 and tsquery can both say it: every AND group has a
    /// part that must match, what NOT leaves out is such a group itself, and
    /// every choice of an OR must match something (FTS5's NOT is binary:
    /// "a NOT b"; "NOT b" alone, or as a choice, is not a query).
    var isExpressible: Bool {
        switch self {
        case .word, .prefix, .phrase: return true
        case .not: return false
        case .and(let parts):
            return hasPositivePart && parts.allSatisfy { part in
                if case .not(let inner) = part { return inner.isExpressible }
                return part.isExpressible
            }
        case .or(let parts): return parts.allSatisfy(\.isExpressible)
        }
    }

    /// The plain words of the query (for highlighting and suggestions).
    public var words: [String] {
        switch self {
        case .word(let w, _), .prefix(let w, _): return [w]
        case .phrase(let words, _): return words
        case .and(let parts), .or(let parts): return parts.flatMap(\.words)
        case .not: return []
        }
    }
}

struct QueryToken: Equatable {
    enum Kind: Equatable { case word, phrase, open, close, and, or, not, minus, field(SearchField), prefix }
    let kind: Kind
    let text: String
}

enum QueryLexer {
    static let fieldNames: [String: SearchField] = [
        "title": .title, "titel": .title, "ti": .title,
        "author": .author, "auteur": .author, "au": .author, "schrijver": .author,
        "subject": .subject, "onderwerp": .subject, "su": .subject,
        "isbn": .isbn, "any": .any, "alles": .any,
    ]

    static func tokens(_ text: String) throws(BiebError) -> [QueryToken] {
        var tokens: [QueryToken] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "(" { tokens.append(QueryToken(kind: .open, text: "(")); i += 1; continue }
            if c == ")" { tokens.append(QueryToken(kind: .close, text: ")")); i += 1; continue }
            if c == "\"" || c == "“" || c == "”" {
                var j = i + 1
                var phrase = ""
                while j < chars.count, chars[j] != "\"" && chars[j] != "”" && chars[j] != "“" {
                    phrase.append(chars[j])
                    j += 1
                }
                guard j < chars.count else {
                    throw BiebError.invalid("q", "A quotation mark is not closed.", nl: "Een aanhalingsteken is niet gesloten.",
                                            code: "invalid_query")
                }
                tokens.append(QueryToken(kind: .phrase, text: phrase))
                i = j + 1
                continue
            }
            // A minus at the start of a word excludes it ("oorlog -roman"); inside a word it is a hyphen.
            if c == "-", i + 1 < chars.count, !chars[i + 1].isWhitespace {
                tokens.append(QueryToken(kind: .minus, text: "-"))
                i += 1
                continue
            }
            var j = i
            var word = ""
            while j < chars.count, !chars[j].isWhitespace, chars[j] != "(", chars[j] != ")", chars[j] != "\"" {
                if chars[j] == ":", fieldNames[word.lowercased()] != nil {
                    break
                }
                word.append(chars[j])
                j += 1
            }
            if j < chars.count, chars[j] == ":", let field = fieldNames[word.lowercased()] {
                tokens.append(QueryToken(kind: .field(field), text: word + ":"))
                i = j + 1
                continue
            }
            switch word {
            case "AND", "EN", "&&": tokens.append(QueryToken(kind: .and, text: word))
            case "OR", "OF", "||": tokens.append(QueryToken(kind: .or, text: word))
            case "NOT", "NIET": tokens.append(QueryToken(kind: .not, text: word))
            default:
                if word.hasSuffix("*"), word.count > 1 {
                    tokens.append(QueryToken(kind: .prefix, text: String(word.dropLast())))
                } else {
                    tokens.append(QueryToken(kind: .word, text: word))
                }
            }
            i = max(j, i + 1)
        }
        return tokens
    }
}

struct QueryParser {
    let tokens: [QueryToken]
    var position = 0
    /// Levels of nesting entered so far (parentheses, NOT, fields).
    var depth = 0

    init(tokens: [QueryToken]) { self.tokens = tokens }

    var current: QueryToken? { position < tokens.count ? tokens[position] : nil }

    mutating func parseOr(field: SearchField) throws(BiebError) -> SearchQuery {
        var parts = [try parseAnd(field: field)]
        while current?.kind == .or {
            position += 1
            parts.append(try parseAnd(field: field))
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    mutating func parseAnd(field: SearchField) throws(BiebError) -> SearchQuery {
        var parts: [SearchQuery] = []
        while let token = current, token.kind != .or, token.kind != .close {
            if token.kind == .and {
                position += 1
                continue
            }
            parts.append(try parseUnary(field: field))
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    mutating func parseUnary(field: SearchField) throws(BiebError) -> SearchQuery {
        if let token = current, token.kind == .not || token.kind == .minus {
            position += 1
            try enter()
            defer { depth -= 1 }
            return .not(try parseUnary(field: field))
        }
        return try parsePrimary(field: field)
    }

    mutating func parsePrimary(field: SearchField) throws(BiebError) -> SearchQuery {
        guard let token = current else {
            throw BiebError.invalid("q", "The search ends too early.", nl: "De zoekvraag houdt te vroeg op.", code: "invalid_query")
        }
        position += 1
        switch token.kind {
        case .open:
            try enter()
            defer { depth -= 1 }
            let inner = try parseOr(field: field)
            guard current?.kind == .close else {
                throw BiebError.invalid("q", "A parenthesis is not closed.", nl: "Een haakje is niet gesloten.", code: "invalid_query")
            }
            position += 1
            return inner
        case .close:
            throw BiebError.invalid("q", "A closing parenthesis has no opening one.", nl: "Een sluithaakje heeft geen openingshaakje.",
                                    code: "invalid_query")
        case .field(let newField):
            try enter()
            defer { depth -= 1 }
            return try parsePrimary(field: newField)
        case .phrase:
            if field == .isbn { return Self.isbn(token.text) }
            return .phrase(TextAnalysis.words(token.text), field)
        case .prefix:
            let words = TextAnalysis.words(token.text)
            guard let last = words.last else { return .and([]) }
            let prefix = SearchQuery.prefix(last, field)
            return words.count == 1 ? prefix : .and(words.dropLast().map { .word($0, field) } + [prefix])
        case .word, .and, .or, .not, .minus:
            if field == .isbn { return Self.isbn(token.text) }
            let words = TextAnalysis.words(token.text)
            // "jan-willem" or "auto's" may give several words: they belong together.
            return words.count <= 1 ? .word(words.first ?? "", field) : .phrase(words, field)
        }
    }

    /// One level deeper, or the refusal when that is too deep (checked
    /// before the recursion, so no input can use up the stack).
    mutating func enter() throws(BiebError) {
        depth += 1
        if depth > SearchQuery.maximumDepth { throw SearchQuery.tooDeep }
    }

    /// An ISBN in any form becomes its 13-digit form; anything else is searched as given among identifiers.
    static func isbn(_ text: String) -> SearchQuery {
        if let isbn = ISBN(text) { return .word(isbn.isbn13, .isbn) }
        return .word(TextAnalysis.words(text).joined(), .isbn)
    }
}
