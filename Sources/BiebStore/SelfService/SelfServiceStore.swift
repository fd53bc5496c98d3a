import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What staff fill in for a SIP2 terminal account.
public struct TerminalDraft: Sendable {
    public var name: String
    public var login: String
    public var kind: SIP2Terminal.Kind
    public var branch: UUID
    public var locationCode: String?
    public var language: String
    /// Nil: the standard messages of the kind.
    public var allowedMessages: Set<SIP2.Command>?
    public var active: Bool

    public init(name: String, login: String, kind: SIP2Terminal.Kind, branch: UUID, locationCode: String? = nil, language: String = "nl",
                allowedMessages: Set<SIP2.Command>? = nil, active: Bool = true) {
        self.name = name
        self.login = login
        self.kind = kind
        self.branch = branch
        self.locationCode = locationCode
        self.language = language
        self.allowedMessages = allowedMessages
        self.active = active
    }

    func validate() throws {
        guard !name.trimmed.isEmpty, name.count <= 100 else {
            throw BiebError.invalid("name", "Give the terminal a name (at most 100 characters).", nl: "Geef de terminal een naam (hoogstens 100 tekens).")
        }
        guard (3...40).contains(login.count), login.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw BiebError.invalid("login", "A login is 3 to 40 letters, digits, dots, dashes or underscores.",
                                    nl: "Een login bestaat uit 3 tot 40 letters, cijfers, punten, streepjes of lage streepjes.")
        }
        if let code = locationCode, code.count > 40 || code.contains("|") {
            throw BiebError.invalid("location_code", "A location code is at most 40 characters, without '|'.",
                                    nl: "Een locatiecode is hoogstens 40 tekens, zonder '|'.")
        }
        guard ["nl", "en"].contains(language) else {
            throw BiebError.invalid("language", "The language is nl or en.", nl: "De taal is nl of en.")
        }
    }

    /// A terminal password: at least 8 characters (machines keep it, people do not type it).
    public static func validatePassword(_ password: String) throws {
        guard password.count >= 8, password.count <= 128, !password.contains("|") else {
            throw BiebError.invalid("password", "A terminal password is 8 to 128 characters, without '|'.",
                                    nl: "Een terminalwachtwoord is 8 tot 128 tekens, zonder '|'.")
        }
    }
}

