import Foundation

/// Any JSON value, for reading API answers in tests without a type per answer.
public enum AnyJSON: Decodable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([AnyJSON])
    case object([String: AnyJSON])
    case null

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    public var string: String? { if case .string(let v) = self { v } else { nil } }
    public var int: Int? { if case .number(let v) = self { Int(exactly: v) } else { nil } }
    public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var array: [AnyJSON]? { if case .array(let v) = self { v } else { nil } }
    public var object: [String: AnyJSON]? { if case .object(let v) = self { v } else { nil } }
}
