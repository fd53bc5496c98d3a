import Foundation

/// An International Standard Book Number, validated and normalised to its
/// 13-digit form. Accepts ISBN-10 and ISBN-13 with or without hyphens or
/// spaces, with an "ISBN" prefix, and with trailing qualifiers as found in
/// MARC 020 $a ("9789025452353 (gebonden)").
public struct ISBN: Hashable, Sendable, CustomStringConvertible {
    /// The 13 digits, no hyphens ("9789025452353").
    public let isbn13: String

    /// Parses and validates (check digit included); nil when not an ISBN.
    public init?(_ text: String) {
        guard let digits = ISBN.candidate(in: text) else { return nil }
        switch digits.count {
        case 10:
            guard ISBN.isValid10(digits) else { return nil }
            isbn13 = ISBN.to13(digits)
        case 13:
            guard digits.hasPrefix("978") || digits.hasPrefix("979"), ISBN.isValid13(digits) else { return nil }
            isbn13 = digits
        default:
            return nil
        }
    }

    /// The ISBN-10 form, for ISBNs starting with 978; nil otherwise.
    public var isbn10: String? {
        guard isbn13.hasPrefix("978") else { return nil }
        let body = String(isbn13.dropFirst(3).prefix(9))
        return body + ISBN.checkCharacter10(body)
    }

    public var description: String { isbn13 }

    /// True when `text` is a syntactically valid ISBN with a wrong check digit
    /// (so an error can say "check digit" rather than "not an ISBN").
    public static func hasWrongCheckDigit(_ text: String) -> Bool {
        guard let digits = candidate(in: text) else { return false }
        switch digits.count {
        case 10: return !isValid10(digits)
        case 13: return (digits.hasPrefix("978") || digits.hasPrefix("979")) && !isValid13(digits)
        default: return false
        }
    }

    // MARK: Parsing

    /// The leading ISBN-like run of characters: digits, hyphens, spaces and a
    /// final X, stopping at anything else ("(paperback)", ":", ";").
    static func candidate(in text: String) -> String? {
        var rest = Substring(text.trimmed)
        if rest.uppercased().hasPrefix("ISBN") {
            rest = rest.dropFirst(4)
            if rest.first == "-" { rest = rest.dropFirst() }
            if rest.hasPrefix("13") || rest.hasPrefix("10"), rest.dropFirst(2).first == ":" || rest.dropFirst(2).first == " " {
                rest = rest.dropFirst(2)
            }
            rest = rest.drop { $0 == ":" || $0 == " " }
        }
        var digits = ""
        for character in rest {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if character == "X" || character == "x" {
                digits.append("X")
                break
            } else if character == "-" || character == " " || character == "\u{2010}" || character == "\u{2011}" {
                if digits.count >= 13 { break }
                continue
            } else {
                break
            }
        }
        // An X is only allowed as the last character of an ISBN-10.
        if let x = digits.firstIndex(of: "X"), digits.distance(from: digits.startIndex, to: x) != 9 { return nil }
        return digits.isEmpty ? nil : digits
    }

    static func isValid10(_ digits: String) -> Bool {
        guard digits.count == 10 else { return false }
        var sum = 0
        for (index, character) in digits.enumerated() {
            let value: Int
            if character == "X" {
                guard index == 9 else { return false }
                value = 10
            } else {
                guard let digit = character.wholeNumberValue else { return false }
                value = digit
            }
            sum += value * (10 - index)
        }
        return sum % 11 == 0
    }

    static func isValid13(_ digits: String) -> Bool {
        guard digits.count == 13, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return checkDigit13(String(digits.prefix(12))) == digits.last!.wholeNumberValue!
    }

    static func checkDigit13(_ first12: String) -> Int {
        var sum = 0
        for (index, character) in first12.enumerated() {
            sum += character.wholeNumberValue! * (index % 2 == 0 ? 1 : 3)
        }
        return (10 - sum % 10) % 10
    }

    static func checkCharacter10(_ first9: String) -> String {
        var sum = 0
        for (index, character) in first9.enumerated() {
            sum += character.wholeNumberValue! * (10 - index)
        }
        let check = (11 - sum % 11) % 11
        return check == 10 ? "X" : String(check)
    }

    static func to13(_ isbn10: String) -> String {
        let body = "978" + isbn10.prefix(9)
        return body + String(checkDigit13(body))
    }
}

/// Coded as the 13-digit string.
extension ISBN: TextCoded {
    public init?(codedText: String) { self.init(codedText) }
    public var codedText: String { isbn13 }
    public static var textForm: String { "an ISBN (10 or 13 digits, with a valid check digit)" }
}
