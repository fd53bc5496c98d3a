import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What the agenda shows.
public struct AgendaFilter: Sendable, Equatable {
    public var branchID: UUID?
    /// Activities still running after this moment.
    public var from: Date
    /// Activities that start before this moment.
    public var to: Date?
    public var kind: String?
    public var theme: String?
    public var audience: ActivityAudience?
    /// true: paid only; false: free and walk-in only.
    public var paid: Bool?
    public var communityID: UUID?
    public var seriesID: Int?
    public var partnerID: UUID?
    /// Drafts and cancelled ones too (staff).
    public var includeUnpublished = false
    public var limit = 50
    public var offset = 0

    public init(from: Date) { self.from = from }
}

/// The programme of an organisation: activities with their sessions,
/// kinds and themes, series and external venues. The sessions of an
/// activity in a space are bookings of that space (the scheduling core):
/// held tentatively while the activity is a draft, confirmed when it is
/// published, cancelled with it — so the room's week and the agenda never
/// disagree, and a draft never blocks a room for good.
public struct Programme: OrganisationStore {
    public let db: any Database, organisationID: UUID, timeZone: TimeZone

    public init(_ db: any Database, organisationID: UUID, timeZone: TimeZone) {
        (self.db, self.organisationID, self.timeZone) = (db, organisationID, timeZone)
    }

    var bookings: SpaceBookings { SpaceBookings(db, organisationID: organisationID, timeZone: timeZone) }

    /// Longest a session may be (an exhibition runs for months).
    public static let maximumSessionDays = 366
    public static let maximumSessions = 60

    // MARK: Kinds and themes

    /// The organisation's kinds or themes; Bieb's defaults are put in the first time.
    public func terms(_ vocabulary: Vocabulary) async throws -> [ProgrammeTerm] {
        let organisationID = organisationID
        let read: @Sendable () async throws -> [ProgrammeTerm] = { [self] in
            try await sql.raw("""
                SELECT code, name_nl, name_en FROM programme_terms
                WHERE organisation_id = \(bind: organisationID) AND vocabulary = \(bind: vocabulary.rawValue) ORDER BY position, id
                """).all().map {
                ProgrammeTerm(vocabulary: vocabulary, code: try $0.decode(column: "code", as: String.self),
                              nl: try $0.decode(column: "name_nl", as: String.self), en: try $0.decode(column: "name_en", as: String.self))
            }
        }
        let terms = try await read()
        guard terms.isEmpty else { return terms }
        try await WriteGate.transaction(on: db) { tx in
            for (position, term) in vocabulary.defaults.enumerated() {
                try await tx.sql.raw("""
                    INSERT INTO programme_terms (organisation_id, vocabulary, code, name_nl, name_en, position)
                    VALUES (\(bind: organisationID), \(bind: vocabulary.rawValue), \(bind: term.code), \(bind: term.nl), \(bind: term.en), \(bind: position))
                    ON CONFLICT (organisation_id, vocabulary, code) DO NOTHING
                    """).run()
            }
        }
        return try await read()
    }

