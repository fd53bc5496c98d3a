import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

@Suite("Desk pages") struct DeskPageTests {
    @Test(arguments: TestDatabase.all)
    func lendReturnAndRegisterInTheBrowser(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let client = TestClient(app)
            try await client.signInPages(Fixture.staff, password: Fixture.password)

            // Scan a card: the form posts it (no card number in the address), and the member's account opens by id,
            // with the lending field focused.
            let empty = try await client.send(.GET, "/staff/desk?branch=centrale")
            #expect(empty.body.string.contains(#"<form method="post" action="/staff/desk/find">"#))
            let scanned = try await client.send(.POST, "/staff/desk/find", form: [
                "csrf": try #require(TestClient.csrf(in: empty.body.string)), "branch": "centrale", "card": "a0001"])
            #expect(scanned.status == .seeOther)
            #expect(scanned.headers.first(name: .location) == "/staff/desk?branch=centrale&member=\(f.adult)")
            let desk = try await client.send(.GET, try #require(scanned.headers.first(name: .location)))
            #expect(desk.status == .ok)
            let html = desk.body.string
            #expect(html.contains("Balie Centrale Bibliotheek"))
            #expect(html.contains("Anna de Vries"))
            #expect(html.contains(#"<label for="item">Streepjescode van het exemplaar</label> <input id="item" name="item" autocomplete="off" autofocus required>"#))
            let token = try #require(TestClient.csrf(in: html))
            let member = f.adult.uuidString

            // Lend: a sentence with the due date; a refusal with its reason and status 409.
            let lent = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                          "action": "checkout", "item": "B1C1"])
            #expect(lent.status == .ok)
            #expect(lent.body.string.contains("Boek 1 uitgeleend tot en met"))
            // In English the desk writes dates as people do, not as ISO.
            let lentEN = try await client.send(.POST, "/staff/desk?lang=en", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                                    "action": "checkout", "item": "B2C1"])
            let englishHTML = lentEN.body.string
            #expect(englishHTML.contains("Boek 2 lent until "))
            #expect(englishHTML.firstMatch(of: /lent until \d{1,2} [A-Z][a-z]+ \d{4}\./) != nil)
            #expect(englishHTML.firstMatch(of: /lent until \d{4}-\d{2}-\d{2}/) == nil)
            _ = try await client.send(.GET, "/staff/desk?lang=nl")   // back to Dutch for what follows
            #expect(lent.body.string.contains("<td>B1C1</td>"))
            let again = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                           "action": "checkout", "item": "B1C1"])
            #expect(again.status == .conflict)
            #expect(again.body.string.contains("Dit lid heeft dit exemplaar al geleend"))
            let badAmount = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                               "action": "pay", "amount": "twaalf"])
            #expect(badAmount.status == .badRequest)
            #expect(badAmount.body.string.contains("geen bedrag in euro"))
            // Next to its field and in the summary; the amount as typed. A barcode no copy has: at the scan field, which starts empty.
            #expect(badAmount.body.string.contains(##"<li data-field="amount"><a href="#amount">"##))
            #expect(badAmount.body.string.contains(#"value="twaalf" aria-invalid="true" aria-describedby="amount-error""#))
            let noCopy = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                            "action": "checkout", "item": "X404"])
            #expect(noCopy.body.string.contains(##"<li data-field="item"><a href="#item">"##))
            #expect(noCopy.body.string.contains(#"<input id="item" name="item" autocomplete="off" autofocus required aria-invalid="true" aria-describedby="item-error">"#))
            #expect(noCopy.body.string.contains(#"<span class="field-error" id="item-error">Geen exemplaar met streepjescode X404.</span>"#))
            let waived = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                            "action": "waive", "amount": "1,00", "reason": " "])
            #expect(waived.status == .badRequest)
            #expect(waived.body.string.contains(#"id="reason-error""#) || waived.body.string.contains(#"id="waive_amount-error""#))
            let returned = try await client.send(.POST, "/staff/desk/returns", form: ["csrf": token, "branch": "centrale", "item": "X404"])
            #expect(returned.body.string.contains(##"<li data-field="item"><a href="#item">"##))
            #expect(returned.body.string.contains(#"id="item-error""#))

            // A name finds several members or one.
            #expect(try await client.send(.POST, "/staff/desk/find", form: ["csrf": token, "branch": "centrale", "card": "vries"])
                        .headers.first(name: .location) == "/staff/desk?branch=centrale&member=\(f.adult)")
            #expect(try await client.send(.POST, "/staff/desk/find", form: ["csrf": token, "branch": "centrale", "card": "niemand"])
                        .body.string.contains("Geen lid gevonden"))

            // Take it in at the district library: it goes home in the crate.
            let back = try await client.send(.POST, "/staff/desk/returns", form: ["csrf": token, "branch": "oost", "item": "B1C1"])
            #expect(back.status == .ok)
            #expect(back.body.string.contains("In de krat voor Centrale Bibliotheek (terug naar de eigen vestiging)."))
            let lists = try await client.send(.GET, "/staff/desk/lists?branch=oost")
            #expect(lists.status == .ok)
            #expect(lists.body.string.contains("Onderweg van hier (1)"))
            let unknown = try await client.send(.POST, "/staff/desk/returns", form: ["csrf": token, "branch": "oost", "item": "XYZ"])
            #expect(unknown.status == .notFound)
            #expect(unknown.body.string.contains("Geen exemplaar met streepjescode XYZ"))

            // Register a member: a bad postcode is named and the input kept; then to the desk with the new member.
            var fields = ["csrf": token, "home_branch": "centrale", "name": "Fatima el Amrani", "birth_date": "1988-07-14", "street": "Spui 70",
                          "postcode": "0511 AB", "city": "Den Haag", "membership_type": "basis", "card": "F0001"]
            let wrong = try await client.send(.POST, "/staff/members/new", form: fields)
            #expect(wrong.status == .badRequest)
            #expect(wrong.body.string.contains("geen geldige postcode"))
            #expect(wrong.body.string.contains(#"value="Fatima el Amrani""#))
            #expect(wrong.body.string.contains(#"id="postcode" name="postcode" required size="8" value="0511 AB" aria-invalid="true" aria-describedby="postcode-error">"#))
            // In the summary at the top, linking to the field, and next to the field.
            let summary = try #require(wrong.body.string.components(separatedBy: #"<div class="error-summary" id="fout""#).dropFirst().first)
            #expect(summary.contains(##"<a href="#postcode">&#39;0511 AB&#39; is geen geldige postcode"##))
            #expect(wrong.body.string.contains(#"<span class="field-error" id="postcode-error">&#39;0511 AB&#39; is geen geldige postcode"#))
            #expect(wrong.body.string.contains(##"action="/staff/members/new#fout""##))
            fields["postcode"] = "2511 AB"
            let created = try await client.send(.POST, "/staff/members/new", form: fields)
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            let page = try await client.send(.GET, location)
            #expect(page.body.string.contains("Fatima el Amrani"))
            #expect(page.body.string.contains("€ 29,00"))   // the basic membership fee, outstanding

            // Holds at the desk: on the title of a scanned copy; paused and resumed.
            let youth = f.youth.uuidString
            let setAside = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": youth,
                                                                              "action": "hold", "item": "B3C1", "pickup": "centrale"])
            #expect(setAside.body.string.contains("Boek 3 gereserveerd, op te halen in Centrale Bibliotheek; een exemplaar wordt opgezocht."))
            _ = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member, "action": "checkout", "item": "D2C1"])
            let queued = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": youth,
                                                                            "action": "hold", "item": "D2C1", "pickup": "oost", "local_only": "on"])
            #expect(queued.body.string.contains("het lid staat in de rij"))
            let hold = try #require(try await Hold.query(on: app.db).filter(\.$memberID == f.youth).filter(\.$statusRaw == "waiting").first())
            let later = LocalDate(Date(), in: BranchCalendar.amsterdam).adding(days: 20).iso
            let paused = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": youth,
                                                                            "action": "suspend", "hold": String(hold.id!), "until": later])
            #expect(paused.status == .ok)
            #expect(paused.body.string.contains("Reservering gepauzeerd tot"))
            #expect(try await Hold.find(hold.id, on: app.db)?.suspendedUntil == later)
            let noDate = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": youth,
                                                                            "action": "suspend", "hold": String(hold.id!), "until": ""])
            #expect(noDate.status == .badRequest)
            #expect(try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": youth, "action": "resume",
                                                                       "hold": String(hold.id!)]).body.string.contains("Reservering hervat."))

            // The member's page: details with field errors kept, a block with its reason, a new card, a renewal.
            let memberPage = try await client.send(.GET, "/staff/members/\(member)")
            #expect(memberPage.status == .ok)
            #expect(memberPage.body.string.contains("Abonnement Basis, geldig tot en met"))
            let badSave = try await client.send(.POST, "/staff/members/\(member)", form: ["csrf": token, "action": "save", "name": "Anna de Vries",
                "birth_date": "1985-03-02", "street": "Spui 68", "postcode": "9999", "city": "Den Haag", "home_branch": "centrale", "membership_type": "basis"])
            #expect(badSave.status == .badRequest)
            #expect(badSave.body.string.contains(#"value="9999" aria-invalid="true""#))
            let saved = try await client.send(.POST, "/staff/members/\(member)", form: ["csrf": token, "action": "save", "name": "Anna de Vries-Smit",
                "birth_date": "1985-03-02", "street": "Spui 68", "postcode": "2511 BT", "city": "Den Haag", "home_branch": "oost", "membership_type": "volledig"])
            #expect(saved.status == .ok)
            #expect(saved.body.string.contains("Opgeslagen."))
            #expect(try await MemberDirectory(app.db, organisationID: f.network.city).member(f.adult)?.name == "Anna de Vries-Smit")
            let blocked = try await client.send(.POST, "/staff/members/\(member)", form: ["csrf": token, "action": "block", "reason": "Adres onbekend"])
            #expect(blocked.body.string.contains("Geblokkeerd: Adres onbekend"))
            let refusedLend = try await client.send(.POST, "/staff/desk", form: ["csrf": token, "branch": "centrale", "member": member,
                                                                                 "action": "checkout", "item": "B2C1"])
            #expect(refusedLend.status == .conflict)
            #expect(refusedLend.body.string.contains("Geblokkeerd: Adres onbekend"))
            #expect(try await client.send(.POST, "/staff/members/\(member)", form: ["csrf": token, "action": "unblock"]).body.string.contains("Blokkade opgeheven."))
            let carded = try await client.send(.POST, "/staff/members/\(member)", form: ["csrf": token, "action": "card", "card": "A0002"])
            #expect(carded.body.string.contains("Nieuwe pas uitgegeven."))
            #expect(carded.body.string.contains("<th scope=\"row\">A0001</th><td>vervangen</td>"))
            #expect(try await client.send(.POST, "/staff/members/\(member)", form: ["csrf": token, "action": "renew"]).body.string.contains("Abonnement verlengd"))

            // A volunteer works only at their own branch.
            let volunteer = TestClient(app)
            try await volunteer.signInPages(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.GET, "/staff/desk?branch=centrale").status == .forbidden)
            let own = try await volunteer.send(.GET, "/staff/desk")
            #expect(own.status == .ok)
            #expect(own.body.string.contains("Balie Buurtbibliotheek Noord"))
            #expect(!own.body.string.contains("Kwijtschelden"))
            #expect(try await volunteer.send(.GET, "/staff/members/\(member)").status == .forbidden)
        }
    }
}

