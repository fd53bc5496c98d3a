import Foundation
import Vapor
import BiebCore
import BiebStore

/// A payment service provider: creates a payment the member completes on
/// the provider's page, reports its state when asked, and refunds.
/// Webhooks only say "something changed about payment X": the state is
/// always fetched from the provider (`fetch`), never read from the webhook.
protocol PaymentProvider: Sendable {
    /// "test" or "mollie": stored with each payment.
    var name: String { get }
    func create(_ request: NewProviderPayment, on app: Application) async throws -> (id: String, checkoutURL: String)
    func fetch(_ id: String, on app: Application) async throws -> ProviderPaymentState
    /// Returns the provider's id of the refund.
    func refund(_ id: String, cents: Int, description: String, on app: Application) async throws -> String
}

struct NewProviderPayment: Sendable {
    let amountCents: Int
    let description: String
    /// Where the member's browser goes when done.
    let redirectURL: String
    /// Where the provider reports changes.
    let webhookURL: String
    /// Our payment id (the provider keeps it as metadata).
    let reference: UUID
}

/// How online payments are set up (`BIEB_PAYMENT_PROVIDER`, `BIEB_MOLLIE_API_KEY`, `BIEB_MOLLIE_API_URL`).
public struct PaymentSettings: Sendable {
    public enum Provider: String, Sendable {
        /// The built-in test provider: a page of Bieb's own where you choose
        /// what happens. For the demo and tests only: anyone can "pay" there.
        case test
        /// Mollie's REST API (iDEAL, cards, …).
        case mollie
    }

    public static let mollieDefaultURL = "https://api.mollie.com/v2"

    public var provider: Provider
    public var mollieAPIKey: String?
    public var mollieAPIURL: String

    public init(provider: Provider, mollieAPIKey: String? = nil, mollieAPIURL: String = PaymentSettings.mollieDefaultURL) {
        self.provider = provider
        self.mollieAPIKey = mollieAPIKey
        self.mollieAPIURL = mollieAPIURL
    }

    /// From the environment: Mollie when an API key is set, the test
    /// provider only when asked for by name; otherwise nil (no online payment).
    public static func fromEnvironment(default fallback: Provider?) throws -> PaymentSettings? {
        let key = Environment.get("BIEB_MOLLIE_API_KEY").flatMap { $0.isEmpty ? nil : $0 }
        let url = Environment.get("BIEB_MOLLIE_API_URL").flatMap { $0.isEmpty ? nil : $0 } ?? mollieDefaultURL
        let named = Environment.get("BIEB_PAYMENT_PROVIDER").flatMap { $0.isEmpty ? nil : $0.lowercased() }
        if let named, named != "off", Provider(rawValue: named) == nil {
            throw BiebError.invalid("BIEB_PAYMENT_PROVIDER", "BIEB_PAYMENT_PROVIDER is mollie, test or off.",
                                    nl: "BIEB_PAYMENT_PROVIDER is mollie, test of off.")
        }
        if named == "off" { return nil }
        let provider = named.flatMap(Provider.init) ?? (key != nil ? .mollie : fallback)
        guard let provider else { return nil }
        if provider == .mollie {
            guard let key, key.hasPrefix("live_") || key.hasPrefix("test_") else {
                throw BiebError.invalid("BIEB_MOLLIE_API_KEY", "BIEB_MOLLIE_API_KEY is a Mollie API key (live_… or test_…).",
                                        nl: "BIEB_MOLLIE_API_KEY is een Mollie-API-sleutel (live_… of test_…).")
            }
        }
        return PaymentSettings(provider: provider, mollieAPIKey: key, mollieAPIURL: url)
    }

    func makeProvider() -> any PaymentProvider {
        switch provider {
        case .test: TestPaymentProvider()
        case .mollie: MollieProvider(apiKey: mollieAPIKey ?? "", baseURL: mollieAPIURL)
        }
    }
}

extension Money {
    /// "12.50" (a provider's amount) for 1250 cents.
    static func decimal(_ cents: Int) -> String {
        "\(cents / 100).\(String(format: "%02d", cents % 100))"
    }

    /// Cents of a provider's decimal amount ("12.50", "12.5", "12"), exactly; nil when it is not one.
    static func cents(decimal text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0, parts[0].allSatisfy(\.isNumber) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy(\.isNumber), let value = Int(digits) else { return nil }
            fraction = digits.count == 1 ? value * 10 : value
        }
        return whole * 100 + fraction
    }
}

/// A provider could not be reached or refused: the member sees a plain
/// message, the log gets the provider's words (never the member's data).
struct PaymentProviderError: Error, CustomStringConvertible {
    let description: String

    var biebError: BiebError {
        BiebError(.badGateway, code: "payment_provider_error", message: "The payment service could not be reached; try again later.",
                  nl: "De betaaldienst is nu niet bereikbaar; probeer het later nog eens.")
    }
}
