import Testing
import BiebCore

@Suite("Collection segments") struct CollectionSegmentTests {
    /// Every edge of the NUR ranges, for a book without an audience.
    @Test(arguments: [
        (1, CollectionSegment.adultNonFiction), (199, .adultNonFiction),
        (200, .youthNonFiction), (210, .youthNonFiction), (269, .youthNonFiction),
        (270, .youthFiction), (280, .youthFiction), (299, .youthFiction),
        (300, .adultFiction), (301, .adultFiction), (319, .adultFiction),
        (320, .adultNonFiction), (329, .adultNonFiction),
        (330, .adultFiction), (360, .adultFiction), (399, .adultFiction),
        (400, .adultNonFiction), (740, .adultNonFiction), (999, .adultNonFiction),
    ])
    func nurRangeEdges(nur: Int, segment: CollectionSegment) {
        #expect(CollectionSegment.of(format: .book, audience: nil, nur: nur) == segment)
        // An explicit adult audience changes nothing, not even in the 200s: the publisher's code makes it youth.
        #expect(CollectionSegment.of(format: .book, audience: .adult, nur: nur) == segment)
    }

    /// A youth audience makes a title youth; the NUR code still decides fiction or not.
    @Test(arguments: [Audience.preschool, .children, .youngAdult])
    func youthAudience(audience: Audience) {
        #expect(CollectionSegment.of(format: .book, audience: audience, nur: 301) == .youthFiction)
        #expect(CollectionSegment.of(format: .book, audience: audience, nur: 320) == .youthNonFiction)
        #expect(CollectionSegment.of(format: .book, audience: audience, nur: 500) == .youthNonFiction)
        #expect(CollectionSegment.of(format: .book, audience: audience, nur: 250) == .youthNonFiction)
        #expect(CollectionSegment.of(format: .book, audience: audience, nur: 282) == .youthFiction)
        #expect(CollectionSegment.of(format: .book, audience: audience, nur: nil) == .youthFiction)
    }

    /// Sheet music and audiovisual material are segments of their own, whatever the audience or code.
    @Test func otherMedia() {
        for audience in [nil] + Audience.allCases.map(Optional.some) {
            for nur in [nil, 280, 301, 500] {
                #expect(CollectionSegment.of(format: .sheetMusic, audience: audience, nur: nur) == .sheetMusic)
                #expect(CollectionSegment.of(format: .dvd, audience: audience, nur: nur) == .audiovisual)
                #expect(CollectionSegment.of(format: .music, audience: audience, nur: nur) == .audiovisual)
                #expect(CollectionSegment.of(format: .game, audience: audience, nur: nur) == .audiovisual)
            }
        }
    }

    /// Without a NUR code: fiction for the book-like formats, non-fiction for magazines and databases.
    @Test func withoutNUR() {
        for format in [MaterialFormat.book, .largePrint, .audiobook, .ebook, .other] {
            #expect(CollectionSegment.of(format: format, audience: nil, nur: nil) == .adultFiction)
            #expect(CollectionSegment.of(format: format, audience: .children, nur: nil) == .youthFiction)
        }
        for format in [MaterialFormat.magazine, .database] {
            #expect(CollectionSegment.of(format: format, audience: nil, nur: nil) == .adultNonFiction)
            #expect(CollectionSegment.of(format: format, audience: .youngAdult, nur: nil) == .youthNonFiction)
        }
    }

    /// Audiobooks and e-books count by their content, like printed books.
    @Test func audiobooksAndEbooksByContent() {
        #expect(CollectionSegment.of(format: .audiobook, audience: nil, nur: 331) == .adultFiction)
        #expect(CollectionSegment.of(format: .audiobook, audience: nil, nur: 287) == .youthFiction)
        #expect(CollectionSegment.of(format: .ebook, audience: nil, nur: 600) == .adultNonFiction)
        #expect(CollectionSegment.of(format: .magazine, audience: nil, nur: 360) == .adultFiction)
    }

    /// The format as stored ("sheet_music"); an unknown one counts as other.
    @Test func formatCodes() {
        #expect(CollectionSegment.of(formatCode: "sheet_music", audience: nil, nur: nil) == .sheetMusic)
        #expect(CollectionSegment.of(formatCode: "large_print", audience: nil, nur: 500) == .adultNonFiction)
        #expect(CollectionSegment.of(formatCode: "dvd", audience: .children, nur: nil) == .audiovisual)
        #expect(CollectionSegment.of(formatCode: "vinyl", audience: nil, nur: nil) == .adultFiction)
        #expect(CollectionSegment.of(formatCode: "vinyl", audience: nil, nur: 270) == .youthFiction)
    }

    @Test func namesAndYouth() {
        #expect(CollectionSegment.allCases.filter(\.isYouth) == [.youthFiction, .youthNonFiction])
        #expect(CollectionSegment.youthNonFiction.name() == "Jeugd non-fictie")
        #expect(CollectionSegment.sheetMusic.name(english: true) == "Sheet music")
        #expect(Set(CollectionSegment.allCases.map { $0.name() }).count == 6)
        #expect(CollectionSegment.adultNonFiction.rawValue == "adult_non_fiction")
    }

    @Test func rulesHelpers() {
        #expect(CollectionSegment.isYouth(audience: nil, nur: 299))
        #expect(!CollectionSegment.isYouth(audience: nil, nur: 300))
        #expect(!CollectionSegment.isYouth(audience: nil, nur: nil))
        #expect(CollectionSegment.isYouth(audience: .preschool, nur: nil))
        #expect(CollectionSegment.isFiction(nur: 330, format: .book))
        #expect(!CollectionSegment.isFiction(nur: 325, format: .book))
    }
}
