import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Activities over HTTP: planning on the scheduling core (draft holds a
/// room, publishing books it), registration with and without an account,
/// the waiting list under racing registrations (two app servers, both
/// databases), reminders, check-in and no-shows, guests' data erased after
/// the activity, paid places on the member's fees, and partners'
/// consultation hours with slots two residents race for.
@Suite("Programme") struct ProgrammeTests {
    typealias S = SpaceBookingTests

    static func activity(_ f: Fixture, space: UUID?, title: String = "Debat: de stad van morgen", capacity: Int? = 2,
                         sessions: [(Date, Date)], registration: String = "free", price: Int = 0, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "branch_id": f.central.uuidString, "kind": "debate", "title": title, "description": "Met wethouder, bewoners; en een \"gast\".",
            "themes": ["urban_issues", "sustainability"], "audiences": ["adults"], "core_function": "meeting_debate",
            "registration": registration, "price_cents": price, "needs_staff": true,
            "sessions": sessions.map { ["starts_at": S.iso($0.0), "ends_at": S.iso($0.1)] },
        ]
        if let space { body["space_id"] = space.uuidString }
        if let capacity { body["capacity"] = capacity }
        body.merge(extra) { _, new in new }
        return body
    }

    static func org(_ app: Application) async throws -> Organisation {
        try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
    }

    @Test(arguments: TestDatabase.all)
    func draftHoldsTheRoomPublishingBooksItCancellingFreesIt(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let hall = try await S.spaceID(app, "Zaal")
            // What the hall offers, for planning; shown on the branch's page.
            let patched = try object(try await staff.send(.PATCH, "/api/v1/branches/\(f.central)/spaces/\(hall)", object: ["facilities": ["beamer", "ringleiding"]]))
            #expect(patched["facilities"] as? [String] == ["beamer", "ringleiding"])
            #expect(try await staff.send(.PATCH, "/api/v1/branches/\(f.central)/spaces/\(hall)", object: ["facilities": ["a, b"]]).apiError?.field == "facilities")
            #expect(try await TestClient(app).send(.GET, "/city/centrale").body.string.contains("<small>beamer, ringleiding</small>"))
            // Outside staffed hours a staff-run activity is refused, naming the time; nothing stored.
            let late = try await staff.send(.POST, "/api/v1/activities", object: Self.activity(f, space: hall, sessions: [(S.tuesday(19), S.tuesday(21))]))
            #expect(late.apiError?.code == "not_staffed")
            #expect(late.apiError?.field == "sessions")
            // Bad input names the field.
            var bad = Self.activity(f, space: hall, sessions: [(S.tuesday(14), S.tuesday(16))])
            bad["themes"] = ["astrology"]
            #expect(try await staff.send(.POST, "/api/v1/activities", object: bad).apiError?.field == "themes")
            bad = Self.activity(f, space: hall, sessions: [(S.tuesday(14), S.tuesday(16)), (S.tuesday(15), S.tuesday(17))])
            #expect(try await staff.send(.POST, "/api/v1/activities", object: bad).apiError?.field == "sessions[1].starts_at")
            #expect(try await app.db.query(Space.self).count() == 2)
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM activities").first()!.decode(column: "n", as: Int.self) == 0)

            let draft = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(f, space: hall, sessions: [(S.tuesday(14), S.tuesday(16))])))
            let id = try #require(draft["id"] as? String)
            #expect(draft["status"] as? String == "draft")
            let org = try await Self.org(app)
            // The draft holds the room tentatively: a clashing booking is refused, the public does not see the draft.
            let bookings = SpaceBookings(app.db, organisationID: org.id!, timeZone: org.zone)
            let held = try await bookings.bookings(space: hall, in: TimeRange(start: S.tuesday(0), end: S.tuesday(23)))
            #expect(held.map(\.status) == [.tentative])
            #expect(try await staff.send(.POST, "/api/v1/spaces/\(hall)/bookings", object: [
                "starts_at": S.iso(S.tuesday(15)), "ends_at": S.iso(S.tuesday(17)), "title": "Cursus"]).apiError?.code == "space_taken")
            #expect(try await TestClient(app).send(.GET, "/api/v1/organisations/city/activities/\(id)").status == .notFound)
            #expect(try await TestClient(app).send(.POST, "/api/v1/organisations/city/activities/\(id)/registrations",
                                                   object: ["name": "Gijs", "email": "gijs@example.nl"]).status == .notFound)
            // Publishing confirms the booking; it is on the agenda.
            let published = try object(try await staff.send(.POST, "/api/v1/activities/\(id)/publish"))
            #expect(published["status"] as? String == "published")
            #expect(try await bookings.bookings(space: hall, in: TimeRange(start: S.tuesday(0), end: S.tuesday(23))).map(\.status) == [.confirmed])
            let agenda = try list(try await TestClient(app).send(.GET, "/api/v1/organisations/city/agenda?theme=urban_issues"))
            #expect(agenda.map { $0["id"] as? String } == [id])
            #expect(try list(try await TestClient(app).send(.GET, "/api/v1/organisations/city/agenda?theme=health")).isEmpty)
            #expect(try list(try await TestClient(app).send(.GET, "/api/v1/organisations/city/agenda?audience=children")).isEmpty)
            #expect(try await TestClient(app).send(.GET, "/api/v1/organisations/city/agenda?audience=aliens").apiError?.field == "audience")
            // A registered guest hears it when the activity is called off; the room is free again.
            let guest = try object(try await TestClient(app).send(.POST, "/api/v1/organisations/city/activities/\(id)/registrations",
                                                                  object: ["name": "Gijs Gast", "email": "gijs@example.nl"]))
            #expect(guest["status"] as? String == "registered")
            _ = try await staff.send(.POST, "/api/v1/activities/\(id)/cancel")
            #expect(try await bookings.bookings(space: hall, in: TimeRange(start: S.tuesday(0), end: S.tuesday(23))).isEmpty)
            let messages = try await Outbox(app.db).list(organisation: org.id!)
            #expect(messages.filter { $0.kind == .activityCancelled }.count == 1)
            // The volunteer of another branch may not plan here; a partner only what they co-organise.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.POST, "/api/v1/activities", object: Self.activity(f, space: nil, sessions: [(S.tuesday(14), S.tuesday(16))])).status
                    == .forbidden)
        }
    }

    /// Confirms guests' registrations as they would, by the key in their
    /// mail (read from the confirmation message's registration); returns each answer by id.
    static func confirmGuests(_ app: Application, _ ids: [Int]) async throws -> [Int: [String: Any]] {
        let org = try await Self.org(app)
        let mails = try await Outbox(app.db).list(organisation: org.id!).filter { $0.kind == .activityConfirm }
        var answers: [Int: [String: Any]] = [:]
        for id in ids {
            #expect(mails.contains { $0.reference == "registration:\(id)" }, "a confirmation mail for \(id)")
            let token = try #require(try await Registrations(app.db, organisationID: org.id!).registration(id)?.token)
            let answer = try await TestClient(app).send(.POST, "/api/v1/organisations/city/registrations/\(token)/confirm")
            #expect(answer.status == .ok)
            answers[id] = try object(answer)
            #expect(answers[id]?["confirmed"] as? Bool == true)
        }
        return answers
    }

    @Test(arguments: TestDatabase.all)
    func racingRegistrationsWaitingListAndPromotion(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let created = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(
                f, space: nil, capacity: 1, sessions: [(S.tuesday(14), S.tuesday(16))])))
            let id = try #require(created["id"] as? String)
            _ = try await staff.send(.POST, "/api/v1/activities/\(id)/publish")
            let path = "/api/v1/organisations/city/activities/\(id)/registrations"
            // Six people race for the one place from two app servers: one gets it, five wait in order.
            let bodies = try await withSecondBieb(like: app) { second in
                try await withThrowingTaskGroup(of: String.self) { group in
                    for n in 0..<6 {
                        let client = TestClient(n % 2 == 0 ? app : second)
                        client.headers.replaceOrAdd(name: .xForwardedFor, value: "192.0.2.\(n + 1)")
                        group.addTask { try await client.send(.POST, path, object: ["name": "Gast \(n)", "email": "gast\(n)@example.nl"]).body.string }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
            }
            let outcomes = try bodies.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(outcomes.filter { $0["status"] as? String == "registered" }.count == 1)
            #expect(outcomes.filter { $0["status"] as? String == "waiting" }.count == 5)
            // Guests confirm by the link in their mail (the answer holds no key; only the mail does).
            #expect(outcomes.allSatisfy { $0["confirmed"] as? Bool == false && $0["cancel_url"] == nil })
            let confirmed = try await Self.confirmGuests(app, outcomes.compactMap { $0["id"] as? Int })
            // The same address again: refused, nothing stored.
            let again = try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.20"], object: ["name": "Gast 0", "email": "GAST0@example.nl"])
            #expect(again.apiError?.code == "already_registered")
            #expect(try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.21"],
                                                   object: ["name": "X", "email": "geen-adres"]).apiError?.field == "email")
            #expect(try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "192.0.2.22"],
                                                   object: ["email": "x@example.nl"]).apiError?.field == "name")
            let publicView = try object(try await TestClient(app).send(.GET, "/api/v1/organisations/city/activities/\(id)"))
            #expect(publicView["places_left"] as? Int == 0)
            #expect(publicView["waiting"] as? Int == 5)

            // The one with the place cancels through their link: the first on the waiting list moves up and hears it.
            let winner = try #require(outcomes.first { $0["status"] as? String == "registered" })
            let cancelURL = try #require(confirmed[winner["id"] as! Int]?["cancel_url"] as? String)
            let token = String(cancelURL.split(separator: "/").last!)
            #expect(try await TestClient(app).send(.DELETE, "/api/v1/organisations/city/registrations/\(token)").status == .noContent)
            #expect(try await TestClient(app).send(.DELETE, "/api/v1/organisations/city/registrations/\(token)").status == .noContent)
            let door = try list(try await staff.send(.GET, "/api/v1/activities/\(id)/registrations"))
            let firstWaiting = try #require(outcomes.filter { $0["status"] as? String == "waiting" }.min { ($0["id"] as! Int) < ($1["id"] as! Int) })
            #expect(door.first?["id"] as? Int == firstWaiting["id"] as? Int)
            #expect(door.first?["status"] as? String == "registered")
            #expect(door.filter { $0["status"] as? String == "waiting" }.count == 4)
            let org = try await Self.org(app)
            let promoted = try await Outbox(app.db).list(organisation: org.id!).filter { $0.kind == .activityPromoted }
            #expect(promoted.map(\.reference) == ["registration:\(firstWaiting["id"] as! Int)"])
            // More places move the next ones up.
            var body = Self.activity(f, space: nil, capacity: 3, sessions: [(S.tuesday(14), S.tuesday(16))])
            body["title"] = "Debat: de stad van morgen (grotere zaal)"
            let bigger = try object(try await staff.send(.PUT, "/api/v1/activities/\(id)", object: body))
            #expect(bigger["registered"] as? Int == 3)
            #expect(bigger["waiting"] as? Int == 2)
            // The message composed for a guest: to their address, with the cancellation link.
            let composer = NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
            let message = try #require(try await Outbox(app.db).list(organisation: org.id!).first {
                $0.kind == .activityPromoted && $0.reference == "registration:\(firstWaiting["id"] as! Int)" })
            guard case .send(let mail) = try await composer.compose(message) else {
                Issue.record("no promotion message composed")
                return
            }
            let promotedName = try #require(door.first?["name"] as? String)
            #expect(mail.to.email == promotedName.replacingOccurrences(of: "Gast ", with: "gast") + "@example.nl")
            #expect(mail.text.contains("Beste \(promotedName)"))
            // The subject does not name the activity (lock screens); the text does.
            #expect(mail.subject == "Er is een plaats voor je vrijgekomen")
            #expect(mail.text.contains("Debat: de stad van morgen"))
            #expect(mail.text.contains("https://bieb.example/city/afmelden/"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func courseRemindersCheckInNoShowsAndGuestDataErased(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let f = w.f.network
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let hall = try await S.spaceID(app, "Zaal")
            // A course of two sessions, a week apart.
            let created = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(
                f, space: hall, title: "Cursus digitale overheid", capacity: 10,
                sessions: [(S.tuesday(14), S.tuesday(16)), (S.tuesday(14, weeks: 1), S.tuesday(16, weeks: 1))],
                extra: ["kind": "course", "themes": ["basic_skills_digital"]])))
            let id = try #require(created["id"] as? String)
            _ = try await staff.send(.POST, "/api/v1/activities/\(id)/publish")
            // Carla registers with her account (one registration for both sessions); a guest without.
            let carla = try await MemberAccountTests.signIn(app, card: "C0001")
            let mine = try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/registrations", object: ["activity_id": id])
            #expect(mine.status == .created)
            let listed = try list(try await carla.send(.GET, "/api/v1/my/accounts/\(w.carla)/registrations"))
            #expect(listed.count == 1)
            // Another member's registrations are not hers to see.
            #expect(try await carla.send(.GET, "/api/v1/my/accounts/\(w.anna)/registrations").status == .notFound)
            let guest = try object(try await TestClient(app).send(.POST, "/api/v1/organisations/city/activities/\(id)/registrations",
                                                                  object: ["name": "Gijs Gast", "email": "gijs.gast@example.nl", "language": "en"]))
            _ = try await Self.confirmGuests(app, [try #require(guest["id"] as? Int)])
            let org = try await Self.org(app)
            let registrations = Registrations(app.db, organisationID: org.id!)
            // Reminders: a day before each session, once.
            let session = try #require((created["sessions"] as? [[String: Any]])?.compactMap { $0["id"] as? Int })
            #expect(try await registrations.enqueueReminders(now: S.tuesday(14).addingTimeInterval(-12 * 3600)) == 2)
            #expect(try await registrations.enqueueReminders(now: S.tuesday(14).addingTimeInterval(-11 * 3600)) == 0)
            let reminders = try await Outbox(app.db).list(organisation: org.id!).filter { $0.kind == .activityReminder }
            #expect(Set(reminders.map(\.reference)).count == 2)
            let composer = NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
            let guestReminder = try #require(reminders.first { $0.memberID == nil })
            guard case .send(let mail) = try await composer.compose(guestReminder, now: S.tuesday(14).addingTimeInterval(-12 * 3600)) else {
                Issue.record("no reminder for the guest")
                return
            }
            #expect(mail.to.email == "gijs.gast@example.nl")
            #expect(mail.text.contains("Dear Gijs Gast"))
            #expect(mail.text.contains("Cursus digitale overheid"))
            #expect(mail.text.contains("Zaal, Centrale Bibliotheek"))
            // Check-in at the first session: Carla by her card, the guest not (a no-show); a volunteer of another branch may not.
            let checked = try await staff.send(.POST, "/api/v1/activities/\(id)/sessions/\(session[0])/check-in", object: ["card": "c0001"])
            #expect(checked.status == .ok, "\(checked.body.string)")
            #expect(try await staff.send(.POST, "/api/v1/activities/\(id)/sessions/\(session[0])/check-in", object: ["card": "A0001"]).apiError?.code
                    == "not_registered")
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.POST, "/api/v1/activities/\(id)/sessions/\(session[0])/check-in", object: ["card": "C0001"]).status == .forbidden)
            let attendance = try await registrations.attendance(activity: UUID(uuidString: id)!, now: S.tuesday(17))
            #expect(attendance.map(\.attended) == [1, 0])
            #expect(attendance.map(\.noShows) == [1, nil])
            // The door list: names and the card, as CSV too.
            let csv = try await staff.send(.GET, "/api/v1/activities/\(id)/registrations?format=csv")
            #expect(csv.body.string.contains("\"Carla Bos\",\"C0001\",1,registered,1/2"))
            #expect(csv.body.string.contains("\"Gijs Gast\""))
            // Once the course is over, the guest's name and address are gone everywhere (the counts stay); Carla's registration stays hers.
            #expect(try await registrations.eraseGuestData(now: S.tuesday(15, weeks: 1)) == 0)
            #expect(try await registrations.eraseGuestData(now: S.tuesday(17, weeks: 1)) == 1)
            let traces = try await PrivacyTests.traces(of: UUID(), ["gijs.gast@example.nl", "Gijs Gast"], in: app)
            #expect(traces.isEmpty, "\(traces)")
            #expect(guest["id"] as? Int != nil)
            let after = try await registrations.registrations(activity: UUID(uuidString: id)!)
            #expect(after.count == 2)
            #expect(after.first { $0.memberID == nil }?.guestEmail == nil)
            #expect(after.first { $0.memberID == w.carla } != nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func paidPlacesGoOnTheFeesAndAreCreditedBack(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let f = w.f.network
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let created = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(
                f, space: nil, title: "Workshop zeefdruk", capacity: 8, sessions: [(S.tuesday(14), S.tuesday(16))], registration: "paid", price: 750,
                extra: ["kind": "workshop"])))
            let id = try #require(created["id"] as? String)
            _ = try await staff.send(.POST, "/api/v1/activities/\(id)/publish")
            // A guest cannot take a paid place.
            #expect(try await TestClient(app).send(.POST, "/api/v1/organisations/city/activities/\(id)/registrations",
                                                   object: ["name": "G", "email": "g@example.nl"]).apiError?.code == "account_required")
            let carla = try await MemberAccountTests.signIn(app, card: "C0001")
            let before = try #require(try await Member.find(w.carla, on: app.db)).balanceCents
            let registration = try object(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/registrations", object: ["activity_id": id, "places": 2]))
            #expect(try #require(try await Member.find(w.carla, on: app.db)).balanceCents == before + 1500)
            let fees = try object(try await carla.send(.GET, "/api/v1/my/accounts/\(w.carla)/fees"))
            #expect(String(describing: fees).contains("Workshop zeefdruk"))
            #expect(try await carla.send(.DELETE, "/api/v1/my/accounts/\(w.carla)/registrations/\(registration["id"] as! Int)").status == .noContent)
            #expect(try #require(try await Member.find(w.carla, on: app.db)).balanceCents == before)
        }
    }

    @Test(arguments: TestDatabase.all)
    func partnerPublishesConsultationHoursAndResidentsRaceForASlot(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let partner = TestClient(app)
            try await partner.signInAPI(Fixture.partner, password: Fixture.password)
            // Every Tuesday 10:00–12:00 for three weeks, slots of 20 minutes, at the central library (which houses the partner).
            var day = LocalDate(Date(), in: S.amsterdam).adding(days: 1)
            while day.weekday != .tuesday { day = day.adding(days: 1) }
            let weekly: [String: Any] = ["weekdays": ["tuesday"], "starts": "10:00", "duration_minutes": 120, "from": day.iso,
                                         "through": day.adding(days: 14).iso]
            let publishing = try await partner.send(.POST, "/api/v1/consultation-hours", object: [
                "branch_id": f.central.uuidString, "title": "Digi-spreekuur", "slot_minutes": 20, "weekly": weekly])
            #expect(publishing.status == .created, "\(publishing.body.string)")
            let published = try list(publishing)
            #expect(published.count == 3)
            #expect((published.first?["free_slots"] as? [Any])?.count == 6)
            // Not in a branch that does not house the partner; not for another partner.
            #expect(try await partner.send(.POST, "/api/v1/consultation-hours", object: [
                "branch_id": f.district.uuidString, "title": "Digi-spreekuur", "slot_minutes": 20, "weekly": weekly]).status == .forbidden)
            // Outside opening hours: refused naming the time.
            #expect(try await partner.send(.POST, "/api/v1/consultation-hours", object: [
                "branch_id": f.central.uuidString, "title": "Avond", "starts_at": S.iso(S.tuesday(22)), "ends_at": S.iso(S.tuesday(23))]).apiError?.code
                    == "branch_closed")
            let hour = try #require(published.first?["id"] as? String)
            let slot = try #require((published.first?["free_slots"] as? [String])?.first)
            // Two residents race for the first slot from two app servers: one gets it.
            let statuses = try await withSecondBieb(like: app) { second in
                try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for n in 0..<4 {
                        let client = TestClient(n % 2 == 0 ? app : second)
                        group.addTask {
                            try await client.send(.POST, "/api/v1/organisations/city/consultation-hours/\(hour)/appointments", object: [
                                "slot": slot, "name": "Bewoner \(n)", "email": "bewoner\(n)@example.nl", "question": "DigiD aanvragen"]).status
                        }
                    }
                    return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
                }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 3, "\(statuses)")
            // One appointment per person per hour.
            let winnerEmail = try #require(try await ConsultationHours(app.db, organisationID: f.city, timeZone: S.amsterdam)
                .appointments(hour: UUID(uuidString: hour)!).first?.email)
            let second = try #require((published.first?["free_slots"] as? [String])?.last)
            #expect(try await TestClient(app).send(.POST, "/api/v1/organisations/city/consultation-hours/\(hour)/appointments", object: [
                "slot": second, "name": "Nogmaals", "email": winnerEmail.uppercased()]).apiError?.code == "already_booked")
            // The partner sees the question; the public sees one slot fewer.
            let appointments = try list(try await partner.send(.GET, "/api/v1/consultation-hours/\(hour)/appointments"))
            #expect(appointments.first?["question"] as? String == "DigiD aanvragen")
            let hours = try list(try await TestClient(app).send(.GET, "/api/v1/organisations/city/consultation-hours?branch=\(f.central)"))
            #expect((hours.first { $0["id"] as? String == hour }?["free_slots"] as? [Any])?.count == 5)
            // A walk-in hour has no slots to book.
            let walkIn = try list(try await partner.send(.POST, "/api/v1/consultation-hours", object: [
                "branch_id": f.central.uuidString, "title": "Inloop", "starts_at": S.iso(S.tuesday(13)), "ends_at": S.iso(S.tuesday(14))]))
            #expect(walkIn.first?["walk_in"] as? Bool == true)
            // The branch's page shows the week's consultation hours with its opening hours.
            let branchPage = try await TestClient(app).send(.GET, "/city/centrale")
            #expect(branchPage.body.string.contains("Inloop</a> (Digihulp Stad)"))
            #expect(try await TestClient(app).send(.POST, "/api/v1/organisations/city/consultation-hours/\(walkIn.first!["id"] as! String)/appointments",
                                                   object: ["slot": S.iso(S.tuesday(13)), "name": "B", "email": "b@example.nl"]).apiError?.code == "walk_in")
            // On the pages: the partner sees the appointment and its question; residents see the hours with free slots.
            let partnerPages = TestClient(app)
            try await partnerPages.signInPages(Fixture.partner, password: Fixture.password)
            let ownHours = try await partnerPages.send(.GET, "/staff/spreekuren")
            #expect(ownHours.body.string.contains("DigiD aanvragen"))
            // Publishing hours that end before they start: the form again, naming the field, everything as typed.
            let refusedHours = try await partnerPages.send(.POST, "/staff/spreekuren", form: [
                "csrf": try #require(TestClient.csrf(in: ownHours.body.string)), "branch_id": f.central.uuidString, "title": "Belastingspreekuur",
                "description": "Hulp bij de aangifte", "from": "2031-03-04", "starts": "15:00", "ends": "14:00", "weeks": "6", "slot_minutes": "30"])
            #expect(refusedHours.status == .badRequest)
            let hoursPage = refusedHours.body.string
            #expect(TestClient.errorSummary(in: hoursPage).contains("UU:MM"))
            #expect(hoursPage.contains(##"<a href="#ends">"##) && hoursPage.contains(#"<span class="field-error" id="ends-error">"#))
            for kept in [#"value="Belastingspreekuur""#, ">Hulp bij de aangifte</textarea>", #"value="2031-03-04""#, #"value="15:00""#,
                         #"max="26" value="6""#, #"max="240" value="30""#, "<option value=\"\(f.central.uuidString)\" selected>"] {
                #expect(hoursPage.contains(kept), "kept: \(kept)")
            }
            #expect(try await partnerPages.send(.GET, "/staff/programma").status == .ok)
            let publicHours = try await TestClient(app).send(.GET, "/city/spreekuren")
            #expect(publicHours.body.string.contains("Digi-spreekuur"))
            let slotPage = try await TestClient(app).send(.GET, "/city/spreekuren/\(hour)")
            #expect(slotPage.body.string.contains("name=\"slot\""))
            // A booking with a bad address: the page again with the error at the top and under the field, all typed kept.
            let slots = slotPage.body.string.matches(of: /name="slot" id="slot-\d+" value="([^"]+)"/).map { String($0.output.1) }
            let laterSlot = try #require(slots.dropFirst().first)
            let rejected = try await TestClient(app).send(.POST, "/city/spreekuren/\(hour)", form: [
                "slot": laterSlot, "name": "Piet Gast", "email": "piet@example", "question": "Over mijn DigiD"])
            #expect(rejected.status == .badRequest)
            let page = rejected.body.string
            #expect(page.contains(##"<a href="#email">&#39;piet@example&#39; is geen e-mailadres.</a>"##))
            #expect(page.contains(#"<span class="field-error" id="email-error">"#))
            #expect(page.contains(#"value="Piet Gast""#) && page.contains(">Over mijn DigiD</textarea>"))
            #expect(page.contains(#"value="\#(laterSlot)" checked>"#))
            // The partner cancels an hour: whoever had an appointment hears it.
            let third = try #require(published.last?["id"] as? String)
            let thirdSlot = try #require((published.last?["free_slots"] as? [String])?.first)
            _ = try await TestClient(app).send(.POST, "/api/v1/organisations/city/consultation-hours/\(third)/appointments", object: [
                "slot": thirdSlot, "name": "Bewoner", "email": "later@example.nl"])
            #expect(try await partner.send(.DELETE, "/api/v1/consultation-hours/\(third)").status == .noContent)
            let cancelledNotice = try #require(try await Outbox(app.db).list(organisation: f.city).first { $0.kind == .appointmentCancelled })
            guard case .send(let cancelMail) = try await NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
                .compose(cancelledNotice) else {
                Issue.record("no cancellation message")
                return
            }
            #expect(cancelMail.to.email == "later@example.nl")
            #expect(cancelMail.subject == "Je afspraak op het spreekuur gaat niet door")
            // Staff of the library may see them too; the question is erased after the hour.
            let org = try await Self.org(app)
            let store = ConsultationHours(app.db, organisationID: org.id!, timeZone: org.zone)
            #expect(try await store.eraseAfterwards(now: S.tuesday(13)) == 1)
            let traces = try await PrivacyTests.traces(of: UUID(), ["DigiD aanvragen"], in: app)
            #expect(traces.isEmpty, "\(traces)")
        }
    }

    @Test(arguments: TestDatabase.all)
    func communitiesAreFollowedAndListTheirMeetings(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let f = w.f.network
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let club = try object(try await staff.send(.POST, "/api/v1/communities", object: [
                "name": "Leesclub Oost", "description": "Eens per maand een boek.", "contact": "leesclub@example.nl", "branch_id": f.central.uuidString]))
            let clubID = try #require(club["id"] as? String)
            #expect(try await staff.send(.POST, "/api/v1/communities", object: ["name": ""]).apiError?.field == "name")
            let meeting = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(
                f, space: nil, title: "Leesclub: De Avond is Ongemak", capacity: nil, sessions: [(S.tuesday(14), S.tuesday(16))],
                registration: "none", extra: ["community_id": clubID, "kind": "reading_aloud"])))
            _ = try await staff.send(.POST, "/api/v1/activities/\(meeting["id"] as! String)/publish")
            let carla = try await MemberAccountTests.signIn(app, card: "C0001")
            #expect(try await carla.send(.PUT, "/api/v1/my/accounts/\(w.carla)/communities/\(clubID)").status == .noContent)
            #expect(try await carla.send(.PUT, "/api/v1/my/accounts/\(w.carla)/communities/\(clubID)").status == .noContent)
            let shown = try object(try await TestClient(app).send(.GET, "/api/v1/organisations/city/communities/\(clubID)"))
            #expect(shown["followers"] as? Int == 1)
            #expect((shown["meetings"] as? [[String: Any]])?.first?["title"] as? String == "Leesclub: De Avond is Ongemak")
            #expect(try list(try await carla.send(.GET, "/api/v1/my/accounts/\(w.carla)/communities")).count == 1)
            // A walk-in meeting takes no registrations.
            #expect(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/registrations", object: ["activity_id": meeting["id"] as! String])
                        .apiError?.code == "no_registration")
            #expect(try await carla.send(.DELETE, "/api/v1/my/accounts/\(w.carla)/communities/\(clubID)").status == .noContent)
            #expect(try list(try await carla.send(.GET, "/api/v1/my/accounts/\(w.carla)/communities")).isEmpty)
        }
    }

    /// Parses iCalendar text with the Python `icalendar` package (Debian's
    /// python3-icalendar, which `.ci/run` installs): the events as JSON.
    /// Nil when that parser is not installed and `BIEB_ICAL_PARSER` is unset.
    static func parseWithICalendar(_ text: String) throws -> [[String: String]]? {
        let python = ProcessInfo.processInfo.environment["BIEB_ICAL_PARSER"] ?? "/usr/bin/python3"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bieb-\(UUID().uuidString).ics")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import json, sys
            import icalendar
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            out = []
            for e in cal.walk('VEVENT'):
                out.append({k: (e.get(k).dt.isoformat() if hasattr(e.get(k), 'dt') else str(e.get(k)))
                            for k in ['UID', 'SUMMARY', 'DESCRIPTION', 'LOCATION', 'DTSTART', 'DTEND', 'STATUS', 'URL'] if e.get(k) is not None})
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, file.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        guard FileManager.default.isExecutableFile(atPath: python) else {
            if ProcessInfo.processInfo.environment["BIEB_ICAL_PARSER"] != nil { throw TestError("no Python at \(python)") }
            return nil
        }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            if problem.contains("No module named 'icalendar'") && ProcessInfo.processInfo.environment["BIEB_ICAL_PARSER"] == nil { return nil }
            throw TestError("icalendar could not parse the feed: \(problem)")
        }
        return try JSONSerialization.jsonObject(with: data) as? [[String: String]]
    }

    @Test(arguments: TestDatabase.all)
    func agendaPagesRegistrationWithoutAccountJSONLDAndCalendarFeeds(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let f = w.f.network
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let hall = try await S.spaceID(app, "Zaal")
            let description = "Wie bepaalt hoe de stad groeit; bewoners, wethouder, of de markt?\n\nEen avond over wonen, groen en de buurt — met café-gesprek na afloop. "
                + String(repeating: "Iedereen is welkom, ook zonder voorkennis. ", count: 4)
            let created = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(
                f, space: hall, title: "Debat: wie bouwt de stad?", capacity: 2, sessions: [(S.tuesday(14), S.tuesday(16))],
                extra: ["description": description])))
            let id = try #require(created["id"] as? String)
            _ = try await staff.send(.POST, "/api/v1/activities/\(id)/publish")
            // A course of three weekly sessions: the agenda shows the first and counts the rest right.
            let week: TimeInterval = 7 * 86_400
            let course = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(
                f, space: hall, title: "Cursus: klik en tik", capacity: 8,
                sessions: (1...3).map { (S.tuesday(10).addingTimeInterval(Double($0) * week), S.tuesday(12).addingTimeInterval(Double($0) * week)) },
                extra: ["themes": ["sustainability"], "kind": "course"])))
            _ = try await staff.send(.POST, "/api/v1/activities/\(try #require(course["id"] as? String))/publish")
            let courseList = try await TestClient(app).send(.GET, "/city/agenda").body.string
            #expect(courseList.contains("(en nog 2 keer; 3 keer in totaal)"))
            #expect(try await TestClient(app).send(.GET, "/city/agenda?lang=en").body.string.contains("(and 2 more times; 3 in all)"))

            // The agenda, filtered without JavaScript, in Dutch and English.
            let visitor = TestClient(app)
            let agenda = try await visitor.send(.GET, "/city/agenda?thema=urban_issues")
            #expect(agenda.status == .ok)
            #expect(agenda.body.string.contains("Debat: wie bouwt de stad?"))
            #expect(agenda.body.string.contains("Nog 2 plaatsen"))
            #expect(!(try await visitor.send(.GET, "/city/agenda?thema=health")).body.string.contains("wie bouwt de stad"))
            #expect(try await TestClient(app).send(.GET, "/city/agenda?lang=en").body.string.contains("2 places left"))
            // The activity's page: JSON-LD Event with capacity and offer; a registration form with labels.
            let page = try await visitor.send(.GET, "/city/agenda/\(id)")
            let html = page.body.string
            #expect(page.status == .ok, "\(html.prefix(600))")
            let json = try #require(html.components(separatedBy: "<script type=\"application/ld+json\">").dropFirst().first?.components(separatedBy: "</script>").first)
            let event = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(event["@type"] as? String == "Event")
            #expect(event["name"] as? String == "Debat: wie bouwt de stad?")
            #expect(event["remainingAttendeeCapacity"] as? Int == 2)
            #expect((event["offers"] as? [String: Any])?["price"] as? String == "0.00")
            #expect(((event["location"] as? [String: Any])?["address"] as? [String: Any])?["postalCode"] as? String == "2511 BT")
            #expect(html.contains("<label for=\"email\">"))
            // Reading the agenda stores nothing for a visitor: no session, no cookie.
            #expect(page.headers[.setCookie].isEmpty)
            #expect(agenda.headers[.setCookie].isEmpty)
            // Registering without an account: name and e-mail; the page behind the link shows it and cancels it by a form.
            let posted = try await visitor.send(.POST, "/city/agenda/\(id)/aanmelden", form: ["name": "Gijs Gast", "email": "gijs@example.nl", "places": "1"])
            #expect(posted.status == .seeOther)
            // It is provisional: the page says to confirm by the mail, and only the mail holds the link.
            #expect(posted.headers.first(name: .location) == "/city/agenda/\(id)")
            #expect(try await visitor.send(.GET, "/city/agenda/\(id)").body.string.contains("We hebben je een e-mail gestuurd"))
            let org = try await Self.org(app)
            let confirmMail = try #require(try await Outbox(app.db).list(organisation: org.id!).first { $0.kind == .activityConfirm })
            let composer = NoticeComposer(db: app.db, baseURL: "https://bieb.example", from: "noreply@bieb.example")
            guard case .send(let mail) = try await composer.compose(confirmMail) else {
                Issue.record("no confirmation mail composed")
                return
            }
            #expect(mail.to.email == "gijs@example.nl")
            #expect(mail.subject == "Bevestig je aanmelding bij de bibliotheek")
            let link = try #require(mail.text.components(separatedBy: .whitespacesAndNewlines).first { $0.hasPrefix("https://bieb.example/city/aanmelding/") })
            let location = String(link.dropFirst("https://bieb.example".count))
            let provisional = try await visitor.send(.GET, location)
            #expect(provisional.body.string.contains("Voorlopig"))
            #expect(provisional.body.string.contains("\(location)/bevestigen"))
            _ = try await visitor.send(.POST, location + "/bevestigen", form: [:])
            let mine = try await visitor.send(.GET, location)
            #expect(mine.body.string.contains("<strong>Aangemeld</strong>"))
            #expect(!mine.body.string.contains("Voorlopig"))
            // A bad address: the page again (nothing stored), the error in a summary at the top in the error colour
            // linking to the field and next to the field itself, and everything typed kept.
            func registrations() async throws -> Int {
                try await app.db.sql.raw("SELECT COUNT(*) AS n FROM registrations").first()!.decode(column: "n", as: Int.self)
            }
            let registered = try await registrations()
            let bad = try await visitor.send(.POST, "/city/agenda/\(id)/aanmelden", form: ["name": "Piet Gast", "email": "piet@example", "places": "2"])
            #expect(bad.status == .badRequest)
            let again = bad.body.string
            #expect(again.contains(#"<div class="error-summary" id="fout" role="alert" tabindex="-1">"#))
            #expect(again.contains(##"<a href="#email">&#39;piet@example&#39; is geen e-mailadres.</a>"##))
            #expect(again.contains(#"value="piet@example" aria-invalid="true" aria-describedby="email-error"><span class="field-error" id="email-error">&#39;piet@example&#39; is geen e-mailadres.</span>"#))
            #expect(again.contains(#"value="Piet Gast""#))
            #expect(again.contains(#"name="places" type="number" min="1" max="10" value="2""#))
            #expect(again.contains(##"action="/city/agenda/\##(id)/aanmelden#fout""##))
            #expect(!again.contains(#"class="flash""#))
            #expect(try await registrations() == registered)
            let cancelPage = location.replacingOccurrences(of: "/aanmelding/", with: "/afmelden/")
            _ = try await visitor.send(.POST, cancelPage, form: [:])
            #expect(try await visitor.send(.GET, cancelPage).body.string.contains("Afgemeld"))

            // The feed: RFC 5545 text (CRLF, lines of at most 75 octets) that a standard parser reads back.
            let feed = try await visitor.send(.GET, "/city/agenda.ics?theme=urban_issues")
            #expect(feed.headers.contentType?.subType == "calendar")
            let text = feed.body.string
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
            #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
            #expect(text.contains("DTSTART:\(ICalendar.utc(S.tuesday(14)))"))
            if let events = try Self.parseWithICalendar(text) {
                #expect(events.count == 1)
                #expect(events.first?["SUMMARY"] == "Debat: wie bouwt de stad?")
                #expect(events.first?["DESCRIPTION"] == description.trimmed)
                #expect(events.first?["LOCATION"] == "Zaal, Centrale Bibliotheek")
                let start = try #require(events.first?["DTSTART"])
                #expect(try Date(start, strategy: .iso8601) == S.tuesday(14))
            }
            #expect(!(try await visitor.send(.GET, "/city/agenda.ics?theme=health")).body.string.contains("BEGIN:VEVENT"))
            // A signed-in member registers through the same form, which then needs its token (another site cannot register them).
            let member = TestClient(app)
            let login = try await member.send(.GET, "/city/mijn/inloggen")
            _ = try await member.send(.POST, "/city/mijn/inloggen", form: [
                "csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "A0001", "pin": MemberAccountTests.pin])
            #expect(try await member.send(.POST, "/city/agenda/\(id)/aanmelden", form: ["places": "1"]).status == .forbidden)
            let signedInPage = try await member.send(.GET, "/city/agenda/\(id)")
            #expect(signedInPage.body.string.contains("Anna de Vries"))
            let own = try await member.send(.POST, "/city/agenda/\(id)/aanmelden", form: [
                "csrf": try #require(TestClient.csrf(in: signedInPage.body.string)), "places": "1"])
            #expect(own.headers.first(name: .location)?.hasPrefix("/city/afmelden/") == true)
            // The personal feed: a secret address from the member's account, with their registrations.
            let carla = try await MemberAccountTests.signIn(app, card: "C0001")
            _ = try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/registrations", object: ["activity_id": id])
            let address = try #require(try object(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/calendar-feed"))["url"] as? String)
            let path = try #require(URL(string: address)?.path)
            let personal = try await visitor.send(.GET, path)
            #expect(personal.body.string.contains("SUMMARY:Debat: wie bouwt de stad?"))
            if let events = try Self.parseWithICalendar(personal.body.string) { #expect(events.count == 1) }
            _ = try await carla.send(.DELETE, "/api/v1/my/accounts/\(w.carla)/calendar-feed")
            #expect(try await visitor.send(.GET, path).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func staffPlanOnThePagesCheckInAtTheDoorSeeTheWeekAndMembersBookAStudyPlace(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let f = w.f.network
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)
            let form = try await staff.send(.GET, "/staff/programma")
            #expect(form.status == .ok)
            let csrf = try #require(TestClient.csrf(in: form.body.string))
            let hall = try await S.spaceID(app, "Zaal")
            // The rooms are grouped by their branch, so the room list follows the branch without JavaScript.
            #expect(form.body.string.contains(#"<optgroup label="Centrale Bibliotheek"><option value="\#(hall)">"#))
            // The branch is the staff member's own until they choose another.
            try await app.db.sql.raw("UPDATE staff_users SET branch_id = \(bind: f.district) WHERE email = \(bind: Fixture.staff)").run()
            #expect(try await staff.send(.GET, "/staff/programma").body.string.contains("<option value=\"\(f.district.uuidString)\" selected>"))
            try await app.db.sql.raw("UPDATE staff_users SET branch_id = NULL WHERE email = \(bind: Fixture.staff)").run()
            let tuesday = LocalDate(S.tuesday(14), in: S.amsterdam)
            var fields = ["csrf": csrf, "title": "Lezing over water", "kind": "lecture", "branch_id": f.central.uuidString, "space_id": hall.uuidString,
                          "date": tuesday.iso, "starts": "14:00", "ends": "12:00", "weeks": "2", "registration": "free", "capacity": "10",
                          "needs_staff": "1", "themes[]": "sustainability"]
            // The library's own lists: a theme, a series, an external venue and a community, on a staff page.
            #expect(try await staff.send(.GET, "/staff/programma/lijsten").status == .ok)
            let badTheme = try await staff.send(.POST, "/staff/programma/lijsten/theme", form: ["csrf": csrf, "code": "Digitale Inclusie", "name_nl": "x"])
            // Refused: the page again, the error at the theme form's code (not the kind form's), what was typed kept there only.
            #expect(badTheme.status == .badRequest)
            let badThemePage = badTheme.body.string
            #expect(badThemePage.contains(##"<a href="#theme_code">"##) && badThemePage.contains(#"<span class="field-error" id="theme_code-error">"#))
            #expect(badThemePage.contains(#"id="theme_code" name="code" required pattern="[a-z0-9_]{2,40}" value="Digitale Inclusie""#))
            #expect(badThemePage.contains(#"id="kind_code" name="code" required pattern="[a-z0-9_]{2,40}" value="""#))
            #expect(badThemePage.contains(##"action="/staff/programma/lijsten/theme#fout""##))
            for (what, form) in [("theme", ["code": "digitale_inclusie", "name_nl": "Digitale inclusie", "name_en": "Digital inclusion"]),
                                 ("series", ["title": "Stadsgesprekken"]), ("venue", ["name": "Buurthuis De Mussen", "address": "De Mussenstraat 1"]),
                                 ("community", ["name": "Leesclub Noord", "contact": "leesclub@example.nl"]),
                                 ("guests", ["places_per_registration": "4", "confirm_hours": "12"])] {
                let saved = try await staff.send(.POST, "/staff/programma/lijsten/\(what)", form: form.merging(["csrf": csrf]) { $1 })
                #expect(saved.headers.first(name: .location) == "/staff/programma/lijsten?done=programme_list_saved", "\(what)")
            }
            // The rules for guests, on the same page.
            let rulesPage = try await staff.send(.GET, "/staff/programma/lijsten").body.string
            #expect(rulesPage.contains("name=\"places_per_registration\" type=\"number\" min=\"1\" max=\"10\" required value=\"4\""))
            #expect(try await Registrations(app.db, organisationID: try await Self.org(app).id!).guestRules() == GuestRules(placesPerRegistration: 4, confirmHours: 12))
            let lists = try await staff.send(.GET, "/staff/programma").body.string
            #expect(lists.contains("Digitale inclusie") && lists.contains("Stadsgesprekken") && lists.contains("Buurthuis De Mussen") && lists.contains("Leesclub Noord"))
            #expect(try await TestClient(app).send(.GET, "/city/agenda").body.string.contains("<option value=\"digitale_inclusie\">Digitale inclusie</option>"))
            // An end before the start: the form again, naming the field, with everything as typed; nothing stored.
            let bad = try await staff.send(.POST, "/staff/programma", form: fields)
            #expect(bad.status == .badRequest)
            let badPage = bad.body.string
            // The field is named as the form labels it, not by its API name ("Veld sessions[0].ends_at: …").
            let summary = TestClient.errorSummary(in: badPage)
            #expect(!summary.contains("ends_at") && !summary.contains("starts_at") && !summary.contains("Veld "))
            #expect(summary.contains("Eindtijd: "), "\(summary)")
            #expect(badPage.contains(##"action="/staff/programma#fout""##))
            for kept in [#"id="title" name="title" required maxlength="200" value="Lezing over water""#, #"name="starts" type="time" required value="14:00""#,
                         #"name="ends" type="time" required value="12:00""#, #"name="weeks" type="number" min="1" max="52" value="2""#,
                         #"name="capacity" type="number" min="1" size="5" value="10""#, #"value="sustainability" checked>"#,
                         #"<option value="lecture" selected>"#, "<option value=\"\(hall.uuidString)\" selected>",
                         "<option value=\"\(f.central.uuidString)\" selected>", #"name="needs_staff" value="1" checked>"#] {
                #expect(badPage.contains(kept), "kept: \(kept)")
            }
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM activities").first()!.decode(column: "n", as: Int.self) == 0)
            fields["ends"] = "16:00"
            let planned = try await staff.send(.POST, "/staff/programma", form: fields)
            let location = try #require(planned.headers.first(name: .location))
            #expect(location.hasSuffix("?done=activity_planned"))
            let path = String(location.split(separator: "?")[0])
            let draftPage = try await staff.send(.GET, path)
            #expect(draftPage.body.string.contains("concept"))
            _ = try await staff.send(.POST, path + "/publiceren", form: ["csrf": csrf])
            let id = String(path.split(separator: "/").last!)
            // A member registers; at the door staff scan her card for the first session.
            let carla = try await MemberAccountTests.signIn(app, card: "C0001")
            #expect(try await carla.send(.POST, "/api/v1/my/accounts/\(w.carla)/registrations", object: ["activity_id": id]).status == .created)
            let door = try await staff.send(.GET, path)
            #expect(door.body.string.contains("Carla Bos"))
            let org = try await Self.org(app)
            let first = try #require(try await Programme(app.db, organisationID: org.id!, timeZone: org.zone).listing(UUID(uuidString: id)!)?.sessions.first)
            let scanned = try await staff.send(.POST, path + "/inchecken", form: ["csrf": csrf, "session": String(first.id), "card": "C0001"])
            #expect(scanned.headers.first(name: .location)?.hasSuffix("?done=checked_in") == true)
            #expect(try await staff.send(.GET, path).body.string.contains("✓"))
            let unknown = try await staff.send(.POST, path + "/inchecken", form: ["csrf": csrf, "session": String(first.id), "card": "A0001"])
            // Refused: the page again, the reason next to that session's card field and in the summary.
            #expect(unknown.status.code >= 400 && unknown.status.code < 500)
            #expect(unknown.body.string.contains(##"<li data-field="card"><a href="#card_\##(first.id)">"##))
            #expect(unknown.body.string.contains(#"id="card_\#(first.id)-error""#))
            let csv = try await staff.send(.GET, path + "/deurlijst.csv")
            #expect(csv.body.string.contains("\"Carla Bos\",\"C0001\",1,registered,1/2"))
            // A volunteer sees the programme of their own branch only (nothing planned there), not the central library's.
            let volunteer = TestClient(app)
            try await volunteer.signInPages(Fixture.volunteer, password: Fixture.password)
            let theirs = try await volunteer.send(.GET, "/staff/programma")
            #expect(theirs.status == .ok)
            #expect(!theirs.body.string.contains("Lezing over water"))
            #expect(try await volunteer.send(.GET, path).status == .forbidden)
            // The week of the central library's spaces shows the lecture in the hall.
            let week = try await staff.send(.GET, "/staff/branches/\(f.central)/week?van=\(tuesday.iso)")
            #expect(week.status == .ok)
            #expect(week.body.string.contains("14:00–16:00</strong> Lezing over water"))
            // Planning from the week: the form comes with that room and day chosen.
            let planHere = "/staff/programma?ruimte=\(hall)&amp;datum=\(tuesday.iso)#plannen"
            #expect(week.body.string.contains(planHere))
            let prefilled = try await staff.send(.GET, "/staff/programma?ruimte=\(hall)&datum=\(tuesday.iso)").body.string
            #expect(prefilled.contains("<option value=\"\(hall)\" selected>"))
            #expect(prefilled.contains("value=\"\(tuesday.iso)\""))
            // A member's pages: her activities (with the calendar address) and a study place for this afternoon.
            let browser = TestClient(app)
            let login = try await browser.send(.GET, "/city/mijn/inloggen")
            _ = try await browser.send(.POST, "/city/mijn/inloggen", form: [
                "csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "C0001", "pin": MemberAccountTests.pin])
            let mine = try await browser.send(.GET, "/city/mijn/activiteiten")
            #expect(mine.body.string.contains("Lezing over water"))
            let token = try #require(TestClient.csrf(in: mine.body.string))
            _ = try await browser.send(.POST, "/city/mijn/activiteiten/agenda-adres", form: ["csrf": token])
            #expect(try await browser.send(.GET, "/city/mijn/activiteiten").body.string.contains("/city/agenda/mijn/"))
            let study = try await browser.send(.GET, "/city/mijn/studieplekken")
            #expect(study.body.string.contains("120 / 120"))
            let booked = try await browser.send(.POST, "/city/mijn/studieplekken", form: [
                "csrf": token, "branch": "centrale", "date": tuesday.iso, "from": "13:00", "until": "17:00"])
            #expect(booked.status == .seeOther)
            #expect(try await browser.send(.GET, "/city/mijn/studieplekken").body.string.contains("13:00–17:00"))
            #expect(try await SpaceBookings(app.db, organisationID: org.id!, timeZone: org.zone).bookings(member: w.carla, in: TimeRange(
                start: S.tuesday(0), end: S.tuesday(23))).count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func weeklyHoursKeepTheirClockTimeAcrossDaylightSavingAndALapsedDraftIsBookedAgain(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let partner = TestClient(app)
            try await partner.signInAPI(Fixture.partner, password: Fixture.password)
            // Tuesdays at 10:00 around the start of summer time (Sunday 28 March 2027): 09:00 UTC, then 08:00 UTC.
            let hours = try list(try await partner.send(.POST, "/api/v1/consultation-hours", object: [
                "branch_id": f.central.uuidString, "title": "Digi-spreekuur", "slot_minutes": 30,
                "weekly": ["weekdays": ["tuesday"], "starts": "10:00", "duration_minutes": 60, "from": "2027-03-23", "through": "2027-04-06"]]))
            #expect(hours.compactMap { $0["starts_at"] as? String } == ["2027-03-23T09:00:00Z", "2027-03-30T08:00:00Z", "2027-04-06T08:00:00Z"])
            #expect((hours.last?["free_slots"] as? [String]) == ["2027-04-06T08:00:00Z", "2027-04-06T08:30:00Z"])

            // A draft's hold on the hall lapses; someone else books the hall; publishing then says so, and works once it is free again.
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let hall = try await S.spaceID(app, "Zaal")
            let session = (S.tuesday(14, weeks: 2), S.tuesday(16, weeks: 2))
            let draft = try object(try await staff.send(.POST, "/api/v1/activities", object: Self.activity(f, space: hall, sessions: [session])))
            let id = try #require(UUID(uuidString: draft["id"] as? String ?? ""))
            let org = try await Self.org(app)
            let programme = Programme(app.db, organisationID: org.id!, timeZone: org.zone)
            let bookings = SpaceBookings(app.db, organisationID: org.id!, timeZone: org.zone)
            let later = Date().addingTimeInterval(Double(SpaceBookings.defaultHoldHours + 1) * 3600)
            let other = try await bookings.book(space: hall, BookingRequest(range: TimeRange(start: session.0, end: session.1), title: "Vergadering"), now: later)
            do {
                _ = try await programme.publish(id, staff: nil, now: later)
                Issue.record("published over another booking")
            } catch let error as BiebError {
                #expect(error.code == "space_taken")
            }
            #expect(try await programme.listing(id)?.activity.status == .draft)
            try await bookings.cancel(other.id)
            let published = try await programme.publish(id, staff: nil, now: later)
            #expect(published.activity.status == .published)
            let booking = try #require(published.sessions.first?.bookingID)
            #expect(try await bookings.booking(booking)?.status == .confirmed)
        }
    }
}

/// Issue 17: the JSON API and the staff page's plan form decode an activity
/// once (`ActivityFields`), so they accept and refuse the same things and
/// name the same field — before, the form dropped an unknown audience that
/// the API refused, and replaced a partner's list where the API added to it.
@Suite("Programme: one decoding for API and form") struct ActivityInputAgreementTests {
    typealias S = SpaceBookingTests

    @Test(arguments: TestDatabase.all)
    func theAPIAndThePlanFormAcceptAndRefuseTheSame(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            let csrf = try #require(TestClient.csrf(in: try await pages.send(.GET, "/staff/programma").body.string))
            let tuesday = LocalDate(S.tuesday(14), in: S.amsterdam)
            let form: [String: String] = ["csrf": csrf, "title": "Lezing", "kind": "lecture", "branch_id": f.central.uuidString, "date": tuesday.iso,
                                          "starts": "14:00", "ends": "16:00", "weeks": "1", "registration": "free", "capacity": "10",
                                          "needs_staff": "1", "themes[]": "sustainability", "audiences[]": "adults"]
            let body = ProgrammeTests.activity(f, space: nil, title: "Lezing", capacity: 10, sessions: [(S.tuesday(14), S.tuesday(16))])
            // What each path gets, and the field both must name (nil: accepted).
            let cases: [(name: String, api: [String: Any], form: [String: String], field: String?)] = [
                ("good", [:], [:], nil),
                ("unknown audience", ["audiences": ["aliens"]], ["audiences[]": "aliens"], "audiences"),
                ("a space that is no id", ["space_id": "zaal"], ["space_id": "zaal"], "space_id"),
                ("unknown registration", ["registration": "misschien"], ["registration": "misschien"], "registration"),
                ("a partner that is no id", ["partner_ids": ["digihulp"]], ["partner_ids[]": "digihulp"], "partner_ids"),
                ("no branch", ["branch_id": ""], ["branch_id": ""], "branch_id"),
                ("a community that is no id", ["community_id": "leesclub"], ["community_id": "leesclub"], "community_id"),
            ]
            for c in cases {
                let answer = try await api.send(.POST, "/api/v1/activities", object: body.merging(c.api) { $1 })
                let posted = try await pages.send(.POST, "/staff/programma", form: form.merging(c.form) { $1 })
                if let field = c.field {
                    #expect(answer.status == .badRequest, "\(c.name)")
                    #expect(answer.apiError?.field == field, "\(c.name): the API named \(answer.apiError?.field ?? "nothing")")
                    // The form is shown again (400), its summary naming the same field.
                    #expect(posted.status == .badRequest, "\(c.name)")
                    let named = posted.body.string.components(separatedBy: #"data-field=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
                    #expect(named == field, "\(c.name): the form named \(named ?? "nothing")")
                    // People read the words, not the input's name.
                    let refusal = TestClient.errorSummary(in: posted.body.string)
                    #expect(!refusal.isEmpty && !refusal.contains(field), "\(c.name): the form said \(refusal)")
                } else {
                    #expect(answer.status == .created, "\(c.name)")
                    let location = try #require(posted.headers.first(name: .location), "\(c.name)")
                    #expect(location.hasPrefix("/staff/programma/"), "\(c.name)")
                }
            }
            // A partner contact plans on either path: their own organisation is among the partners, added to the list.
            let partnerAPI = TestClient(app)
            try await partnerAPI.signInAPI(Fixture.partner, password: Fixture.password)
            let byAPI = try object(try await partnerAPI.send(.POST, "/api/v1/activities", object: body.merging(["needs_staff": false]) { $1 }))
            #expect(byAPI["partner_ids"] as? [String] == [f.partnerOrg.uuidString])
            let partnerPages = TestClient(app)
            try await partnerPages.signInPages(Fixture.partner, password: Fixture.password)
            let partnerCSRF = try #require(TestClient.csrf(in: try await partnerPages.send(.GET, "/staff/programma").body.string))
            var partnerForm = form.merging(["csrf": partnerCSRF]) { $1 }
            partnerForm["needs_staff"] = nil
            let planned = try await partnerPages.send(.POST, "/staff/programma", form: partnerForm)
            #expect(planned.status == .seeOther, "\(TestClient.errorSummary(in: planned.body.string))")
            let plannedAt = try #require(planned.headers.first(name: .location))
            let id = try #require(plannedAt.split(separator: "?").first?.split(separator: "/").last.map(String.init))
            let plan = try object(try await api.send(.GET, "/api/v1/activities/\(id)/plan"))
            #expect(plan["partner_ids"] as? [String] == [f.partnerOrg.uuidString])
        }
    }
}
