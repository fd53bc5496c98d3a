import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
@testable import BiebServer
import BiebTestSupport

/// The member's own side over HTTP: signing in, the account API, and the
/// rule that a member never sees or changes another member's data.
@Suite("Member accounts") struct MemberAccountTests {
    static let pin = "4821"

    /// The fixture plus a second adult member (Carla, card C0001) with a loan
    /// and a hold, PINs for Anna and Carla, and Anna as Bram's guardian.
    struct World {
        let f: CirculationFixture
        let carla: UUID
        let carlaLoan: Int
        let carlaHold: Int
        var anna: UUID { f.adult }
        var bram: UUID { f.youth }
    }

    static func world(_ app: Application) async throws -> World {
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        let f = try await CirculationFixture.make(on: app, today: today)
        let org = f.network.city
        let members = MemberDirectory(app.db, organisationID: org)
        let carla = try await members.register(MemberRegistration(
            details: MemberDraft(name: "Carla Bos", birthDate: "1979-09-09", email: "carla@example.nl", street: "Plein 1", postcode: "2511 CR",
                                 city: "Den Haag"),
            homeBranch: f.network.central, membershipType: "volledig", card: "C0001"), today: today)
        let desk = Circulation.Desk(branch: f.network.central, now: Date())
        let circulation = Circulation(app.db, organisationID: org)
        try await circulation.pay(member: carla.id!, cents: 5400, at: desk)
        let loan = try await circulation.checkout(member: carla.id!, item: "B5C1", at: desk)
        let hold = try await circulation.placeHold(member: carla.id!, title: try #require(f.titles["dvd-1"]), pickup: f.network.central, at: desk)
        let store = SelfServiceStore(app.db, organisationID: org)
        for member in [f.adult, carla.id!] { try await store.setPIN(member: member, hash: try app.password.hash(pin)) }
        try await (app.db as! any SQLDatabase).raw("UPDATE members SET guardian_id = \(bind: f.adult) WHERE id = \(bind: f.youth)").run()
        return World(f: f, carla: carla.id!, carlaLoan: loan.loanID, carlaHold: hold.id!)
    }

    /// A client signed in through the member API.
    static func signIn(_ app: Application, card: String, pin: String = pin) async throws -> TestClient {
        let client = TestClient(app)
        let response = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": card, "pin": pin])
        guard response.status == .created else { throw TestError("sign-in failed: \(response.status) \(response.body.string)") }
        client.headers.bearerAuthorization = BearerAuthorization(token: try #require(try object(response)["token"] as? String))
        return client
    }

    @Test(arguments: TestDatabase.all)
    func signInWithCardAndPINOrEmailAndPassword(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let client = TestClient(app)
            // A wrong PIN and an unknown card get the same answer, naming the PIN.
            let wrong = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": "A0001", "pin": "1111"])
            let unknown = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": "X9999", "pin": "1111"])
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.apiError?.code == "invalid_credentials")
            #expect(wrong.apiError?.field == "pin")
            #expect(wrong.apiError?.message == unknown.apiError?.message)
            // No library named: an error naming the field.
            let noOrg = try await client.send(.POST, "/api/v1/my/token", object: ["card": "A0001", "pin": Self.pin])
            #expect(noOrg.status == .badRequest)
            #expect(noOrg.apiError?.field == "organisation")
            // A card of this library does not open another library.
            let town = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "town", "card": "A0001", "pin": Self.pin])
            #expect(town.status == .unauthorized)

            let anna = try await Self.signIn(app, card: "a0001")
            let accounts = try list(try await anna.send(.GET, "/api/v1/my/accounts"))
            #expect(accounts.map { $0["id"] as? String } == [w.anna.uuidString, w.bram.uuidString])
            #expect(accounts.map { $0["relation"] as? String } == ["self", "child"])
            // A member token is no staff token, and a staff token no member token.
            #expect(try await anna.send(.GET, "/api/v1/members/\(w.anna)").status == .unauthorized)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.GET, "/api/v1/my/accounts").status == .unauthorized)

