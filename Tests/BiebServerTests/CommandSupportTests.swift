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

/// The `bieb` command line as an operator meets it (issue 16): its own
/// words, not the framework's migration lines; `--database` says which
/// database a command works on.
@Suite struct CommandLineTests {
    /// The `bieb` binary next to the test bundle (`swift test` builds it).
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("bieb")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = nil
        environment["DATABASE_URL"] = nil
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    @Test func commandsSayWhatTheyDidAndWhere() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "bieb is built next to the tests")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bieb-cli-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("demo.sqlite").path
        let created = try Self.run(["org", "create", "--database", database, "--slug", "proef", "--name", "Bibliotheek Proef"])
        #expect(created.status == 0)
        #expect(created.out == "Created organisation Bibliotheek Proef (proef) in SQLite \(database).\n")
        #expect(created.err.isEmpty, "no framework lines: \(created.err.prefix(300))")
        #expect(FileManager.default.fileExists(atPath: database))
        // --verbose shows the details.
        let verbose = try Self.run(["org", "create", "--database", database, "--slug", "proef2", "--name", "Proef 2", "--verbose"])
        #expect(verbose.status == 0)
        #expect(verbose.err.contains("debug"))
    }
}
