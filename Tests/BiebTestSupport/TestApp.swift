import Fluent
import Foundation
import SQLKit
import Synchronization
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore

/// The databases store and API tests run on: SQLite always, PostgreSQL when
/// `BIEB_TEST_POSTGRES_URL` is set (`.ci/run` sets it).
public enum TestDatabase: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["BIEB_TEST_POSTGRES_URL"]
        return url?.isEmpty == false ? url : nil
    }

    /// The databases to run on in this process.
    public static var all: [TestDatabase] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public var description: String { rawValue }
}

/// Runs `body` with a fully configured Bieb application on a fresh, empty
/// database: a SQLite file of its own in the temporary folder (WAL, and
/// write transactions on the writer, `SQLiteLane`, as in production), or a
/// PostgreSQL schema of its own; both are removed afterwards, so tests run
/// in parallel without seeing each other.
///
/// `sqliteFile: false` puts SQLite in memory instead (only the server's own
/// start-up is tested that way).
///
/// `options` changes the server's options before it is configured (a short
/// SQLite busy timeout, trusted proxies, …).
public func withBieb<T>(_ database: TestDatabase, sqliteFile: Bool = true, options change: (inout ServerOptions) -> Void = { _ in },
                        _ body: (Application) async throws -> T) async throws -> T {
    try await TestAppGate.shared.admitted { try await withFreshBieb(database, sqliteFile: sqliteFile, options: change, body) }
}

private func withFreshBieb<T>(_ database: TestDatabase, sqliteFile: Bool, options change: (inout ServerOptions) -> Void,
                              _ body: (Application) async throws -> T) async throws -> T {
    let app = try await Application.make(.testing)
    app.logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    let schema = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
    let location: DatabaseLocation
    switch database {
    case .sqlite where sqliteFile:
        location = .sqliteFile(path: FileManager.default.temporaryDirectory.appendingPathComponent("bieb-test-\(schema)/bieb.sqlite").path)
    case .sqlite: location = .sqliteMemory
    case .postgres: location = .postgres(url: TestDatabase.postgresURL!, schema: schema)
    }
    var options = ServerOptions(database: location, migrateOnStart: false, bcryptCost: 4)
    options.host = "127.0.0.1"
    options.payments = PaymentSettings(provider: .test)
    change(&options)
    let result: T
    do {
        try await configure(app, options: options)
        if database == .postgres {
            try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
        }
        try await BiebDatabase.migrate(app)
        result = try await body(app)
    } catch {
        await cleanUp(app, database, schema)
        throw error
    }
    await cleanUp(app, database, schema)
    return result
}

/// How many test applications run at once. Swift Testing starts the test cases side by side, many more than the
/// cores: about 85 applications were seen at once, on PostgreSQL 363 connections (each application holds up to two
/// per event loop) against the test cluster's 400 — past that PostgreSQL refuses new clients. Holding back only the
/// PostgreSQL ones was not enough: every SQLite write in the process waits its turn at the one `WriteGate.shared`
/// (a server process has one database), and with the SQLite tests all at once a terminal's wrong login waited more
/// than 30 s for its throttle's write. `BIEB_TEST_APPS` (default 16) sets the number. A test inside an admitted one
/// (a nested `withBieb`) is not held back, so nesting cannot wait on itself.
final class TestAppGate: Sendable {
    static let shared = TestAppGate(width: ProcessInfo.processInfo.environment["BIEB_TEST_APPS"].flatMap(Int.init).map { max(1, $0) } ?? 16)

    @TaskLocal static var inside = false

    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(width: Int) { state = Mutex(State(free: width)) }

