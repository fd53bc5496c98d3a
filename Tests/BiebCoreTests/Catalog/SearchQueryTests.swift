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
        // Within the title or the author only (FTS5's column filter around the whole query).
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("a -b"), within: "A") == "(('a':A) & !('b':A))")
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("a -b"), within: "B") == "(('a':B) & !('b':B))")
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("author:reve avonden"), within: "A") == "('-' & ('avonden':A | 'avond':A))")
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("subject:oorlog OR \"de avonden\""), within: "B") == "('-' | (('de':B <-> 'avonden':B)))")
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("bibliot*"), within: "A") == "'bibliot':*A")
        #expect(QueryCompiler.tsquery(try SearchQuery.parse("isbn:9789025452353"), within: "A") == "'-'")
        // Quotes in terms cannot break out (terms are folded words, but be safe anyway).
        #expect(QueryCompiler.lexeme("o'neill") == "'o''neill'")
    }
}

/// Found from outside (issue 16): a query nested thousands of levels deep
/// overflowed the parser's stack and killed the server, and some accepted
/// queries compiled to FTS5 that SQLite refused. The limits are checked
/// before recursing; what the parser accepts is expressible in both engines.
@Suite struct SearchQueryLimitTests {
    func code(_ text: String) -> String? {
        do {
            _ = try SearchQuery.parse(text)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func nestingBeyondTheLimitIsRefusedNotOverflowed() {
        let twice = SearchQuery.maximumDepth * 2
        #expect(code(String(repeating: "(", count: twice) + "a" + String(repeating: ")", count: twice)) == "query_too_deep")
        #expect(code(String(repeating: "-(", count: twice) + "a" + String(repeating: ")", count: twice)) == "query_too_deep")
        #expect(code("b " + String(repeating: "NOT ", count: twice) + "a") == "query_too_deep")
        #expect(code(String(repeating: "title:", count: twice) + "a") == "query_too_deep")
        // At the limit it is still a search.
        let limit = SearchQuery.maximumDepth
        #expect(code(String(repeating: "(", count: limit) + "a" + String(repeating: ")", count: limit)) == nil)
        // The attack itself: 9,000 levels are refused for their length before anything is parsed.
        #expect(code(String(repeating: "(", count: 9_000) + "a" + String(repeating: ")", count: 9_000)) == "query_too_long")
        // Deep but short: refused for the depth, whatever the length.
        #expect(code(String(repeating: "(", count: 400) + "a" + String(repeating: ")", count: 400)) == "query_too_deep")
    }

    @Test func tooManyWordsAreRefused() {
        let many = (0...SearchQuery.maximumTerms).map { "w\($0)" }.joined(separator: " ")
        #expect(code(many) == "query_too_many_terms")
        #expect(code((1...SearchQuery.maximumTerms).map { "w\($0)" }.joined(separator: " ")) == nil)
    }

    @Test func doubleExclusionKeepsTheWord() throws {
        let aAndB = SearchQuery.and([.word("a", .any), .word("b", .any)])
        for text in ["a NOT NOT b", "a --b", "a -(-b)", "a NOT -b", "a NIET NIET b"] {
            #expect(try SearchQuery.parse(text) == aAndB, "\(text)")
        }
    }

    @Test func groupsTheEnginesCannotSayAreRefusedWithTheReason() {
        for text in ["a (b OR -c)", "a -(-b -c)", "a (b OR NOT c)", "x (NOT a OR NOT b)"] {
            #expect(code(text) == "unsupported_exclusion", "\(text)")
        }
        // What they can say stays allowed.
        #expect(code("a -(b -c)") == nil)
        #expect(code("(a -b) OR c") == nil)
    }

    @Test func cqlHasTheSameLimits() {
        func failure(_ text: String) -> CQL.Failure? {
            do { _ = try CQL.parse(text); return nil } catch { return error }
        }
        let twice = SearchQuery.maximumDepth * 2
        #expect(failure(String(repeating: "(", count: twice) + "a" + String(repeating: ")", count: twice))?.details?.contains("nested") == true)
        #expect(failure((0...SearchQuery.maximumTerms).map { "w\($0)" }.joined(separator: " and "))?.details?.contains("terms") == true)
        #expect(failure(String(repeating: "a and ", count: 5_000) + "b") != nil)
        #expect(failure("a not (b not c)") == nil)
        #expect(failure("a or (b not c)") == nil)
    }
}
