import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The member's side of the spaces API (`/api/v1/my/accounts/{member}/study-places`): booking a study place.
extension SpacesAPIController {
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
