import Foundation

/// The 3M Standard Interchange Protocol 2.00 (SIP2) as kiosks, return
/// sorters and door controllers speak it: one ASCII message per line, a
/// two-digit command, fixed-width fields, then variable fields `XXvalue|`,
/// optionally closed by a sequence number and checksum (`AY<n>AZ<hhhh>`).
public enum SIP2 {
    /// The longest message the server reads; longer lines are refused.
    public static let maximumLineLength = 4_096
    /// The longest value written into a variable field.
    public static let maximumFieldLength = 255

    /// The commands the server answers (request → response).
    public enum Command: String, CaseIterable, Sendable {
        case login = "93"
        case status = "99"
        case patronInformation = "63"
        case patronStatus = "23"
        case checkout = "11"
        case checkin = "09"
        case renew = "29"
        case renewAll = "65"
        case itemInformation = "17"
        case hold = "15"
        case feePaid = "37"
        case endSession = "35"
        case resend = "97"
        case requestResend = "96"

        /// Width of the request's fixed part, after the command.
        public var fixedLength: Int {
            switch self {
            case .login: 2                  // UID algorithm, PWD algorithm
            case .status: 8                 // status code, max print width, protocol version
            case .patronInformation: 31     // language, date, summary
            case .patronStatus: 21          // language, date
            case .checkout, .renew: 38      // 2 flags, date, nb due date
            case .checkin: 37               // no block, date, return date
            case .renewAll, .itemInformation, .endSession: 18
            case .hold: 19                  // mode, date
            case .feePaid: 25               // date, fee type, payment type, currency
            case .resend, .requestResend: 0
            }
        }

        /// The code of the answer.
        public var response: String {
            switch self {
            case .login: "94"
            case .status: "98"
            case .patronInformation: "64"
            case .patronStatus: "24"
            case .checkout: "12"
            case .checkin: "10"
            case .renew: "30"
            case .renewAll: "66"
            case .itemInformation: "18"
            case .hold: "16"
            case .feePaid: "38"
            case .endSession: "36"
            case .resend, .requestResend: "96"
            }
        }
    }

    /// Why a line is not a message the server can act on.
    public enum ParseError: Error, Equatable, Sendable {
        /// The checksum does not match: the answer is 96 (please resend).
        case badChecksum
        /// Not a command this server knows.
        case unknownCommand(String)
        /// The fixed part is shorter than the command's layout.
        case truncated(command: String, expected: Int, got: Int)
        /// Bytes outside printable ASCII (other than the field separator).
        case notASCII
        case empty
    }

    /// The 16-bit two's complement of the sum of the bytes, as four upper-case hex digits.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var sum: UInt16 = 0
        for byte in bytes { sum = sum &+ UInt16(byte) }
        let value = (~sum) &+ 1
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// The 18-character date `YYYYMMDDZZZZHHMMSS` in local time (zone blank).
    public static func date(_ instant: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "    " + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2)
    }

    /// Reads an 18-character SIP2 date; a `Z` (or `UTC`) zone means UTC,
    /// a blank zone local time. Nil for blanks or nonsense.
    public static func parseDate(_ text: String, in timeZone: TimeZone) -> Date? {
        let chars = Array(text)
        guard chars.count == 18 else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(chars[range])) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(12..<14), let minute = number(14..<16), let second = number(16..<18),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let zone = String(chars[8..<12]).trimmingCharacters(in: .whitespaces)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = (zone == "Z" || zone == "UTC" || zone == "GMT") ? TimeZone(identifier: "UTC")! : timeZone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day else { return nil }
        return date
    }

    /// A SIP2 flag: `Y` or `N`.
    public static func flag(_ value: Bool) -> String { value ? "Y" : "N" }

    /// A count in four digits (9999 at most).
    public static func count(_ value: Int) -> String {
        let text = String(min(max(value, 0), 9999))
        return String(repeating: "0", count: 4 - text.count) + text
    }

    /// An amount in cents as SIP2 writes money: "2.50".
    public static func amount(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        let rest = value % 100
        return "\(sign)\(value / 100).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// Reads an amount ("2.50", "2,50", "2") into cents; nil when it is not one.
    public static func cents(_ text: String) -> Int? {
        let value = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0].isEmpty ? "0" : parts[0]), whole < 1_000_000 else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard digits.count <= 2, let number = Int(digits.isEmpty ? "0" : digits) else { return nil }
            fraction = digits.count == 1 ? number * 10 : number
        }
        return whole * 100 + fraction
    }

    /// The SIP2 language code ("001" English, "005" Dutch); nil for unknown.
    public static func isDutch(languageCode: String) -> Bool? {
        switch languageCode {
        case "005": true
        case "001": false
        default: nil
        }
    }
}

/// A request as received: command, fixed part and variable fields.
public struct SIP2Request: Sendable, Equatable {
    public let command: SIP2.Command
    /// The fixed-width part after the command, exactly `command.fixedLength` characters.
    public let fixed: String
    /// Variable fields in order of arrival (a code may repeat).
    public let fields: [Field]
    /// The sequence number (`AY`), when the client sent one.
    public let sequence: Int?

    public struct Field: Sendable, Equatable {
        public let code: String
        public let value: String
    }

