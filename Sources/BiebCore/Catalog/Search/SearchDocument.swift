import Foundation

/// What the search engines index for a title, as space-separated terms, the
/// same for SQLite FTS5 and PostgreSQL. Title, subjects and other text are
/// indexed as stems in the title's language (other languages: the folded
/// words); names and identifiers as folded words. Queries expand each word to
/// the word and its Dutch and English stems (see `SearchTerms`), so
/// "fietsen" finds "fiets" and "libraries" finds "library". In Dutch titles,
/// subjects and other text, the parts of compound words follow at the end of
/// their field (`DutchCompounds`): "Tweede Wereldoorlog" is indexed as
/// "tweed wereldoorlog wereld oorlog", so "oorlog" finds it; phrases within
/// the text stay as they were.
public struct SearchDocument: Hashable, Sendable {
    public var title: String
    public var author: String
    public var subject: String
    public var other: String
    /// ISBN-13 and ISBN-10 forms, and the control number.
    public var identifiers: String

    /// `compounds` splits Dutch compound words; without it they are indexed whole only.
    public init(_ record: TitleRecord, cache: StemCache? = nil, compounds: DutchCompounds? = nil) {
        let language = StemLanguage(marcCode: record.language)
        func stems(_ parts: [String?]) -> String {
            let words = parts.compactMap { $0 }.flatMap(TextAnalysis.words)
            guard let language else { return words.joined(separator: " ") }
            func stem(_ word: String) -> String { cache?.stem(word, language) ?? language.stem(word) }
            var terms = words.map(stem)
            if language == .dutch, let compounds {
                var added = Set(terms)
                for word in words {
                    for part in cache?.parts(of: word, compounds) ?? compounds.parts(of: word) {
                        let term = stem(part)
                        if added.insert(term).inserted { terms.append(term) }
                    }
                }
            }
            return terms.joined(separator: " ")
        }
        title = stems([record.title, record.subtitle, record.series])
        author = (record.contributors.map(\.name) + [record.responsibility].compactMap { $0 })
            .flatMap(TextAnalysis.words).joined(separator: " ")
        subject = stems(record.subjects)
        other = stems([record.summary, record.publisher, record.edition, record.seriesNumber])
        var ids = record.isbns.flatMap { [$0.isbn13, $0.isbn10].compactMap { $0 } }
        if let number = record.controlNumber { ids.append(contentsOf: TextAnalysis.words(number)) }
        identifiers = ids.joined(separator: " ")
    }
}

/// How a query word becomes the terms it matches: the folded word, its
/// Dutch and English stems, and the stems of those stems (a stem like
/// "fiets" from "fietsen" is itself stemmed to "fiet" when a record says
/// "fiets").
public enum SearchTerms {
    public static func expansions(of word: String) -> [String] {
        var terms = [word]
        for language in StemLanguage.allCases {
            let once = language.stem(word)
            for term in [once, language.stem(once)] where !terms.contains(term) { terms.append(term) }
        }
        return terms
    }
}
