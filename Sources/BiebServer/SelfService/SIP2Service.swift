import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// A terminal after a successful login (93).
struct SIP2TerminalContext: Sendable {
    let id: UUID
    let organisationID: UUID
    /// The institution id (AO): the organisation's slug.
    let institution: String
    let libraryName: String
    let branch: UUID
    let branchName: String
    let kind: SIP2Terminal.Kind
    let dutch: Bool
    let allowed: Set<SIP2.Command>
    let timeZone: TimeZone
}

/// What one connection remembers between messages.
struct SIP2Session: Sendable {
    var terminal: SIP2TerminalContext?
    var failedLogins = 0
    /// The last request and its answer: `97` resends the answer, and the
    /// same request again (a client retrying with the same sequence number)
    /// gets it again without being carried out twice.
    var lastRequest: [UInt8]?
    var lastResponse: String?
    /// Members whose PIN was right in this session (member → SHA-256 of
    /// member and PIN), so a kiosk session costs one bcrypt check.
    var verifiedPINs: [UUID: String] = [:]
    /// The language a patron chose (the language field of 63 or 23), for
    /// the rest of their session at the machine; nil: the terminal's.
    var dutch: Bool?
}

/// What the connection does with a line.
enum SIP2Outcome: Sendable, Equatable {
    case reply(String)
    /// A reply to input that was not a message (counts towards closing).
    case malformed(String)
    /// Reply, then close the connection.
    case replyAndClose(String)
}

/// The self-service side of the circulation core: SIP2 requests in, answers
/// out, every change through `Circulation` as at the desk (one set of
/// rules, one transaction per change).
struct SIP2Service: Sendable {
    let app: Application
    let db: any Database
    let logger: Logger
    /// Where the work of a connection runs: the event loop of its database connection.
    var executor: EventLoopTaskExecutor?
    /// The writer of a SQLite file, for the write transactions.
    var lane: SQLiteLane?
    /// The terminal's IP address (for throttling wrong logins).
    var address: String?

    // MARK: Dispatch

    func respond(to line: [UInt8], session: SIP2Session) async -> (SIP2Outcome, SIP2Session) {
        let now = app.selfService.now
        var session = session
        let request: SIP2Request
        do {
            request = try SIP2Request.parse(line)
        } catch {
            // Bad checksum or not a message: ask for it again (the connection closes after a few in a row).
            return (.malformed(SIP2Response("96").encoded(sequence: nil)), session)
        }
        if request.command == .resend || request.command == .requestResend {
            return (.reply(session.lastResponse ?? SIP2Response("96").encoded(sequence: nil)), session)
        }
        if request.sequence != nil, line == session.lastRequest, let last = session.lastResponse {
            return (.reply(last), session)
        }
        var close = false
        var response: SIP2Response
        do {
            (response, close) = try await handle(request, session: &session, now: now)
        } catch let refused as SIP2Refused {
            (response, close) = (refused.response, false)
        } catch {
            // Only unexpected failures land here (a database gone away): a refusal the terminal can show.
            logger.error("SIP2 \(request.command.rawValue) failed: \(String(describing: error))")
            response = refusal(request, session: session, message: dutch(request, session) ? "Storing; probeer het later opnieuw."
                               : "Out of order; please try again later.", now: now)
        }
        let text = response.encoded(sequence: request.sequence)
        session.lastRequest = line
        session.lastResponse = text
        return (close ? .replyAndClose(text) : .reply(text), session)
    }

