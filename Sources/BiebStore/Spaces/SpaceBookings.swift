import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A booking of a space for a time range.
public struct SpaceBooking: Sendable, Equatable, Codable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Held for a plan, until `holdUntil`; then it lapses by itself.
        case tentative
        case confirmed
        case cancelled
        /// A tentative hold that was not confirmed in time.
        case expired
    }

    public let id: Int
    public let spaceID: UUID
    public let branchID: UUID
    public let range: TimeRange
    public let status: Status
    public let holdUntil: Date?
    public let title: String
    public let memberID: UUID?
    public let seriesID: Int?
    /// Needs the branch staffed for its whole time (a staff-run activity).
    public let needsStaff: Bool
}

/// What to book.
public struct BookingRequest: Sendable {
    public var range: TimeRange
    public var title: String
    /// Tentative: held for `holdHours`, then lapses unless confirmed.
    public var tentative: Bool
    public var holdHours: Int
    /// Needs staffed hours (a staff-run activity); otherwise self-service hours do.
    public var needsStaff: Bool
    public var member: UUID?
    public var staff: UUID?

    public init(range: TimeRange, title: String, tentative: Bool = false, holdHours: Int = SpaceBookings.defaultHoldHours, needsStaff: Bool = false,
                member: UUID? = nil, staff: UUID? = nil) {
        self.range = range
        self.title = title
        self.tentative = tentative
        self.holdHours = holdHours
        self.needsStaff = needsStaff
        self.member = member
        self.staff = staff
    }
}

/// Bookings of rooms, study places and computers: conflict-free under any
/// concurrency, within the branch's opening hours at the service level the
/// booking needs. One transaction per booking takes the space's row first
/// (PostgreSQL: a row lock; SQLite: the one writer), counts what overlaps,
/// and inserts only when there is room — two requests for the last study
/// place: one wins, the other hears the place is taken. A room takes one
/// booking at a time; a study area or computers as many as their capacity.
/// Tentative holds count until they lapse; the `spaces` job marks lapsed
/// ones expired.
public struct SpaceBookings: Sendable {
    let db: any Database
    public let organisationID: UUID
    public let timeZone: TimeZone

    public static let defaultHoldHours = 72

    public init(_ db: any Database, organisationID: UUID, timeZone: TimeZone) {
        self.db = db
        self.organisationID = organisationID
        self.timeZone = timeZone
    }

    var sql: any SQLDatabase { db.sql }

    static let columns: SQLQueryString = """
        b.id, b.space_id, s.branch_id, b.starts_at, b.ends_at, b.status, b.hold_until, b.title, b.member_id, b.series_id, b.needs_staff
        """

    static func booking(_ row: any SQLRow) throws -> SpaceBooking {
        SpaceBooking(id: try row.decode(column: "id", as: Int.self), spaceID: try row.decode(column: "space_id", as: UUID.self),
                     branchID: try row.decode(column: "branch_id", as: UUID.self),
                     range: TimeRange(start: try row.decode(column: "starts_at", as: Date.self), end: try row.decode(column: "ends_at", as: Date.self)),
                     status: SpaceBooking.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .cancelled,
                     holdUntil: try row.decode(column: "hold_until", as: Date?.self), title: try row.decode(column: "title", as: String.self),
                     memberID: try row.decode(column: "member_id", as: UUID?.self), seriesID: try row.decode(column: "series_id", as: Int?.self),
                     needsStaff: try row.decode(column: "needs_staff", as: Bool.self))
    }

    /// A space of this organisation, with its branch.
    public func space(_ id: UUID) async throws -> (space: Space, branch: Branch) {
        guard let space = try await Space.query(on: db).filter(\.$id == id).with(\.$branch).first(),
              space.branch.$organisation.id == organisationID else {
            throw BiebError.notFound("space", nl: "Ruimte niet gevonden.")
        }
        return (space, space.branch)
    }

    // MARK: Booking

