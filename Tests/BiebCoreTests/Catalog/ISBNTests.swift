import Foundation
import Testing
@testable import BiebCore

@Suite struct ISBNTests {
    @Test func validatesAndNormalisesBothForms() {
        // ISBN-10 and ISBN-13 of the same book.
        #expect(ISBN("0-306-40615-2")?.isbn13 == "9780306406157")
        #expect(ISBN("978-0-306-40615-7")?.isbn13 == "9780306406157")
        #expect(ISBN("9780306406157")?.isbn10 == "0306406152")
        // X as check character.
        #expect(ISBN("0-8044-2957-X")?.isbn13 == "9780804429573")
        #expect(ISBN("080442957x")?.isbn10 == "080442957X")
        // 979 has no ISBN-10.
        #expect(ISBN("979-10-90636-07-1")?.isbn10 == nil)
        #expect(ISBN("979-10-90636-07-1")?.isbn13 == "9791090636071")
    }

    @Test func acceptsPrefixesAndMARCQualifiers() {
        #expect(ISBN("ISBN 978-90-254-5235-3")?.isbn13 == "9789025452353")
        #expect(ISBN("ISBN-13: 9789025452353")?.isbn13 == "9789025452353")
        #expect(ISBN("9789025452353 (gebonden)")?.isbn13 == "9789025452353")
        #expect(ISBN("0306406152 :")?.isbn13 == "9780306406157")
        #expect(ISBN("  0 306 40615 2  ")?.isbn13 == "9780306406157")
        // The prefix in any case, with its form; typographic hyphens (U+2010, U+2011); a no-break space around it.
        #expect(ISBN("isbn-10: 0-306-40615-2")?.isbn13 == "9780306406157")
        #expect(ISBN("Isbn:9789025452353")?.isbn13 == "9789025452353")
        #expect(ISBN("978\u{2010}90\u{2011}254\u{2010}5235\u{2010}3")?.isbn13 == "9789025452353")
        #expect(ISBN("\u{00A0}9789025452353\u{00A0}")?.isbn13 == "9789025452353")
        // Digits after the thirteenth are not read on past a separator; an X ends the number.
        #expect(ISBN("9789025452353-1")?.isbn13 == "9789025452353")
        #expect(ISBN("030640615X2") == nil)
        #expect(ISBN("03064061X") == nil)
    }

    @Test func rejectsWrongCheckDigitsAndNonsense() {
        #expect(ISBN("0-306-40615-3") == nil)
        #expect(ISBN.hasWrongCheckDigit("0-306-40615-3"))
        #expect(ISBN("978-0-306-40615-8") == nil)
        #expect(ISBN.hasWrongCheckDigit("9780306406158"))
        #expect(ISBN("977-0-306-40615-7") == nil) // not a Bookland prefix
        #expect(ISBN("X306406152") == nil)
        #expect(ISBN("12345") == nil)
        #expect(ISBN("") == nil)
        #expect(!ISBN.hasWrongCheckDigit("hello"))
    }

    @Test func codableAsThirteenDigits() throws {
        let data = try JSONEncoder().encode([ISBN("0306406152")!])
        #expect(String(decoding: data, as: UTF8.self) == #"["9780306406157"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ISBN].self, from: Data(#"["0306406153"]"#.utf8)) }
    }
}
