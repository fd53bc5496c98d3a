import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Registering a member and changing a member's details have one decoding
/// (`MemberInput`) for the JSON API and the desk's member forms: the same
/// details are accepted alike or refused naming the same field, and the
/// form marks that field's input.
@Suite("Members: one decoding for API and form") struct MemberInputAgreementTests {
    static let good: [String: String] = [
        "name": "Lotte Smit", "birth_date": "1992-02-20", "street": "Laan 2", "postcode": "2512ab", "city": "Den Haag",
        "home_branch": "oost", "membership_type": "volledig", "phone": "070 123 4567",
    ]

    /// Whether the input with `id` is marked invalid on the page.
    static func marked(_ html: String, _ id: String) -> Bool {
        guard let start = html.range(of: #"id="\#(id)""#) else { return false }
        let tag = html[start.upperBound...].prefix { $0 != ">" }
        return tag.contains(#"aria-invalid="true""#)
    }

    @Test(arguments: TestDatabase.all)
    func theAPIAndTheMemberFormsAcceptAndRefuseTheSame(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            let csrf = try #require(TestClient.csrf(in: try await pages.send(.GET, "/staff/members/new?branch=centrale").body.string))
            // What each path gets on top of the good details, and the field both must name (nil: accepted).
            let cases: [(name: String, change: [String: String], field: String?)] = [
                ("good", [:], nil),
                ("a guardian by card", ["guardian_card": "a0001"], nil),
                ("no name", ["name": " "], "name"),
                ("a birth date that is no date", ["birth_date": "1992-02-30"], "birth_date"),
                ("a postcode that is none", ["postcode": "9999"], "postcode"),
                ("an e-mail address that is none", ["email": "lotte-at-example"], "email"),
                ("an unknown branch", ["home_branch": "maan"], "home_branch"),
                ("an unknown membership type", ["membership_type": "goud"], "membership_type"),
                ("no card", ["card": ""], "card"),
                ("a guardian's card nobody has", ["guardian_card": "ZZZ999"], "guardian_card"),
            ]
            for (n, c) in cases.enumerated() {
                // Each path registers a member of its own: cards and e-mail addresses are unique.
                var details = Self.good.merging(["card": "API\(n)", "email": "api\(n)@example.nl"]) { $1 }.merging(c.change) { $1 }
                let answer = try await api.send(.POST, "/api/v1/members", object: details)
                details = Self.good.merging(["card": "FORM\(n)", "email": "form\(n)@example.nl"]) { $1 }.merging(c.change) { $1 }
                let posted = try await pages.send(.POST, "/staff/members/new", form: details.merging(["csrf": csrf]) { $1 })
                if let field = c.field {
                    #expect(answer.status == .badRequest, "\(c.name): \(answer.status)")
                    #expect(answer.apiError?.field == field, "\(c.name): the API named \(answer.apiError?.field ?? "nothing")")
                    #expect(posted.status == .badRequest, "\(c.name): \(posted.status)")
                    #expect(Self.marked(posted.body.string, field), "\(c.name): the form does not mark \(field)")
                    #expect(posted.body.string.contains(#"value="\#(details["street"] ?? "")""#), "\(c.name): the input is kept")
                } else {
                    #expect(answer.status == .created, "\(c.name): \(answer.body.string)")
                    #expect(posted.status == .seeOther, "\(c.name)")
                }
            }
            // Both registered the same member the same way.
            let directory = MemberDirectory(app.db, organisationID: f.network.city)
            let byAPI = try #require(try await directory.member(card: "API1")?.member)
            let byForm = try #require(try await directory.member(card: "FORM1")?.member)
            #expect(byAPI.postcode == "2512 AB" && byForm.postcode == byAPI.postcode)
            #expect(byForm.guardianID == f.adult && byAPI.guardianID == f.adult)
            #expect(byForm.homeBranchID == byAPI.homeBranchID)

            // Changing details: the same refusals on the member page's form and over PATCH.
            let page = try await pages.send(.GET, "/staff/members/\(f.adult)")
            let token = try #require(TestClient.csrf(in: page.body.string))
            let current: [String: String] = ["name": "Anna de Vries", "birth_date": "1985-03-02", "street": "Spui 68", "postcode": "2511 BT",
                                             "city": "Den Haag", "home_branch": "centrale", "membership_type": "basis"]
            for c in cases where c.field != nil && c.field != "card" && c.field != "guardian_card" {
                let answer = try await api.send(.PATCH, "/api/v1/members/\(f.adult)", object: c.change)
                let posted = try await pages.send(.POST, "/staff/members/\(f.adult)",
                                                  form: current.merging(c.change) { $1 }.merging(["csrf": token, "action": "save"]) { $1 })
                #expect(answer.apiError?.field == c.field, "change, \(c.name): the API named \(answer.apiError?.field ?? "nothing")")
                #expect(posted.status == .badRequest, "change, \(c.name)")
                #expect(Self.marked(posted.body.string, c.field ?? ""), "change, \(c.name): the form does not mark it")
            }
            #expect(try await directory.member(f.adult)?.name == "Anna de Vries")
        }
    }
}
