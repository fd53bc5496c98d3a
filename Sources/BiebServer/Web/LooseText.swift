import Foundation
import BiebCore

/// A field a form sends as text and the JSON API as a number (or text):
/// kept as the text, so one decoding reads both ("0,5" from a Dutch form,
/// 0.5 from JSON).
struct LooseText: Codable, Sendable, Equatable {
    let text: String

    /// A value a form field held (the server building an input from several fields of one form).
    init(text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let text = try? value.decode(String.self) {
            self.text = text
        } else if let whole = try? value.decode(Int.self) {
            text = String(whole)
        } else {
            text = String(try value.decode(Double.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension LooseText {
    /// The number it holds, with a decimal point or comma ("1,5"), or nil when left empty; anything else is a 400 on `field`.
    func decimal(_ field: String) throws -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        guard let number = Double(trimmed.replacingOccurrences(of: ",", with: ".")), number.isFinite else {
            throw BiebError.invalid(field, "Give a number (like 1.5).", nl: "Geef een getal (zoals 1,5).")
        }
        return number
    }
}

extension LooseText {
    /// The whole number a form field holds, or nil when it was left empty or not sent; anything else is a 400 on `field`.
    static func whole(_ text: String?, field: String) throws -> Int? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
        guard let number = Int(trimmed) else { throw BiebError.invalid(field, "Give a whole number.", nl: "Geef een heel getal.") }
        return number
    }
}
