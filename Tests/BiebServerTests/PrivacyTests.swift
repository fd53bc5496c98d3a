import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Privacy by design over HTTP: the loan history by choice, the member link
/// that goes after the return, pseudonymous statistics, the right of access,
/// erasure that leaves nothing of the member in the database, retention
/// rules, and the log of staff views.
@Suite("Privacy") struct PrivacyTests {
    typealias W = MemberAccountTests

    static func desk(_ w: W.World) -> Circulation.Desk { Circulation.Desk(branch: w.f.network.central, now: Date()) }
    static func circulation(_ app: Application, _ w: W.World) -> Circulation { Circulation(app.db, organisationID: w.f.network.city) }

    static func memberOf(loan: Int, _ app: Application) async throws -> UUID? {
        try await (app.db as! any SQLDatabase).raw("SELECT member_id FROM loans WHERE id = \(bind: loan)").first()?.decode(column: "member_id", as: UUID?.self)
    }

    @Test(arguments: TestDatabase.all)
    func loanHistoryOnlyByChoice(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let carla = try await W.signIn(app, card: "C0001")
            let history = "/api/v1/my/accounts/\(w.carla)/history"
            // Off by default; a returned loan loses its member at the return (no fee open).
            #expect(try object(try await carla.send(.GET, history))["enabled"] as? Bool == false)
            _ = try await Self.circulation(app, w).checkin(item: "B5C1", at: Self.desk(w))
            #expect(try await Self.memberOf(loan: w.carlaLoan, app) == nil)
            #expect(try object(try await carla.send(.GET, history))["total"] as? Int == 0)

            // Switched on: from now on. Bad input names the field.
            let bad = try await carla.send(.PUT, history, object: ["enabled": "ja"])
            #expect(bad.status == .badRequest)
            let on = try object(try await carla.send(.PUT, history, object: ["enabled": true]))
            #expect(on["enabled"] as? Bool == true)
            for barcode in ["B1C1", "B2C1", "D3C1"] {
                _ = try await Self.circulation(app, w).checkout(member: w.carla, item: barcode, at: Self.desk(w))
                _ = try await Self.circulation(app, w).checkin(item: barcode, at: Self.desk(w))
            }
            let kept = try object(try await carla.send(.GET, history))
            #expect(kept["total"] as? Int == 3)
            // The loans themselves are unlinked all the same: the history is the member's own copy.
            let linked = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM loans WHERE member_id = \(bind: w.carla) AND open = \(bind: false)")
                .first()!.decode(column: "n", as: Int.self)
            #expect(linked == 0)
            // Search, export, delete one.
            let found = try object(try await carla.send(.GET, "\(history)?q=film"))
            #expect(found["total"] as? Int == 1)
            let entries = try #require(found["entries"] as? [[String: Any]])
            #expect(entries.first?["title"] as? String == "Film 3")
            let csv = try await carla.send(.GET, "\(history)/export?format=csv")
            #expect(csv.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
            #expect(csv.body.string.hasPrefix("title,author,format,branch,checked_out_at,returned_at\r\n"))
            #expect(csv.body.string.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 4)
            let json = try await carla.send(.GET, "\(history)/export?format=json")
            #expect(try JSONSerialization.jsonObject(with: Data(json.body.readableBytesView)) as? [Any] != nil)
            #expect(try await carla.send(.GET, "\(history)/export?format=xls").apiError?.field == "format")
            let entryID = try #require(entries.first?["id"] as? Int)
            #expect(try await carla.send(.DELETE, "\(history)/\(entryID)").status == .noContent)
            #expect(try await carla.send(.DELETE, "\(history)/\(entryID)").status == .notFound)
            #expect(try object(try await carla.send(.GET, history))["total"] as? Int == 2)
            // Anna cannot see or delete Carla's history.
            let anna = try await W.signIn(app, card: "A0001")
            #expect(try await anna.send(.GET, history).status == .notFound)
            #expect(try await anna.send(.DELETE, history).status == .notFound)
            // Switched off: erased, and the consent history says when and with which words.
            let off = try object(try await carla.send(.PUT, history, object: ["enabled": false]))
            #expect(off["enabled"] as? Bool == false)
            #expect(off["total"] as? Int == 0)
            let records = try await Consents(app.db, organisationID: w.f.network.city).history(member: w.carla).filter { $0.purpose == .loanHistory }
            #expect(records.map(\.granted) == [false, true])
            #expect(records.allSatisfy { !$0.text.isEmpty && $0.source == "api" })
            let left = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM loan_history WHERE member_id = \(bind: w.carla)")
                .first()!.decode(column: "n", as: Int.self)
            #expect(left == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func retentionKeepsTheLinkForTheChosenDaysAndStatisticsStayPseudonymous(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let admin = TestClient(app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            // Only admins change the rules; bad values name the field and change nothing.
            #expect(try await staff.send(.PUT, "/api/v1/privacy/settings", object: ["loan_link_days": 30]).status == .forbidden)
            let bad = try await admin.send(.PUT, "/api/v1/privacy/settings", object: ["loan_link_days": -1])
            #expect(bad.status == .badRequest)
            #expect(bad.apiError?.field == "loan_link_days")
            #expect(try object(try await admin.send(.GET, "/api/v1/privacy/settings"))["loan_link_days"] as? Int == 0)
            #expect(try await admin.send(.PUT, "/api/v1/privacy/settings", object: ["loan_link_days": 30]).status == .ok)

            _ = try await Self.circulation(app, w).checkin(item: "B5C1", at: Self.desk(w))
            #expect(try await Self.memberOf(loan: w.carlaLoan, app) == w.carla)
            let city = try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
            let retention = Retention(app.db, organisationID: city.id!)
            #expect(try await retention.run(now: Date().addingTimeInterval(10 * 86_400), timeZone: city.zone).loansUnlinked == 0)
            let later = try await retention.run(now: Date().addingTimeInterval(31 * 86_400), timeZone: city.zone)
            #expect(later.loansUnlinked >= 1)
            #expect(later.eventsPseudonymised >= 1)
            // The server's log says it in words: only what was done.
            #expect(later.summary == "\(later.loansUnlinked) loans unlinked from their member, \(later.eventsPseudonymised) events pseudonymised")
            #expect(Retention.Outcome().summary == "nothing")
            #expect(try await Self.memberOf(loan: w.carlaLoan, app) == nil)
            // Statistics keep an age band, the membership type and the postcode area; no member.
            let sql = app.db as! any SQLDatabase
            let event = try #require(try await sql.raw("""
                SELECT member_id, age_band, member_category, member_area FROM circulation_events WHERE kind = 'checkout' AND item_id IN
                    (SELECT id FROM items WHERE barcode = 'B5C1')
                """).first())
            #expect(try event.decode(column: "member_id", as: UUID?.self) == nil)
            #expect(try event.decode(column: "age_band", as: String?.self) == "45-64")
            #expect(try event.decode(column: "member_category", as: String?.self) == "volledig")
            #expect(try event.decode(column: "member_area", as: String?.self) == "2511")
            // The privacy log counts what was done; the privacy officer reads it, staff do not.
            let log = try list(try await admin.send(.GET, "/api/v1/privacy/log"))
            #expect(log.contains { $0["rule"] as? String == "loans_unlinked" })
            #expect(log.contains { $0["rule"] as? String == "settings_changed" })
            #expect(try await staff.send(.GET, "/api/v1/privacy/log").status == .forbidden)
        }
    }

    /// Every value of every column of every table that contains one of `needles` (or equals the id).
    static func traces(of id: UUID, _ needles: [String], in app: Application) async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        var found: [String] = []
        let postgres = sql.dialect.name == "postgresql"
        let tables: [String] = postgres
            ? try await sql.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
                .all().map { try $0.decode(column: "table_name", as: String.self) }
            : try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                .map { try $0.decode(column: "name", as: String.self) }
        for table in tables {
            let columns: [(String, String)] = postgres
                ? try await sql.raw("""
                    SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(bind: table)
                    """).all().map { (try $0.decode(column: "column_name", as: String.self), try $0.decode(column: "data_type", as: String.self)) }
                : try await sql.raw("SELECT name, type FROM pragma_table_info(\(bind: table))").all()
                    .map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "type", as: String.self)) }
            for (column, type) in columns {
                var conditions: [SQLQueryString] = []
                if !postgres || type == "uuid" { conditions.append("\(ident: column) = \(bind: id)") }
                if !(postgres && type == "uuid") {
                    for needle in needles {
                        conditions.append(postgres ? "CAST(\(ident: column) AS TEXT) ILIKE \(bind: "%" + needle + "%")"
                                                   : "CAST(\(ident: column) AS TEXT) LIKE \(bind: "%" + needle + "%")")
                    }
                }
                for condition in conditions {
                    let n = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE " + condition).first()!.decode(column: "n", as: Int.self)
                    if n > 0 { found.append("\(table).\(column)") }
                }
            }
        }
        return found
    }

    @Test(arguments: TestDatabase.all)
    func erasureLeavesNothingOfTheMember(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let carla = try await W.signIn(app, card: "C0001")
            let base = "/api/v1/my/accounts/\(w.carla)"
            // A trail of everything: history on, consents, a message, a staff view, a payment, a PIN reset code, a page session.
            _ = try await carla.send(.PUT, "\(base)/history", object: ["enabled": true])
            _ = try await carla.send(.PUT, "\(base)/preferences", object: ["newsletter": true])
            // A registration for a full activity (her place goes to the one waiting), a followed community, a consultation appointment.
            let programme = Programme(app.db, organisationID: w.f.network.city, timeZone: SpaceBookingTests.amsterdam)
            var lecture = ActivityInput(branchID: w.f.network.central, kind: "lecture", title: "Lezing",
                                        sessions: [TimeRange(start: SpaceBookingTests.tuesday(14), end: SpaceBookingTests.tuesday(15))])
            lecture.capacity = 1
            let activity = try await programme.publish(try await programme.create(lecture, staff: nil).activity.id, staff: nil).activity.id
            #expect(try await carla.send(.POST, "\(base)/registrations", object: ["activity_id": activity.uuidString]).status == .created)
            let waitingGuest = try await Registrations(app.db, organisationID: w.f.network.city).register(
                for: activity, RegistrationRequest(name: "Wachtende", email: "wacht@example.nl"))
            #expect(waitingGuest.status == .waiting)
            let club = try await Communities(app.db, organisationID: w.f.network.city).save(name: "Leesclub", description: "", contact: "", branch: nil)
            _ = try await carla.send(.PUT, "\(base)/communities/\(club.id)")
            let hour = try await ConsultationHours(app.db, organisationID: w.f.network.city, timeZone: SpaceBookingTests.amsterdam).publish(
                ConsultationHourInput(partnerID: w.f.network.partnerOrg, branchID: w.f.network.central, title: "Spreekuur", slotMinutes: 20,
                                      range: TimeRange(start: SpaceBookingTests.tuesday(11), end: SpaceBookingTests.tuesday(12))), staff: nil)
            #expect(try await carla.send(.POST, "\(base)/appointments", object: [
                "hour_id": hour[0].id.uuidString, "slot": SpaceBookingTests.iso(SpaceBookingTests.tuesday(11)), "question": "Over Carla Bos"]).status == .created)
            let dataPage = try await carla.send(.GET, "\(base)/data")
            #expect(dataPage.body.string.contains("Lezing") && dataPage.body.string.contains("Leesclub") && dataPage.body.string.contains("Spreekuur"))
            _ = try await Self.circulation(app, w).checkout(member: w.carla, item: "B2C1", at: Self.desk(w))
            _ = try await Self.circulation(app, w).checkin(item: "B2C1", at: Self.desk(w))
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.GET, "/api/v1/members/\(w.carla)?purpose=privacy_request").status == .ok)
            try await Circulation(app.db, organisationID: w.f.network.city).charge(member: w.carla, cents: 300, note: "Hoesje", at: Self.desk(w))
            let started = try object(try await carla.send(.POST, "\(base)/payments", object: ["purpose": "fees"]))
            let checkout = try #require(started["checkout_url"] as? String)
            let browser = TestClient(app)
            let page = try await browser.send(.GET, PaymentsTests.path(checkout))
            _ = try await browser.send(.POST, PaymentsTests.path(checkout), form: ["csrf": try #require(TestClient.csrf(in: page.body.string)), "outcome": "paid"])
            #expect(try await TestClient(app).send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "card": "C0001"]).status == .accepted)
            let pages = TestClient(app)
            let form = try await pages.send(.GET, "/city/mijn/inloggen")
            _ = try await pages.send(.POST, "/city/mijn/inloggen", form: ["csrf": try #require(TestClient.csrf(in: form.body.string)), "card": "C0001",
                                                                         "pin": W.pin])

            // The right of access: everything, machine-readable, including who viewed the record and why.
            let data = try object(try await carla.send(.GET, "\(base)/data"))
            #expect((data["member"] as? [String: Any])?["name"] as? String == "Carla Bos")
            #expect((data["loan_history"] as? [Any])?.count == 1)
            let views = try #require(data["staff_views"] as? [[String: Any]])
            #expect(views.first?["purpose"] as? String == "privacy_request")
            #expect(views.first?["staff"] as? String != nil)
            let readable = try await pages.send(.GET, "/city/mijn/privacy")
            #expect(readable.status == .ok)
            #expect(readable.body.string.contains("Carla Bos"))
            #expect(readable.body.string.contains("privacy_request") == false)  // the reason in words, not a code
            // Written for a person: euros, words instead of codes, dates as people write them, no internal numbers.
            let person = readable.body.string
            #expect(person.contains("<dt>Saldo</dt>"))
            #expect(person.contains("€ 54,00"))
            #expect(!person.contains("centen"))
            #expect(!person.lowercased().contains("<dd>\(w.carla.uuidString.lowercased())"))
            #expect(person.contains(#"<td data-label="Status">in gebruik</td>"#))  // the card
            #expect(person.contains(#"<td data-label="Doel">openstaande kosten</td>"#))  // the online payment
            #expect(!person.contains(">active<") && !person.contains(">fees<") && !person.contains(">portal<"))
            #expect(person.firstMatch(of: />\d{4}-\d{2}-\d{2}/) == nil)  // no value is an ISO date
            #expect(person.firstMatch(of: /\d{4}-\d{2}-\d{2}T/) == nil)
            #expect(person.contains(#"<td data-label="Plaatsen">1</td>"#))  // numbers as numbers on both databases
            // The download stays complete and as stored.
            #expect(((data["member"] as? [String: Any])?["id"] as? String)?.lowercased() == w.carla.uuidString.lowercased())
            #expect((data["cards"] as? [[String: Any]])?.first?["status"] as? String == "active")
            // Each landmark and region has a name of its own (a section and the scrolling table inside it did share one).
            let html = readable.body.string
            let named = html.matches(of: /aria-labelledby="([^"]+)"/).map { String($0.output.1) }
            #expect(Set(named).count == named.count, "names used twice: \(named)")
            let labels = html.matches(of: /aria-label="([^"]+)"/).map { String($0.output.1) }
            #expect(Set(labels).count == labels.count, "labels used twice: \(labels)")
            #expect(html.contains(#"role="region" aria-label="Tabel: "#))

            // Erasure is blocked by the open loan, said plainly; the holds go at once.
            let waiting = try await carla.send(.POST, "\(base)/erasure")
            #expect(waiting.status == .accepted)
            let blockers = try #require(try object(waiting)["blockers"] as? [[String: Any]])
            #expect(blockers.map { $0["code"] as? String } == ["open_loans"])
            #expect(try await Hold.find(w.carlaHold, on: app.db)?.status == .cancelled)
            // Another member cannot ask it for her.
            #expect(try await W.signIn(app, card: "A0001").send(.POST, "\(base)/erasure").status == .notFound)
            // The loan comes back; the hourly job removes the account.
            _ = try await Self.circulation(app, w).checkin(item: "B5C1", at: Self.desk(w))
            let city = try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
            #expect(try await Retention(app.db, organisationID: city.id!).run(timeZone: city.zone).erasuresDone == 1)

            // Nothing of Carla is left anywhere: not her id, name, e-mail, card, street or postcode.
            let traces = try await Self.traces(of: w.carla, [w.carla.uuidString, w.carla.uuidString.lowercased(), "Carla", "carla@example.nl", "C0001",
                                                          "Plein 1", "2511 CR"], in: app)
            #expect(traces.isEmpty, "left behind: \(traces)")
            // Her place at the lecture went to the one waiting.
            #expect(try await Registrations(app.db, organisationID: city.id!).registration(waitingGuest.id)?.status == .registered)
            // What stays is pseudonymous: the loans and events, and the payment's amount for the bookkeeping.
            let sql = app.db as! any SQLDatabase
            let events = try await sql.raw("SELECT COUNT(*) AS n FROM circulation_events WHERE member_category = 'volledig'").first()!
                .decode(column: "n", as: Int.self)
            #expect(events >= 4)
            let payment = try await sql.raw("SELECT amount_cents, member_id FROM payments").first()
            #expect(try payment?.decode(column: "amount_cents", as: Int.self) == 300)
            #expect(try payment?.decode(column: "member_id", as: UUID?.self) == nil)
            #expect(try await carla.send(.GET, base).status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anAccountWithNothingOpenGoesAtOnceAndInactiveMembersAfterTheirYears(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            // Anna has nothing open: her request removes her account now; the page says so and signs her out.
            let browser = TestClient(app)
            let form = try await browser.send(.GET, "/city/mijn/inloggen")
            _ = try await browser.send(.POST, "/city/mijn/inloggen", form: ["csrf": try #require(TestClient.csrf(in: form.body.string)), "card": "A0001",
                                                                           "pin": W.pin])
            let privacy = try await browser.send(.GET, "/city/mijn/privacy")
            let csrf = try #require(TestClient.csrf(in: privacy.body.string))
            // Without ticking the box: nothing happens, and the page says so at the box and at the top.
            let unticked = try await browser.send(.POST, "/city/mijn/privacy/opheffen?lang=nl", form: ["csrf": csrf, "lid": w.anna.uuidString])
            #expect(unticked.status == .badRequest)
            #expect(unticked.body.string.contains(##"<li data-field="confirm"><a href="#confirm">"##))
            #expect(unticked.body.string.contains(#"id="confirm-error""#))
            #expect(try await Member.find(w.anna, on: app.db) != nil)
            let closed = try await browser.send(.POST, "/city/mijn/privacy/opheffen", form: ["csrf": csrf, "lid": w.anna.uuidString, "confirm": "on"])
            #expect(closed.status == .ok)
            #expect(closed.body.string.contains("Je account is opgeheven"))
            #expect(try await Member.find(w.anna, on: app.db) == nil)
            // Bram, her youth member, stays (without a guardian).
            #expect(try await Member.find(w.bram, on: app.db)?.guardianID == nil)
            #expect(try await browser.send(.GET, "/city/mijn").status == .seeOther)

            // Retention: a member whose membership ended four years ago, with nothing open, is removed (default three years).
            let sql = app.db as! any SQLDatabase
            let longAgo = LocalDate(Date(), in: BranchCalendar.amsterdam).adding(days: -4 * 366)
            try await sql.raw("UPDATE members SET membership_end = \(bind: longAgo.iso) WHERE id = \(bind: w.bram)").run()
            let city = try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
            #expect(try await Retention(app.db, organisationID: city.id!).run(timeZone: city.zone).membersRemoved == 1)
            #expect(try await Member.find(w.bram, on: app.db) == nil)
            let log = try await Retention(app.db, organisationID: city.id!).log()
            #expect(log.contains { $0.rule == "inactive_members_removed" && $0.count == 1 })
            #expect(log.contains { $0.rule == "erasure" && $0.count == 1 })
        }
    }

    @Test(arguments: TestDatabase.all)
    func everyStaffViewIsLoggedAndThePrivacyOfficerAudits(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let officer = try await AccountAdmin.create(email: "fg@city.test", name: "Fien de Groot", role: .privacyOfficer, organisation: "city",
                                                        branch: nil, password: Fixture.password, app: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.GET, "/api/v1/members/\(w.carla)").status == .ok)
            #expect(try await staff.send(.GET, "/api/v1/members/\(w.carla)", headers: ["X-Bieb-Purpose": "account"]).status == .ok)
            // A search names the words in the body; every member in the answer was seen.
            let found = try list(try await staff.send(.POST, "/api/v1/members/search", object: ["q": "carla bos"]))
            #expect(found.map { $0["name"] as? String } == ["Carla Bos"])
            // The member sees who looked, and why.
            let carla = try await W.signIn(app, card: "C0001")
            let seen = try list(try await carla.send(.GET, "/api/v1/my/accounts/\(w.carla)/views"))
            #expect(seen.count == 3)
            #expect(seen.map { $0["purpose"] as? String } == ["desk", "account", "desk"])
            #expect(seen.allSatisfy { ($0["staff"] as? String)?.isEmpty == false && $0["via"] as? String == "api" })
            // The privacy officer audits: by member or by staff account; staff and volunteers may not.
            let fg = TestClient(app)
            try await fg.signInAPI("fg@city.test", password: Fixture.password)
            #expect(try list(try await fg.send(.GET, "/api/v1/privacy/views?member=\(w.carla)")).count == 3)
            #expect(try list(try await fg.send(.GET, "/api/v1/privacy/views?staff=\(officer.id!)")).isEmpty)
            #expect(try await fg.send(.GET, "/api/v1/privacy/views?member=nonsense").apiError?.field == "member")
            #expect(try await staff.send(.GET, "/api/v1/privacy/views").status == .forbidden)
            // The officer reads the rules but cannot change them, nor lend.
            #expect(try await fg.send(.GET, "/api/v1/privacy/settings").status == .ok)
            #expect(try await fg.send(.PUT, "/api/v1/privacy/settings", object: ["loan_link_days": 5]).status == .forbidden)
            #expect(try await fg.send(.GET, "/api/v1/members/\(w.carla)").status == .forbidden)
            // The staff page for the officer, filtered by card.
            let pages = TestClient(app)
            try await pages.signInPages("fg@city.test", password: Fixture.password)
            let form = try await pages.send(.GET, "/staff/privacy")
            let audit = try await pages.send(.POST, "/staff/privacy", form: ["csrf": try #require(TestClient.csrf(in: form.body.string)), "card": "C0001"])
            // An admin's refused rule (not a number): named next to its field and at the top, what was typed kept.
            let admin = TestClient(app)
            try await admin.signInPages(Fixture.admin, password: Fixture.password)
            let refused = try await admin.send(.POST, "/staff/privacy/settings?lang=nl", form: [
                "csrf": try #require(TestClient.csrf(in: try await admin.send(.GET, "/staff/privacy").body.string)),
                "loan_link_days": "veertien", "inactive_member_years": "3"])
            #expect(refused.status == .badRequest)
            #expect(refused.body.string.contains(#"<li data-field="loan_link_days">"#))
            #expect(refused.body.string.contains(#"id="loan_link_days-error""#))
            #expect(refused.body.string.contains(#"value="veertien""#))
            #expect(audit.status == .ok)
            #expect(audit.body.string.contains("Carla Bos"))
            #expect(audit.body.string.contains("accountvragen"))
        }
    }
}

/// Reading tips: only with consent, never resting on one other member's reading, and once a month by e-mail.
@Suite("Reading tips") struct ReadingTipsTests {
    typealias W = MemberAccountTests

    @Test(arguments: TestDatabase.all)
    func tipsOnlyByConsentAndFromAtLeastTwoOthers(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await W.world(app)
            let org = w.f.network.city
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            let dirk = try await MemberDirectory(app.db, organisationID: org).register(MemberRegistration(
                details: MemberDraft(name: "Dirk Smit", birthDate: "2012-01-01", email: nil, street: "Laan 2", postcode: "2512 AB", city: "Den Haag"),
                homeBranch: w.f.network.central, membershipType: "jeugd", card: "D0001"), today: today)
            let consents = Consents(app.db, organisationID: org)
            for member in [w.anna, w.carla, dirk.id!] {
                try await consents.record(member: member, .loanHistory, granted: true, text: "ja", source: "test")
                try await consents.record(member: member, .recommendations, granted: true, text: "ja", source: "test")
            }
            // Bram keeps a history but did not agree to tips: his reading never counts.
            try await consents.record(member: w.bram, .loanHistory, granted: true, text: "ja", source: "test")
            let circulation = Circulation(app.db, organisationID: org)
            let desk = Circulation.Desk(branch: w.f.network.central, now: Date())
            func borrow(_ member: UUID, _ barcodes: [String]) async throws {
                for barcode in barcodes {
                    _ = try await circulation.checkout(member: member, item: barcode, at: desk)
                    _ = try await circulation.checkin(item: barcode, at: desk)
                }
            }
            try await borrow(w.carla, ["B1C1", "B2C1", "B3C1"])
            try await borrow(dirk.id!, ["B1C1", "B2C1"])
            try await borrow(w.bram, ["B1C1", "B4C1"])
            try await borrow(w.bram, ["B4C2"])
            try await borrow(w.anna, ["B1C2"])
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE titles SET main_author = 'Toon Tellegen' WHERE id IN \(SQLBind.group([w.f.titles["book-1"]!, w.f.titles["book-6"]!]))").run()

            let anna = try await W.signIn(app, card: "A0001")
            let tips = try object(try await anna.send(.GET, "/api/v1/my/accounts/\(w.anna)/recommendations"))
            #expect(tips["enabled"] as? Bool == true)
            let also = try #require(tips["also_borrowed"] as? [[String: Any]])
            // Boek 2 (Carla and Dirk); not Boek 3 (Carla alone), not Boek 4 (Bram did not agree).
            #expect(also.map { $0["title"] as? String } == ["Boek 2"])
            #expect(also.first?["members"] as? Int == 2)
            let new = try #require(tips["new_titles"] as? [[String: Any]])
            #expect(new.first?["title"] as? String == "Boek 6")
            #expect(new.first?["reason"] as? String == "author")
            // The page says the same, in words.
            let browser = TestClient(app)
            let form = try await browser.send(.GET, "/city/mijn/inloggen")
            _ = try await browser.send(.POST, "/city/mijn/inloggen", form: ["csrf": try #require(TestClient.csrf(in: form.body.string)), "card": "A0001",
                                                                           "pin": W.pin])
            let page = try await browser.send(.GET, "/city/mijn/tips")
            #expect(page.body.string.contains("Boek 2"))
            #expect(page.body.string.contains("2 andere leden"))

            // The monthly e-mail: one per month, with the tips; a member without the consent gets none.
            try await sql.raw("UPDATE members SET email = 'anna@example.nl' WHERE id = \(bind: w.anna)").run()
            _ = try await NoticeSchedule.enqueue(organisation: org, today: today, on: app.db)
            _ = try await NoticeSchedule.enqueue(organisation: org, today: today, on: app.db)
            let messages = try await Outbox(app.db).list(organisation: org).filter { $0.kind == .recommendations }
            // Anna and Carla (e-mail and consent); not Dirk (no address) nor Bram (no consent); once, though asked twice.
            #expect(Set(messages.compactMap(\.memberID)) == [w.anna, w.carla])
            let annas = try #require(messages.first { $0.memberID == w.anna })
            let composer = NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
            guard case .send(let mail) = try await composer.compose(annas) else {
                Issue.record("the tips were not composed")
                return
            }
            #expect(mail.subject == "Leestips van de bibliotheek")
            #expect(mail.text.contains("Boek 2"))
            #expect(!mail.subject.contains("Anna"))
            // Switched off: no tips, and a waiting e-mail is skipped.
            try await consents.record(member: w.anna, .recommendations, granted: false, text: "nee", source: "test")
            #expect(try object(try await anna.send(.GET, "/api/v1/my/accounts/\(w.anna)/recommendations"))["enabled"] as? Bool == false)
            guard case .skip = try await composer.compose(annas) else {
                Issue.record("tips went out after the consent was withdrawn")
                return
            }
        }
    }
}