    /// The words of a scheduling problem, naming the time in the branch's zone.
    func refusal(_ problem: SchedulingProblem, field: String = "starts_at") -> BiebError {
        func time(_ instant: Date) -> String {
            let minute = LocalClock.minuteOfDay(of: instant, in: timeZone)
            return "\(LocalDate(instant, in: timeZone).iso) \(String(format: "%02d:%02d", minute / 60, minute % 60))"
        }
        switch problem {
        case .empty:
            return BiebError.invalid("ends_at", "The end must be after the start.", nl: "Het einde moet na het begin liggen.")
        case .tooLong(let hours):
            return BiebError.invalid("ends_at", "A booking lasts at most \(hours) hours.", nl: "Een boeking duurt hoogstens \(hours) uur.")
        case .closed(let at):
            return BiebError(.conflict, code: "branch_closed", field: field, message: "The branch is closed at \(time(at)).",
                             nl: "De vestiging is dicht op \(time(at)).")
        case .levelTooLow(let at, _, _):
            return BiebError(.conflict, code: "not_staffed", field: field,
                             message: "The branch has no staff at \(time(at)); a staff-run activity needs staffed hours.",
                             nl: "Er is geen personeel op \(time(at)); een activiteit met personeel heeft bemande uren nodig.")
        case .taken(let at):
            return BiebError(.conflict, code: "space_taken", field: field, message: "The space is taken at \(time(at)).",
                             nl: "De ruimte is bezet op \(time(at)).")
        }
    }

    /// Books a space; refused with the reason (closed, not staffed, taken) and nothing stored.
    public func book(space spaceID: UUID, _ request: BookingRequest, now: Date = Date()) async throws -> SpaceBooking {
        let (space, branch) = try await space(spaceID)
        guard space.bookable else {
            throw BiebError(.conflict, code: "not_bookable", field: "space", message: "This space is not bookable (walk-in only).",
                            nl: "Deze ruimte is niet te boeken (vrije inloop).")
        }
        let title = request.title.trimmed
        guard !title.isEmpty, title.count <= 200 else {
            throw BiebError.invalid("title", "Say what the booking is for (at most 200 characters).", nl: "Zeg waarvoor de boeking is (hoogstens 200 tekens).")
        }
        guard request.range.end > now else {
            throw BiebError.invalid("starts_at", "The booking is in the past.", nl: "De boeking ligt in het verleden.")
        }
        guard (1...720).contains(request.holdHours) else {
            throw BiebError.invalid("hold_hours", "Hold between 1 hour and 30 days.", nl: "Vasthouden tussen 1 uur en 30 dagen.")
        }
        try await checkCalendar([request.range], branch: branch, needsStaff: request.needsStaff)
        let (ids, _) = try await insert([request], space: spaceID, series: nil, now: now)
        return try await booking(ids[0])!
    }

    /// Inserts bookings in one transaction (all or none), after taking the
    /// space's row; with `series` (the recurrence as JSON and its title) the
    /// series row too, in the same transaction. Returns the ids and the series id.
    func insert(_ requests: [BookingRequest], space spaceID: UUID, series: (recurrence: String, title: String)?,
                now: Date) async throws -> (ids: [Int], series: Int?) {
        try await WriteGate.transaction(on: db) { [self] tx in
            try await insert(requests, space: spaceID, series: series, now: now, in: tx.sql)
        }
    }

