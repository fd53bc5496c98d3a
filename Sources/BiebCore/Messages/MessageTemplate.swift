import Foundation

/// A message template: subject, plain text and HTML with `{{placeholder}}`
/// fields. Staff may edit the texts; the placeholders a kind of message
/// offers are fixed, and a template naming another one is refused with
/// its name.
public struct MessageTemplate: Sendable, Equatable, Codable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// The placeholders used in a text, in order of first use.
    public static func placeholders(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !found.contains(name) { found.append(name) }
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// Checks the template against the placeholders its kind offers: every
    /// part filled in, no unknown placeholder, a subject on one line.
    public func validated(allowed: Set<String>) throws -> MessageTemplate {
        for (field, value) in [("subject", subject), ("text", text), ("html", html)] {
            guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw BiebError.invalid(field, "The \(field) of the message is empty.", nl: "De \(field == "subject" ? "onderwerpregel" : field == "text" ? "tekst" : "HTML") van het bericht is leeg.")
            }
            if let unknown = Self.placeholders(in: value).first(where: { !allowed.contains($0) }) {
                throw BiebError.invalid(field, "{{\(unknown)}} is not a field of this message; it has: \(allowed.sorted().map { "{{\($0)}}" }.joined(separator: ", ")).",
                                        nl: "{{\(unknown)}} is geen veld van dit bericht; het heeft: \(allowed.sorted().map { "{{\($0)}}" }.joined(separator: ", ")).")
            }
        }
        guard !subject.contains("\n"), !subject.contains("\r"), subject.count <= 150 else {
            throw BiebError.invalid("subject", "The subject is one line of at most 150 characters.", nl: "De onderwerpregel is één regel van hoogstens 150 tekens.")
        }
        return self
    }

    /// Fills in the placeholders: `text` values as they are (subject and
    /// plain text), `html` values for the HTML (escaped unless given as
    /// markup). A placeholder without a value becomes empty.
    public func render(text values: [String: String], html htmlValues: [String: String]) -> (subject: String, text: String, html: String) {
        (Self.fill(subject, values).replacingOccurrences(of: "\n", with: " "), Self.fill(text, values), Self.fill(html, htmlValues))
    }

    static func fill(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            output += rest[..<open.lowerBound]
            output += values[rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)] ?? ""
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// Text made safe for HTML.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
