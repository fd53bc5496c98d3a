import Foundation

/// A subset of the Contextual Query Language (CQL, as used by SRU), turned
/// into a `SearchQuery`: search clauses `index relation term` or a bare
/// term, `and` / `or` / `not`, parentheses, quoted terms.
///
/// Indexes: cql.serverChoice / cql.anywhere / anywhere / any (all fields),
/// dc.title / bath.title / title, dc.creator / dc.author / bath.author /
/// author / creator, dc.subject / bath.subject / subject, bath.isbn /
/// rec.identifier / isbn. Relations: `=` and `adj` (words in this order),
/// `==` (exact: the same), `all` (every word), `any` (one of the words).
public enum CQL {
    public struct Failure: Error, Equatable, Sendable {
        /// The SRU diagnostic number (info:srw/diagnostic/1/…).
        public let diagnostic: Int
        public let message: String
        public let details: String?

        init(_ diagnostic: Int, _ message: String, details: String? = nil) {
            self.diagnostic = diagnostic
            self.message = message
            self.details = details
        }
    }

    static let indexes: [String: SearchField] = [
        "cql.serverchoice": .any, "cql.anywhere": .any, "cql.keywords": .any, "anywhere": .any, "any": .any, "keywords": .any,
        "dc.title": .title, "bath.title": .title, "title": .title,
        "dc.creator": .author, "dc.author": .author, "bath.author": .author, "bath.name": .author, "author": .author, "creator": .author,
        "dc.subject": .subject, "bath.subject": .subject, "subject": .subject,
        "bath.isbn": .isbn, "rec.identifier": .isbn, "isbn": .isbn, "dc.identifier": .isbn,
    ]

    /// The search language's limits hold here too (characters, nesting,
    /// terms), and what it cannot express is refused the same way: a CQL
    /// query becomes a `SearchQuery` and goes through its `checked()`.
    public static func parse(_ text: String) throws(Failure) -> SearchQuery {
        guard text.count <= SearchQuery.maximumLength else {
            throw Failure(10, "Query syntax error", details: "the query is longer than \(SearchQuery.maximumLength) characters")
        }
        var parser = Parser(tokens: try tokenize(text))
        let query = try parser.parseOr()
        guard parser.position == parser.tokens.count else {
            throw Failure(10, "Query syntax error", details: "unexpected '\(parser.tokens[parser.position].text)'")
        }
        do {
            return try query.checked()
        } catch {
            switch error.code {
            case "empty_query", "only_negative_query":
                throw Failure(10, "Query syntax error", details: "the query has no term that must match")
            case "query_too_many_terms":
                throw Failure(10, "Query syntax error", details: "the query has more than \(SearchQuery.maximumTerms) terms")
            default:
                throw Failure(10, "Query syntax error", details: "a group has no term that must match (a NOT b is searched, not b alone)")
            }
        }
    }

    struct Token: Equatable {
        enum Kind { case word, quoted, open, close, relation }
        let kind: Kind
        let text: String
    }