    /// The same, inside a transaction the caller holds (an activity and the bookings of its sessions together).
    func insert(_ requests: [BookingRequest], space spaceID: UUID, series: (recurrence: String, title: String)?,
                now: Date, in sql: any SQLDatabase) async throws -> (ids: [Int], series: Int?) {
        let organisationID = organisationID
        let refuse: @Sendable (SchedulingProblem) -> BiebError = { [self] problem in self.refusal(problem) }
        do {
            // The space's row first: concurrent bookings of one space take turns here.
            guard let row = try await sql.raw("""
                UPDATE spaces SET capacity = capacity WHERE id = \(bind: spaceID) RETURNING capacity, kind
                """).first() else { throw BiebError.notFound("space", nl: "Ruimte niet gevonden.") }
            let kind = SpaceKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .room
            let capacity = kind == .room ? 1 : try row.decode(column: "capacity", as: Int.self)
            guard let first = requests.map(\.range.start).min(), let last = requests.map(\.range.end).max() else { return ([], nil) }
            var booked = try await sql.raw("""
                SELECT starts_at, ends_at FROM space_bookings
                WHERE space_id = \(bind: spaceID) AND starts_at < \(bind: last) AND ends_at > \(bind: first)
                  AND (status = 'confirmed' OR (status = 'tentative' AND hold_until > \(bind: now)))
                """).all().map { TimeRange(start: try $0.decode(column: "starts_at", as: Date.self), end: try $0.decode(column: "ends_at", as: Date.self)) }
            var seriesID: Int?
            if let series {
                seriesID = try await sql.raw("""
                    INSERT INTO booking_series (organisation_id, space_id, recurrence, title, created_at)
                    VALUES (\(bind: organisationID), \(bind: spaceID), \(bind: series.recurrence), \(bind: series.title), \(bind: now)) RETURNING id
                    """).first()!.decode(column: "id", as: Int.self)
            }
            var ids: [Int] = []
            for request in requests {
                if let full = Scheduling.firstFullInstant(for: request.range, booked: booked, capacity: capacity) {
                    throw refuse(.taken(at: full))
                }
                if let member = request.member, try await sql.raw("""
                    SELECT 1 AS found FROM space_bookings WHERE member_id = \(bind: member) AND starts_at < \(bind: request.range.end)
                      AND ends_at > \(bind: request.range.start) AND status IN ('confirmed', 'tentative')
                    """).first() != nil {
                    throw BiebError(.conflict, code: "member_double_booked", field: "starts_at",
                                    message: "This member already has a booking at that time.", nl: "Dit lid heeft op die tijd al een boeking.")
                }
                let id = try await sql.raw("""
                    INSERT INTO space_bookings (organisation_id, space_id, starts_at, ends_at, status, hold_until, title, member_id, staff_user_id,
                        series_id, needs_staff, created_at)
                    VALUES (\(bind: organisationID), \(bind: spaceID), \(bind: request.range.start), \(bind: request.range.end),
                        \(bind: request.tentative ? "tentative" : "confirmed"),
                        \(bind: request.tentative ? now.addingTimeInterval(Double(request.holdHours) * 3600) : nil),
                        \(bind: request.title.trimmed), \(bind: request.member), \(bind: request.staff), \(bind: seriesID), \(bind: request.needsStaff),
                        \(bind: now))
                    RETURNING id
                    """).first()!.decode(column: "id", as: Int.self)
                ids.append(id)
                booked.append(request.range)
            }
            return (ids, seriesID)
        }
    }

    /// Checks bookings against the branch calendar before they are made.
    func checkCalendar(_ ranges: [TimeRange], branch: Branch, needsStaff: Bool, field: String = "starts_at") async throws {
        let calendar = try await BranchDirectory(db).calendar(of: branch, timeZone: timeZone)
        for range in ranges {
            if let problem = Scheduling.problem(with: range, calendar: calendar, atLeast: needsStaff ? .staffed : .selfService) {
                throw refusal(problem, field: field)
            }
        }
    }

    public struct SeriesOutcome: Sendable, Equatable {
        public let seriesID: Int
        public let bookings: [SpaceBooking]
    }

