import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Booking spaces over HTTP: conflict-free under racing requests (also from
/// two app servers), within opening hours at the service level needed,
/// tentative holds that lapse, weekly series all or none, and members
/// booking a study place.
@Suite("Space bookings") struct SpaceBookingTests {
    static let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!

    /// The next Tuesday (at least tomorrow) at a wall-clock time in Amsterdam.
    static func tuesday(_ hour: Int, _ minute: Int = 0, weeks: Int = 0) -> Date {
        var day = LocalDate(Date(), in: amsterdam).adding(days: 1)
        while day.weekday != .tuesday { day = day.adding(days: 1) }
        return LocalClock.instant(of: day.adding(days: 7 * weeks), minute: hour * 60 + minute, in: amsterdam)
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    static func spaceID(_ app: Application, _ name: String) async throws -> UUID {
        try #require(try await Space.query(on: app.db).filter(\.$name == name).first()?.id)
    }

    @Test(arguments: TestDatabase.all)
    func racingRequestsForOneSpaceExactlyOneWins(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let admin = TestClient(app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            // A quiet room with one study place.
            let added = try await admin.send(.POST, "/api/v1/branches/\(f.central)/spaces", object: [
                "kind": "study_area", "name": "Stilteplek", "capacity": 1, "bookable": true])
            #expect(added.status == .created, "\(added.body.string)")
            let quiet = try await Self.spaceID(app, "Stilteplek")
            let hall = try await Self.spaceID(app, "Zaal")
            try await withSecondBieb(like: app) { second in
                let other = TestClient(second)
                try await other.signInAPI(Fixture.admin, password: Fixture.password)
                for (space, starts) in [(quiet, [(13, 0), (13, 30), (14, 0), (13, 0), (13, 45), (14, 15)]),
                                        (hall, [(10, 0), (10, 30), (11, 0), (10, 15), (10, 45), (11, 15)])] {
                    let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                        for (n, (hour, minute)) in starts.enumerated() {
                            let client = n % 2 == 0 ? admin : other
                            let body: [String: Any] = ["starts_at": Self.iso(Self.tuesday(hour, minute)), "ends_at": Self.iso(Self.tuesday(hour + 2, minute)),
                                                       "title": "Aanvraag \(n)"]
                            group.addTask { try await client.send(.POST, "/api/v1/spaces/\(space)/bookings", object: body).status }
                        }
                        return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
                    }
                    // All six overlap one another: one is booked, five hear the space is taken.
                    #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
                    #expect(statuses.filter { $0 == .conflict }.count == 5, "\(statuses)")
                }
            }
            let week = try list(try await admin.send(.GET, "/api/v1/branches/\(f.central)/bookings?from=\(Self.iso(Self.tuesday(0)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"))
            #expect(week.count == 2)
            // Free study places at that moment: the quiet place is taken, the big area untouched.
            let booked = try #require(week.first { $0["space_id"] as? String == quiet.uuidString })
            let at = try #require(booked["starts_at"] as? String)
            let free = try list(try await TestClient(app).send(.GET, "/api/v1/branches/\(f.central)/study-places?at=\(at.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"))
            #expect(free.first { $0["name"] as? String == "Stilteplek" }?["free"] as? Int == 0)
            #expect(free.first { $0["name"] as? String == "Studieplekken" }?["free"] as? Int == 120)
        }
    }

    @Test(arguments: TestDatabase.all)
    func openingHoursServiceLevelsAndTentativeHolds(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let hall = try await Self.spaceID(app, "Zaal")
            let path = "/api/v1/spaces/\(hall)/bookings"
            // The central library: staffed 10–17, self-service 08–22.
            let late = try await staff.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(21)), "ends_at": Self.iso(Self.tuesday(23)),
                                                                  "title": "Nachtlezing"])
            #expect(late.status == .conflict)
            #expect(late.apiError?.code == "branch_closed")
            #expect(late.apiError?.message.contains("22:00") == true)
            let evening: [String: Any] = ["starts_at": Self.iso(Self.tuesday(19)), "ends_at": Self.iso(Self.tuesday(21)), "title": "Debat", "needs_staff": true]
            let unstaffed = try await staff.send(.POST, path, object: evening)
            #expect(unstaffed.apiError?.code == "not_staffed")
            var selfService = evening
            selfService["needs_staff"] = false
            selfService["title"] = "Taalcafé (vrijwilligers)"
            #expect(try await staff.send(.POST, path, object: selfService).status == .created)
            // Bad input names the field; nothing is stored.
            #expect(try await staff.send(.POST, path, object: ["starts_at": "morgen", "ends_at": Self.iso(Self.tuesday(12)), "title": "x"]).apiError?.field
                    == "starts_at")
            #expect(try await staff.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(12)), "ends_at": Self.iso(Self.tuesday(11)), "title": "x"])
                        .apiError?.field == "ends_at")
            #expect(try await staff.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(12)), "ends_at": Self.iso(Self.tuesday(13))]).apiError?.field
                    == "title")
            // A volunteer of another branch may not book here.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(12)), "ends_at": Self.iso(Self.tuesday(13)),
                                                                   "title": "x"]).status == .forbidden)

            // A tentative hold blocks the room until it lapses; then the room is free and the hold cannot be confirmed.
            let held = try object(try await staff.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(11)), "ends_at": Self.iso(Self.tuesday(13)),
                                                                             "title": "Plan: schrijversavond", "tentative": true, "hold_hours": 1]))
            #expect(held["status"] as? String == "tentative")
            let heldID = try #require(held["id"] as? Int)
            #expect(try await staff.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(12)), "ends_at": Self.iso(Self.tuesday(14)),
                                                               "title": "Cursus"]).apiError?.code == "space_taken")
            let city = try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
            let store = SpaceBookings(app.db, organisationID: city.id!, timeZone: city.zone)
            let later = Date().addingTimeInterval(2 * 3600)
            #expect(try await store.expireHolds(now: Date()) == 0)
            _ = try await store.book(space: hall, BookingRequest(range: TimeRange(start: Self.tuesday(12), end: Self.tuesday(14)), title: "Cursus"), now: later)
            do {
                _ = try await store.confirm(heldID, now: later)
                Issue.record("a lapsed hold was confirmed")
            } catch let error as BiebError {
                #expect(error.code == "hold_lapsed")
            }
            #expect(try await store.expireHolds(now: later) == 1)
            // A hold confirmed in time stays.
            let second = try object(try await staff.send(.POST, path, object: ["starts_at": Self.iso(Self.tuesday(15)), "ends_at": Self.iso(Self.tuesday(16)),
                                                                               "title": "Plan", "tentative": true]))
            let confirmed = try object(try await staff.send(.POST, "/api/v1/bookings/\(second["id"] as? Int ?? 0)/confirm"))
            #expect(confirmed["status"] as? String == "confirmed")
            #expect(confirmed["hold_until"] == nil || confirmed["hold_until"] is NSNull)
            #expect(try await staff.send(.DELETE, "/api/v1/bookings/\(second["id"] as? Int ?? 0)").status == .noContent)
            #expect(try await staff.send(.DELETE, "/api/v1/bookings/\(second["id"] as? Int ?? 0)").status == .notFound)
            _ = f
        }
    }

    @Test(arguments: TestDatabase.all)
    func weeklySeriesAllOrNone(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let hall = try await Self.spaceID(app, "Zaal")
            let first = LocalDate(Self.tuesday(12), in: Self.amsterdam)
            let skip = first.adding(days: 14)
            // A language coach and learner, Tuesdays 19:00–20:30 for four weeks, not the third.
            let series = try await staff.send(.POST, "/api/v1/spaces/\(hall)/series", object: [
                "weekdays": ["tuesday"], "starts": "19:00", "duration_minutes": 90, "from": first.iso, "through": first.adding(days: 27).iso,
                "skipped": [skip.iso], "title": "Taalmaatje"])
            #expect(series.status == .created, "\(series.body.string)")
            let bookings = try #require(try object(series)["bookings"] as? [[String: Any]])
            #expect(bookings.count == 3)
            // Each at 19:00 Amsterdam time, whatever the season.
            for booking in bookings {
                let text = try #require(booking["starts_at"] as? String)
                let start = try #require(try? Date(text, strategy: .iso8601))
                #expect(LocalClock.minuteOfDay(of: start, in: Self.amsterdam) == 19 * 60)
            }
            // A second series that meets the first on its second Tuesday: refused naming that date, nothing booked.
            let clash = try await staff.send(.POST, "/api/v1/spaces/\(hall)/series", object: [
                "weekdays": ["tuesday"], "starts": "20:00", "duration_minutes": 60, "from": first.adding(days: 7).iso, "through": first.adding(days: 20).iso,
                "title": "Schaakclub"])
            #expect(clash.status == .conflict)
            #expect(clash.apiError?.code == "space_taken")
            #expect(clash.apiError?.field == "skipped")
            #expect(clash.apiError?.message.contains(first.adding(days: 7).iso) == true)
            let all = try list(try await staff.send(.GET, "/api/v1/spaces/\(hall)/bookings?to=\(Self.iso(Self.tuesday(0, weeks: 5)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"))
            #expect(all.count == 3)
            #expect(try await staff.send(.POST, "/api/v1/spaces/\(hall)/series", object: [
                "weekdays": ["dinsdag"], "starts": "19:00", "duration_minutes": 60, "from": first.iso, "through": first.iso, "title": "x"])
                .apiError?.field == "weekdays")
        }
    }

    @Test(arguments: TestDatabase.all)
    func membersBookAStudyPlace(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            let anna = try await MemberAccountTests.signIn(app, card: "A0001")
            let path = "/api/v1/my/accounts/\(w.anna)/study-places"
            // This afternoon-like slot on a Tuesday, during self-service hours after the staff leave: fine for a study place.
            let slot: [String: Any] = ["branch": "centrale", "starts_at": Self.iso(Self.tuesday(16)), "ends_at": Self.iso(Self.tuesday(19))]
            let booked = try await anna.send(.POST, path, object: slot)
            #expect(booked.status == .created, "\(booked.body.string)")
            #expect(try object(booked)["member_id"] == nil)
            // Not twice at once; not at a branch without study places; not when closed.
            #expect(try await anna.send(.POST, path, object: slot).apiError?.code == "member_double_booked")
            var oost = slot
            oost["branch"] = "oost"
            #expect(try await anna.send(.POST, path, object: oost).apiError?.code == "no_study_places")
            #expect(try await anna.send(.POST, path, object: ["branch": "centrale", "starts_at": Self.iso(Self.tuesday(22)),
                                                               "ends_at": Self.iso(Self.tuesday(23))]).apiError?.code == "branch_closed")
            let mine = try list(try await anna.send(.GET, path))
            #expect(mine.count == 1)
            let id = try #require(mine.first?["id"] as? Int)
            // Carla cannot see or cancel it.
            let carla = try await MemberAccountTests.signIn(app, card: "C0001")
            #expect(try await carla.send(.GET, path).status == .notFound)
            #expect(try await carla.send(.DELETE, "/api/v1/my/accounts/\(w.carla)/study-places/\(id)").status == .notFound)
            #expect(try await anna.send(.DELETE, "\(path)/\(id)").status == .noContent)
            #expect(try list(try await anna.send(.GET, path)).isEmpty)
        }
    }
}
