import Foundation

/// Rows of delimited text as spreadsheets, gates and vendors export them:
/// CSV with `,` or `;` (Dutch spreadsheets use `;`), or TSV. Quoted fields
/// may hold the separator, doubled quotes and line breaks (RFC 4180); a byte
/// order mark is skipped; CRLF, LF and a lone CR all end a line. Unquoted
/// fields lose the spaces around them (CBS pads its values). It reads bytes,
/// not `Character`s, so two million lines take a second, not ten.
struct DelimitedText {
    static let tab = UInt8(ascii: "\t"), semicolon = UInt8(ascii: ";"), comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " ")

    /// The separator of a file, from its first line: the most frequent of tab,
    /// `;` and `,` outside quotes (a tab on a tie, then `;`); `,` when there is none.
    static func separator(of bytes: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [tab: 0, semicolon: 0, comma: 0]
        var quoted = false
        for byte in bytes[bomLength(bytes)...] {
            if byte == quote { quoted.toggle(); continue }
            if quoted { continue }
            if byte == newline || byte == carriageReturn { break }
            if counts[byte] != nil { counts[byte]! += 1 }
        }
        let best = [tab, semicolon, comma].max { counts[$0]! < counts[$1]! }!
        return counts[best]! > 0 ? best : comma
    }

    /// Lines in the file: line breaks, plus one when the last line has none.
    static func lineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var lines = 0
        for byte in bytes where byte == newline { lines += 1 }
        if let last = bytes.last, last != newline { lines += 1 }
        return lines
    }

    static func bomLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// Calls `body` with each record: the (1-based) line it starts on and its
    /// fields. An empty line gives one empty field; `body` decides what to skip.
    static func forEachRecord(in bytes: UnsafeBufferPointer<UInt8>, separator: UInt8,
                              _ body: (_ line: Int, _ fields: [String]) throws -> Void) rethrows {
        var i = bomLength(bytes)
        let n = bytes.count
        var line = 1
        while i < n {
            let recordLine = line
            var fields: [String] = []
            var endOfRecord = false
            while !endOfRecord {
                // Spaces before an opening quote are padding: ` "a, b"` is one quoted field.
                var afterSpaces = i
                while afterSpaces < n, bytes[afterSpaces] == space { afterSpaces += 1 }
                if afterSpaces < n, bytes[afterSpaces] == quote {
                    i = afterSpaces
                    // A quoted field: up to the closing quote, "" is one quote.
                    var value: [UInt8] = []
                    i += 1
                    while i < n {
                        let byte = bytes[i]
                        if byte == quote {
                            if i + 1 < n, bytes[i + 1] == quote { value.append(quote); i += 2; continue }
                            i += 1
                            break
                        }
                        if byte == newline { line += 1 }
                        value.append(byte)
                        i += 1
                    }
                    // Anything between the closing quote and the separator is kept (lenient).
                    while i < n, bytes[i] != separator, bytes[i] != newline, bytes[i] != carriageReturn {
                        if bytes[i] != space { value.append(bytes[i]) }
                        i += 1
                    }
                    fields.append(String(decoding: value, as: UTF8.self))
                } else {
                    var start = i
                    while i < n, bytes[i] != separator, bytes[i] != newline, bytes[i] != carriageReturn { i += 1 }
                    var end = i
                    while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
                    while end > start, bytes[end - 1] == space || bytes[end - 1] == tab { end -= 1 }
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                }
                if i < n, bytes[i] == separator {
                    i += 1
                    // A separator at the very end still opens one (empty) last field.
                    if i == n { fields.append("") }
                } else {
                    if i < n, bytes[i] == carriageReturn { i += 1 }
                    if i < n, bytes[i] == newline { i += 1 }
                    line += 1
                    endOfRecord = true
                }
            }
            try body(recordLine, fields)
        }
    }

    /// A column heading reduced for matching: lower case, accents and `_`/`-`
    /// dropped to spaces ("Metric_Type" → "metric type", "Aantal " → "aantal").
    static func heading(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        let spaced = folded.map { $0 == "_" || $0 == "-" ? " " : $0 }
        return String(spaced).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Whether every field of a record is empty (a blank line, or `;;;`).
    static func isBlank(_ fields: [String]) -> Bool { fields.allSatisfy(\.isEmpty) }
}
