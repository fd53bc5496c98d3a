import Foundation
import Testing
import Vapor
import VaporTesting

/// Checks every answer the test client gets from `/api` (and `/health`)
/// against the application's own OpenAPI document: the status must be
/// documented for the operation, and a JSON body must match the documented
/// schema (types, formats, enums, required properties, nested objects and
/// arrays, `$ref`, `oneOf`/`anyOf`/`allOf`). A mismatch is recorded as a test
/// issue where the request was sent, so the document cannot drift from what
/// the server does without a test failing.
///
/// The schema checks are the subset of JSON Schema (2020-12, as OpenAPI 3.1
/// uses it) that the document uses; an unknown keyword is ignored.
public enum OpenAPIConformance {
    /// Paths the check leaves alone (not JSON API operations).
    static let skipped: Set<String> = ["/api/openapi.json", "/metrics"]

    /// The document, read once per test process (it is the same for every application).
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var document: [String: Any]?
    }
    private static let cache = Cache()

    /// The problems with one answer (empty when it conforms).
    public static func problems(method: HTTPMethod, path rawPath: String, response: TestingHTTPResponse, app: Application) async throws -> [String] {
        let path = String(rawPath.split(separator: "?", maxSplits: 1).first ?? "")
        guard path.hasPrefix("/api/") || path == "/health", !skipped.contains(path) else { return [] }
        let document = try await document(app)
        guard let paths = document["paths"] as? [String: Any] else { return ["the document has no paths"] }
        // The HTTP edge's own answers (a request target too long, a method Bieb does not implement) come before any operation.
        if [414, 501].contains(response.status.code) { return [] }
        guard let (template, item) = match(path, in: paths) else {
            // A path the API does not have: only a 404 (or the guard's answers) may come back.
            return [404, 405, 414, 400].contains(response.status.code) ? [] : ["\(path) is not in the document but answered \(response.status.code)"]
        }
        let verb = method == .HEAD ? "get" : method.rawValue.lowercased()
        guard let operation = item[verb] as? [String: Any] else {
            return [405, 501, 404].contains(response.status.code) ? [] : ["\(method.rawValue) \(template) is not in the document"]
        }
        var found: [String] = []
        // A path that worked must have the kind of parameters the document says (an id where it says uuid, …).
        if (200..<300).contains(Int(response.status.code)) {
            let declared = ((item["parameters"] as? [[String: Any]] ?? []) + (operation["parameters"] as? [[String: Any]] ?? []))
                .filter { $0["in"] as? String == "path" }
            let parts = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            for parameter in declared {
                guard let name = parameter["name"] as? String, let index = parts.firstIndex(of: "{\(name)}"),
                      let schema = parameter["schema"] as? [String: Any] else { continue }
                let text = segments[index].removingPercentEncoding ?? segments[index]
                let value: AnyJSON = (schema["type"] as? String == "integer") ? (Double(text).map { .number($0) } ?? .string(text)) : .string(text)
                Validator(document: document).check(value, against: schema, at: "path {\(name)}", problems: &found)
            }
        }
        let responses = operation["responses"] as? [String: Any] ?? [:]
        let code = String(response.status.code)
        let prefix = "\(method.rawValue) \(template) \(code)"
        guard let documented = (responses[code] ?? responses["\(code.prefix(1))XX"] ?? responses["default"]) as? [String: Any] else {
            return found.map { "\(prefix): \($0)" }
                + ["\(method.rawValue) \(template): status \(code) is not documented (documented: \(responses.keys.sorted().joined(separator: ", ")))"]
        }
        guard let content = documented["content"] as? [String: Any] else { return found.map { "\(prefix): \($0)" } }
        // A body of another kind (CSV) must be one the document names.
        if let type = response.headers.contentType, !(type.type == "application" && type.subType == "json") {
            let named = content.keys.contains("\(type.type)/\(type.subType)")
            return found.map { "\(prefix): \($0)" } + (named ? [] : ["\(prefix): \(type.type)/\(type.subType) is not a documented content type"])
        }
        guard let json = content["application/json"] as? [String: Any], let schema = json["schema"] as? [String: Any] else {
            return found.map { "\(prefix): \($0)" }
        }
        let body = response.body.getString(at: response.body.readerIndex, length: response.body.readableBytes) ?? ""
        guard !body.isEmpty else { return ["\(prefix): documented a JSON body, got none"] }
        guard let value = try? JSONDecoder().decode(AnyJSON.self, from: Data(body.utf8)) else {
            return ["\(prefix): the body is not JSON"]
        }
        Validator(document: document).check(value, against: schema, at: "$", problems: &found)
        return found.map { "\(prefix): \($0)" }
    }

    /// Records each problem as an issue of the running test.
    public static func check(method: HTTPMethod, path: String, response: TestingHTTPResponse, app: Application,
                             sourceLocation: SourceLocation) async {
        do {
            for problem in try await problems(method: method, path: path, response: response, app: app) {
                Issue.record(Comment(rawValue: "OpenAPI: " + problem), sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record(Comment(rawValue: "OpenAPI: the document could not be read: \(error)"), sourceLocation: sourceLocation)
        }
    }

    static func document(_ app: Application) async throws -> [String: Any] {
        if let cached = cache.lock.withLock({ cache.document }) { return cached }
        let response = try await app.testing().sendRequest(.GET, "/api/openapi.json")
        let parsed = try JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as? [String: Any] ?? [:]
        cache.lock.withLock { cache.document = parsed }
        return parsed
    }

    /// The document's path for a concrete path: `{name}` matches one segment;
    /// the template with the most fixed segments wins.
    static func match(_ path: String, in paths: [String: Any]) -> (String, [String: Any])? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var best: (String, [String: Any], Int)?
        for (template, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            let parts = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == segments.count else { continue }
            var fixed = 0
            var matches = true
            for (part, segment) in zip(parts, segments) {
                if part.hasPrefix("{") && part.hasSuffix("}") {
                    if segment.isEmpty { matches = false; break }
                } else if part == segment {
                    fixed += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches, fixed > (best?.2 ?? -1) { best = (template, item, fixed) }
        }
        return best.map { ($0.0, $0.1) }
    }

    struct Validator {
        let document: [String: Any]

        func resolve(_ schema: [String: Any]) -> [String: Any] {
            guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/") else { return schema }
            var node: Any = document
            for part in ref.dropFirst(2).split(separator: "/") {
                guard let object = node as? [String: Any], let next = object[String(part)] else { return [:] }
                node = next
            }
            var resolved = resolve(node as? [String: Any] ?? [:])
            for (key, value) in schema where key != "$ref" { resolved[key] = value }
            return resolved
        }

        func check(_ value: AnyJSON, against raw: [String: Any], at path: String, problems: inout [String]) {
            let schema = resolve(raw)
            if let all = schema["allOf"] as? [[String: Any]] {
                for part in all { check(value, against: part, at: path, problems: &problems) }
            }
            for keyword in ["oneOf", "anyOf"] {
                guard let options = schema[keyword] as? [[String: Any]] else { continue }
                let passing = options.filter { option in
                    var found: [String] = []
                    check(value, against: option, at: path, problems: &found)
                    return found.isEmpty
                }
                if passing.isEmpty || (keyword == "oneOf" && passing.count > 1) {
                    problems.append("\(path): matches \(passing.count) of the \(keyword) choices")
                }
            }
            if let types = typeList(schema["type"]), !types.contains(where: { Self.isOfType(value, $0) }) {
                problems.append("\(path): \(Self.describe(value)) is not \(types.joined(separator: " or "))")
                return
            }
            if let choices = schema["enum"] as? [Any], !choices.contains(where: { Self.same($0, value) }) {
                problems.append("\(path): \(Self.describe(value)) is not one of \(choices.map { "\($0)" }.joined(separator: ", "))")
            }
            // OpenAPIKit writes an enumeration of one value as `const`.
            if let constant = schema["const"], !Self.same(constant, value) {
                problems.append("\(path): \(Self.describe(value)) is not \(constant)")
            }
            if let format = schema["format"] as? String, let text = value.string, !Self.hasFormat(text, format) {
                problems.append("\(path): '\(text)' is not a \(format)")
            }
            if let object = value.object {
                for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                    problems.append("\(path): the required '\(name)' is missing")
                }
                let properties = schema["properties"] as? [String: Any] ?? [:]
                for (name, item) in object {
                    if let property = properties[name] as? [String: Any] {
                        check(item, against: property, at: "\(path).\(name)", problems: &problems)
                    } else if let extra = schema["additionalProperties"] as? [String: Any] {
                        check(item, against: extra, at: "\(path).\(name)", problems: &problems)
                    } else if schema["additionalProperties"] as? Bool == false {
                        problems.append("\(path): '\(name)' is not allowed")
                    }
                }
            }
            if let array = value.array, let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { check(item, against: items, at: "\(path)[\(index)]", problems: &problems) }
            }
        }

        func typeList(_ type: Any?) -> [String]? {
            if let one = type as? String { return [one] }
            return type as? [String]
        }

        static func isOfType(_ value: AnyJSON, _ type: String) -> Bool {
            switch (type, value) {
            case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object): return true
            case ("integer", .number(let number)): return number.rounded() == number
            case ("null", _), ("boolean", _), ("number", _), ("string", _), ("array", _), ("object", _), ("integer", _): return false
            default: return true
            }
        }

        static func same(_ choice: Any, _ value: AnyJSON) -> Bool {
            switch value {
            case .string(let text): return (choice as? String) == text
            case .number(let number): return (choice as? Int).map(Double.init) == number || (choice as? Double) == number
            case .bool(let flag): return (choice as? Bool) == flag
            case .null: return choice is NSNull
            default: return false
            }
        }

        static func hasFormat(_ text: String, _ format: String) -> Bool {
            switch format {
            case "uuid": return UUID(uuidString: text) != nil
            case "date": return text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
            case "date-time":
                let plain = ISO8601DateFormatter()
                let fractional = ISO8601DateFormatter()
                fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                return plain.date(from: text) != nil || fractional.date(from: text) != nil
            case "uri":
                guard let url = URL(string: text), let scheme = url.scheme, !scheme.isEmpty else { return false }
                return true
            case "uri-reference": return URL(string: text) != nil
            case "email": return text.contains("@") && !text.hasPrefix("@") && !text.hasSuffix("@")
            default: return true
            }
        }

        static func describe(_ value: AnyJSON) -> String {
            switch value {
            case .null: return "null"
            case .string(let text): return "'\(text.prefix(60))'"
            case .array: return "an array"
            case .object: return "an object"
            case .bool(let flag): return "\(flag)"
            case .number(let number): return "\(number)"
            }
        }
    }
}