    /// The first value of a field, when sent (and not blank).
    public func field(_ code: String) -> String? {
        fields.first { $0.code == code }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Characters of the fixed part (offsets after the command).
    public func fixed(_ offset: Int, _ length: Int) -> String {
        let chars = Array(fixed)
        guard offset < chars.count else { return "" }
        return String(chars[offset..<min(chars.count, offset + length)])
    }

    /// Reads one line (without its CR/LF). A checksum, when present, must
    /// match; the fixed part must be as long as the command's layout.
    public static func parse(_ bytes: [UInt8]) throws -> SIP2Request {
        var body = bytes
        guard !body.isEmpty else { throw SIP2.ParseError.empty }
        guard body.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw SIP2.ParseError.notASCII }
        guard body.count >= 2 else { throw SIP2.ParseError.empty }
        let code = String(decoding: body[0..<2], as: UTF8.self)
        guard let command = SIP2.Command(rawValue: code) else { throw SIP2.ParseError.unknownCommand(code) }
        let end = 2 + command.fixedLength
        var sequence: Int?
        // Error detection: ...AY<n>AZ<hhhh> (or AZ<hhhh> alone) at the very end, after the fixed part.
        let tail = body.count
        if tail - 6 >= end, body[tail - 6] == UInt8(ascii: "A"), body[tail - 5] == UInt8(ascii: "Z"),
           body[(tail - 4)...].allSatisfy(Self.isHex) {
            let sent = String(decoding: body[(tail - 4)...], as: UTF8.self).uppercased()
            guard SIP2.checksum(body[..<(tail - 4)]) == sent else { throw SIP2.ParseError.badChecksum }
            body.removeLast(6)
            if body.count - 3 >= end, body[body.count - 3] == UInt8(ascii: "A"), body[body.count - 2] == UInt8(ascii: "Y"),
               let digit = Self.digit(body[body.count - 1]) {
                sequence = digit
                body.removeLast(3)
            }
        } else if tail - 3 >= end, body[tail - 3] == UInt8(ascii: "A"), body[tail - 2] == UInt8(ascii: "Y"),
                  let digit = Self.digit(body[tail - 1]), tail - 3 == end || body[tail - 4] == UInt8(ascii: "|") {
            // A sequence number without a checksum.
            sequence = digit
            body.removeLast(3)
        }
        guard body.count >= end else {
            throw SIP2.ParseError.truncated(command: code, expected: command.fixedLength, got: body.count - 2)
        }
        let fixed = String(decoding: body[2..<end], as: UTF8.self)
        var fields: [Field] = []
        for piece in body[end...].split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: true) where piece.count >= 2 {
            let text = String(decoding: piece, as: UTF8.self)
            fields.append(Field(code: String(text.prefix(2)), value: String(text.dropFirst(2))))
        }
        return SIP2Request(command: command, fixed: fixed, fields: fields, sequence: sequence)
    }

    static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    static func digit(_ byte: UInt8) -> Int? {
        (0x30...0x39).contains(byte) ? Int(byte - 0x30) : nil
    }
}

/// A response under construction: fixed fields in layout order, then
/// variable fields; `encoded` closes it with sequence number and checksum.
public struct SIP2Response: Sendable, Equatable {
    public private(set) var text: String

    public init(_ code: String) { text = code }

    /// A fixed field, exactly as wide as given.
    public mutating func fixed(_ value: String) { text += value }
    public mutating func flag(_ value: Bool) { text += SIP2.flag(value) }
    public mutating func count(_ value: Int) { text += SIP2.count(value) }
    public mutating func date(_ instant: Date, in timeZone: TimeZone) { text += SIP2.date(instant, in: timeZone) }

    /// A variable field; separators and line breaks in the value become
    /// spaces, and it is cut at `SIP2.maximumFieldLength` characters.
    public mutating func field(_ code: String, _ value: String) {
        text += code + Self.clean(value) + "|"
    }

    /// A variable field only when there is a value.
    public mutating func field(_ code: String, optional value: String?) {
        if let value, !value.isEmpty { field(code, value) }
    }

    static func clean(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(min(value.count, SIP2.maximumFieldLength))
        for scalar in value.unicodeScalars {
            if out.count >= SIP2.maximumFieldLength { break }
            switch scalar {
            case "|", "\r", "\n", "\t": out.append(" ")
            case _ where scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F: out.unicodeScalars.append(scalar)
            default: out.append(Self.ascii(scalar))
            }
        }
        return out
    }

    /// ASCII for a character outside it ("é" → "e", "ß" → "ss"; "?" when there is none).
    static func ascii(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "ß": return "ss"
        case "æ": return "ae"
        case "Æ": return "AE"
        case "ø": return "o"
        case "Ø": return "O"
        case "ł": return "l"
        case "€": return "EUR"
        case "–", "—": return "-"
        case "‘", "’": return "'"
        case "“", "”": return "\""
        default: break
        }
        let base = String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars
            .filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
        return base.isEmpty ? "?" : String(String.UnicodeScalarView(base))
    }

    /// The finished line with `AY<sequence>AZ<checksum>` and the CR.
    public func encoded(sequence: Int?) -> String {
        let body = text + "AY\(sequence ?? 0)AZ"
        return body + SIP2.checksum(Array(body.utf8)) + "\r"
    }
}
