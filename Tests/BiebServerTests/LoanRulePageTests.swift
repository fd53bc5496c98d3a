import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// The loan rules page: the matrix as desks apply it, changed by admins in
/// one form with the API's rules and errors (amounts in euros), read by
/// staff, and the preview of what a member gets for a copy at a branch.
@Suite("Loan rules page") struct LoanRulePageTests {
    /// The form as the page sends it now, with `changes` over it.
    static func form(_ html: String, _ changes: [String: String]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for match in html.matches(of: /<input id="[^"]*" name="([^"]+)" value="([^"]*)"/) { fields[String(match.1)] = String(match.2) }
        for match in html.matches(of: /<input type="hidden" name="([^"]+)" value="([^"]*)"/) { fields[String(match.1)] = String(match.2) }
        for select in html.matches(of: /<select id="[^"]*" name="(r\d+_[a-z_]+)"[^>]*>(.*?)<\/select>/) {
            let chosen = String(select.2).firstMatch(of: /<option value="([^"]*)" selected>/).map { String($0.1) } ?? ""
            fields[String(select.1)] = chosen
        }
        for (name, value) in changes { fields[name] = value }
        return fields
    }

    @Test(arguments: TestDatabase.all)
    func adminsChangeTheMatrixWithTheAPIsRulesAndStaffReadIt(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let admin = TestClient(app)
            try await admin.signInPages(Fixture.admin, password: Fixture.password)
            let page = try await admin.send(.GET, "/staff/loan-rules?lang=nl")
            #expect(page.status == .ok)
            let html = page.body.string
            // Most specific first: basis + DVD (row 1), basis, DVD, then the rule for everything; amounts in euros.
            #expect(html.contains(#"<input id="r0_max_loans_of_type" name="r0_max_loans_of_type" value="2""#))
            #expect(html.contains(#"<input id="r3_fine_per_day_cents" name="r3_fine_per_day_cents" value="0,25""#))
            #expect(html.contains(#"<input id="r3_max_fine_cents" name="r3_max_fine_cents" value="3,00""#))
            #expect(html.contains("Nieuwe regel"))
            // A loan period out of range: named as the form labels it, next to the field, everything typed kept.
            let csrf = try #require(TestClient.csrf(in: html))
            var fields = try Self.form(html, ["r2_loan_days": "400", "r3_fine_per_day_cents": "0,30"])
            fields["csrf"] = csrf
            let refused = try await admin.send(.POST, "/staff/loan-rules?lang=nl", form: fields)
            #expect(refused.status == .badRequest)
            let summary = TestClient.errorSummary(in: refused.body.string)
            #expect(summary.contains("Regel 3, Uitleentermijn (dagen): Geef een getal van 1 tot en met 365."))
            #expect(refused.body.string.contains(##"<li data-field="rules[2].terms.loan_days"><a href="#r2_loan_days">"##))
            #expect(refused.body.string.contains(#"value="400" inputmode="decimal" size="6" aria-invalid="true" aria-describedby="r2_loan_days-error""#))
            #expect(refused.body.string.contains(#"value="0,30""#))
            // Corrected: saved as the API would, in cents; a new rule from the empty row; the basis rule removed.
            fields["r2_loan_days"] = "14"
            fields["r1_remove"] = "on"
            fields["r4_branch"] = "oost"
            fields["r4_hold_fee_cents"] = "0,50"
            let saved = try await admin.send(.POST, "/staff/loan-rules?lang=nl", form: fields)
            #expect(saved.status == .seeOther)
            let api = TestClient(app)
            api.headers.bearerAuthorization = BearerAuthorization(token: try await api.signInAPI(Fixture.admin, password: Fixture.password))
            let rules = try #require(try JSONSerialization.jsonObject(with: Data(try await api.send(.GET, "/api/v1/loan-rules").body.string.utf8)) as? [[String: Any]])
            #expect(rules.count == 4)
            #expect(rules.contains { $0["item_type"] as? String == "dvd" && $0["category"] == nil && $0["loan_days"] as? Int == 14 })
            #expect(rules.contains { $0["branch"] as? String == "oost" && $0["hold_fee_cents"] as? Int == 50 })
            #expect(rules.contains { $0["category"] == nil && $0["item_type"] == nil && $0["branch"] == nil && $0["fine_per_day_cents"] as? Int == 30 })
            #expect(!rules.contains { $0["category"] as? String == "basis" && $0["item_type"] == nil })
            // Staff read the matrix but cannot change it.
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let read = try await staff.send(.GET, "/staff/loan-rules?lang=nl").body.string
            #expect(read.contains("disabled"))
            #expect(!read.contains("Regels opslaan"))
            let tried = try await staff.send(.POST, "/staff/loan-rules", form: ["csrf": try #require(TestClient.csrf(in: read)), "count": "0"])
            #expect(tried.status == .forbidden)
            // A volunteer of one branch has neither the link nor the page.
            let volunteer = TestClient(app)
            try await volunteer.signInPages(Fixture.volunteer, password: Fixture.password)
            #expect(!(try await volunteer.send(.GET, "/staff").body.string.contains("/staff/loan-rules")))
            #expect(try await volunteer.send(.GET, "/staff/loan-rules").status == .forbidden)
            #expect(try await staff.send(.GET, "/staff").body.string.contains("/staff/loan-rules"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func thePreviewSaysWhatAMemberGetsAndWhereEachTermComesFrom(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let csrf = try #require(TestClient.csrf(in: try await staff.send(.GET, "/staff/loan-rules?lang=en").body.string))
            let card = try #require(try await MemberDirectory(app.db, organisationID: f.network.city).cards(of: f.adult).first?.barcode)
            let shown = try await staff.send(.POST, "/staff/loan-rules/preview?lang=en", form: ["csrf": csrf, "card": card, "item": "D1C1",
                                                                                               "branch": "centrale"])
            #expect(shown.status == .ok, "\(shown.body.string.firstMatch(of: /<p class="error"[^>]*>[^<]*/).map { String($0.0) } ?? "")")
            let table = try #require(shown.body.string.firstMatch(of: /<table class="stack" id="preview-result">(.*?)<\/table>/.dotMatchesNewlines()).map { String($0.1) })
            #expect(table.contains("Anna de Vries borrows Film 1 at Centrale Bibliotheek"))
            // A DVD for a basic member: 7 days (the DVD rule), 5 loans (basis), 2 DVDs (basis + DVD), fines from the rule for everything.
            #expect(table.contains("<th scope=\"row\">Loan period (days)</th><td>7</td>"))
            #expect(table.contains("<th scope=\"row\">Loans at once</th><td>5</td>"))
            #expect(table.contains("<th scope=\"row\">Of this type at once</th><td>2</td>"))
            #expect(table.contains("<th scope=\"row\">Fine per day</th><td>€ 0,25</td>"))
            // Without a card: a membership and an item type will do; neither is refused with the reason.
            let byType = try await staff.send(.POST, "/staff/loan-rules/preview?lang=en", form: ["csrf": csrf, "category": "volledig",
                                                                                                "item_type": "book", "branch": "oost"])
            #expect(byType.body.string.contains("<th scope=\"row\">Loans at once</th><td>50</td>"))
            let neither = try await staff.send(.POST, "/staff/loan-rules/preview?lang=en", form: ["csrf": csrf, "branch": "oost"])
            #expect(neither.status == .badRequest)
            #expect(neither.body.string.contains("Give a card number or choose a membership."))
        }
    }
}
