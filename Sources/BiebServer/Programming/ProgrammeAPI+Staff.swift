import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The programme for staff and partners: planning activities on the
/// scheduling core, the door list and check-in, the library's own lists and
/// rules for guests, consultation hours.
extension ProgrammeAPIController {
    // MARK: Staff: planning

    func staffActivities(req: Request) async throws -> [ActivityDTO] {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.viewStaffPages)
        var filter = try Self.filter(req)
        filter.includeUnpublished = true
        if access.user.role == .partner {
            guard let own = access.user.partnerID else { return [] }
            filter.partnerID = own
        }
        return try await access.programme.agenda(filter).map { ActivityDTO($0, organisation: access.organisation, staff: true) }
    }

    func staffActivity(req: Request) async throws -> ActivityDTO {
        let access = try await ProgrammeAccess.make(req)
        return ActivityDTO(try await access.activity(try Self.activityID(req), .viewStaffPages), organisation: access.organisation, staff: true)
    }

    func create(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        let input = try req.content.decode(ActivityFields.self).input(partner: access.user.role == .partner ? access.user.partnerID : nil)
        try await access.mayPlan(branch: input.branchID, partners: input.partnerIDs)
        let listing = try await access.programme.create(input, staff: access.user.id)
        let response = try await ActivityDTO(listing, organisation: access.organisation, staff: true).encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/activities/\(listing.activity.id)/plan")
        return response
    }

    func update(req: Request) async throws -> ActivityDTO {
        let access = try await ProgrammeAccess.make(req)
        let current = try await access.activity(try Self.activityID(req), .manageProgramme)
        let input = try req.content.decode(ActivityFields.self).input(partner: access.user.role == .partner ? access.user.partnerID : nil)
        try await access.mayPlan(branch: input.branchID, partners: input.partnerIDs)
        return ActivityDTO(try await access.programme.update(current.activity.id, input, staff: access.user.id), organisation: access.organisation, staff: true)
    }

    func publish(req: Request) async throws -> ActivityDTO {
        let access = try await ProgrammeAccess.make(req)
        let current = try await access.activity(try Self.activityID(req), .manageProgramme)
        return ActivityDTO(try await access.programme.publish(current.activity.id, staff: access.user.id), organisation: access.organisation, staff: true)
    }

    func cancel(req: Request) async throws -> ActivityDTO {
        let access = try await ProgrammeAccess.make(req)
        let current = try await access.activity(try Self.activityID(req), .manageProgramme)
        return ActivityDTO(try await access.programme.cancel(current.activity.id), organisation: access.organisation, staff: true)
    }

    // MARK: Staff: registrations and attendance

    /// Everyone registered (then the waiting list) with name, card and check-ins: the list for the door. Logged as views of member records.
    func doorList(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        let lines = try await access.doorList(listing.activity.id)
        if req.query[String.self, at: "format"] == "csv" {
            return Self.csv(lines, listing: listing, organisation: access.organisation)
        }
        let dtos = lines.map { line -> RegistrationDTO in
            var dto = RegistrationDTO(line.registration, organisation: access.organisation, own: false)
            dto.name = line.name
            dto.email = line.registration.guestEmail
            dto.card = line.cardNumber
            dto.attended_sessions = line.attendedSessions
            return dto
        }
        return try await dtos.encodeResponse(for: req)
    }

    /// The door list as CSV (UTF-8 with a byte order mark, so spreadsheets read the accents).
    static func csv(_ lines: [DoorListLine], listing: ActivityListing, organisation: Organisation) -> Response {
        var csv = CSVText.line(["name", "card", "places", "status", "checked_in"])
        let sessions = listing.sessions.count
        for line in lines {
            csv += CSVText.line([CSVText.field(line.name, quoted: true), CSVText.field(line.cardNumber ?? "", quoted: true), String(line.registration.places),
                                 line.registration.status.rawValue, "\(line.attendedSessions.count)/\(sessions)"])
        }
        return CSVText.response(csv, filename: "deurlijst-\(listing.activity.id.uuidString.prefix(8).lowercased()).csv", bom: true)
    }

    struct StaffRegistrationInput: Content {
        var member_id: UUID?
        var card: String?
        var name: String?
        var email: String?
        var places: Int?
    }

    /// Registers someone at the desk or on the phone: a member (id or card) or a guest.
    func registerByStaff(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        let input = try req.content.decode(StaffRegistrationInput.self)
        var member = input.member_id
        if let card = input.card, !card.trimmed.isEmpty {
            guard let found = try await MemberDirectory(req.db, organisationID: access.organisation.id!).member(card: card)?.member else {
                throw BiebError.invalid("card", "No member with card '\(card.trimmed)'.", nl: "Geen lid met pas '\(card.trimmed)'.", code: "card_not_found")
            }
            member = found.id
        }
        let registration = try await access.registrations.register(for: listing.activity.id, RegistrationRequest(
            member: member, name: input.name, email: input.email, places: input.places ?? 1))
        return try await RegistrationDTO(registration, organisation: access.organisation, own: false).encodeResponse(status: .created, for: req)
    }

    func cancelByStaff(req: Request) async throws -> HTTPStatus {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        let id = try req.intParameter("registrationID")
        _ = try await access.registration(id, for: listing.activity.id)
        try await access.registrations.cancel(id)
        return .noContent
    }

    struct AttendanceDTO: Content {
        let session_id: Int
        let starts_at: Date
        let ends_at: Date
        let registered: Int
        let attended: Int
        /// Registered but not checked in; null until the session is over.
        let no_shows: Int?
    }

    func attendance(req: Request) async throws -> [AttendanceDTO] {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        return try await access.registrations.attendance(activity: listing.activity.id).map {
            AttendanceDTO(session_id: $0.session.id, starts_at: $0.session.range.start, ends_at: $0.session.range.end, registered: $0.registered,
                          attended: $0.attended, no_shows: $0.noShows)
        }
    }

    struct CheckInInput: Content {
        var registration_id: Int?
        /// Scan a member's card instead.
        var card: String?
    }

    func checkIn(req: Request) async throws -> RegistrationDTO {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        let session = try req.intParameter("sessionID")
        let input = try req.content.decode(CheckInInput.self)
        let registration: Registration
        if let card = input.card, !card.trimmed.isEmpty {
            registration = try await access.registrations.checkIn(card: card, activity: listing.activity.id, session: session, staff: access.user.id)
        } else if let id = input.registration_id {
            registration = try await access.registration(id, for: listing.activity.id)
            try await access.registrations.checkIn(registration: id, session: session, staff: access.user.id)
        } else {
            throw BiebError.invalid("registration_id", "Give a registration_id, or scan a card.", nl: "Geef een registration_id, of scan een pas.")
        }
        return RegistrationDTO(registration, organisation: access.organisation, own: false)
    }

    func undoCheckIn(req: Request) async throws -> HTTPStatus {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        let id = try req.intParameter("registrationID")
        _ = try await access.registration(id, for: listing.activity.id)
        try await access.registrations.undoCheckIn(registration: id, session: try req.intParameter("sessionID"))
        return .noContent
    }

    // MARK: Staff: terms, series, venues, communities

    struct TermInput: Content {
        var code: String?
        var name_nl: String?
        var name_en: String?
    }

    struct GuestRulesDTO: Content {
        var places_per_registration: Int?
        var confirm_hours: Int?
    }

    /// How guests register: places per registration, hours to confirm by the mailed link.
    func guestRules(req: Request) async throws -> GuestRulesDTO {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        let rules = try await access.registrations.guestRules()
        return GuestRulesDTO(places_per_registration: rules.placesPerRegistration, confirm_hours: rules.confirmHours)
    }

    func setGuestRules(req: Request) async throws -> GuestRulesDTO {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "The rules for guests are the library's own.",
                                                       nl: "De regels voor gasten zijn van de bibliotheek.")
        let input = try req.content.decode(GuestRulesDTO.self)
        let rules = try await access.registrations.updateGuestRules(placesPerRegistration: input.places_per_registration,
                                                                    confirmHours: input.confirm_hours)
        return GuestRulesDTO(places_per_registration: rules.placesPerRegistration, confirm_hours: rules.confirmHours)
    }

    func saveTerm(req: Request) async throws -> TermDTO {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Kinds and themes are the library's own lists.",
                                                       nl: "Soorten en thema's zijn lijsten van de bibliotheek.")
        guard let vocabulary = Vocabulary(rawValue: req.parameters.get("vocabulary") ?? "") else {
            throw BiebError.invalid("vocabulary", "Terms are of 'kind' or 'theme'.", nl: "Termen zijn van 'kind' of 'theme'.")
        }
        let input = try req.content.decode(TermInput.self)
        let term = try await access.programme.saveTerm(vocabulary, code: input.code ?? "", nl: input.name_nl ?? "", en: input.name_en ?? "")
        return TermDTO(code: term.code, name_nl: term.nl, name_en: term.en)
    }

    struct SeriesDTO: Content {
        let id: Int
        let title: String
        let description: String

        init(_ series: ActivitySeries) { (id, title, description) = (series.id, series.title, series.description) }
    }

    func series(req: Request) async throws -> [SeriesDTO] {
        let access = try await ProgrammeAccess.make(req)
        return try await access.programme.series().map(SeriesDTO.init)
    }

    func createSeries(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Series are made by the library.", nl: "Reeksen maakt de bibliotheek.")
        let series = try await req.content.decode(ActivitySeriesInput.self).create(in: access.programme)
        return try await SeriesDTO(series).encodeResponse(status: .created, for: req)
    }

    func updateSeries(req: Request) async throws -> SeriesDTO {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Series are changed by the library.", nl: "Reeksen wijzigt de bibliotheek.")
        let id = try req.intParameter("seriesID")
        return SeriesDTO(try await req.content.decode(ActivitySeriesInput.self).update(id, in: access.programme))
    }

    /// Removes a series; refused (409 `series_in_use`, naming how many) while activities belong to it.
    func deleteSeries(req: Request) async throws -> HTTPStatus {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Series are removed by the library.", nl: "Reeksen verwijdert de bibliotheek.")
        try await access.programme.deleteSeries(try req.intParameter("seriesID"))
        return .noContent
    }

    struct VenueDTO: Content {
        let id: UUID
        let branch_id: UUID?
        let name: String
        let address: String
        let notes: String

        init(_ venue: ExternalVenue) {
            (id, branch_id, name, address, notes) = (venue.id, venue.branchID, venue.name, venue.address, venue.notes)
        }
    }

    func venues(req: Request) async throws -> [VenueDTO] {
        let access = try await ProgrammeAccess.make(req)
        return try await access.programme.venues().map(VenueDTO.init)
    }

    func createVenue(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Venues are added by the library.",
                                                       nl: "Locaties voegt de bibliotheek toe.")
        let venue = try await req.content.decode(VenueInput.self).create(in: access.programme)
        return try await VenueDTO(venue).encodeResponse(status: .created, for: req)
    }

    func updateVenue(req: Request) async throws -> VenueDTO {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Venues are changed by the library.", nl: "Locaties wijzigt de bibliotheek.")
        let id = try req.uuidParameter("venueID")
        return VenueDTO(try await req.content.decode(VenueInput.self).update(id, in: access.programme))
    }

    /// Removes a venue; refused (409 `venue_in_use`, naming how many) while activities take place there.
    func deleteVenue(req: Request) async throws -> HTTPStatus {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Venues are removed by the library.", nl: "Locaties verwijdert de bibliotheek.")
        try await access.programme.deleteVenue(try req.uuidParameter("venueID"))
        return .noContent
    }

    struct CommunityInput: Content {
        var name: String?
        var description: String?
        var contact: String?
        var branch_id: UUID?
    }

    func createCommunity(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Communities are added by the library.",
                                                       nl: "Groepen voegt de bibliotheek toe.")
        let input = try req.content.decode(CommunityInput.self)
        let community = try await Communities(req.db, organisationID: access.organisation.id!).save(
            name: input.name ?? "", description: input.description ?? "", contact: input.contact ?? "", branch: input.branch_id)
        return try await CommunityDTO(community).encodeResponse(status: .created, for: req)
    }

    func updateCommunity(req: Request) async throws -> CommunityDTO {
        let access = try await ProgrammeAccess.library(req, partnerRefusal: "Communities are changed by the library.",
                                                       nl: "Groepen wijzigt de bibliotheek.")
        let input = try req.content.decode(CommunityInput.self)
        return CommunityDTO(try await Communities(req.db, organisationID: access.organisation.id!).save(
            id: try req.uuidParameter("communityID"), name: input.name ?? "", description: input.description ?? "",
            contact: input.contact ?? "", branch: input.branch_id))
    }

    // MARK: Staff and partners: consultation hours

    struct HourInput: Content {
        var partner_id: UUID?
        var branch_id: UUID?
        var space_id: UUID?
        var title: String?
        var description: String?
        var slot_minutes: Int?
        var starts_at: String?
        var ends_at: String?
        /// A weekly recurrence instead of one start and end.
        var weekly: SpacesAPIController.SeriesInput?
    }

    /// Publishes one consultation hour or a weekly run of them (partner contacts: their own, in branches that house them).
    func publishHours(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        let input = try req.content.decode(HourInput.self)
        guard let partner = input.partner_id ?? (access.user.role == .partner ? access.user.partnerID : nil) else {
            throw BiebError.invalid("partner_id", "Give the partner organisation that holds the hour.", nl: "Geef de partnerorganisatie van het spreekuur.")
        }
        guard let branch = input.branch_id else { throw BiebError.invalid("branch_id", "Give the branch.", nl: "Geef de vestiging.") }
        try await access.mayRunHours(partner: partner, branch: branch)
        var hour = ConsultationHourInput(partnerID: partner, branchID: branch, title: input.title ?? "", slotMinutes: input.slot_minutes)
        hour.spaceID = input.space_id
        hour.description = input.description ?? ""
        if let weekly = input.weekly {
            hour.recurrence = try SpacesAPIController.recurrence(weekly)
        } else if let start = try Instant.parse(input.starts_at, field: "starts_at"), let end = try Instant.parse(input.ends_at, field: "ends_at") {
            hour.range = TimeRange(start: start, end: end)
        }
        let hours = try await access.hours.publish(hour, staff: access.user.id)
        return try await Self.hourDTOs(hours, store: access.hours, req: req, organisation: access.organisation.id!).encodeResponse(status: .created, for: req)
    }

    /// The appointments of an hour, with names and questions (for the partner and staff).
    func appointments(req: Request) async throws -> [AppointmentDTO] {
        let access = try await ProgrammeAccess.make(req)
        let hour = try await access.hour(try req.uuidParameter("hourID"))
        return try await access.hours.appointments(hour: hour.id).map {
            Self.appointmentDTO($0, organisation: access.organisation, own: false, partner: true)
        }
    }

    func cancelHour(req: Request) async throws -> HTTPStatus {
        let access = try await ProgrammeAccess.make(req)
        let hour = try await access.hour(try req.uuidParameter("hourID"))
        try await access.hours.cancel(hour.id)
        return .noContent
    }
}
