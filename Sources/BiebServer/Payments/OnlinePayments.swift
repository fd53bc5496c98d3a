import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

extension Application {
    struct PaymentSettingsKey: StorageKey { typealias Value = PaymentSettings }

    /// How this server takes online payments (nil: it does not).
    var paymentSettings: PaymentSettings? {
        get { storage[PaymentSettingsKey.self] }
        set { storage[PaymentSettingsKey.self] = newValue }
    }
}

/// Online payment of fees and memberships for one organisation: starting a
/// payment at the provider, taking in what the provider reports (webhook,
/// the member's return, or the five-minutely check of payments that heard
/// nothing), refunds, and reconciliation. Booking itself is `Payments.apply`
/// (exactly once).
struct OnlinePayments {
    let app: Application
    let organisation: Organisation

    var store: Payments { Payments(app.db, organisationID: organisation.id!) }

    static let unavailable = BiebError(.unavailable, code: "payments_unavailable", message: "Online payment is not available; pay at the desk.",
                                       nl: "Online betalen is niet beschikbaar; betaal aan de balie.")

    func provider() throws -> any PaymentProvider {
        guard let settings = app.paymentSettings else { throw Self.unavailable }
        return settings.makeProvider()
    }

    func provider(named name: String) throws -> any PaymentProvider {
        let provider = try provider()
        guard provider.name == name else {
            throw PaymentProviderError(description: "payment made with provider \(name), this server uses \(provider.name)")
        }
        return provider
    }

    var base: String { app.bieb.baseURL }

    /// The portal page the member comes back to.
    func returnURL(_ payment: UUID) -> String { base + "/\(organisation.slug)/mijn/betaling/\(payment.uuidString.lowercased())" }
    var webhookURL: String { base + "/api/v1/payments/webhook/\(organisation.slug)" }

    /// What a payment of `purpose` comes to for the member now, and its
    /// description (on the member's bank statement: no personal data).
    func amount(for purpose: PaymentPurpose, member: Member, today: LocalDate) async throws -> (cents: Int, description: String) {
        switch purpose {
        case .fees:
            guard member.balanceCents > 0 else {
                throw BiebError(.conflict, code: "nothing_to_pay", field: "purpose", message: "There are no fees to pay.",
                                nl: "Er staan geen kosten open.")
            }
            return (member.balanceCents, "\(organisation.name): openstaande kosten")
        case .membership:
            guard let type = try await MembershipType.find(member.membershipTypeID, on: app.db) else {
                throw BiebError.notFound("membership_type", nl: "Abonnementsvorm niet gevonden.")
            }
            if type.youth && !member.isYouth(on: today) {
                throw BiebError(.conflict, code: "youth_membership_ended", field: "purpose",
                                message: "You are 18 or older: choose an adult membership at the desk first.",
                                nl: "Je bent 18 of ouder: kies eerst aan de balie een abonnement voor volwassenen.")
            }
            let fee = Membership.fee(yearlyCents: type.yearlyFeeCents, birthDate: member.birthDate, on: today)
            guard fee > 0 else {
                throw BiebError(.conflict, code: "nothing_to_pay", field: "purpose", message: "This membership is free: renew it without paying.",
                                nl: "Dit abonnement is gratis: verleng het zonder te betalen.")
            }
            let end = Membership.renewedEnd(currentEnd: member.membershipEnd, today: today)
            return (fee, "\(organisation.name): abonnement \(type.nameNL) tot en met \(end.dutchText)")
        }
    }

