import Foundation
import Vapor
import BiebCore
import BiebStore

/// Mollie's payments API (v2), the common Dutch payment service provider:
/// iDEAL, cards and more on Mollie's hosted checkout page.
///
/// - create: `POST /v2/payments` with amount (EUR, "12.50"), description,
///   redirectUrl, webhookUrl and our id as metadata; the answer's
///   `_links.checkout.href` is where the member pays.
/// - webhook: Mollie posts `id=tr_…` (form-encoded) on every change; Bieb
///   then fetches `GET /v2/payments/{id}`.
/// - refund: `POST /v2/payments/{id}/refunds` with an amount.
///
/// Authenticated with the server's API key (`BIEB_MOLLIE_API_KEY`, `Authorization: Bearer live_…`):
/// every organisation on a server is paid into that one Mollie account.
struct MollieProvider: PaymentProvider {
    let apiKey: String
    let baseURL: String
    var name: String { "mollie" }

    struct Amount: Codable {
        let currency: String
        let value: String
    }

    struct CreateBody: Encodable {
        let amount: Amount
        let description: String
        let redirectUrl: String
        let webhookUrl: String
        let metadata: [String: String]
    }

    struct PaymentBody: Decodable {
        struct Links: Decodable {
            struct Link: Decodable { let href: String }
            let checkout: Link?
        }
        let id: String
        let status: String
        let amount: Amount
        let _links: Links?
    }

    struct RefundBody: Encodable {
        let amount: Amount
        let description: String
    }

    struct RefundAnswer: Decodable {
        let id: String
    }

    struct ErrorBody: Decodable {
        let status: Int?
        let title: String?
        let detail: String?
        let field: String?
    }

    var headers: HTTPHeaders {
        ["Authorization": "Bearer \(apiKey)", "Accept": "application/json"]
    }

    func url(_ path: String) -> URI {
        URI(string: (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + path)
    }

    /// Mollie's statuses: open, pending and authorized are still under way.
    static func status(_ text: String) -> PaymentStatus {
        switch text {
        case "paid": .paid
        case "failed": .failed
        case "canceled": .canceled
        case "expired": .expired
        default: .open
        }
    }

    /// Mollie answers `application/hal+json`: decoded as the JSON it is.
    func decode<T: Decodable>(_ type: T.Type, _ response: ClientResponse, _ what: String) throws -> T {
        guard let body = response.body else { throw PaymentProviderError(description: "Mollie \(what): empty answer") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw PaymentProviderError(description: "Mollie \(what): answer not understood (\(error))")
        }
    }

    func check(_ response: ClientResponse, _ what: String) throws {
        guard (200..<300).contains(response.status.code) else {
            let body = try? decode(ErrorBody.self, response, what)
            throw PaymentProviderError(description: "Mollie \(what): HTTP \(response.status.code) \(body?.title ?? "") \(body?.detail ?? "")"
                                       + (body?.field.map { " (field \($0))" } ?? ""))
        }
    }

    func create(_ request: NewProviderPayment, on app: Application) async throws -> (id: String, checkoutURL: String) {
        let body = CreateBody(amount: Amount(currency: "EUR", value: Money.decimal(request.amountCents)), description: request.description,
                              redirectUrl: request.redirectURL, webhookUrl: request.webhookURL,
                              metadata: ["bieb_payment": request.reference.uuidString.lowercased()])
        let response = try await send(app) { try await app.client.post(url("/payments"), headers: headers) { try $0.content.encode(body, as: .json) } }
        try check(response, "create payment")
        let payment = try decode(PaymentBody.self, response, "payment")
        guard let checkout = payment._links?.checkout?.href else {
            throw PaymentProviderError(description: "Mollie create payment: no checkout link for \(payment.id)")
        }
        return (payment.id, checkout)
    }

    func fetch(_ id: String, on app: Application) async throws -> ProviderPaymentState {
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw PaymentProviderError(description: "Mollie: not a payment id")
        }
        let response = try await send(app) { try await app.client.get(url("/payments/\(id)"), headers: headers) }
        try check(response, "get payment")
        let payment = try decode(PaymentBody.self, response, "payment")
        guard payment.amount.currency == "EUR", let cents = Money.cents(decimal: payment.amount.value) else {
            throw PaymentProviderError(description: "Mollie get payment: amount \(payment.amount.value) \(payment.amount.currency) not understood")
        }
        return ProviderPaymentState(status: Self.status(payment.status), amountCents: cents)
    }

    func refund(_ id: String, cents: Int, description: String, on app: Application) async throws -> String {
        let body = RefundBody(amount: Amount(currency: "EUR", value: Money.decimal(cents)), description: description)
        let response = try await send(app) {
            try await app.client.post(url("/payments/\(id)/refunds"), headers: headers) { try $0.content.encode(body, as: .json) }
        }
        try check(response, "create refund")
        return try decode(RefundAnswer.self, response, "create refund").id
    }

    /// A request that fails to connect is the provider's problem, told as such.
    func send(_ app: Application, _ body: () async throws -> ClientResponse) async throws -> ClientResponse {
        do {
            return try await body()
        } catch let error as PaymentProviderError {
            throw error
        } catch {
            throw PaymentProviderError(description: "Mollie unreachable: \(error)")
        }
    }
}