    func handle(_ request: SIP2Request, session: inout SIP2Session, now: Date) async throws -> (SIP2Response, Bool) {
        if request.command == .login {
            return try await login(request, session: &session, now: now)
        }
        guard let terminal = session.terminal else {
            return (refusal(request, session: session, message: text("sip2_login_first", dutch(request, session)), now: now), false)
        }
        guard terminal.allowed.contains(request.command) else {
            return (refusal(request, session: session, message: text("sip2_not_allowed", dutch(request, session)), now: now), false)
        }
        let work = Work(service: self, terminal: terminal, request: request, now: now, dutch: dutch(request, session),
                        configVersion: try await ConfigVersion.read(terminal.organisationID, on: db))
        if request.command == .patronInformation || request.command == .patronStatus,
           let chosen = SIP2.isDutch(languageCode: request.fixed(0, 3)) {
            session.dutch = chosen
        }
        switch request.command {
        case .status: return (try await work.status(), false)
        case .patronInformation: return (try await work.patron(information: true, session: &session), false)
        case .patronStatus: return (try await work.patron(information: false, session: &session), false)
        case .checkout: return (try await work.checkout(session: &session), false)
        case .checkin: return (try await work.checkin(), false)
        case .renew: return (try await work.renew(session: &session), false)
        case .renewAll: return (try await work.renewAll(session: &session), false)
        case .itemInformation: return (try await work.itemInformation(), false)
        case .hold: return (try await work.hold(session: &session), false)
        case .feePaid: return (try await work.feePaid(session: &session), false)
        case .endSession:
            session.verifiedPINs = [:]
            session.dutch = nil
            var response = SIP2Response("36")
            response.flag(true)
            response.date(now, in: terminal.timeZone)
            response.field("AO", terminal.institution)
            response.field("AA", request.field("AA") ?? "")
            response.field("AF", text("sip2_goodbye", work.dutch))
            return (response, false)
        case .login, .resend, .requestResend:
            return (refusal(request, session: session, message: "", now: now), false)
        }
    }

    func dutch(_ request: SIP2Request, _ session: SIP2Session) -> Bool {
        if request.command == .patronInformation || request.command == .patronStatus,
           let chosen = SIP2.isDutch(languageCode: request.fixed(0, 3)) {
            return chosen
        }
        return session.dutch ?? session.terminal?.dutch ?? true
    }

    func text(_ key: String, _ dutch: Bool, _ values: [String: String] = [:]) -> String {
        Locales.text(key, dutch ? .nl : .en, values)
    }

    // MARK: Login

    func login(_ request: SIP2Request, session: inout SIP2Session, now: Date) async throws -> (SIP2Response, Bool) {
        let login = request.field("CN") ?? ""
        let password = request.field("CO") ?? ""
        // Wrong logins slow down per login and address, per address, and per login from everywhere, across connections and app servers.
        let throttle = CredentialThrottle(db, kind: .terminal, account: login, address: address, logger: logger)
        if try await throttle.lockedFor() != nil {
            session.terminal = nil
            logger.notice("SIP2 login refused: too many wrong logins")
            var response = SIP2Response("94")
            response.fixed("0")
            return (response, true)
        }
        let terminal = login.isEmpty ? nil : try await SelfServiceStore.terminal(login: login, on: db)
        // Verify against a fixed hash when there is no such terminal, so the answer takes as long either way.
        let hash: String
        if let terminal { hash = terminal.passwordHash } else { hash = try await dummyHash() }
        let matches = (try? await app.password.async.verify(password, created: hash)) ?? false
        var ok = false
        if let terminal, matches, terminal.active,
           terminal.locationCode == nil || request.field("CP") == nil || request.field("CP") == terminal.locationCode,
           let organisation = try await BranchDirectory(db).organisation(id: terminal.organisationID),
           let branch = try await BranchDirectory(db).branch(terminal.branchID) {
            session.terminal = SIP2TerminalContext(
                id: terminal.id!, organisationID: organisation.id!, institution: organisation.slug, libraryName: organisation.name,
                branch: terminal.branchID, branchName: branch.name, kind: terminal.kind, dutch: terminal.dutch,
                allowed: terminal.allowedMessages, timeZone: organisation.zone)
            session.failedLogins = 0
            session.verifiedPINs = [:]
            try await SelfServiceStore(db, organisationID: organisation.id!).touchLogin(terminal.id!, now: now)
            // The throttle's bookkeeping (this address known, its failures cleared) need not hold up the machine's answer.
            let logger = logger
            Task {
                do { try await throttle.succeeded() } catch { logger.warning("SIP2 login: the throttle was not updated: \(String(describing: error))") }
            }
            ok = true
        } else {
            session.terminal = nil
            session.failedLogins += 1
            logger.notice("SIP2 login refused", metadata: ["login_length": "\(login.count)"])
            if try await throttle.failed() != nil { session.failedLogins = Self.maximumFailedLogins }
        }
        var response = SIP2Response("94")
        response.fixed(ok ? "1" : "0")
        // Three wrong logins on one connection, or a lock: it is closed (the machine may connect again; a lock refuses it until it ends).
        return (response, session.failedLogins >= Self.maximumFailedLogins)
    }

