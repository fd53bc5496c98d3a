import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Joining online ("Lid worden"): the form and the API, the desk's checks,
/// a card number at once, the welcome mail, the first year's fee and its
/// online payment, one membership per e-mail address (also when two race),
/// rate limits, and staff's list of identities to check.
@Suite("Joining online") struct OnlineJoinTests {
    static func adult(_ email: String = "noor@example.nl", type: String = "basis", birth: String = "1990-04-12") -> [String: String] {
        ["name": "Noor Yilmaz", "birth_date": birth, "email": email, "phone": "", "street": "Spui 70", "postcode": "2511 BT",
         "city": "Den Haag", "home_branch": "oost", "membership_type": type, "password": "leesclub-2026!", "password_repeated": "leesclub-2026!"]
    }

    /// The join form's page and a client with its session.
    static func form(_ app: Application, address: String = "192.0.2.40") async throws -> (TestClient, String) {
        let client = TestClient(app)
        client.headers.replaceOrAdd(name: "X-Forwarded-For", value: address)
        let page = try await client.send(.GET, "/city/lid-worden?lang=nl")
        #expect(page.status == .ok)
        return (client, try #require(TestClient.csrf(in: page.body.string)))
    }

    @Test(arguments: TestDatabase.all)
    func anAdultJoinsPaysOnlineAndIsCheckedAtTheDesk(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            app.paymentSettings = PaymentSettings(provider: .test)
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let (client, csrf) = try await Self.form(app)
            let page = try await client.send(.GET, "/city/lid-worden?lang=nl&vestiging=oost").body.string
            // Each membership with its fee; youth types are free; the branch from the link is chosen.
            #expect(page.contains("Basis — € 29,00 per jaar"))
            #expect(page.contains("Jeugd — gratis"))
            #expect(page.contains(#"<option value="oost" selected>"#))
            var fields = Self.adult()
            fields["csrf"] = csrf
            let joined = try await client.send(.POST, "/city/lid-worden", form: fields)
            #expect(joined.status == .seeOther)
            #expect(joined.headers.first(name: .location) == "/city/mijn/welkom")
            // Signed in at once: the welcome page shows the card number, the fee and the way to pay it.
            let welcome = try await client.send(.GET, "/city/mijn/welkom?lang=nl").body.string
            let sql = app.db as! any SQLDatabase
            let row = try #require(try await sql.raw("""
                SELECT m.id, m.balance_cents, m.language, m.password_hash, c.barcode FROM members m JOIN member_cards c ON c.member_id = m.id
                WHERE m.email = 'noor@example.nl'
                """).first())
            let member = try row.decode(column: "id", as: UUID.self)
            let card = try row.decode(column: "barcode", as: String.self)
            #expect(CardNumbers.passesLuhn(card) && card.count == 10)
            #expect(try row.decode(column: "balance_cents", as: Int.self) == 2900)
            #expect(try row.decode(column: "password_hash", as: String?.self) != nil)
            #expect(welcome.contains(#"<p class="card-number">\#(card)</p>"#))
            #expect(welcome.contains("€ 29,00"))
            #expect(welcome.contains(#"name="purpose" value="fees""#))
            #expect(welcome.contains("identiteitsbewijs"))
            #expect(welcome.contains("Uitloggen"))
            // The welcome mail, with the card number, in Dutch.
            let message = try #require(try await Outbox(app.db).list(organisation: f.network.city).first { $0.memberID == member && $0.kind == .welcome })
            guard case .send(let mail) = try await NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
                .compose(message) else {
                Issue.record("no welcome mail")
                return
            }
            #expect(mail.to.email == "noor@example.nl")
            #expect(mail.subject == "Welkom bij de bibliotheek")
            #expect(mail.text.contains(card))
            #expect(mail.text.contains("Bibliotheek Oost"))
            // Paying the first year through the test provider clears the balance.
            // The session is new since signing in: so is its form token.
            let signedInToken = try #require(TestClient.csrf(in: welcome))
            let pay = try await client.send(.POST, "/city/mijn/betalen", form: ["csrf": signedInToken, "purpose": "fees"])
            #expect(pay.status == .seeOther)
            let checkout = PaymentsTests.path(try #require(pay.headers.first(name: .location)))
            let checkoutPage = try await client.send(.GET, checkout)
            #expect(checkoutPage.status == .ok)
            let paid = try await client.send(.POST, checkout, form: ["csrf": try #require(TestClient.csrf(in: checkoutPage.body.string)), "outcome": "paid"])
            #expect(paid.status == .seeOther)
            _ = try await client.send(.GET, PaymentsTests.path(try #require(paid.headers.first(name: .location))))
            #expect(try await PaymentsTests.ledger(app, member).balance == 0)
            // The member signs in with the e-mail address and password chosen.
            let api = TestClient(app)
            let token = try await api.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "email": "Noor@Example.nl",
                                                                               "password": "leesclub-2026!"])
            #expect(token.status == .created)
            // Staff see the member among those to check, then check the identity at the desk.
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let list = try await staff.send(.GET, "/staff/members/online?lang=nl").body.string
            #expect(list.contains("Noor Yilmaz"))
            #expect(list.contains(card))
            #expect(!list.contains("Mogelijk al lid"))
            let desk = try await staff.send(.GET, "/staff/desk?branch=oost&member=\(member)&lang=nl").body.string
            #expect(desk.contains("Werd online lid op"))
            let csrfStaff = try #require(TestClient.csrf(in: desk))
            let checked = try await staff.send(.POST, "/staff/desk?lang=nl", form: ["csrf": csrfStaff, "branch": "oost", "member": member.uuidString,
                                                                                   "action": "verify_identity"])
            #expect(checked.body.string.contains("Identiteit gecontroleerd."))
            #expect(!checked.body.string.contains("Werd online lid op"))
            #expect(!(try await staff.send(.GET, "/staff/members/online?lang=nl").body.string.contains("Noor Yilmaz")))
            // Once: a second check is refused.
            let again = try await staff.send(.POST, "/staff/members/\(member)/identity", form: ["csrf": csrfStaff])
            #expect(again.status == .conflict)
            // The member's own data download says when they joined and when the document was seen.
            let data = try await api.send(.GET, "/api/v1/my/accounts/\(member)/data", headers: ["Authorization": "Bearer \(try object(token)["token"] as? String ?? "")"])
            let online = try #require(try object(data)["online_join"] as? [[String: Any]])
            #expect(online.first?["identity_checked_at"] is String)
        }
    }

    @Test(arguments: TestDatabase.all)
    func underEighteenIsFreeAndTheLanguageIsThePages(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let (client, csrf) = try await Self.form(app)
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            var fields = Self.adult("kim@example.nl", type: "jeugd", birth: today.adding(days: -12 * 366).iso)
            fields["csrf"] = csrf
            let joined = try await client.send(.POST, "/city/lid-worden?lang=en", form: fields)
            #expect(joined.status == .seeOther)
            let welcome = try await client.send(.GET, "/city/mijn/welkom?lang=en").body.string
            #expect(welcome.contains("Your card number"))
            #expect(!welcome.contains(#"value="fees""#))
            let row = try #require(try await (app.db as! any SQLDatabase).raw("""
                SELECT balance_cents, language FROM members WHERE email = 'kim@example.nl'
                """).first())
            #expect(try row.decode(column: "balance_cents", as: Int.self) == 0)
            #expect(try row.decode(column: "language", as: String.self) == "en")
            // An adult choosing the youth membership gets the desk's answer, next to the field.
            let (other, token) = try await Self.form(app, address: "192.0.2.41")
            var adult = Self.adult("sem@example.nl", type: "jeugd")
            adult["csrf"] = token
            let refused = try await other.send(.POST, "/city/lid-worden?lang=nl", form: adult)
            #expect(refused.status == .badRequest)
            #expect(refused.body.string.contains(##"<li data-field="membership_type"><a href="#membership_type">"##))
            #expect(TestClient.errorSummary(in: refused.body.string).contains("is voor leden onder de 18"))
            #expect(refused.body.string.contains(#"id="membership_type-error""#))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aRefusedFormKeepsWhatWasTypedButNotThePassword(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let (client, csrf) = try await Self.form(app)
            var fields = Self.adult("piet@example")
            fields["csrf"] = csrf
            let refused = try await client.send(.POST, "/city/lid-worden?lang=nl", form: fields)
            #expect(refused.status == .badRequest)
            let html = refused.body.string
            #expect(TestClient.errorSummary(in: html).contains("is geen e-mailadres"))
            #expect(html.contains(##"<li data-field="email"><a href="#email">"##))
            #expect(html.contains(#"aria-describedby="email-hint email-error""#))
            #expect(html.contains(#"value="Noor Yilmaz""#))
            #expect(html.contains(#"value="piet@example""#))
            #expect(html.contains(#"value="Spui 70""#))
            #expect(html.contains(#"value="basis" checked"#))
            #expect(html.contains(#"<option value="oost" selected>"#))
            #expect(!html.contains("leesclub-2026!"))
            // Passwords that differ are named on the second field.
            fields["email"] = "piet@example.nl"
            fields["password_repeated"] = "leesclub-2027!"
            let differ = try await client.send(.POST, "/city/lid-worden?lang=nl", form: fields)
            #expect(differ.body.string.contains(#"<li data-field="password_repeated">"#))
            // Nobody was registered; refused forms do not count against the address.
            let count = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM online_joins").first()!.decode(column: "n", as: Int.self)
            #expect(count == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func oneMembershipPerEmailAddressEvenWhenTwoRace(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let path = "/api/v1/organisations/city/members"
            // Two joins with one address at the same moment, from two places: exactly one member.
            async let first = TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.50"], object: Self.adult("duo@example.nl"))
            async let second = TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.51"], object: Self.adult("DUO@example.nl"))
            let answers = try await [first, second]
            #expect(answers.filter { $0.status == .created }.count == 1)
            #expect(answers.filter { $0.status == .conflict }.first?.apiError?.code == "email_taken")
            let created = try object(try #require(answers.first { $0.status == .created }))
            #expect(created["identity_check_pending"] as? Bool == true)
            #expect(created["balance_cents"] as? Int == 2900)
            let sql = app.db as! any SQLDatabase
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM members WHERE email = 'duo@example.nl'").first()!.decode(column: "n", as: Int.self) == 1)
            // An address a member registered at the desk has is refused too.
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            _ = try await MemberDirectory(app.db, organisationID: f.network.city).register(MemberRegistration(
                details: MemberDraft(name: "Jan Smit", birthDate: "1970-01-01", email: "jan@example.nl", street: "Plein 2", postcode: "2511 CR",
                                     city: "Den Haag"), homeBranch: f.network.central, membershipType: "basis", card: "J0999"), today: today)
            let desk = try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.52"], object: Self.adult("jan@example.nl"))
            #expect(desk.status == .conflict)
            #expect(desk.apiError?.field == "email")
            // Staff see the member over the API and check the identity once.
            let staff = TestClient(app)
            staff.headers.bearerAuthorization = BearerAuthorization(token: try await staff.signInAPI(Fixture.staff, password: Fixture.password))
            // Jan, registered at the desk, joins online too with another address: staff are told he may be a member already.
            var again = Self.adult("jan.smit@example.nl")
            again["name"] = "jan smit"
            again["birth_date"] = "1970-01-01"
            let twice = try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.53"], object: again)
            #expect(twice.status == .created)
            let waiting = try await staff.send(.GET, "/api/v1/online-joins")
            #expect(waiting.status == .ok)
            let id = try #require(created["member_id"] as? String)
            #expect(waiting.body.string.contains(id))
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(waiting.body.string.utf8)) as? [[String: Any]])
            #expect(listed.first { $0["member_id"] as? String == id }?["possible_duplicate"] as? Bool == false)
            #expect(listed.first { $0["name"] as? String == "jan smit" }?["possible_duplicate"] as? Bool == true)
            #expect(try await staff.send(.POST, "/api/v1/members/\(id)/identity-check").status == .noContent)
            #expect(try await staff.send(.POST, "/api/v1/members/\(id)/identity-check").status == .conflict)
            #expect(!(try await staff.send(.GET, "/api/v1/online-joins").body.string.contains(id)))
        }
    }

    @Test(arguments: TestDatabase.all)
    func joinsAndRefusedAddressesAreRateLimitedPerClient(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let path = "/api/v1/organisations/city/members"
            let here: HTTPHeaders = ["X-Forwarded-For": "192.0.2.60"]
            for n in 0..<RateLimit.onlineJoinsPerAddress.limit {
                #expect(try await TestClient(app).send(.POST, path, headers: here, object: Self.adult("gezin\(n)@example.nl")).status == .created)
            }
            let over = try await TestClient(app).send(.POST, path, headers: here, object: Self.adult("gezin9@example.nl"))
            #expect(over.status == .tooManyRequests)
            #expect(over.headers.first(name: "Retry-After") != nil)
            // Another address is not stopped by this one.
            #expect(try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.61"],
                                                   object: Self.adult("buren@example.nl")).status == .created)
            // Asking whether addresses are members, one after the other, stops after a few answers.
            let prober: HTTPHeaders = ["X-Forwarded-For": "192.0.2.62"]
            var statuses: [HTTPStatus] = []
            for _ in 0..<(RateLimit.onlineJoinEmailTakenPerAddress.limit + 1) {
                statuses.append(try await TestClient(app).send(.POST, path, headers: prober, object: Self.adult("gezin0@example.nl")).status)
            }
            #expect(statuses.dropLast().allSatisfy { $0 == .conflict })
            #expect(statuses.last == .tooManyRequests)
        }
    }
}
