import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Bookings of spaces over the API: staff book rooms, study places and
/// computers (once, tentatively, or weekly), confirm and cancel; anyone sees
/// the free study places of a branch now; members book a study place.
/// Routes and shared types here; the handlers by audience in `SpacesAPI+Member.swift`, `SpacesAPI+Staff.swift`.
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

    // MARK: Staff

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

    static func bookingID(_ req: Request) throws -> Int {
        guard let id = req.parameters.get("bookingID").flatMap(Int.init) else { throw BiebError.notFound("booking", nl: "Boeking niet gevonden.") }
        return id
    }

    // MARK: Members

    struct StudyInput: Content {
        /// The branch (id or slug).
        var branch: String?
        var starts_at: String?
        var ends_at: String?
    }

}