    static func tokenize(_ text: String) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "(" { tokens.append(Token(kind: .open, text: "(")); i += 1; continue }
            if c == ")" { tokens.append(Token(kind: .close, text: ")")); i += 1; continue }
            if c == "\"" {
                var j = i + 1
                var value = ""
                while j < chars.count, chars[j] != "\"" {
                    if chars[j] == "\\", j + 1 < chars.count { j += 1 }
                    value.append(chars[j])
                    j += 1
                }
                guard j < chars.count else { throw Failure(10, "Query syntax error", details: "unclosed quotation mark") }
                tokens.append(Token(kind: .quoted, text: value))
                i = j + 1
                continue
            }
            if "=<>".contains(c) {
                var j = i
                var relation = ""
                while j < chars.count, "=<>".contains(chars[j]) { relation.append(chars[j]); j += 1 }
                tokens.append(Token(kind: .relation, text: relation))
                i = j
                continue
            }
            var j = i
            var word = ""
            while j < chars.count, !chars[j].isWhitespace, !"()\"=<>".contains(chars[j]) { word.append(chars[j]); j += 1 }
            tokens.append(Token(kind: .word, text: word))
            i = j
        }
        return tokens
    }

    struct Parser {
        let tokens: [Token]
        var position = 0
        /// Parentheses open now; clauses read (each boolean operator nests the query one level deeper).
        var depth = 0
        var clauses = 0

        var current: Token? { position < tokens.count ? tokens[position] : nil }

        func isBoolean(_ token: Token?) -> String? {
            guard let token, token.kind == .word else { return nil }
            let lower = token.text.lowercased()
            return ["and", "or", "not", "prox"].contains(lower) ? lower : nil
        }

        mutating func parseOr() throws(Failure) -> SearchQuery {
            var left = try parseClause()
            while let op = isBoolean(current) {
                position += 1
                let right = try parseClause()
                switch op {
                case "and": left = .and([left, right])
                case "or": left = .or([left, right])
                case "not": left = .and([left, .not(right)])
                default: throw Failure(37, "Unsupported boolean operator", details: op)
                }
            }
            return left
        }

        mutating func parseClause() throws(Failure) -> SearchQuery {
            guard let token = current else { throw Failure(10, "Query syntax error", details: "the query ends too early") }
            if token.kind == .open {
                position += 1
                depth += 1
                defer { depth -= 1 }
                guard depth <= SearchQuery.maximumDepth else {
                    throw Failure(10, "Query syntax error", details: "parentheses nested deeper than \(SearchQuery.maximumDepth) levels")
                }
                let inner = try parseOr()
                guard current?.kind == .close else { throw Failure(10, "Query syntax error", details: "unclosed parenthesis") }
                position += 1
                return inner
            }
            guard token.kind == .word || token.kind == .quoted else {
                throw Failure(10, "Query syntax error", details: "unexpected '\(token.text)'")
            }
            // Each clause after the first nests the tree one level (a AND b AND c is ((a AND b) AND c)).
            clauses += 1
            guard clauses <= SearchQuery.maximumTerms else {
                throw Failure(10, "Query syntax error", details: "the query has more than \(SearchQuery.maximumTerms) terms")
            }
            position += 1
            // index relation term?
            if let next = current, token.kind == .word,
               next.kind == .relation || (next.kind == .word && ["adj", "all", "any", "within", "encloses"].contains(next.text.lowercased())
                                           && position + 1 < tokens.count && isBoolean(next) == nil) {
                let indexName = token.text.lowercased()
                guard let field = CQL.indexes[indexName] else {
                    throw Failure(16, "Unsupported index", details: token.text)
                }
                let relation = next.text.lowercased()
                position += 1
                guard let term = current, term.kind == .word || term.kind == .quoted else {
                    throw Failure(10, "Query syntax error", details: "a term is missing after '\(relation)'")
                }
                position += 1
                return try CQL.clause(field: field, relation: relation, term: term.text)
            }
            return try CQL.clause(field: .any, relation: "=", term: token.text)
        }
    }

    static func clause(field: SearchField, relation: String, term: String) throws(Failure) -> SearchQuery {
        if field == .isbn {
            return ISBN(term).map { .word($0.isbn13, .isbn) } ?? .word(TextAnalysis.words(term).joined(), .isbn)
        }
        let prefix = term.hasSuffix("*")
        let words = TextAnalysis.words(term)
        guard !words.isEmpty else { return .and([]) }
        switch relation {
        case "=", "adj", "==":
            if words.count == 1 { return prefix ? .prefix(words[0], field) : .word(words[0], field) }
            return .phrase(words, field)
        case "all":
            return .and(words.map { .word($0, field) })
        case "any":
            return .or(words.map { .word($0, field) })
        default:
            throw Failure(19, "Unsupported relation", details: relation)
        }
    }
}
