import Foundation

/// Small validators for Dutch address and contact data.
public enum Validate {
    /// A Dutch postcode "1234 AB" (also "1234AB", "1234 ab"), normalised to
    /// "1234 AB". Nil when not a valid postcode (the first digit is never 0; the
    /// letter pairs SA, SD and SS are not issued).
    public static func dutchPostcode(_ text: String) -> String? {
        let compact = text.replacingOccurrences(of: " ", with: "").uppercased()
        guard compact.count == 6 else { return nil }
        let digits = compact.prefix(4)
        let letters = compact.suffix(2)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0",
              letters.allSatisfy({ $0.isASCII && $0.isLetter }),
              !["SA", "SD", "SS"].contains(String(letters)) else { return nil }
        return "\(digits) \(letters)"
    }

    /// A plausible e-mail address: one @, a non-empty local part, a domain with
    /// a dot, no spaces. (Deliverability is proven by sending, not by regex.)
    public static func email(_ text: String) -> String? {
        let trimmed = text.trimmed
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !trimmed.contains(where: { $0.isWhitespace }), trimmed.count <= 254 else { return nil }
        return parts[0] + "@" + parts[1].lowercased()
    }

    /// A URL-safe identifier: lower-case letters, digits and hyphens, 2–64 long,
    /// not starting or ending with a hyphen.
    public static func slug(_ text: String) -> Bool {
        guard (2...64).contains(text.count), text.first != "-", text.last != "-" else { return false }
        return text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }

    /// Turns a name into a slug: "Bibliotheek Den Haag" → "bibliotheek-den-haag".
    public static func slugify(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en"))
        var out = ""
        for ch in folded.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                out.append(ch)
            } else if out.last != "-" && !out.isEmpty {
                out.append("-")
            }
        }
        while out.last == "-" { out.removeLast() }
        return String(out.prefix(64))
    }

    /// Latitude and longitude in range.
    public static func coordinates(latitude: Double, longitude: Double) -> Bool {
        (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }
}

extension StringProtocol {
    /// Without white space (and line breaks) at either end; much faster than
    /// Foundation's `trimmingCharacters(in:)` on Linux, which matters when
    /// importing a million records.
    public var trimmed: String {
        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x80 ? scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isWhitespace($0) })!
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return String(self) }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[first...last])
        return String(out)
    }
}
