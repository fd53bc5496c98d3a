import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The programme over the API: the public agenda and registration (also
/// without an account), staff planning with the scheduling core, the door
/// list and check-in, communities, partners' consultation hours with
/// appointment slots, and a member's registrations, follows and calendar feed.
struct ProgrammeAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let open = routes.grouped("api", "v1", "organisations", ":org")
        open.get("agenda", use: agenda)
        open.get("activities", ":activityID", use: publicActivity)
        open.post("activities", ":activityID", "registrations", use: registerGuest)
        open.get("registrations", ":token", use: registrationByToken)
        open.delete("registrations", ":token", use: cancelByToken)
        open.post("registrations", ":token", "confirm", use: confirmByToken)
        open.get("programme-terms", use: terms)
        open.get("communities", use: communities)
        open.get("communities", ":communityID", use: community)
        open.get("consultation-hours", use: publicHours)
        open.post("consultation-hours", ":hourID", "appointments", use: bookAppointmentGuest)
        open.delete("appointments", ":token", use: cancelAppointmentByToken)

        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("activities", use: staffActivities)
        api.post("activities", use: create)
        api.get("activities", ":activityID", "plan", use: staffActivity)
        api.put("activities", ":activityID", use: update)
        api.post("activities", ":activityID", "publish", use: publish)
        api.post("activities", ":activityID", "cancel", use: cancel)
        api.get("activities", ":activityID", "registrations", use: doorList)
        api.post("activities", ":activityID", "registrations", use: registerByStaff)
        api.delete("activities", ":activityID", "registrations", ":registrationID", use: cancelByStaff)
        api.get("activities", ":activityID", "attendance", use: attendance)
        api.post("activities", ":activityID", "sessions", ":sessionID", "check-in", use: checkIn)
        api.delete("activities", ":activityID", "sessions", ":sessionID", "check-in", ":registrationID", use: undoCheckIn)
        api.post("programme-terms", ":vocabulary", use: saveTerm)
        api.get("programme", "guest-rules", use: guestRules)
        api.put("programme", "guest-rules", use: setGuestRules)
        api.get("activity-series", use: series)
        api.post("activity-series", use: createSeries)
        api.get("venues", use: venues)
        api.post("venues", use: createVenue)
        api.post("communities", use: createCommunity)
        api.put("communities", ":communityID", use: updateCommunity)
        api.post("consultation-hours", use: publishHours)
        api.get("consultation-hours", ":hourID", "appointments", use: appointments)
        api.delete("consultation-hours", ":hourID", use: cancelHour)

        let my = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member")
        my.get("registrations", use: myRegistrations)
        my.post("registrations", use: myRegister)
        my.delete("registrations", ":registrationID", use: myCancel)
        my.get("communities", use: myCommunities)
        my.put("communities", ":communityID", use: myFollow)
        my.delete("communities", ":communityID", use: myUnfollow)
        my.post("appointments", use: myBookAppointment)
        my.delete("appointments", ":appointmentID", use: myCancelAppointment)
        my.post("calendar-feed", use: myCalendarFeed)
        my.delete("calendar-feed", use: myRevokeCalendarFeed)
    }

    // MARK: DTOs

    struct SessionDTO: Content {
        let id: Int
        let starts_at: Date
        let ends_at: Date
        var booking_id: Int? = nil
    }

    struct ActivityDTO: Content {
        let id: UUID
        let url: String
        let status: String
        let branch_id: UUID
        let space_id: UUID?
        let venue_id: UUID?
        let kind: String
        let title: String
        let description: String
        let image_url: String
        let language: String
        let accessibility: String
        let core_function: String
        let themes: [String]
        let audiences: [String]
        let age_min: Int?
        let age_max: Int?
        let series_id: Int?
        let community_id: UUID?
        let organiser: String
        let partner_ids: [UUID]
        let list_id: UUID?
        let registration: String
        let price_cents: Int
        let capacity: Int?
        let places_left: Int?
        let registered: Int
        let waiting: Int
        let needs_staff: Bool
        var guest_data_days: Int? = nil
        let sessions: [SessionDTO]

        init(_ listing: ActivityListing, organisation: Organisation, staff: Bool) {
            let a = listing.activity
            id = a.id
            url = "/\(organisation.slug)/agenda/\(a.id)"
            status = a.status.rawValue
            branch_id = a.branchID
            space_id = a.spaceID
            venue_id = a.venueID
            kind = a.kind
            title = a.title
            description = a.description
            image_url = a.imageURL
            language = a.language
            accessibility = a.accessibility
            core_function = a.coreFunction.rawValue
            themes = a.themes
            audiences = a.audiences.map(\.rawValue)
            age_min = a.ageMin
            age_max = a.ageMax
            series_id = a.seriesID
            community_id = a.communityID
            organiser = a.organiser
            partner_ids = a.partnerIDs
            list_id = a.listID
            registration = a.registration.rawValue
            price_cents = a.priceCents
            capacity = a.capacity
            places_left = listing.placesLeft
            registered = listing.taken
            waiting = listing.waiting
            needs_staff = a.needsStaff
            if staff { guest_data_days = a.guestDataDays }
            sessions = listing.sessions.map { SessionDTO(id: $0.id, starts_at: $0.range.start, ends_at: $0.range.end, booking_id: staff ? $0.bookingID : nil) }
        }
    }

    struct RegistrationDTO: Content {
        let id: Int
        let activity_id: UUID
        let status: String
        let places: Int
        let member_id: UUID?
        var name: String? = nil
        var email: String? = nil
        /// For the person who registered: the link that cancels it.
        var cancel_url: String? = nil
        let created_at: Date
        let promoted_at: Date?
        var card: String? = nil
        var attended_sessions: [Int]? = nil
        /// False while a guest's registration waits for the link in its mail.
        let confirmed: Bool
        /// Until when a provisional registration may be confirmed.
        let confirm_by: Date?

        /// `own`: for the person who registered — the cancellation link, once
        /// the registration is confirmed (the key of a provisional one is only in its mail).
        init(_ r: Registration, organisation: Organisation, own: Bool) {
            id = r.id
            activity_id = r.activityID
            status = r.status.rawValue
            places = r.places
            member_id = r.memberID
            created_at = r.createdAt
            promoted_at = r.promotedAt
            confirmed = !r.isProvisional
            confirm_by = r.isProvisional ? r.confirmBy : nil
            if own, !r.isProvisional, let token = r.token { cancel_url = "/\(organisation.slug)/afmelden/\(token)" }
        }
    }

    // MARK: Helpers


    static func activityID(_ req: Request) throws -> UUID { try req.uuidParameter("activityID") }

    static func uuidQuery(_ req: Request, _ name: String) throws -> UUID? {
        guard let text = req.query[String.self, at: name], !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else { throw BiebError.invalid(name, "'\(text)' is not an id (UUID).", nl: "'\(text)' is geen geldig id.") }
        return id
    }

    /// The agenda filter from the query: branch, from, to, kind, theme, audience, paid, community, series, partner, limit, offset.
    static func filter(_ req: Request) throws -> AgendaFilter {
        var filter = AgendaFilter(from: try req.instantQuery("from") ?? Date())
        filter.to = try req.instantQuery("to")
        filter.branchID = try uuidQuery(req, "branch")
        filter.kind = req.query[String.self, at: "kind"].flatMap { $0.isEmpty ? nil : $0 }
        filter.theme = req.query[String.self, at: "theme"].flatMap { $0.isEmpty ? nil : $0 }
        if let audience = req.query[String.self, at: "audience"], !audience.isEmpty {
            guard let value = ActivityAudience(rawValue: audience) else {
                throw BiebError.invalid("audience", "Unknown audience '\(audience)'; use one of: \(ActivityAudience.allCases.map(\.rawValue).joined(separator: ", ")).",
                                        nl: "Onbekende doelgroep '\(audience)'.")
            }
            filter.audience = value
        }
        if let paid = req.query[String.self, at: "paid"], !paid.isEmpty {
            guard let value = ["true": true, "false": false, "1": true, "0": false][paid] else {
                throw BiebError.invalid("paid", "'paid' is true or false.", nl: "'paid' is true of false.")
            }
            filter.paid = value
        }
        filter.communityID = try uuidQuery(req, "community")
        filter.partnerID = try uuidQuery(req, "partner")
        if let series = req.query[String.self, at: "series"], !series.isEmpty {
            guard let id = Int(series) else { throw BiebError.invalid("series", "'\(series)' is not a series id.", nl: "'\(series)' is geen reeks-id.") }
            filter.seriesID = id
        }
        if let limit = req.query[Int.self, at: "limit"] { filter.limit = limit }
        if let offset = req.query[Int.self, at: "offset"] { filter.offset = offset }
        return filter
    }

    // MARK: Public

    func agenda(req: Request) async throws -> [ActivityDTO] {
        let org = try await req.organisation()
        let listings = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).agenda(try Self.filter(req))
        return listings.map { ActivityDTO($0, organisation: org, staff: false) }
    }

    static func publicListing(_ req: Request, _ org: Organisation) async throws -> ActivityListing {
        guard let listing = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).listing(try activityID(req)),
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
    }

    /// Registration without an account: a name and an e-mail address. It is
    /// provisional until confirmed by the link in the mail (the answer holds
    /// no key: only the mail does).
    func registerGuest(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let listing = try await Self.publicListing(req, org)
        let input = try req.content.decode(GuestInput.self)
        let registration = try await GuestRegistrations.register(req, organisation: org, activity: listing.activity.id, name: input.name,
                                                                 email: input.email, places: input.places ?? 1, language: input.language ?? "nl")
        return try await RegistrationDTO(registration, organisation: org, own: true).encodeResponse(status: .created, for: req)
    }

    /// Confirms a guest's registration with the key from its mail.
    func confirmByToken(req: Request) async throws -> RegistrationDTO {
        let org = try await req.organisation()
        let registration = try await Registrations(req.db, organisationID: org.id!).confirm(token: req.parameters.get("token") ?? "")
        return RegistrationDTO(registration, organisation: org, own: true)
    }

    static func byToken(_ req: Request, _ org: Organisation) async throws -> Registration {
        guard let registration = try await Registrations(req.db, organisationID: org.id!).registration(token: req.parameters.get("token") ?? "") else {
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
        try await Registrations(req.db, organisationID: org.id!).cancel(try await Self.byToken(req, org).id)
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
        let programme = Programme(req.db, organisationID: org.id!, timeZone: org.zone)
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
        return try await Communities(req.db, organisationID: org.id!).all().map(CommunityDTO.init)
    }

    func community(req: Request) async throws -> CommunityDTO {
        let org = try await req.organisation()
        guard let community = try await Communities(req.db, organisationID: org.id!).community(try req.uuidParameter("communityID")) else {
            throw BiebError.notFound("community", nl: "Groep niet gevonden.")
        }
        var dto = CommunityDTO(community)
        var filter = AgendaFilter(from: Date())
        filter.communityID = community.id
        dto.meetings = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).agenda(filter)
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
        let store = ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone)
        let hours = try await store.hours(branch: try Self.uuidQuery(req, "branch"), partner: try Self.uuidQuery(req, "partner"),
                                          in: TimeRange(start: from, end: to))
        return try await Self.hourDTOs(hours, store: store, req: req, organisation: org.id!)
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
        let store = ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone)
        guard let appointment = try await store.appointment(token: req.parameters.get("token") ?? "") else {
            throw BiebError.notFound("appointment", nl: "Afspraak niet gevonden.")
        }
        try await store.cancelAppointment(appointment.id)
        return .noContent
    }

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

    struct SessionInput: Content {
        var starts_at: String?
        var ends_at: String?
    }

    struct ActivityInputDTO: Content {
        var branch_id: UUID?
        var space_id: UUID?
        var venue_id: UUID?
        var kind: String?
        var title: String?
        var description: String?
        var image_url: String?
        var language: String?
        var accessibility: String?
        var core_function: String?
        var themes: [String]?
        var audiences: [String]?
        var age_min: Int?
        var age_max: Int?
        var series_id: Int?
        var community_id: UUID?
        var organiser: String?
        var partner_ids: [UUID]?
        var list_id: UUID?
        var registration: String?
        var price_cents: Int?
        var capacity: Int?
        var needs_staff: Bool?
        var guest_data_days: Int?
        var sessions: [SessionInput]?
    }

    static func input(_ dto: ActivityInputDTO, partner: UUID?) throws -> ActivityInput {
        guard let branch = dto.branch_id else { throw BiebError.invalid("branch_id", "Give the branch that runs the activity.", nl: "Geef de vestiging die de activiteit organiseert.") }
        var sessions: [TimeRange] = []
        for (index, session) in (dto.sessions ?? []).enumerated() {
            guard let start = try Instant.parse(session.starts_at, field: "sessions[\(index)].starts_at"),
                  let end = try Instant.parse(session.ends_at, field: "sessions[\(index)].ends_at") else {
                throw BiebError.invalid("sessions[\(index)]", "Give each session's starts_at and ends_at (ISO 8601).", nl: "Geef van elke keer starts_at en ends_at (ISO 8601).")
            }
            sessions.append(TimeRange(start: start, end: end))
        }
        var input = ActivityInput(branchID: branch, kind: dto.kind ?? "", title: dto.title ?? "", sessions: sessions)
        input.spaceID = dto.space_id
        input.venueID = dto.venue_id
        input.description = dto.description ?? ""
        input.imageURL = dto.image_url ?? ""
        input.language = dto.language ?? "nl"
        input.accessibility = dto.accessibility ?? ""
        if let function = dto.core_function {
            guard let value = CoreFunction(rawValue: function) else {
                throw BiebError.invalid("core_function", "Unknown core function '\(function)'; use one of: \(CoreFunction.allCases.map(\.rawValue).joined(separator: ", ")).",
                                        nl: "Onbekende kernfunctie '\(function)'.")
            }
            input.coreFunction = value
        }
        input.themes = dto.themes ?? []
        input.audiences = try (dto.audiences ?? []).map { text in
            guard let audience = ActivityAudience(rawValue: text) else {
                throw BiebError.invalid("audiences", "Unknown audience '\(text)'; use any of: \(ActivityAudience.allCases.map(\.rawValue).joined(separator: ", ")).",
                                        nl: "Onbekende doelgroep '\(text)'.")
            }
            return audience
        }
        input.ageMin = dto.age_min
        input.ageMax = dto.age_max
        input.seriesID = dto.series_id
        input.communityID = dto.community_id
        input.organiser = dto.organiser ?? ""
        input.partnerIDs = dto.partner_ids ?? []
        if let partner, !input.partnerIDs.contains(partner) { input.partnerIDs.append(partner) }
        input.listID = dto.list_id
        if let mode = dto.registration {
            guard let value = RegistrationMode(rawValue: mode) else {
                throw BiebError.invalid("registration", "Registration is none, free or paid.", nl: "Aanmelden is none, free of paid.")
            }
            input.registration = value
        }
        input.priceCents = dto.price_cents ?? 0
        input.capacity = dto.capacity
        input.needsStaff = dto.needs_staff ?? true
        input.guestDataDays = dto.guest_data_days ?? 0
        return input
    }

    func create(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        let input = try Self.input(try req.content.decode(ActivityInputDTO.self), partner: access.user.role == .partner ? access.user.partnerID : nil)
        try await access.mayPlan(branch: input.branchID, partners: input.partnerIDs)
        let listing = try await access.programme.create(input, staff: access.user.id)
        let response = try await ActivityDTO(listing, organisation: access.organisation, staff: true).encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/activities/\(listing.activity.id)/plan")
        return response
    }

    func update(req: Request) async throws -> ActivityDTO {
        let access = try await ProgrammeAccess.make(req)
        let current = try await access.activity(try Self.activityID(req), .manageProgramme)
        let input = try Self.input(try req.content.decode(ActivityInputDTO.self), partner: access.user.role == .partner ? access.user.partnerID : nil)
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
        func field(_ text: String) -> String {
            // A leading =, +, - or @ would be a formula in a spreadsheet.
            let safe = ["=", "+", "-", "@"].contains(where: { text.hasPrefix($0) }) ? "'" + text : text
            return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var rows = ["name,card,places,status,checked_in"]
        let sessions = listing.sessions.count
        for line in lines {
            rows.append([field(line.name), field(line.cardNumber ?? ""), String(line.registration.places), line.registration.status.rawValue,
                         "\(line.attendedSessions.count)/\(sessions)"].joined(separator: ","))
        }
        let response = Response(status: .ok, body: .init(string: "\u{FEFF}" + rows.joined(separator: "\r\n") + "\r\n"))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"deurlijst-\(listing.activity.id.uuidString.prefix(8).lowercased()).csv\"")
        return response
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
        guard let registration = try await access.registrations.registration(id), registration.activityID == listing.activity.id else {
            throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.")
        }
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
            guard let found = try await access.registrations.registration(id), found.activityID == listing.activity.id else {
                throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.")
            }
            try await access.registrations.checkIn(registration: id, session: session, staff: access.user.id)
            registration = found
        } else {
            throw BiebError.invalid("registration_id", "Give a registration_id, or scan a card.", nl: "Geef een registration_id, of scan een pas.")
        }
        return RegistrationDTO(registration, organisation: access.organisation, own: false)
    }

    func undoCheckIn(req: Request) async throws -> HTTPStatus {
        let access = try await ProgrammeAccess.make(req)
        let listing = try await access.activity(try Self.activityID(req), .checkIn)
        let id = try req.intParameter("registrationID")
        guard let found = try await access.registrations.registration(id), found.activityID == listing.activity.id else {
            throw BiebError.notFound("registration", nl: "Aanmelding niet gevonden.")
        }
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
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else {
            throw ProgrammeAccess.forbidden("The rules for guests are the library's own.", nl: "De regels voor gasten zijn van de bibliotheek.")
        }
        let input = try req.content.decode(GuestRulesDTO.self)
        let rules = try await access.registrations.updateGuestRules(placesPerRegistration: input.places_per_registration,
                                                                    confirmHours: input.confirm_hours)
        return GuestRulesDTO(places_per_registration: rules.placesPerRegistration, confirm_hours: rules.confirmHours)
    }

    func saveTerm(req: Request) async throws -> TermDTO {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else {
            throw ProgrammeAccess.forbidden("Kinds and themes are the library's own lists.", nl: "Soorten en thema's zijn lijsten van de bibliotheek.")
        }
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
    }

    struct SeriesInput: Content {
        var title: String?
        var description: String?
    }

    func series(req: Request) async throws -> [SeriesDTO] {
        let access = try await ProgrammeAccess.make(req)
        return try await access.programme.series().map { SeriesDTO(id: $0.id, title: $0.title, description: $0.description) }
    }

    func createSeries(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else {
            throw ProgrammeAccess.forbidden("Series are made by the library.", nl: "Reeksen maakt de bibliotheek.")
        }
        let input = try req.content.decode(SeriesInput.self)
        let series = try await access.programme.createSeries(title: input.title ?? "", description: input.description ?? "")
        return try await SeriesDTO(id: series.id, title: series.title, description: series.description).encodeResponse(status: .created, for: req)
    }

    struct VenueDTO: Content {
        let id: UUID
        let branch_id: UUID?
        let name: String
        let address: String
        let notes: String
    }

    struct VenueInput: Content {
        var branch_id: UUID?
        var name: String?
        var address: String?
        var notes: String?
    }

    func venues(req: Request) async throws -> [VenueDTO] {
        let access = try await ProgrammeAccess.make(req)
        return try await access.programme.venues().map { VenueDTO(id: $0.id, branch_id: $0.branchID, name: $0.name, address: $0.address, notes: $0.notes) }
    }

    func createVenue(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else {
            throw ProgrammeAccess.forbidden("Venues are added by the library.", nl: "Locaties voegt de bibliotheek toe.")
        }
        let input = try req.content.decode(VenueInput.self)
        let venue = try await access.programme.createVenue(name: input.name ?? "", address: input.address ?? "", notes: input.notes ?? "", branch: input.branch_id)
        return try await VenueDTO(id: venue.id, branch_id: venue.branchID, name: venue.name, address: venue.address, notes: venue.notes)
            .encodeResponse(status: .created, for: req)
    }

    struct CommunityInput: Content {
        var name: String?
        var description: String?
        var contact: String?
        var branch_id: UUID?
    }

    func createCommunity(req: Request) async throws -> Response {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else {
            throw ProgrammeAccess.forbidden("Communities are added by the library.", nl: "Groepen voegt de bibliotheek toe.")
        }
        let input = try req.content.decode(CommunityInput.self)
        let community = try await Communities(req.db, organisationID: access.organisation.id!).save(
            name: input.name ?? "", description: input.description ?? "", contact: input.contact ?? "", branch: input.branch_id)
        return try await CommunityDTO(community).encodeResponse(status: .created, for: req)
    }

    func updateCommunity(req: Request) async throws -> CommunityDTO {
        let access = try await ProgrammeAccess.make(req)
        _ = try req.staff(.manageProgramme)
        guard access.user.role != .partner else {
            throw ProgrammeAccess.forbidden("Communities are changed by the library.", nl: "Groepen wijzigt de bibliotheek.")
        }
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

    // MARK: Members


    struct MyRegistrationDTO: Content {
        let registration: RegistrationDTO
        let activity: ActivityDTO
    }

    func myRegistrations(req: Request) async throws -> [MyRegistrationDTO] {
        let (service, account) = try await MemberAccountService.authorized(req)
        let org = service.organisation
        let programme = Programme(req.db, organisationID: org.id!, timeZone: org.zone)
        var out: [MyRegistrationDTO] = []
        for registration in try await Registrations(req.db, organisationID: org.id!).registrations(member: account) {
            guard let listing = try await programme.listing(registration.activityID) else { continue }
            out.append(MyRegistrationDTO(registration: RegistrationDTO(registration, organisation: org, own: true),
                                         activity: ActivityDTO(listing, organisation: org, staff: false)))
        }
        return out
    }

    struct MyRegistrationInput: Content {
        var activity_id: UUID?
        var places: Int?
    }

    func myRegister(req: Request) async throws -> Response {
        let (service, account) = try await MemberAccountService.authorized(req)
        let input = try req.content.decode(MyRegistrationInput.self)
        guard let activity = input.activity_id else { throw BiebError.invalid("activity_id", "Give the activity.", nl: "Geef de activiteit.") }
        let org = service.organisation
        guard let listing = try await Programme(req.db, organisationID: org.id!, timeZone: org.zone).listing(activity), listing.activity.status != .draft else {
            throw BiebError.notFound("activity", nl: "Activiteit niet gevonden.")
        }
        let member = try await service.record(account)
        let registration = try await Registrations(req.db, organisationID: org.id!).register(
            for: activity, RegistrationRequest(member: account, places: input.places ?? 1, language: member.language))
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
        let appointment = try await ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone).book(
            hour: hour, slot: try Self.slot(input), member: account, name: nil, email: nil, question: input.question ?? "", language: member.language)
        return try await Self.appointmentDTO(appointment, organisation: org, own: true, partner: false).encodeResponse(status: .created, for: req)
    }

    func myCancelAppointment(req: Request) async throws -> HTTPStatus {
        let (service, account) = try await MemberAccountService.authorized(req)
        let org = service.organisation
        try await ConsultationHours(req.db, organisationID: org.id!, timeZone: org.zone).cancelAppointment(try req.intParameter("appointmentID"), member: account)
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
