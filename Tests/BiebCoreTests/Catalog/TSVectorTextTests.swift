import Testing
@testable import BiebCore

/// PostgreSQL's `tsvector` text form written from Bieb's terms. The
/// expected texts are what PostgreSQL 15 answers for
/// `setweight(to_tsvector('simple', …), 'A') || …` on the same words
/// (BiebStoreTests checks that against a real server, too).
@Suite struct TSVectorTextTests {
    @Test func positionsRunOnAcrossTheFieldsEachWithItsWeight() {
        let text = TSVectorText.vector(fields: [("de fiets van", "A"), ("jan", "B"), ("", "C"), ("fiets 9789 x", "D")])
        #expect(text == "'de':1A 'fiets':2A 'van':3A 'jan':4B 'fiets':5D '9789':6D 'x':7D")
    }

    @Test func aDocumentsFieldsInTheirOrder() {
        var document = SearchDocument(TitleRecord(title: "x"))
        (document.title, document.author, document.subject, document.other, document.identifiers) = ("oorlog", "mulisch", "verzet", "bezige bij", "9789023")
        #expect(TSVectorText.vector(document) == "'oorlog':1A 'mulisch':2B 'verzet':3C 'bezige':4D 'bij':5D '9789023':6D")
        #expect(TSVectorText.vector(SearchDocument(TitleRecord(title: ""))) == "")
    }

    @Test func postgresLimitsAreKeptAsToTsvectorKeepsThem() {
        // A word of 2,047 bytes or more is left out and takes no position.
        let long = String(repeating: "a", count: 2_047)
        #expect(TSVectorText.vector(fields: [("x \(long) y", "A")]) == "'x':1A 'y':2A")
        let longest = String(repeating: "b", count: 2_046)
        #expect(TSVectorText.vector(fields: [(longest, "A")]) == "'\(longest)':1A")
        // A lexeme at each of its positions (PostgreSQL merges them, keeps 256, counts those past 16,383 as 16,383).
        #expect(TSVectorText.vector(fields: [("la la", "A"), ("la", "B")]) == "'la':1A 'la':2A 'la':3B")
        #expect(TSVectorText.vector(fields: [("o'neill a\\b", "A")]) == "'o''neill':1A 'a\\\\b':2A")
    }

    @Test func lexemesAreQuotedAndCutAtACharacterBoundary() {
        #expect(TSVectorText.lexeme("o'neill") == "'o''neill'")
        #expect(TSVectorText.lexeme("a\\b") == "'a\\\\b'")
        #expect(TSVectorText.lexeme("fiets") == "'fiets'")
        // 1,000 characters of three bytes: cut to 682 characters (2,046 bytes), never inside one.
        let cut = TSVectorText.lexeme(String(repeating: "界", count: 1_000))
        #expect(cut == "'" + String(repeating: "界", count: 682) + "'")
    }
}
