import Foundation
import Testing
@testable import BiebCore

/// Pairs "word<TAB>stem" from the Snowball project's test vocabularies.
func stemVectors(_ name: String) throws -> [(String, String)] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/stemming/\(name)", withExtension: "txt"))
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }
}

@Suite struct StemmingTests {
    @Test func dutchStemmerMatchesSnowballsVocabulary() throws {
        let vectors = try stemVectors("dutch")
        #expect(vectors.count > 2_000)
        let wrong = vectors.filter { DutchStemmer.stem($0.0) != $0.1 }
        #expect(wrong.isEmpty, "\(wrong.count) differ, e.g. \(wrong.prefix(10).map { "\($0.0)→\(DutchStemmer.stem($0.0)) (want \($0.1))" })")
    }

    @Test func englishStemmerMatchesSnowballsVocabulary() throws {
        let vectors = try stemVectors("english")
        #expect(vectors.count > 4_000)
        let wrong = vectors.filter { EnglishStemmer.stem($0.0) != $0.1 }
        #expect(wrong.isEmpty, "\(wrong.count) differ, e.g. \(wrong.prefix(10).map { "\($0.0)→\(EnglishStemmer.stem($0.0)) (want \($0.1))" })")
    }

    @Test func dutchRegionsAreFoundBeforeR1IsMovedToThree() {
        // Checked against Snowball's own implementation (snowballstemmer 3.1.1, dutch_porter).
        let expected = ["opening": "open", "ademing": "adem", "afleiding": "afleid", "eten": "eten",
                        "uiteindelijk": "uiteind", "abetting": "abet", "kinderen": "kinder", "boeken": "boek"]
        for (word, stem) in expected { #expect(DutchStemmer.stem(word) == stem, "\(word)") }
    }

    @Test func languagesByTheirMARCCodes() {
        for code in ["dut", "NLD", "fry", "vls"] { #expect(StemLanguage(marcCode: code) == .dutch, "\(code)") }
        #expect(StemLanguage(marcCode: "eng") == .english)
        #expect(StemLanguage(marcCode: "ger") == nil && StemLanguage(marcCode: nil) == nil)
        #expect(StemLanguage.dutch.marcCodes == ["dut", "nld", "fry", "vls"])
    }

    @Test func theExamplesSearchPromises() {
        // "fietsen" stems to the word "fiets" (whose own stem is "fiet"): search
        // indexes words and stems, so either form finds the other.
        #expect(DutchStemmer.stem("fietsen") == "fiets")
        #expect(DutchStemmer.stem("fiets") == "fiet")
        #expect(DutchStemmer.stem("bibliotheken") == DutchStemmer.stem("bibliotheek"))
        #expect(EnglishStemmer.stem("libraries") == EnglishStemmer.stem("library"))
        #expect(EnglishStemmer.stem("running") == "run")
        #expect(EnglishStemmer.stem("generously") == "generous")
    }

    @Test func foldingAndWords() {
        #expect(TextAnalysis.fold("Één Café in Zürich") == "een cafe in zurich")
        #expect(TextAnalysis.fold("Ærøskøbing Łódź Straße") == "aeroskobing lodz strasse")
        #expect(TextAnalysis.words("De auto's van Jan-Willem (1999)") == ["de", "autos", "van", "jan", "willem", "1999"])
        #expect(TextAnalysis.words("  ") == [])
        // ASCII is lower-cased on the way; anything else is folded first.
        #expect(TextAnalysis.words("HISTORY of the U.S.A.") == ["history", "of", "the", "u", "s", "a"])
        #expect(TextAnalysis.words("Ça VA, Ærø") == ["ca", "va", "aero"])
        #expect(TextAnalysis.terms("De fietsen", language: .dutch) == ["de", "fiets"])
        #expect(TextAnalysis.terms("Public libraries", language: .english) == ["public", "librari"])
        #expect(TextAnalysis.terms("Café", language: nil) == ["cafe"])
        #expect(StemLanguage(marcCode: "dut") == .dutch)
        #expect(StemLanguage(marcCode: "fre") == nil)
    }
}
