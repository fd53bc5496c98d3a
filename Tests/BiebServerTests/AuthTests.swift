import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct AuthAPITests {
    @Test(arguments: TestDatabase.all)
    func tokensSignInAndOut(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            let wrong = try await client.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.admin, "password": "nope nope nope"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.apiError?.code == "invalid_credentials")
            let unknown = try await client.send(.POST, "/api/v1/auth/token", object: ["email": "nobody@city.test", "password": "nope nope nope"])
            #expect(unknown.apiError?.code == "invalid_credentials")

            let token = try await client.signInAPI("ADMIN@city.test", password: Fixture.password)
            #expect(token.hasPrefix("bieb_"))
            // Only the hash is stored.
            #expect(try await APIToken.query(on: app.db).filter(\.$tokenHash == token).count() == 0)
            let me = try object(try await client.send(.GET, "/api/v1/me"))
            #expect(me["email"] as? String == Fixture.admin)
            #expect(me["role"] as? String == "admin")
            #expect(me["organisation"] as? String == "city")

            #expect(try await client.send(.DELETE, "/api/v1/auth/token").status == .noContent)
            let after = try await client.send(.GET, "/api/v1/me")
            #expect(after.status == .unauthorized)
            #expect(after.apiError?.code == "invalid_token")
        }
    }

    @Test(arguments: TestDatabase.all)
    func repeatedFailuresAreSlowedDown(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            for _ in 0..<(ThrottleCounter.accountFromAddress.freeAttempts - 1) {
                let response = try await client.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": "guess guess guess"])
                #expect(response.status == .unauthorized)
            }
            let locking = try await client.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": "guess guess guess"])
            #expect(locking.status == .tooManyRequests)
            // Even the right password waits now.
            let locked = try await client.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": Fixture.password])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.apiError?.code == "too_many_attempts")
            let retry = try #require(locked.headers.first(name: .retryAfter).flatMap(Int.init))
            #expect(retry > 0 && retry <= 15)
        }
    }

    @Test(arguments: TestDatabase.all)
    func deactivatedAccountsLoseTheirTokens(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let admin = TestClient(app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            let users = try list(try await admin.send(.GET, "/api/v1/users"))
            let staffID = try #require(users.first { $0["email"] as? String == Fixture.staff }?["id"] as? String)
            let patched = try await admin.send(.PATCH, "/api/v1/users/\(staffID)", object: ["active": false])
            #expect(patched.status == .ok)
            #expect(try await staff.send(.GET, "/api/v1/me").status == .unauthorized)
            let again = try await staff.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": Fixture.password])
            #expect(again.status == .unauthorized)
        }
    }
}

@Suite struct UserAPITests {
    @Test(arguments: TestDatabase.all)
    func adminsManageTheirOwnOrganisationsAccounts(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let admin = TestClient(app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            let users = try list(try await admin.send(.GET, "/api/v1/users"))
            #expect(Set(users.compactMap { $0["email"] as? String }) == [Fixture.admin, Fixture.staff, Fixture.volunteer, Fixture.partner])

            let created = try await admin.send(.POST, "/api/v1/users", object: [
                "email": "nieuw@city.test", "name": "Nieuwe Collega", "role": "volunteer",
                "branch_id": fixture.neighbourhood.uuidString, "password": "lang genoeg wachtwoord",
            ])
            #expect(created.status == .created)
            let newClient = TestClient(app)
            try await newClient.signInAPI("nieuw@city.test", password: "lang genoeg wachtwoord")

            let duplicate = try await admin.send(.POST, "/api/v1/users", object: [
                "email": "Nieuw@City.test", "name": "X", "role": "staff", "password": "lang genoeg wachtwoord",
            ])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.apiError?.field == "email")
            let weak = try await admin.send(.POST, "/api/v1/users", object: ["email": "w@city.test", "name": "W", "role": "staff", "password": "kort"])
            #expect(weak.apiError?.field == "password")
            let badRole = try await admin.send(.POST, "/api/v1/users", object: ["email": "r@city.test", "name": "R", "role": "boss", "password": "lang genoeg wachtwoord"])
            #expect(badRole.apiError?.field == "role")
            let foreignBranch = try await admin.send(.POST, "/api/v1/users", object: [
                "email": "f@city.test", "name": "F", "role": "volunteer", "branch_id": fixture.townMain.uuidString, "password": "lang genoeg wachtwoord",
            ])
            #expect(foreignBranch.apiError?.field == "branch_id")
            #expect(try await StaffUser.query(on: app.db).count() == 6)

            // The town's accounts are invisible to the city admin.
            let townUser = try #require(try await StaffUser.query(on: app.db).filter(\.$email == Fixture.townAdmin).first())
            #expect(try await admin.send(.GET, "/api/v1/users/\(townUser.id!)").status == .notFound)
            #expect(try await admin.send(.PATCH, "/api/v1/users/\(townUser.id!)", object: ["active": false]).status == .notFound)

            // Admins cannot lock themselves out.
            let me = try object(try await admin.send(.GET, "/api/v1/me"))
            let selfDemote = try await admin.send(.PATCH, "/api/v1/users/\(me["id"] as! String)", object: ["role": "staff"])
            #expect(selfDemote.status == .badRequest)

            // Staff may not manage accounts.
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.GET, "/api/v1/users").status == .forbidden)
        }
    }
}
