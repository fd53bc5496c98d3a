import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import Vapor
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct CommandSupportTests {
    @Test(arguments: TestDatabase.all)
    func userCreateResolvesOrganisationAndBranch(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            // Two organisations: --org is required.
            let ambiguous = await #expect(throws: BiebError.self) {
                try await AccountAdmin.create(email: "x@city.test", name: nil, role: .staff, organisation: nil, branch: nil,
                                              password: "een lang wachtwoord", app: app)
            }
            #expect(ambiguous?.field == "--org")
            let unknownBranch = await #expect(throws: BiebError.self) {
                try await AccountAdmin.create(email: "x@city.test", name: nil, role: .volunteer, organisation: "city", branch: "dorp",
                                              password: "een lang wachtwoord", app: app)
            }
            #expect(unknownBranch?.field == "--branch")
            let user = try await AccountAdmin.create(email: "Vol@City.test", name: nil, role: .volunteer, organisation: "city",
                                                     branch: "buurt", password: "een lang wachtwoord", app: app)
            #expect(user.email == "vol@city.test")
            #expect(user.name == "Vol")
            #expect(user.branchID == fixture.neighbourhood)
            let client = TestClient(app)
            try await client.signInAPI("vol@city.test", password: "een lang wachtwoord")
        }
    }

    @Test(arguments: TestDatabase.all)
    func organisationCreateRefusesReservedAndDuplicateSlugs(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            for slug in ["staff", "api", "Den Haag"] {
                await #expect(throws: BiebError.self) {
                    try await OrganisationAdmin.create(Organisation(slug: slug, name: "X"), on: app.db)
                }
            }
            let duplicate = await #expect(throws: BiebError.self) {
                try await OrganisationAdmin.create(Organisation(slug: "city", name: "X"), on: app.db)
            }
            #expect(duplicate?.code == "slug_taken")
            let badZone = await #expect(throws: BiebError.self) {
                try await OrganisationAdmin.create(Organisation(slug: "nieuw", name: "X", timeZone: "Mars/Olympus"), on: app.db)
            }
            #expect(badZone?.field == "time_zone")
            try await OrganisationAdmin.create(Organisation(slug: "nieuw", name: "Nieuwe Bieb"), on: app.db)
            #expect(try await Organisation.query(on: app.db).count() == 3)
        }
    }

    @Test func jsonLogLinesCarryLevelMessageAndMetadata() throws {
        let lines = NIOLockedValueBox<[Data]>([])
        var handler = JSONLogHandler(label: "bieb.test") { data in lines.withLockedValue { $0.append(data) } }
        handler.metadata["component"] = "calendar"
        let logger = Logger(label: "bieb.test", factory: { _ in handler })
        logger.warning("hours saved", metadata: ["route": "/api/v1/branches/:branchID"])
        let data = try #require(lines.withLockedValue { $0.first })
        #expect(data.last == UInt8(ascii: "\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "hours saved")
        #expect(object["label"] as? String == "bieb.test")
        #expect(object["component"] as? String == "calendar")
        #expect(object["route"] as? String == "/api/v1/branches/:branchID")
        #expect(object["time"] is String)
    }
}
