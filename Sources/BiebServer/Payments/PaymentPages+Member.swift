import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A member paying online from their pages: starting a payment of their
/// fees or membership (to the provider's checkout), and the page the
/// provider sends them back to, with the state asked of the provider then.
struct PaymentPages: RouteCollection {
    typealias Portal = MemberPortalPages
    let frame = MemberPageFrame()

    func boot(routes: any RoutesBuilder) throws {
        let portal = routes.memberPages()
        portal.post("betalen", use: pay)
        portal.get("betaling", ":paymentID", use: paymentResult)
    }

    func pay(req: Request) async throws -> Response {
        let (org, service, account) = try await frame.setUp(req)
        let member = try await service.record(account)
        let purpose = try PaymentsAPIController.purpose(try? req.content.get(String.self, at: "purpose"))
        do {
            let payment = try await OnlinePayments(app: req.application, organisation: org).start(member: member, purpose: purpose)
            guard let checkout = payment.checkoutURL else { throw OnlinePayments.unavailable }
            return req.redirect(to: checkout, redirectType: .normal)
        } catch let error as BiebError {
            return Portal.done(req, Portal.base(org) + (account == service.signedIn.id ? "" : "?lid=\(account)"),
                               error.message(dutch: Language.of(req) == .nl))
        }
    }

    struct PaymentBody: Encodable {
        let status: String
        let paid: Bool
        let open: Bool
        let amount: String
        let description: String
        let retryURL: String?
    }

    /// Where the provider sends the member back: the state asked of the provider now.
    func paymentResult(req: Request) async throws -> Response {
        let (org, service, _) = try await frame.setUp(req)
        let lang = Language.of(req)
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
              var payment = try await Payments(req.db, organisationID: try org.requireID()).find(id), let member = payment.memberID,
              (try? await service.authorize(member)) != nil else {
            throw Abort(.notFound)
        }
        if payment.status == .open {
            payment = (try? await OnlinePayments(app: req.application, organisation: org).refresh(payment)) ?? payment
        }
        let body = PaymentBody(status: Locales.text("payment_status_\(payment.status.rawValue)", lang), paid: payment.status == .paid,
                               open: payment.status == .open, amount: Money.text(payment.amountCents), description: payment.description,
                               retryURL: payment.status == .open ? payment.checkoutURL : nil)
        return try await frame.render(req, "portal/payment", title: Locales.text("portal_payment", lang), org: org, service: service, account: member,
                                body: body)
    }
}