    static let maximumFailedLogins = 3

    func dummyHash() async throws -> String {
        let holder = app.selfService
        if let hash = holder.dummyHash { return hash }
        let hash = try await app.password.async.hash(UUID().uuidString)
        holder.dummyHash = hash
        return hash
    }

    // MARK: Refusals

    /// The command's own answer saying no, with a screen message: every
    /// request gets a response of its pair, also when it cannot be done.
    func refusal(_ request: SIP2Request, session: SIP2Session, message: String, now: Date) -> SIP2Response {
        let zone = session.terminal?.timeZone ?? BranchCalendar.amsterdam
        let institution = session.terminal?.institution ?? request.field("AO") ?? ""
        var r = SIP2Response(request.command.response)
        switch request.command {
        case .login:
            r.fixed("0")
            return r
        case .status:
            r.fixed("NNNNNN")
            r.fixed("000")
            r.fixed("000")
            r.date(now, in: zone)
            r.fixed("2.00")
            r.field("AO", institution)
            r.field("AM", session.terminal?.libraryName ?? "")
            r.field("BX", SIP2Work.supported([]))
        case .patronInformation:
            r.fixed(String(repeating: "Y", count: 4) + String(repeating: " ", count: 10))
            r.fixed(request.fixed(0, 3).count == 3 ? request.fixed(0, 3) : "000")
            r.date(now, in: zone)
            for _ in 0..<6 { r.count(0) }
            r.field("AO", institution)
            r.field("AA", request.field("AA") ?? "")
            r.field("AE", "")
            r.field("BL", "N")
        case .patronStatus:
            r.fixed(String(repeating: "Y", count: 4) + String(repeating: " ", count: 10))
            r.fixed(request.fixed(0, 3).count == 3 ? request.fixed(0, 3) : "000")
            r.date(now, in: zone)
            r.field("AO", institution)
            r.field("AA", request.field("AA") ?? "")
            r.field("AE", "")
            r.field("BL", "N")
        case .checkout, .renew:
            r.fixed("0NNN")
            r.date(now, in: zone)
            r.field("AO", institution)
            r.field("AA", request.field("AA") ?? "")
            r.field("AB", request.field("AB") ?? "")
            r.field("AJ", "")
            r.field("AH", "")
        case .checkin:
            r.fixed("0NNY")
            r.date(now, in: zone)
            r.field("AO", institution)
            r.field("AB", request.field("AB") ?? "")
            r.field("AQ", "")
        case .renewAll:
            r.fixed("0")
            r.count(0)
            r.count(0)
            r.date(now, in: zone)
            r.field("AO", institution)
        case .itemInformation:
            r.fixed("01")
            r.fixed("00")
            r.fixed("01")
            r.date(now, in: zone)
            r.field("AB", request.field("AB") ?? "")
            r.field("AJ", "")
        case .hold:
            r.fixed("0N")
            r.date(now, in: zone)
            r.field("AO", institution)
            r.field("AA", request.field("AA") ?? "")
        case .feePaid:
            r.fixed("N")
            r.date(now, in: zone)
            r.field("AO", institution)
            r.field("AA", request.field("AA") ?? "")
        case .endSession:
            r.fixed("N")
            r.date(now, in: zone)
            r.field("AO", institution)
            r.field("AA", request.field("AA") ?? "")
        case .resend, .requestResend:
            return SIP2Response("96")
        }
        r.field("AF", optional: message)
        return r
    }
}

