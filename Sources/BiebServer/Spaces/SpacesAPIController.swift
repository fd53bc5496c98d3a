import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Bookings of spaces over the API: staff book rooms, study places and
/// computers (once, tentatively, or weekly), confirm and cancel; anyone sees
/// the free study places of a branch now; members book a study place.
struct SpacesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("branches", ":branchID", "study-places", use: studyPlaces)
        api.get("branches", ":branchID", "bookings", use: branchBookings)
        api.get("spaces", ":spaceID", "bookings", use: spaceBookings)
        api.post("spaces", ":spaceID", "bookings", use: book)
        api.post("spaces", ":spaceID", "series", use: bookSeries)
        api.post("bookings", ":bookingID", "confirm", use: confirm)
        api.delete("bookings", ":bookingID", use: cancel)
        let my = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member", "study-places")
        my.get(use: memberBookings)
        my.post(use: memberBook)
        my.delete(":bookingID", use: memberCancel)
    }

    struct BookingDTO: Content {
        let id: Int
        let space_id: UUID
        let branch_id: UUID
        let starts_at: Date
        let ends_at: Date
        let status: String
        let hold_until: Date?
        let title: String
        let series_id: Int?
        let needs_staff: Bool
        var member_id: UUID? = nil

        init(_ booking: SpaceBooking, staff: Bool) {
            id = booking.id
            space_id = booking.spaceID
            branch_id = booking.branchID
            starts_at = booking.range.start
            ends_at = booking.range.end
            status = booking.status.rawValue
            hold_until = booking.holdUntil
            title = booking.title
            series_id = booking.seriesID
            needs_staff = booking.needsStaff
            if staff { member_id = booking.memberID }
        }
    }

    static func store(_ req: Request, organisation: UUID) async throws -> SpaceBookings {
        guard let org = try await req.branches.organisation(id: organisation) else { throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.") }
        return SpaceBookings(req.db, organisationID: organisation, timeZone: org.zone)
    }

    /// `from`/`to` from the query; default: this week from now.
    static func window(_ req: Request) throws -> TimeRange {
        let from = try req.instantQuery("from") ?? Date()
        let to = try req.instantQuery("to") ?? from.addingTimeInterval(7 * 86_400)
        guard to > from, to.timeIntervalSince(from) <= 62 * 86_400 else {
            throw BiebError.invalid("to", "'to' after 'from', at most 62 days.", nl: "'to' na 'from', hoogstens 62 dagen.")
        }
        return TimeRange(start: from, end: to)
    }

    // MARK: Public

    struct StudyAreaDTO: Content {
        let space_id: UUID
        let name: String
        let places: Int
        let free: Int
        let bookable: Bool
    }

    /// Free study places per study area of a branch, now (or `at`).
    func studyPlaces(req: Request) async throws -> [StudyAreaDTO] {
        let (branch, org) = try await BranchAPIController.publicBranch(req)
        let at = try req.instantQuery("at") ?? Date()
        return try await SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone).freeStudyPlaces(branch: branch.id!, at: at).map {
            StudyAreaDTO(space_id: $0.space.id!, name: $0.space.name, places: $0.space.capacity, free: $0.free, bookable: $0.space.bookable)
        }
    }

    // MARK: Staff

    func branchBookings(req: Request) async throws -> [BookingDTO] {
        let (branch, _, user) = try await BranchAPIController.ownBranch(req, .viewStaffPages)
        return try await Self.store(req, organisation: user.organisationID).bookings(branch: branch.id!, in: try Self.window(req))
            .map { BookingDTO($0, staff: true) }
    }

    /// The space and the store, checking the permission at the space's branch.
    static func space(_ req: Request, _ permission: Permission) async throws -> (SpaceBookings, UUID, StaffUser) {
        let user = try req.staff()
        let store = try await store(req, organisation: user.organisationID)
        let id = try req.uuidParameter("spaceID")
        let (_, branch) = try await store.space(id)
        _ = try req.staff(permission, branch: branch.id)
        return (store, id, user)
    }

    func spaceBookings(req: Request) async throws -> [BookingDTO] {
        let (store, space, _) = try await Self.space(req, .viewStaffPages)
        return try await store.bookings(space: space, in: try Self.window(req)).map { BookingDTO($0, staff: true) }
    }

    struct BookInput: Content {
        var starts_at: String?
        var ends_at: String?
        var title: String?
        var tentative: Bool?
        var hold_hours: Int?
        var needs_staff: Bool?
    }

    static func range(_ input: BookInput) throws -> TimeRange {
        guard let start = try Instant.parse(input.starts_at, field: "starts_at") else {
            throw BiebError.invalid("starts_at", "Give the start (ISO 8601).", nl: "Geef het begin (ISO 8601).")
        }
        guard let end = try Instant.parse(input.ends_at, field: "ends_at") else {
            throw BiebError.invalid("ends_at", "Give the end (ISO 8601).", nl: "Geef het einde (ISO 8601).")
        }
        return TimeRange(start: start, end: end)
    }

    func book(req: Request) async throws -> Response {
        let (store, space, user) = try await Self.space(req, .editSpaces)
        let input = try req.content.decode(BookInput.self)
        let booking = try await store.book(space: space, BookingRequest(
            range: try Self.range(input), title: input.title ?? "", tentative: input.tentative ?? false,
            holdHours: input.hold_hours ?? SpaceBookings.defaultHoldHours, needsStaff: input.needs_staff ?? false, staff: user.id))
        return try await BookingDTO(booking, staff: true).encodeResponse(status: .created, for: req)
    }

    struct SeriesInput: Content {
        /// "monday" … "sunday".
        var weekdays: [String]?
        /// "19:00".
        var starts: String?
        var duration_minutes: Int?
        var from: String?
        var through: String?
        var every_weeks: Int?
        var skipped: [String]?
        var title: String?
        var needs_staff: Bool?
    }

    struct SeriesDTO: Content {
        let series_id: Int
        let bookings: [BookingDTO]
    }

    /// The weekly recurrence of a series input (days, start, duration, from–through, every N weeks, skipped dates).
    static func recurrence(_ input: SeriesInput) throws -> WeeklyRecurrence {
        var weekdays: [Weekday] = []
        for name in input.weekdays ?? [] {
            guard let day = Weekday.allCases.first(where: { $0.name == name.lowercased() }) else {
                throw BiebError.invalid("weekdays", "'\(name)' is not a day (monday … sunday).", nl: "'\(name)' is geen dag (monday … sunday).")
            }
            weekdays.append(day)
        }
        guard let startsText = input.starts, let starts = LocalTime(startsText) else {
            throw BiebError.invalid("starts", "Give the start as HH:MM.", nl: "Geef het begin als UU:MM.")
        }
        func day(_ text: String?, _ field: String) throws -> LocalDate {
            guard let text, let date = LocalDate(iso: text) else {
                throw BiebError.invalid(field, "Give a date (YYYY-MM-DD).", nl: "Geef een datum (JJJJ-MM-DD).")
            }
            return date
        }
        let skipped = try (input.skipped ?? []).map { try day($0, "skipped") }
        return WeeklyRecurrence(weekdays: weekdays, startMinute: starts.minuteOfDay, durationMinutes: input.duration_minutes ?? 0,
                                          from: try day(input.from, "from"), through: try day(input.through, "through"),
                                          everyWeeks: input.every_weeks ?? 1, skipped: skipped)
    }

    /// A weekly series, all occurrences or none (409 names the date that does not fit).
    func bookSeries(req: Request) async throws -> Response {
        let (store, space, user) = try await Self.space(req, .editSpaces)
        let input = try req.content.decode(SeriesInput.self)
        let recurrence = try Self.recurrence(input)
        let title = input.title?.trimmed ?? ""
        guard !title.isEmpty else {
            throw BiebError.invalid("title", "Say what the bookings are for.", nl: "Zeg waarvoor de boekingen zijn.")
        }
        let outcome = try await store.bookSeries(space: space, recurrence: recurrence, title: title, needsStaff: input.needs_staff ?? false,
                                                 staff: user.id)
        return try await SeriesDTO(series_id: outcome.seriesID, bookings: outcome.bookings.map { BookingDTO($0, staff: true) })
            .encodeResponse(status: .created, for: req)
    }

    static func bookingID(_ req: Request) throws -> Int {
        guard let id = req.parameters.get("bookingID").flatMap(Int.init) else { throw BiebError.notFound("booking", nl: "Boeking niet gevonden.") }
        return id
    }

    /// A booking of the staff member's organisation, checked at its branch.
    static func staffBooking(_ req: Request) async throws -> (SpaceBookings, SpaceBooking) {
        let user = try req.staff()
        let store = try await store(req, organisation: user.organisationID)
        guard let booking = try await store.booking(try bookingID(req)) else { throw BiebError.notFound("booking", nl: "Boeking niet gevonden.") }
        _ = try req.staff(.editSpaces, branch: booking.branchID)
        return (store, booking)
    }

    func confirm(req: Request) async throws -> BookingDTO {
        let (store, booking) = try await Self.staffBooking(req)
        return BookingDTO(try await store.confirm(booking.id), staff: true)
    }

    func cancel(req: Request) async throws -> HTTPStatus {
        let (store, booking) = try await Self.staffBooking(req)
        try await store.cancel(booking.id)
        return .noContent
    }

    // MARK: Members

    struct StudyInput: Content {
        /// The branch (id or slug).
        var branch: String?
        var starts_at: String?
        var ends_at: String?
    }

    /// Books a place in a study area of the branch that has room (self-service hours will do).
    func memberBook(req: Request) async throws -> Response {
        let (service, account) = try await MemberAccountService.authorized(req)
        let input = try req.content.decode(StudyInput.self)
        let branch = try service.branch(input.branch, field: "branch")
        let range = try Self.range(BookInput(starts_at: input.starts_at, ends_at: input.ends_at))
        let booking = try await SpaceBookings(req.db, organisationID: service.organisation.id!, timeZone: service.organisation.zone)
            .bookStudyPlace(branch: branch.id, range: range, member: account)
        return try await BookingDTO(booking, staff: false).encodeResponse(status: .created, for: req)
    }

    func memberBookings(req: Request) async throws -> [BookingDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        let store = SpaceBookings(req.db, organisationID: service.organisation.id!, timeZone: service.organisation.zone)
        return try await store.bookings(member: account, in: TimeRange(start: Date().addingTimeInterval(-86_400), end: Date().addingTimeInterval(62 * 86_400)))
            .map { BookingDTO($0, staff: false) }
    }

    func memberCancel(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        try await SpaceBookings(req.db, organisationID: service.organisation.id!, timeZone: service.organisation.zone)
            .cancel(try Self.bookingID(req), member: account)
        return .noContent
    }
}
