import Foundation

/// A value that JSON carries as its text (a date as YYYY-MM-DD, a time as HH:MM, an ISBN as its 13
/// digits): one way to code them all, with one error for text that is not such a value.
public protocol TextCoded: Codable {
    init?(codedText: String)
    var codedText: String { get }
    /// What the text should look like, for the error on a value that is not.
    static var textForm: String { get }
}

extension TextCoded {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(codedText: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected \(Self.textForm), got '\(text)'.")
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(codedText)
    }
}
