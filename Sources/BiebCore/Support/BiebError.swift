import Foundation

/// An error meant for the person or program that caused it: what was wrong,
/// in which field, in English and Dutch. The server turns it into an HTTP
/// 4xx with a JSON body or a message on the page; the CLI prints it.
public struct BiebError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalid, notFound, conflict, forbidden, unauthorized, tooManyRequests
        /// A service Bieb depends on (a payment provider) failed or is not set up;
        /// `unavailable` also: the database is busy for now (with `retryAfter`).
        case badGateway, unavailable
        /// A request target longer than the server reads.
        case uriTooLong
    }

    public let kind: Kind
    /// Machine-readable code ("invalid_postcode", "branch_not_found").
    public let code: String
    /// The input field that was wrong, if any ("postcode", "periods[2].opens").
    public let field: String?
    public let message: String
    public let messageNL: String
    /// For `tooManyRequests` and `unavailable`: seconds until a retry may succeed.
    public let retryAfter: Int?

    public init(_ kind: Kind, code: String, field: String? = nil, message: String, nl: String? = nil, retryAfter: Int? = nil) {
        self.kind = kind
        self.code = code
        self.field = field
        self.message = message
        self.messageNL = nl ?? message
        self.retryAfter = retryAfter
    }

    public func message(dutch: Bool) -> String { dutch ? messageNL : message }

    public var description: String {
        if let field { return "\(field): \(message)" }
        return message
    }

    public static func invalid(_ field: String, _ message: String, nl: String? = nil, code: String = "invalid_input") -> BiebError {
        BiebError(.invalid, code: code, field: field, message: message, nl: nl)
    }

    public static func notFound(_ what: String, nl: String) -> BiebError {
        BiebError(.notFound, code: "\(what)_not_found", message: "\(what.replacingOccurrences(of: "_", with: " ").capitalizedFirst) not found.", nl: nl)
    }
}

extension OpeningHoursError {
    public var biebError: BiebError { .invalid(field, message, code: "invalid_opening_hours") }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