            // A password for e-mail sign-in: needs an e-mail address, a good password; then it works.
            let noEmail = try await anna.send(.PUT, "/api/v1/my/accounts/\(w.anna)/password", object: ["password": "lange zomeravonden"])
            #expect(noEmail.status == .badRequest)
            #expect(noEmail.apiError?.field == "email")
            #expect(try await anna.send(.PATCH, "/api/v1/my/accounts/\(w.anna)/details", object: ["email": "Anna@Example.nl"]).status == .ok)
            let short = try await anna.send(.PUT, "/api/v1/my/accounts/\(w.anna)/password", object: ["password": "kort"])
            #expect(short.status == .badRequest)
            #expect(short.apiError?.field == "password")
            #expect(try await anna.send(.PUT, "/api/v1/my/accounts/\(w.anna)/password", object: ["password": "lange zomeravonden"]).status
                    == .noContent)
            // A guardian does not set a password for their child.
            #expect(try await anna.send(.PUT, "/api/v1/my/accounts/\(w.bram)/password", object: ["password": "lange zomeravonden"]).status
                    == .notFound)
            let byEmail = try await client.send(.POST, "/api/v1/my/token", object: [
                "organisation": "city", "email": "anna@example.nl", "password": "lange zomeravonden"])
            #expect(byEmail.status == .created)
            #expect(try object(byEmail)["member_id"] as? String == w.anna.uuidString)
            let badPassword = try await client.send(.POST, "/api/v1/my/token", object: [
                "organisation": "city", "email": "anna@example.nl", "password": "korte winteravonden"])
            #expect(badPassword.status == .unauthorized)
            #expect(badPassword.apiError?.field == "password")

            // Five wrong PINs from one address stop that address, also for the right PIN — but not the kiosks' PIN (issue 16:
            // a stranger who knows a card number must not lock its owner out).
            for n in 1...5 {
                let attempt = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": "C0001", "pin": "999\(n)"])
                #expect(attempt.status == (n < 5 ? .unauthorized : .tooManyRequests))
            }
            let locked = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": "C0001", "pin": Self.pin])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.apiError?.code == "too_many_attempts")
            #expect(!(try await SelfServiceStore(app.db, organisationID: w.f.network.city).pinState(member: w.carla).locked(at: Date())))
            // A PIN the kiosks locked is refused on the portal too, with the way out.
            for _ in 1...MemberPIN.maximumFailures {
                _ = try await SelfServiceStore(app.db, organisationID: w.f.network.city).recordWrongPIN(member: w.carla)
            }
            let kioskLocked = try await client.send(.POST, "/api/v1/my/token", headers: ["X-Forwarded-For": "192.0.2.77"],
                                                   object: ["organisation": "city", "card": "C0001", "pin": Self.pin])
            #expect(kioskLocked.status == .tooManyRequests)
            #expect(kioskLocked.apiError?.code == "pin_locked")
            #expect(kioskLocked.apiError?.message.contains("e-mail") == true)

            // Signing out ends the token.
            #expect(try await anna.send(.DELETE, "/api/v1/my/token").status == .noContent)
            #expect(try await anna.send(.GET, "/api/v1/my/accounts").status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aMemberNeverSeesOrChangesAnotherMembersData(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let anna = try await Self.signIn(app, card: "A0001")
            let sql = app.db as! any SQLDatabase
            func carlasState() async throws -> String {
                let loan = try await sql.raw("SELECT due_on, renewals, open FROM loans WHERE id = \(bind: w.carlaLoan)").first()!
                let hold = try await sql.raw("SELECT status, pickup_branch_id, suspended_until FROM holds WHERE id = \(bind: w.carlaHold)").first()!
                let member = try await sql.raw("SELECT email, street, password_hash, pin_hash, membership_end, language FROM members WHERE id = \(bind: w.carla)").first()!
                let consents = try await sql.raw("SELECT COUNT(*) AS n FROM consents WHERE member_id = \(bind: w.carla)").first()!.decode(column: "n", as: Int.self)
                    + 1000 * (try await sql.raw("SELECT COUNT(*) AS n FROM payments WHERE member_id = \(bind: w.carla)").first()!.decode(column: "n", as: Int.self))
                    + 100 * (try await sql.raw("SELECT COUNT(*) AS n FROM members WHERE id = \(bind: w.carla) AND (loan_history_since IS NOT NULL OR erasure_requested_at IS NOT NULL)").first()!.decode(column: "n", as: Int.self))
                return [try loan.decode(column: "due_on", as: String.self), String(try loan.decode(column: "renewals", as: Int.self)),
                        String(try loan.decode(column: "open", as: Bool.self)), try hold.decode(column: "status", as: String.self),
                        try hold.decode(column: "pickup_branch_id", as: UUID.self).uuidString,
                        try hold.decode(column: "suspended_until", as: String?.self) ?? "-", try member.decode(column: "email", as: String?.self) ?? "-",
                        try member.decode(column: "street", as: String.self), try member.decode(column: "password_hash", as: String?.self) ?? "-",
                        try member.decode(column: "pin_hash", as: String?.self) ?? "-",
                        try member.decode(column: "membership_end", as: String.self), try member.decode(column: "language", as: String.self),
                        String(consents)].joined(separator: "|")
            }
            let before = try await carlasState()
            let title = try #require(w.f.titles["book-2"])
            // Every member endpoint, with Carla's account id: not found, and nothing of hers read or changed.
            let carla = "/api/v1/my/accounts/\(w.carla)"
            let calls: [(HTTPMethod, String, [String: Any])] = [
                (.GET, carla, [:]), (.GET, "\(carla)/loans", [:]), (.POST, "\(carla)/loans/renew-all", [:]),
                (.POST, "\(carla)/loans/\(w.carlaLoan)/renew", [:]), (.GET, "\(carla)/holds", [:]),
                (.POST, "\(carla)/holds", ["title_id": title, "pickup_branch": "centrale"]),
                (.PATCH, "\(carla)/holds/\(w.carlaHold)", ["pickup_branch": "oost"]),
                (.PATCH, "\(carla)/holds/\(w.carlaHold)", ["suspended_until": LocalDate(Date(), in: BranchCalendar.amsterdam).adding(days: 5).iso]),
                (.DELETE, "\(carla)/holds/\(w.carlaHold)", [:]), (.GET, "\(carla)/fees", [:]),
                (.PATCH, "\(carla)/details", ["email": "anna@example.nl", "street": "Kerkstraat 1"]),
                (.PUT, "\(carla)/password", ["password": "lange zomeravonden"]), (.PUT, "\(carla)/pin", ["current_pin": Self.pin, "pin": "1357"]),
                (.POST, "\(carla)/membership/renew", [:]), (.GET, "\(carla)/preferences", [:]),
                (.PUT, "\(carla)/preferences", ["newsletter": true, "language": "en"]),
                (.GET, "\(carla)/history", [:]), (.PUT, "\(carla)/history", ["enabled": true]), (.DELETE, "\(carla)/history", [:]),
                (.GET, "\(carla)/history/export", [:]), (.DELETE, "\(carla)/history/1", [:]), (.GET, "\(carla)/data", [:]),
                (.GET, "\(carla)/views", [:]), (.GET, "\(carla)/erasure", [:]), (.POST, "\(carla)/erasure", [:]), (.DELETE, "\(carla)/erasure", [:]),
                (.GET, "\(carla)/payments", [:]), (.POST, "\(carla)/payments", ["purpose": "membership"]), (.GET, "\(carla)/payments/\(UUID())", [:]),
            ]
            for (method, path, body) in calls {
                let response = body.isEmpty ? try await anna.send(method, path) : try await anna.send(method, path, object: body)
                #expect(response.status == .notFound, "\(method) \(path): \(response.status) \(response.body.string)")
                #expect(!response.body.string.contains("Carla"), "\(method) \(path) told Carla's name")
            }
            // Carla's loan and hold through Anna's own account: not found either.
            let own = "/api/v1/my/accounts/\(w.anna)"
            for (method, path, body) in [
                (HTTPMethod.POST, "\(own)/loans/\(w.carlaLoan)/renew", [String: Any]()),
                (.PATCH, "\(own)/holds/\(w.carlaHold)", ["pickup_branch": "oost"]), (.DELETE, "\(own)/holds/\(w.carlaHold)", [:]),
            ] {
                let response = body.isEmpty ? try await anna.send(method, path) : try await anna.send(method, path, object: body)
                #expect(response.status == .notFound, "\(method) \(path): \(response.status) \(response.body.string)")
            }
            // A made-up account id and a malformed one: the same.
            #expect(try await anna.send(.GET, "/api/v1/my/accounts/\(UUID())").status == .notFound)
            #expect(try await anna.send(.GET, "/api/v1/my/accounts/nonsense").status == .notFound)
            #expect(try await carlasState() == before)

            // Carla sees her own; not Anna's, nor Bram's (she is not his guardian).
            let carlaClient = try await Self.signIn(app, card: "C0001")
            #expect(try await carlaClient.send(.GET, carla).status == .ok)
            #expect(try await carlaClient.send(.GET, own).status == .notFound)
            #expect(try await carlaClient.send(.GET, "/api/v1/my/accounts/\(w.bram)").status == .notFound)
            // Anna manages Bram's account while he is under 18; from his 18th birthday, no more.
            #expect(try object(try await anna.send(.GET, "/api/v1/my/accounts/\(w.bram)"))["relation"] as? String == "child")
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            let grownUp = try #require(LocalDate(year: today.year - 19, month: today.month, day: min(today.day, 28)))
            try await sql.raw("UPDATE members SET birth_date = \(bind: grownUp.iso) WHERE id = \(bind: w.bram)").run()
            #expect(try await anna.send(.GET, "/api/v1/my/accounts/\(w.bram)").status == .notFound)
            #expect(try list(try await anna.send(.GET, "/api/v1/my/accounts")).count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func loansAndHoldsOnline(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let org = w.f.network.city
            let desk = Circulation.Desk(branch: w.f.network.central, now: Date())
            let circulation = Circulation(app.db, organisationID: org)
            let book = try await circulation.checkout(member: w.anna, item: "B1C1", at: desk)
            _ = try await circulation.checkout(member: w.anna, item: "D2C1", at: desk)
            let anna = try await Self.signIn(app, card: "A0001")
            let base = "/api/v1/my/accounts/\(w.anna)"

            let loans = try list(try await anna.send(.GET, "\(base)/loans"))
            #expect(loans.count == 2)
            // Renewing a loan lent today would not move its due date: refused, and no renewal is used up.
            let today = try await anna.send(.POST, "\(base)/loans/\(book.loanID)/renew")
            #expect(today.status == .conflict)
            #expect(today.apiError?.code == "renewal_not_extending")
            #expect(try list(try await anna.send(.GET, "\(base)/loans")).allSatisfy { $0["renewals"] as? Int == 0 })
            // Renew twice, a week apart (the rule allows two), the third time refused with the rule's words, in English when asked.
            for _ in 1...2 {
                try await backdateOpenLoans(app, days: 7)
                #expect(try await anna.send(.POST, "\(base)/loans/\(book.loanID)/renew").status == .ok)
            }
            let third = try await anna.send(.POST, "\(base)/loans/\(book.loanID)/renew?lang=en")
            #expect(third.status == .conflict)
            #expect(third.apiError?.code == "renewal_limit")
            #expect(third.apiError?.message.hasPrefix("Renewed 2 times already, the most allowed (rule:") == true)
            // Renew all: the book is refused (limit), the DVD renewed, each with its outcome.
            try await backdateOpenLoans(app, days: 7)
            let all = try object(try await anna.send(.POST, "\(base)/loans/renew-all"))
            let outcomes = try #require(all["outcomes"] as? [[String: Any]])
            #expect(outcomes.count == 2)
            #expect(outcomes.filter { $0["renewed"] is [String: Any] }.count == 1)
            #expect(outcomes.compactMap { ($0["refused"] as? [String: Any])?["code"] as? String } == ["renewal_limit"])

            // Holds: the only copy of dvd-3 is out and Carla waits for it first, so Anna is number 2 in the queue.
            let dvd = try #require(w.f.titles["dvd-3"])
            _ = try await circulation.checkout(member: w.bram, item: "D3C1", at: desk)
            _ = try await circulation.placeHold(member: w.carla, title: dvd, pickup: w.f.network.central, at: desk)
            let placed = try await anna.send(.POST, "\(base)/holds", object: ["title_id": dvd, "pickup_branch": "oost"])
            #expect(placed.status == .created, "\(placed.body.string)")
            let hold = try object(placed)
            let holdID = try #require(hold["id"] as? Int)
            #expect(hold["position"] as? Int == 2)
            #expect(hold["pickup_branch"] as? String == "Bibliotheek Oost")
            let twice = try await anna.send(.POST, "\(base)/holds", object: ["title_id": dvd, "pickup_branch": "oost"])
            #expect(twice.status == .conflict)
            #expect(twice.apiError?.code == "hold_exists")
            // In the member's words, not the desk's ("Dit lid heeft …").
            #expect(twice.apiError?.message == "Je hebt deze titel al gereserveerd.")
            let twiceEN = try await anna.send(.POST, "\(base)/holds?lang=en", object: ["title_id": dvd, "pickup_branch": "oost"])
            #expect(twiceEN.apiError?.message == "You already have a hold on this title.")
            let nowhere = try await anna.send(.POST, "\(base)/holds", object: ["title_id": dvd, "pickup_branch": "maan"])
            #expect(nowhere.status == .badRequest)
            #expect(nowhere.apiError?.field == "pickup_branch")
            // Another pickup branch; a pause until a day (and a bad date named); resumed; cancelled.
            let moved = try object(try await anna.send(.PATCH, "\(base)/holds/\(holdID)", object: ["pickup_branch": "centrale"]))
            #expect(moved["pickup_branch"] as? String == "Centrale Bibliotheek")
            let later = LocalDate(Date(), in: BranchCalendar.amsterdam).adding(days: 10).iso
            let paused = try object(try await anna.send(.PATCH, "\(base)/holds/\(holdID)", object: ["suspended_until": later]))
            #expect(paused["suspended_until"] as? String == later)
            let badDate = try await anna.send(.PATCH, "\(base)/holds/\(holdID)", object: ["suspended_until": "31-12-2026"])
            #expect(badDate.status == .badRequest)
            #expect(badDate.apiError?.field == "suspended_until")
            let resumed = try object(try await anna.send(.PATCH, "\(base)/holds/\(holdID)", object: ["resume": true]))
            #expect(resumed["suspended_until"] == nil || resumed["suspended_until"] is NSNull)
            #expect(try await anna.send(.DELETE, "\(base)/holds/\(holdID)").status == .noContent)
            #expect(try list(try await anna.send(.GET, "\(base)/holds")).isEmpty)

            // A hold waiting on the hold shelf cannot move any more.
            let book4 = try #require(w.f.titles["book-4"])
            _ = try await circulation.checkout(member: w.carla, item: "B4C1", at: desk)
            _ = try await circulation.checkout(member: w.carla, item: "B4C2", at: desk)
            _ = try await circulation.checkout(member: w.carla, item: "B4O1", at: desk)
            let waiting = try object(try await anna.send(.POST, "\(base)/holds", object: ["title_id": book4, "pickup_branch": "centrale"]))
            _ = try await circulation.checkin(item: "B4C1", at: desk)
            let ready = try list(try await anna.send(.GET, "\(base)/holds")).first { $0["id"] as? Int == waiting["id"] as? Int }
            #expect(ready?["status"] as? String == "ready")
            let stuck = try await anna.send(.PATCH, "\(base)/holds/\(waiting["id"] as? Int ?? 0)", object: ["pickup_branch": "oost"])
            #expect(stuck.status == .conflict)
            #expect(stuck.apiError?.code == "hold_on_its_way")

            // Fees line by line with the balance; a paid membership is not renewed without payment, a youth one is.
            let fees = try object(try await anna.send(.GET, "\(base)/fees"))
            #expect(fees["balance_cents"] as? Int == 0)
            #expect((fees["lines"] as? [[String: Any]])?.isEmpty == false)
            let paid = try await anna.send(.POST, "\(base)/membership/renew")
            #expect(paid.status == .conflict)
            #expect(paid.apiError?.code == "payment_required")
            let bram = try object(try await anna.send(.POST, "/api/v1/my/accounts/\(w.bram)/membership/renew"))
            #expect((bram["membership_end"] as? String ?? "") > LocalDate(Date(), in: BranchCalendar.amsterdam).adding(days: 365).iso)
        }
    }

    @Test(arguments: TestDatabase.all)
    func contactDetailsOnlyAndValidated(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let anna = try await Self.signIn(app, card: "A0001")
            let base = "/api/v1/my/accounts/\(w.anna)"
            let sql = app.db as! any SQLDatabase
            func stored() async throws -> [String] {
                let row = try await sql.raw("SELECT name, birth_date, email, phone, street, postcode, city FROM members WHERE id = \(bind: w.anna)").first()!
                return try ["name", "birth_date", "email", "phone", "street", "postcode", "city"].map { try row.decode(column: $0, as: String?.self) ?? "-" }
            }
            let before = try await stored()
            for (body, field) in [(["postcode": "25111 BT"], "postcode"), (["email": "anna@"], "email"), (["phone": "12"], "phone"),
                                  (["street": " "], "street"), (["name": "Anna Bos"], "name"), (["birth_date": "1990-01-01"], "birth_date")] {
                let response = try await anna.send(.PATCH, "\(base)/details", object: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.apiError?.field == field)
            }
            #expect(try await stored() == before)
            let changed = try object(try await anna.send(.PATCH, "\(base)/details", object: [
                "email": "ANNA@example.nl", "phone": "070 123 4567", "street": "Lange Voorhout 34", "postcode": "2514ee", "city": "Den Haag"]))
            #expect(changed["email"] as? String == "anna@example.nl")
            #expect(changed["postcode"] as? String == "2514 EE")
            #expect(changed["name"] as? String == "Anna de Vries")
            // Carla signs in with this address already: Anna cannot take it for signing in.
            let carla = try await Self.signIn(app, card: "C0001")
            #expect(try await carla.send(.PUT, "/api/v1/my/accounts/\(w.carla)/password", object: ["password": "lange zomeravonden"]).status
                    == .noContent)
            #expect(try await anna.send(.PATCH, "\(base)/details", object: ["email": "carla@example.nl"]).status == .ok)
            let shared = try await anna.send(.PUT, "\(base)/password", object: ["password": "lange winteravonden"])
            #expect(shared.status == .conflict)
            #expect(shared.apiError?.code == "email_shared")
            // A new PIN needs the current one.
            let noCurrent = try await anna.send(.PUT, "\(base)/pin", object: ["pin": "1357"])
            #expect(noCurrent.status == .badRequest)
            #expect(noCurrent.apiError?.field == "current_pin")
            #expect(try await anna.send(.PUT, "\(base)/pin", object: ["current_pin": Self.pin, "pin": "1111"]).apiError?.field == "pin")
            #expect(try await anna.send(.PUT, "\(base)/pin", object: ["current_pin": Self.pin, "pin": "1357"]).status == .noContent)
            #expect(try await Self.signIn(app, card: "A0001", pin: "1357").headers.bearerAuthorization != nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func messagesAndConsentWithHistory(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let anna = try await Self.signIn(app, card: "A0001")
            let path = "/api/v1/my/accounts/\(w.anna)/preferences"
            let start = try object(try await anna.send(.GET, path))
            #expect(start["service_notices"] as? Bool == true && start["newsletter"] as? Bool == false && start["recommendations"] as? Bool == false)
            #expect((start["history"] as? [Any])?.isEmpty == true)
            // Agreeing to the newsletter in English: recorded with the English words (those of the request's language), the moment and the way.
            let agreed = try object(try await anna.send(.PUT, path, object: ["newsletter": true, "language": "en"], headers: ["Accept-Language": "en"]))
            #expect(agreed["newsletter"] as? Bool == true && agreed["language"] as? String == "en")
            let record = try #require((agreed["history"] as? [[String: Any]])?.first)
            #expect(record["purpose"] as? String == "newsletter" && record["granted"] as? Bool == true && record["source"] as? String == "api")
            #expect((record["text"] as? String)?.hasPrefix("I want to receive the library's newsletter") == true)
            // The same choice again adds nothing; withdrawing adds a record; a bad language is named.
            #expect((try object(try await anna.send(.PUT, path, object: ["newsletter": true]))["history"] as? [Any])?.count == 1)
            #expect((try object(try await anna.send(.PUT, path, object: ["newsletter": false]))["history"] as? [Any])?.count == 2)
            let bad = try await anna.send(.PUT, path, object: ["language": "fr"])
            #expect(bad.status == .badRequest && bad.apiError?.field == "language")

            // On the page: a box left unticked switches it off (e-mail notices), recorded as from the portal, in Dutch.
            let browser = TestClient(app)
            let login = try await browser.send(.GET, "/city/mijn/inloggen")
            _ = try await browser.send(.POST, "/city/mijn/inloggen", form: [
                "csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "A0001", "pin": Self.pin])
            let page = try await browser.send(.GET, "/city/mijn/berichten")
            #expect(page.body.string.contains("id=\"service_notices\" name=\"service_notices\" checked"))
            // A language the form does not offer: named at its field, the boxes kept as ticked, nothing saved.
            let refused = try await browser.send(.POST, "/city/mijn/berichten", form: [
                "csrf": try #require(TestClient.csrf(in: page.body.string)), "lid": w.anna.uuidString, "recommendations": "on", "language": "fr"])
            #expect(refused.status == .badRequest)
            #expect(refused.body.string.contains(##"<a href="#language">Kies nl (Nederlands) of en (Engels).</a>"##))
            #expect(refused.body.string.contains(#"<span class="field-error" id="language-error">"#))
            #expect(refused.body.string.contains("id=\"recommendations\" name=\"recommendations\" checked"))
            #expect(!refused.body.string.contains("id=\"service_notices\" name=\"service_notices\" checked"))
            #expect(try await Consents(app.db, organisationID: w.f.network.city).current(member: w.anna)[.recommendations] != true)
            let saved = try await browser.send(.POST, "/city/mijn/berichten", form: [
                "csrf": try #require(TestClient.csrf(in: page.body.string)), "lid": w.anna.uuidString, "recommendations": "on", "language": "nl"])
            #expect(saved.status == .seeOther)
            let now = try await Consents(app.db, organisationID: w.f.network.city).current(member: w.anna)
            #expect(now[.serviceNotices] == false && now[.recommendations] == true && now[.newsletter] == false)
            let history = try await Consents(app.db, organisationID: w.f.network.city).history(member: w.anna)
            #expect(history.first?.source == "portal")
            #expect(history.contains { $0.purpose == .recommendations && $0.text.hasPrefix("De bibliotheek mag op basis van wat ik leen") })
            #expect(try await browser.send(.GET, "/city/mijn/berichten").body.string.contains("Uitgezet: E-mail over mijn leningen en reserveringen"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aNewPINByEmailLink(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let org = w.f.network.city
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE members SET email = 'anna@example.nl' WHERE id = \(bind: w.anna)").run()
            let client = TestClient(app)
            // Anna locked her PIN at a kiosk, and tried five times on the portal from home.
            for _ in 1...MemberPIN.maximumFailures { _ = try await SelfServiceStore(app.db, organisationID: org).recordWrongPIN(member: w.anna) }
            for _ in 1...5 { _ = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": "A0001", "pin": "9999"]) }
            #expect(try await SelfServiceStore(app.db, organisationID: org).pinState(member: w.anna).locked(at: Date()))
            #expect(try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": "A0001", "pin": Self.pin]).status
                    == .tooManyRequests)
            // A link for her card; an unknown card gets the same answer and nothing is sent; asking again at once sends nothing more.
            #expect(try await client.send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "card": "A0001"]).status == .accepted)
            #expect(try await client.send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "card": "X0404"]).status == .accepted)
            #expect(try await client.send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "card": "A0001"]).status == .accepted)
            let mails = try await Outbox(app.db).list(organisation: org).filter { $0.kind == .pinReset }
            #expect(mails.count == 1)
            let mail = try #require(mails.first)
            #expect(mail.recipient == "anna@example.nl" && mail.subject == "Een nieuwe pincode kiezen")
            let text = try #require(mail.bodyText)
            let code = try #require(text.components(separatedBy: "code=").last?.prefix { !$0.isWhitespace }).description
            #expect(!code.isEmpty)
            // A PIN that will not do is named, and the code still works; then the new PIN, once.
            let weak = try await client.send(.POST, "/api/v1/my/pin-reset/confirm", object: ["organisation": "city", "code": code, "pin": "1111"])
            #expect(weak.status == .badRequest && weak.apiError?.field == "pin")
            #expect(try await client.send(.POST, "/api/v1/my/pin-reset/confirm", object: ["organisation": "city", "code": code, "pin": "7531"]).status
                    == .noContent)
            let again = try await client.send(.POST, "/api/v1/my/pin-reset/confirm", object: ["organisation": "city", "code": code, "pin": "8642"])
            #expect(again.status == .badRequest && again.apiError?.code == "code_invalid")
            #expect(!(try await SelfServiceStore(app.db, organisationID: org).pinState(member: w.anna).locked(at: Date())))
            // The link lifted the portal's lock of her address too.
            #expect(try await Self.signIn(app, card: "A0001", pin: "7531").headers.bearerAuthorization != nil)
            // By e-mail address (Carla), and a code past its hour.
            #expect(try await client.send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "email": "CARLA@example.nl"]).status == .accepted)
            #expect(try await Outbox(app.db).list(organisation: org).contains { $0.kind == .pinReset && $0.recipient == "carla@example.nl" })
            try await PINResets(app.db, organisationID: org).create(member: w.carla, codeHash: SHA256.hash(data: Data("old-code".utf8)).map { String(format: "%02x", $0) }.joined(), now: Date().addingTimeInterval(-7_200))
            let old = try await client.send(.POST, "/api/v1/my/pin-reset/confirm", object: ["organisation": "city", "code": "old-code", "pin": "7531"])
            #expect(old.apiError?.code == "code_invalid")
            // The pages: a stale link says so and offers a new one; asking shows the same answer for anyone.
            let browser = TestClient(app)
            #expect(try await browser.send(.GET, "/city/mijn/pincode-kiezen?code=\(code)").body.string.contains("al gebruikt of ouder dan een uur"))
            let form = try await browser.send(.GET, "/city/mijn/pincode-vergeten")
            let asked = try await browser.send(.POST, "/city/mijn/pincode-vergeten", form: [
                "csrf": try #require(TestClient.csrf(in: form.body.string)), "card": "Z9999"])
            #expect(asked.status == .ok && asked.body.string.contains("Als we je kennen en een e-mailadres van je hebben"))
            // Choosing a PIN on the page: two that differ are named at the second field, in the summary too.
            try await PINResets(app.db, organisationID: org).create(member: w.carla, codeHash: SHA256.hash(data: Data("page-code".utf8)).map { String(format: "%02x", $0) }.joined(), now: Date())
            let choose = try await browser.send(.GET, "/city/mijn/pincode-kiezen?code=page-code")
            let differ = try await browser.send(.POST, "/city/mijn/pincode-kiezen", form: [
                "csrf": try #require(TestClient.csrf(in: choose.body.string)), "code": "page-code", "pin": "2468", "repeated": "2469"])
            #expect(differ.status == .badRequest)
            #expect(differ.body.string.contains(##"<a href="#repeated">De twee pincodes zijn niet gelijk.</a>"##))
            #expect(differ.body.string.contains(#"<span class="field-error" id="repeated-error">"#))
            #expect(differ.body.string.contains(##"action="/city/mijn/pincode-kiezen#fout""##))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aChildsNoticesGoToTheGuardian(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let sql = app.db as! any SQLDatabase
            let org = w.f.network.city
            let end = try #require(try await Member.find(w.bram, on: app.db)).membershipEnd
            _ = try await WriteGate.transaction(on: app.db) { tx in
                try await Outbox.enqueue(.membershipExpiring, organisation: org, member: w.bram, reference: "membership:\(end.iso)",
                                         dedupe: "membership:\(w.bram):\(end.iso)", at: Date(), on: tx as! any SQLDatabase)
            }
            let message = try #require(try await Outbox(app.db).list(organisation: org).first { $0.memberID == w.bram })
            let composer = NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
            // Neither Bram nor Anna has an address: skipped, saying so.
            guard case .skip(let reason) = try await composer.compose(message) else {
                Issue.record("a notice without any address was composed")
                return
            }
            #expect(reason.contains("guardian"))
            // Anna (his guardian) has one: to her, greeting Bram.
            try await sql.raw("UPDATE members SET email = 'anna@example.nl' WHERE id = \(bind: w.anna)").run()
            guard case .send(let mail) = try await composer.compose(message) else {
                Issue.record("the guardian got no notice")
                return
            }
            #expect(mail.to.email == "anna@example.nl")
            #expect(mail.to.name == "Anna de Vries")
            #expect(mail.text.contains("Beste Bram Jansen"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func memberPagesWithoutJavaScript(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let desk = Circulation.Desk(branch: w.f.network.central, now: Date())
            let loan = try await Circulation(app.db, organisationID: w.f.network.city).checkout(member: w.anna, item: "B1C1", at: desk)
            let browser = TestClient(app)
            // Signed out: the account page sends to the sign-in page, which comes back after.
            let away = try await browser.send(.GET, "/city/mijn?lid=\(w.bram)")
            #expect(away.status == .seeOther)
            #expect(away.headers.first(name: .location) == "/city/mijn/inloggen?terug=/city/mijn?lid%3D\(w.bram)")
            let form = try await browser.send(.GET, "/city/mijn/inloggen?terug=/city/mijn")
            #expect(form.status == .ok)
            let html = form.body.string
            #expect(html.contains(#"<label for="card">Pasnummer</label>"#))
            #expect(html.contains(#"autocomplete="current-password""#))
            let csrf = try #require(TestClient.csrf(in: html))
            let wrong = try await browser.send(.POST, "/city/mijn/inloggen", form: ["csrf": csrf, "card": "A0001", "pin": "0000", "back": "/city/mijn"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.string.contains("Pasnummer of pincode klopt niet"))
            #expect(wrong.body.string.contains(#"aria-invalid="true""#))
            // Another site as the way back is ignored.
            let signedIn = try await browser.send(.POST, "/city/mijn/inloggen", form: [
                "csrf": try #require(TestClient.csrf(in: wrong.body.string)), "card": "A0001", "pin": Self.pin, "back": "//evil.example/"])
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers.first(name: .location) == "/city/mijn")

            // One header on every page of the organisation: signed in, it links to the account and signs out,
            // on the public pages too; it never offers to sign in again.
            let title3 = try #require(w.f.titles["book-3"])
            for path in ["/city", "/city/centrale", "/city/catalogus", "/city/catalogus?q=boek", "/city/catalogus/\(title3)", "/city/agenda",
                         "/city/lijsten", "/city/mijn", "/city/mijn/gegevens", "/city/mijn/reserveren?titel=\(title3)", "/city/mijn/privacy"] {
                let html = try await browser.send(.GET, path).body.string
                #expect(html.contains(#"<a href="/city/mijn">Mijn bibliotheek</a>"#), "\(path)")
                #expect(html.contains(#"<form method="post" action="/city/mijn/uitloggen""#), "\(path)")
                #expect(!html.contains(#"href="/city/mijn/inloggen""#), "\(path)")
            }
            // A visitor without a session sees "sign in" there, and gets no session from reading.
            let visitor = try await TestClient(app).send(.GET, "/city/centrale")
            #expect(visitor.body.string.contains(#"<a href="/city/mijn/inloggen">Inloggen</a>"#))
            #expect(visitor.headers.setCookie == nil)

            let page = try await browser.send(.GET, "/city/mijn")
            #expect(page.status == .ok)
            let account = page.body.string
            #expect(account.contains("Boek 1"))
            #expect(account.contains("Bram Jansen"))
            #expect(account.contains("<main id=\"main\""))
            // The fee lines say what they were (the membership) and how it was paid; the membership's end has its year.
            #expect(account.contains("Betaald aan de balie"))
            // No text on the page is an ISO date (the membership line says its period as people write it).
            #expect(account.firstMatch(of: />[^<]*\d{4}-\d{2}-\d{2}[^<]*</) == nil)
            let end = try #require(try await Member.find(w.anna, on: app.db)).membershipEnd
            #expect(account.contains("\(end.day) \(["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"][end.month - 1]) \(end.year)"))
            // Renew by form, a week into the loan: back to the page with the new due date said.
            try await backdateOpenLoans(app, days: 7)
            let renewed = try await browser.send(.POST, "/city/mijn/verlengen", form: [
                "csrf": try #require(TestClient.csrf(in: account)), "lid": w.anna.uuidString, "loan": String(loan.loanID)])
            #expect(renewed.status == .seeOther)
            #expect(try await browser.send(.GET, "/city/mijn").body.string.contains("Verlengd: Boek 1"))
            // Carla's hold through a form: the page says what went wrong, nothing changes.
            let carlasHold = try await Hold.find(w.carlaHold, on: app.db)?.status
            let refused = try await browser.send(.POST, "/city/mijn/reserveringen/\(w.carlaHold)", form: [
                "csrf": try #require(TestClient.csrf(in: account)), "lid": w.anna.uuidString, "action": "cancel"])
            #expect(refused.status == .notFound)
            #expect(try await Hold.find(w.carlaHold, on: app.db)?.status == carlasHold)
            // Another member's account by `lid`: not found.
            #expect(try await browser.send(.GET, "/city/mijn?lid=\(w.carla)").status == .notFound)

            // Reserve from the catalogue: the title page links to the form; choose Bram and a branch.
            let title = try #require(w.f.titles["book-3"])
            #expect(try await browser.send(.GET, "/city/catalogus/\(title)").body.string.contains("/city/mijn/reserveren?titel=\(title)"))
            let holdForm = try await browser.send(.GET, "/city/mijn/reserveren?titel=\(title)")
            #expect(holdForm.body.string.contains("Bram Jansen"))
            // What the hold costs is said before it is placed: free by these rules.
            #expect(holdForm.body.string.contains("Reserveren is gratis."))
            let placed = try await browser.send(.POST, "/city/mijn/reserveringen", form: [
                "csrf": try #require(TestClient.csrf(in: holdForm.body.string)), "title": String(title), "lid": w.bram.uuidString, "pickup": "oost"])
            #expect(placed.status == .seeOther)
            #expect(placed.headers.first(name: .location) == "/city/mijn?lid=\(w.bram)")
            #expect(try await browser.send(.GET, "/city/mijn?lid=\(w.bram)").body.string.contains("Gereserveerd: Boek 3"))
            let bram = try await browser.send(.GET, "/city/mijn?lid=\(w.bram)&lang=en")
            #expect(bram.body.string.contains("Waiting, number 1 in the queue") || bram.body.string.contains("Being fetched for you"))
            #expect(bram.body.string.contains("Bibliotheek Oost"))
            #expect(bram.headers.first(name: .contentLanguage) == "en")

            // A rule that charges € 1,00 for a hold picked up at Oost: each branch says its fee, and the confirmation says it was charged.
            let rules = LoanRuleStore(app.db, organisationID: w.f.network.city, cache: app.ruleBookCache)
            try await rules.replaceRules(try await rules.rules().map { (scope: $0.scope, terms: $0.terms) }
                                         + [(scope: LoanRuleScope(branch: w.f.network.district), terms: LoanTerms(holdFeeCents: 100))])
            let paid = try #require(w.f.titles["book-4"])
            let feeForm = try await browser.send(.GET, "/city/mijn/reserveren?titel=\(paid)&lang=nl").body.string
            #expect(feeForm.contains("Wat reserveren kost, hangt af van waar je het ophaalt"))
            #expect(feeForm.contains("Bibliotheek Oost (€ 1,00)"))
            #expect(feeForm.contains("Centrale Bibliotheek (gratis)"))
            let charged = try await browser.send(.POST, "/city/mijn/reserveringen", form: [
                "csrf": try #require(TestClient.csrf(in: feeForm)), "title": String(paid), "lid": w.anna.uuidString, "pickup": "oost"])
            #expect(charged.status == .seeOther)
            #expect(try await browser.send(.GET, "/city/mijn").body.string.contains("Er is € 1,00 in rekening gebracht voor de reservering."))
            // The same hold again: refused in member words, in the summary at the top of the form kept as chosen.
            let again = try await browser.send(.POST, "/city/mijn/reserveringen", form: [
                "csrf": try #require(TestClient.csrf(in: feeForm)), "title": String(paid), "lid": w.anna.uuidString, "pickup": "oost"])
            #expect(again.status.code >= 400 && again.status.code < 500)
            let againPage = again.body.string
            #expect(againPage.contains(#"<div class="error-summary" id="fout""#))
            #expect(TestClient.errorSummary(in: againPage).contains("Je hebt deze titel al gereserveerd."))
            #expect(againPage.contains(#"<option value="oost" selected>"#))
            #expect(againPage.contains(##"action="/city/mijn/reserveringen#fout""##))

            // Contact details: a bad postcode is named and the input kept; a good one saved.
            let details = try await browser.send(.GET, "/city/mijn/gegevens")
            let bad = try await browser.send(.POST, "/city/mijn/gegevens", form: [
                "csrf": try #require(TestClient.csrf(in: details.body.string)), "lid": w.anna.uuidString, "email": "anna@example.nl",
                "street": "Spui 70", "postcode": "99", "city": "Den Haag"])
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("Spui 70"))
            #expect(bad.body.string.contains(#"id="postcode" name="postcode" value="99""#))
            // The error in the summary at the top (linking to the field) and next to the field.
            #expect(bad.body.string.contains(#"<div class="error-summary" id="fout""#))
            #expect(bad.body.string.contains(##"<a href="#postcode">"##))
            #expect(bad.body.string.contains(#"aria-invalid="true" aria-describedby="postcode-error"><span class="field-error" id="postcode-error">"#))
            #expect(bad.body.string.contains(##"action="/city/mijn/gegevens#fout""##))
            #expect(try await Member.find(w.anna, on: app.db)?.street == "Spui 68")
            // Two PINs that differ: named at the PIN form's second field, not at the password form's.
            let pins = try await browser.send(.POST, "/city/mijn/pincode", form: [
                "csrf": try #require(TestClient.csrf(in: details.body.string)), "lid": w.anna.uuidString, "current": "2580",
                "pin": "8642", "repeated": "8643"])
            #expect(pins.status == .badRequest)
            #expect(pins.body.string.contains(##"<a href="#pin_repeated">De twee pincodes zijn niet gelijk.</a>"##))
            #expect(pins.body.string.contains(#"<span class="field-error" id="pin_repeated-error">De twee pincodes zijn niet gelijk.</span>"#))
            #expect(!pins.body.string.contains(#"id="password_repeated-error""#))
            let good = try await browser.send(.POST, "/city/mijn/gegevens", form: [
                "csrf": try #require(TestClient.csrf(in: details.body.string)), "lid": w.anna.uuidString, "email": "anna@example.nl",
                "street": "Spui 70", "postcode": "2511bt", "city": "Den Haag"])
            #expect(good.status == .seeOther)
            #expect(try await Member.find(w.anna, on: app.db)?.street == "Spui 70")

            // Without the form's token nothing happens; signing out ends the session.
            #expect(try await browser.send(.POST, "/city/mijn/verlengen", form: ["lid": w.anna.uuidString]).status == .forbidden)
            let out = try await browser.send(.POST, "/city/mijn/uitloggen", form: ["csrf": try #require(TestClient.csrf(in: details.body.string))])
            #expect(out.status == .seeOther)
            #expect(try await browser.send(.GET, "/city/mijn").status == .seeOther)
        }
    }
}
