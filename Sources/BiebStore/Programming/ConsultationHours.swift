import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A partner's consultation hour in a branch (help with digital
/// government, a tax clinic): appointment slots of `slotMinutes` that
/// residents book with a short question, or a walk-in hour.
public struct ConsultationHour: Sendable, Equatable {
    public let id: UUID
    public let partnerID: UUID
    public let branchID: UUID
    public let spaceID: UUID?
    public let title: String
    public let description: String
    public let range: TimeRange
    /// Minutes per appointment; nil: walk in.
    public let slotMinutes: Int?
    public let cancelled: Bool

    public var isWalkIn: Bool { slotMinutes == nil }

    /// Read from its row in `consultation_hours`: each key is a column, named here once.
    enum CodingKeys: String, CodingKey {
        case id, partnerID = "partner_id", branchID = "branch_id", spaceID = "space_id", title, description
        case startsAt = "starts_at", endsAt = "ends_at", slotMinutes = "slot_minutes", cancelled
    }

    /// The slot starts, in order.
    public var slots: [Date] {
        guard let minutes = slotMinutes, minutes > 0 else { return [] }
        var out: [Date] = []
        var start = range.start
        while start.addingTimeInterval(Double(minutes) * 60) <= range.end {
            out.append(start)
            start = start.addingTimeInterval(Double(minutes) * 60)
        }
        return out
    }
}

extension ConsultationHour: Decodable {
    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try row.decode(UUID.self, forKey: .id), partnerID: try row.decode(UUID.self, forKey: .partnerID),
                  branchID: try row.decode(UUID.self, forKey: .branchID), spaceID: try row.decodeIfPresent(UUID.self, forKey: .spaceID),
                  title: try row.decode(String.self, forKey: .title), description: try row.decode(String.self, forKey: .description),
                  range: TimeRange(start: try row.decode(Date.self, forKey: .startsAt), end: try row.decode(Date.self, forKey: .endsAt)),
                  slotMinutes: try row.decodeIfPresent(Int.self, forKey: .slotMinutes), cancelled: try row.decode(Bool.self, forKey: .cancelled))
    }
}

/// An appointment in a consultation hour.
public struct Appointment: Sendable, Equatable, Codable {
    public let id: Int
    public let hourID: UUID
    public let slotStart: Date
    public let memberID: UUID?
    public let name: String?
    public let email: String?
    public let question: String?
    public let status: String
    public let token: String?
    public let language: String

    /// Coded as its row in `appointments`: each key is a column, named here once.
    enum CodingKeys: String, CodingKey {
        case id, hourID = "hour_id", slotStart = "slot_start", memberID = "member_id", name, email, question, status, token, language
    }
}

/// What a partner publishes: one hour, or a weekly recurrence of them.
public struct ConsultationHourInput: Sendable {
    public var partnerID: UUID
    public var branchID: UUID
    public var spaceID: UUID?
    public var title: String
    public var description: String = ""
    public var slotMinutes: Int?
    /// One hour…
    public var range: TimeRange?
    /// … or every week (then `range` is ignored).
    public var recurrence: WeeklyRecurrence?

    public init(partnerID: UUID, branchID: UUID, title: String, slotMinutes: Int?, range: TimeRange? = nil, recurrence: WeeklyRecurrence? = nil) {
        self.partnerID = partnerID
        self.branchID = branchID
        self.title = title
        self.slotMinutes = slotMinutes
        self.range = range
        self.recurrence = recurrence
    }
}

/// Partners' consultation hours and the appointments residents book. A
/// slot is booked by one: a unique index on (hour, slot) over booked
/// appointments decides two residents racing for it. Names, e-mail
/// addresses and questions are erased once the hour is over.
public struct ConsultationHours: OrganisationStore {
    public let db: any Database, organisationID: UUID, timeZone: TimeZone

    public init(_ db: any Database, organisationID: UUID, timeZone: TimeZone) {
        (self.db, self.organisationID, self.timeZone) = (db, organisationID, timeZone)
    }


    static func hour(_ row: any SQLRow) throws -> ConsultationHour {
        try row.decode(model: ConsultationHour.self)
    }

    static func appointment(_ row: any SQLRow) throws -> Appointment {
        try row.decode(model: Appointment.self)
    }

    public func hour(_ id: UUID) async throws -> ConsultationHour? {
        try await sql.raw("SELECT h.* FROM consultation_hours h WHERE h.id = \(bind: id) AND h.organisation_id = \(bind: organisationID)")
            .first().map(Self.hour)
    }

