import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

/// Caches that are never stale (issue 23): what another app server changes
/// in the database — here written straight into the tables, as another
/// server or a `bieb` command would — is seen at this server's very next
/// request, though its caches of tokens, branch names and circulation
/// settings were warm a moment before (they used to live 2–5 seconds).
@Suite("Configuration version") struct ConfigVersionTests {
    @Test(arguments: TestDatabase.all)
    func whatAnotherServerChangesCountsAtTheNextRequest(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let org = f.network.city
            let sql = app.db.sql
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            // A balance under the fee limit (€ 10): lending goes on. Every cache is warm after this.
            try await sql.raw("UPDATE members SET balance_cents = 500 WHERE id = \(bind: f.adult)").run()
            let lent = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": "B1O1", "branch": "oost"])
            #expect(lent.status == .ok, "\(lent.body.string)")

            // The fee limit lowered elsewhere: the next checkout is refused.
            let before = try await ConfigVersion.read(org, on: app.db)
            try await sql.raw("UPDATE circulation_settings SET fee_limit_cents = 100 WHERE organisation_id = \(bind: org)").run()
            #expect(try await ConfigVersion.read(org, on: app.db) > before)
            let refused = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": "B2O1", "branch": "oost"])
            #expect(refused.status == .conflict)
            #expect(refused.apiError?.code == "fees_over_limit")
            try await sql.raw("UPDATE members SET balance_cents = 0 WHERE id = \(bind: f.adult)").run()

            // A branch renamed elsewhere: its new slug works at once, the old one no more.
            try await sql.raw("UPDATE branches SET slug = 'oost-nieuw' WHERE slug = 'oost' AND organisation_id = \(bind: org)").run()
            let renamed = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": "B2O1", "branch": "oost-nieuw"])
            #expect(renamed.status == .ok, "\(renamed.body.string)")
            let old = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": "B3O1", "branch": "oost"])
            #expect(old.status == .badRequest)
            #expect(old.apiError?.field == "branch")

            // The account's role lowered elsewhere: the cached token no longer lends.
            try await sql.raw("UPDATE staff_users SET role = 'partner' WHERE email = \(bind: Fixture.staff)").run()
            let demoted = try await staff.send(.POST, "/api/v1/circulation/checkout", object: ["card": CirculationFixture.adultCard, "item": "B3O1", "branch": "oost-nieuw"])
            #expect(demoted.status == .forbidden, "\(demoted.status)")
            try await sql.raw("UPDATE staff_users SET role = 'staff' WHERE email = \(bind: Fixture.staff)").run()
            #expect(try await staff.send(.GET, "/api/v1/members?q=anna").status == .ok)

            // The token revoked elsewhere: refused at the next request.
            try await sql.raw("DELETE FROM api_tokens").run()
            let revoked = try await staff.send(.GET, "/api/v1/members?q=anna")
            #expect(revoked.status == .unauthorized)
            #expect(revoked.apiError?.code == "invalid_token")
        }
    }

    /// A settings form that fails to save leaves the settings held as they were: the cache hands out copies.
    @Test func aRefusedSettingsChangeLeavesTheHeldSettingsAlone() async throws {
        try await withBieb(.sqlite) { app in
            _ = try await Fixture.make(on: app)
            let admin = TestClient(app)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            let first = try object(try await admin.send(.GET, "/api/v1/circulation-settings"))
            let shelfDays = try #require(first["hold_shelf_days"] as? Int)
            let refused = try await admin.send(.PUT, "/api/v1/circulation-settings", object: ["hold_shelf_days": 99, "fee_limit_cents": 1])
            #expect(refused.status == .badRequest)
            let after = try object(try await admin.send(.GET, "/api/v1/circulation-settings"))
            #expect(after["hold_shelf_days"] as? Int == shelfDays)
            #expect(after["fee_limit_cents"] as? Int == first["fee_limit_cents"] as? Int)
        }
    }

    /// What raises the number and what does not: a sign-in's time stamp is no change to anything cached.
    @Test(arguments: TestDatabase.all)
    func theDatabaseRaisesTheNumberForEveryWatchedChange(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let sql = app.db.sql
            var last = try await ConfigVersion.read(f.city, on: app.db)
            func raised(_ statement: SQLQueryString, _ what: String, _ expected: Bool = true) async throws {
                try await sql.raw(statement).run()
                let now = try await ConfigVersion.read(f.city, on: app.db)
                #expect((now > last) == expected, "\(what): \(last) → \(now)")
                last = now
            }
            try await raised("UPDATE organisations SET name = 'Stad' WHERE id = \(bind: f.city)", "organisation renamed")
            try await raised("UPDATE branches SET calendar_version = calendar_version + 1 WHERE id = \(bind: f.central)", "calendar changed")
            try await raised("UPDATE staff_users SET last_login_at = \(bind: Date()) WHERE organisation_id = \(bind: f.city)", "signed in", false)
            try await raised("UPDATE staff_users SET active = \(bind: false) WHERE organisation_id = \(bind: f.city)", "account deactivated")
            try await raised("""
                INSERT INTO sort_bins (branch_id, holds, transit, shelf) VALUES (\(bind: f.central), 'A', 'B', 'C')
                """, "sort bins set")
            try await raised("DELETE FROM sort_bins WHERE branch_id = \(bind: f.central)", "sort bins removed")
            // Another organisation's change leaves this one's number alone.
            let other = try #require(try await Organisation.query(on: app.db).filter(\.$id != f.city).first()?.id)
            try await raised("UPDATE organisations SET name = 'Elders' WHERE id = \(bind: other)", "another organisation renamed", false)
        }
    }
}