    /// Books every occurrence of a weekly recurrence, all or none: an
    /// occurrence the branch is closed for, or the space is taken, refuses
    /// the series naming that date (skip it and book again).
    public func bookSeries(space spaceID: UUID, recurrence: WeeklyRecurrence, title: String, needsStaff: Bool, staff: UUID?,
                           now: Date = Date()) async throws -> SeriesOutcome {
        let valid = try recurrence.validated()
        let (space, branch) = try await space(spaceID)
        guard space.bookable else {
            throw BiebError(.conflict, code: "not_bookable", field: "space", message: "This space is not bookable (walk-in only).",
                            nl: "Deze ruimte is niet te boeken (vrije inloop).")
        }
        let occurrences = valid.occurrences(in: timeZone).filter { $0.end > now }
        guard !occurrences.isEmpty else {
            throw BiebError.invalid("through", "No occurrence left in the future.", nl: "Er valt geen keer meer in de toekomst.")
        }
        try await checkCalendar(occurrences, branch: branch, needsStaff: needsStaff, field: "skipped")
        let encoded = String(decoding: try JSONEncoder().encode(valid), as: UTF8.self)
        do {
            let requests = occurrences.map { BookingRequest(range: $0, title: title, needsStaff: needsStaff, staff: staff) }
            let (_, series) = try await insert(requests, space: spaceID, series: (encoded, title.trimmed), now: now)
            let span = TimeRange(start: occurrences.first!.start, end: occurrences.last!.end)
            return SeriesOutcome(seriesID: series!, bookings: try await bookings(space: spaceID, in: span).filter { $0.seriesID == series })
        } catch let error as BiebError {
            throw BiebError(error.kind, code: error.code, field: "skipped", message: error.message + " Skip that date, or choose another space.",
                            nl: error.messageNL + " Sla die datum over, of kies een andere ruimte.")
        }
    }

    /// A member books a study place at a branch: in the first study area with room then.
    public func bookStudyPlace(branch: UUID, range: TimeRange, member: UUID, now: Date = Date()) async throws -> SpaceBooking {
        let areas = try await Space.query(on: db).filter(\.$branch.$id == branch).filter(\.$kindRaw == SpaceKind.studyArea.rawValue)
            .filter(\.$bookable == true).sort(\.$name).all()
        guard !areas.isEmpty else {
            throw BiebError(.conflict, code: "no_study_places", field: "branch", message: "This branch has no study places to book.",
                            nl: "Deze vestiging heeft geen studieplekken om te boeken.")
        }
        var last: BiebError?
        for area in areas {
            do {
                return try await book(space: area.id!, BookingRequest(range: range, title: "Studieplek", member: member), now: now)
            } catch let error as BiebError where error.code == "space_taken" {
                last = error
            }
        }
        throw BiebError(.conflict, code: "no_place_free", field: "starts_at", message: "All study places are taken then. " + (last?.message ?? ""),
                        nl: "Alle studieplekken zijn dan bezet. " + (last?.messageNL ?? ""))
    }

    // MARK: Changing