/// Door entries seen in the last minute, so one person asked about twice
/// (status, then information) counts as one visit. Holds only a hash of
/// member and branch, in memory, for a minute.
final class DoorEntries: @unchecked Sendable {
    static let window: TimeInterval = 60
    private let lock = NSLock()
    private var seen: [String: Date] = [:]

    /// True when this entry is new (not seen in the window).
    func isNew(member: UUID, branch: UUID, now: Date) -> Bool {
        let key = SHA256.hash(data: Data("\(member)\(branch)".utf8)).map { String(format: "%02x", $0) }.joined()
        return lock.withLock {
            if seen.count > 1_000 { seen = seen.filter { now.timeIntervalSince($0.value) < Self.window } }
            if let last = seen[key], now.timeIntervalSince(last) < Self.window { return false }
            seen[key] = now
            return true
        }
    }
}

/// Shared state of self-service on one app server (set up in `configure`).
public final class SelfServiceState: @unchecked Sendable {
    let doorEntries = DoorEntries()
    let doorLogins = DoorLogins()
    let sortBins = SortBinCache()
    private let lock = NSLock()
    private var hash: String?
    private var clock: @Sendable () -> Date = { Date() }

    /// The time self-service works with (tests set a fixed one).
    var now: Date { lock.withLock { clock }() }

    /// Sets the clock: tests put it inside staffed, self-service or closed hours.
    public func setClock(_ clock: @escaping @Sendable () -> Date) { lock.withLock { self.clock = clock } }

    /// A hash of a random password, verified against when a login names no terminal.
    var dummyHash: String? {
        get { lock.withLock { hash } }
        set { lock.withLock { hash = newValue } }
    }
}

/// Door terminals that signed in over HTTP in the last minute: a SHA-256
/// of login, password and stored hash, so a changed password is asked again.
final class DoorLogins: @unchecked Sendable {
    static let lifetime: TimeInterval = 60
    private let lock = NSLock()
    private var known: [String: Date] = [:]

    func key(_ login: String, _ password: String, _ hash: String) -> String {
        SHA256.hash(data: Data("\(login)\u{0}\(password)\u{0}\(hash)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func isKnown(login: String, password: String, hash: String, now: Date) -> Bool {
        let key = key(login, password, hash)
        return lock.withLock { known[key].map { $0 > now } ?? false }
    }

    func remember(login: String, password: String, hash: String, now: Date) {
        let key = key(login, password, hash)
        lock.withLock {
            if known.count > 1_000 { known = known.filter { $0.value > now } }
            known[key] = now.addingTimeInterval(Self.lifetime)
        }
    }
}

/// Each branch's sort bins, kept per `ConfigVersion`: a sorter asks for
/// them on every return, and a change raises the number, so every app server
/// reads them again at its next message.
final class SortBinCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [UUID: (bins: SortBins, configVersion: Int)] = [:]

    func bins(_ branch: UUID, configVersion: Int, load: () async throws -> SortBins) async throws -> SortBins {
        if let hit = lock.withLock({ entries[branch] }), hit.configVersion == configVersion { return hit.bins }
        let bins = try await load()
        lock.withLock { entries[branch] = (bins, configVersion) }
        return bins
    }

}

struct SelfServiceStateKey: StorageKey { typealias Value = SelfServiceState }

extension Application {
    public var selfService: SelfServiceState { storage[SelfServiceStateKey.self]! }
}
