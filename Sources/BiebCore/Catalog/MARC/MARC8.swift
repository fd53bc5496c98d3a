import Foundation

/// MARC-8 to Unicode for the character sets European libraries use: ASCII
/// (G0) with ANSEL extended Latin (G1), and the small sets for superscripts,
/// subscripts and Greek symbols. Other sets (Cyrillic, Greek, Hebrew, Arabic,
/// East Asian EACC) are refused with a reason rather than guessed, so a
/// record is never stored as garbled text; convert such files to UTF-8 first
/// (for example `yaz-marcdump -f MARC-8 -t UTF-8 -o marc -l 9=97`).
///
/// MARC-8 puts combining diacritics before the letter they belong to;
/// Unicode puts them after. The result is in Unicode normalisation form C.
public enum MARC8 {
    public struct DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    enum CharacterSet {
        case ascii, superscript, `subscript`, greekSymbols
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodingError) -> String {
        var scalars: [Unicode.Scalar] = []
        var pendingMarks: [Unicode.Scalar] = []
        var g0 = CharacterSet.ascii
        var index = bytes.startIndex

        func emit(_ scalar: Unicode.Scalar) {
            scalars.append(scalar)
            scalars.append(contentsOf: pendingMarks)
            pendingMarks.removeAll()
        }

        while index != bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            if byte == 0x1B {
                // Escape sequence: ESC then an intermediate and a final byte.
                var sequence: [UInt8] = []
                while index != bytes.endIndex, sequence.count < 3 {
                    let next = bytes[index]
                    sequence.append(next)
                    index = bytes.index(after: index)
                    if !(0x20...0x2F).contains(next) { break }
                }
                switch sequence {
                case [0x73], [0x28, 0x42]: g0 = .ascii            // ESC s, ESC ( B
                case [0x70]: g0 = .superscript                   // ESC p
                case [0x62]: g0 = .subscript                     // ESC b
                case [0x67]: g0 = .greekSymbols                  // ESC g
                case [0x29, 0x21, 0x45], [0x29, 0x45]: break     // ESC ) ! E / ESC ) E: ANSEL as G1, the default
                default:
                    throw DecodingError(reason: "MARC-8 escape to \(setName(sequence)) is not supported; convert the file to UTF-8 first")
                }
                continue
            }
            switch byte {
            case 0x00...0x1F:
                emit(Unicode.Scalar(byte))
            case 0x20...0x7E:
                switch g0 {
                case .ascii:
                    emit(Unicode.Scalar(byte))
                case .superscript, .subscript, .greekSymbols:
                    guard let scalar = special(byte, g0) else {
                        throw DecodingError(reason: String(format: "byte 0x%02X has no meaning in the MARC-8 %@ set", byte, "\(g0)"))
                    }
                    emit(scalar)
                }
            case 0x7F:
                emit(Unicode.Scalar(byte))
            case 0x88: emit("\u{98}")   // non-sort begin
            case 0x89: emit("\u{9C}")   // non-sort end
            case 0x8D: emit("\u{200D}") // joiner
            case 0x8E: emit("\u{200C}") // non-joiner
            default:
                if let mark = combining[byte] {
                    pendingMarks.append(mark)
                } else if let scalar = ansel[byte] {
                    emit(scalar)
                } else {
                    throw DecodingError(reason: String(format: "byte 0x%02X is not a MARC-8 (ANSEL) character", byte))
                }
            }
        }
        if !pendingMarks.isEmpty {
            // A diacritic with nothing after it: keep it on a space.
            emit(" ")
        }
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return text.precomposedStringWithCanonicalMapping
    }

    static func setName(_ sequence: [UInt8]) -> String {
        let final = sequence.last ?? 0
        switch final {
        case 0x4E, 0x51: return "Cyrillic"
        case 0x53: return "Greek"
        case 0x32: return "Hebrew"
        case 0x33, 0x34: return "Arabic"
        case 0x31: return "East Asian (EACC)"
        default:
            return "an unknown character set (ESC " + sequence.map { String(format: "%02X", $0) }.joined(separator: " ") + ")"
        }
    }

    static func special(_ byte: UInt8, _ set: CharacterSet) -> Unicode.Scalar? {
        switch set {
        case .superscript:
            let map: [UInt8: Unicode.Scalar] = [
                0x28: "\u{207D}", 0x29: "\u{207E}", 0x2B: "\u{207A}", 0x2D: "\u{207B}",
                0x30: "\u{2070}", 0x31: "\u{00B9}", 0x32: "\u{00B2}", 0x33: "\u{00B3}", 0x34: "\u{2074}",
                0x35: "\u{2075}", 0x36: "\u{2076}", 0x37: "\u{2077}", 0x38: "\u{2078}", 0x39: "\u{2079}",
            ]
            return map[byte]
        case .subscript:
            let map: [UInt8: Unicode.Scalar] = [
                0x28: "\u{208D}", 0x29: "\u{208E}", 0x2B: "\u{208A}", 0x2D: "\u{208B}",
                0x30: "\u{2080}", 0x31: "\u{2081}", 0x32: "\u{2082}", 0x33: "\u{2083}", 0x34: "\u{2084}",
                0x35: "\u{2085}", 0x36: "\u{2086}", 0x37: "\u{2087}", 0x38: "\u{2088}", 0x39: "\u{2089}",
            ]
            return map[byte]
        case .greekSymbols:
            let map: [UInt8: Unicode.Scalar] = [0x61: "\u{03B1}", 0x62: "\u{03B2}", 0x63: "\u{03B3}"]
            return map[byte]
        case .ascii:
            return Unicode.Scalar(byte)
        }
    }

    /// ANSEL spacing characters (G1, 0xA1–0xC8).
    static let ansel: [UInt8: Unicode.Scalar] = [
        0xA1: "\u{0141}", 0xA2: "\u{00D8}", 0xA3: "\u{0110}", 0xA4: "\u{00DE}", 0xA5: "\u{00C6}", 0xA6: "\u{0152}",
        0xA7: "\u{02B9}", 0xA8: "\u{00B7}", 0xA9: "\u{266D}", 0xAA: "\u{00AE}", 0xAB: "\u{00B1}", 0xAC: "\u{01A0}",
        0xAD: "\u{01AF}", 0xAE: "\u{02BC}", 0xB0: "\u{02BB}", 0xB1: "\u{0142}", 0xB2: "\u{00F8}", 0xB3: "\u{0111}",
        0xB4: "\u{00FE}", 0xB5: "\u{00E6}", 0xB6: "\u{0153}", 0xB7: "\u{02BA}", 0xB8: "\u{0131}", 0xB9: "\u{00A3}",
        0xBA: "\u{00F0}", 0xBC: "\u{01A1}", 0xBD: "\u{01B0}", 0xC0: "\u{00B0}", 0xC1: "\u{2113}", 0xC2: "\u{2117}",
        0xC3: "\u{00A9}", 0xC4: "\u{266F}", 0xC5: "\u{00BF}", 0xC6: "\u{00A1}", 0xC7: "\u{00DF}", 0xC8: "\u{20AC}",
    ]

    /// ANSEL combining diacritics (0xE0–0xFE), written before their base letter.
    static let combining: [UInt8: Unicode.Scalar] = [
        0xE0: "\u{0309}", 0xE1: "\u{0300}", 0xE2: "\u{0301}", 0xE3: "\u{0302}", 0xE4: "\u{0303}", 0xE5: "\u{0304}",
        0xE6: "\u{0306}", 0xE7: "\u{0307}", 0xE8: "\u{0308}", 0xE9: "\u{030C}", 0xEA: "\u{030A}", 0xEB: "\u{FE20}",
        0xEC: "\u{FE21}", 0xED: "\u{0315}", 0xEE: "\u{030B}", 0xEF: "\u{0310}", 0xF0: "\u{0327}", 0xF1: "\u{0328}",
        0xF2: "\u{0323}", 0xF3: "\u{0324}", 0xF4: "\u{0325}", 0xF5: "\u{0333}", 0xF6: "\u{0332}", 0xF7: "\u{0326}",
        0xF8: "\u{031C}", 0xF9: "\u{032E}", 0xFA: "\u{FE22}", 0xFB: "\u{FE23}", 0xFE: "\u{0313}",
    ]
}
