import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What an online payment is for.
public enum PaymentPurpose: String, Codable, Sendable, CaseIterable {
    /// The member's open fees (the balance when the payment was started).
    case fees
    /// A year of paid membership: the membership is renewed when it is paid.
    case membership
}

/// The state of an online payment, as the payment provider reports it.
public enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    case open, paid, failed, canceled, expired

    /// Nothing changes any more (refunds aside).
    public var isFinal: Bool { self != .open }
}

/// An online payment.
public struct PaymentRecord: Sendable, Equatable, Codable {
    public let id: UUID
    public let organisationID: UUID
    /// Nil once the member was erased (the amounts stay for the bookkeeping).
    public let memberID: UUID?
    public let purpose: PaymentPurpose
    public let amountCents: Int
    /// "test" or "mollie".
    public let provider: String
    public let providerPaymentID: String?
    public let checkoutURL: String?
    public let status: PaymentStatus
    /// When it went on the ledger (exactly once).
    public let bookedAt: Date?
    public let refundedCents: Int
    public let description: String
    public let createdAt: Date
    public let updatedAt: Date

    /// Coded as its row in `payments`: each key is a column, named here once
    /// (`Payments` reads rows with SQLKit's `decode(model:)`).
    enum CodingKeys: String, CodingKey {
        case id, organisationID = "organisation_id", memberID = "member_id", purpose, amountCents = "amount_cents", provider
        case providerPaymentID = "provider_payment_id", checkoutURL = "checkout_url", status, bookedAt = "booked_at"
        case refundedCents = "refunded_cents", description, createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// What the provider says about a payment (always fetched from the
/// provider, never taken from a webhook's body).
public struct ProviderPaymentState: Sendable, Equatable {
    public let status: PaymentStatus
    /// What was paid (for a paid payment).
    public let amountCents: Int
    public init(status: PaymentStatus, amountCents: Int) {
        self.status = status
        self.amountCents = amountCents
    }
}

/// A payment and the ledger that disagree.
public struct PaymentMismatch: Sendable, Equatable, Codable {
    public let paymentID: UUID
    public let status: PaymentStatus
    public let amountCents: Int
    /// Paid in on the ledger by this payment (positive).
    public let bookedCents: Int
    public let refundedCents: Int
    /// Refunded on the ledger (positive).
    public let ledgerRefundCents: Int
}

/// Online payments and their booking on the ledger.
///
/// Exactly once: a payment goes on the ledger in the same transaction that
/// sets its `booked_at`, by a conditional update that only one caller can
/// win — so a webhook that arrives twice, late, out of order, or at two app
/// servers at once, books it once. Statuses never go back to `open`, and a
/// late "failed" never undoes "paid"; money the provider says it received
/// is always booked, even after a failure was reported. A payment that
/// never gets a webhook is found by `stale` and fetched again (each check
/// moves it to the back of that list).
public struct Payments: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    static func record(_ row: any SQLRow) throws -> PaymentRecord {
        try row.decode(model: PaymentRecord.self)
    }

    // MARK: Starting

    /// A new payment, before the provider knows of it.
    public func create(member: UUID, purpose: PaymentPurpose, amountCents: Int, provider: String, description: String,
                       now: Date = Date()) async throws -> PaymentRecord {
        guard amountCents > 0 else {
            throw BiebError(.conflict, code: "nothing_to_pay", message: "There is nothing to pay.", nl: "Er valt niets te betalen.")
        }
        let id = UUID()
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            // One open payment per member and purpose: a second tab does not start a second payment.
            if let open = try await sql.raw("""
                SELECT * FROM payments WHERE member_id = \(bind: member) AND purpose = \(bind: purpose.rawValue)
                    AND status = 'open' AND amount_cents = \(bind: amountCents) AND checkout_url IS NOT NULL
                    AND created_at > \(bind: now.addingTimeInterval(-900))
                """).first() {
                return try Self.record(open)
            }
            return try Self.record(try await sql.raw("""
                INSERT INTO payments (id, organisation_id, member_id, purpose, amount_cents, provider, status, refunded_cents, description,
                    created_at, updated_at)
                VALUES (\(bind: id), \(bind: organisationID), \(bind: member), \(bind: purpose.rawValue), \(bind: amountCents), \(bind: provider),
                    'open', 0, \(bind: description), \(bind: now), \(bind: now))
                RETURNING *
                """).first()!)
        }
    }

