import Foundation
import Testing
import Vapor
import VaporTesting
import BiebTestSupport

/// JSON body as a dictionary.
func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as? [String: Any])
}

/// JSON body as an array of dictionaries.
func list(_ response: TestingHTTPResponse) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as? [[String: Any]])
}

/// A JSON body built from a dictionary literal.
struct JSONBody: Encodable, Sendable {
    let text: String
    init(_ value: [String: Any]) {
        text = String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
    func encode(to encoder: Encoder) throws {
        // Not used: sent raw through `body:`.
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension TestClient {
    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, object value: [String: Any], headers: HTTPHeaders = [:],
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        try await send(method, path, headers: headers, body: JSONBody(value).text, sourceLocation: sourceLocation)
    }

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders, object value: [String: Any],
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        try await send(method, path, headers: headers, body: JSONBody(value).text, sourceLocation: sourceLocation)
    }

    /// Posts a multipart form (a page's file upload): each part a name and a value, a file part with its file name (sent as text/csv).
    @discardableResult
    func sendMultipart(_ path: String, _ parts: [(name: String, value: String, file: String?)],
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestingHTTPResponse {
        let boundary = "bieb-test-boundary"
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        let body = parts.map { name, value, file in
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"" + (file.map { "; filename=\"\($0)\"\r\nContent-Type: text/csv" } ?? "")
                + "\r\n\r\n\(value)\r\n"
        }.joined() + "--\(boundary)--\r\n"
        return try await send(.POST, path, headers: headers, body: body, sourceLocation: sourceLocation)
    }
}