    /// Adds a kind or theme of the organisation's own, or renames one.
    public func saveTerm(_ vocabulary: Vocabulary, code: String, nl: String, en: String) async throws -> ProgrammeTerm {
        guard Vocabulary.isValidCode(code) else {
            throw BiebError.invalid("code", "'\(code)' is not a code: 2–40 lower-case letters, digits or underscores.",
                                    nl: "'\(code)' is geen code: 2–40 kleine letters, cijfers of liggende streepjes.")
        }
        let nl = nl.trimmed, en = en.trimmed
        guard (1...80).contains(nl.count) else { throw BiebError.invalid("name_nl", "Give a Dutch name (at most 80 characters).", nl: "Geef een Nederlandse naam (hoogstens 80 tekens).") }
        let english = en.isEmpty ? nl : en
        guard english.count <= 80 else { throw BiebError.invalid("name_en", "The English name has at most 80 characters.", nl: "De Engelse naam heeft hoogstens 80 tekens.") }
        let existing = try await terms(vocabulary)
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            if existing.contains(where: { $0.code == code }) {
                try await sql.raw("""
                    UPDATE programme_terms SET name_nl = \(bind: nl), name_en = \(bind: english)
                    WHERE organisation_id = \(bind: organisationID) AND vocabulary = \(bind: vocabulary.rawValue) AND code = \(bind: code)
                    """).run()
            } else {
                try await sql.raw("""
                    INSERT INTO programme_terms (organisation_id, vocabulary, code, name_nl, name_en, position)
                    VALUES (\(bind: organisationID), \(bind: vocabulary.rawValue), \(bind: code), \(bind: nl), \(bind: english), \(bind: existing.count))
                    ON CONFLICT (organisation_id, vocabulary, code) DO UPDATE SET name_nl = \(bind: nl), name_en = \(bind: english)
                    """).run()
            }
        }
        return ProgrammeTerm(vocabulary: vocabulary, code: code, nl: nl, en: english)
    }

    // MARK: Series and venues

    public func series() async throws -> [ActivitySeries] {
        try await sql.raw("""
            SELECT id, title, description FROM activity_series WHERE organisation_id = \(bind: organisationID) ORDER BY title
            """).all().map {
            ActivitySeries(id: try $0.decode(column: "id", as: Int.self), title: try $0.decode(column: "title", as: String.self),
                           description: try $0.decode(column: "description", as: String.self))
        }
    }

    public func createSeries(title: String, description: String) async throws -> ActivitySeries {
        let (title, description) = try Self.checkSeries(title: title, description: description)
        let organisationID = organisationID
        let id = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO activity_series (organisation_id, title, description) VALUES (\(bind: organisationID), \(bind: title), \(bind: description)) RETURNING id
                """).first()!.decode(column: "id", as: Int.self)
        }
        return ActivitySeries(id: id, title: title, description: description)
    }

    public func venues() async throws -> [ExternalVenue] {
        try await sql.raw("""
            SELECT id, organisation_id, branch_id, name, address, notes FROM external_venues WHERE organisation_id = \(bind: organisationID) ORDER BY name
            """).all().map(Self.venue)
    }

    public func venue(_ id: UUID) async throws -> ExternalVenue? {
        try await sql.raw("""
            SELECT id, organisation_id, branch_id, name, address, notes FROM external_venues
            WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)
            """).first().map(Self.venue)
    }

    static func venue(_ row: any SQLRow) throws -> ExternalVenue {
        ExternalVenue(id: try row.decode(column: "id", as: UUID.self), organisationID: try row.decode(column: "organisation_id", as: UUID.self),
                      branchID: try row.decode(column: "branch_id", as: UUID?.self), name: try row.decode(column: "name", as: String.self),
                      address: try row.decode(column: "address", as: String.self), notes: try row.decode(column: "notes", as: String.self))
    }

    public func createVenue(name: String, address: String, notes: String = "", branch: UUID?) async throws -> ExternalVenue {
        let (name, address, notes) = try await checkVenue(name: name, address: address, notes: notes, branch: branch)
        let venue = ExternalVenue(id: UUID(), organisationID: organisationID, branchID: branch, name: name, address: address, notes: notes)
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO external_venues (id, organisation_id, branch_id, name, address, notes)
                VALUES (\(bind: venue.id), \(bind: venue.organisationID), \(bind: branch), \(bind: name), \(bind: address), \(bind: notes))
                """).run()
        }
        return venue
    }

    // MARK: Creating and changing

    /// Checks an activity's fields; returns the sessions in order.
    func validate(_ input: ActivityInput) async throws -> (Branch, [TimeRange]) {
        guard let branch = try await Branch.query(on: db).filter(\.$id == input.branchID).filter(\.$organisation.$id == organisationID).first() else {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        let title = input.title.trimmed
        guard (1...200).contains(title.count) else {
            throw BiebError.invalid("title", "Give the activity a title (at most 200 characters).", nl: "Geef de activiteit een titel (hoogstens 200 tekens).")
        }
        guard input.description.count <= 10_000 else { throw BiebError.invalid("description", "The description has at most 10,000 characters.", nl: "De beschrijving heeft hoogstens 10.000 tekens.") }
        guard input.accessibility.count <= 2_000 else { throw BiebError.invalid("accessibility", "At most 2,000 characters.", nl: "Hoogstens 2.000 tekens.") }
        guard input.organiser.count <= 300 else { throw BiebError.invalid("organiser", "At most 300 characters.", nl: "Hoogstens 300 tekens.") }
        let image = input.imageURL.trimmed
        if !image.isEmpty {
            guard image.count <= 500, image.hasPrefix("https://") || image.hasPrefix("/") , !image.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" }) else {
                throw BiebError.invalid("image_url", "'\(image)' is not an image address (https://… or /…).", nl: "'\(image)' is geen afbeeldingsadres (https://… of /…).")
            }
        }
        guard input.language.count == 2, input.language.allSatisfy({ $0.isASCII && $0.isLowercase }) else {
            throw BiebError.invalid("language", "'\(input.language)' is not a language code (nl, en, ar, …).", nl: "'\(input.language)' is geen taalcode (nl, en, ar, …).")
        }
        let kinds = try await terms(.kind).map(\.code)
        guard kinds.contains(input.kind) else {
            throw BiebError.invalid("kind", "Unknown kind '\(input.kind)'; use one of: \(kinds.joined(separator: ", ")).", nl: "Onbekende soort '\(input.kind)'; kies uit: \(kinds.joined(separator: ", ")).")
        }
        let themes = try await terms(.theme).map(\.code)
        if let unknown = input.themes.first(where: { !themes.contains($0) }) {
            throw BiebError.invalid("themes", "Unknown theme '\(unknown)'; use any of: \(themes.joined(separator: ", ")).", nl: "Onbekend thema '\(unknown)'; kies uit: \(themes.joined(separator: ", ")).")
        }
        try input.checkFields()
        if let space = input.spaceID {
            let (_, spaceBranch) = try await bookings.space(space)
            guard spaceBranch.id == branch.id else { throw BiebError.invalid("space_id", "That space is in another branch.", nl: "Die ruimte hoort bij een andere vestiging.") }
        }
        if let venue = input.venueID, try await self.venue(venue) == nil { throw BiebError.notFound("venue", nl: "Locatie niet gevonden.") }
        if let series = input.seriesID, try await sql.raw("SELECT 1 AS x FROM activity_series WHERE id = \(bind: series) AND organisation_id = \(bind: organisationID)").first() == nil {
            throw BiebError.notFound("series", nl: "Reeks niet gevonden.")
        }
        if let community = input.communityID, try await sql.raw("SELECT 1 AS x FROM communities WHERE id = \(bind: community) AND organisation_id = \(bind: organisationID)").first() == nil {
            throw BiebError.notFound("community", nl: "Groep niet gevonden.")
        }
        if let list = input.listID, try await TitleList.query(on: db).filter(\.$id == list).filter(\.$organisationID == organisationID).first() == nil {
            throw BiebError.notFound("list", nl: "Lijst niet gevonden.")
        }
        for partner in input.partnerIDs where try await PartnerDirectory(db).partner(partner, in: organisationID) == nil {
            throw BiebError.invalid("partner_ids", "Partner \(partner) is not a partner of this library.", nl: "Partner \(partner) is geen partner van deze bibliotheek.")
        }
        let sessions = input.sessions.sorted { $0.start < $1.start }
        guard !sessions.isEmpty, sessions.count <= Self.maximumSessions else {
            throw BiebError.invalid("sessions", "Give 1 to \(Self.maximumSessions) sessions.", nl: "Geef 1 tot \(Self.maximumSessions) keren.")
        }
        for (index, session) in sessions.enumerated() {
            guard session.end > session.start else { throw BiebError.invalid("sessions[\(index)].ends_at", "The end must be after the start.", nl: "Het einde moet na het begin liggen.") }
            guard session.end.timeIntervalSince(session.start) <= Double(Self.maximumSessionDays) * 86_400 else {
                throw BiebError.invalid("sessions[\(index)].ends_at", "A session lasts at most a year.", nl: "Een keer duurt hoogstens een jaar.")
            }
            if index > 0, session.start < sessions[index - 1].end {
                throw BiebError.invalid("sessions[\(index)].starts_at", "Sessions may not overlap.", nl: "Keren mogen niet overlappen.")
            }
        }
        return (branch, sessions)
    }

    /// Creates an activity as a draft; the sessions in a space hold it tentatively.
    public func create(_ input: ActivityInput, staff: UUID?, now: Date = Date()) async throws -> ActivityListing {
        let (branch, sessions) = try await validate(input)
        if let space = input.spaceID {
            guard sessions.allSatisfy({ $0.end > now }) else { throw BiebError.invalid("sessions", "A session lies in the past.", nl: "Een keer ligt in het verleden.") }
            try await bookings.checkCalendar(sessions, branch: branch, needsStaff: input.needsStaff, field: "sessions")
            _ = space
        }
        let id = UUID()
        let organisationID = organisationID
        let bookings = bookings
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            var bookingIDs: [Int?] = sessions.map { _ in nil }
            if let space = input.spaceID {
                let requests = sessions.map { BookingRequest(range: $0, title: input.title.trimmed, tentative: true, needsStaff: input.needsStaff, staff: staff) }
                bookingIDs = try await bookings.insert(requests, space: space, series: nil, now: now, in: sql).ids
            }
            try await ActivityRow(id: id, organisationID: organisationID, status: .draft, createdAt: now,
                                  plan: ActivityPlanColumns(input, sessions: sessions, now: now)).insert(on: sql)
            try await Self.writeTags(input, activity: id, on: sql)
            for (session, booking) in zip(sessions, bookingIDs) {
                try await sql.raw("""
                    INSERT INTO activity_sessions (activity_id, starts_at, ends_at, booking_id)
                    VALUES (\(bind: id), \(bind: session.start), \(bind: session.end), \(bind: booking))
                    """).run()
            }
        }
        return try await listing(id)!
    }

    static func writeTags(_ input: ActivityInput, activity id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM activity_tags WHERE activity_id = \(bind: id)").run()
        try await sql.raw("DELETE FROM activity_partners WHERE activity_id = \(bind: id)").run()
        for theme in Set(input.themes) {
            try await sql.raw("INSERT INTO activity_tags (activity_id, vocabulary, code) VALUES (\(bind: id), 'theme', \(bind: theme))").run()
        }
        for audience in Set(input.audiences) {
            try await sql.raw("INSERT INTO activity_tags (activity_id, vocabulary, code) VALUES (\(bind: id), 'audience', \(bind: audience.rawValue))").run()
        }
        for partner in Set(input.partnerIDs) {
            try await sql.raw("INSERT INTO activity_partners (activity_id, partner_id) VALUES (\(bind: id), \(bind: partner))").run()
        }
    }

    /// Changes an activity. Sessions whose time stays keep their attendance
    /// and booking; others are removed and added (their space booked anew,
    /// tentatively for a draft, confirmed for a published activity). More
    /// places move people up from the waiting list.
    public func update(_ id: UUID, _ input: ActivityInput, staff: UUID?, now: Date = Date()) async throws -> ActivityListing {
        guard let current = try await listing(id) else { throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.") }
        guard current.activity.status != .cancelled else {
            throw BiebError(.conflict, code: "activity_cancelled", message: "The activity was cancelled.", nl: "De activiteit is afgelast.")
        }
        let (branch, sessions) = try await validate(input)
        let spaceChanged = input.spaceID != current.activity.spaceID
        let kept = spaceChanged ? [] : current.sessions.filter { old in sessions.contains(old.range) }
        let added = sessions.filter { new in !kept.contains { $0.range == new } }
        let removed = current.sessions.filter { old in !kept.contains(old) }
        if input.spaceID != nil, !added.isEmpty {
            guard added.allSatisfy({ $0.end > now }) else { throw BiebError.invalid("sessions", "A new session lies in the past.", nl: "Een nieuwe keer ligt in het verleden.") }
            try await bookings.checkCalendar(added, branch: branch, needsStaff: input.needsStaff, field: "sessions")
        }
        let tentative = current.activity.status == .draft
        let bookings = bookings
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            try await SpaceBookings.cancelBookings(removed.compactMap(\.bookingID), on: sql)
            for session in removed {
                try await sql.raw("DELETE FROM activity_sessions WHERE id = \(bind: session.id)").run()
            }
            var bookingIDs: [Int?] = added.map { _ in nil }
            if let space = input.spaceID, !added.isEmpty {
                let requests = added.map { BookingRequest(range: $0, title: input.title.trimmed, tentative: tentative, needsStaff: input.needsStaff, staff: staff) }
                bookingIDs = try await bookings.insert(requests, space: space, series: nil, now: now, in: sql).ids
            }
            for (session, booking) in zip(added, bookingIDs) {
                try await sql.raw("""
                    INSERT INTO activity_sessions (activity_id, starts_at, ends_at, booking_id)
                    VALUES (\(bind: id), \(bind: session.start), \(bind: session.end), \(bind: booking))
                    """).run()
            }
            try await ActivityPlanColumns(input, sessions: sessions, now: now).update(id, on: sql)
            try await Self.writeTags(input, activity: id, on: sql)
            _ = try await Registrations.promote(activity: id, now: now, on: sql)
        }
        return try await listing(id)!
    }

    /// Puts a draft on the agenda: its tentative room holds become
    /// bookings (a hold that lapsed is booked again, if the room is still free).
    public func publish(_ id: UUID, staff: UUID?, now: Date = Date()) async throws -> ActivityListing {
        guard let current = try await listing(id) else { throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.") }
        switch current.activity.status {
        case .published: return current
        case .cancelled: throw BiebError(.conflict, code: "activity_cancelled", message: "The activity was cancelled.", nl: "De activiteit is afgelast.")
        case .draft: break
        }
        let bookings = bookings
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            for session in current.sessions {
                guard let space = current.activity.spaceID, session.range.end > now else { continue }
                if let booking = session.bookingID, try await sql.raw("""
                    UPDATE space_bookings SET status = 'confirmed', hold_until = NULL
                    WHERE id = \(bind: booking) AND (status = 'confirmed' OR (status = 'tentative' AND hold_until > \(bind: now))) RETURNING id
                    """).first() != nil {
                    continue
                }
                let request = BookingRequest(range: session.range, title: current.activity.title, needsStaff: current.activity.needsStaff, staff: staff)
                let new = try await bookings.insert([request], space: space, series: nil, now: now, in: sql).ids[0]
                try await sql.raw("UPDATE activity_sessions SET booking_id = \(bind: new) WHERE id = \(bind: session.id)").run()
            }
            try await sql.raw("UPDATE activities SET status = 'published', updated_at = \(bind: now) WHERE id = \(bind: id) AND status = 'draft'").run()
        }
        return try await listing(id)!
    }

    /// Calls an activity off: its rooms are freed, everyone registered or
    /// waiting hears it, paid places are credited back.
    public func cancel(_ id: UUID, now: Date = Date()) async throws -> ActivityListing {
        guard let current = try await listing(id) else { throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.") }
        guard current.activity.status != .cancelled else { return current }
        let organisationID = organisationID
        let wasPublished = current.activity.status == .published
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("""
                UPDATE activities SET status = 'cancelled', updated_at = \(bind: now) WHERE id = \(bind: id) AND status <> 'cancelled' RETURNING id
                """).first() != nil else { return }
            try await SpaceBookings.cancelBookings(current.sessions.compactMap(\.bookingID), on: sql)
            let open = try await sql.raw("""
                SELECT id, member_id, fee_line_id, status FROM registrations WHERE activity_id = \(bind: id) AND status IN ('registered', 'waiting')
                """).all()
            for row in open {
                let registration = try row.decode(column: "id", as: Int.self)
                try await Registrations.refund(registration: registration, on: sql, organisation: organisationID, now: now)
                try await sql.raw("""
                    UPDATE registrations SET status = 'cancelled', cancelled_at = \(bind: now) WHERE id = \(bind: registration)
                    """).run()
                guard wasPublished, current.lastEnd.map({ $0 > now }) ?? false else { continue }
                try await Outbox.enqueue(.activityCancelled, organisation: organisationID, member: try row.decode(column: "member_id", as: UUID?.self),
                                         reference: "registration:\(registration)", dedupe: "activity-cancelled:\(registration)", at: now, on: sql)
            }
        }
        return try await listing(id)!
    }

    // MARK: Reading

    func activity(_ row: any SQLRow) throws -> Activity {
        try row.decode(model: ActivityRow.self).activity
    }

    public func listing(_ id: UUID) async throws -> ActivityListing? {
        guard let row = try await sql.raw("""
            SELECT a.* FROM activities a WHERE a.id = \(bind: id) AND a.organisation_id = \(bind: organisationID)
            """).first() else { return nil }
        return try await complete([try activity(row)]).first
    }

    /// Adds themes, audiences, partners, sessions and counts to activities, in a few queries.
    func complete(_ activities: [Activity]) async throws -> [ActivityListing] {
        guard !activities.isEmpty else { return [] }
        let ids = activities.map(\.id)
        var tags: [UUID: [(String, String)]] = [:]
        for row in try await sql.raw("SELECT activity_id, vocabulary, code FROM activity_tags WHERE activity_id IN (\(binds: ids)) ORDER BY code").all() {
            tags[try row.decode(column: "activity_id", as: UUID.self), default: []].append(
                (try row.decode(column: "vocabulary", as: String.self), try row.decode(column: "code", as: String.self)))
        }
        var partners: [UUID: [UUID]] = [:]
        for row in try await sql.raw("SELECT activity_id, partner_id FROM activity_partners WHERE activity_id IN (\(binds: ids))").all() {
            partners[try row.decode(column: "activity_id", as: UUID.self), default: []].append(try row.decode(column: "partner_id", as: UUID.self))
        }
        var sessions: [UUID: [ActivitySession]] = [:]
        for row in try await sql.raw("""
            SELECT id, activity_id, starts_at, ends_at, booking_id FROM activity_sessions WHERE activity_id IN (\(binds: ids)) ORDER BY starts_at
            """).all() {
            let session = ActivitySession(id: try row.decode(column: "id", as: Int.self), activityID: try row.decode(column: "activity_id", as: UUID.self),
                                          range: TimeRange(start: try row.decode(column: "starts_at", as: Date.self), end: try row.decode(column: "ends_at", as: Date.self)),
                                          bookingID: try row.decode(column: "booking_id", as: Int?.self))
            sessions[session.activityID, default: []].append(session)
        }
        var counts: [UUID: (Int, Int)] = [:]
        for row in try await sql.raw("""
            SELECT activity_id, status, CAST(SUM(places) AS BIGINT) AS places FROM registrations
            WHERE activity_id IN (\(binds: ids)) AND status IN ('registered', 'waiting') GROUP BY activity_id, status
            """).all() {
            let id = try row.decode(column: "activity_id", as: UUID.self)
            let places = try row.decode(column: "places", as: Int.self)
            var count = counts[id] ?? (0, 0)
            if try row.decode(column: "status", as: String.self) == "registered" { count.0 = places } else { count.1 = places }
            counts[id] = count
        }
        return activities.map { activity in
            var activity = activity
            activity.themes = (tags[activity.id] ?? []).filter { $0.0 == "theme" }.map(\.1)
            activity.audiences = (tags[activity.id] ?? []).filter { $0.0 == "audience" }.compactMap { ActivityAudience(rawValue: $0.1) }
            activity.partnerIDs = partners[activity.id] ?? []
            let count = counts[activity.id] ?? (0, 0)
            return ActivityListing(activity: activity, sessions: sessions[activity.id] ?? [], taken: count.0, waiting: count.1)
        }
    }

    /// The agenda: activities still running after `from`, first starting first.
    public func agenda(_ filter: AgendaFilter) async throws -> [ActivityListing] {
        var query: SQLQueryString = """
            SELECT a.* FROM activities a
            WHERE a.organisation_id = \(bind: organisationID) AND a.ends_at > \(bind: filter.from)
            """
        if !filter.includeUnpublished { query += " AND a.status IN ('published', 'cancelled')" }
        if let to = filter.to { query += " AND a.starts_at < \(bind: to)" }
        if let branch = filter.branchID { query += " AND a.branch_id = \(bind: branch)" }
        if let kind = filter.kind { query += " AND a.kind = \(bind: kind)" }
        if let theme = filter.theme {
            query += " AND EXISTS (SELECT 1 FROM activity_tags t WHERE t.activity_id = a.id AND t.vocabulary = 'theme' AND t.code = \(bind: theme))"
        }
        if let audience = filter.audience {
            query += " AND EXISTS (SELECT 1 FROM activity_tags t WHERE t.activity_id = a.id AND t.vocabulary = 'audience' AND t.code = \(bind: audience.rawValue))"
        }
        if let paid = filter.paid { query += paid ? " AND a.registration = 'paid'" : " AND a.registration <> 'paid'" }
        if let community = filter.communityID { query += " AND a.community_id = \(bind: community)" }
        if let series = filter.seriesID { query += " AND a.series_id = \(bind: series)" }
        if let partner = filter.partnerID {
            query += " AND EXISTS (SELECT 1 FROM activity_partners p WHERE p.activity_id = a.id AND p.partner_id = \(bind: partner))"
        }
        query += " ORDER BY a.starts_at, a.title, a.id LIMIT \(unsafeRaw: String(max(1, min(filter.limit, 500)))) OFFSET \(unsafeRaw: String(max(0, filter.offset)))"
        return try await complete(try await sql.raw(query).all().map(activity))
    }
}
