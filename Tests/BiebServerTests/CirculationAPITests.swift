import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

@Suite("Circulation over HTTP") struct CirculationAPITests {
    @Test(arguments: TestDatabase.all)
    func aDayAtTheDesk(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            let f = try await CirculationFixture.make(on: app, today: today)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)

            // Register: bad input names the field and stores nothing; then a member with a card.
            let bad = try await staff.send(.POST, "/api/v1/members", object: [
                "name": "Lotte Smit", "birth_date": "1992-02-30", "street": "Laan 2", "postcode": "2512 AB", "city": "Den Haag",
                "home_branch": "oost", "membership_type": "volledig", "card": "L0001",
            ])
            #expect(bad.status == .badRequest)
            #expect(bad.apiError?.field == "birth_date")
            let registered = try await staff.send(.POST, "/api/v1/members", object: [
                "name": "Lotte Smit", "birth_date": "1992-02-20", "street": "Laan 2", "postcode": "2512ab", "city": "Den Haag",
                "home_branch": "oost", "membership_type": "volledig", "card": "L0001", "email": "lotte@example.nl",
            ])
            #expect(registered.status == .created)
            let account = try object(registered)
            let member = try #require(account["member"] as? [String: Any])
            let lotte = try #require(member["id"] as? String)
            #expect(member["postcode"] as? String == "2512 AB")
            #expect(member["balance_cents"] as? Int == 5400)
            #expect((account["blocks"] as? [[String: Any]])?.first?["code"] as? String == "fees_over_limit")
            #expect(account["may_borrow"] as? Bool == false)
            let taken = try await staff.send(.POST, "/api/v1/members", object: [
                "name": "Ander", "birth_date": "1990-01-01", "street": "Laan 3", "postcode": "2512 AB", "city": "Den Haag",
                "membership_type": "basis", "card": "l0001",
            ])
            #expect(taken.status == .conflict)
            #expect(taken.apiError?.code == "card_taken")

            // Fees block lending until paid; found by card, e-mail and name.
            let refused = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": "L0001", "item": "B1C1", "branch": "oost"])
            #expect(refused.status == .conflict)
            #expect(refused.apiError?.code == "fees_over_limit")
            #expect(try await staff.send(.POST, "/api/v1/members/\(lotte)/payments", object: ["amount_cents": 5400]).status == .ok)
            #expect(try list(try await staff.send(.GET, "/api/v1/members?q=smit%20lotte")).first?["card"] as? String == "L0001")
            #expect(try list(try await staff.send(.GET, "/api/v1/members?q=LOTTE@example.nl")).count == 1)

