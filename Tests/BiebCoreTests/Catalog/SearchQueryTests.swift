import Foundation
import Testing
@testable import BiebCore

@Suite struct SearchQueryTests {
    @Test func parsesWordsPhrasesPrefixesAndFields() throws {
        #expect(try SearchQuery.parse("fietsen") == .word("fietsen", .any))
        #expect(try SearchQuery.parse("Café  Één") == .and([.word("cafe", .any), .word("een", .any)]))
        #expect(try SearchQuery.parse("\"De Avonden\"") == .phrase(["de", "avonden"], .any))
        #expect(try SearchQuery.parse("bibliot*") == .prefix("bibliot", .any))
        #expect(try SearchQuery.parse("title:avonden author:reve") == .and([.word("avonden", .title), .word("reve", .author)]))
        #expect(try SearchQuery.parse("titel:\"de avonden\"") == .phrase(["de", "avonden"], .title))
        #expect(try SearchQuery.parse("onderwerp:(oorlog OF verzet)") == .or([.word("oorlog", .subject), .word("verzet", .subject)]))
        #expect(try SearchQuery.parse("isbn:90-254-5235-3") == .word("9789025452353", .isbn))
        #expect(try SearchQuery.parse("isbn:\"978 90 254 5235 3\"") == .word("9789025452353", .isbn))
        #expect(try SearchQuery.parse("jan-willem") == .phrase(["jan", "willem"], .any))
    }

    @Test func booleanOperatorsInEnglishAndDutch() throws {
        #expect(try SearchQuery.parse("a OR b") == .or([.word("a", .any), .word("b", .any)]))
        #expect(try SearchQuery.parse("a OF b") == .or([.word("a", .any), .word("b", .any)]))
        #expect(try SearchQuery.parse("a AND b") == .and([.word("a", .any), .word("b", .any)]))
        #expect(try SearchQuery.parse("a EN b NIET c") == .and([.word("a", .any), .word("b", .any), .not(.word("c", .any))]))
        #expect(try SearchQuery.parse("oorlog -roman") == .and([.word("oorlog", .any), .not(.word("roman", .any))]))
        #expect(try SearchQuery.parse("(a OR b) c") == .and([.or([.word("a", .any), .word("b", .any)]), .word("c", .any)]))
        // A hyphen inside a word is not an exclusion.
        #expect(try SearchQuery.parse("noord-holland") == .phrase(["noord", "holland"], .any))
        // Lower-case "or" is just a word.
        #expect(try SearchQuery.parse("war or peace") == .and([.word("war", .any), .word("or", .any), .word("peace", .any)]))
    }

    @Test func badSearchesNameTheProblem() {
        for (text, code) in [("", "empty_query"), ("   ", "empty_query"), ("\"open", "invalid_query"), ("(a OR b", "invalid_query"),
                             ("a)", "invalid_query"), ("NOT a", "only_negative_query"), ("-a", "only_negative_query"), ("!!!", "empty_query")] {
            do {
                _ = try SearchQuery.parse(text)
                Issue.record("'\(text)' should be refused")
            } catch {
                #expect(error.code == code, "'\(text)': \(error.code)")
                #expect(error.field == "q")
            }
        }
    }

    @Test func expansionsCoverBothLanguagesAndStemsOfStems() {
        let fietsen = SearchTerms.expansions(of: "fietsen")
        #expect(fietsen.contains("fietsen"))
        #expect(fietsen.contains("fiets"))
        #expect(fietsen.contains("fiet"))   // matches a record that says "fiets"
        #expect(SearchTerms.expansions(of: "libraries").contains("librari"))
    }

    @Test func compilesToFTS5() throws {
        let match = QueryCompiler.fts5(try SearchQuery.parse("author:reve \"de avonden\" -film"))
        #expect(match.contains("{author} : \"reve\""))
        #expect(match.contains("{title subject other} : (\"de avonden\""))
        #expect(match.contains(" NOT "))
        #expect(QueryCompiler.fts5(try SearchQuery.parse("bibliot*")) == "{title subject other author ids} : \"bibliot\" *")
    }

    @Test func compilesToTsquery() throws {
        let query = QueryCompiler.tsquery(try SearchQuery.parse("title:fietsen OR isbn:0306406152"))
        #expect(query.contains("'fiets':A"))
        #expect(query.contains("'9780306406157':D"))
        #expect(query.contains(" | "))
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("a -b")) == "(('a':ACD | 'a':BD) & !('b':ACD | 'b':BD))")
        // Quotes in terms cannot break out (terms are folded words, but be safe anyway).
        #expect(QueryCompiler.lexeme("o'neill") == "'o''neill'")
    }
}
