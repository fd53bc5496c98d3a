import Foundation

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