    /// Hours that touch a range, of a branch and/or a partner, soonest first.
    public func hours(branch: UUID? = nil, partner: UUID? = nil, in range: TimeRange, includeCancelled: Bool = false) async throws -> [ConsultationHour] {
        var query: SQLQueryString = """
            SELECT h.* FROM consultation_hours h
            WHERE h.organisation_id = \(bind: organisationID) AND h.starts_at < \(bind: range.end) AND h.ends_at > \(bind: range.start)
            """
        if let branch { query += " AND h.branch_id = \(bind: branch)" }
        if let partner { query += " AND h.partner_id = \(bind: partner)" }
        if !includeCancelled { query += " AND h.cancelled = \(bind: false)" }
        query += " ORDER BY h.starts_at, h.title"
        return try await sql.raw(query).all().map(Self.hour)
    }

    /// Publishes consultation hours: within the branch's opening hours (self-service
    /// hours do for a partner), in a space if given (booked, all or none).
    public func publish(_ input: ConsultationHourInput, staff: UUID?, now: Date = Date()) async throws -> [ConsultationHour] {
        guard let partner = try await PartnerDirectory(db).partner(input.partnerID, in: organisationID) else {
            throw BiebError.notFound("partner", nl: "Partner niet gevonden.")
        }
        guard let branch = try await Branch.query(on: db).filter(\.$id == input.branchID).filter(\.$organisation.$id == organisationID).first() else {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        let title = input.title.trimmed, description = input.description.trimmed
        guard (1...200).contains(title.count) else { throw BiebError.invalid("title", "Give the consultation hour a title (at most 200 characters).", nl: "Geef het spreekuur een titel (hoogstens 200 tekens).") }
        guard description.count <= 4000 else { throw BiebError.invalid("description", "At most 4000 characters.", nl: "Hoogstens 4000 tekens.") }
        if let minutes = input.slotMinutes, !(5...240).contains(minutes) {
            throw BiebError.invalid("slot_minutes", "Slots of 5 to 240 minutes (leave empty for a walk-in hour).", nl: "Afspraken van 5 tot 240 minuten (leeg: vrije inloop).")
        }
        var ranges: [TimeRange]
        if let recurrence = input.recurrence {
            ranges = try recurrence.validated().occurrences(in: timeZone)
        } else if let range = input.range {
            guard range.end > range.start else { throw BiebError.invalid("ends_at", "The end must be after the start.", nl: "Het einde moet na het begin liggen.") }
            guard range.end.timeIntervalSince(range.start) <= 12 * 3600 else { throw BiebError.invalid("ends_at", "An hour lasts at most 12 hours.", nl: "Een spreekuur duurt hoogstens 12 uur.") }
            ranges = [range]
        } else {
            throw BiebError.invalid("starts_at", "Give the start and end, or a weekly recurrence.", nl: "Geef begin en einde, of een wekelijkse herhaling.")
        }
        ranges = ranges.filter { $0.end > now }
        guard !ranges.isEmpty, ranges.count <= 120 else {
            throw BiebError.invalid("through", "Between 1 and 120 hours in the future.", nl: "Tussen 1 en 120 spreekuren in de toekomst.")
        }
        if let minutes = input.slotMinutes, ranges.contains(where: { $0.end.timeIntervalSince($0.start) < Double(minutes) * 60 }) {
            throw BiebError.invalid("slot_minutes", "The hour is shorter than one slot.", nl: "Het spreekuur is korter dan één afspraak.")
        }
        let bookings = SpaceBookings(db, organisationID: organisationID, timeZone: timeZone)
        if let space = input.spaceID {
            let (_, spaceBranch) = try await bookings.space(space)
            guard spaceBranch.id == branch.id else { throw BiebError.invalid("space_id", "That space is in another branch.", nl: "Die ruimte hoort bij een andere vestiging.") }
        }
        try await bookings.checkCalendar(ranges, branch: branch, needsStaff: false)
        let organisationID = organisationID
        let slots = ranges
        let ids: [UUID] = slots.map { _ in UUID() }
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            var bookingIDs: [Int?] = slots.map { _ in nil }
            if let space = input.spaceID {
                let requests = slots.map { BookingRequest(range: $0, title: "\(partner.name): \(title)", staff: staff) }
                bookingIDs = try await bookings.insert(requests, space: space, series: nil, now: now, in: sql).ids
            }
            for (index, range) in slots.enumerated() {
                try await sql.raw("""
                    INSERT INTO consultation_hours (id, organisation_id, partner_id, branch_id, space_id, booking_id, title, description, starts_at, ends_at,
                        slot_minutes, cancelled, created_at)
                    VALUES (\(bind: ids[index]), \(bind: organisationID), \(bind: input.partnerID), \(bind: input.branchID), \(bind: input.spaceID),
                        \(bind: bookingIDs[index]), \(bind: title), \(bind: description), \(bind: range.start), \(bind: range.end), \(bind: input.slotMinutes),
                        \(bind: false), \(bind: now))
                    """).run()
            }
        }
        var hours: [ConsultationHour] = []
        for id in ids { if let hour = try await hour(id) { hours.append(hour) } }
        return hours
    }

