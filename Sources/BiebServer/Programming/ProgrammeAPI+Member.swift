import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A member's own programme: registrations, followed communities,
/// appointments and the personal calendar feed.
extension ProgrammeAPIController {
    // MARK: Members


    struct MyRegistrationDTO: Content {
        let registration: RegistrationDTO
        let activity: ActivityDTO
    }

    func myRegistrations(req: Request) async throws -> [MyRegistrationDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        let org = service.organisation
        let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        var out: [MyRegistrationDTO] = []
        for registration in try await Registrations(req.db, organisationID: try org.requireID()).registrations(member: account) {
            guard let listing = try await programme.listing(registration.activityID) else { continue }
            out.append(MyRegistrationDTO(registration: RegistrationDTO(registration, organisation: org, own: true),
                                         activity: ActivityDTO(listing, organisation: org, staff: false)))
        }
        return out
    }

    struct MyRegistrationInput: Content {
        var activity_id: UUID?
        var places: Int?
        /// Agrees to be asked a few questions after the activity (customer research).
        var research_consent: Bool?
    }

    func myRegister(req: Request) async throws -> Response {
        let (service, account) = try await MemberAccountService.authorized(req)
        let input = try req.content.decode(MyRegistrationInput.self)
        guard let activity = input.activity_id else { throw BiebError.invalid("activity_id", "Give the activity.", nl: "Geef de activiteit.") }
        let org = service.organisation
        guard let listing = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).listing(activity), listing.activity.status != .draft else {
            throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.")
        }
        let member = try await service.record(account)
        let registration = try await Registrations(req.db, organisationID: try org.requireID()).register(
            for: activity, RegistrationRequest(member: account, places: input.places ?? 1, language: member.language,
                                              researchConsent: input.research_consent ?? false))
        return try await RegistrationDTO(registration, organisation: org, own: true).encodeResponse(status: .created, for: req)
    }

    func myCancel(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        try await Registrations(req.db, organisationID: service.organisation.id!).cancel(try req.intParameter("registrationID"), member: account)
        return .noContent
    }

    func myCommunities(req: Request) async throws -> [CommunityDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await Communities(req.db, organisationID: service.organisation.id!).followed(by: account).map(CommunityDTO.init)
    }

    func myFollow(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        try await Communities(req.db, organisationID: service.organisation.id!).follow(try req.uuidParameter("communityID"), member: account)
        return .noContent
    }

    func myUnfollow(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        try await Communities(req.db, organisationID: service.organisation.id!).unfollow(try req.uuidParameter("communityID"), member: account)
        return .noContent
    }

    func myBookAppointment(req: Request) async throws -> Response {
        let service = try await MemberAccountService.make(req)
        let account = try MemberAccountAPIController.account(req)
        let member = try await service.record(account)
        let input = try req.content.decode(AppointmentInput.self)
        guard let hour = input.hour_id else { throw BiebError.invalid("hour_id", "Give the consultation hour.", nl: "Geef het spreekuur.") }
        let org = service.organisation
        let appointment = try await ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone).book(
            hour: hour, slot: try Self.slot(input), member: account, name: nil, email: nil, question: input.question ?? "", language: member.language)
        return try await Self.appointmentDTO(appointment, organisation: org, own: true, partner: false).encodeResponse(status: .created, for: req)
    }

    func myCancelAppointment(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        let org = service.organisation
        try await ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone).cancelAppointment(try req.intParameter("appointmentID"), member: account)
        return .noContent
    }

    struct FeedDTO: Content {
        /// Subscribe to this in a calendar app; anyone with it sees the member's registrations, so keep it private.
        let url: String
    }

    /// A (new) secret address of the member's personal calendar feed; the old one stops working.
    func myCalendarFeed(req: Request) async throws -> FeedDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        let token = try await CalendarFeeds(req.db).renew(member: account)
        return FeedDTO(url: req.application.bieb.baseURL + "/\(service.organisation.slug)/agenda/mijn/\(token).ics")
    }

    func myRevokeCalendarFeed(req: Request) async throws -> HTTPStatus {
        let (_, account) = try await MemberAccountService.authorized(req)
        try await CalendarFeeds(req.db).revoke(member: account)
        return .noContent
    }
}
