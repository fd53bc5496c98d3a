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
        let words = try await Words.make(req, org)
        let hour = try await Self.hourRecord(req, org)
        let store = ConsultationHours(req.db, organisationID: try org.requireID(), timeZone: org.zone)
        let card = try await hourCards(req, org, [hour], store: store, words: words)[0]
        var memberName: String?
        if let member = Self.signedIn(req, org) { memberName = try await Member.find(member, on: req.db)?.name }
        let minutes = Double(hour.slotMinutes ?? 0) * 60
        return try await PublicPages().render(req, "agenda/hour", HourContext(
            page: .organisation(req, org, title: hour.title), organisation: org.name, orgURL: "/\(org.slug)", card: card,
            description: hour.description.isEmpty ? nil : hour.description,
            slots: try await store.freeSlots(hour).map { Slot(value: $0.formatted(.iso8601), label: "\(words.formats.time($0))–\(words.formats.time($0.addingTimeInterval(minutes)))") },
            action: req.url.path, memberName: memberName))
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
            return MemberPortalPages.done(req, req.url.path, error.message(dutch: lang == .nl))
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
