import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The programme for anyone: the agenda, an activity, registering and
/// confirming without an account, the key from the mail, kinds and themes,
/// communities, partners' consultation hours and booking a slot.
extension ProgrammeAPIController {
    // MARK: Public

    func agenda(req: Request) async throws -> [ActivityDTO] {
        let org = try await req.organisation()
        let listings = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).agenda(try Self.filter(req))
        return listings.map { ActivityDTO($0, organisation: org, staff: false) }
    }

    static func publicListing(_ req: Request, _ org: Organisation) async throws -> ActivityListing {
        guard let listing = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).listing(try activityID(req)),
              listing.activity.status != .draft else { throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.") }
        return listing
    }

    func publicActivity(req: Request) async throws -> ActivityDTO {
        let org = try await req.organisation()
        return ActivityDTO(try await Self.publicListing(req, org), organisation: org, staff: false)
    }

    struct GuestInput: Content {
        var name: String?
        var email: String?
        var places: Int?
        var language: String?
        /// Agrees to be asked a few questions after the activity (customer research).
        var research_consent: Bool?
    }

    /// Registration without an account: a name and an e-mail address. It is
    /// provisional until confirmed by the link in the mail (the answer holds
    /// no key: only the mail does).
    func registerGuest(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let listing = try await Self.publicListing(req, org)
        let input = try req.content.decode(GuestInput.self)
        let registration = try await GuestRegistrations.register(req, organisation: org, activity: listing.activity.id, name: input.name,
                                                                 email: input.email, places: input.places ?? 1, language: input.language ?? "nl",
                                                                 researchConsent: input.research_consent ?? false)
        return try await RegistrationDTO(registration, organisation: org, own: true).encodeResponse(status: .created, for: req)
    }

    /// Confirms a guest's registration with the key from its mail.
    func confirmByToken(req: Request) async throws -> RegistrationDTO {
        let org = try await req.organisation()
        let registration = try await Registrations(req.db, organisationID: try org.requireID()).confirm(token: req.parameters.get("token") ?? "")
        return RegistrationDTO(registration, organisation: org, own: true)
    }

    static func byToken(_ req: Request, _ org: Organisation) async throws -> Registration {
        guard let registration = try await Registrations(req.db, organisationID: try org.requireID()).registration(token: req.parameters.get("token") ?? "") else {
            throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden (of al verlopen).")
        }
        return registration
    }

    func registrationByToken(req: Request) async throws -> RegistrationDTO {
        let org = try await req.organisation()
        return RegistrationDTO(try await Self.byToken(req, org), organisation: org, own: true)
    }

    func cancelByToken(req: Request) async throws -> HTTPStatus {
        let org = try await req.organisation()
        try await Registrations(req.db, organisationID: try org.requireID()).cancel(try await Self.byToken(req, org).id)
        return .noContent
    }

    struct TermDTO: Content {
        let code: String
        let name_nl: String
        let name_en: String
    }

    struct TermsDTO: Content {
        let kinds: [TermDTO]
        let themes: [TermDTO]
        let audiences: [String]
        let core_functions: [String]
    }

    func terms(req: Request) async throws -> TermsDTO {
        let org = try await req.organisation()
        let programme = Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        func dto(_ t: ProgrammeTerm) -> TermDTO { TermDTO(code: t.code, name_nl: t.nl, name_en: t.en) }
        return TermsDTO(kinds: try await programme.terms(.kind).map(dto), themes: try await programme.terms(.theme).map(dto),
                        audiences: ActivityAudience.allCases.map(\.rawValue), core_functions: CoreFunction.allCases.map(\.rawValue))
    }

    struct CommunityDTO: Content {
        let id: UUID
        let name: String
        let description: String
        let contact: String
        let branch_id: UUID?
        let followers: Int
        var meetings: [ActivityDTO]? = nil

        init(_ c: Community) {
            id = c.id
            name = c.name
            description = c.description
            contact = c.contact
            branch_id = c.branchID
            followers = c.followers
        }
    }

    func communities(req: Request) async throws -> [CommunityDTO] {
        let org = try await req.organisation()
        return try await Communities(req.db, organisationID: try org.requireID()).all().map(CommunityDTO.init)
    }

    func community(req: Request) async throws -> CommunityDTO {
        let org = try await req.organisation()
        guard let community = try await Communities(req.db, organisationID: try org.requireID()).community(try req.uuidParameter("communityID")) else {
            throw BiebError.notFound("community", nl: "Groep niet gevonden.")
        }
        var dto = CommunityDTO(community)
        var filter = AgendaFilter(from: Date())
        filter.communityID = community.id
        dto.meetings = try await Programme(req.db, organisationID: try org.requireID(), timeZone: org.zone).agenda(filter)
            .map { ActivityDTO($0, organisation: org, staff: false) }
        return dto
    }

    struct HourDTO: Content {
        let id: UUID
        let partner_id: UUID
        let partner: String
        let branch_id: UUID
        let space_id: UUID?
        let title: String
        let description: String
        let starts_at: Date
        let ends_at: Date
        /// Minutes per appointment; null: walk in.
        let slot_minutes: Int?
        let walk_in: Bool
        let cancelled: Bool
        let free_slots: [Date]
    }

    static func hourDTOs(_ hours: [ConsultationHour], store: ConsultationHours, req: Request, organisation: UUID) async throws -> [HourDTO] {
        let partners = Dictionary(uniqueKeysWithValues: try await PartnerDirectory(req.db).partners(of: organisation).map { ($0.id!, $0.name) })
        let free = try await store.freeSlots(hours)
        var out: [HourDTO] = []
        for hour in hours {
            out.append(HourDTO(id: hour.id, partner_id: hour.partnerID, partner: partners[hour.partnerID] ?? "", branch_id: hour.branchID,
                               space_id: hour.spaceID, title: hour.title, description: hour.description, starts_at: hour.range.start,
                               ends_at: hour.range.end, slot_minutes: hour.slotMinutes, walk_in: hour.isWalkIn, cancelled: hour.cancelled,
                               free_slots: free[hour.id] ?? []))
        }
        return out
    }

    /// Consultation hours with their free slots (default: the coming four weeks).
    func publicHours(req: Request) async throws -> [HourDTO] {
        let org = try await req.organisation()
        let from = try req.instantQuery("from") ?? Date()
        let to = try req.instantQuery("to") ?? from.addingTimeInterval(28 * 86_400)
        guard to > from, to.timeIntervalSince(from) <= 93 * 86_400 else {
            throw BiebError.invalid("to", "'to' after 'from', at most 93 days.", nl: "'to' na 'from', hoogstens 93 dagen.")
        }
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        let hours = try await store.hours(branch: try Self.uuidQuery(req, "branch"), partner: try Self.uuidQuery(req, "partner"),
                                          in: TimeRange(start: from, end: to))
        return try await Self.hourDTOs(hours, store: store, req: req, organisation: try org.requireID())
    }

    struct AppointmentInput: Content {
        var hour_id: UUID?
        var slot: String?
        var name: String?
        var email: String?
        var question: String?
        var language: String?
    }

    struct AppointmentDTO: Content {
        let id: Int
        let hour_id: UUID
        let slot_start: Date
        let status: String
        var member_id: UUID? = nil
        var name: String? = nil
        var email: String? = nil
        var question: String? = nil
        var cancel_url: String? = nil
    }

    static func appointmentDTO(_ a: Appointment, organisation: Organisation, own: Bool, partner: Bool) -> AppointmentDTO {
        var dto = AppointmentDTO(id: a.id, hour_id: a.hourID, slot_start: a.slotStart, status: a.status)
        if own, let token = a.token { dto.cancel_url = "/\(organisation.slug)/afspraak-afzeggen/\(token)" }
        if partner || own {
            dto.member_id = a.memberID
            dto.name = a.name
            dto.email = a.email
            dto.question = a.question
        }
        return dto
    }

    static func slot(_ input: AppointmentInput) throws -> Date {
        guard let slot = try Instant.parse(input.slot, field: "slot") else {
            throw BiebError.invalid("slot", "Give the slot's start (ISO 8601).", nl: "Geef het begin van de afspraak (ISO 8601).")
        }
        return slot
    }

    func bookAppointmentGuest(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let input = try req.content.decode(AppointmentInput.self)
        let appointment = try await GuestRegistrations.bookAppointment(
            req, organisation: org, hour: try req.uuidParameter("hourID"), slot: try Self.slot(input), name: input.name, email: input.email,
            question: input.question ?? "", language: input.language ?? "nl")
        return try await Self.appointmentDTO(appointment, organisation: org, own: true, partner: false).encodeResponse(status: .created, for: req)
    }

    func cancelAppointmentByToken(req: Request) async throws -> HTTPStatus {
        let org = try await req.organisation()
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        guard let appointment = try await store.appointment(token: req.parameters.get("token") ?? "") else {
            throw BiebError.notFound("appointment", nl: "Afspraak niet gevonden.")
        }
        try await store.cancelAppointment(appointment.id)
        return .noContent
    }
}
