import Foundation

/// The Simple Mail Transfer Protocol (RFC 5321) without the network: the
/// commands a client sends, the replies it reads, the server's extensions
/// (EHLO), AUTH PLAIN (RFC 4616), and the transparency procedure for the
/// message text. The connection itself is in BiebServer.
public enum SMTP {
    /// A server reply: a three-digit code and its text lines (RFC 5321 §4.2).
    public struct Reply: Sendable, Equatable, CustomStringConvertible {
        public let code: Int
        public let lines: [String]

        public init(code: Int, lines: [String]) {
            self.code = code
            self.lines = lines
        }

        /// 2yz: done; 3yz: go on (DATA); 4yz: try later; 5yz: will not work.
        public var isPositive: Bool { (200..<400).contains(code) }
        public var isTransient: Bool { (400..<500).contains(code) }
        public var isPermanent: Bool { code >= 500 }
        public var text: String { lines.joined(separator: " ") }
        public var description: String { "\(code) \(text)" }
    }

    public enum ProtocolError: Error, Equatable, CustomStringConvertible {
        case malformedReply(String)
        case lineTooLong

        public var description: String {
            switch self {
            case .malformedReply(let line): "not an SMTP reply: \(line.prefix(80))"
            case .lineTooLong: "a reply line longer than 512 characters"
            }
        }
    }

    /// Collects reply lines ("250-first", "250-more", "250 last") into
    /// replies. Feed it lines without their CRLF.
    public struct ReplyReader: Sendable {
        private var code: Int?
        private var lines: [String] = []

        public init() {}

        /// A complete reply when `line` ends one, else nil.
        public mutating func read(_ line: String) throws -> Reply? {
            // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with CRLF.
            guard line.utf8.count <= 510 else { throw ProtocolError.lineTooLong }
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, bytes[0...2].allSatisfy({ (48...57).contains($0) }),
                  let value = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200...599).contains(value) else {
                throw ProtocolError.malformedReply(line)
            }
            let separator: UInt8? = bytes.count > 3 ? bytes[3] : nil
            guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
                throw ProtocolError.malformedReply(line)
            }
            if let code, code != value { throw ProtocolError.malformedReply(line) }
            code = value
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            guard separator != UInt8(ascii: "-") else { return nil }
            defer {
                code = nil
                lines = []
            }
            return Reply(code: value, lines: lines)
        }
    }

    /// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1).
    public struct Extensions: Sendable, Equatable {
        public let startTLS: Bool
        public let authMechanisms: Set<String>
        public let eightBitMIME: Bool
        public let smtpUTF8: Bool
        /// The largest message the server takes (SIZE, RFC 1870), if it says.
        public let maximumSize: Int?

        public init(ehlo reply: Reply) {
            // The first line greets; each further line names an extension and its parameters.
            let keywords = reply.lines.dropFirst().map { $0.split(separator: " ").map { String($0).uppercased() } }
            startTLS = keywords.contains { $0.first == "STARTTLS" }
            authMechanisms = Set(keywords.filter { $0.first == "AUTH" }.flatMap { $0.dropFirst() })
            eightBitMIME = keywords.contains { $0.first == "8BITMIME" }
            smtpUTF8 = keywords.contains { $0.first == "SMTPUTF8" }
            maximumSize = keywords.first { $0.first == "SIZE" }.flatMap { $0.count > 1 ? Int($0[1]) : nil }.flatMap { $0 > 0 ? $0 : nil }
        }
    }

    /// The initial response of AUTH PLAIN: base64 of NUL, user, NUL, password (RFC 4616).
    public static func plainCredentials(user: String, password: String) -> String {
        Data([0] + Array(user.utf8) + [0] + Array(password.utf8)).base64EncodedString()
    }

    /// A reverse-path or forward-path: "<address>" (RFC 5321 §4.1.2). Refuses
    /// what would break the command line (CR, LF, angle brackets, spaces).
    public static func path(_ address: String) throws -> String {
        let forbidden = CharacterSet(charactersIn: "<>\r\n \t")
        guard !address.unicodeScalars.contains(where: { forbidden.contains($0) }), address.contains("@") || address.isEmpty else {
            throw BiebError.invalid("email", "'\(address)' cannot be used as an e-mail address.",
                                    nl: "'\(address)' kan niet als e-mailadres worden gebruikt.")
        }
        return "<\(address)>"
    }

    /// The message text for DATA: CRLF line ends, a line that begins with
    /// "." gets one more (RFC 5321 §4.5.2), and the terminating "." line.
    public static func data(_ message: String) -> String {
        let normalized = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\r\n") + "\r\n.\r\n"
    }

    /// The message text a server received: the transparency dots removed
    /// (the receiving side of §4.5.2), without the terminating line.
    public static func undoTransparency(_ lines: [String]) -> String {
        lines.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }.joined(separator: "\r\n") + "\r\n"
    }
}
