import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct PartnerTests {
    @Test(arguments: TestDatabase.all)
    func partnersThroughTheAPI(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let created = try await staff.send(.POST, "/api/v1/partners", object: [
                "name": "Informatiepunt Digitale Overheid", "kind": "municipal", "website": "https://www.digitaleoverheid.nl",
            ])
            #expect(created.status == .created)
            let id = try #require(try object(created)["id"] as? String)
            let badSite = try await staff.send(.POST, "/api/v1/partners", object: ["name": "X", "kind": "social", "website": "javascript:alert(1)"])
            #expect(badSite.apiError?.field == "website")
            let badKind = try await staff.send(.POST, "/api/v1/partners", object: ["name": "X", "kind": "secret"])
            #expect(badKind.apiError?.field == "kind")

            let housed = try await staff.send(.PUT, "/api/v1/branches/\(fixture.central)/partners/\(id)", object: ["role": "Spreekuur, dinsdag 10–12"])
            #expect(housed.status == .ok)
            let again = try list(try await staff.send(.PUT, "/api/v1/branches/\(fixture.central)/partners/\(id)", object: ["role": "Spreekuur, donderdag 14–16"]))
            // The fixture's own partner (Digihulp Stad) is housed there too; this one's role changed, not doubled.
            #expect(again.count == 2)
            #expect(again.first { $0["name"] as? String == "Informatiepunt Digitale Overheid" }?["role"] as? String == "Spreekuur, donderdag 14–16")
            // Public list, and the public branch page.
            let anonymous = TestClient(app)
            let publicList = try list(try await anonymous.send(.GET, "/api/v1/branches/\(fixture.central)/partners"))
            #expect(publicList.map { $0["name"] as? String } == ["Digihulp Stad", "Informatiepunt Digitale Overheid"])
            #expect(try await anonymous.send(.GET, "/city/centrale").body.string.contains("Spreekuur, donderdag 14–16"))

            // Another organisation cannot use or see this partner.
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.PUT, "/api/v1/branches/\(fixture.townMain)/partners/\(id)", object: ["role": "x"]).status == .notFound)
            #expect(try list(try await town.send(.GET, "/api/v1/partners")).isEmpty)
            // A volunteer may not house partners.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.PUT, "/api/v1/branches/\(fixture.neighbourhood)/partners/\(id)", object: ["role": "x"]).status == .forbidden)

            #expect(try await staff.send(.DELETE, "/api/v1/branches/\(fixture.central)/partners/\(id)").status == .noContent)
            #expect(try await staff.send(.DELETE, "/api/v1/branches/\(fixture.central)/partners/\(id)").status == .notFound)
            #expect(try await BranchPartner.query(on: app.db).filter(\.$partner.$id == UUID(uuidString: id)!).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func housingANewPartnerThroughTheBranchForm(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInPages(Fixture.admin, password: Fixture.password)
            let page = try await client.send(.GET, "/staff/branches/\(fixture.district)")
            let token = try #require(TestClient.csrf(in: page.body.string))
            let nameless = try await client.send(.POST, "/staff/branches/\(fixture.district)/partners", form: [
                "csrf": token, "partner_id": "", "new_name": "  ", "new_kind": "social", "role": "x",
            ])
            #expect(nameless.status == .badRequest)
            // Only the fixture's own partner.
            #expect(try await Partner.query(on: app.db).count() == 1)
            let added = try await client.send(.POST, "/staff/branches/\(fixture.district)/partners", form: [
                "csrf": token, "partner_id": "", "new_name": "Taalhuis", "new_kind": "educational", "role": "Taalcafé op vrijdag",
            ])
            #expect(added.status == .seeOther)
            let form = try await client.send(.GET, "/staff/branches/\(fixture.district)")
            #expect(form.body.string.contains("Taalcafé op vrijdag"))
            let partners = try await PartnerDirectory(app.db).partners(ofBranch: fixture.district)
            #expect(partners.map(\.partner.name) == ["Taalhuis"])
            // The same partner in a second branch, chosen from the list.
            let linked = try await client.send(.POST, "/staff/branches/\(fixture.central)/partners", form: [
                "csrf": token, "partner_id": partners[0].partner.id!.uuidString, "role": "Intake",
            ])
            #expect(linked.status == .seeOther)
            #expect(try await Partner.query(on: app.db).count() == 2)
            #expect(try await BranchPartner.query(on: app.db).filter(\.$partner.$id == partners[0].partner.id!).count() == 2)
        }
    }
}
