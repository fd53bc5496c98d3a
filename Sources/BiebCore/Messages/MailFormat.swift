import Foundation

/// An e-mail to send: plain text and, optionally, HTML (sent as
/// multipart/alternative). Formatted by `MailFormat` (RFC 5322 with MIME,
/// RFC 2045–2047), sent by an SMTP client.
public struct MailMessage: Sendable, Equatable {
    public struct Address: Sendable, Equatable {
        public let name: String?
        public let email: String

        public init(_ email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }
    }

    public var from: Address
    public var to: Address
    public var subject: String
    public var text: String
    public var html: String?
    /// Without angle brackets ("1234.bieb@example.org"); also the key a
    /// receiving system may use to drop a duplicate.
    public var messageID: String
    public var date: Date
    /// Extra headers (name, value), e.g. List-Unsubscribe.
    public var headers: [(String, String)]

    public init(from: Address, to: Address, subject: String, text: String, html: String? = nil, messageID: String, date: Date = Date(),
                headers: [(String, String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
        self.headers = headers
    }

    public static func == (a: MailMessage, b: MailMessage) -> Bool {
        a.from == b.from && a.to == b.to && a.subject == b.subject && a.text == b.text && a.html == b.html && a.messageID == b.messageID
            && a.date == b.date && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
    }
}

/// Writing e-mail the way the standards say: header fields of RFC 5322
/// (lines of at most 78 characters, folded), non-ASCII words in headers as
/// RFC 2047 encoded words, bodies in UTF-8 quoted-printable (RFC 2045,
/// lines of at most 76 characters), text and HTML as multipart/alternative
/// (RFC 2046), CRLF line ends throughout.
public enum MailFormat {
    /// The whole message as it goes after SMTP DATA (before dot-stuffing).
    public static func render(_ message: MailMessage, boundary: String? = nil) -> String {
        var lines: [String] = []
        lines.append(field("Date", date(message.date)))
        lines.append(field("From", address(message.from)))
        lines.append(field("To", address(message.to)))
        lines.append(field("Message-ID", "<\(message.messageID)>"))
        lines.append(field("Subject", encodedHeaderText(message.subject, nameLength: "Subject".count)))
        lines.append(field("MIME-Version", "1.0"))
        for (name, value) in message.headers { lines.append(field(name, value)) }
        if let html = message.html {
            let boundary = boundary ?? "bieb-" + String(message.messageID.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
                .prefix(24)) + "-alt"
            lines.append(field("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""))
            lines.append("")
            lines.append("--\(boundary)")
            lines.append(contentsOf: part(message.text, type: "text/plain"))
            lines.append("--\(boundary)")
            lines.append(contentsOf: part(html, type: "text/html"))
            lines.append("--\(boundary)--")
        } else {
            lines.append(field("Content-Type", "text/plain; charset=utf-8"))
            lines.append(field("Content-Transfer-Encoding", "quoted-printable"))
            lines.append("")
            lines.append(quotedPrintable(message.text))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func part(_ body: String, type: String) -> [String] {
        ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "", quotedPrintable(body)]
    }

    /// A header field, folded before 78 characters at spaces (RFC 5322 §2.2.3).
    public static func field(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var line = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if line.count + 1 + word.count > 78, line.count > name.count + 1 {
                lines.append(line)
                line = " " + word
            } else {
                line += " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// "Wed, 25 Nov 2026 17:05:09 +0100" (RFC 5322 §3.3), in Dutch time.
    public static func date(_ date: Date, timeZone: TimeZone = TimeZone(identifier: "Europe/Amsterdam")!) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = timeZone.secondsFromGMT(for: date) / 60
        let sign = offset < 0 ? "-" : "+"
        return String(format: "%@, %d %@ %04d %02d:%02d:%02d %@%02d%02d", days[c.weekday! - 1], c.day!, months[c.month! - 1], c.year!,
                      c.hour!, c.minute!, c.second!, sign, abs(offset) / 60, abs(offset) % 60)
    }

    /// An address with its display name: a quoted string when the name
    /// has specials, encoded words when it is not ASCII (RFC 5322 §3.4, RFC 2047 §5).
    public static func address(_ address: MailMessage.Address) -> String {
        guard let name = address.name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return "<\(address.email)>" }
        if !name.unicodeScalars.allSatisfy(\.isASCII) { return "\(encodedWords(name, used: 6)) <\(address.email)>" }
        let specials = CharacterSet(charactersIn: "()<>[]:;@\\,.\"")
        if name.unicodeScalars.contains(where: { specials.contains($0) }) {
            return "\"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\" <\(address.email)>"
        }
        return "\(name) <\(address.email)>"
    }

    /// Header text as it is when ASCII, else as encoded words.
    public static func encodedHeaderText(_ text: String, nameLength: Int) -> String {
        text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 }) ? text : encodedWords(text, used: nameLength + 2)
    }

    /// RFC 2047 "Q" encoded words in UTF-8, separated by spaces (which a
    /// reader drops between encoded words): each at most 75 characters, the
    /// first short enough that its line — with the `used` characters before
    /// it ("Subject: ") — stays within 76 (§2); a character's bytes never
    /// split across words (§5, rule 3).
    public static func encodedWords(_ text: String, used: Int = 0) -> String {
        let prefix = "=?UTF-8?Q?", suffix = "?="
        var room = min(75, 76 - used) - prefix.count - suffix.count
        var words: [String] = []
        var current = ""
        for character in text {
            var encoded = ""
            for byte in String(character).utf8 {
                switch byte {
                case UInt8(ascii: " "): encoded += "_"
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
                    encoded += String(UnicodeScalar(byte))
                default: encoded += String(format: "=%02X", byte)
                }
            }
            if current.count + encoded.count > room, !current.isEmpty {
                words.append(prefix + current + suffix)
                current = ""
                // Folded lines begin with a space: a word on its own line may be 75 long.
                room = 75 - prefix.count - suffix.count
            }
            current += encoded
        }
        if !current.isEmpty || words.isEmpty { words.append(prefix + current + suffix) }
        return words.joined(separator: " ")
    }

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text: line breaks become
    /// CRLF, lines are cut with soft breaks ("=") before 76 characters,
    /// "=" and bytes outside printable ASCII are written as =XX, and so is
    /// a space or tab at the end of a line.
    public static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var output: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var encoded: [String] = []
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                if (byte == 32 || byte == 9) && !last {
                    encoded.append(String(UnicodeScalar(byte)))
                } else if byte >= 33 && byte <= 126 && byte != 61 {
                    encoded.append(String(UnicodeScalar(byte)))
                } else {
                    encoded.append(String(format: "=%02X", byte))
                }
            }
            // Soft line breaks: at most 75 characters plus "=" per physical line, never inside an =XX.
            var physical = ""
            for token in encoded {
                if physical.count + token.count > 75 {
                    output.append(physical + "=")
                    physical = ""
                }
                physical += token
            }
            output.append(physical)
        }
        return output.joined(separator: "\r\n")
    }