    func admitted<T>(_ body: () async throws -> T) async throws -> T {
        if Self.inside { return try await body() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                if state.free > 0 { state.free -= 1; return true }
                state.waiting.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
        defer {
            // The place passes to the longest waiting test, or back to the gate.
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.waiting.isEmpty { state.free += 1; return nil }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
        return try await Self.$inside.withValue(true) { try await body() }
    }
}

private func cleanUp(_ app: Application, _ database: TestDatabase, _ schema: String) async {
    if database == .postgres, let sql = app.db as? any SQLDatabase {
        try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    try? await app.asyncShutdown()
    try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("bieb-test-\(schema)"))
}

// MARK: Fixtures

/// A small, fixed network for tests: two organisations, a few branches with
/// known hours, and accounts of every role. Password for all: `Fixture.password`.
public struct Fixture: Sendable {
    public static let password = "correct horse battery"

    public let city: UUID
    public let town: UUID
    /// City central library: staffed Mon–Sat 10:00–17:00, self-service every day 08:00–22:00.
    public let central: UUID
    /// City district library: staffed Tue–Fri 10:00–18:00.
    public let district: UUID
    /// City neighbourhood library, the volunteer's branch: staffed Tue and Thu 14:00–17:00.
    public let neighbourhood: UUID
    /// Town main branch.
    public let townMain: UUID
    /// City's partner organisation "Digihulp Stad" (housed in the central library); `partner` is its contact.
    public let partnerOrg: UUID

    public static let admin = "admin@city.test"
    public static let staff = "staff@city.test"
    public static let volunteer = "volunteer@city.test"
    public static let partner = "partner@city.test"
    public static let townAdmin = "admin@town.test"

    public static func make(on app: Application) async throws -> Fixture {
        let db = app.db
        let city = Organisation(slug: "city", name: "Stadsbibliotheek")
        let town = Organisation(slug: "town", name: "Dorpsbibliotheek")
        try await city.create(on: db)
        try await town.create(on: db)
        let directory = BranchDirectory(db)

        func branch(_ org: Organisation, _ slug: String, _ name: String, _ kind: BranchKind, _ periods: [WeeklyPeriod]) async throws -> UUID {
            let branch = Branch(organisationID: org.id!, slug: slug, name: name, kind: kind, street: "Straat 1",
                                postcode: "2511 BT", city: "Den Haag", latitude: 52.07, longitude: 4.31)
            try await directory.save(branch)
            try await directory.replaceSchedules(of: branch.id!, with: [WeeklySchedule(name: "Standaard", periods: periods)])
            return branch.id!
        }
        func p(_ days: [Weekday], _ o: String, _ c: String, _ l: ServiceLevel) -> [WeeklyPeriod] {
            days.map { WeeklyPeriod($0, LocalTime(o)!, LocalTime(c)!, l) }
        }
        let monSat: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        let central = try await branch(city, "centrale", "Centrale Bibliotheek", .central,
                                       p(monSat, "10:00", "17:00", .staffed) + p(Weekday.allCases, "08:00", "22:00", .selfService))
        let district = try await branch(city, "oost", "Bibliotheek Oost", .district,
                                        p([.tuesday, .wednesday, .thursday, .friday], "10:00", "18:00", .staffed))
        let neighbourhood = try await branch(city, "buurt", "Buurtbibliotheek Noord", .neighbourhood,
                                             p([.tuesday, .thursday], "14:00", "17:00", .staffed))
        let townMain = try await branch(town, "dorp", "Bibliotheek Dorp", .central, p(monSat, "09:00", "17:00", .staffed))
        try await directory.save(Space(branchID: central, kind: .room, name: "Zaal", capacity: 80, bookable: true))
        try await directory.save(Space(branchID: central, kind: .studyArea, name: "Studieplekken", capacity: 120, bookable: true))

        let hash = try app.password.hash(password)
        let staff = StaffDirectory(db)
        try await staff.save(StaffUser(organisationID: city.id!, email: admin, name: "Ada Admin", passwordHash: hash, role: .admin))
        try await staff.save(StaffUser(organisationID: city.id!, email: Self.staff, name: "Sam Staff", passwordHash: hash, role: .staff))
        try await staff.save(StaffUser(organisationID: city.id!, email: volunteer, name: "Vera Volunteer", passwordHash: hash,
                                       role: .volunteer, branchID: neighbourhood))
        let digihulp = Partner(organisationID: city.id!, name: "Digihulp Stad", kind: "social")
        try await PartnerDirectory(db).save(digihulp)
        try await PartnerDirectory(db).house(digihulp.id!, in: central, role: "Digitaal spreekuur")
        let contact = StaffUser(organisationID: city.id!, email: partner, name: "Piet Partner", passwordHash: hash, role: .partner)
        contact.partnerID = digihulp.id
        try await staff.save(contact)
        try await staff.save(StaffUser(organisationID: town.id!, email: townAdmin, name: "Toos Town", passwordHash: hash, role: .admin))
        return Fixture(city: city.id!, town: town.id!, central: central, district: district, neighbourhood: neighbourhood, townMain: townMain,
                       partnerOrg: digihulp.id!)
    }
}

extension Application {
    /// Where the test application keeps its data.
    public var testDatabaseLocation: DatabaseLocation { bieb.database }
}

/// A second application on the same database as `app` (the same SQLite file
/// or PostgreSQL schema), as a second app server would be.
public func withSecondBieb<T>(like app: Application, _ body: (Application) async throws -> T) async throws -> T {
    let second = try await Application.make(.testing)
    second.logger.logLevel = app.logger.logLevel
    var options = ServerOptions(database: app.bieb.database, migrateOnStart: false, bcryptCost: 4)
    options.host = "127.0.0.1"
    options.payments = app.bieb.payments
    do {
        try await configure(second, options: options)
        let result = try await body(second)
        try? await second.asyncShutdown()
        return result
    } catch {
        try? await second.asyncShutdown()
        throw error
    }
}

// MARK: A full disk

/// A SQLite file that may not grow beyond its size now — a full disk as SQLite sees it (`max_page_count` on every
/// connection) — until `room()` is called. Returns the file's page count at the time.
@discardableResult
public func fillTheDisk(_ app: Application) async throws -> Int {
    let pages = try await app.db.sql.raw("PRAGMA page_count").first()!.decode(column: "page_count", as: Int.self)
    try await limitPages(app, to: pages)
    return pages
}

/// Room again after `fillTheDisk`.
public func room(_ app: Application) async throws {
    try await limitPages(app, to: 1_073_741_823)
}

private func limitPages(_ app: Application, to count: Int) async throws {
    for loop in app.eventLoopGroup.makeIterator() {
        try await app.databases.database(logger: app.logger, on: loop)!.withConnection { connection in
            try await connection.sql.raw("PRAGMA max_page_count = \(unsafeRaw: String(count))").run()
        }
    }
}
