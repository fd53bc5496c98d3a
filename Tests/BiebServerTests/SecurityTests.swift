import Foundation
import NIOCore
import NIOPosix
import SQLKit
import SQLiteNIO
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// What an outside test of Bieb found (issue 16), each with the request
/// that showed it: these failed before and pass now.
@Suite("Found from outside") struct SecurityTests {
    typealias S = SpaceBookingTests
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    // MARK: Recursive parsers

    @Test(arguments: TestDatabase.all)
    func deepSearchesAreRefusedAndTheServerLives(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let client = TestClient(app)
            let twice = SearchQuery.maximumDepth * 2
            for deep in [String(repeating: "(", count: twice) + "a" + String(repeating: ")", count: twice),
                         String(repeating: "-(", count: twice) + "a" + String(repeating: ")", count: twice),
                         String(repeating: "titel:", count: twice) + "a"] {
                let api = try await client.send(.GET, "/api/v1/organisations/city/search?q=\(Self.encoded(deep))")
                #expect(api.status == .badRequest)
                #expect(api.apiError?.code == "query_too_deep")
                let page = try await client.send(.GET, "/city/catalogus?q=\(Self.encoded(deep))")
                #expect(page.status.code < 500)
                #expect(page.body.string.contains("te diep genest"))
            }
            // The attack itself: 9,000 levels in an 18 kB query.
            let attack = String(repeating: "(", count: 9_000) + "a" + String(repeating: ")", count: 9_000)
            let refused = try await client.send(.GET, "/api/v1/organisations/city/search?q=\(attack)")
            #expect(refused.status == .uriTooLong)
            #expect(try await client.send(.GET, "/city/catalogus?q=\(attack)").status == .uriTooLong)
            // Under the address limit, the query's own limits answer.
            let long = String(repeating: "(", count: 2_000) + "a" + String(repeating: ")", count: 2_000)
            #expect(try await client.send(.GET, "/api/v1/organisations/city/search?q=\(long)").apiError?.code == "query_too_long")
            // What gave a 500 is a search now; and the server is alive.
            for text in ["a NOT NOT b", "a --b", "a -(-b)", "a NOT -b"] {
                #expect(try await client.send(.GET, "/api/v1/organisations/city/search?q=\(Self.encoded(text))").status == .ok, "\(text)")
            }
            let unsupported = try await client.send(.GET, "/api/v1/organisations/city/search?q=\(Self.encoded("fiets (avonden OR -film)"))")
            #expect(unsupported.apiError?.code == "unsupported_exclusion")
            #expect(try await client.send(.GET, "/api/v1/organisations/city/search?q=fiets").status == .ok)
            // CQL over SRU has the same limits: a diagnostic, not a crash.
            let cql = String(repeating: "(", count: twice) + "fiets" + String(repeating: ")", count: twice)
            let sru = try await client.send(.GET, "/sru/city?version=1.2&operation=searchRetrieve&query=\(Self.encoded(cql))")
            #expect(sru.status.code < 500)
            #expect(sru.body.string.contains("info:srw/diagnostic/1/10"))
        }
    }

    @Test func nestedBodiesAndFormsAreRefusedInBothLanguages() async throws {
        try await withBieb(.sqlite) { app in
            let f = try await Fixture.make(on: app)
            let client = TestClient(app)
            let twice = 512 * 2
            let json = "{\"email\":" + String(repeating: "[", count: twice) + String(repeating: "]", count: twice) + ",\"password\":\"x\"}"
            let deep = try await client.send(.POST, "/api/v1/auth/token", body: json)
            #expect(deep.status == .badRequest)
            #expect(deep.apiError?.code == "json_too_deep")
            // Vapor's form decoder stops at 100 levels: a clear 400, in the page's language (a guest's form needs no token).
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let created = try object(try await staff.send(.POST, "/api/v1/activities", object: ProgrammeTests.activity(
                f, space: nil, capacity: 5, sessions: [(S.tuesday(14), S.tuesday(16))])))
            let id = try #require(created["id"] as? String)
            _ = try await staff.send(.POST, "/api/v1/activities/\(id)/publish")
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            let key = "a" + String(repeating: "[b]", count: 200)
            let form = try await client.send(.POST, "/city/agenda/\(id)/aanmelden", headers: headers, body: "\(key)=1")
            #expect(form.status == .badRequest)
            #expect(form.body.string.contains("te diep genest"))
            // One language per message: "De inhoud moet of another type zijn." is no more.
            let mixed = try await client.send(.POST, "/api/v1/auth/token", headers: ["Accept-Language": "nl"],
                                              body: "{\"email\": 5, \"password\": \"x\"}")
            #expect(mixed.apiError?.code == "invalid_type")
            #expect(mixed.apiError?.message == "email moet tekst zijn.")
            let english = try await client.send(.POST, "/api/v1/auth/token", headers: ["Accept-Language": "en"],
                                                body: "{\"email\": \"a@b.nl\", \"password\": [1]}")
            #expect(english.apiError?.message == "password must be a string.")
        }
    }

    // MARK: Credentials

    @Test(arguments: TestDatabase.all)
    func aStrangerLocksOnlyThemselfNotTheOwner(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            func signIn(_ email: String, _ password: String, from address: String) async throws -> TestingHTTPResponse {
                try await TestClient(app).send(.POST, "/api/v1/auth/token", headers: ["X-Forwarded-For": address],
                                               object: ["email": email, "password": password])
            }
            // A stranger guesses the staff member's password five times: the stranger is stopped…
            for n in 1...ThrottleCounter.accountFromAddress.freeAttempts {
                let guess = try await signIn(Fixture.staff, "raden \(n)", from: "198.51.100.1")
                #expect(guess.status == (n < ThrottleCounter.accountFromAddress.freeAttempts ? .unauthorized : .tooManyRequests))
            }
            #expect(try await signIn(Fixture.staff, Fixture.password, from: "198.51.100.1").status == .tooManyRequests)
            // …the owner at their own desk is not.
            #expect(try await signIn(Fixture.staff, Fixture.password, from: "198.51.100.2").status == .created)
            // An address trying many accounts is stopped after its own free tries, whatever the account.
            for n in 1...ThrottleCounter.address.freeAttempts {
                _ = try await signIn("niemand\(n)@city.test", "raden", from: "198.51.100.3")
            }
            let spraying = try await signIn(Fixture.admin, Fixture.password, from: "198.51.100.3")
            #expect(spraying.status == .tooManyRequests)
            #expect(spraying.headers.first(name: .retryAfter) != nil)
            // IPv6: one /64 is one address (a stranger cannot hop through their own network).
            for n in 1...ThrottleCounter.accountFromAddress.freeAttempts {
                _ = try await signIn(Fixture.volunteer, "raden", from: "2001:db8:1:2::\(n)")
            }
            #expect(try await signIn(Fixture.volunteer, Fixture.password, from: "2001:db8:1:2::99").status == .tooManyRequests)
            #expect(try await signIn(Fixture.volunteer, Fixture.password, from: "2001:db8:1:3::1").status == .created)
            // Many addresses at once against one account (a distributed attack) lock it — but not where its owner signed in before.
            #expect(try await signIn(Fixture.admin, Fixture.password, from: "203.0.113.200").status == .created)
            for n in 1...ThrottleCounter.account.freeAttempts {
                _ = try await signIn(Fixture.admin, "raden", from: "203.0.113.\(n)")
            }
            #expect(try await signIn(Fixture.admin, Fixture.password, from: "203.0.113.150").status == .tooManyRequests)
            #expect(try await signIn(Fixture.admin, Fixture.password, from: "203.0.113.200").status == .created)
            // Locks are counted and said (without who or from where).
            let metrics = try await app.testing().sendRequest(.GET, "/metrics").body.string
            #expect(metrics.contains("bieb_sign_in_locks_total"))
            #expect(metrics.contains("bieb_sign_in_failures_total"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aStrangerWithACardNumberDoesNotLockTheMember(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await MemberAccountTests.world(app)
            func signIn(_ pin: String, from address: String) async throws -> TestingHTTPResponse {
                try await TestClient(app).send(.POST, "/api/v1/my/token", headers: ["X-Forwarded-For": address],
                                               object: ["organisation": "city", "card": "C0001", "pin": pin])
            }
            for n in 1...ThrottleCounter.accountFromAddress.freeAttempts {
                _ = try await signIn("97\(n)3", from: "198.51.100.10")
            }
            #expect(try await signIn(MemberAccountTests.pin, from: "198.51.100.10").apiError?.code == "too_many_attempts")
            // The owner signs in from home, and the kiosks' PIN is untouched.
            #expect(try await signIn(MemberAccountTests.pin, from: "198.51.100.11").status == .created)
            #expect(!(try await SelfServiceStore(app.db, organisationID: w.f.network.city).pinState(member: w.carla).locked(at: Date())))
        }
    }

    @Test(arguments: TestDatabase.all)
    func terminalPasswordsCannotBeGuessedOverNewConnections(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            // Each guess on a new connection (a connection closes after three): after five, the right password is refused too.
            for n in 1...ThrottleCounter.accountFromAddress.freeAttempts {
                let client = try await s.client()
                #expect(try await client.request("9300CNkiosk1|COgok\(n)|CPcentrale|").hasPrefix("940"))
                await client.close()
            }
            let locked = try await s.client()
            #expect(try await locked.request("9300CNkiosk1|CO\(SIP2Setup.password)|CPcentrale|").hasPrefix("940"))
            #expect(await locked.closedByServer())
            // Another terminal from the same place logs in as ever.
            _ = try await s.terminal("sorter1")
            // The door over HTTP: the same rules for its login.
            let door = TestClient(s.app)
            func enter(_ password: String, from address: String) async throws -> TestingHTTPResponse {
                var headers = HTTPHeaders()
                headers.basicAuthorization = BasicAuthorization(username: "door1", password: password)
                headers.replaceOrAdd(name: .xForwardedFor, value: address)
                return try await door.send(.POST, "/api/v1/door/entry", headers: headers, object: ["card": CirculationFixture.adultCard])
            }
            for n in 1...ThrottleCounter.accountFromAddress.freeAttempts {
                let guess = try await enter("gok\(n)", from: "198.51.100.20")
                #expect(guess.status == (n < ThrottleCounter.accountFromAddress.freeAttempts ? .unauthorized : .tooManyRequests))
            }
            #expect(try await enter(SIP2Setup.password, from: "198.51.100.20").status == .tooManyRequests)
            #expect(try await enter(SIP2Setup.password, from: "198.51.100.21").status == .ok)
        }
    }

    // MARK: SIP2 connections

    @Test func unauthenticatedAndSurplusConnectionsAreClosed() async throws {
        let options = SIP2Options(host: "127.0.0.1", port: 0, loginSeconds: 1, maximumConnections: 50, maximumConnectionsPerAddress: 3)
        try await withSIP2(.sqlite, options: options) { s in
            let kiosk = try await s.terminal()
            let idle = try await s.client()
            let third = try await s.client()
            // A fourth from the same address is closed at once.
            let fourth = try await s.client()
            #expect(await fourth.closedByServer())
            // One that never logs in is closed after its second; the terminal that did stays.
            try await Task.sleep(for: .milliseconds(1_600))
            #expect(await idle.closedByServer())
            #expect(await third.closedByServer())
            #expect(try await kiosk.request("990 402.00").hasPrefix("98"))
        }
        let total = SIP2Options(host: "127.0.0.1", port: 0, maximumConnections: 2, maximumConnectionsPerAddress: 100)
        try await withSIP2(.sqlite, options: total) { s in
            let first = try await s.terminal()
            _ = try await s.client()
            let over = try await s.client()
            #expect(await over.closedByServer())
            #expect(try await first.request("990 402.00").hasPrefix("98"))
        }
    }

    /// A fuzz of the SIP2 listener: random lines and bytes on real
    /// connections never take it down or answer out of turn; afterwards a
    /// terminal logs in and works as before.
    @Test func randomLinesOverSIP2LeaveTheListenerWorking() async throws {
        try await withSIP2(.sqlite) { s in
            var generator = SystemRandomNumberGenerator()
            let pieces = ["93", "63", "11", "09", "99", "35", "97", "|", "AO", "AA", "AB", "AY", "AZ", "CN", "CO", "\r", "\n", "20261121    120000", "0000"]
            var client = try await s.terminal()
            for round in 0..<400 {
                var line: [UInt8] = []
                if round % 3 == 0 {
                    line = (0..<Int.random(in: 0...120, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                } else {
                    for _ in 0..<Int.random(in: 1...12, using: &generator) { line += Array(pieces.randomElement(using: &generator)!.utf8) }
                }
                do {
                    try await client.send(line + [13])
                } catch {
                    client = try await s.terminal()
                }
                if round % 50 == 0 { client = try await s.terminal() }
            }
            let fresh = try await s.terminal()
            #expect(try await fresh.request("990 402.00").hasPrefix("98"))
        }
    }

    // MARK: Guests

    @Test(arguments: TestDatabase.all)
    func guestRegistrationsCannotEmptyAnActivityOrMailStrangers(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            func activity(capacity: Int, day: Int = 0) async throws -> String {
                let created = try object(try await staff.send(.POST, "/api/v1/activities", object: ProgrammeTests.activity(
                    f, space: nil, capacity: capacity, sessions: [(S.tuesday(14, weeks: day), S.tuesday(16, weeks: day))])))
                let id = try #require(created["id"] as? String)
                _ = try await staff.send(.POST, "/api/v1/activities/\(id)/publish")
                return id
            }
            let id = try await activity(capacity: 9)
            let path = "/api/v1/organisations/city/activities/\(id)/registrations"
            func register(_ n: Int, places: Int = 1, from address: String, activity: String? = nil) async throws -> TestingHTTPResponse {
                try await TestClient(app).send(.POST, activity.map { "/api/v1/organisations/city/activities/\($0)/registrations" } ?? path,
                                               headers: ["X-Forwarded-For": address],
                                               object: ["name": "Gast \(n)", "email": "gast\(n)@example.nl", "places": places])
            }
            // The attack: thirty registrations of four places from one address.
            var outcomes: [HTTPStatus] = []
            for n in 1...30 { outcomes.append(try await register(n, places: 4, from: "198.51.100.30").status) }
            #expect(outcomes.allSatisfy { $0 == .badRequest || $0 == .tooManyRequests })
            // Two places a guest (the library's setting), twice per activity from one address — a form refused for what
            // it said does not count (a person who corrects a typo is not stopped).
            #expect(try await TestClient(app).send(.POST, path, headers: ["X-Forwarded-For": "198.51.100.31"],
                                                   object: ["name": "Gast 31", "email": "geen adres"]).status == .badRequest)
            #expect(try await register(31, places: 2, from: "198.51.100.31").status == .created)
            #expect(try await register(32, places: 2, from: "198.51.100.31").status == .created)
            let third = try await register(33, places: 1, from: "198.51.100.31")
            #expect(third.status == .tooManyRequests)
            #expect(third.apiError?.code == "rate_limited")
            #expect(third.headers.first(name: .retryAfter) != nil)
            var places = try object(try await TestClient(app).send(.GET, "/api/v1/organisations/city/activities/\(id)"))
            #expect(places["places_left"] as? Int == 5)
            // At the door, staff see who has not confirmed yet.
            let desk = TestClient(app)
            try await desk.signInPages(Fixture.staff, password: Fixture.password)
            let door = try await desk.send(.GET, "/staff/programma/\(id)").body.string
            #expect(door.contains("Gast 31") && door.contains("nog niet bevestigd"))
            // The library may allow more places per guest.
            let rules = try await staff.send(.PUT, "/api/v1/programme/guest-rules", object: ["places_per_registration": 3, "confirm_hours": 2])
            #expect(try object(rules)["places_per_registration"] as? Int == 3)
            #expect(try await register(34, places: 3, from: "198.51.100.34").status == .created)
            // One unconfirmed mail an hour to one address, across activities.
            let other = try await activity(capacity: 20, day: 1)
            let again = try await register(34, from: "198.51.100.35", activity: other)
            #expect(again.status == .tooManyRequests)
            #expect(again.apiError?.code == "confirmation_pending")
            let org = try #require(try await BranchDirectory(app.db).organisation(slug: "city"))
            let registrations = Registrations(app.db, organisationID: org.id!)
            let mails = try await Outbox(app.db).list(organisation: org.id!).filter { $0.kind == .activityConfirm }
            #expect(mails.count == 3)
            // Confirmed, the next mail to that address may go.
            let first = try #require(try await registrations.registrations(activity: UUID(uuidString: id)!).first { $0.guestName == "Gast 34" })
            #expect(try await TestClient(app).send(.POST, "/api/v1/organisations/city/registrations/\(first.token!)/confirm").status == .ok)
            #expect(try await register(34, from: "198.51.100.35", activity: other).status == .created)
            // Unconfirmed registrations lapse after their hours: their places come free, their names and addresses go.
            let lapsing = try #require(try await registrations.registrations(activity: UUID(uuidString: id)!).first { $0.guestName == "Gast 31" })
            let deadline = try #require(lapsing.confirmBy)
            // (Gast 31 and 32 here, and Gast 34's second registration, which had two hours.)
            #expect(try await registrations.lapseUnconfirmed(now: deadline.addingTimeInterval(60)) == 3)
            let lapsed = try #require(try await registrations.registration(lapsing.id))
            #expect(lapsed.status == .lapsed && lapsed.guestName == nil && lapsed.guestEmail == nil && lapsed.token == nil)
            #expect(try await Outbox(app.db).list(organisation: org.id!).contains { $0.reference == "registration:\(lapsing.id)" } == false)
            places = try object(try await TestClient(app).send(.GET, "/api/v1/organisations/city/activities/\(id)"))
            #expect(places["places_left"] as? Int == 6)
            // Too late to confirm: said so.
            let late = try await TestClient(app).send(.POST, "/api/v1/organisations/city/registrations/\(lapsing.token!)/confirm")
            #expect(late.status == .notFound)
            // Anyone's registrations from one address are limited, whatever the activity.
            var answers: [HTTPStatus] = []
            for n in 0..<6 {
                let next = try await activity(capacity: 50, day: 2 + n)
                for m in 0..<2 { answers.append(try await register(100 + n * 2 + m, from: "198.51.100.99", activity: next).status) }
            }
            #expect(answers.prefix(RateLimit.guestRegistrationsPerAddress.limit).allSatisfy { $0 == .created })
            #expect(answers.dropFirst(RateLimit.guestRegistrationsPerAddress.limit).allSatisfy { $0 == .tooManyRequests })
        }
    }

    // MARK: Tokens, busy databases, the HTTP edge

    @Test(arguments: TestDatabase.all)
    func aMemberTokenIsNoTroubleOnPublicRoutes(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await MemberAccountTests.world(app)
            let member = try await MemberAccountTests.signIn(app, card: "C0001")
            for path in ["/api/v1/organisations", "/api/v1/organisations/city/search?q=avonden", "/api/v1/organisations/city/branches"] {
                #expect(try await member.send(.GET, path).status == .ok, "\(path)")
            }
            #expect(try await member.send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "card": "C0001"]).status == .accepted)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await staff.send(.POST, "/api/v1/my/pin-reset", object: ["organisation": "city", "card": "X9"]).status == .accepted)
            // A member's token still opens nothing of staff's.
            #expect(try await member.send(.GET, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test func aBusyDatabaseIsA503WithRetryAfterNotA500() async throws {
        try await withBieb(.sqlite, options: { $0.sqliteBusyTimeout = 50 }) { app in
            _ = try await Fixture.make(on: app)
            guard case .sqliteFile(let path) = app.bieb.database else { throw TestError("a SQLite file") }
            // Another process holds the write lock.
            let holder = try await SQLiteConnection.open(storage: .file(path: path), threadPool: app.threadPool, on: app.eventLoopGroup.any())
            _ = try await holder.query("BEGIN IMMEDIATE")
            let busy = try await TestClient(app).send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": "fout"])
            #expect(busy.status == .serviceUnavailable)
            #expect(busy.apiError?.code == "busy")
            #expect(busy.headers.first(name: .retryAfter) == String(DatabaseBusy.retryAfter))
            _ = try await holder.query("ROLLBACK")
            try await holder.close()
            #expect(try await TestClient(app).send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": Fixture.password]).status
                    == .created)
        }
    }

    /// A full disk, as SQLite sees it (`max_page_count` on every connection: the file may not grow; a real full
    /// disk is `scripts/fault-disk-full.sh`): a write is refused with a 503 that says so, reads go on, the file
    /// stays whole, and once there is room again writes succeed.
    @Test func aFullDiskIsA503AndLeavesTheDatabaseWhole() async throws {
        try await withBieb(.sqlite) { app in
            _ = try await Fixture.make(on: app)
            let sql = app.db as! any SQLDatabase
            let pages = try await fillTheDisk(app)
            let client = TestClient(app)
            // Signing in writes a token; sooner or later one needs a page the file may not have.
            var full: TestingHTTPResponse?
            var signedIn = 0
            for _ in 0..<400 {
                let response = try await client.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": Fixture.password])
                if response.status == .created { signedIn += 1; continue }
                full = response
                break
            }
            let refused = try #require(full, "no write was refused with the file at \(pages) pages")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.apiError?.code == "database_full")
            #expect(refused.headers.first(name: .retryAfter) == String(DatabaseFull.retryAfter))
            // Reads go on, and the file is whole.
            #expect(try await client.send(.GET, "/api/v1/organisations").status == .ok)
            #expect(try await sql.raw("PRAGMA integrity_check").first()!.decode(column: "integrity_check", as: String.self) == "ok")
            let tokens = try await sql.raw("SELECT COUNT(*) AS n FROM api_tokens").first()!.decode(column: "n", as: Int.self)
            // Room again: writes succeed, and every sign-in that was answered is there.
            try await room(app)
            #expect(try await client.send(.POST, "/api/v1/auth/token", object: ["email": Fixture.staff, "password": Fixture.password]).status
                    == .created)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM api_tokens").first()!.decode(column: "n", as: Int.self) == tokens + 1)
            #expect(tokens >= signedIn)
        }
    }

    @Test func theHTTPEdgeAnswersEveryRequest() async throws {
        try await withBieb(.sqlite) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            // A NUL in the path is refused, not served as HTML.
            let nul = try await client.send(.GET, "/css/bieb.css%00.html")
            #expect(nul.status == .badRequest)
            #expect(!nul.body.string.contains("font-family"))
            // The same security headers on files, pages, errors and the API.
            for path in ["/css/bieb.css", "/", "/city", "/niet-hier", "/api/v1/organisations", "/api/v1/branches/x"] {
                let response = try await client.send(.GET, path)
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(response.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                #expect(response.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true, "\(path)")
            }
            // A request target over the limit is a 414; a method on a path that has others a 405 naming them; an unknown method a 501.
            #expect(try await client.send(.GET, "/city/catalogus?q=" + String(repeating: "a", count: 9_000)).status == .uriTooLong)
            let wrongMethod = try await client.send(.DELETE, "/api/v1/organisations")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers.first(name: .allow)?.contains("GET") == true)
            let trace = try await client.send(.TRACE, "/api/v1/organisations")
            #expect(trace.status == .methodNotAllowed)
            #expect(try await client.send(HTTPMethod(rawValue: "BREW"), "/a/b/c/d/e/f/g").status == .notImplemented)
            #expect(try await client.send(.DELETE, "/bestaat-niet/echt-niet/nee").status == .notFound)
        }
    }

    @Test func memberPagesAreNotKeptInCaches() async throws {
        try await withBieb(.sqlite) { app in
            _ = try await MemberAccountTests.world(app)
            let browser = TestClient(app)
            let login = try await browser.send(.GET, "/city/mijn/inloggen")
            #expect(login.headers.first(name: .cacheControl) == "no-store")
            _ = try await browser.send(.POST, "/city/mijn/inloggen", form: [
                "csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "C0001", "pin": MemberAccountTests.pin])
            for path in ["/city/mijn", "/city/mijn/gegevens", "/city/mijn/privacy", "/city/mijn/activiteiten"] {
                let page = try await browser.send(.GET, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers.first(name: .cacheControl) == "no-store", "\(path)")
            }
            // A public page for a visitor may be kept.
            #expect(try await TestClient(app).send(.GET, "/city").headers.first(name: .cacheControl) == nil)
        }
    }

    // MARK: Operations

    @Test func aSecondDemoTakesAnotherMailPort() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bieb-sink-\(UUID())").path
        let taken = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(taken.localAddress?.port)
        let logger = Logger(label: "test")
        let sink = try await MailSinkService.start(folder: folder, port: port, fallback: true, on: group, logger: logger)
        #expect(sink.port != port && sink.port > 0)
        await sink.sink.stop()
        // Asked for that port by name: a clear error.
        await #expect(throws: (any Error).self) {
            _ = try await MailSinkService.start(folder: folder, port: port, fallback: false, on: group, logger: logger)
        }
        try await taken.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