    /// Cancels an hour: its space is freed and everyone with an appointment hears it.
    public func cancel(_ id: UUID, now: Date = Date()) async throws {
        guard try await hour(id) != nil else { throw BiebError.notFound("consultation_hour", nl: "Spreekuur niet gevonden.") }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard let row = try await sql.raw("""
                UPDATE consultation_hours SET cancelled = \(bind: true) WHERE id = \(bind: id) AND cancelled = \(bind: false) RETURNING booking_id
                """).first() else { return }
            try await SpaceBookings.cancelBookings([try row.decode(column: "booking_id", as: Int?.self)].compactMap { $0 }, on: sql)
            for appointment in try await sql.raw("""
                UPDATE appointments SET status = 'cancelled' WHERE hour_id = \(bind: id) AND status = 'booked' RETURNING id, member_id
                """).all() {
                let appointmentID = try appointment.decode(column: "id", as: Int.self)
                try await Outbox.enqueue(.appointmentCancelled, organisation: organisationID, member: try appointment.decode(column: "member_id", as: UUID?.self),
                                         reference: "appointment:\(appointmentID)", dedupe: "appointment-cancelled:\(appointmentID)", at: now, on: sql)
            }
        }
    }

    /// The booked slots of an hour.
    public func appointments(hour: UUID, includeCancelled: Bool = false) async throws -> [Appointment] {
        try await sql.raw("""
            SELECT p.* FROM appointments p JOIN consultation_hours h ON h.id = p.hour_id
            WHERE p.hour_id = \(bind: hour) AND h.organisation_id = \(bind: organisationID)
            """ + (includeCancelled ? "" : " AND p.status = 'booked'") + " ORDER BY p.slot_start").all().map(Self.appointment)
    }

    public func appointment(_ id: Int) async throws -> Appointment? {
        try await appointment(where: "p.id = \(bind: id)")
    }

    /// The appointment a cancellation link names (its token is 32 hex digits).
    public func appointment(token: String) async throws -> Appointment? {
        guard token.count == 32 else { return nil }
        return try await appointment(where: "p.token = \(bind: token)")
    }

    /// One appointment at an hour of this organisation's (`p` is the appointment).
    private func appointment(where condition: SQLQueryString) async throws -> Appointment? {
        try await sql.raw("""
            SELECT p.* FROM appointments p JOIN consultation_hours h ON h.id = p.hour_id
            WHERE \(condition) AND h.organisation_id = \(bind: organisationID)
            """).first().map(Self.appointment)
    }

    /// The free slots of each hour (none for a walk-in hour, a cancelled one, or slots that have begun), in one query.
    public func freeSlots(_ hours: [ConsultationHour], now: Date = Date()) async throws -> [UUID: [Date]] {
        let open = hours.filter { !$0.cancelled && !$0.isWalkIn }
        var taken: [UUID: Set<Date>] = [:]
        if !open.isEmpty {
            for row in try await sql.raw("""
                SELECT hour_id, slot_start FROM appointments WHERE hour_id IN (\(binds: open.map(\.id))) AND status = 'booked'
                """).all() {
                taken[try row.decode(column: "hour_id", as: UUID.self), default: []].insert(try row.decode(column: "slot_start", as: Date.self))
            }
        }
        var free: [UUID: [Date]] = [:]
        for hour in hours {
            free[hour.id] = hour.cancelled ? [] : hour.slots.filter { $0 > now && !(taken[hour.id]?.contains($0) ?? false) }
        }
        return free
    }

    /// The free slots of one hour.
    public func freeSlots(_ hour: ConsultationHour, now: Date = Date()) async throws -> [Date] {
        try await freeSlots([hour], now: now)[hour.id] ?? []
    }

    /// Books a slot with a short question: a member, or a guest with a name
    /// and an e-mail address. Two residents racing for one slot: one wins,
    /// the other hears the slot is taken.
    public func book(hour id: UUID, slot: Date, member: UUID?, name: String?, email: String?, question: String, language: String = "nl",
                     now: Date = Date()) async throws -> Appointment {
        guard let hour = try await hour(id), !hour.cancelled else { throw BiebError.notFound("consultation_hour", nl: "Spreekuur niet gevonden.") }
        guard !hour.isWalkIn else {
            throw BiebError(.conflict, code: "walk_in", message: "This is a walk-in hour: no appointment needed.", nl: "Dit is een inloopspreekuur: je hoeft geen afspraak te maken.")
        }
        guard hour.slots.contains(slot) else {
            throw BiebError.invalid("slot", "That is not a slot of this consultation hour.", nl: "Dat is geen tijd van dit spreekuur.")
        }
        guard slot > now else { throw BiebError.invalid("slot", "That slot has passed.", nl: "Die tijd is voorbij.") }
        let question = question.trimmed
        guard question.count <= 500 else { throw BiebError.invalid("question", "Keep the question short (at most 500 characters).", nl: "Houd de vraag kort (hoogstens 500 tekens).") }
        var guestName: String?, guestEmail: String?
        if let member {
            guard try await Member.query(on: db).filter(\.$id == member).filter(\.$organisationID == organisationID).first() != nil else {
                throw BiebError.notFound("member", nl: "Lid niet gevonden.")
            }
        } else {
            let given = (name ?? "").trimmed
            guard (1...100).contains(given.count) else { throw BiebError.invalid("name", "Give your name (at most 100 characters).", nl: "Vul je naam in (hoogstens 100 tekens).") }
            guard let address = Validate.email(email ?? "") else {
                throw BiebError.invalid("email", "'\(email ?? "")' is not an e-mail address.", nl: "'\(email ?? "")' is geen e-mailadres.")
            }
            guestName = given
            guestEmail = address
        }
        let organisationID = organisationID
        let token = Registrations.newToken()
        let (guestNameValue, guestEmailValue) = (guestName, guestEmail)
        let language = language == "en" ? "en" : "nl"
        do {
            let appointment = try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                // One appointment per person per hour, so one resident cannot take every slot.
                let same: SQLQueryString = member != nil ? "member_id = \(bind: member)" : "member_id IS NULL AND LOWER(email) = \(bind: guestEmailValue?.lowercased())"
                if try await sql.raw("SELECT 1 AS x FROM appointments WHERE hour_id = \(bind: id) AND status = 'booked' AND " + same).first() != nil {
                    throw BiebError(.conflict, code: "already_booked", field: member != nil ? "member" : "email",
                                    message: "You already have an appointment in this consultation hour.",
                                    nl: "Je hebt al een afspraak op dit spreekuur.")
                }
                let id = try await sql.raw("""
                    INSERT INTO appointments (hour_id, slot_start, member_id, name, email, question, status, token, language, created_at)
                    VALUES (\(bind: id), \(bind: slot), \(bind: member), \(bind: guestNameValue), \(bind: guestEmailValue), \(bind: question), 'booked',
                        \(bind: token), \(bind: language), \(bind: now))
                    RETURNING id
                    """).first()!.decode(column: "id", as: Int.self)
                try await Outbox.enqueue(.appointmentBooked, organisation: organisationID, member: member, reference: "appointment:\(id)",
                                         dedupe: "appointment:\(id)", at: now, on: sql)
                return id
            }
            return try await self.appointment(appointment)!
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw BiebError(.conflict, code: "slot_taken", field: "slot", message: "That slot was just taken; choose another.",
                            nl: "Die tijd is net door iemand anders gekozen; kies een andere.")
        }
    }

    /// Cancels an appointment (`member`: only their own); the slot is free again.
    public func cancelAppointment(_ id: Int, member: UUID? = nil) async throws {
        guard let appointment = try await appointment(id), member == nil || appointment.memberID == member else {
            throw BiebError.notFound("appointment", nl: "Afspraak niet gevonden.")
        }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("UPDATE appointments SET status = 'cancelled' WHERE id = \(bind: appointment.id) AND status = 'booked'").run()
        }
    }

    /// Erases names, e-mail addresses and questions once the hour is over (members keep only the time of their appointment).
    @discardableResult
    public func eraseAfterwards(now: Date = Date()) async throws -> Int {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let ids = try await sql.raw("""
                UPDATE appointments SET name = NULL, email = NULL, question = NULL, token = NULL
                WHERE hour_id IN (SELECT id FROM consultation_hours WHERE organisation_id = \(bind: organisationID) AND ends_at < \(bind: now))
                  AND (name IS NOT NULL OR email IS NOT NULL OR question IS NOT NULL OR token IS NOT NULL)
                RETURNING id, member_id
                """).all()
            for row in ids where try row.decode(column: "member_id", as: UUID?.self) == nil {
                try await Outbox.forget(reference: "appointment:\(try row.decode(column: "id", as: Int.self))", organisation: organisationID, on: sql)
            }
            return ids.count
        }
    }
}
