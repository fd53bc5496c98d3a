import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Online payments on the staff pages (issue 18): the list (found by card, payment id or provider id,
/// filtered by status) with the reconciliation, a payment's course, and the refund form with the API's
/// rules (euros as people write them, a reason, no more than is left).
@Suite("Staff payment pages") struct StaffPaymentPagesTests {
    typealias W = MemberAccountTests
    typealias P = PaymentsTests

    /// Carla pays a year of membership (€ 54,00) through the test provider; the payment's id.
    static func paidMembership(_ app: Application, _ w: W.World) async throws -> String {
        let carla = try await W.signIn(app, card: "C0001")
        let started = try object(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "membership"]))
        let id = try #require(started["id"] as? String)
        let checkout = try #require(started["checkout_url"] as? String)
        let browser = TestClient(app)
        let page = try await browser.send(.GET, P.path(checkout))
        _ = try await browser.send(.POST, P.path(checkout), form: ["csrf": try #require(TestClient.csrf(in: page.body.string)), "outcome": "paid"])
        return id.lowercased()
    }

    @Test(arguments: TestDatabase.all)
    func theListFindsPaymentsAndShowsTheReconciliation(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let id = try await Self.paidMembership(app, w)
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            // The dashboard links to it for staff with the permission only.
            #expect(try await staff.send(.GET, "/staff").body.string.contains(#"href="/staff/betalingen""#))
            let volunteer = TestClient(app)
            try await volunteer.signInPages(Fixture.volunteer, password: Fixture.password)
            #expect(!(try await volunteer.send(.GET, "/staff").body.string.contains(#"href="/staff/betalingen""#)))
            #expect(try await volunteer.send(.GET, "/staff/betalingen").status == .forbidden)

            let link = #"<a href="/staff/betalingen/\#(id)">"#
            let all = try await staff.send(.GET, "/staff/betalingen")
            #expect(all.status == .ok)
            #expect(all.body.string.contains(link) && all.body.string.contains("Betaald"))
            #expect(all.body.string.contains(Locales.text("payments_balanced", .nl)))
            // Found by card number, by the payment's id and by the provider's; filtered by status.
            let provider = try #require(try await app.db.sql.raw("SELECT provider_payment_id FROM payments WHERE id = \(bind: UUID(uuidString: id)!)")
                .first()?.decode(column: "provider_payment_id", as: String.self))
            for q in ["C0001", id, provider] {
                #expect(try await staff.send(.GET, "/staff/betalingen?q=\(q)").body.string.contains(link), "\(q)")
            }
            #expect(try await staff.send(.GET, "/staff/betalingen?q=C0001&status=paid").body.string.contains(link))
            // The page's own search form posts, so a card number stays out of the address.
            #expect(all.body.string.contains(#"<form method="post" action="/staff/betalingen""#))
            let posted = try await staff.send(.POST, "/staff/betalingen", form: ["csrf": try #require(TestClient.csrf(in: all.body.string)),
                                                                                 "q": "C0001", "status": "paid"])
            #expect(posted.body.string.contains(link))
            let open = try await staff.send(.GET, "/staff/betalingen?status=open").body.string
            #expect(!open.contains(link) && open.contains("Geen betalingen met deze status."))
            #expect(try await staff.send(.GET, "/staff/betalingen?q=X999").body.string.contains("Geen betalingen gevonden voor ‘X999’."))
            #expect(try await staff.send(.GET, "/staff/betalingen?lang=en").body.string.contains("<h1>Online payments</h1>"))

            // A payment and the ledger that disagree: listed, linking to the payment.
            try await app.db.sql.raw("UPDATE payments SET refunded_cents = 100 WHERE id = \(bind: UUID(uuidString: id)!)").run()
            let broken = try await staff.send(.GET, "/staff/betalingen?lang=nl").body.string
            #expect(broken.contains(Locales.text("payments_mismatches", .nl)))
            #expect(broken.contains(#"<th scope="row"><a href="/staff/betalingen/\#(id)">Bekijken</a></th>"#))
        }
    }

    @Test(arguments: TestDatabase.all)
    func theRefundFormTakesEurosAReasonAndNoMoreThanIsLeft(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let id = try await Self.paidMembership(app, w)
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let url = "/staff/betalingen/\(id)"
            let page = try await staff.send(.GET, url)
            #expect(page.status == .ok)
            let html = page.body.string
            let csrf = try #require(TestClient.csrf(in: html))
            #expect(html.contains("Betaald en geboekt") && html.contains(#"<a href="/staff/members/\#(w.carla)">Carla Bos</a>"#))
            #expect(html.contains(##"action="\##(url)/terugbetalen#fout""##))

            // More than was paid: refused at the amount, with the summary, what was typed kept.
            let tooMuch = try await staff.send(.POST, url + "/terugbetalen", form: ["csrf": csrf, "amount": "60,00", "note": "Te veel betaald"])
            #expect(tooMuch.status == .badRequest)
            #expect(TestClient.errorSummary(in: tooMuch.body.string).contains("Er kan nog hoogstens € 54,00 worden terugbetaald."))
            #expect(tooMuch.body.string.contains(##"<a href="#amount">"##) && tooMuch.body.string.contains(#"<span class="field-error" id="amount-error">"#))
            #expect(tooMuch.body.string.contains(#"value="60,00""#) && tooMuch.body.string.contains(#"value="Te veel betaald""#))
            // Not an amount; no reason: each at its field.
            let notAmount = try await staff.send(.POST, url + "/terugbetalen", form: ["csrf": csrf, "amount": "twaalf", "note": "x"])
            #expect(notAmount.status == .badRequest)
            #expect(notAmount.body.string.contains(#"<span class="field-error" id="amount-error">"#))
            #expect(TestClient.errorSummary(in: notAmount.body.string).contains("is geen bedrag in euro"))
            let noReason = try await staff.send(.POST, url + "/terugbetalen", form: ["csrf": csrf, "amount": "4,00", "note": " "])
            #expect(noReason.status == .badRequest)
            #expect(noReason.body.string.contains(#"<span class="field-error" id="note-error">Geef de reden van de terugbetaling.</span>"#))
            #expect(try await P.ledger(app, w.carla).balance == 0)

            // Refunded with a point and with a comma: on the ledger, in the course with who and why.
            let done = try await staff.send(.POST, url + "/terugbetalen", form: ["csrf": csrf, "amount": "12.50", "note": "Te veel betaald"])
            #expect(done.status == .seeOther)
            #expect(done.headers.first(name: .location) == url + "?done=payment_refunded")
            _ = try await staff.send(.POST, url + "/terugbetalen", form: ["csrf": csrf, "amount": "1,50", "note": "Verzendkosten"])
            #expect(try await P.ledger(app, w.carla).balance == 1400)
            let after = try await staff.send(.GET, url + "?done=payment_refunded").body.string
            #expect(after.contains("Terugbetaald.") && after.contains("<td>€ 12,50</td><td>Sam Staff</td><td>Te veel betaald</td>"))
            #expect(after.contains("<td>€ 1,50</td><td>Sam Staff</td><td>Verzendkosten</td>"))
            #expect(after.contains("<dt>Nog terug te betalen</dt><dd>€ 40,00</dd>"))
            let api = TestClient(app)
            try await api.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try object(try await api.send(.GET, "/api/v1/payments/\(id)"))["refunded_cents"] as? Int == 1400)
            #expect(try object(try await api.send(.GET, "/api/v1/payments/reconciliation"))["balanced"] as? Bool == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theAPIAndTheFormRefuseAlike(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let id = try await Self.paidMembership(app, w)
            let api = TestClient(app)
            try await api.signInAPI(Fixture.staff, password: Fixture.password)
            let refunds = "/api/v1/payments/\(id)/refunds"
            // A reason is required both ways; more than is left names the amount both ways.
            let noReason = try await api.send(.POST, refunds, object: ["amount_cents": 400])
            #expect(noReason.status == .badRequest)
            #expect(noReason.apiError?.field == "note")
            let tooMuch = try await api.send(.POST, refunds, object: ["amount_cents": 6000, "note": "x"], headers: ["Accept-Language": "nl"])
            #expect(tooMuch.apiError?.field == "amount_cents")
            #expect(tooMuch.apiError?.message == "Er kan nog hoogstens € 54,00 worden terugbetaald.")
            #expect(try await P.ledger(app, w.carla).balance == 0)
            // The list filters by status, and names a status it does not know.
            #expect(try list(try await api.send(.GET, "/api/v1/payments?status=paid")).count == 1)
            #expect(try list(try await api.send(.GET, "/api/v1/payments?status=open")).isEmpty)
            #expect(try await api.send(.GET, "/api/v1/payments?status=betaald").apiError?.field == "status")
        }
    }
}
