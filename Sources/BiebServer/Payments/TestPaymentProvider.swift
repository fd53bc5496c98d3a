import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The built-in test provider: a payment service provider of Bieb's own,
/// so that the demo and the tests pay with no outside service. It keeps its
/// payments in `test_provider_payments`, shows a checkout page
/// (`/betalen/test/{id}`) where you choose what happens — paid, failed or
/// cancelled — and then, like a real provider, calls the webhook (which
/// fetches the state back) and sends the browser to the redirect address.
/// Anyone can "pay" there: it is only on when chosen (`bieb demo`,
/// `BIEB_PAYMENT_PROVIDER=test`).
struct TestPaymentProvider: PaymentProvider {
    var name: String { "test" }

    func create(_ request: NewProviderPayment, on app: Application) async throws -> (id: String, checkoutURL: String) {
        let id = "tst_" + String(Tokens.generate().filter { $0.isLetter || $0.isNumber }.prefix(16))
        try await WriteGate.transaction(on: app.db) { tx in
            try await tx.sql.raw("""
                INSERT INTO test_provider_payments (id, amount_cents, status, refunded_cents, description, redirect_url, webhook_url, created_at)
                VALUES (\(bind: id), \(bind: request.amountCents), 'open', 0, \(bind: request.description), \(bind: request.redirectURL),
                    \(bind: request.webhookURL), \(bind: Date()))
                """).run()
        }
        return (id, app.bieb.baseURL + "/betalen/test/\(id)")
    }

    struct Stored {
        let id: String
        let amountCents: Int
        let status: PaymentStatus
        let refundedCents: Int
        let description: String
        let redirectURL: String
        let webhookURL: String?
        let createdAt: Date
    }

    static func stored(_ id: String, on db: any Database) async throws -> Stored? {
        guard let row = try await db.sql.raw("SELECT * FROM test_provider_payments WHERE id = \(bind: id)").first() else {
            return nil
        }
        return Stored(id: id, amountCents: try row.decode(column: "amount_cents", as: Int.self),
                      status: PaymentStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed,
                      refundedCents: try row.decode(column: "refunded_cents", as: Int.self),
                      description: try row.decode(column: "description", as: String.self),
                      redirectURL: try row.decode(column: "redirect_url", as: String.self),
                      webhookURL: try row.decode(column: "webhook_url", as: String?.self),
                      createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    func fetch(_ id: String, on app: Application) async throws -> ProviderPaymentState {
        guard let stored = try await Self.stored(id, on: app.db) else {
            throw PaymentProviderError(description: "test provider: no payment \(id)")
        }
        // Like a real provider, a checkout left open for a day expires.
        if stored.status == .open, Date().timeIntervalSince(stored.createdAt) > 86_400, try await Self.settle(id, as: .expired, on: app.db) {
            return ProviderPaymentState(status: .expired, amountCents: stored.amountCents)
        }
        return ProviderPaymentState(status: stored.status, amountCents: stored.amountCents)
    }

    func refund(_ id: String, cents: Int, description: String, on app: Application) async throws -> String {
        let done = try await WriteGate.transaction(on: app.db) { tx in
            try await tx.sql.raw("""
                UPDATE test_provider_payments SET refunded_cents = refunded_cents + \(bind: cents)
                WHERE id = \(bind: id) AND status = 'paid' AND refunded_cents + \(bind: cents) <= amount_cents RETURNING id
                """).first() != nil
        }
        guard done else { throw PaymentProviderError(description: "test provider: refund of \(cents) refused for \(id)") }
        return "tre_" + String(Tokens.generate().filter { $0.isLetter || $0.isNumber }.prefix(16))
    }

    /// The outcome chosen on the checkout page (once: a payment that is no longer open stays as it is).
    static func settle(_ id: String, as status: PaymentStatus, on db: any Database) async throws -> Bool {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE test_provider_payments SET status = \(bind: status.rawValue) WHERE id = \(bind: id) AND status = 'open' RETURNING id
                """).first() != nil
        }
    }
}

/// The test provider's checkout page.
struct TestCheckoutPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped(StaffSessionsMiddleware()).grouped(CSRFMiddleware()).grouped("betalen", "test")
        pages.get(":id", use: show)
        pages.post(":id", use: choose)
    }

    struct Context: Encodable {
        let page: PageContext
        let id: String
        let amount: String
        let description: String
        let open: Bool
        let status: String
    }

    func enabled(_ req: Request) throws {
        guard req.application.paymentSettings?.provider == .test else { throw Abort(.notFound) }
    }

    func show(req: Request) async throws -> View {
        try enabled(req)
        guard let id = req.parameters.get("id"), let stored = try await TestPaymentProvider.stored(id, on: req.db) else { throw Abort(.notFound) }
        let lang = Language.of(req)
        let page = PageContext(req, lang: lang, title: Locales.text("testpay_title", lang), csrf: CSRFMiddleware.token(for: req))
        return try await req.view.render("payments/test_checkout", Context(
            page: page, id: id, amount: Money.text(stored.amountCents), description: stored.description, open: stored.status == .open,
            status: Locales.text("payment_status_\(stored.status.rawValue)", lang)))
    }

    func choose(req: Request) async throws -> Response {
        try enabled(req)
        guard let id = req.parameters.get("id"), let stored = try await TestPaymentProvider.stored(id, on: req.db) else { throw Abort(.notFound) }
        let outcome = (try? req.content.get(String.self, at: "outcome")).flatMap(PaymentStatus.init(rawValue:))
        guard let outcome, [.paid, .failed, .canceled].contains(outcome) else {
            throw BiebError.invalid("outcome", "Choose paid, failed or canceled.", nl: "Kies paid, failed of canceled.")
        }
        if try await TestPaymentProvider.settle(id, as: outcome, on: req.db), let webhook = stored.webhookURL {
            // As a provider would: tell the webhook (which fetches the state itself).
            try await OnlinePayments.notify(app: req.application, webhookURL: webhook, providerPaymentID: id)
        }
        return req.redirect(to: stored.redirectURL, redirectType: .normal)
    }
}
