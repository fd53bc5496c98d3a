import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Online payment over HTTP: the test provider end to end, webhooks that
/// come twice, late, at once or never (exactly-once booking), membership
/// renewal, refunds, reconciliation, and the Mollie adapter against a stand-in
/// of Mollie's API.
@Suite("Online payments") struct PaymentsTests {
    /// Carla's account page in Dutch, signed in through the portal's form.
    static func carlasAccountPage(_ app: Application) async throws -> String {
        let pages = TestClient(app)
        let login = try await pages.send(.GET, "/city/mijn/inloggen")
        _ = try await pages.send(.POST, "/city/mijn/inloggen", form: [
            "csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "C0001", "pin": MemberAccountTests.pin])
        return try await pages.send(.GET, "/city/mijn?lang=nl").body.string
    }

    typealias W = MemberAccountTests

    /// Carla owes € 12,35 (a charge at the desk).
    static func owing(_ app: Application, _ w: W.World, cents: Int = 1235) async throws {
        try await Circulation(app.db, organisationID: w.f.network.city)
            .charge(member: w.carla, cents: cents, note: "Beschadigd hoesje", at: Circulation.Desk(branch: w.f.network.central, now: Date()))
    }

    static func ledger(_ app: Application, _ member: UUID) async throws -> (balance: Int, payments: Int) {
        let sql = app.db as! any SQLDatabase
        let balance = try await sql.raw("SELECT balance_cents FROM members WHERE id = \(bind: member)").first()!.decode(column: "balance_cents", as: Int.self)
        let payments = try await sql.raw("SELECT COUNT(*) AS n FROM fee_lines WHERE member_id = \(bind: member) AND payment_id IS NOT NULL AND kind = 'payment'")
            .first()!.decode(column: "n", as: Int.self)
        return (balance, payments)
    }

    static func path(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        return components.path + (components.query.map { "?" + $0 } ?? "")
    }

    @Test(arguments: TestDatabase.all)
    func payFeesThroughTheTestProviderExactlyOnce(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            try await Self.owing(app, w)
            let carla = try await W.signIn(app, card: "C0001")
            let base = "/api/v1/my/accounts/\(w.carla)/payments"
            // Bad input names the field; nothing is started.
            let noPurpose = try await carla.send(.POST, base, object: ["purpose": "boetes"])
            #expect(noPurpose.status == .badRequest)
            #expect(noPurpose.apiError?.field == "purpose")
            let started = try await carla.send(.POST, base, object: ["purpose": "fees"])
            #expect(started.status == .created, "\(started.body.string)")
            let payment = try object(started)
            #expect(payment["amount_cents"] as? Int == 1235)
            #expect(payment["status"] as? String == "open")
            let id = try #require(payment["id"] as? String)
            let checkout = try #require(payment["checkout_url"] as? String)
            #expect(checkout.contains("/betalen/test/tst_"))
            // The description goes to the bank statement: no name or card.
            #expect(!(payment["description"] as? String ?? "").contains("Carla"))
            // A second tab starts no second payment.
            #expect(try object(try await carla.send(.POST, base, object: ["purpose": "fees"]))["id"] as? String == id)

            // The account page offers online payment, and the desk as the other way — not "pay at the desk" alone.
            let account = try await Self.carlasAccountPage(app)
            #expect(account.contains("Online betalen (€ 12,35)</button> of betaal aan de balie"))
            #expect(!account.contains("betalen kan aan de balie"))

            // The member pays on the provider's page; the provider calls the webhook and sends the browser back.
            let browser = TestClient(app)
            let page = try await browser.send(.GET, Self.path(checkout))
            #expect(page.status == .ok)
            #expect(page.body.string.contains("€ 12,35"))
            let paid = try await browser.send(.POST, Self.path(checkout), form: ["csrf": try #require(TestClient.csrf(in: page.body.string)), "outcome": "paid"])
            #expect(paid.status == .seeOther)
            #expect(paid.headers.first(name: .location)?.lowercased().hasSuffix("/city/mijn/betaling/\(id.lowercased())") == true)
            #expect(try await Self.ledger(app, w.carla) == (0, 1))

            // The webhook again, twice at once, and late: nothing more is booked.
            let providerID = try #require(try await Payments(app.db, organisationID: w.f.network.city).find(UUID(uuidString: id)!)?.providerPaymentID)
            let hook = TestClient(app)
            async let first = hook.send(.POST, "/api/v1/payments/webhook/city", form: ["id": providerID])
            async let second = hook.send(.POST, "/api/v1/payments/webhook/city", form: ["id": providerID])
            #expect(try await [first.status, second.status] == [.ok, .ok])
            #expect(try await hook.send(.POST, "/api/v1/payments/webhook/city", form: ["id": providerID]).status == .ok)
            // An id the library does not know gets the same answer (and books nothing); no id is an error naming it.
            #expect(try await hook.send(.POST, "/api/v1/payments/webhook/city", form: ["id": "tst_unknown"]).status == .ok)
            let noID = try await hook.send(.POST, "/api/v1/payments/webhook/city", form: ["other": "x"])
            #expect(noID.status == .badRequest)
            #expect(noID.apiError?.field == "id")
            #expect(try await Self.ledger(app, w.carla) == (0, 1))
            let shown = try object(try await carla.send(.GET, "\(base)/\(id)"))
            #expect(shown["status"] as? String == "paid")
            #expect(shown["checkout_url"] == nil || shown["checkout_url"] is NSNull)

            // Nothing left to pay: a clear refusal.
            let nothing = try await carla.send(.POST, base, object: ["purpose": "fees"])
            #expect(nothing.status == .conflict)
            #expect(nothing.apiError?.code == "nothing_to_pay")

            // Staff reconcile: every payment matches the ledger.
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let reconciled = try object(try await staff.send(.GET, "/api/v1/payments/reconciliation"))
            #expect(reconciled["balanced"] as? Bool == true)
            // The member's return page says it is paid.
            let back = try await browser.send(.GET, "/city/mijn/betaling/\(id)")
            #expect(back.status == .seeOther)  // not signed in on this browser: to the sign-in page
        }
    }

    @Test(arguments: TestDatabase.all)
    func aLostWebhookOrOneThatComesTooEarlyLosesNothing(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            try await Self.owing(app, w, cents: 500)
            let carla = try await W.signIn(app, card: "C0001")
            let started = try object(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "fees"]))
            let idText = try #require(started["id"] as? String)
            let id = try #require(UUID(uuidString: idText))
            let payments = Payments(app.db, organisationID: w.f.network.city)
            let providerID = try #require(try await payments.find(id)?.providerPaymentID)
            // A webhook while the payment is still open changes nothing.
            #expect(try await TestClient(app).send(.POST, "/api/v1/payments/webhook/city", form: ["id": providerID]).status == .ok)
            #expect(try await payments.find(id)?.status == .open)
            // Paid at the provider, but the webhook never comes: the five-minutely check finds it.
            #expect(try await TestPaymentProvider.settle(providerID, as: .paid, on: app.db))
            let city = try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
            let online = OnlinePayments(app: app, organisation: city)
            #expect(try await online.refreshStale(now: Date()) == 0)  // heard from in the last ten minutes: not yet
            #expect(try await online.refreshStale(now: Date().addingTimeInterval(660)) == 1)
            #expect(try await Self.ledger(app, w.carla) == (0, 1))
            // A late "failed" (out of order) never undoes "paid"; a second "paid" books nothing.
            #expect(try await payments.apply(id, state: ProviderPaymentState(status: .failed, amountCents: 500), timeZone: city.zone) == .unchanged)
            #expect(try await payments.apply(id, state: ProviderPaymentState(status: .paid, amountCents: 500), timeZone: city.zone) == .unchanged)
            #expect(try await payments.find(id)?.status == .paid)
            #expect(try await Self.ledger(app, w.carla) == (0, 1))
            #expect(try await payments.reconcile().isEmpty)

            // A cancelled payment books nothing and the fee stays open.
            try await Self.owing(app, w, cents: 250)
            let again = try object(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "fees"]))
            let againText = try #require(again["id"] as? String)
            let againID = try #require(UUID(uuidString: againText))
            let againProvider = try #require(try await payments.find(againID)?.providerPaymentID)
            #expect(try await TestPaymentProvider.settle(againProvider, as: .canceled, on: app.db))
            #expect(try await TestClient(app).send(.POST, "/api/v1/payments/webhook/city", form: ["id": againProvider]).status == .ok)
            #expect(try await payments.find(againID)?.status == .canceled)
            #expect(try await Self.ledger(app, w.carla) == (250, 1))
        }
    }

    @Test(arguments: TestDatabase.all)
    func membershipRenewedWhenPaidAndRefunds(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let carla = try await W.signIn(app, card: "C0001")
            let endBefore = try #require(try await Member.find(w.carla, on: app.db)).membershipEnd
            // Renewing a paid membership without paying: refused, pointing at payment.
            let refused = try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/membership/renew")
            #expect(refused.apiError?.code == "payment_required")
            let started = try object(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "membership"]))
            #expect(started["amount_cents"] as? Int == 5400)
            let id = try #require(started["id"] as? String)
            let checkout = try #require(started["checkout_url"] as? String)
            let browser = TestClient(app)
            let page = try await browser.send(.GET, Self.path(checkout))
            _ = try await browser.send(.POST, Self.path(checkout), form: ["csrf": try #require(TestClient.csrf(in: page.body.string)), "outcome": "paid"])
            let member = try #require(try await Member.find(w.carla, on: app.db))
            #expect(member.membershipEnd == Membership.renewedEnd(currentEnd: endBefore, today: LocalDate(Date(), in: BranchCalendar.amsterdam)))
            // Charged and paid in one go: the balance is unchanged.
            #expect(try await Self.ledger(app, w.carla) == (0, 1))

            // Refunds: staff (not volunteers), at most what was paid, on the ledger once.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.POST, "/api/v1/payments/\(id)/refunds", object: ["amount_cents": 100]).status == .forbidden)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let tooMuch = try await staff.send(.POST, "/api/v1/payments/\(id)/refunds", object: ["amount_cents": 6000])
            #expect(tooMuch.status == .badRequest)
            #expect(tooMuch.apiError?.field == "amount_cents")
            let refunded = try await staff.send(.POST, "/api/v1/payments/\(id)/refunds", object: ["amount_cents": 400, "note": "Te veel betaald"])
            #expect(refunded.status == .ok, "\(refunded.body.string)")
            #expect(try object(refunded)["refunded_cents"] as? Int == 400)
            #expect(try await Self.ledger(app, w.carla).balance == 400)
            let listed = try list(try await staff.send(.GET, "/api/v1/payments?member=\(w.carla)"))
            #expect(listed.count == 1)
            #expect(try object(try await staff.send(.GET, "/api/v1/payments/reconciliation"))["balanced"] as? Bool == true)
            // Another organisation's staff do not see it.
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.GET, "/api/v1/payments/\(id)").status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func withoutAProviderOnlinePaymentIsOff(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            try await Self.owing(app, w)
            app.paymentSettings = nil
            // The account page says the money is paid at the desk, and offers no online payment.
            let account = try await Self.carlasAccountPage(app)
            #expect(account.contains("betalen kan aan de balie"))
            #expect(!account.contains("Online betalen"))
            let carla = try await W.signIn(app, card: "C0001")
            let off = try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "fees"])
            #expect(off.status == .serviceUnavailable)
            #expect(off.apiError?.code == "payments_unavailable")
            #expect(try await Payments(app.db, organisationID: w.f.network.city).list(member: w.carla).isEmpty)
            // The test provider's page is not there either.
            #expect(try await TestClient(app).send(.GET, "/betalen/test/tst_x").status == .notFound)
        }
    }

    /// A stand-in for Mollie's payments API on a local port: checks the key
    /// and the amount format, and answers as Mollie does.
    final class FakeMollie: @unchecked Sendable {
        let app: Application
        var status = "open"
        var created: [String: String] = [:]
        var refunds: [String] = []
        let lock = NSLock()

        init() async throws {
            app = try await Application.make(.testing)
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 0
            app.post("v2", "payments") { [unowned self] req async throws -> Response in
                guard req.headers.bearerAuthorization?.token == "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM" else { return Response(status: .unauthorized) }
                struct Body: Content {
                    struct Amount: Content { let currency: String; let value: String }
                    let amount: Amount; let description: String; let redirectUrl: String; let webhookUrl: String; let metadata: [String: String]
                }
                let body = try req.content.decode(Body.self)
                if body.amount.value == "2.51" {
                    let response = Response(status: .unprocessableEntity)
                    try response.content.encode(["status": "422", "title": "Unprocessable Entity", "detail": "Amount too low", "field": "amount.value"])
                    return response
                }
                self.lock.withLock { self.created = ["value": body.amount.value, "currency": body.amount.currency, "webhook": body.webhookUrl] }
                return self.payment(value: body.amount.value, status: .created)
            }
            app.get("v2", "payments", ":id") { [unowned self] req async throws -> Response in
                guard req.parameters.get("id") == "tr_WDqYK6vllg" else { return Response(status: .notFound) }
                return self.payment(value: self.lock.withLock { self.created["value"] ?? "0.00" }, status: .ok)
            }
            app.post("v2", "payments", ":id", "refunds") { [unowned self] req async throws -> Response in
                struct Body: Content { struct Amount: Content { let currency: String; let value: String }; let amount: Amount }
                let body = try req.content.decode(Body.self)
                self.lock.withLock { self.refunds.append(body.amount.value) }
                return try await ["resource": "refund", "id": "re_4qqhO89gsT", "status": "pending"].encodeResponse(status: .created, for: req)
            }
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        }

        /// Mollie's answer (HAL JSON, as Mollie sends it).
        func payment(value: String, status code: HTTPResponseStatus) -> Response {
            let json = """
                {"resource": "payment", "id": "tr_WDqYK6vllg", "mode": "test", "status": "\(lock.withLock { status })",
                 "amount": {"value": "\(value)", "currency": "EUR"}, "description": "x",
                 "_links": {"checkout": {"href": "https://www.mollie.com/checkout/select-method/WDqYK6vllg", "type": "text/html"}}}
                """
            let response = Response(status: code, body: .init(string: json))
            response.headers.replaceOrAdd(name: .contentType, value: "application/hal+json")
            return response
        }

        var port: Int { app.http.server.shared.localAddress?.port ?? 0 }

        func stop() async {
            await app.server.shutdown()
            try? await app.asyncShutdown()
        }
    }

    @Test(arguments: TestDatabase.all)
    func theMollieAdapter(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let mollie = try await FakeMollie()
            do {
                app.paymentSettings = PaymentSettings(provider: .mollie, mollieAPIKey: "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",
                                                      mollieAPIURL: "http://127.0.0.1:\(mollie.port)/v2")
                let w = try await W.world(app)
                try await Self.owing(app, w, cents: 1005)
                let carla = try await W.signIn(app, card: "C0001")
                let started = try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "fees"])
                #expect(started.status == .created, "\(started.body.string)")
                #expect(try object(started)["checkout_url"] as? String == "https://www.mollie.com/checkout/select-method/WDqYK6vllg")
                #expect(try object(started)["provider"] as? String == "mollie")
                // Exact cents as Mollie's decimal string; the webhook address names the library.
                #expect(mollie.created["value"] == "10.05")
                #expect(mollie.created["currency"] == "EUR")
                #expect(mollie.created["webhook"]?.hasSuffix("/api/v1/payments/webhook/city") == true)
                // Mollie posts id=tr_… when paid; Bieb fetches the payment and books exactly 1005 cents.
                mollie.lock.withLock { mollie.status = "paid" }
                for _ in 1...2 {
                    #expect(try await TestClient(app).send(.POST, "/api/v1/payments/webhook/city", form: ["id": "tr_WDqYK6vllg"]).status == .ok)
                }
                #expect(try await Self.ledger(app, w.carla) == (0, 1))
                let id = try #require(try object(started)["id"] as? String)
                let staff = TestClient(app)
                try await staff.signInAPI(Fixture.staff, password: Fixture.password)
                #expect(try await staff.send(.POST, "/api/v1/payments/\(id)/refunds", object: ["amount_cents": 250, "note": "Dubbel betaald"]).status == .ok)
                #expect(mollie.refunds == ["2.50"])
                // A refusal by Mollie: the member gets a plain 502, the payment is marked failed, nothing booked.
                try await Self.owing(app, w, cents: 1)
                let refusedStart = try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/payments", object: ["purpose": "fees"])
                #expect(refusedStart.status == .badGateway)
                #expect(refusedStart.apiError?.code == "payment_provider_error")
                #expect(try await Payments(app.db, organisationID: w.f.network.city).list(member: w.carla).map(\.status).sorted { $0.rawValue < $1.rawValue }
                        == [.failed, .paid])
            } catch {
                await mollie.stop()
                throw error
            }
            await mollie.stop()
        }
    }

    @Test func providerAmountsAreExactCents() {
        #expect(Money.decimal(1005) == "10.05")
        #expect(Money.decimal(5) == "0.05")
        #expect(Money.cents(decimal: "12.50") == 1250)
        #expect(Money.cents(decimal: "12.5") == 1250)
        #expect(Money.cents(decimal: "12") == 1200)
        #expect(Money.cents(decimal: "0.05") == 5)
        #expect(Money.cents(decimal: "1.234") == nil)
        #expect(Money.cents(decimal: "1,00") == nil)
        #expect(Money.cents(decimal: "-1.00") == nil)
        #expect(Money.cents(decimal: "") == nil)
    }
}

@Suite("The account's fee table") struct FeeTableOrderTests {
    /// "Kosten en betalingen, nieuwste eerst": by the day booked, also when a charge was booked back-dated after a newer one.
    @Test(arguments: TestDatabase.all)
    func feesAreListedNewestFirstByTheirDay(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let desk = Circulation.Desk(branch: w.f.network.central, now: Date())
            let circulation = Circulation(app.db, organisationID: w.f.network.city)
            try await circulation.charge(member: w.carla, cents: 300, note: "Nieuwe tas", at: desk)
            try await circulation.charge(member: w.carla, cents: 200, note: "Oude schade", at: desk)
            let sql = app.db as! any SQLDatabase
            try await sql.raw("""
                UPDATE fee_lines SET created_at = \(bind: Date().addingTimeInterval(-40 * 86_400)) WHERE note = 'Oude schade'
                """).run()
            let page = try await PaymentsTests.carlasAccountPage(app)
            let newer = try #require(page.range(of: "Nieuwe tas")), older = try #require(page.range(of: "Oude schade"))
            #expect(newer.lowerBound < older.lowerBound)
            #expect(page.contains("nieuwste eerst"))
        }
    }
}
