import Foundation
import FluentPostgresDriver
import Vapor
import BiebCore
import BiebStore

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
        var mapped = Self.map(error)
        if mapped.code == "invalid_json", let body = request.body.data, JSONDepth.exceeds(body.readableBytesView, limit: Self.jsonDepthLimit) {
            // Foundation's parser stops at this depth without saying so; say it.
            mapped = Mapped(status: .badRequest, code: "json_too_deep",
                            message: "The body is nested too deeply (at most \(Self.jsonDepthLimit) levels of arrays and objects).",
                            messageNL: "De inhoud is te diep genest (hoogstens \(Self.jsonDepthLimit) niveaus van lijsten en objecten).", field: nil)
        }
        if mapped.status == .notFound, request.route == nil {
            if let allowed = Self.allowedMethods(request) {
                mapped = Mapped(status: .methodNotAllowed, code: "method_not_allowed",
                                message: "This address does not take \(request.method.rawValue); it takes \(allowed).",
                                messageNL: "Dit adres neemt geen \(request.method.rawValue) aan, wel \(allowed).", field: nil, allow: allowed)
            } else if !RequestGuardMiddleware.implemented.contains(request.method.rawValue) {
                mapped = Mapped(status: .notImplemented, code: "method_not_implemented",
                                message: "Bieb does not implement the method \(request.method.rawValue).",
                                messageNL: "Bieb kent de methode \(request.method.rawValue) niet.", field: nil)
            }
        }
        if mapped.status == .internalServerError {
            request.logger.report(error: error)
        } else if mapped.code == "database_full" {
            request.logger.critical("the database's disk is full: a write was refused and rolled back (\(String(describing: error))); free space on the disk")
        } else if mapped.code == "database_unreachable" {
            request.logger.warning("database unreachable, answered 503 (\((error as? PSQLError).map { String(describing: $0.code) } ?? "connection"))")
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
        if let allowed = mapped.allow {
            response.headers.replaceOrAdd(name: .allow, value: allowed)
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
        /// For 405: the methods the path does take.
        var allow: String?
    }

    /// The methods of the path when the router found none for this one (a 405, not a 404).
    static func allowedMethods(_ request: Request) -> String? {
        guard let table = request.application.storage[AllowedMethodsKey.self] else { return nil }
        let methods = table.methods(for: request)
        guard !methods.isEmpty, !methods.contains(request.method.rawValue) else { return nil }
        return methods.sorted().joined(separator: ", ")
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
        case let error where DatabaseBusy.matches(error):
            return Mapped(status: .serviceUnavailable, code: "busy",
                          message: "The library system is busy. Try again in a moment.",
                          messageNL: "Het bibliotheeksysteem heeft het even druk. Probeer het zo opnieuw.", field: nil,
                          retryAfter: DatabaseBusy.retryAfter)
        case let error where DatabaseFull.matches(error):
            return Mapped(status: .serviceUnavailable, code: "database_full",
                          message: "The library system cannot save anything now: its disk is full. Nothing was changed; the operator has been told.",
                          messageNL: "Het bibliotheeksysteem kan nu niets opslaan: de schijf is vol. Er is niets veranderd; de beheerder is gewaarschuwd.",
                          field: nil, retryAfter: DatabaseFull.retryAfter)
        case let error where DatabaseUnreachable.matches(error):
            return Mapped(status: .serviceUnavailable, code: "database_unreachable",
                          message: "The library system cannot reach its database for a moment. Try again shortly.",
                          messageNL: "Het bibliotheeksysteem kan zijn database even niet bereiken. Probeer het zo opnieuw.", field: nil,
                          retryAfter: DatabaseUnreachable.retryAfter)
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
            } else if status == .payloadTooLarge {
                message = "The body is too large."
                messageNL = "De inhoud is te groot."
            } else if abort.reason.contains("too nested") {
                // Vapor's form decoder stops at 100 levels of a[b][c]…
                return Mapped(status: .badRequest, code: "form_too_deep",
                              message: "The form's field names are nested too deeply (at most 100 levels).",
                              messageNL: "De veldnamen van het formulier zijn te diep genest (hoogstens 100 niveaus).", field: nil)
            } else if status == .badRequest {
                // Vapor's own reasons are English only; say it in both languages.
                message = "The request could not be read: \(abort.reason)"
                messageNL = "Het verzoek kon niet worden gelezen: \(abort.reason)"
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
            return Mapped(status: .badRequest, code: "invalid_type", message: "\(field ?? "The body") must be \(Self.describe(type, dutch: false)).",
                          messageNL: "\(field ?? "De inhoud") moet \(Self.describe(type, dutch: true)) zijn.", field: field)
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

    /// Foundation's JSON parser refuses deeper nesting than this (it does not recurse further).
    static let jsonDepthLimit = 512

    static func describe(_ type: Any.Type, dutch: Bool) -> String {
        switch type {
        case is String.Type: dutch ? "tekst" : "a string"
        case is Int.Type: dutch ? "een geheel getal" : "a whole number"
        case is Double.Type: dutch ? "een getal" : "a number"
        case is Bool.Type: dutch ? "true of false" : "true or false"
        case is UUID.Type: dutch ? "een id (UUID)" : "an id (UUID)"
        case is [Any].Type: dutch ? "een lijst" : "a list"
        default: dutch ? "van een ander soort" : "of another type"
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
        case .uriTooLong: .uriTooLong
        }
    }
}
