import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Online payments over the API: members start and follow their payments
/// (`/api/v1/my/accounts/{member}/payments`), the provider's webhook
/// (`/api/v1/payments/webhook/{organisation}`), and staff list, refund
/// and reconcile (`/api/v1/payments`).
struct PaymentsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let my = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member", "payments")
        my.get(use: memberPayments)
        my.post(use: start)
        my.get(":paymentID", use: memberPayment)
        let api = routes.grouped("api", "v1", "payments")
        api.post("webhook", ":org", use: webhook)
        let staff = api.grouped(BearerAuthenticator())
        staff.get(use: list)
        staff.get("reconciliation", use: reconciliation)
        staff.get(":paymentID", use: show)
        staff.post(":paymentID", "refunds", use: refund)
    }

    struct PaymentDTO: Content {
        let id: UUID
        let purpose: String
        let amount_cents: Int
        let status: String
        let provider: String
        /// Where the member pays (while open).
        let checkout_url: String?
        let booked_at: Date?
        let refunded_cents: Int
        let description: String
        let created_at: Date
        var member_id: UUID? = nil

        init(_ payment: PaymentRecord, staff: Bool = false) {
            id = payment.id
            purpose = payment.purpose.rawValue
            amount_cents = payment.amountCents
            status = payment.status.rawValue
            provider = payment.provider
            checkout_url = payment.status == .open ? payment.checkoutURL : nil
            booked_at = payment.bookedAt
            refunded_cents = payment.refundedCents
            description = payment.description
            created_at = payment.createdAt
            if staff { member_id = payment.memberID }
        }
    }

    // MARK: Members

    struct StartInput: Content {
        /// "fees" or "membership".
        var purpose: String?
    }

    static func purpose(_ text: String?) throws -> PaymentPurpose {
        guard let text = text?.trimmed, let purpose = PaymentPurpose(rawValue: text) else {
            throw BiebError.invalid("purpose", "Choose fees or membership.", nl: "Kies fees (kosten) of membership (abonnement).")
        }
        return purpose
    }

    func start(req: Request) async throws -> Response {
        let service = try await MemberAccountService.make(req)
        let member = try await service.record(try MemberAccountAPIController.account(req))
        let purpose = try Self.purpose(try req.content.decode(StartInput.self).purpose)
        let payment = try await OnlinePayments(app: req.application, organisation: service.organisation).start(member: member, purpose: purpose)
        let response = try await PaymentDTO(payment).encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/my/accounts/\(member.id!)/payments/\(payment.id)")
        return response
    }

    func memberPayments(req: Request) async throws -> [PaymentDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await Payments(req.db, organisationID: service.organisation.id!).list(member: account).map { PaymentDTO($0) }
    }

    /// One payment of the member's; while open, its state is asked of the provider first.
    func memberPayment(req: Request) async throws -> PaymentDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
              var payment = try await Payments(req.db, organisationID: service.organisation.id!).find(id), payment.memberID == account else {
            throw BiebError.notFound("payment", nl: "Betaling niet gevonden.")
        }
        if payment.status == .open {
            payment = try await OnlinePayments(app: req.application, organisation: service.organisation).refresh(payment)
        }
        return PaymentDTO(payment)
    }

    // MARK: The provider

    /// The provider's notice: `id=tr_…` (form) or `{"id": "…"}`. The state
    /// is fetched from the provider; an unknown id gets the same 200.
    func webhook(req: Request) async throws -> HTTPStatus {
        guard let organisation = try await req.branches.organisation(slug: req.parameters.get("org") ?? "") else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        guard let id = (try? req.content.get(String.self, at: "id"))?.trimmed, !id.isEmpty, id.count <= 64 else {
            throw BiebError.invalid("id", "The provider's payment id is missing.", nl: "Het betalingsnummer van de betaaldienst ontbreekt.")
        }
        // A provider error is a 502: the provider sends the webhook again later.
        try await OnlinePayments(app: req.application, organisation: organisation).webhook(providerPaymentID: id)
        return .ok
    }

    // MARK: Staff

    func list(req: Request) async throws -> [PaymentDTO] {
        let user = try req.staff(.refundPayments)
        var member: UUID?
        if let text = req.query[String.self, at: "member"] {
            guard let id = UUID(uuidString: text) else {
                throw BiebError.invalid("member", "'\(text)' is not a member id.", nl: "'\(text)' is geen lidnummer (id).")
            }
            member = id
        }
        let limit = min(max(req.query[Int.self, at: "limit"] ?? 100, 1), 500)
        return try await Payments(req.db, organisationID: user.organisationID).list(member: member, limit: limit).map { PaymentDTO($0, staff: true) }
    }

    static func payment(_ req: Request, organisation: UUID) async throws -> PaymentRecord {
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
              let payment = try await Payments(req.db, organisationID: organisation).find(id) else {
            throw BiebError.notFound("payment", nl: "Betaling niet gevonden.")
        }
        return payment
    }

    func show(req: Request) async throws -> PaymentDTO {
        let user = try req.staff(.refundPayments)
        return PaymentDTO(try await Self.payment(req, organisation: user.organisationID), staff: true)
    }

    struct RefundInput: Content {
        var amount_cents: Int?
        var note: String?
    }

    func refund(req: Request) async throws -> PaymentDTO {
        let user = try req.staff(.refundPayments)
        let payment = try await Self.payment(req, organisation: user.organisationID)
        let input = try req.content.decode(RefundInput.self)
        guard let cents = input.amount_cents else {
            throw BiebError.invalid("amount_cents", "Give the amount to refund in cents.", nl: "Geef het terug te betalen bedrag in centen.")
        }
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let note = String((input.note ?? "").trimmed.prefix(200))
        return PaymentDTO(try await OnlinePayments(app: req.application, organisation: organisation)
            .refund(payment.id, cents: cents, staff: user.id, note: note), staff: true)
    }

    struct ReconciliationDTO: Content {
        struct Mismatch: Content {
            let payment_id: UUID
            let status: String
            let amount_cents: Int
            let booked_cents: Int
            let refunded_cents: Int
            let ledger_refund_cents: Int
        }
        let balanced: Bool
        let mismatches: [Mismatch]
    }

    /// Every payment against the ledger: `balanced` when all agree.
    func reconciliation(req: Request) async throws -> ReconciliationDTO {
        let user = try req.staff(.refundPayments)
        let mismatches = try await Payments(req.db, organisationID: user.organisationID).reconcile()
        return ReconciliationDTO(balanced: mismatches.isEmpty, mismatches: mismatches.map {
            .init(payment_id: $0.paymentID, status: $0.status.rawValue, amount_cents: $0.amountCents, booked_cents: $0.bookedCents,
                  refunded_cents: $0.refundedCents, ledger_refund_cents: $0.ledgerRefundCents)
        })
    }
}
