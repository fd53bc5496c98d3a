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
}
