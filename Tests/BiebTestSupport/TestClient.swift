import Foundation
import NIOHTTP1
import Testing
import Vapor
import VaporTesting

/// A small HTTP client over the in-memory tester that keeps cookies between
/// requests, like a browser, and helps with JSON and forms.
public final class TestClient: @unchecked Sendable {
    public let app: Application
    public private(set) var cookies: [String: String] = [:]
    public var headers: HTTPHeaders = [:]

    public init(_ app: Application) { self.app = app }

    /// Check every `/api` answer against the OpenAPI document (`OpenAPIConformance`); on by default.
    public var checksOpenAPI = true

    @discardableResult
    public func send(_ method: HTTPMethod, _ path: String, headers extra: HTTPHeaders = [:],
                     json: (any Encodable & Sendable)? = nil, form: [String: String]? = nil, body: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        var headers = self.headers
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; "))
        }
        var buffer = ByteBuffer()
        if let json {
            let encoder = JSONEncoder()
            buffer.writeBytes(try encoder.encode(json))
            headers.contentType = .json
        } else if let form {
            var components = URLComponents()
            components.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
            let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            buffer.writeString(encoded)
            headers.contentType = .urlEncodedForm
        } else if let body {
            buffer.writeString(body)
            if headers.contentType == nil { headers.contentType = .json }
        }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: buffer)
        if checksOpenAPI {
            await OpenAPIConformance.check(method: method, path: path, response: response, app: app, sourceLocation: sourceLocation)
        }
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let expired = header.lowercased().contains("max-age=0") || header.lowercased().contains("expires=thu, 01 jan 1970")
            cookies[parts[0]] = expired ? nil : parts[1]
        }
        return response
    }

    /// Signs in through the API and uses the bearer token from then on.
    @discardableResult
    public func signInAPI(_ email: String, password: String) async throws -> String {
        struct Credentials: Encodable, Sendable { let email: String; let password: String }
        let response = try await send(.POST, "/api/v1/auth/token", json: Credentials(email: email, password: password))
        guard response.status == .created else {
            throw TestError("sign-in failed for \(email): \(response.status) \(response.body.string)")
        }
        let token = try JSONDecoder().decode([String: TokenValue].self, from: Data(response.body.string.utf8))["token"]?.string ?? ""
        headers.bearerAuthorization = BearerAuthorization(token: token)
        return token
    }

    /// The CSRF token in the last HTML form of a page.
    public static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        let match = String(html[range])
        return match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    /// The words of a page's error summary (`Views/form-errors.leaf`) without its tags; empty when there is none.
    public static func errorSummary(in html: String) -> String {
        guard let start = html.range(of: #"<div class="error-summary""#),
              let end = html.range(of: "</div>", range: start.upperBound..<html.endIndex) else { return "" }
        return String(html[start.lowerBound..<end.upperBound])
            .replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Signs in on the staff pages (session cookie).
    public func signInPages(_ email: String, password: String) async throws {
        let page = try await send(.GET, "/staff/login")
        guard let token = Self.csrf(in: page.body.string) else { throw TestError("no CSRF token on the login page") }
        let response = try await send(.POST, "/staff/login", form: ["csrf": token, "email": email, "password": password])
        guard response.status == .seeOther || response.status == .found else {
            throw TestError("page sign-in failed: \(response.status)")
        }
    }
}

private enum TokenValue: Decodable {
    case string(String)
    case other

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self = .string(text) } else { self = .other }
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

public struct TestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TestingHTTPResponse {
    /// The body decoded as JSON into `T`.
    public func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(body.string.utf8))
    }

    /// The `error` object of an API error body.
    public var apiError: (code: String, field: String?, message: String)? {
        struct Body: Decodable {
            struct Detail: Decodable { let code: String; let message: String; let field: String? }
            let error: Detail
        }
        guard let body = try? json(Body.self) else { return nil }
        return (body.error.code, body.error.field, body.error.message)
    }
}

/// One staff member signed in twice — with a token for the JSON API and with a session for the
/// pages — for the tests that send the same input both ways and compare the answers.
public func signedInBothWays(_ app: Application, _ email: String, password: String) async throws -> (api: TestClient, pages: TestClient) {
    let api = TestClient(app)
    try await api.signInAPI(email, password: password)
    let pages = TestClient(app)
    try await pages.signInPages(email, password: password)
    return (api, pages)
}
