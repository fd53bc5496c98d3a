import Foundation
import Vapor

/// CSV as Bieb's downloads write it (RFC 4180: lines end in CRLF, a field
/// with a comma, quote or line break is quoted with its quotes doubled) —
/// and safe to open in a spreadsheet: a field starting with =, +, - or @
/// gets a leading apostrophe, so it is never read as a formula. Numbers
/// are written by the caller as they are ("-3" stays a number only where
/// the caller passes it as a number: `number`).
enum CSVText {
    /// A text field, quoted when it must be (or always, with `quoted`).
    static func field(_ text: String, quoted: Bool = false) -> String {
        let safe = ["=", "+", "-", "@"].contains(where: { text.hasPrefix($0) }) ? "'" + text : text
        // By scalar: "\r\n" is one Character in Swift, equal to neither "\r" nor "\n".
        guard quoted || safe.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return safe }
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line of fields already written (`field`, or numbers).
    static func line(_ fields: [String]) -> String { fields.joined(separator: ",") + "\r\n" }

    /// A CSV download: UTF-8 (with a byte order mark when `bom`, so spreadsheets read the accents), named `filename`,
    /// never cached.
    static func response(_ body: String, filename: String, bom: Bool = false) -> Response {
        let response = Response(status: .ok, body: .init(string: (bom ? "\u{FEFF}" : "") + body))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
