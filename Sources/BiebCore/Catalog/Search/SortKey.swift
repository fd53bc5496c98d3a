/// How titles and names sort: folded like search terms (lower case, no
/// diacritics), only letters and digits, words separated by one space. So
/// "Één dag" sorts with "een dag" and "The 'history'" with "the history".
/// Strings compare by their UTF-8 bytes: space, digits, a–z, then letters
/// of other scripts.
public enum SortKey {
    /// The sortable form of a text.
    public static func text(_ text: String) -> String {
        let folded = TextAnalysis.fold(text)
        var out: [UInt8] = []
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        var scalarBytes: [UInt8] = []
        for scalar in folded.unicodeScalars {
            let isWordCharacter = scalar.isASCII
                ? (scalar.value >= 0x61 && scalar.value <= 0x7A) || (scalar.value >= 0x30 && scalar.value <= 0x39)
                : scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            if isWordCharacter {
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                if scalar.isASCII {
                    out.append(UInt8(scalar.value))
                } else {
                    scalarBytes.removeAll(keepingCapacity: true)
                    scalarBytes.append(contentsOf: String(scalar).utf8)
                    out.append(contentsOf: scalarBytes)
                }
            } else if scalar == "'" || scalar == "’" || scalar == "`" {
                continue
            } else {
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The number of words in a sortable text (`text(_:)`): they are
    /// separated by one space each.
    public static func wordCount(ofSortable sortable: String) -> Int {
        sortable.isEmpty ? 0 : sortable.utf8.reduce(1) { $1 == 0x20 ? $0 + 1 : $0 }
    }

    /// The first ten characters of a sortable text (`text(_:)`) as a number
    /// that orders the same way: when two prefixes differ, the texts compare
    /// the same way; equal prefixes need the whole texts.
    public static func prefix(_ sortable: String) -> UInt64 {
        var key: UInt64 = 0
        var count = 0
        var iterator = sortable.utf8.makeIterator()
        while count < 10, let byte = iterator.next() {
            let symbol: UInt64
            switch byte {
            case 0x20: symbol = 1
            case 0x30...0x39: symbol = UInt64(byte - 0x30) + 2
            case 0x61...0x7A: symbol = UInt64(byte - 0x61) + 12
            default:
                // Another script: its order needs the whole text, so the prefix ends here.
                return key | 63 << UInt64(54 - 6 * count)
            }
            key |= symbol << UInt64(54 - 6 * count)
            count += 1
        }
        return key
    }
}
