import Testing
import BiebCore

@Suite("Card numbers") struct CardNumbersTests {
    /// The Luhn algorithm's own worked example (ISO/IEC 7812-1, as in its usual descriptions): 7992739871 takes check digit 3.
    @Test func luhnOnItsStandardExample() {
        #expect(CardNumbers.luhnDigit(for: "7992739871") == 3)
        #expect(CardNumbers.passesLuhn("79927398713"))
        for wrong in ["79927398710", "79927398711", "79927398712", "79927398714", "79927398719"] { #expect(!CardNumbers.passesLuhn(wrong)) }
        // Test card numbers the payment schemes publish pass as well.
        #expect(CardNumbers.passesLuhn("4111111111111111"))
        #expect(CardNumbers.passesLuhn("5555555555554444"))
        #expect(!CardNumbers.passesLuhn("4111111111111112"))
        #expect(!CardNumbers.passesLuhn("12a4"))
        #expect(!CardNumbers.passesLuhn("7"))
    }

    @Test func newNumbersAreTenDigitsFromTwoWithACheckDigit() {
        var seen: Set<String> = []
        for _ in 0..<500 {
            let number = CardNumbers.generate()
            #expect(number.count == 10)
            #expect(number.hasPrefix("2"))
            #expect(number.allSatisfy { $0.isNumber })
            #expect(CardNumbers.passesLuhn(number))
            // A card number the desk accepts.
            #expect((try? Membership.cardBarcode(number)) == number)
            seen.insert(number)
        }
        // Random, not counted: 500 draws from 10^8 almost never repeat.
        #expect(seen.count >= 499)
    }

    @Test func oneMistypedDigitOrTwoSwappedNeighboursAreCaught() {
        let number = "2345678904"
        #expect(CardNumbers.passesLuhn(number))
        let digits = Array(number)
        for position in 0..<digits.count {
            for replacement in "0123456789" where replacement != digits[position] {
                var typo = digits
                typo[position] = replacement
                #expect(!CardNumbers.passesLuhn(String(typo)), "\(String(typo))")
            }
        }
        for position in 0..<(digits.count - 1) where digits[position] != digits[position + 1] && Set([digits[position], digits[position + 1]]) != ["0", "9"] {
            var swapped = digits
            swapped.swapAt(position, position + 1)
            // Luhn misses only 09 ↔ 90 (left out above).
            #expect(!CardNumbers.passesLuhn(String(swapped)), "\(String(swapped))")
        }
    }
}
