import Foundation

/// How deeply a JSON text nests arrays and objects, counted in one pass
/// without parsing (brackets inside strings do not count). Foundation's
/// parser refuses deeper nesting than its limit with only "not valid JSON";
/// this tells the client why.
public enum JSONDepth {
    public static func exceeds<Bytes: Sequence>(_ bytes: Bytes, limit: Int) -> Bool where Bytes.Element == UInt8 {
        var depth = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth >= limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }
}
