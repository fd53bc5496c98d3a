import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Partners' consultation hours on the public pages: the week's hours, one
/// hour with its free slots, booking one and the page behind its link.
extension AgendaPages {
    // MARK: Consultation hours

    struct HourCard: Encodable {
        let url: String
        let title: String
        let partner: String
        let branch: String
        let when: String
        let walkIn: Bool
        let free: Int
    }

    struct HoursContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let hours: [HourCard]
    }

    func hourCards(_ req: Request, _ org: Organisation, _ hours: [ConsultationHour], store: ConsultationHours, words: Words) async throws -> [HourCard] {
        let partners = Dictionary(uniqueKeysWithValues: try await PartnerDirectory(req.db).partners(of: try org.requireID()).map { ($0.id!, $0.name) })
        let free = try await store.freeSlots(hours)
        var cards: [HourCard] = []
        for hour in hours {
            cards.append(HourCard(url: "/\(org.slug)/spreekuren/\(hour.id)", title: hour.title, partner: partners[hour.partnerID] ?? "",
                                  branch: words.branches[hour.branchID]?.name ?? "", when: words.formats.range(hour.range), walkIn: hour.isWalkIn,
                                  free: free[hour.id]?.count ?? 0))
        }
        return cards
    }

    func hours(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let words = try await Words.make(req, org)
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        let now = Date()
        let branch = req.query[String.self, at: "vestiging"].flatMap(UUID.init(uuidString:))
        let hours = try await store.hours(branch: branch, in: TimeRange(start: now, end: now.addingTimeInterval(28 * 86_400)))
        return try await PublicPages().render(req, "agenda/hours", HoursContext(
            page: .organisation(req, org, title: Locales.text("consult_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            hours: try await hourCards(req, org, hours, store: store, words: words)))
    }

    struct Slot: Encodable {
        let value: String
        let label: String
        let checked: Bool
    }

    struct HourContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let card: HourCard
        let description: String?
        let slots: [Slot]
        let action: String
        let memberName: String?
        /// The booking form as typed (again after an error) and what was wrong with it.
        let form: SlotForm
        let errors: FormErrors?
    }

    static func hourRecord(_ req: Request, _ org: Organisation) async throws -> ConsultationHour {
        guard let id = req.parameters.get("hourID").flatMap(UUID.init(uuidString:)),
              let hour = try await ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone).hour(id), !hour.cancelled else {
            throw Abort(.notFound)
        }
        return hour
    }

    func hour(req: Request) async throws -> Response {
        let org = try await req.organisation()
        return try await hourPage(req, org, try await Self.hourRecord(req, org), form: SlotForm(), errors: nil)
    }

    /// A consultation hour's page; after a rejected booking with the form as typed and its errors.
    func hourPage(_ req: Request, _ org: Organisation, _ hour: ConsultationHour, form: SlotForm, errors: FormErrors?,
                  status: HTTPStatus = .ok) async throws -> Response {
        let words = try await Words.make(req, org)
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        let card = try await hourCards(req, org, [hour], store: store, words: words)[0]
        var memberName: String?
        if let member = Self.signedIn(req, org) { memberName = try await Member.find(member, on: req.db)?.name }
        let minutes = Double(hour.slotMinutes ?? 0) * 60
        let slots = try await store.freeSlots(hour).map { start in
            Slot(value: start.formatted(.iso8601), label: "\(words.formats.time(start))–\(words.formats.time(start.addingTimeInterval(minutes)))",
                 checked: false)
        }
        // The slot chosen before an error stays chosen while it is free; otherwise the first.
        let chosen = slots.contains { $0.value == form.slot } ? form.slot : slots.first?.value
        let response = try await PublicPages().render(req, "agenda/hour", HourContext(
            page: .organisation(req, org, title: hour.title), organisation: org.name, orgURL: "/\(org.slug)", card: card,
            description: hour.description.isEmpty ? nil : hour.description,
            slots: slots.map { Slot(value: $0.value, label: $0.label, checked: $0.value == chosen) },
            action: "/\(org.slug)/spreekuren/\(hour.id)", memberName: memberName, form: form, errors: errors))
        response.status = status
        return response
    }

    struct SlotForm: Content {
        var slot: String?
        var name: String?
        var email: String?
        var question: String?
    }

    func bookSlot(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let hour = try await Self.hourRecord(req, org)
        let form = try req.content.decode(SlotForm.self)
        let member = try Self.memberForm(req, org)
        do {
            guard let slot = try Instant.parse(form.slot, field: "slot") else {
                throw BiebError.invalid("slot", "Choose a time.", nl: "Kies een tijd.")
            }
            let appointment = member == nil
                ? try await GuestRegistrations.bookAppointment(req, organisation: org, hour: hour.id, slot: slot, name: form.name, email: form.email,
                                                               question: form.question ?? "", language: lang.rawValue)
                : try await ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone).book(
                    hour: hour.id, slot: slot, member: member, name: form.name, email: form.email, question: form.question ?? "",
                    language: lang.rawValue)
            return req.redirect(to: "/\(org.slug)/afspraak-afzeggen/\(appointment.token ?? "")?nieuw=1", redirectType: .normal)
        } catch let error as BiebError where error.kind != .notFound {
            return try await hourPage(req, org, hour, form: form, errors: FormErrors(error, lang: lang, known: ["name", "email", "question"]),
                                      status: error.httpStatus)
        }
    }

    struct AppointmentContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let card: HourCard
        let when: String
        let isNew: Bool
        let cancelled: Bool
        let action: String
    }

    func appointment(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let lang = Language.of(req)
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        guard let appointment = try await store.appointment(token: req.parameters.get("token") ?? ""),
              let hour = try await store.hour(appointment.hourID) else { throw Abort(.notFound) }
        let words = try await Words.make(req, org)
        let minutes = Double(hour.slotMinutes ?? 0) * 60
        return try await PublicPages().render(req, "agenda/appointment", AppointmentContext(
            page: .organisation(req, org, title: Locales.text("appointment_title", lang)), organisation: org.name, orgURL: "/\(org.slug)",
            card: try await hourCards(req, org, [hour], store: store, words: words)[0],
            when: words.formats.range(TimeRange(start: appointment.slotStart, end: appointment.slotStart.addingTimeInterval(minutes))),
            isNew: req.query[String.self, at: "nieuw"] != nil, cancelled: appointment.status != "booked", action: req.url.path))
    }

    func cancelAppointment(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        guard let appointment = try await store.appointment(token: req.parameters.get("token") ?? "") else { throw Abort(.notFound) }
        try await store.cancelAppointment(appointment.id)
        return MemberPortalPages.done(req, req.url.path, Locales.text("appointment_cancelled_done", Language.of(req)))
    }
}
