import Foundation
import Vapor
import BiebCore
import BiebStore

/// Reading what a request names, the same way in every feature: path
/// parameters that are ids or numbers, instants (one ISO 8601 parser with
/// one leniency), and the organisation of the `:org` slug. A value that is
/// not what it should be is a 400 naming the parameter, in both languages.
extension Request {
    /// A path parameter that is an id.
    func uuidParameter(_ name: String) throws -> UUID {
        guard let text = parameters.get(name), let id = UUID(uuidString: text) else {
            throw BiebError.invalid(name, "'\(parameters.get(name) ?? "")' is not an id (UUID).",
                                    nl: "'\(parameters.get(name) ?? "")' is geen geldig id.")
        }
        return id
    }

    /// A path parameter that is a whole number.
    func intParameter(_ name: String) throws -> Int {
        guard let text = parameters.get(name), let value = Int(text) else {
            throw BiebError.invalid(name, "'\(parameters.get(name) ?? "")' is not a number.", nl: "'\(parameters.get(name) ?? "")' is geen getal.")
        }
        return value
    }

    /// An instant from the query (`at`, `from`), or nil when it is not given.
    func instantQuery(_ name: String) throws -> Date? {
        try Instant.parse(query[String.self, at: name], field: name)
    }

    /// A whole number from the query, or nil when it is not given (or empty); anything else is a 400 on `name`.
    func queryInt(_ name: String) throws -> Int? {
        guard let text = query[String.self, at: name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw BiebError.invalid(name, "'\(text)' is not a number.", nl: "'\(text)' is geen getal.") }
        return value
    }

    /// A date (yyyy-mm-dd) from the query, or nil when it is not given (or empty); anything else is a 400 on `name`.
    func queryDate(_ name: String) throws -> LocalDate? {
        guard let text = query[String.self, at: name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let date = LocalDate(iso: text) else {
            throw BiebError.invalid(name, "'\(text)' is not a date (yyyy-mm-dd).", nl: "'\(text)' is geen datum (jjjj-mm-dd).")
        }
        return date
    }

    /// The page of a long answer the query asks for: `page` from 1 (default 1) and `per_page` from 1 to `maxSize`
    /// (default `size`); a number outside is brought inside.
    func paging(size: Int, maxSize: Int) -> Paging {
        Paging(page: min(max(query[Int.self, at: "page"] ?? 1, 1), 100_000), perPage: min(max(query[Int.self, at: "per_page"] ?? size, 1), maxSize))
    }

    /// The organisation the path names with `:org`, or a 404.
    func organisation() async throws -> Organisation {
        guard let org = try await branches.organisation(slug: parameters.get("org") ?? "") else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return org
    }
}

/// A page of a long answer (`Request.paging`).
struct Paging {
    let page: Int
    let perPage: Int
    var offset: Int { (page - 1) * perPage }
}

/// Instants as the API and the forms read them: ISO 8601 with an offset or
/// Z, with or without fractional seconds (`2026-12-01T14:00:00+01:00`,
/// `2026-12-01T13:00:00.250Z`).
enum Instant {
    static func parse(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw BiebError.invalid(field, "'\(text)' is not a moment (ISO 8601, e.g. 2026-12-01T14:00:00+01:00).",
                                nl: "'\(text)' is geen tijdstip (ISO 8601, bijvoorbeeld 2026-12-01T14:00:00+01:00).")
    }
}

/// A choice in a form's list (`<option>`), for every page.
struct FormOption: Encodable, Sendable {
    let value: String
    let label: String
    let selected: Bool
}