    /// Starts a payment: created here, then at the provider; the member goes to `checkoutURL`.
    func start(member: Member, purpose: PaymentPurpose, now: Date = Date()) async throws -> PaymentRecord {
        let provider = try provider()
        let (cents, description) = try await amount(for: purpose, member: member, today: LocalDate(now, in: organisation.zone))
        let payment = try await store.create(member: member.id!, purpose: purpose, amountCents: cents, provider: provider.name,
                                             description: description, now: now)
        if payment.checkoutURL != nil { return payment }
        do {
            let (id, checkout) = try await provider.create(NewProviderPayment(amountCents: cents, description: description,
                                                                              redirectURL: returnURL(payment.id), webhookURL: webhookURL,
                                                                              reference: payment.id), on: app)
            try await store.attach(payment.id, providerPaymentID: id, checkoutURL: checkout, now: now)
        } catch let error as PaymentProviderError {
            try await store.abandon(payment.id, now: now)
            app.logger.error("payment \(payment.id): \(error.description)")
            throw error.biebError
        }
        return try await store.find(payment.id)!
    }

    /// Asks the provider for the state of a payment and books what it says.
    @discardableResult
    func refresh(_ payment: PaymentRecord, now: Date = Date()) async throws -> PaymentRecord {
        guard let providerID = payment.providerPaymentID else { return payment }
        let state: ProviderPaymentState
        do {
            state = try await provider(named: payment.provider).fetch(providerID, on: app)
        } catch let error as PaymentProviderError {
            app.logger.warning("payment \(payment.id): \(error.description)")
            throw error.biebError
        }
        let applied = try await store.apply(payment.id, state: state, now: now, timeZone: organisation.zone)
        if applied == .booked { app.logger.info("payment \(payment.id) booked: \(state.amountCents) cents") }
        return try await store.find(payment.id) ?? payment
    }

    /// The provider says something changed about one of its payments.
    /// Unknown ids are ignored (the answer does not tell which exist).
    func webhook(providerPaymentID: String) async throws {
        let name = try provider().name
        guard let payment = try await store.find(provider: name, providerPaymentID: providerPaymentID) else { return }
        try await refresh(payment)
    }

    /// Open payments that heard nothing for ten minutes are asked again
    /// (a lost webhook never loses a payment). Returns how many were booked.
    func refreshStale(now: Date = Date()) async throws -> Int {
        guard app.paymentSettings != nil else { return 0 }
        var booked = 0
        for payment in try await store.stale(before: now.addingTimeInterval(-600)) {
            do {
                if try await refresh(payment, now: now).status == .paid { booked += 1 }
            } catch let error as BiebError where error.code == "payment_provider_error" {
                continue
            }
        }
        return booked
    }

    /// Refunds (part of) a paid payment: reserved here, done at the
    /// provider, then on the ledger; released again when the provider refuses.
    func refund(_ paymentID: UUID, cents: Int, staff: UUID?, note: String, now: Date = Date()) async throws -> PaymentRecord {
        guard let existing = try await store.find(paymentID) else { throw BiebError.notFound("payment", nl: "Betaling niet gevonden.") }
        let provider = try provider(named: existing.provider)
        let payment = try await store.reserveRefund(paymentID, cents: cents, now: now)
        let refundID: String
        do {
            refundID = try await provider.refund(payment.providerPaymentID ?? "", cents: cents,
                                                 description: "\(organisation.name): terugbetaling", on: app)
        } catch let error as PaymentProviderError {
            try await store.releaseRefund(paymentID, cents: cents, now: now)
            app.logger.error("refund of payment \(paymentID): \(error.description)")
            throw error.biebError
        }
        try await store.confirmRefund(paymentID, cents: cents, providerRefundID: refundID, staff: staff,
                                      note: note.isEmpty ? "Terugbetaald" : note, now: now)
        return try await store.find(paymentID)!
    }

    /// The test provider tells a webhook in this server.
    static func notify(app: Application, webhookURL: String, providerPaymentID: String) async throws {
        guard let slug = URLComponents(string: webhookURL)?.path.split(separator: "/").last.map(String.init),
              let organisation = try await BranchDirectory(app.db).organisation(slug: slug) else { return }
        try await OnlinePayments(app: app, organisation: organisation).webhook(providerPaymentID: providerPaymentID)
    }
}