    /// The provider's id and checkout page for a payment just created there.
    public func attach(_ payment: UUID, providerPaymentID: String, checkoutURL: String, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE payments SET provider_payment_id = \(bind: providerPaymentID), checkout_url = \(bind: checkoutURL), updated_at = \(bind: now)
                WHERE id = \(bind: payment) AND provider_payment_id IS NULL
                """).run()
        }
    }

    /// The provider could not start it.
    public func abandon(_ payment: UUID, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE payments SET status = 'failed', updated_at = \(bind: now) WHERE id = \(bind: payment) AND status = 'open'
                """).run()
        }
    }

    // MARK: Reading

    public func find(_ id: UUID) async throws -> PaymentRecord? {
        try await sql.raw("SELECT * FROM payments WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)")
            .first().map(Self.record)
    }

    public func find(provider: String, providerPaymentID: String) async throws -> PaymentRecord? {
        try await sql.raw("""
            SELECT * FROM payments WHERE provider = \(bind: provider) AND provider_payment_id = \(bind: providerPaymentID)
                AND organisation_id = \(bind: organisationID)
            """).first().map(Self.record)
    }

    /// A member's payments, or the organisation's, newest first; only those with `status` when it is given.
    public func list(member: UUID? = nil, status: PaymentStatus? = nil, limit: Int = 100) async throws -> [PaymentRecord] {
        var filter: SQLQueryString = ""
        if let member { filter = " AND member_id = \(bind: member)" }
        if let status { filter = filter + " AND status = \(bind: status.rawValue)" }
        return try await sql.raw("SELECT * FROM payments WHERE organisation_id = \(bind: organisationID)"
                                 + filter + " ORDER BY created_at DESC LIMIT \(literal: limit)").all().map(Self.record)
    }

    /// Open payments started before `before`: their webhook may never come; ask the provider.
    public func stale(before: Date, limit: Int = 100) async throws -> [PaymentRecord] {
        try await sql.raw("""
            SELECT * FROM payments WHERE organisation_id = \(bind: organisationID) AND status = 'open'
                AND provider_payment_id IS NOT NULL AND updated_at < \(bind: before)
            ORDER BY updated_at LIMIT \(literal: limit)
            """).all().map(Self.record)
    }

    // MARK: Booking

    public enum Applied: Sendable, Equatable {
        /// Booked on the ledger now.
        case booked
        /// The status changed (not paid).
        case changed(PaymentStatus)
        /// Nothing to do: the same status, already booked, or a status that would go backwards.
        case unchanged
    }

    /// Applies the provider's state of a payment; books it on the ledger
    /// exactly once when paid.
    public func apply(_ paymentID: UUID, state: ProviderPaymentState, now: Date = Date(), timeZone: TimeZone) async throws -> Applied {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("""
                SELECT * FROM payments WHERE id = \(bind: paymentID) AND organisation_id = \(bind: organisationID)
                """).first() else { throw BiebError.notFound("payment", nl: "Betaling niet gevonden.") }
            let payment = try Self.record(row)
            switch state.status {
            case .open:
                // Checked and still open: to the back of the list of payments to check again.
                try await sql.raw("UPDATE payments SET updated_at = \(bind: now) WHERE id = \(bind: paymentID) AND status = 'open'").run()
                return .unchanged
            case .failed, .canceled, .expired:
                guard try await sql.raw("""
                    UPDATE payments SET status = \(bind: state.status.rawValue), updated_at = \(bind: now)
                    WHERE id = \(bind: paymentID) AND status = 'open' RETURNING id
                    """).first() != nil else { return .unchanged }
                return .changed(state.status)
            case .paid:
                // The one conditional update that decides who books it.
                guard try await sql.raw("""
                    UPDATE payments SET status = 'paid', booked_at = \(bind: now), updated_at = \(bind: now)
                    WHERE id = \(bind: paymentID) AND booked_at IS NULL RETURNING id
                    """).first() != nil else { return .unchanged }
                guard let member = payment.memberID else { return .booked }
                let cents = state.amountCents
                if payment.purpose == .membership {
                    try await Self.extendMembership(member: member, chargeCents: cents, organisation: organisationID, now: now,
                                                    timeZone: timeZone, payment: paymentID, on: sql)
                }
                // The note says how it was paid, as desk payments do ("kas", "pin"): online, through which provider.
                try await Ledger.post(.payment, cents: -cents, member: member, organisation: organisationID, note: FeeNote.onlinePayment(provider: payment.provider),
                                      payment: paymentID, at: now, on: sql)
                try await Ledger.event("payment_online", organisation: organisationID, at: now, member: member, detail: "\(cents)", on: sql)
                return .booked
            }
        }
    }

    /// A paid year of membership: extended and charged on the ledger with the payment that pays it.
    static func extendMembership(member: UUID, chargeCents: Int, organisation: UUID, now: Date, timeZone: TimeZone, payment: UUID,
                                 on sql: any SQLDatabase) async throws {
        guard let row = try await sql.raw("""
            SELECT m.membership_end, t.name_nl FROM members m JOIN membership_types t ON t.id = m.membership_type_id WHERE m.id = \(bind: member)
            """).first(), let end = LocalDate(iso: try row.decode(column: "membership_end", as: String.self)) else { return }
        _ = try await MemberDirectory.extendMembership(member, currentEnd: end, typeName: try row.decode(column: "name_nl", as: String.self),
                                                       feeCents: chargeCents, organisation: organisation, today: LocalDate(now, in: timeZone),
                                                       staff: nil, branch: nil, payment: payment, at: now, on: sql)
    }

    // MARK: Refunds

    /// Reserves a refund of a paid payment (at most what is left of it);
    /// the caller asks the provider next and confirms or releases.
    public func reserveRefund(_ paymentID: UUID, cents: Int, now: Date = Date()) async throws -> PaymentRecord {
        guard cents > 0 else { throw Self.refundNotPositive }
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("""
                UPDATE payments SET refunded_cents = refunded_cents + \(bind: cents), updated_at = \(bind: now)
                WHERE id = \(bind: paymentID) AND organisation_id = \(bind: organisationID) AND status = 'paid'
                    AND refunded_cents + \(bind: cents) <= amount_cents
                RETURNING *
                """).first() else {
                guard let payment = try await sql.raw("SELECT * FROM payments WHERE id = \(bind: paymentID) AND organisation_id = \(bind: organisationID)")
                    .first().map(Self.record) else { throw BiebError.notFound("payment", nl: "Betaling niet gevonden.") }
                if payment.status != .paid { throw Self.notPaid }
                throw Self.refundTooMuch(left: payment.amountCents - payment.refundedCents)
            }
            return try Self.record(row)
        }
    }

    public static let refundNotPositive = BiebError.invalid("amount_cents", "A refund is a positive amount in cents.",
                                                           nl: "Een terugbetaling is een positief bedrag in centen.")
    public static let notPaid = BiebError(.conflict, code: "not_paid", field: "payment", message: "Only a paid payment can be refunded.",
                                          nl: "Alleen een betaalde betaling kan worden terugbetaald.")

    public static func refundTooMuch(left cents: Int) -> BiebError {
        BiebError.invalid("amount_cents", "At most \(Money.text(cents)) is left to refund.", nl: "Er kan nog hoogstens \(Money.text(cents)) worden terugbetaald.")
    }

    /// The provider refused: the reservation goes.
    public func releaseRefund(_ paymentID: UUID, cents: Int, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE payments SET refunded_cents = refunded_cents - \(bind: cents), updated_at = \(bind: now) WHERE id = \(bind: paymentID)
                """).run()
        }
    }

    /// The provider accepted: the refund goes on the ledger (once per provider refund id).
    public func confirmRefund(_ paymentID: UUID, cents: Int, providerRefundID: String, staff: UUID?, note: String, now: Date = Date()) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("""
                INSERT INTO payment_refunds (provider_refund_id, payment_id, organisation_id, amount_cents, staff_user_id, created_at)
                VALUES (\(bind: providerRefundID), \(bind: paymentID), \(bind: organisationID), \(bind: cents), \(bind: staff), \(bind: now))
                ON CONFLICT (provider_refund_id) DO NOTHING RETURNING provider_refund_id
                """).first() != nil else { return }
            guard let member = try await sql.raw("SELECT member_id FROM payments WHERE id = \(bind: paymentID)").first()?
                .decode(column: "member_id", as: UUID?.self) else { return }
            try await Ledger.post(.payout, cents: cents, member: member, organisation: organisationID, note: note, staff: staff, payment: paymentID,
                                  at: now, on: sql)
        }
    }

    // MARK: Reconciliation

    /// Every paid payment of a member against the ledger: paid in once, for
    /// its amount; refunds as recorded. Open, failed and cancelled payments
    /// must have nothing on the ledger. Returns the disagreements (none, normally).
    public func reconcile() async throws -> [PaymentMismatch] {
        try await sql.raw("""
            SELECT p.id, p.status, p.amount_cents, p.refunded_cents,
                CAST(COALESCE((SELECT -SUM(f.amount_cents) FROM fee_lines f WHERE f.payment_id = p.id AND f.kind = 'payment'), 0) AS BIGINT) AS booked,
                CAST(COALESCE((SELECT SUM(f.amount_cents) FROM fee_lines f WHERE f.payment_id = p.id AND f.kind = 'payout'), 0) AS BIGINT) AS refunded
            FROM payments p WHERE p.organisation_id = \(bind: organisationID) AND p.member_id IS NOT NULL
            """).all().compactMap { row in
            let status = PaymentStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed
            let amount = try row.decode(column: "amount_cents", as: Int.self)
            let booked = try row.decode(column: "booked", as: Int.self)
            let refunded = try row.decode(column: "refunded_cents", as: Int.self)
            let ledgerRefund = try row.decode(column: "refunded", as: Int.self)
            let expected = status == .paid ? amount : 0
            guard booked != expected || ledgerRefund != (status == .paid ? refunded : 0) else { return nil }
            return PaymentMismatch(paymentID: try row.decode(column: "id", as: UUID.self), status: status, amountCents: amount,
                                   bookedCents: booked, refundedCents: refunded, ledgerRefundCents: ledgerRefund)
        }
    }
}

/// Online payments, their refunds, and the ledger lines they booked.
struct CreatePayments: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("payments")
            .field("id", .uuid, .identifier(auto: false))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .setNull))
            .field("purpose", .string, .required)
            .field("amount_cents", .int, .required)
            .field("provider", .string, .required)
            .field("provider_payment_id", .string)
            .field("checkout_url", .string)
            .field("status", .string, .required)
            .field("booked_at", .datetime)
            .field("refunded_cents", .int, .required)
            .field("description", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "provider", "provider_payment_id")
            .create()
        try await database.schema("payment_refunds")
            .field("provider_refund_id", .string, .identifier(auto: false))
            .field("payment_id", .uuid, .required, .references("payments", "id", onDelete: .cascade))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("amount_cents", .int, .required)
            .field("staff_user_id", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        // The built-in test provider's own book of payments (stands in for a payment service provider).
        try await database.schema("test_provider_payments")
            .field("id", .string, .identifier(auto: false))
            .field("amount_cents", .int, .required)
            .field("status", .string, .required)
            .field("refunded_cents", .int, .required)
            .field("description", .string, .required)
            .field("redirect_url", .string, .required)
            .field("webhook_url", .string)
            .field("created_at", .datetime, .required)
            .create()
        let fees = database.schema(FeeLine.schema)
        fees.schema.createFields = [.definition(name: .key("payment_id"), dataType: .uuid, constraints: [])]
        try await fees.update()
        try await database.createIndex("payments_member_idx", on: "payments", "member_id", "status")
        try await database.createIndex("payments_open_idx", on: "payments", "organisation_id", "status", "updated_at")
        try await database.createIndex("fee_lines_payment_idx", on: FeeLine.schema, "payment_id")
    }

    func revert(on database: Database) async throws {
        for table in ["test_provider_payments", "payment_refunds", "payments"] {
            try await database.schema(table).delete()
        }
    }
}
