import Foundation
import Vapor
import BiebCore

/// The JSON body of every API error:
/// `{"error": {"code": "...", "message": "...", "field": "..."}}`.
struct APIErrorBody: Content {
    struct Detail: Content {
        let code: String
        let message: String
        let field: String?
    }
    let error: Detail
}

/// Turns every error into a response: JSON for `/api` and machine clients,
/// a plain page for browsers. Anything a client sent wrong is a 4xx naming
/// what was wrong; only real faults are a 500, logged without personal data.
struct BiebErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await response(for: error, request: request)
        }
    }

    func response(for error: any Error, request: Request) async -> Response {
        let mapped = Self.map(error)
        if mapped.status == .internalServerError {
            request.logger.report(error: error)
        }
        let wantsJSON = request.url.path.hasPrefix("/api") || request.url.path == "/health"
            || (request.headers.accept.mediaTypes.contains(.json) && !request.headers.accept.mediaTypes.contains(.html))
        let lang = Language.of(request)
        let message = lang == .nl ? mapped.messageNL : mapped.message
        let response: Response
        if wantsJSON {
            response = Response(status: mapped.status)
            try? response.content.encode(APIErrorBody(error: .init(code: mapped.code, message: message, field: mapped.field)))
        } else {
            let page = ErrorPage(lang: lang, status: mapped.status, message: message, field: mapped.field)
            response = (try? await page.render(request)) ?? Response(status: mapped.status, body: .init(string: message))
            response.status = mapped.status
        }
        if let retry = mapped.retryAfter {
            response.headers.replaceOrAdd(name: .retryAfter, value: String(retry))
        }
        if mapped.status == .unauthorized, wantsJSON {
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"bieb\"")
        }
        return response
    }

    struct Mapped {
        var status: HTTPResponseStatus
        var code: String
        var message: String
        var messageNL: String
        var field: String?
        var retryAfter: Int?
    }

    static func map(_ error: any Error) -> Mapped {
        switch error {
        case let error as BiebError:
            return Mapped(status: error.httpStatus, code: error.code, message: error.message, messageNL: error.messageNL,
                          field: error.field, retryAfter: error.retryAfter)
        case let error as OpeningHoursError:
            return map(error.biebError)
        case let error as DecodingError:
            return decoding(error)
        case let abort as any AbortError where abort.status.code < 500:
            let status = abort.status
            let code: String
            switch status {
            case .notFound: code = "not_found"
            case .methodNotAllowed: code = "method_not_allowed"
            case .payloadTooLarge: code = "payload_too_large"
            case .unsupportedMediaType: code = "unsupported_media_type"
            case .unauthorized: code = "unauthorized"
            case .forbidden: code = "forbidden"
            default: code = "bad_request"
            }
            var message = abort.reason
            var messageNL = abort.reason
            if status == .notFound {
                message = "Not found."
                messageNL = "Niet gevonden."
            } else if status == .unsupportedMediaType {
                message = "Send the body as application/json (or a form)."
                messageNL = "Stuur de inhoud als application/json (of als formulier)."
            }
            return Mapped(status: status, code: code, message: message, messageNL: messageNL, field: nil)
        default:
            return Mapped(status: .internalServerError, code: "server_error",
                          message: "Something went wrong on our side. It has been logged.",
                          messageNL: "Er ging aan onze kant iets mis. Dit is vastgelegd.", field: nil)
        }
    }

    /// A decoding error names the field by its path ("schedules[0].periods[1].opens").
    static func decoding(_ error: DecodingError) -> Mapped {
        func path(_ codingPath: [any CodingKey]) -> String? {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return Mapped(status: .badRequest, code: "missing_field", message: "\(field ?? key.stringValue) is required.",
                          messageNL: "\(field ?? key.stringValue) is verplicht.", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let expected = Self.describe(type)
            return Mapped(status: .badRequest, code: "invalid_type", message: "\(field ?? "The body") must be \(expected).",
                          messageNL: "\(field ?? "De inhoud") moet \(expected) zijn.", field: field)
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return Mapped(status: .badRequest, code: "missing_field", message: "\(field ?? "A value") must not be null.",
                          messageNL: "\(field ?? "Een waarde") mag niet leeg zijn.", field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            let detail = context.debugDescription.contains("JSON") || field == nil
                ? "The body is not valid JSON." : context.debugDescription
            return Mapped(status: .badRequest, code: field == nil ? "invalid_json" : "invalid_value",
                          message: detail, messageNL: field == nil ? "De inhoud is geen geldige JSON." : detail, field: field)
        @unknown default:
            return Mapped(status: .badRequest, code: "bad_request", message: "The request could not be read.",
                          messageNL: "Het verzoek kon niet worden gelezen.", field: nil)
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is UUID.Type: "an id (UUID)"
        default: "of another type"
        }
    }
}

/// The page shown to browsers for an error.
struct ErrorPage {
    let lang: Language
    let status: HTTPResponseStatus
    let message: String
    let field: String?

    func render(_ request: Request) async throws -> Response {
        struct Context: Encodable {
            let page: PageContext
            let status: UInt
            let message: String
        }
        let page = PageContext(request, lang: lang, title: "\(status.code) \(status.reasonPhrase)")
        let view = try await request.view.render("error", Context(page: page, status: status.code, message: message))
        return try await view.encodeResponse(status: status, for: request)
    }
}

extension BiebError {
    /// The HTTP status of this kind of error (API answers and pages that show it).
    var httpStatus: HTTPResponseStatus {
        switch kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .forbidden: .forbidden
        case .unauthorized: .unauthorized
        case .tooManyRequests: .tooManyRequests
        case .badGateway: .badGateway
        case .unavailable: .serviceUnavailable
        }
    }
}