/// Self-service of an organisation: SIP2 terminal accounts, sort bins per
/// branch, members' PINs and self-service terms, and door visits.
public struct SelfServiceStore: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    // MARK: Terminals

    public func terminals() async throws -> [SIP2Terminal] {
        try await SIP2Terminal.query(on: db).filter(\.$organisationID == organisationID).sort(\.$name).all()
    }

    public func terminal(_ id: UUID) async throws -> SIP2Terminal {
        guard let terminal = try await SIP2Terminal.query(on: db).filter(\.$id == id).filter(\.$organisationID == organisationID).first() else {
            throw BiebError.notFound("terminal", nl: "Terminal niet gevonden.")
        }
        return terminal
    }

    /// The terminal with a login, in any organisation (a SIP2 login names no organisation).
    public static func terminal(login: String, on db: any Database) async throws -> SIP2Terminal? {
        try await SIP2Terminal.query(on: db).filter(\.$login == login).first()
    }

    public func create(_ draft: TerminalDraft, passwordHash: String, now: Date = Date()) async throws -> SIP2Terminal {
        try draft.validate()
        try await checkBranch(draft.branch)
        let terminal = SIP2Terminal()
        terminal.organisationID = organisationID
        terminal.passwordHash = passwordHash
        terminal.createdAt = now
        apply(draft, to: terminal, now: now)
        try await saveUnique(terminal)
        return terminal
    }

    public func update(_ id: UUID, _ draft: TerminalDraft, passwordHash: String?, now: Date = Date()) async throws -> SIP2Terminal {
        try draft.validate()
        try await checkBranch(draft.branch)
        let terminal = try await terminal(id)
        apply(draft, to: terminal, now: now)
        if let passwordHash { terminal.passwordHash = passwordHash }
        try await saveUnique(terminal)
        return terminal
    }

    public func delete(_ id: UUID) async throws {
        try await terminal(id).delete(on: db)
    }

    public func touchLogin(_ id: UUID, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.update(SIP2Terminal.schema).set("last_login_at", to: now).where("id", .equal, id).run()
        }
    }

    func apply(_ draft: TerminalDraft, to terminal: SIP2Terminal, now: Date) {
        terminal.name = draft.name.trimmed
        terminal.login = draft.login
        terminal.kindRaw = draft.kind.rawValue
        terminal.branchID = draft.branch
        terminal.locationCode = draft.locationCode?.trimmed.isEmpty == false ? draft.locationCode?.trimmed : nil
        terminal.language = draft.language
        terminal.allowedMessages = (draft.allowedMessages ?? draft.kind.standardMessages)
            .union([.login, .status, .resend, .requestResend, .endSession])
        terminal.active = draft.active
        terminal.updatedAt = now
    }

    func saveUnique(_ terminal: SIP2Terminal) async throws {
        if let other = try await Self.terminal(login: terminal.login, on: db), other.id != terminal.id {
            _ = other
            throw BiebError(.conflict, code: "login_taken", field: "login", message: "The login \(terminal.login) is already in use.",
                            nl: "De login \(terminal.login) is al in gebruik.")
        }
        do {
            try await terminal.save(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw BiebError(.conflict, code: "login_taken", field: "login", message: "The login \(terminal.login) is already in use.",
                            nl: "De login \(terminal.login) is al in gebruik.")
        }
    }

    func checkBranch(_ id: UUID) async throws {
        guard try await sql.select().column("id").from(Branch.schema).where("id", .equal, id)
            .where("organisation_id", .equal, organisationID).first() != nil else {
            throw BiebError.invalid("branch", "No such branch in this organisation.", nl: "Deze vestiging hoort niet bij deze organisatie.")
        }
    }

    // MARK: Sort bins

    public func sortBins(branch: UUID) async throws -> SortBins {
        guard let row = try await sql.select().columns("holds", "transit", "shelf").from("sort_bins").where("branch_id", .equal, branch).first() else {
            return SortBins()
        }
        return SortBins(holds: try row.decode(column: "holds", as: String.self), transit: try row.decode(column: "transit", as: String.self),
                        shelf: try row.decode(column: "shelf", as: String.self))
    }

    public func setSortBins(_ bins: SortBins, branch: UUID) async throws {
        try bins.validate()
        try await checkBranch(branch)
        try await sql.raw("""
            INSERT INTO sort_bins (branch_id, holds, transit, shelf) VALUES (\(bind: branch), \(bind: bins.holds), \(bind: bins.transit), \(bind: bins.shelf))
            ON CONFLICT (branch_id) DO UPDATE SET holds = excluded.holds, transit = excluded.transit, shelf = excluded.shelf
            """).run()
    }

    // MARK: Members: PIN and terms

    /// A member's PIN hash, failed tries in a row, and lock.
    public struct PINState: Sendable, Equatable {
        public let hash: String?
        public let failures: Int
        public let lockedUntil: Date?

        public func locked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }
    }

    public func pinState(member: UUID) async throws -> PINState {
        guard let row = try await sql.select().columns("pin_hash", "pin_failures", "pin_locked_until").from(Member.schema)
            .where("id", .equal, member).where("organisation_id", .equal, organisationID).first() else {
            throw BiebError.notFound("member", nl: "Lid niet gevonden.")
        }
        return PINState(hash: try row.decode(column: "pin_hash", as: String?.self), failures: try row.decode(column: "pin_failures", as: Int.self),
                        lockedUntil: try row.decode(column: "pin_locked_until", as: Date?.self))
    }

    /// Counts a wrong PIN (one statement, so racing terminals each count);
    /// the last allowed try locks the PIN. Returns the lock, if any.
    public func recordWrongPIN(member: UUID, now: Date = Date()) async throws -> Date? {
        let lock = now.addingTimeInterval(TimeInterval(MemberPIN.lockMinutes * 60))
        let found = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE members SET pin_failures = pin_failures + 1,
                    pin_locked_until = CASE WHEN pin_failures + 1 >= \(bind: MemberPIN.maximumFailures) THEN \(bind: lock) ELSE pin_locked_until END
                WHERE id = \(bind: member) RETURNING pin_locked_until
                """).first()
        }
        guard let row = found else { return nil }
        return try row.decode(column: "pin_locked_until", as: Date?.self).flatMap { $0 > now ? $0 : nil }
    }

    /// A right PIN: the count of wrong tries starts again.
    public func clearPINFailures(member: UUID) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.update(Member.schema).set("pin_failures", to: 0).set("pin_locked_until", to: SQLLiteral.null)
                .where("id", .equal, member).where("pin_failures", .greaterThan, 0).run()
        }
    }

    /// Sets (or removes, with nil) a member's PIN hash; a new PIN lifts a lock.
    public func setPIN(member: UUID, hash: String?, staff: UUID? = nil, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.update(Member.schema).set("pin_hash", to: hash).set("pin_failures", to: 0)
                .set("pin_locked_until", to: SQLLiteral.null).set("updated_at", to: now)
                .where("id", .equal, member).where("organisation_id", .equal, organisationID).returning("id").first() != nil else {
                throw BiebError.notFound("member", nl: "Lid niet gevonden.")
            }
            try await Ledger.event(hash == nil ? "pin_removed" : "pin_set", organisation: organisationID, at: now, member: member,
                                   staff: staff, on: sql)
        }
    }

    /// Records that the member accepted the self-service terms (a day), or withdrew (nil).
    public func setTermsAccepted(member: UUID, on day: LocalDate?, staff: UUID? = nil, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.update(Member.schema).set("self_service_terms_on", to: day?.iso).set("updated_at", to: now)
                .where("id", .equal, member).where("organisation_id", .equal, organisationID).returning("id").first() != nil else {
                throw BiebError.notFound("member", nl: "Lid niet gevonden.")
            }
            try await Ledger.event(day == nil ? "self_service_terms_withdrawn" : "self_service_terms_accepted", organisation: organisationID,
                                   at: now, member: member, staff: staff, detail: day?.iso ?? "", on: sql)
        }
    }

    /// What the door needs beyond circulation's facts: member since, terms.
    public struct DoorFacts: Sendable, Equatable {
        public let memberSince: LocalDate
        public let termsAcceptedOn: LocalDate?
        public let hasPIN: Bool
    }

    public func doorFacts(member: UUID) async throws -> DoorFacts {
        guard let row = try await sql.select().columns("membership_start", "self_service_terms_on", "pin_hash").from(Member.schema)
            .where("id", .equal, member).where("organisation_id", .equal, organisationID).first() else {
            throw BiebError.notFound("member", nl: "Lid niet gevonden.")
        }
        return DoorFacts(memberSince: LocalDate(iso: try row.decode(column: "membership_start", as: String.self))!,
                         termsAcceptedOn: try row.decode(column: "self_service_terms_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                         hasPIN: try row.decode(column: "pin_hash", as: String?.self) != nil)
    }

    // MARK: Visits

    public func recordVisit(branch: UUID, at now: Date, via: String, ageBand: String, category: String) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.insert(into: Visits.schema)
                .columns("organisation_id", "branch_id", "at", "via", "age_band", "category")
                .values(SQLBind(organisationID), SQLBind(branch), SQLBind(now), SQLBind(via), SQLBind(ageBand), SQLBind(category))
                .run()
        }
    }

    /// Entries per branch between two instants.
    public func visitCounts(from: Date, to: Date) async throws -> [UUID: Int] {
        var counts: [UUID: Int] = [:]
        for row in try await sql.raw("""
            SELECT branch_id, COUNT(*) AS n FROM visits WHERE organisation_id = \(bind: organisationID)
            AND at >= \(bind: from) AND at < \(bind: to) GROUP BY branch_id
            """).all() {
            counts[try row.decode(column: "branch_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
        }
        return counts
    }
}