    /// Decodes quoted-printable (for tests and for reading what was sent).
    public static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            var line = Substring(rawLine)
            // Trailing whitespace was added in transport (§6.7 rule 3).
            while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
            var soft = false
            if line.hasSuffix("=") {
                soft = true
                line = line.dropLast()
            }
            var utf8 = Array(line.utf8)[...]
            while let byte = utf8.first {
                utf8 = utf8.dropFirst()
                if byte == 61, utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    utf8 = utf8.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            }
            if !soft && index < lines.count - 1 { bytes.append(contentsOf: [13, 10]) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes RFC 2047 encoded words ("=?UTF-8?Q?…?=" or "…?B?…?=") in header text.
    public static func decodeEncodedWords(_ text: String) -> String {
        let pattern = #"=\?([^?]+)\?([QqBb])\?([^?]*)\?="#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        let ns = text as NSString
        var result = ""
        var position = 0
        var lastWasWord = false
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let between = ns.substring(with: NSRange(location: position, length: match.range.location - position))
            // Whitespace between two encoded words is dropped (§6.2).
            // (On unicode scalars: "\r\n" is one Character.)
            if !(lastWasWord && between.unicodeScalars.allSatisfy({ " \t\r\n".unicodeScalars.contains($0) })) { result += between }
            let charset = ns.substring(with: match.range(at: 1)).lowercased()
            let encoding = ns.substring(with: match.range(at: 2)).uppercased()
            let payload = ns.substring(with: match.range(at: 3))
            var bytes: [UInt8] = []
            if encoding == "B" {
                bytes = Array(Data(base64Encoded: payload) ?? Data())
            } else {
                var utf8 = Array(payload.utf8)[...]
                while let byte = utf8.first {
                    utf8 = utf8.dropFirst()
                    if byte == UInt8(ascii: "_") {
                        bytes.append(32)
                    } else if byte == 61, utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                        bytes.append(value)
                        utf8 = utf8.dropFirst(2)
                    } else {
                        bytes.append(byte)
                    }
                }
            }
            if charset == "utf-8" {
                result += String(decoding: bytes, as: UTF8.self)
            } else {
                // ISO-8859-1 and US-ASCII: each byte is its code point.
                result += String(String.UnicodeScalarView(bytes.map { UnicodeScalar($0) }))
            }
            position = match.range.location + match.range.length
            lastWasWord = true
        }
        result += ns.substring(from: position)
        return result
    }
}
