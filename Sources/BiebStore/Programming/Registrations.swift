import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Who registers: a member, or a guest with just a name and an e-mail address.
public struct RegistrationRequest: Sendable {
    public var memberID: UUID?
    public var name: String?
    public var email: String?
    public var places: Int
    /// The language of the messages to a guest (nl or en).
    public var language: String
    /// A guest registering themself (on the public page or API): provisional
    /// until the link in the mail is used, within the organisation's
    /// `GuestRules`. Staff registering a guest vouch for the address.
    public var provisional: Bool
    /// Agreed to be asked a few questions after the activity (customer research); off unless ticked.
    public var researchConsent: Bool

    public init(member: UUID? = nil, name: String? = nil, email: String? = nil, places: Int = 1, language: String = "nl",
                provisional: Bool = false, researchConsent: Bool = false) {
        self.researchConsent = researchConsent
        self.memberID = member
        self.name = name
        self.email = email
        self.places = places
        self.language = language
        self.provisional = provisional && member == nil
    }
}

/// Attendance of one session.
public struct SessionAttendance: Sendable, Equatable {
    public let session: ActivitySession
    /// Places registered (the registrations count, not the places).
    public let registered: Int
    public let attended: Int
    /// Registered but not checked in, once the session is over; nil before.
    public let noShows: Int?
    /// People counted by staff where nobody registers (a walk-in lecture); nil: not counted.
    public var headCount: Int? = nil
}

/// A line of the list at the door.
public struct DoorListLine: Sendable, Equatable {
    public let registration: Registration
    /// The member's or the guest's name.
    public let name: String
    public let cardNumber: String?
    /// Sessions the registration was checked in for.
    public let attendedSessions: [Int]
}

