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
            guard ISBN.hasPrefix978or979(digits), ISBN.isValid13(digits) else { return nil }
            isbn13 = String(decoding: digits, as: UTF8.self)
        default:
            return nil
        }
    }

    /// The ISBN-10 form, for ISBNs starting with 978; nil otherwise.
    public var isbn10: String? {
        let digits = Array(isbn13.utf8)
        guard digits.starts(with: [0x39, 0x37, 0x38]) else { return nil }
        var body = Array(digits[3..<12])
        body.append(ISBN.checkCharacter10(body))
        return String(decoding: body, as: UTF8.self)
    }

    public var description: String { isbn13 }

    /// True when `text` is a syntactically valid ISBN with a wrong check digit
    /// (so an error can say "check digit" rather than "not an ISBN").
    public static func hasWrongCheckDigit(_ text: String) -> Bool {
        guard let digits = candidate(in: text) else { return false }
        switch digits.count {
        case 10: return !isValid10(digits)
        case 13: return hasPrefix978or979(digits) && !isValid13(digits)
        default: return false
        }
    }

    // MARK: Parsing (on UTF-8 bytes: it runs for every 020 of every imported record)

    static let zero: UInt8 = 0x30, nine: UInt8 = 0x39, upperX: UInt8 = 0x58

    /// The leading ISBN-like run of characters as ASCII digits and a final
    /// X: digits, hyphens (also U+2010 and U+2011), spaces and a final X,
    /// stopping at anything else ("(paperback)", ":", ";"); an "ISBN",
    /// "ISBN-13:" or "ISBN 10" prefix in any case is skipped.
    static func candidate(in text: String) -> [UInt8]? {
        let bytes = Array(text.trimmed.utf8)
        var index = 0
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        if bytes.count >= 4, zip(bytes[0..<4], "isbn".utf8).allSatisfy({ $0 | 0x20 == $1 }) {
            index = 4
            if at(0) == 0x2D { index += 1 }                                   // "-"
            if (at(0) == 0x31 && (at(1) == 0x33 || at(1) == 0x30)), at(2) == 0x3A || at(2) == 0x20 { index += 2 } // "13" / "10"
            while let byte = at(0), byte == 0x3A || byte == 0x20 { index += 1 }
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(13)
        while let byte = at(0) {
            if byte >= zero && byte <= nine {
                digits.append(byte)
                index += 1
            } else if byte == upperX || byte == 0x78 {
                digits.append(upperX)
                break
            } else if byte == 0x2D || byte == 0x20 {
                if digits.count >= 13 { break }
                index += 1
            } else if byte == 0xE2, at(1) == 0x80, at(2) == 0x90 || at(2) == 0x91 { // U+2010, U+2011
                if digits.count >= 13 { break }
                index += 3
            } else {
                break
            }
        }
        // An X is only allowed as the last character of an ISBN-10.
        if digits.last == upperX, digits.count != 10 { return nil }
        return digits.isEmpty ? nil : digits
    }

    static func hasPrefix978or979(_ digits: [UInt8]) -> Bool {
        digits.count >= 3 && digits[0] == 0x39 && digits[1] == 0x37 && (digits[2] == 0x38 || digits[2] == 0x39)
    }

    static func isValid10(_ digits: [UInt8]) -> Bool {
        guard digits.count == 10 else { return false }
        var sum = 0
        for (index, byte) in digits.enumerated() {
            let value: Int
            if byte == upperX {
                guard index == 9 else { return false }
                value = 10
            } else {
                guard byte >= zero && byte <= nine else { return false }
                value = Int(byte - zero)
            }
            sum += value * (10 - index)
        }
        return sum % 11 == 0
    }

    static func isValid13(_ digits: [UInt8]) -> Bool {
        guard digits.count == 13, digits.allSatisfy({ $0 >= zero && $0 <= nine }) else { return false }
        return checkDigit13(digits[0..<12]) == Int(digits[12] - zero)
    }

    static func checkDigit13(_ first12: ArraySlice<UInt8>) -> Int {
        var sum = 0
        for (index, byte) in first12.enumerated() {
            sum += Int(byte - zero) * (index % 2 == 0 ? 1 : 3)
        }
        return (10 - sum % 10) % 10
    }

    /// The check character of an ISBN-10 from its first nine digits, as an ASCII byte.
    static func checkCharacter10(_ first9: [UInt8]) -> UInt8 {
        var sum = 0
        for (index, byte) in first9.enumerated() {
            sum += Int(byte - zero) * (10 - index)
        }
        let check = (11 - sum % 11) % 11
        return check == 10 ? upperX : zero + UInt8(check)
    }

    static func to13(_ isbn10: [UInt8]) -> String {
        var body: [UInt8] = [0x39, 0x37, 0x38] + isbn10[0..<9]
        body.append(zero + UInt8(checkDigit13(body[0..<12])))
        return String(decoding: body, as: UTF8.self)
    }
}

/// Coded as the 13-digit string.
extension ISBN: TextCoded {
    public init?(codedText: String) { self.init(codedText) }
    public var codedText: String { isbn13 }
    public static var textForm: String { "an ISBN (10 or 13 digits, with a valid check digit)" }
}
