import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Online payments on the staff pages (permission `refundPayments`): the list, newest first, found by a
/// member's card number, the payment's id or the provider's (`tr_…`) and filtered by status, with the
/// reconciliation against the ledger at the top; a payment's page with its course (started, paid and
/// booked, ended, each refund with who and why — the store keeps times and refunds, no event table);
/// and the refund form, decoded as the API's `RefundInput` after its amount in euros became cents.
struct StaffPaymentPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("betalingen", use: list)
        // The search form posts: a card number stays out of URLs and access logs.
        staff.post("betalingen", use: search)
        staff.get("betalingen", ":paymentID", use: payment)
        staff.post("betalingen", ":paymentID", "terugbetalen", use: refund)
    }

    static func setUp(_ req: Request) async throws -> (StaffPages.Page, StaffUser, Payments, Formats) {
        let user = try req.staff(.refundPayments)
        let page = try await StaffPages.Page(req)
        let zone = page.organisation?.zone ?? BranchCalendar.amsterdam
        return (page, user, Payments(req.db, organisationID: user.organisationID), Formats(lang: page.lang, timeZone: zone))
    }

    static func url(_ id: UUID) -> String { "/staff/betalingen/\(id.uuidString.lowercased())" }

    static func when(_ date: Date, _ formats: Formats) -> String {
        formats.dateWithYear(LocalDate(date, in: formats.timeZone)) + " " + formats.time(date)
    }

    // MARK: The list

    struct Line: Encodable {
        let url: String
        let created: String
        let amount: String
        let purpose: String
        let status: String
        let statusCode: String
        let refunded: String
    }

    struct Mismatch: Encodable {
        let url: String
        let status: String
        let amount: String
        let booked: String
        let refunded: String
        let ledgerRefund: String
    }

    struct ListContext: Encodable {
        let page: PageContext
        let q: String
        let statuses: [FormOption]
        let lines: [Line]
        /// "Nothing found for …" after a search that found nothing.
        let nothing: String?
        let balanced: Bool
        let mismatches: [Mismatch]
    }

    func list(req: Request) async throws -> Response {
        try await render(req, q: req.query[String.self, at: "q"] ?? "", statusText: req.query[String.self, at: "status"] ?? "")
    }

    func search(req: Request) async throws -> Response {
        struct Form: Content { var q: String?; var status: String? }
        let form = try req.content.decode(Form.self)
        return try await render(req, q: form.q ?? "", statusText: form.status ?? "")
    }

    func render(_ req: Request, q typed: String, statusText: String) async throws -> Response {
        let (page, user, payments, formats) = try await Self.setUp(req)
        let q = typed.trimmed
        let status = PaymentStatus(rawValue: statusText)
        var found: [PaymentRecord]
        if q.isEmpty {
            found = try await payments.list(status: status, limit: 200)
        } else if let id = UUID(uuidString: q) {
            found = try await payments.find(id).map { [$0] } ?? []
        } else if let payment = try await payments.find(providerPaymentID: q) {
            found = [payment]
        } else if let member = try await MemberDirectory(req.db, organisationID: user.organisationID).member(card: q)?.member {
            // A card names a member: finding their payments is a view of their data.
            try await MemberViews(req.db, organisationID: user.organisationID).record(member: member.id!, staff: user.id!, purpose: .account,
                                                                                      via: "staff pages")
            found = try await payments.list(member: member.id!, status: status, limit: 200)
        } else {
            found = []
        }
        if let status, !q.isEmpty { found = found.filter { $0.status == status } }
        let mismatches = try await payments.reconcile()
        return try await page.render("staff/payments", ListContext(
            page: page.context(page.t("payments_staff_title")), q: q,
            statuses: [FormOption(value: "", label: page.t("payments_status_all"), selected: status == nil)]
                + PaymentStatus.allCases.map { FormOption(value: $0.rawValue, label: page.t("payment_status_\($0.rawValue)"), selected: $0 == status) },
            lines: found.map { payment in
                Line(url: Self.url(payment.id), created: Self.when(payment.createdAt, formats), amount: Money.text(payment.amountCents),
                     purpose: page.t("payment_purpose_\(payment.purpose.rawValue)"), status: page.t("payment_status_\(payment.status.rawValue)"),
                     statusCode: payment.status.rawValue, refunded: payment.refundedCents == 0 ? "—" : Money.text(payment.refundedCents))
            },
            nothing: found.isEmpty ? page.t(!q.isEmpty ? "payments_none_for" : status == nil ? "payments_none" : "payments_none_status", ["q": q]) : nil,
            balanced: mismatches.isEmpty,
            mismatches: mismatches.map {
                Mismatch(url: Self.url($0.paymentID), status: page.t("payment_status_\($0.status.rawValue)"), amount: Money.text($0.amountCents),
                         booked: Money.text($0.bookedCents), refunded: Money.text($0.refundedCents), ledgerRefund: Money.text($0.ledgerRefundCents))
            }))
    }

    // MARK: One payment

    struct Fact: Encodable {
        let label: String
        let value: String
    }

    struct Step: Encodable {
        let when: String
        let what: String
        let amount: String
        let who: String
        let note: String
    }

    struct PaymentContext: Encodable {
        let page: PageContext
        let facts: [Fact]
        let memberName: String?
        let memberURL: String?
        let steps: [Step]
        /// Whether anything is left to refund (a paid payment).
        let canRefund: Bool
        let left: String
        let action: String
        let errors: FormErrors?
        let form: FormValues
    }

    /// The refund form's inputs by the names errors give them (the API's).
    static let refundFieldIDs = ["amount_cents": "amount", "note": "note"]

    func payment(req: Request) async throws -> Response {
        try await render(req, error: nil, typed: nil)
    }

    func render(_ req: Request, error: BiebError?, typed: FormValues?) async throws -> Response {
        let (page, user, payments, formats) = try await Self.setUp(req)
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)), let payment = try await payments.find(id) else {
            throw Abort(.notFound)
        }
        var member: Member?
        if let memberID = payment.memberID {
            member = try await MemberDirectory(req.db, organisationID: user.organisationID).member(memberID)
            if member != nil {
                try await MemberViews(req.db, organisationID: user.organisationID).record(member: memberID, staff: user.id!, purpose: .account,
                                                                                          via: "staff pages")
            }
        }
        let left = payment.status == .paid ? payment.amountCents - payment.refundedCents : 0
        var facts = [
            Fact(label: page.t("payments_col_amount"), value: Money.text(payment.amountCents)),
            Fact(label: page.t("payments_col_purpose"), value: page.t("payment_purpose_\(payment.purpose.rawValue)")),
            Fact(label: page.t("payments_col_status"), value: page.t("payment_status_\(payment.status.rawValue)")),
            Fact(label: page.t("payments_description"), value: payment.description),
            Fact(label: page.t("payments_provider"), value: payment.provider + (payment.providerPaymentID.map { " (\($0))" } ?? "")),
            Fact(label: page.t("payments_id"), value: payment.id.uuidString.lowercased()),
            Fact(label: page.t("payments_col_refunded"), value: Money.text(payment.refundedCents)),
        ]
        if payment.status == .paid { facts.append(Fact(label: page.t("payments_left"), value: Money.text(left))) }
        var steps: [(Date, Step)] = [(payment.createdAt, Step(when: Self.when(payment.createdAt, formats), what: page.t("payments_step_started"),
                                                               amount: Money.text(payment.amountCents), who: "", note: ""))]
        if let booked = payment.bookedAt {
            steps.append((booked, Step(when: Self.when(booked, formats), what: page.t("payments_step_paid"), amount: Money.text(payment.amountCents),
                                       who: "", note: "")))
        } else if payment.status.isFinal {
            // The store keeps when a payment last changed, which for one that ended unpaid is when it ended.
            steps.append((payment.updatedAt, Step(when: Self.when(payment.updatedAt, formats), what: page.t("payment_status_\(payment.status.rawValue)"),
                                                  amount: "", who: "", note: "")))
        }
        for refund in try await payments.refunds(of: payment.id) {
            steps.append((refund.at, Step(when: Self.when(refund.at, formats), what: page.t("payments_step_refunded"), amount: Money.text(refund.amountCents),
                                          who: refund.staffName ?? "—", note: refund.note ?? page.t("payments_note_gone"))))
        }
        let memberName: String? = payment.memberID == nil ? page.t("payments_member_erased") : member?.name
        return try await page.render("staff/payment", PaymentContext(
            page: page.context(page.t("payments_one_title", ["amount": Money.text(payment.amountCents),
                                                              "date": formats.dateWithYear(LocalDate(payment.createdAt, in: formats.timeZone))])),
            facts: facts, memberName: memberName, memberURL: member.map { "/staff/members/\($0.id!)" },
            steps: steps.sorted { $0.0 < $1.0 }.map(\.1), canRefund: left > 0, left: Money.text(left),
            action: Self.url(payment.id) + "/terugbetalen",
            errors: page.formErrors(error, ids: Self.refundFieldIDs), form: typed ?? FormValues()),
            status: error?.httpStatus ?? .ok)
    }

    /// What the refund form sends: the amount as people write it ("12,50" or "12.50") and the reason.
    struct RefundForm: Content {
        var amount: String?
        var note: String?
    }

    func refund(req: Request) async throws -> Response {
        let (_, user, payments, _) = try await Self.setUp(req)
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)), let payment = try await payments.find(id) else {
            throw Abort(.notFound)
        }
        let form = try req.content.decode(RefundForm.self)
        do {
            let input = RefundInput(amount_cents: try Money.cents(euros: form.amount, field: "amount_cents"), note: form.note)
            let (cents, note) = try input.checked(against: payment)
            guard let organisation = try await req.branches.organisation(id: user.organisationID) else { throw Abort(.notFound) }
            _ = try await OnlinePayments(app: req.application, organisation: organisation).refund(payment.id, cents: cents, staff: user.id, note: note)
            return req.redirect(to: Self.url(payment.id), done: "payment_refunded")
        } catch let error as BiebError {
            return try await render(req, error: error, typed: FormValues(req))
        }
    }
}
