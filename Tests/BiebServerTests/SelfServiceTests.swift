import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite("Self-service: door, PINs, terminals") struct SelfServiceTests {
    let date = SIP2Setup.dateField

    /// Sets the adult's PIN and accepted terms through the API, as the desk does.
    func prepareAdult(_ s: SIP2Setup, pin: String = "4821") async throws -> TestClient {
        let staff = TestClient(s.app)
        try await staff.signInAPI(Fixture.staff, password: Fixture.password)
        let set = try await staff.send(.PUT, "/api/v1/members/\(s.fixture.adult)/pin", object: ["pin": pin])
        #expect(set.status == .ok)
        #expect(try object(set)["has_pin"] as? Bool == true)
        let terms = try await staff.send(.PUT, "/api/v1/members/\(s.fixture.adult)/self-service-terms", object: ["accepted": true])
        #expect(try object(terms)["self_service_terms_accepted_on"] as? String != nil)
        return staff
    }

    func backdate(_ s: SIP2Setup, _ member: UUID) async throws {
        try await (s.app.db as! any SQLDatabase).update(Member.schema).set("membership_start", to: "2025-01-01")
            .where("id", .equal, member).run()
    }

    func door(_ client: SIP2Client, card: String, pin: String? = nil) async throws -> SIP2Answer {
        try SIP2Answer(try await client.request("23005\(date)AOcity|AA\(card)|AC|" + (pin.map { "AD\($0)|" } ?? "")),
                       fixedLength: Layout.patronStatus)
    }

    func visits(_ s: SIP2Setup) async throws -> Int {
        try await (s.app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM visits").first()!.decode(column: "n", as: Int.self)
    }

    @Test(arguments: TestDatabase.all)
    func theDoorInSelfServiceHoursLetsInOnlyMembersWhoQualify(_ database: TestDatabase) async throws {
        try await withSIP2(database, at: SIP2Setup.selfServiceHour) { s in
            let staff = try await prepareAdult(s)
            let door = try await s.terminal("door1")
            // Registered today: too recent.
            let recent = try await self.door(door, card: CirculationFixture.adultCard, pin: "4821")
            #expect(recent.field("BL") == "N")
            #expect(recent.fixed(0, 1) == "Y")                  // privileges denied
            #expect(recent.field("AF")?.hasPrefix("Zelfservice kan na 90 dagen lidmaatschap") == true)
            try await backdate(s, s.fixture.adult)
            // Now allowed: valid patron, valid PIN, a greeting, and no name for a door.
            let allowed = try await self.door(door, card: CirculationFixture.adultCard, pin: "4821")
            #expect(allowed.field("BL") == "Y")
            #expect(allowed.field("CQ") == "Y")
            #expect(allowed.field("AE") == "")
            #expect(allowed.field("AF") == "Welkom in de bibliotheek.")
            #expect(allowed.fixed(0, 4) == "  Y ")
            #expect(try await visits(s) == 1)
            // The controller asks again with 63 for the same person: still one visit.
            let info = try SIP2Answer(try await door.request("63005\(date)          AOcity|AA\(CirculationFixture.adultCard)|AD4821|"),
                                      fixedLength: Layout.patronInformation)
            #expect(info.field("BL") == "Y")
            #expect(try await visits(s) == 1)
            // Who came in is not kept: only branch, time, how, age band and category.
            let row = try #require(try await (s.app.db as! any SQLDatabase).raw("SELECT * FROM visits").first())
            #expect(Set(row.allColumns) == ["id", "organisation_id", "branch_id", "at", "via", "age_band", "category"])
            #expect(try row.decode(column: "age_band", as: String.self) == "25-44")
            // No PIN, a wrong PIN: the door stays shut and says why.
            let noPIN = try await self.door(door, card: CirculationFixture.adultCard)
            #expect(noPIN.field("BL") == "N")
            #expect(noPIN.field("AF") == "Voer je pincode in.")
            // Too young.
            try await backdate(s, s.fixture.youth)
            let young = try await self.door(door, card: CirculationFixture.youthCard)
            #expect(young.field("BL") == "N")
            #expect(young.field("AF") == "Zonder personeel mag je binnen vanaf 16 jaar.")
            // Unknown card.
            let unknown = try await self.door(door, card: "X999")
            #expect(unknown.field("BL") == "N")
            #expect(unknown.field("AF") == "Deze pas kennen we niet. Vraag het aan de balie.")
            // Five wrong PINs lock it; then even the right one is refused until the desk sets a new PIN.
            let door2 = try await s.terminal("door1")
            for attempt in 1...MemberPIN.maximumFailures {
                let wrong = try await self.door(door2, card: CirculationFixture.adultCard, pin: "0001")
                #expect(wrong.field("CQ") == "N")
                #expect(wrong.field("AF") == (attempt < MemberPIN.maximumFailures ? "Pincode onjuist." :
                                                "Te vaak een verkeerde pincode: vraag aan de balie een nieuwe."))
            }
            let locked = try await self.door(door2, card: CirculationFixture.adultCard, pin: "4821")
            #expect(locked.field("BL") == "N")
            #expect(locked.field("CQ") == "N")
            let reset = try await staff.send(.PUT, "/api/v1/members/\(s.fixture.adult)/pin", object: ["pin": "7390"])
            #expect(try object(reset)["pin_locked_until"] == nil)
            let door3 = try await s.terminal("door1")
            #expect(try await self.door(door3, card: CirculationFixture.adultCard, pin: "7390").field("BL") == "Y")
        }
    }

    @Test func staffedHoursOpenTheDoorForEveryoneAndClosedHoursForNoOne() async throws {
        try await withSIP2(.sqlite, at: SIP2Setup.staffedHour) { s in
            let door = try await s.terminal("door1")
            // Staffed: a youth member without PIN or terms comes in.
            let youth = try await self.door(door, card: CirculationFixture.youthCard)
            #expect(youth.field("BL") == "Y")
            #expect(try await visits(s) == 1)
            s.app.selfService.setClock { SIP2Setup.closedHour }
            let closed = try await self.door(door, card: CirculationFixture.adultCard, pin: "4821")
            #expect(closed.field("BL") == "N")
            #expect(closed.field("AF") == "De bibliotheek is nu gesloten.")
            #expect(try await visits(s) == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func doorControllersWithoutSIP2AskOverHTTP(_ database: TestDatabase) async throws {
        try await withSIP2(database, at: SIP2Setup.selfServiceHour) { s in
            let staff = try await prepareAdult(s)
            try await backdate(s, s.fixture.adult)
            let door = TestClient(s.app)
            // No credentials, a kiosk's credentials, a wrong password.
            #expect(try await door.send(.POST, "/api/v1/door/entry", object: ["card": CirculationFixture.adultCard]).status == .unauthorized)
            var kiosk = HTTPHeaders()
            kiosk.basicAuthorization = BasicAuthorization(username: "kiosk1", password: SIP2Setup.password)
            #expect(try await door.send(.POST, "/api/v1/door/entry", object: ["card": "A0001"], headers: kiosk).status == .forbidden)
            var wrong = HTTPHeaders()
            wrong.basicAuthorization = BasicAuthorization(username: "door1", password: "not-it-at-all")
            #expect(try await door.send(.POST, "/api/v1/door/entry", object: ["card": "A0001"], headers: wrong).status == .unauthorized)
            var auth = HTTPHeaders()
            auth.basicAuthorization = BasicAuthorization(username: "door1", password: SIP2Setup.password)
            let missing = try await door.send(.POST, "/api/v1/door/entry", object: [:], headers: auth)
            #expect(missing.status == .badRequest)
            #expect(missing.apiError?.field == "card")
            let allowed = try object(try await door.send(.POST, "/api/v1/door/entry",
                                                         object: ["card": CirculationFixture.adultCard, "pin": "4821"], headers: auth))
            #expect(allowed["allowed"] as? Bool == true)
            #expect(allowed["valid_pin"] as? Bool == true)
            let noPIN = try object(try await door.send(.POST, "/api/v1/door/entry", object: ["card": CirculationFixture.adultCard], headers: auth))
            #expect(noPIN["allowed"] as? Bool == false)
            #expect(noPIN["code"] as? String == "pin_required")
            #expect(noPIN["message_en"] as? String == "Enter your PIN.")
            let unknown = try object(try await door.send(.POST, "/api/v1/door/entry", object: ["card": "X1"], headers: auth))
            #expect(unknown["valid_card"] as? Bool == false)
            #expect(unknown["code"] as? String == "card_not_found")
            // The visit shows in the counts per branch.
            let counts = try list(try await staff.send(.GET, "/api/v1/visits?from=2026-11-16&to=2026-11-22"))
            #expect(counts.first { $0["branch"] as? String == "centrale" }?["visits"] as? Int == 1)
            #expect(counts.first { $0["branch"] as? String == "oost" }?["visits"] as? Int == 0)
            #expect(try await staff.send(.GET, "/api/v1/visits?from=gisteren").apiError?.field == "from")
        }
    }

    @Test(arguments: TestDatabase.all)
    func adminsManageTerminalAccountsAndSortBins(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            let admin = TestClient(s.app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            let staff = TestClient(s.app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.GET, "/api/v1/sip2/terminals").status == .forbidden)

            let created = try await admin.send(.POST, "/api/v1/sip2/terminals", object: [
                "name": "Kiosk Oost", "login": "kiosk-oost", "password": "geheim-wachtwoord", "kind": "kiosk", "branch": "oost",
            ])
            #expect(created.status == .created)
            let terminal = try object(created)
            let id = try #require(terminal["id"] as? String)
            #expect(terminal["branch"] as? String == "oost")
            #expect(terminal["password"] == nil && terminal["password_hash"] == nil)
            #expect((terminal["allowed_messages"] as? [String])?.contains("11") == true)
            // Bad input names the field and stores nothing.
            let taken = try await admin.send(.POST, "/api/v1/sip2/terminals", object: [
                "name": "Twee", "login": "kiosk-oost", "password": "geheim-wachtwoord", "kind": "kiosk",
            ])
            #expect(taken.status == .conflict)
            #expect(taken.apiError?.field == "login")
            for (field, body) in [("kind", ["name": "X", "login": "xx-1", "password": "geheim-wachtwoord", "kind": "robot"]),
                                  ("password", ["name": "X", "login": "xx-1", "password": "kort", "kind": "door"]),
                                  ("login", ["name": "X", "login": "with space", "password": "geheim-wachtwoord", "kind": "door"]),
                                  ("allowed_messages", ["name": "X", "login": "xx-1", "password": "geheim-wachtwoord", "kind": "door",
                                                        "allowed_messages": ["23", "42"]] as [String: Any]),
                                  ("branch", ["name": "X", "login": "xx-1", "password": "geheim-wachtwoord", "kind": "door", "branch": "dorp"])] {
                let bad = try await admin.send(.POST, "/api/v1/sip2/terminals", object: body)
                #expect(bad.status == .badRequest, "\(field)")
                #expect(bad.apiError?.field == field)
            }
            #expect(try list(try await admin.send(.GET, "/api/v1/sip2/terminals")).count == 4)
            // The new terminal logs in over SIP2; deactivated, it cannot.
            let client = try await s.client()
            #expect(try await client.request("9300CNkiosk-oost|COgeheim-wachtwoord|").hasPrefix("941"))
            let patched = try await admin.send(.PATCH, "/api/v1/sip2/terminals/\(id)", object: ["active": false, "allowed_messages": ["17"]])
            #expect(try object(patched)["active"] as? Bool == false)
            #expect(try object(patched)["allowed_messages"] as? [String] == ["17", "35", "93", "96", "97", "99"])
            let other = try await s.client()
            #expect(try await other.request("9300CNkiosk-oost|COgeheim-wachtwoord|").hasPrefix("940"))
            // Another organisation's admin does not see it.
            let town = TestClient(s.app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.GET, "/api/v1/sip2/terminals/\(id)").status == .notFound)
            #expect(try list(try await town.send(.GET, "/api/v1/sip2/terminals")).isEmpty)
            #expect(try await admin.send(.DELETE, "/api/v1/sip2/terminals/\(id)").status == .noContent)

            // Sort bins.
            #expect(try object(try await staff.send(.GET, "/api/v1/branches/centrale/sort-bins"))["holds"] as? String == "1")
            let bins = try await admin.send(.PUT, "/api/v1/branches/centrale/sort-bins", object: ["holds": "R", "transit": "T", "shelf": "K"])
            #expect(try object(bins)["holds"] as? String == "R")
            let badBin = try await admin.send(.PUT, "/api/v1/branches/centrale/sort-bins", object: ["holds": "R|1", "transit": "T", "shelf": "K"])
            #expect(badBin.apiError?.field == "bin_holds")
            #expect(try object(try await staff.send(.GET, "/api/v1/branches/centrale/sort-bins"))["holds"] as? String == "R")
            // A PIN must be 4 to 6 digits.
            let badPIN = try await staff.send(.PUT, "/api/v1/members/\(s.fixture.adult)/pin", object: ["pin": "12"])
            #expect(badPIN.apiError?.field == "pin")
        }
    }

    @Test func staffPagesForMachinesSortBinsPINsAndTerms() async throws {
        try await withSIP2(.sqlite) { s in
            let admin = TestClient(s.app)
            try await admin.signInPages(Fixture.admin, password: Fixture.password)
            let page = try await admin.send(.GET, "/staff/self-service")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("kiosk1") && html.contains("Uitleenautomaat") && html.contains("Sorteermachine"))
            let token = try #require(TestClient.csrf(in: html))
            // A new machine: a short password is refused and named, nothing stored; then it is added.
            var fields = ["csrf": token, "name": "Deur Oost", "login": "deur-oost", "password": "kort", "kind": "door", "branch": "oost"]
            let bad = try await admin.send(.POST, "/staff/self-service/terminals", form: fields)
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("Een terminalwachtwoord is 8 tot 128 tekens"))
            #expect(try await SelfServiceStore.terminal(login: "deur-oost", on: s.app.db) == nil)
            fields["password"] = "lang-genoeg-wachtwoord"
            let added = try await admin.send(.POST, "/staff/self-service/terminals", form: fields)
            #expect(added.body.string.contains("Deur Oost is toegevoegd."))
            let terminal = try #require(try await SelfServiceStore.terminal(login: "deur-oost", on: s.app.db))
            #expect(terminal.kind == .door && terminal.branchID == s.fixture.network.district)
            let off = try await admin.send(.POST, "/staff/self-service/terminals/\(terminal.id!)", form: ["csrf": token, "action": "deactivate"])
            #expect(off.body.string.contains("Deur Oost staat uit."))
            #expect(try await SelfServiceStore.terminal(login: "deur-oost", on: s.app.db)?.active == false)
            // Sort bins.
            let bins = try await admin.send(.POST, "/staff/self-service/sort-bins",
                                            form: ["csrf": token, "branch": "centrale", "holds": "R", "transit": "T2", "shelf": "K"])
            #expect(bins.body.string.contains("Sorteerbakken van Centrale Bibliotheek opgeslagen."))
            #expect(try await SelfServiceStore(s.app.db, organisationID: s.fixture.network.city).sortBins(branch: s.fixture.network.central).transit == "T2")

            // Staff see the visits but not the machines.
            let staff = TestClient(s.app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let staffPage = try await staff.send(.GET, "/staff/self-service")
            #expect(staffPage.body.string.contains("Bezoeken"))
            #expect(!staffPage.body.string.contains("kiosk1"))
            let forbidden = try await staff.send(.POST, "/staff/self-service/sort-bins",
                                                 form: ["csrf": try #require(TestClient.csrf(in: staffPage.body.string)), "branch": "centrale",
                                                        "holds": "X", "transit": "Y", "shelf": "Z"])
            #expect(forbidden.status == .forbidden)

            // The member page: PIN and terms.
            let member = try await staff.send(.GET, "/staff/members/\(s.fixture.adult)")
            #expect(member.body.string.contains("Heeft nog geen pincode."))
            let staffToken = try #require(TestClient.csrf(in: member.body.string))
            let badPIN = try await staff.send(.POST, "/staff/members/\(s.fixture.adult)", form: ["csrf": staffToken, "action": "pin", "pin": "1111"])
            #expect(badPIN.status == .badRequest)
            #expect(badPIN.body.string.contains("te makkelijk te raden"))
            let pin = try await staff.send(.POST, "/staff/members/\(s.fixture.adult)", form: ["csrf": staffToken, "action": "pin", "pin": "5830"])
            #expect(pin.body.string.contains("Pincode ingesteld.") && pin.body.string.contains("Heeft een pincode."))
            let terms = try await staff.send(.POST, "/staff/members/\(s.fixture.adult)", form: ["csrf": staffToken, "action": "terms_accept"])
            #expect(terms.body.string.contains("Voorwaarden voor zelfservice geaccepteerd op"))
            #expect(try await SelfServiceStore(s.app.db, organisationID: s.fixture.network.city).doorFacts(member: s.fixture.adult).termsAcceptedOn != nil)
        }
    }
}