    public func confirm(_ id: Int, now: Date = Date()) async throws -> SpaceBooking {
        let organisationID = organisationID
        let done = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE space_bookings SET status = 'confirmed', hold_until = NULL
                WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID) AND status = 'tentative' AND hold_until > \(bind: now)
                RETURNING id
                """).first() != nil
        }
        guard let booking = try await booking(id) else { throw BiebError.notFound("booking", nl: "Boeking niet gevonden.") }
        if !done && booking.status != .confirmed {
            throw BiebError(.conflict, code: "hold_lapsed", field: "booking",
                            message: "The hold has lapsed (or was cancelled); book the space again.",
                            nl: "De optie is verlopen (of geannuleerd); boek de ruimte opnieuw.")
        }
        return booking
    }

    /// Cancels a booking (`member`: only that member's own).
    public func cancel(_ id: Int, member: UUID? = nil) async throws {
        let organisationID = organisationID
        var condition: SQLQueryString = ""
        if let member { condition = " AND member_id = \(bind: member)" }
        let filter = condition
        let done = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE space_bookings SET status = 'cancelled' WHERE id = \(bind: id) AND organisation_id = \(bind: organisationID)
                    AND status IN ('tentative', 'confirmed')
                """ + filter + " RETURNING id").first() != nil
        }
        guard done else { throw BiebError.notFound("booking", nl: "Boeking niet gevonden (of al geannuleerd).") }
    }

    /// Cancels bookings that belong to something being called off or moved (an activity's sessions, a
    /// consultation hour), inside the caller's transaction; ones already ended or cancelled stay as they are.
    static func cancelBookings(_ ids: [Int], on sql: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        try await sql.raw("UPDATE space_bookings SET status = 'cancelled' WHERE id IN (\(binds: ids)) AND status IN ('tentative', 'confirmed')").run()
    }

    /// Lapsed tentative holds become expired (the hourly `spaces` job); returns how many.
    @discardableResult
    public func expireHolds(now: Date = Date()) async throws -> Int {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE space_bookings SET status = 'expired'
                WHERE organisation_id = \(bind: organisationID) AND status = 'tentative' AND hold_until <= \(bind: now) RETURNING id
                """).all().count
        }
    }

    // MARK: Reading

    public func booking(_ id: Int) async throws -> SpaceBooking? {
        try await sql.raw("""
            SELECT \(Self.columns) FROM space_bookings b JOIN spaces s ON s.id = b.space_id
            WHERE b.id = \(bind: id) AND b.organisation_id = \(bind: organisationID)
            """).first().map(Self.booking)
    }

    /// The bookings that touch a range: of one space, or of every space of a branch; cancelled ones left out.
    public func bookings(space: UUID? = nil, branch: UUID? = nil, member: UUID? = nil, in range: TimeRange) async throws -> [SpaceBooking] {
        var filter: SQLQueryString = ""
        if let space { filter += " AND b.space_id = \(bind: space)" }
        if let branch { filter += " AND s.branch_id = \(bind: branch)" }
        if let member { filter += " AND b.member_id = \(bind: member)" }
        return try await sql.raw("""
            SELECT \(Self.columns) FROM space_bookings b JOIN spaces s ON s.id = b.space_id
            WHERE b.organisation_id = \(bind: organisationID) AND b.starts_at < \(bind: range.end) AND b.ends_at > \(bind: range.start)
              AND b.status IN ('confirmed', 'tentative')
            """ + filter + " ORDER BY b.starts_at, b.id").all().map(Self.booking)
    }

    /// Places free at an instant in each study area of a branch.
    public func freeStudyPlaces(branch: UUID, at instant: Date) async throws -> [(space: Space, free: Int)] {
        try await freeStudyPlaces(branches: [branch], at: instant)
    }

    /// Places free at an instant in each study area of these branches, by name: two queries whatever the number of areas.
    public func freeStudyPlaces(branches: [UUID], at instant: Date) async throws -> [(space: Space, free: Int)] {
        guard !branches.isEmpty else { return [] }
        let spaces = try await Space.query(on: db).filter(\.$branch.$id ~~ branches).filter(\.$kindRaw == SpaceKind.studyArea.rawValue)
            .sort(\.$name).all()
        guard !spaces.isEmpty else { return [] }
        var taken: [UUID: Int] = [:]
        for row in try await sql.raw("""
            SELECT space_id, COUNT(*) AS n FROM space_bookings WHERE space_id IN (\(binds: spaces.map { $0.id! })) AND starts_at <= \(bind: instant)
              AND ends_at > \(bind: instant) AND (status = 'confirmed' OR (status = 'tentative' AND hold_until > \(bind: instant)))
            GROUP BY space_id
            """).all() {
            taken[try row.decode(column: "space_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
        }
        return spaces.map { ($0, max(0, $0.capacity - (taken[$0.id!] ?? 0))) }
    }
}

/// Bookings of spaces and their weekly series.
struct CreateSpaceBookings: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("booking_series")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("space_id", .uuid, .required, .references(Space.schema, "id", onDelete: .cascade))
            .field("recurrence", .string, .required)
            .field("title", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("space_bookings")
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("space_id", .uuid, .required, .references(Space.schema, "id", onDelete: .cascade))
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("status", .string, .required)
            .field("hold_until", .datetime)
            .field("title", .string, .required)
            // A member's own booking (a study place) goes with the member.
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .cascade))
            .field("staff_user_id", .uuid)
            .field("series_id", .int64, .references("booking_series", "id", onDelete: .cascade))
            .field("needs_staff", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.createIndex("space_bookings_space_idx", on: "space_bookings", "space_id", "starts_at")
        try await database.createIndex("space_bookings_member_idx", on: "space_bookings", "member_id")
        try await database.createIndex("space_bookings_hold_idx", on: "space_bookings", "status", "hold_until")
    }

    func revert(on database: Database) async throws {
        try await database.schema("space_bookings").delete()
        try await database.schema("booking_series").delete()
    }
}
