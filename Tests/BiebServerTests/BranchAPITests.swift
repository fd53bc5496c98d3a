import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct BranchAPITests {
    @Test(arguments: TestDatabase.all)
    func listsBranchesWithStatusAtAnInstant(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            // Tuesday 24 November 2026 12:00 in Amsterdam.
            let response = try await client.send(.GET, "/api/v1/organisations/city/branches?open_at=2026-11-24T12:00:00%2B01:00")
            #expect(response.status == .ok)
            let branches = try list(response)
            #expect(branches.map { $0["slug"] as? String } == ["centrale", "oost", "buurt"])
            let central = branches[0]
            let status = try #require(central["status"] as? [String: Any])
            #expect(status["level"] as? String == "staffed")
            #expect(status["text"] as? String == "Nu open, bemand tot 17:00, selfservice tot 22:00")
            #expect(status["until"] as? String == "2026-11-24T21:00:00Z")
            #expect((status["segments"] as? [[String: Any]])?.count == 2)
            let facilities = try #require(central["facilities"] as? [String: Int])
            #expect(facilities["study_places"] == 120)
            #expect(facilities["rooms"] == 1)
            // The neighbourhood library opens at 14:00 that day.
            let buurt = try #require(branches[2]["status"] as? [String: Any])
            #expect(buurt["text"] as? String == "Gesloten, opent vandaag om 14:00 (bemand)")

            // In English, and only the open ones, at 19:00.
            let evening = try await client.send(.GET, "/api/v1/organisations/city/branches?open_at=2026-11-24T19:00:00%2B01:00&open=true",
                                                headers: ["Accept-Language": "en"])
            let open = try list(evening)
            #expect(open.count == 1)
            #expect((open[0]["status"] as? [String: Any])?["text"] as? String == "Open now, self-service until 22:00")
        }
    }

    @Test(arguments: TestDatabase.all)
    func statusOpeningDaysAndFirstOpeningDay(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            let status = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.district)/status?at=2026-11-23T12:00:00Z"))
            #expect(status["open"] as? Bool == false)
            let next = try #require(status["next_opening"] as? [String: Any])
            #expect(next["from"] as? String == "2026-11-24T09:00:00Z")
            #expect(status["text"] as? String == "Gesloten, opent morgen om 10:00 (bemand)")

            let days = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.district)/opening-days?from=2026-11-23&to=2026-11-29"))
            #expect(days["days"] as? [String] == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"])
            let selfService = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.central)/opening-days?from=2026-11-23&to=2026-11-29&level=staffed"))
            #expect((selfService["days"] as? [String])?.count == 6)

            let first = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.district)/first-opening-day?on_or_after=2026-11-28"))
            #expect(first["date"] as? String == "2026-12-01")

            // Bad input names the parameter.
            let bad = try await client.send(.GET, "/api/v1/branches/\(fixture.district)/opening-days?from=2026-11-23&to=2026-02-30")
            #expect(bad.status == .badRequest)
            #expect(bad.apiError?.field == "to")
            let backwards = try await client.send(.GET, "/api/v1/branches/\(fixture.district)/opening-days?from=2026-11-23&to=2026-11-01")
            #expect(backwards.apiError?.field == "to")
            let badLevel = try await client.send(.GET, "/api/v1/branches/\(fixture.district)/opening-days?from=2026-11-23&to=2026-11-24&level=closed")
            #expect(badLevel.apiError?.field == "level")
            let badAt = try await client.send(.GET, "/api/v1/branches/\(fixture.district)/status?at=tomorrow")
            #expect(badAt.status == .badRequest)
            #expect(badAt.apiError?.field == "at")
            let badID = try await client.send(.GET, "/api/v1/branches/not-a-uuid/status")
            #expect(badID.status == .badRequest)
            #expect(badID.apiError?.field == "branchID")
            let unknown = try await client.send(.GET, "/api/v1/branches/\(UUID())/status")
            #expect(unknown.status == .notFound)
            #expect(unknown.apiError?.code == "branch_not_found")
        }
    }

    @Test(arguments: TestDatabase.all)
    func replacingOpeningHoursValidatesEverything(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            let path = "/api/v1/branches/\(fixture.district)/opening-hours"
            let body: [String: Any] = ["schedules": [[
                "name": "Nieuw",
                "periods": [
                    ["weekday": "monday", "opens": "09:00", "closes": "12:30", "level": "staffed"],
                    ["weekday": "monday", "opens": "08:00", "closes": "23:00", "level": "self_service"],
                ],
            ]]]
            // Without a token: 401 and nothing changes.
            let anonymous = try await client.send(.PUT, path, object: body)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers.first(name: .wwwAuthenticate)?.hasPrefix("Bearer") == true)

            try await client.signInAPI(Fixture.staff, password: Fixture.password)
            var broken = body
            broken["schedules"] = [["periods": [
                ["weekday": "monday", "opens": "09:00", "closes": "12:30", "level": "staffed"],
                ["weekday": "monday", "opens": "25:00", "closes": "23:00", "level": "self_service"],
            ]]]
            let rejected = try await client.send(.PUT, path, object: broken)
            #expect(rejected.status == .badRequest)
            #expect(rejected.apiError?.field == "schedules[0].periods[1].opens")
            let wrongDay = try await client.send(.PUT, path, object: ["schedules": [["periods": [["weekday": "maandag", "opens": "09:00", "closes": "12:00", "level": "staffed"]]]]])
            #expect(wrongDay.apiError?.field == "schedules[0].periods[0].weekday")
            let missing = try await client.send(.PUT, path, object: ["schedules": [["periods": [["weekday": "monday", "closes": "12:00", "level": "staffed"]]]]])
            #expect(missing.status == .badRequest)
            #expect(missing.apiError?.code == "missing_field")
            #expect(missing.apiError?.field == "schedules[0].periods[0].opens")
            let notJSON = try await client.send(.PUT, path, body: "{schedules: ")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.apiError?.code == "invalid_json")
            // Still the fixture's hours.
            let unchanged = try object(try await client.send(.GET, path))
            let periods = (unchanged["schedules"] as? [[String: Any]])?.first?["periods"] as? [[String: Any]]
            #expect(periods?.count == 4)

            let saved = try await client.send(.PUT, path, object: body)
            #expect(saved.status == .ok)
            let hours = try object(saved)
            let perWeek = try #require(hours["hours_per_week"] as? [String: Double])
            #expect(perWeek["staffed"] == 3.5)
            #expect(perWeek["self_service"] == 11.5)
            let status = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.district)/status?at=2026-11-23T20:00:00Z"))
            #expect(status["level"] as? String == "self_service")
        }
    }

    @Test(arguments: TestDatabase.all)
    func exceptionsAndHolidays(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInAPI(Fixture.staff, password: Fixture.password)
            let base = "/api/v1/branches/\(fixture.central)"
            let created = try await client.send(.POST, "\(base)/exceptions", object: [
                "start_date": "2031-06-10", "reason": "Personeelsdag",
            ])
            #expect(created.status == .created)
            let exception = try object(created)
            #expect(exception["closed"] as? Bool == true)
            let id = try #require(exception["id"] as? String)
            let closedDay = try object(try await client.send(.GET, "\(base)/status?at=2031-06-10T10:00:00Z"))
            #expect(closedDay["open"] as? Bool == false)

            let updated = try await client.send(.PUT, "\(base)/exceptions/\(id)", object: [
                "start_date": "2031-06-10", "reason": "Korte dag",
                "periods": [["opens": "10:00", "closes": "13:00", "level": "staffed"]],
            ])
            #expect(updated.status == .ok)
            #expect(try object(updated)["closed"] as? Bool == false)
            let shortDay = try object(try await client.send(.GET, "\(base)/status?at=2031-06-10T09:00:00Z"))
            #expect(shortDay["text"] as? String == "Nu open, bemand tot 13:00")

            let bad = try await client.send(.POST, "\(base)/exceptions", object: ["start_date": "2031-06-12", "end_date": "2031-06-11", "reason": "x"])
            #expect(bad.status == .badRequest)
            #expect(bad.apiError?.field == "end_date")
            let noReason = try await client.send(.POST, "\(base)/exceptions", object: ["start_date": "2031-06-12", "reason": " "])
            #expect(noReason.apiError?.field == "reason")

            let holidays = try await client.send(.POST, "\(base)/holidays?year=2031")
            #expect(holidays.status == .created)
            let result = try object(holidays)
            let added = try #require(result["added"] as? [[String: Any]])
            #expect(added.contains { $0["reason"] as? String == "Eerste Kerstdag" })
            let again = try object(try await client.send(.POST, "\(base)/holidays?year=2031"))
            #expect((again["added"] as? [Any])?.isEmpty == true)
            #expect((again["skipped"] as? [String])?.count == added.count)

            let listed = try list(try await client.send(.GET, "\(base)/exceptions?from=2031-01-01"))
            #expect(listed.count == added.count + 1)
            let deleted = try await client.send(.DELETE, "\(base)/exceptions/\(id)")
            #expect(deleted.status == .noContent)
            let gone = try await client.send(.DELETE, "\(base)/exceptions/\(id)")
            #expect(gone.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func createAndChangeBranches(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInAPI(Fixture.admin, password: Fixture.password)
            let created = try await client.send(.POST, "/api/v1/branches", object: [
                "name": "Biebpunt Haven", "kind": "outreach_point",
                "address": ["street": "Havenkade 1", "postcode": "2583bt", "city": "Den Haag"],
                "location": ["latitude": 52.1, "longitude": 4.27],
            ])
            #expect(created.status == .created)
            let branch = try object(created)
            #expect(branch["slug"] as? String == "biebpunt-haven")
            #expect((branch["address"] as? [String: Any])?["postcode"] as? String == "2583 BT")
            #expect(created.headers.first(name: .location) == "/api/v1/branches/\(branch["id"] as! String)")

            let duplicate = try await client.send(.POST, "/api/v1/branches", object: ["name": "Biebpunt Haven", "kind": "outreach_point"])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.apiError?.field == "slug")
            let badKind = try await client.send(.POST, "/api/v1/branches", object: ["name": "X", "kind": "castle"])
            #expect(badKind.apiError?.field == "kind")
            let badPostcode = try await client.send(.PATCH, "/api/v1/branches/\(fixture.district)", object: ["address": ["postcode": "ABCD 12"]])
            #expect(badPostcode.status == .badRequest)
            #expect(badPostcode.apiError?.field == "postcode")
            #expect(badPostcode.apiError?.code == "invalid_postcode")
            let stored = try await Branch.find(fixture.district, on: app.db)
            #expect(stored?.postcode == "2511 BT")

            let patched = try object(try await client.send(.PATCH, "/api/v1/branches/\(fixture.district)", object: [
                "name": "Bibliotheek Oost (vernieuwd)", "self_service": ["minimum_age": 18],
            ]))
            #expect(patched["name"] as? String == "Bibliotheek Oost (vernieuwd)")
            #expect((patched["self_service"] as? [String: Any])?["minimum_age"] as? Int == 18)
            #expect((patched["self_service"] as? [String: Any])?["minimum_membership_days"] as? Int == 90)

            // Spaces.
            let space = try await client.send(.POST, "/api/v1/branches/\(fixture.district)/spaces", object: [
                "kind": "study_area", "name": "Stilteruimte", "capacity": 24, "bookable": true,
            ])
            #expect(space.status == .created)
            let spaceID = try #require(try object(space)["id"] as? String)
            let tooBig = try await client.send(.PATCH, "/api/v1/branches/\(fixture.district)/spaces/\(spaceID)", object: ["capacity": 0])
            #expect(tooBig.apiError?.field == "capacity")
            let spaces = try list(try await client.send(.GET, "/api/v1/branches/\(fixture.district)/spaces"))
            #expect(spaces.count == 1)
            let facilities = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.district)"))["facilities"] as? [String: Int]
            #expect(facilities?["study_places"] == 24)
            #expect(try await client.send(.DELETE, "/api/v1/branches/\(fixture.district)/spaces/\(spaceID)").status == .noContent)
        }
    }

    @Test(arguments: TestDatabase.all)
    func organisationsAndRolesAreEnforced(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            // The town's admin cannot touch the city's branches: they do not exist for them.
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            let foreign = try await town.send(.PATCH, "/api/v1/branches/\(fixture.central)", object: ["name": "Overgenomen"])
            #expect(foreign.status == .notFound)
            let foreignHours = try await town.send(.POST, "/api/v1/branches/\(fixture.central)/exceptions",
                                                   object: ["start_date": "2031-01-02", "reason": "x"])
            #expect(foreignHours.status == .notFound)
            #expect(try await Branch.find(fixture.central, on: app.db)?.name == "Centrale Bibliotheek")

            // A volunteer may add exceptions at their own branch only, and nothing else.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            let own = try await volunteer.send(.POST, "/api/v1/branches/\(fixture.neighbourhood)/exceptions",
                                               object: ["start_date": "2031-01-02", "reason": "Vrijwilligersuitje"])
            #expect(own.status == .created)
            let other = try await volunteer.send(.POST, "/api/v1/branches/\(fixture.central)/exceptions",
                                                 object: ["start_date": "2031-01-02", "reason": "x"])
            #expect(other.status == .forbidden)
            #expect(other.apiError?.code == "forbidden")
            let schedule = try await volunteer.send(.PUT, "/api/v1/branches/\(fixture.neighbourhood)/opening-hours", object: ["schedules": []])
            #expect(schedule.status == .forbidden)
            let rename = try await volunteer.send(.PATCH, "/api/v1/branches/\(fixture.neighbourhood)", object: ["name": "x"])
            #expect(rename.status == .forbidden)

            // A partner contact may not create branches.
            let partner = TestClient(app)
            try await partner.signInAPI(Fixture.partner, password: Fixture.password)
            let create = try await partner.send(.POST, "/api/v1/branches", object: ["name": "X", "kind": "district"])
            #expect(create.status == .forbidden)
            #expect(try await Branch.query(on: app.db).count() == 4)
        }
    }
}
