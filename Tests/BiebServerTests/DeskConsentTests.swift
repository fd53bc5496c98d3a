import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Consents given at the desk (issue 18): the member page's form and `GET`/`PUT
/// /api/v1/members/{id}/consents`, recording the portal's own words in the member's language with the
/// way `desk:<staff id>`, and the history newest first.
@Suite("Consents at the desk") struct DeskConsentTests {
    typealias W = MemberAccountTests

    static func staffID(_ app: Application, _ email: String) async throws -> String {
        try #require(try await StaffUser.query(on: app.db).filter(\.$email == email).first()?.id).uuidString.lowercased()
    }

    @Test(arguments: TestDatabase.all)
    func staffRecordAConsentOverTheAPIWithThePortalsWords(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let base = "/api/v1/members/\(w.carla)/consents"
            let before = try object(try await staff.send(.GET, base))
            #expect(before["current"] as? [String: Bool] == ["service_notices": true, "newsletter": false, "recommendations": false, "loan_history": false,
                                                            "research_panel": false])
            // The words are the member portal's, in the member's language (Dutch here).
            #expect((before["words"] as? [String: String])?["newsletter"] == Locales.text("consent_text_newsletter", .nl))
            #expect((before["history"] as? [Any])?.isEmpty == true)

            let granted = try await staff.send(.PUT, base + "/newsletter", object: ["granted": true])
            #expect(granted.status == .ok, "\(granted.body.string)")
            let after = try object(granted)
            #expect((after["current"] as? [String: Bool])?["newsletter"] == true)
            let record = try #require((after["history"] as? [[String: Any]])?.first)
            #expect(record["source"] as? String == "desk:\(try await Self.staffID(app, Fixture.staff))")
            #expect(record["text"] as? String == Locales.text("consent_text_newsletter", .nl))
            // The same choice again adds nothing; bad input names the field.
            let again = try object(try await staff.send(.PUT, base + "/newsletter", object: ["granted": true]))
            #expect((again["history"] as? [Any])?.count == 1)
            #expect(try await staff.send(.PUT, base + "/marketing", object: ["granted": true]).apiError?.field == "purpose")
            #expect(try await staff.send(.PUT, base + "/newsletter", object: [:]).apiError?.field == "granted")
            // A member who reads English agrees to the English words.
            try await app.db.sql.raw("UPDATE members SET language = 'en' WHERE id = \(bind: w.carla)").run()
            let english = try object(try await staff.send(.PUT, base + "/loan_history", object: ["granted": true]))
            #expect(english["language"] as? String == "en")
            #expect((english["history"] as? [[String: Any]])?.first?["text"] as? String == Locales.text("consent_text_loan_history", .en))
            #expect(try await Consents.isOn(.loanHistory, member: w.carla, on: app.db.sql))

            // Who may: staff (manageMembers at the home branch); not a volunteer of another branch, not a partner, not another organisation.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.PUT, base + "/newsletter", object: ["granted": false]).status == .forbidden)
            let partner = TestClient(app)
            try await partner.signInAPI(Fixture.partner, password: Fixture.password)
            #expect(try await partner.send(.GET, base).status == .forbidden)
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.GET, base).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theMemberPageShowsTheWordsRecordsAChoiceAndTheHistory(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let url = "/staff/members/\(w.carla)"
            let page = try await staff.send(.GET, url)
            #expect(page.status == .ok)
            let html = page.body.string
            let csrf = try #require(TestClient.csrf(in: html))
            // Every purpose with the words that a choice stores (the portal's), and what is on now.
            for purpose in ConsentPurpose.allCases {
                #expect(html.contains(#"<blockquote id="consent_\#(purpose.rawValue)-words" lang="nl">"#), "\(purpose)")
            }
            #expect(html.contains(Locales.text("consent_text_newsletter", .nl)))
            #expect(html.contains("De nieuwsbrief: uit</legend>"))
            #expect(html.contains(Locales.text("member_consent_none", .nl)))

            // No choice made: refused (400) at that purpose's choice, with the summary; the page's other forms untouched.
            let refused = try await staff.send(.POST, url, form: ["csrf": csrf, "action": "consent", "purpose": "newsletter"])
            #expect(refused.status == .badRequest)
            let refusedPage = refused.body.string
            #expect(TestClient.errorSummary(in: refusedPage).contains("Kies of het lid instemt (aan) of niet (uit)."))
            #expect(refusedPage.contains(##"<a href="#consent_newsletter">"##))
            #expect(refusedPage.contains(#"<span class="field-error" id="consent_newsletter-error">"#))
            #expect(refusedPage.contains(##"action="/staff/members/\##(w.carla)#fout""##))
            #expect(!refusedPage.contains(#"id="consent_recommendations-error""#))

            // Recorded: the message, the state, and the history with the way and who.
            let saved = try await staff.send(.POST, url, form: ["csrf": csrf, "action": "consent", "purpose": "recommendations", "granted": "true"])
            #expect(saved.status == .ok)
            let savedPage = saved.body.string
            #expect(savedPage.contains("Vastgelegd: Persoonlijke leestips."))
            #expect(savedPage.contains("Persoonlijke leestips: aan</legend>"))
            #expect(savedPage.contains("<td>aan de balie (Sam Staff)</td>"))
            _ = try await staff.send(.POST, url, form: ["csrf": csrf, "action": "consent", "purpose": "recommendations", "granted": "false"])
            let history = try await Consents(app.db, organisationID: w.f.network.city).history(member: w.carla)
            #expect(history.map(\.granted) == [false, true])
            let staffID = try await Self.staffID(app, Fixture.staff)
            #expect(history.allSatisfy { $0.source == "desk:\(staffID)" && $0.text == Locales.text("consent_text_recommendations", .nl) })
            // Newest first on the page too.
            let rows = try await staff.send(.GET, url).body.string
            let off = try #require(rows.range(of: "<th scope=\"row\">Persoonlijke leestips</th><td>uit</td>"))
            let on = try #require(rows.range(of: "<th scope=\"row\">Persoonlijke leestips</th><td>aan</td>"))
            #expect(off.lowerBound < on.lowerBound)

            // The member's own "my data" page names the way in words, not the staff member's id.
            let portal = TestClient(app)
            let login = try await portal.send(.GET, "/city/mijn/inloggen")
            _ = try await portal.send(.POST, "/city/mijn/inloggen", form: [
                "csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "C0001", "pin": W.pin])
            let data = try await portal.send(.GET, "/city/mijn/privacy?lang=nl").body.string
            #expect(data.contains("aan de balie") && !data.contains("desk:"))
            // A volunteer of another branch neither sees the member's page nor gets it back from a refused choice.
            let volunteer = TestClient(app)
            try await volunteer.signInPages(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.GET, url).status == .forbidden)
            let volunteerCSRF = try #require(TestClient.csrf(in: try await volunteer.send(.GET, "/staff").body.string))
            let refusedVolunteer = try await volunteer.send(.POST, url, form: ["csrf": volunteerCSRF, "action": "consent", "purpose": "newsletter",
                                                                               "granted": "true"])
            #expect(refusedVolunteer.status == .forbidden)
            #expect(!refusedVolunteer.body.string.contains("Carla Bos"))
            #expect(try await Consents.isOn(.newsletter, member: w.carla, on: app.db.sql) == false)
        }
    }
}