/// Registrations for activities: places, the waiting list, cancellations,
/// check-in. Every change takes the activity's row first, so two people
/// racing for the last place: one gets it, the other goes on the waiting
/// list; a cancellation moves the first on the waiting list up in the same
/// transaction and tells them.
///
/// A guest who registers themself gets a provisional registration: it
/// holds its places (at most `GuestRules.placesPerRegistration`), and the
/// mail asks to confirm by its link within `GuestRules.confirmHours` (never
/// past the start). Unconfirmed, it lapses (`lapseUnconfirmed`, every ten
/// minutes): its places go to the waiting list and the guest's name and
/// address are erased. One address gets at most one such mail an hour, so
/// nobody can use the form to mail a stranger over and over.
public struct Registrations: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }
    /// For reading activities (times are instants; the zone is not used here).
    var programme: Programme { Programme(db, organisationID: organisationID, timeZone: .gmt) }

    public static let maximumPlaces = 10

    static func registration(_ row: any SQLRow) throws -> Registration {
        try row.decode(model: Registration.self)
    }

    // MARK: Guests

    /// The organisation's rules for guests (Bieb's defaults until set).
    public func guestRules() async throws -> GuestRules {
        guard let row = try await sql.raw("""
            SELECT places_per_registration, confirm_hours FROM guest_rules WHERE organisation_id = \(bind: organisationID)
            """).first() else { return GuestRules() }
        return GuestRules(placesPerRegistration: try row.decode(column: "places_per_registration", as: Int.self),
                          confirmHours: try row.decode(column: "confirm_hours", as: Int.self))
    }

    /// Changes the rules given (the others stay), for the staff page and the API alike.
    public func updateGuestRules(placesPerRegistration: Int?, confirmHours: Int?, now: Date = Date()) async throws -> GuestRules {
        let current = try await guestRules()
        return try await setGuestRules(GuestRules(placesPerRegistration: placesPerRegistration ?? current.placesPerRegistration,
                                                  confirmHours: confirmHours ?? current.confirmHours), now: now)
    }

    public func setGuestRules(_ rules: GuestRules, now: Date = Date()) async throws -> GuestRules {
        let valid = try rules.validated()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO guest_rules (organisation_id, places_per_registration, confirm_hours, updated_at)
                VALUES (\(bind: organisationID), \(bind: valid.placesPerRegistration), \(bind: valid.confirmHours), \(bind: now))
                ON CONFLICT (organisation_id) DO UPDATE SET places_per_registration = excluded.places_per_registration,
                    confirm_hours = excluded.confirm_hours, updated_at = excluded.updated_at
                """).run()
        }
        return valid
    }

    /// Confirms a guest's registration by the key from its mail; it counts from now on
    /// (one on the waiting list may move up at once). Refused when it lapsed or was cancelled.
    @discardableResult
    public func confirm(token: String, now: Date = Date()) async throws -> Registration {
        guard let registration = try await registration(token: token) else {
            throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden (of al verlopen).")
        }
        guard registration.isProvisional else { return registration }
        guard registration.status != .cancelled else {
            throw BiebError(.conflict, code: "registration_cancelled", message: "This registration was cancelled. Register again.",
                            nl: "Deze aanmelding is afgezegd. Meld je opnieuw aan.")
        }
        guard registration.status == .registered || registration.status == .waiting, let deadline = registration.confirmBy, deadline > now else {
            throw BiebError(.conflict, code: "registration_lapsed", message: "This registration was not confirmed in time and has lapsed. Register again.",
                            nl: "Deze aanmelding is niet op tijd bevestigd en is vervallen. Meld je opnieuw aan.")
        }
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("UPDATE activities SET capacity = capacity WHERE id = \(bind: registration.activityID) RETURNING id").first() != nil,
                  try await sql.raw("""
                      UPDATE registrations SET confirmed_at = \(bind: now)
                      WHERE id = \(bind: registration.id) AND confirmed_at IS NULL AND status IN ('registered', 'waiting') RETURNING id
                      """).first() != nil else { return }
            if registration.status == .waiting { _ = try await Self.promote(activity: registration.activityID, now: now, on: sql) }
        }
        return try await self.registration(registration.id)!
    }

    /// Guests' registrations not confirmed in time lapse: their places go to
    /// the waiting list, and their name, address and messages are erased.
    /// Returns how many lapsed.
    @discardableResult
    public func lapseUnconfirmed(now: Date = Date()) async throws -> Int {
        let organisationID = organisationID
        let due = try await sql.raw("""
            SELECT r.id, r.activity_id FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE r.confirm_by < \(bind: now) AND r.confirmed_at IS NULL AND r.confirm_by IS NOT NULL
              AND r.status IN ('registered', 'waiting') AND a.organisation_id = \(bind: organisationID)
            """).all().map { (try $0.decode(column: "id", as: Int.self), try $0.decode(column: "activity_id", as: UUID.self)) }
        var lapsed = 0
        for (id, activity) in due {
            lapsed += try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                _ = try await sql.raw("UPDATE activities SET capacity = capacity WHERE id = \(bind: activity) RETURNING id").first()
                guard try await sql.raw("""
                    UPDATE registrations SET status = 'lapsed', cancelled_at = \(bind: now), guest_name = NULL, guest_email = NULL, token = NULL
                    WHERE id = \(bind: id) AND confirmed_at IS NULL AND status IN ('registered', 'waiting') RETURNING id
                    """).first() != nil else { return 0 }
                try await Outbox.forget(reference: "registration:\(id)", organisation: organisationID, on: sql)
                _ = try await Self.promote(activity: activity, now: now, on: sql)
                return 1
            }
        }
        return lapsed
    }

    /// A random key for a cancellation link (128 bits, hex).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    public func registration(_ id: Int) async throws -> Registration? {
        try await registration(where: "r.id = \(bind: id)")
    }

    /// The registration a confirmation or cancellation link names (its token is 32 hex digits).
    public func registration(token: String) async throws -> Registration? {
        guard token.count == 32 else { return nil }
        return try await registration(where: "r.token = \(bind: token)")
    }

    /// One registration for an activity of this organisation's (`r` is the registration).
    private func registration(where condition: SQLQueryString) async throws -> Registration? {
        try await sql.raw("""
            SELECT r.* FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE \(condition) AND a.organisation_id = \(bind: organisationID)
            """).first().map(Self.registration)
    }

    /// A member's registrations (not cancelled ones), soonest activity first.
    public func registrations(member: UUID) async throws -> [Registration] {
        try await sql.raw("""
            SELECT r.* FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE r.member_id = \(bind: member) AND a.organisation_id = \(bind: organisationID) AND r.status IN ('registered', 'waiting')
            ORDER BY a.starts_at
            """).all().map(Self.registration)
    }

    /// Registers for an activity: a place if there is one (and nobody is
    /// waiting before), otherwise the waiting list. A paid place is added to
    /// the member's fees. Refused with the reason, nothing stored.
    public func register(for activityID: UUID, _ request: RegistrationRequest, now: Date = Date()) async throws -> Registration {
        guard let listing = try await programme.listing(activityID) else {
            throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.")
        }
        let activity = listing.activity
        guard activity.status == .published else {
            throw BiebError(.conflict, code: "not_open", message: activity.status == .cancelled ? "The activity was cancelled." : "The activity is not on the agenda yet.",
                            nl: activity.status == .cancelled ? "De activiteit is afgelast." : "De activiteit staat nog niet in de agenda.")
        }
        guard activity.registration != .none else {
            throw BiebError(.conflict, code: "no_registration", message: "No registration needed: just come.", nl: "Aanmelden is niet nodig: kom gewoon langs.")
        }
        guard let start = listing.firstStart, start > now else {
            throw BiebError(.conflict, code: "registration_closed", message: "Registration has closed: the activity has begun.",
                            nl: "Aanmelden kan niet meer: de activiteit is begonnen.")
        }
        let rules = request.provisional ? try await guestRules() : GuestRules(placesPerRegistration: Self.maximumPlaces)
        guard (1...rules.placesPerRegistration).contains(request.places) else {
            throw BiebError.invalid("places", "Register 1 to \(rules.placesPerRegistration) places.",
                                    nl: "Meld 1 tot \(rules.placesPerRegistration) plaatsen aan.")
        }
        let confirmBy = request.provisional ? min(now.addingTimeInterval(Double(rules.confirmHours) * 3600), start) : nil
        var name: String?, email: String?
        if let member = request.memberID {
            guard try await Member.query(on: db).filter(\.$id == member).filter(\.$organisationID == organisationID).first() != nil else {
                throw BiebError.notFound("member", nl: "Lid niet gevonden.")
            }
        } else {
            guard activity.registration != .paid else {
                throw BiebError.invalid("member", "A paid activity needs a library account: sign in first.", nl: "Voor een betaalde activiteit heb je een bibliotheekaccount nodig: log eerst in.", code: "account_required")
            }
            let given = (request.name ?? "").trimmed
            guard (1...100).contains(given.count) else { throw BiebError.invalid("name", "Give your name (at most 100 characters).", nl: "Vul je naam in (hoogstens 100 tekens).") }
            guard let address = Validate.email(request.email ?? "") else {
                throw BiebError.invalid("email", "'\(request.email ?? "")' is not an e-mail address.", nl: "'\(request.email ?? "")' is geen e-mailadres.")
            }
            name = given
            email = address
        }
        let language = request.language == "en" ? "en" : "nl"
        let organisationID = organisationID
        let (guestName, guestEmail) = (name, email)
        let token = Self.newToken()
        let id = try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            // The activity's row first: registrations for one activity take turns here.
            guard let row = try await sql.raw("""
                UPDATE activities SET capacity = capacity WHERE id = \(bind: activityID) AND status = 'published' RETURNING capacity, price_cents, registration, title
                """).first() else {
                throw BiebError(.conflict, code: "not_open", message: "The activity was cancelled.", nl: "De activiteit is afgelast.")
            }
            let duplicate: SQLQueryString = request.memberID != nil
                ? "member_id = \(bind: request.memberID)" : "member_id IS NULL AND LOWER(guest_email) = \(bind: guestEmail?.lowercased())"
            if try await sql.raw("""
                SELECT 1 AS x FROM registrations WHERE activity_id = \(bind: activityID) AND status IN ('registered', 'waiting') AND
                """ + " " + duplicate).first() != nil {
                throw BiebError(.conflict, code: "already_registered", field: request.memberID != nil ? "member" : "email",
                                message: "You are already registered for this activity (or on its waiting list).",
                                nl: "Je bent al aangemeld voor deze activiteit (of staat op de wachtlijst).")
            }
            if request.provisional, let address = guestEmail?.lowercased(), try await sql.raw("""
                SELECT 1 AS x FROM registrations WHERE member_id IS NULL AND LOWER(guest_email) = \(bind: address) AND confirmed_at IS NULL
                  AND confirm_by IS NOT NULL AND status IN ('registered', 'waiting') AND created_at > \(bind: now.addingTimeInterval(-3_600))
                """).first() != nil {
                // One unconfirmed mail an hour to an address, across activities and organisations.
                throw BiebError(.tooManyRequests, code: "confirmation_pending", field: "email",
                                message: "We sent a mail to this address less than an hour ago. Confirm that registration first by the link in the mail, or try again later.",
                                nl: "We stuurden minder dan een uur geleden een mail naar dit adres. Bevestig eerst die aanmelding met de link in de mail, of probeer het later opnieuw.",
                                retryAfter: 3_600)
            }
            let capacity = try row.decode(column: "capacity", as: Int?.self)
            let counts = try await Self.counts(activity: activityID, on: sql)
            let fits = capacity.map { counts.waiting == 0 && counts.taken + request.places <= $0 } ?? true
            if let capacity, request.places > capacity {
                throw BiebError.invalid("places", "The activity has \(capacity) places in all.", nl: "De activiteit heeft in totaal \(capacity) plaatsen.")
            }
            let id = try await sql.raw("""
                INSERT INTO registrations (activity_id, member_id, guest_name, guest_email, places, status, token, language, created_at, confirm_by,
                    research_consent)
                VALUES (\(bind: activityID), \(bind: request.memberID), \(bind: guestName), \(bind: guestEmail), \(bind: request.places),
                    \(bind: fits ? "registered" : "waiting"), \(bind: token), \(bind: language), \(bind: now), \(bind: confirmBy),
                    \(bind: request.researchConsent))
                RETURNING id
                """).first()!.decode(column: "id", as: Int.self)
            if fits {
                try await Self.charge(registration: id, on: sql, organisation: organisationID, now: now)
            }
            if confirmBy != nil {
                try await Outbox.enqueue(.activityConfirm, organisation: organisationID, member: nil, reference: "registration:\(id)",
                                         dedupe: "confirm:\(id)", at: now, on: sql)
            } else {
                try await Outbox.enqueue(.activityRegistered, organisation: organisationID, member: request.memberID, reference: "registration:\(id)",
                                         dedupe: "registered:\(id)", at: now, on: sql)
            }
            return id
        }
        return try await registration(id)!
    }

    static func counts(activity: UUID, on sql: any SQLDatabase) async throws -> (taken: Int, waiting: Int) {
        var taken = 0, waiting = 0
        for row in try await sql.raw("""
            SELECT status, CAST(SUM(places) AS BIGINT) AS places FROM registrations
            WHERE activity_id = \(bind: activity) AND status IN ('registered', 'waiting') GROUP BY status
            """).all() {
            let places = try row.decode(column: "places", as: Int.self)
            if try row.decode(column: "status", as: String.self) == "registered" { taken = places } else { waiting = places }
        }
        return (taken, waiting)
    }

    /// A paid activity's place on the member's fees (once).
    static func charge(registration id: Int, on sql: any SQLDatabase, organisation: UUID, now: Date) async throws {
        guard let row = try await sql.raw("""
            SELECT r.member_id, r.places, r.fee_line_id, a.price_cents, a.registration, a.title, a.branch_id FROM registrations r
            JOIN activities a ON a.id = r.activity_id WHERE r.id = \(bind: id)
            """).first(), try row.decode(column: "registration", as: String.self) == RegistrationMode.paid.rawValue,
              try row.decode(column: "fee_line_id", as: Int?.self) == nil, let member = try row.decode(column: "member_id", as: UUID?.self) else { return }
        let cents = try row.decode(column: "price_cents", as: Int.self) * row.decode(column: "places", as: Int.self)
        let line = try await Ledger.post(.activity, cents: cents, member: member, organisation: organisation,
                                         note: try row.decode(column: "title", as: String.self), branch: try row.decode(column: "branch_id", as: UUID.self),
                                         at: now, on: sql)
        try await sql.raw("UPDATE registrations SET fee_line_id = \(bind: line) WHERE id = \(bind: id)").run()
    }

    /// A paid place given up: its price credited back (a fee not yet paid is then settled; a paid one leaves a credit).
    static func refund(registration id: Int, on sql: any SQLDatabase, organisation: UUID, now: Date) async throws {
        guard let row = try await sql.raw("""
            SELECT r.member_id, r.fee_line_id, r.status, a.title, a.branch_id, f.amount_cents FROM registrations r
            JOIN activities a ON a.id = r.activity_id JOIN fee_lines f ON f.id = r.fee_line_id WHERE r.id = \(bind: id)
            """).first(), try row.decode(column: "status", as: String.self) == "registered",
              let member = try row.decode(column: "member_id", as: UUID?.self) else { return }
        try await Ledger.post(.activity, cents: -(try row.decode(column: "amount_cents", as: Int.self)), member: member, organisation: organisation,
                              note: FeeNote.cancelledRegistration(activity: try row.decode(column: "title", as: String.self)),
                              branch: try row.decode(column: "branch_id", as: UUID.self), at: now, on: sql)
    }

    /// Moves people up from the waiting list, first come first served (in the
    /// order their registrations were stored, under the activity's row), while
    /// their places fit; each hears it. Inside the caller's transaction, which holds the activity's row.
    static func promote(activity: UUID, now: Date, on sql: any SQLDatabase) async throws -> [Int] {
        guard let row = try await sql.raw("""
            SELECT capacity, status, organisation_id, starts_at FROM activities WHERE id = \(bind: activity)
            """).first(), try row.decode(column: "status", as: String.self) == "published",
              let start = try row.decode(column: "starts_at", as: Date?.self), start > now else { return [] }
        let organisation = try row.decode(column: "organisation_id", as: UUID.self)
        let capacity = try row.decode(column: "capacity", as: Int?.self)
        var taken = try await counts(activity: activity, on: sql).taken
        var promoted: [Int] = []
        for waiting in try await sql.raw("""
            SELECT id, member_id, places FROM registrations WHERE activity_id = \(bind: activity) AND status = 'waiting'
              AND (confirmed_at IS NOT NULL OR confirm_by IS NULL) ORDER BY id
            """).all() {
            let places = try waiting.decode(column: "places", as: Int.self)
            if let capacity, taken + places > capacity { break }
            let id = try waiting.decode(column: "id", as: Int.self)
            try await sql.raw("UPDATE registrations SET status = 'registered', promoted_at = \(bind: now) WHERE id = \(bind: id)").run()
            try await charge(registration: id, on: sql, organisation: organisation, now: now)
            try await Outbox.enqueue(.activityPromoted, organisation: organisation, member: try waiting.decode(column: "member_id", as: UUID?.self),
                                     reference: "registration:\(id)", dedupe: "promoted:\(id)", at: now, on: sql)
            taken += places
            promoted.append(id)
        }
        return promoted
    }

    /// Cancels a registration (`member`: only that member's own); the
    /// waiting list moves up. Returns the ids moved up.
    @discardableResult
    public func cancel(_ id: Int, member: UUID? = nil, now: Date = Date()) async throws -> [Int] {
        guard let registration = try await registration(id), member == nil || registration.memberID == member else {
            throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.")
        }
        guard registration.status != .cancelled else { return [] }
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("""
                UPDATE activities SET capacity = capacity WHERE id = \(bind: registration.activityID) RETURNING starts_at
                """).first() else { return [] }
            if let start = try row.decode(column: "starts_at", as: Date?.self), start <= now, registration.status == .registered {
                throw BiebError(.conflict, code: "activity_begun", message: "The activity has begun; cancelling is no longer possible.",
                                nl: "De activiteit is begonnen; afmelden kan niet meer.")
            }
            try await Self.refund(registration: id, on: sql, organisation: organisationID, now: now)
            guard try await sql.raw("""
                UPDATE registrations SET status = 'cancelled', cancelled_at = \(bind: now) WHERE id = \(bind: id) AND status IN ('registered', 'waiting') RETURNING id
                """).first() != nil else { return [] }
            return try await Self.promote(activity: registration.activityID, now: now, on: sql)
        }
    }

    /// The registrations of an activity, in order (registered first, then the waiting list).
    public func registrations(activity: UUID, includeCancelled: Bool = false) async throws -> [Registration] {
        try await sql.raw("""
            SELECT r.* FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE r.activity_id = \(bind: activity) AND a.organisation_id = \(bind: organisationID)
            """ + (includeCancelled ? "" : " AND r.status IN ('registered', 'waiting')")
            + " ORDER BY CASE r.status WHEN 'registered' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, r.id").all().map(Self.registration)
    }

    // MARK: Attendance

    /// Checks a registration in for a session (once; again is harmless).
    public func checkIn(registration id: Int, session: Int, staff: UUID?, now: Date = Date()) async throws {
        guard let registration = try await registration(id) else { throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.") }
        guard registration.status == .registered else {
            throw BiebError(.conflict, code: "not_registered", field: "registration",
                            message: registration.status == .waiting ? "This person is on the waiting list, not registered." : "This registration was cancelled.",
                            nl: registration.status == .waiting ? "Deze persoon staat op de wachtlijst, niet aangemeld." : "Deze aanmelding is geannuleerd.")
        }
        guard try await sql.raw("""
            SELECT 1 AS x FROM activity_sessions WHERE id = \(bind: session) AND activity_id = \(bind: registration.activityID)
            """).first() != nil else { throw BiebError.notFound("session", nl: "Keer niet gevonden.") }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO attendance (registration_id, session_id, checked_in_at, staff_user_id) VALUES (\(bind: id), \(bind: session), \(bind: now), \(bind: staff))
                ON CONFLICT (registration_id, session_id) DO NOTHING
                """).run()
        }
    }

    /// Checks in a member by their card: finds their registration for the activity.
    public func checkIn(card: String, activity: UUID, session: Int, staff: UUID?, now: Date = Date()) async throws -> Registration {
        guard let member = try await MemberDirectory(db, organisationID: organisationID).member(card: card)?.member else {
            throw BiebError.invalid("card", "No member with card '\(card.trimmed)'.", nl: "Geen lid met pas '\(card.trimmed)'.", code: "card_not_found")
        }
        guard let registration = try await sql.raw("""
            SELECT r.* FROM registrations r WHERE r.activity_id = \(bind: activity) AND r.member_id = \(bind: member.id!)
              AND r.status IN ('registered', 'waiting') ORDER BY r.id DESC
            """).first().map(Self.registration) else {
            throw BiebError(.conflict, code: "not_registered", field: "card", message: "\(member.name) is not registered for this activity.",
                            nl: "\(member.name) is niet aangemeld voor deze activiteit.")
        }
        try await checkIn(registration: registration.id, session: session, staff: staff, now: now)
        return registration
    }

    public func undoCheckIn(registration id: Int, session: Int) async throws {
        guard try await registration(id) != nil else { throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.") }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM attendance WHERE registration_id = \(bind: id) AND session_id = \(bind: session)").run()
        }
    }

    /// Per session: registered, checked in, and no-shows once it is over.
    public func attendance(activity: UUID, now: Date = Date()) async throws -> [SessionAttendance] {
        guard let listing = try await programme.listing(activity) else { throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.") }
        let registered = try await sql.raw("""
            SELECT COUNT(*) AS n FROM registrations WHERE activity_id = \(bind: activity) AND status = 'registered'
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        var attended: [Int: Int] = [:]
        for row in try await sql.raw("""
            SELECT t.session_id, COUNT(*) AS n FROM attendance t JOIN registrations r ON r.id = t.registration_id
            WHERE r.activity_id = \(bind: activity) AND r.status = 'registered' GROUP BY t.session_id
            """).all() {
            attended[try row.decode(column: "session_id", as: Int.self)] = try row.decode(column: "n", as: Int.self)
        }
        var headCounts: [Int: Int] = [:]
        for row in try await sql.raw("""
            SELECT id, head_count FROM activity_sessions WHERE activity_id = \(bind: activity) AND head_count IS NOT NULL
            """).all() {
            headCounts[try row.decode(column: "id", as: Int.self)] = try row.decode(column: "head_count", as: Int.self)
        }
        return listing.sessions.map { session in
            let came = attended[session.id] ?? 0
            return SessionAttendance(session: session, registered: registered, attended: came,
                                     noShows: session.range.end <= now ? max(0, registered - came) : nil, headCount: headCounts[session.id])
        }
    }

    /// Sets the number of people staff counted at a session (nil clears it): the participants of an activity nobody
    /// registers for. Refused before the session started and above 100,000.
    public func setHeadCount(activity: UUID, session: Int, count: Int?, now: Date = Date()) async throws {
        if let count, !(0...100_000).contains(count) {
            throw BiebError.invalid("head_count", "Give a number from 0 to 100000.", nl: "Geef een getal van 0 tot en met 100000.")
        }
        guard let row = try await sql.raw("""
            SELECT s.starts_at FROM activity_sessions s JOIN activities a ON a.id = s.activity_id
            WHERE s.id = \(bind: session) AND s.activity_id = \(bind: activity) AND a.organisation_id = \(bind: organisationID)
            """).first() else { throw BiebError.notFound("session", nl: "Keer niet gevonden.") }
        guard try row.decode(column: "starts_at", as: Date.self) <= now else {
            throw BiebError(.conflict, code: "not_started", field: "head_count", message: "People are counted once the session has started.",
                            nl: "Tellen kan zodra de keer begonnen is.")
        }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("UPDATE activity_sessions SET head_count = \(bind: count) WHERE id = \(bind: session)").run()
        }
    }

    /// The list for the door: everyone registered (then the waiting list), with name, card and sessions checked in.
    public func doorList(activity: UUID) async throws -> [DoorListLine] {
        let registrations = try await registrations(activity: activity)
        var names: [UUID: (String, String?)] = [:]
        let members = registrations.compactMap(\.memberID)
        if !members.isEmpty {
            for row in try await sql.raw("""
                SELECT m.id, m.name, (SELECT c.barcode FROM member_cards c WHERE c.member_id = m.id AND c.status = 'active' ORDER BY c.barcode LIMIT 1) AS card
                FROM members m WHERE m.id IN (\(binds: members))
                """).all() {
                names[try row.decode(column: "id", as: UUID.self)] = (try row.decode(column: "name", as: String.self), try row.decode(column: "card", as: String?.self))
            }
        }
        var attended: [Int: [Int]] = [:]
        for row in try await sql.raw("""
            SELECT t.registration_id, t.session_id FROM attendance t JOIN registrations r ON r.id = t.registration_id
            WHERE r.activity_id = \(bind: activity) ORDER BY t.session_id
            """).all() {
            attended[try row.decode(column: "registration_id", as: Int.self), default: []].append(try row.decode(column: "session_id", as: Int.self))
        }
        return registrations.map { registration in
            let member = registration.memberID.flatMap { names[$0] }
            return DoorListLine(registration: registration, name: member?.0 ?? registration.guestName ?? "—", cardNumber: member?.1,
                                attendedSessions: attended[registration.id] ?? [])
        }
    }

    // MARK: Reminders and erasure

    /// Puts a reminder in the outbox for every registration of a session that
    /// starts within `ahead` (once per registration and session; the outbox's key).
    @discardableResult
    public func enqueueReminders(now: Date = Date(), ahead: TimeInterval = 24 * 3600) async throws -> Int {
        let organisationID = organisationID
        let due = try await sql.raw("""
            SELECT r.id, r.member_id, s.id AS session_id FROM registrations r JOIN activity_sessions s ON s.activity_id = r.activity_id
            JOIN activities a ON a.id = r.activity_id
            WHERE a.organisation_id = \(bind: organisationID) AND a.status = 'published' AND r.status = 'registered'
              AND (r.confirmed_at IS NOT NULL OR r.confirm_by IS NULL)
              AND s.starts_at > \(bind: now) AND s.starts_at <= \(bind: now.addingTimeInterval(ahead))
            """).all()
        guard !due.isEmpty else { return 0 }
        return try await WriteGate.transaction(on: db) { tx in
            var added = 0
            for row in due {
                let id = try row.decode(column: "id", as: Int.self), session = try row.decode(column: "session_id", as: Int.self)
                if try await Outbox.enqueue(.activityReminder, organisation: organisationID, member: try row.decode(column: "member_id", as: UUID?.self),
                                            reference: "registration:\(id):\(session)", dedupe: "reminder:\(id):\(session)", at: now, on: tx.sql) {
                    added += 1
                }
            }
            return added
        }
    }

    /// Erases the name and e-mail address of registrations without an
    /// account once their activity is over (plus its `guest_data_days`),
    /// including in the messages sent to them; the counts stay. Returns how many.
    @discardableResult
    public func eraseGuestData(now: Date = Date()) async throws -> Int {
        let organisationID = organisationID
        let activities = try await sql.raw("""
            SELECT id, ends_at, guest_data_days FROM activities
            WHERE organisation_id = \(bind: organisationID) AND guests_erased_at IS NULL AND ends_at < \(bind: now)
            """).all().filter {
            let end = try $0.decode(column: "ends_at", as: Date.self)
            return end.addingTimeInterval(Double(try $0.decode(column: "guest_data_days", as: Int.self)) * 86_400) <= now
        }.map { try $0.decode(column: "id", as: UUID.self) }
        guard !activities.isEmpty else { return 0 }
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            var erased = 0
            for activity in activities {
                let ids = try await sql.raw("""
                    UPDATE registrations SET guest_name = NULL, guest_email = NULL, token = NULL
                    WHERE activity_id = \(bind: activity) AND member_id IS NULL AND (guest_name IS NOT NULL OR guest_email IS NOT NULL OR token IS NOT NULL)
                    RETURNING id
                    """).all().map { try $0.decode(column: "id", as: Int.self) }
                try await sql.raw("UPDATE registrations SET token = NULL WHERE activity_id = \(bind: activity)").run()
                for id in ids {
                    try await Outbox.forget(reference: "registration:\(id)", organisation: organisationID, on: sql)
                }
                try await sql.raw("UPDATE activities SET guests_erased_at = \(bind: now) WHERE id = \(bind: activity)").run()
                erased += ids.count
            }
            return erased
        }
    }
}