            // Lend at the district library; the answer says until when, in Dutch.
            let lent = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": "L0001", "item": "B1O1", "branch": "oost"])
            #expect(lent.status == .ok)
            let loan = try object(lent)
            #expect((loan["message"] as? String)?.hasPrefix("Boek 1 uitgeleend tot en met") == true)
            let loanID = try #require(loan["loan_id"] as? Int)
            if database == .postgres {  // the desk's statements ran prepared (PreparedStatementsMiddleware)
                #expect(PreparedStatements.namedTexts.contains { $0.hasPrefix("UPDATE items SET status =") })
            }
            // A refusal names the rule, in English when asked.
            for barcode in ["D1C1", "D2C1"] {
                _ = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": barcode])
            }
            let third = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": "D3C1"],
                                             headers: ["Accept-Language": "en"])
            #expect(third.status == .conflict)
            #expect(third.apiError?.code == "loan_limit_of_type")
            #expect(third.apiError?.message == "Limit of 2 loans of DVDs reached (rule: basic / all branches / DVDs).")

            // The youth member holds book 1 for pickup at the district library; Lotte returns it at the central library.
            let book = try #require(f.titles["book-1"])
            // Make sure no copy is on a shelf: lend the two central copies.
            for barcode in ["B1C1", "B1C2"] {
                #expect(try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": barcode]).status == .ok)
            }
            let hold = try await staff.send(.POST, "/api/v1/holds", object: ["card": CirculationFixture.youthCard, "title_id": book, "pickup_branch": "oost"])
            #expect(hold.status == .created)
            #expect(try object(hold)["position"] as? Int == 1)
            // A week into the loans: a renewal would move their due dates.
            try await backdateOpenLoans(app, days: 7)
            let renewHeld = try await staff.send(.POST, "/api/v1/loans/\(loanID)/renew", object: [:])
            #expect(renewHeld.apiError?.code == "held_for_others")
            // Renew by scanning a copy: one nobody waits for renews; one not on loan is refused.
            let byItem = try await staff.send(.POST, "/api/v1/circulation/renew", object: ["item": "D1C1"])
            #expect(byItem.status == .ok)
            #expect(try object(byItem)["renewals"] as? Int == 1)
            #expect(try await staff.send(.POST, "/api/v1/circulation/renew", object: ["item": "B6C2"]).apiError?.code == "item_not_on_loan")
            let back = try await staff.send(.POST, "/api/v1/circulation/checkin", object: ["item": "B1C1", "branch": "centrale"])
            #expect(back.status == .ok)
            let routing = try #require(try object(back)["routing"] as? [String: Any])
            #expect(routing["action"] as? String == "transit")
            #expect(routing["to_branch"] as? String == "Bibliotheek Oost")
            #expect(try object(back)["message"] as? String == "In de krat voor Bibliotheek Oost: daar gereserveerd.")
            let incoming = try list(try await staff.send(.GET, "/api/v1/branches/oost/transfers"))
            #expect(incoming.map { $0["barcode"] as? String } == ["B1C1"])
            // Received at the district library: on the hold shelf.
            let received = try object(try await staff.send(.POST, "/api/v1/circulation/checkin", object: ["item": "B1C1", "branch": "oost"]))
            #expect((received["routing"] as? [String: Any])?["action"] as? String == "hold_shelf")
            #expect(try list(try await staff.send(.GET, "/api/v1/branches/oost/hold-shelf")).first?["member"] as? String == "Bram Jansen")
            let collected = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.youthCard, "item": "B1C1", "branch": "oost"])
            #expect(try object(collected)["filled_hold"] as? Int != nil)

            // The account shows loans and the fee ledger.
            let after = try object(try await staff.send(.GET, "/api/v1/members/\(lotte)"))
            #expect((after["loans"] as? [[String: Any]])?.count == 1)
            #expect((after["fees"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["payment", "membership"])

            // Roles: a volunteer lends only at their own branch and cannot waive; staff cannot change loan rules.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            let elsewhere = try await volunteer.send(.POST, "/api/v1/circulation/checkin", object: ["item": "B2C1", "branch": "centrale"])
            #expect(elsewhere.status == .forbidden)
            #expect(try await volunteer.send(.POST, "/api/v1/circulation/checkin", object: ["item": "B2C1", "branch": "buurt"]).status == .ok)
            #expect(try await volunteer.send(.POST, "/api/v1/members/\(lotte)/waivers", object: ["amount_cents": 1, "reason": "x"]).status == .forbidden)
            #expect(try await staff.send(.PUT, "/api/v1/loan-rules", object: [:]).status == .forbidden)

            // Loan rules: read with their names; an admin replaces them, a bad rule is named by its place.
            let rules = try list(try await staff.send(.GET, "/api/v1/loan-rules"))
            #expect(rules.first?["label"] as? String == "basis / alle vestigingen / dvd's")
            let admin = TestClient(app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            let badRules = try await admin.send(.PUT, "/api/v1/loan-rules", body: #"[{"loan_days": 21}, {"item_type": "dvd", "loan_days": 0}]"#)
            #expect(badRules.status == .badRequest)
            #expect(badRules.apiError?.field == "rules[1].terms.loan_days")
            let newRules = try await admin.send(.PUT, "/api/v1/loan-rules", body: #"[{"loan_days": 28, "max_loans": 30}, {"item_type": "dvd", "loan_days": 14}]"#)
            #expect(newRules.status == .ok)
            #expect(try list(newRules).count == 2)
            let dvd = try object(try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": "L0001", "item": "D4C1"]))
            #expect(dvd["due_on"] as? String == DueDates.due(from: today, days: 14, calendar: try await BranchDirectory(app.db).calendar(of: f.network.central,
                timeZone: BranchCalendar.amsterdam), selfServiceReturns: true).iso)

            // Another organisation's staff does not see these members.
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.GET, "/api/v1/members/\(lotte)").status == .notFound)
        }
    }
}
