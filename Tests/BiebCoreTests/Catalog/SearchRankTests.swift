import Testing
@testable import BiebCore

@Suite struct SearchRankTests {
    func key(_ match: SearchRank.Match, words: Int = 3, query: Int = 1, branches: Int = 1, digital: Bool = false,
             year: Int? = 2000, id: UInt32 = 1) -> UInt64 {
        SearchRank.key(match: match, titleWords: words, queryWords: query, branches: branches, digital: digital, year: year, id: id)
    }

    @Test func whereTheQueryMatchedComesFirst() {
        // A title match beats an author match beats a match elsewhere, whatever else they have.
        let elsewhere = key(.elsewhere, words: 1, branches: 200, year: 2026, id: 1)
        let author = key(.author, words: 40, branches: 0, year: nil, id: 9)
        let title = key(.title, words: 40, branches: 0, year: nil, id: 9)
        #expect(title < author)
        #expect(author < elsewhere)
    }

    @Test func aTitleThatIsTheQueryBeatsALongerOne() {
        #expect(SearchRank.closeness(titleWords: 1, queryWords: 1) == 0)
        #expect(SearchRank.closeness(titleWords: 2, queryWords: 1) == 0, "an article")
        #expect(SearchRank.closeness(titleWords: 4, queryWords: 1) == 1)
        #expect(SearchRank.closeness(titleWords: 5, queryWords: 1) == 1)
        #expect(SearchRank.closeness(titleWords: 6, queryWords: 1) == 2)
        #expect(SearchRank.closeness(titleWords: 6, queryWords: 3) == 1)
        #expect(SearchRank.closeness(titleWords: 0, queryWords: 0) == 0)
        #expect(key(.title, words: 1, branches: 0, year: 1900) < key(.title, words: 4, branches: 50, year: 2026))
        // Only title matches are told apart by the title's length.
        #expect(key(.author, words: 30, id: 1) < key(.author, words: 1, id: 2))
    }

    @Test func holdingsInDoublingStepsThenTheNewerYearThenTheEarlierTitle() {
        #expect(SearchRank.holdingStep(branches: 0, digital: false) == 8)
        #expect(SearchRank.holdingStep(branches: 0, digital: true) == 7, "a digital title counts as held once")
        #expect(SearchRank.holdingStep(branches: 1, digital: false) == 7)
        #expect(SearchRank.holdingStep(branches: 2, digital: false) == 6)
        #expect(SearchRank.holdingStep(branches: 3, digital: false) == 6)
        #expect(SearchRank.holdingStep(branches: 4, digital: false) == 5)
        #expect(SearchRank.holdingStep(branches: 127, digital: false) == 1)
        #expect(SearchRank.holdingStep(branches: 128, digital: false) == 0)
        #expect(SearchRank.holdingStep(branches: 5_000, digital: false) == 0)
        #expect(key(.title, branches: 4, year: 1950) < key(.title, branches: 3, year: 2026))
        #expect(key(.title, branches: 2, year: 2026) < key(.title, branches: 3, year: 2020), "same step: the newer year")
        #expect(key(.title, year: 2020) < key(.title, year: nil), "unknown years last")
        #expect(key(.title, year: 1) < key(.title, year: 0), "year 0 is unknown")
        #expect(key(.title, id: 7) < key(.title, id: 8))
    }

    @Test func theIdComesBackOutOfTheKey() {
        let id: UInt32 = 4_000_000_000
        #expect(SearchRank.id(of: key(.elsewhere, words: 63, query: 1, branches: 9_999, digital: true, year: 20_000, id: id)) == id)
        #expect(SearchRank.id(of: key(.title, year: -50, id: 0)) == 0)
    }

    @Test func twoCountingPassesGiveTheOrderOfTheKeys() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 17, 5_000] {
            // Keys in id order (as hits come from the index), with many ties in everything but the id.
            let keys = (0..<size).map { index in
                SearchRank.key(match: [.title, .author, .elsewhere][Int.random(in: 0...2, using: &generator)],
                               titleWords: Int.random(in: 0...12, using: &generator), queryWords: 1,
                               branches: Int.random(in: 0...300, using: &generator), digital: Bool.random(using: &generator),
                               year: [nil, 0, 1850, 1999, 2025, 9_999, 12_000].randomElement(using: &generator)!,
                               id: UInt32(index * 3))
            }
            #expect(SearchRank.idsInOrder(ofKeysInIDOrder: keys) == keys.sorted().map(SearchRank.id(of:)), "\(size) keys")
        }
    }

    @Test func titleWordsAreCountedFromTheSortableTitle() {
        for text in ["", "History", "A history of Rome", "auto's en d'Arc", "  many   spaces ", "1984: a novel",
                     "Café society", "Œuvres complètes — tome 2", "rock'n'roll", "'quoted'", "U.S.A.", "...", "Één dag"] {
            #expect(SortKey.wordCount(ofSortable: SortKey.text(text)) == TextAnalysis.words(text).count, "\(text)")
        }
    }
}
