import Foundation

/// Card numbers Bieb gives out itself (a member who joins online gets one
/// at once, before any plastic card exists): ten digits, the first `2`
/// (like the demo's and many Dutch libraries' member barcodes), eight at
/// random, and a Luhn check digit (ISO/IEC 7812-1), so a mistyped digit or
/// two swapped neighbours are caught before anything is looked up. Random,
/// not counted up: a card number says nothing about who joined when, and
/// the next member's number cannot be guessed from one's own.
public enum CardNumbers {
    public static let prefix = "2"
    public static let length = 10

    /// A new card number from `generator`.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var body = prefix
        for _ in 0..<(length - prefix.count - 1) { body.append(String(Int.random(in: 0...9, using: &generator))) }
        return body + String(luhnDigit(for: body))
    }

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// The check digit that makes `digits` + it pass the Luhn test.
    public static func luhnDigit(for digits: String) -> Int {
        // The digit to come is position 1 from the right: the digits before it double from their right, starting with the last.
        let sum = digits.reversed().enumerated().reduce(0) { total, item in
            let value = item.element.wholeNumberValue ?? 0
            guard item.offset % 2 == 0 else { return total + value }
            let doubled = value * 2
            return total + (doubled > 9 ? doubled - 9 : doubled)
        }
        return (10 - sum % 10) % 10
    }

    /// Whether `digits` (all digits, at least two) ends in its Luhn check digit.
    public static func passesLuhn(_ digits: String) -> Bool {
        guard digits.count >= 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let last = digits.last?.wholeNumberValue else { return false }
        return luhnDigit(for: String(digits.dropLast())) == last
    }
}
