import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// A branch's details have one decoding (`BranchInput.apply`) for the JSON
/// API and the staff branch form: the same details, typed on either path,
/// are accepted alike or refused with the same words for the same field.
@Suite("Branches: one decoding for API and form") struct BranchInputAgreementTests {
    @Test(arguments: TestDatabase.all)
    func theAPIAndTheBranchFormAcceptAndRefuseTheSame(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let (api, pages) = try await signedInBothWays(app, Fixture.admin, password: Fixture.password)
            api.headers.replaceOrAdd(name: .acceptLanguage, value: "nl")
            let csrf = try #require(TestClient.csrf(in: try await pages.send(.GET, "/staff/branches/new").body.string))
            // What each path gets on top of good details (kind, street, postcode, city), and the field both must name (nil: accepted).
            let cases: [(name: String, change: [String: String], field: String?)] = [
                ("good", [:], nil),
                ("a slug made from the name", ["slug": " "], nil),
                ("an unknown kind", ["kind": "kasteel"], "kind"),
                ("a postcode that is none", ["postcode": "ABCD 12"], "postcode"),
                ("no name", ["name": " "], "name"),
                ("a slug already used", ["slug": "centrale"], "slug"),
            ]
            for (n, c) in cases.enumerated() {
                func details(_ path: String) -> [String: String] {
                    ["name": "Biebpunt \(path) \(n)", "kind": "outreach_point", "street": "Havenkade \(n)", "postcode": "2583bt", "city": "Den Haag"]
                        .merging(c.change) { $1 }
                }
                let a = details("API")
                var body: [String: Any] = ["name": a["name"] ?? "", "kind": a["kind"] ?? "",
                                           "address": ["street": a["street"] ?? "", "postcode": a["postcode"] ?? "", "city": a["city"] ?? ""]]
                if let slug = a["slug"] { body["slug"] = slug }
                let answer = try await api.send(.POST, "/api/v1/branches", object: body)
                let posted = try await pages.send(.POST, "/staff/branches/new", form: details("Form").merging(["csrf": csrf, "active": "on"]) { $1 })
                if let field = c.field {
                    let refusal = try #require(answer.apiError, "\(c.name): the API accepted")
                    #expect(refusal.field == field, "\(c.name): the API named \(refusal.field ?? "nothing")")
                    #expect(posted.status == answer.status, "\(c.name): the form answered \(posted.status), the API \(answer.status)")
                    let shown = posted.body.string.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
                    #expect(shown.contains(refusal.message.replacingOccurrences(of: "API", with: "Form")),
                            "\(c.name): the form does not say \(refusal.message)")
                    // The form's summary names the same field and the message stands at that field.
                    let named = posted.body.string.components(separatedBy: #"data-field=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
                    #expect(named == field, "\(c.name): the form named \(named ?? "nothing")")
                    #expect(posted.body.string.contains(#"<span class="field-error" id="\#(field)-error">"#), "\(c.name)")
                } else {
                    #expect(answer.status == .created, "\(c.name): \(answer.body.string)")
                    #expect(posted.status == .seeOther, "\(c.name)")
                    let created = try object(answer)
                    let slug = try #require(created["slug"] as? String)
                    #expect(slug == "biebpunt-api-\(n)", "\(c.name)")
                    let byForm = try #require(try await Branch.query(on: app.db).filter(\.$slug == "biebpunt-form-\(n)").first(), "\(c.name)")
                    #expect(byForm.postcode == "2583 BT" && (created["address"] as? [String: Any])?["postcode"] as? String == "2583 BT")
                    #expect(byForm.kindRaw == created["kind"] as? String)
                }
            }
        }
    }
}