@Suite("Circulation jobs") struct CirculationJobTests {
    @Test(arguments: TestDatabase.all)
    func oneServerTakesAJobAndHoldsExpire(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let now = Date()
            #expect(try await JobLease.take("test-job", holder: "a", seconds: 60, now: now, on: app.db))
            #expect(try await !JobLease.take("test-job", holder: "b", seconds: 60, now: now.addingTimeInterval(30), on: app.db))
            #expect(try await JobLease.take("test-job", holder: "b", seconds: 60, now: now.addingTimeInterval(61), on: app.db))

            // A hold left on the hold shelf expires when the job runs; a loan kept long gets its fine.
            let start = LocalDate(iso: "2026-11-23")!
            let f = try await CirculationFixture.make(on: app, today: start)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let at = Circulation.Desk(branch: f.network.central, now: LocalClock.instant(of: start, minute: 720, in: BranchCalendar.amsterdam))
            let hold = try await desk.placeHold(member: f.youth, title: try #require(f.titles["dvd-5"]), pickup: f.network.central, at: at)
            _ = try await desk.checkin(item: "D5C1", at: at)
            #expect(try await Hold.find(hold.id, on: app.db)?.status == .ready)
            _ = try await desk.checkout(member: f.adult, item: "B6C1", at: at)
            let later = LocalClock.instant(of: start.adding(days: 40), minute: 720, in: BranchCalendar.amsterdam)
            try await CirculationJobs.runDue(app, now: later)
            #expect(try await Hold.find(hold.id, on: app.db)?.status == .expired)
            // 19 days late at 25 cents, capped at € 3.
            #expect(try await desk.member(f.adult).balanceCents == 300)
            // Running again the same day changes nothing.
            try await CirculationJobs.runDue(app, now: later.addingTimeInterval(60))
            #expect(try await desk.member(f.adult).balanceCents == 300)
        }
    }
}
