import Foundation
import Vapor

/// What a person sent in a form, to show it again when the form is refused:
/// each field's values by name (`themes[]` keeps its several values).
struct FormValues: Encodable {
    let values: [String: [String]]

    init(_ values: [String: [String]] = [:]) { self.values = values }

    /// The urlencoded body of `req`.
    init(_ req: Request) {
        var components = URLComponents()
        components.percentEncodedQuery = (req.body.string ?? "").replacingOccurrences(of: "+", with: "%20")
        var values: [String: [String]] = [:]
        for item in components.queryItems ?? [] { values[item.name, default: []].append(item.value ?? "") }
        self.values = values
    }

    /// The first value of a field, or nil when it was not sent.
    subscript(_ name: String) -> String? { values[name]?.first }

    /// Whether `value` was among the values of `name`.
    func contains(_ name: String, _ value: String) -> Bool { values[name]?.contains(value) ?? false }

    /// Encodes as field → first value, which is what a template's `value="#(form.title)"` reads.
    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values.compactMapValues(\.first))
    }
}
