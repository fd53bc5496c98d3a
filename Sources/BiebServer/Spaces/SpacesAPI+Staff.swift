import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff's side of the spaces API: study places, a branch's and a space's bookings, booking one or a series, confirming and cancelling.
extension SpacesAPIController {
    /// Free study places per study area of a branch, now (or `at`).
    func studyPlaces(req: Request) async throws -> [StudyAreaDTO] {
        let (branch, org) = try await BranchAPIController.publicBranch(req)
        let at = try req.instantQuery("at") ?? Date()
        return try await SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone).freeStudyPlaces(branch: branch.id!, at: at).map {
            StudyAreaDTO(space_id: $0.space.id!, name: $0.space.name, places: $0.space.capacity, free: $0.free, bookable: $0.space.bookable)
        }
    }

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

    func book(req: Request) async throws -> Response {
        let (store, space, user) = try await Self.space(req, .editSpaces)
        let input = try req.content.decode(BookInput.self)
        let booking = try await store.book(space: space, BookingRequest(
            range: try Self.range(input), title: input.title ?? "", tentative: input.tentative ?? false,
            holdHours: input.hold_hours ?? SpaceBookings.defaultHoldHours, needsStaff: input.needs_staff ?? false, staff: user.id))
        return try await BookingDTO(booking, staff: true).encodeResponse(status: .created, for: req)
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
}
