import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Partners' consultation hours in the staff pages: the list, publishing a
/// series of hours, calling one off (routes in `StaffProgrammePages.boot`).
extension StaffProgrammePages {
    struct HourLine: Encodable {
        let id: String
        let title: String
        let partner: String
        let branch: String
        let when: String
        let walkIn: Bool
        let appointments: [String]
        let cancelURL: String
    }

    struct HoursContext: Encodable {
        let page: PageContext
        /// A refused publish form: its errors, and what was typed.
        let errors: FormErrors?
        let form: FormValues
        let lines: [HourLine]
        let partners: [FormOption]
        let branches: [FormOption]
        let isPartner: Bool
        let today: String
    }

    func hours(req: Request) async throws -> Response {
        try await renderHours(req, refused: nil)
    }

    /// The publish form's fields (each input's id is its name).
    static let hourFields: Set<String> = ["partner_id", "branch_id", "title", "description", "from", "starts", "ends", "weeks", "slot_minutes"]

    /// The hours with the publish form; after a refused publish, with its error and everything as typed.
    func renderHours(_ req: Request, refused: (error: BiebError, form: FormValues)?) async throws -> Response {
        let (access, page) = try await Self.access(req)
        let typed = refused?.form
        guard access.user.can(.manageConsultationHours) else { throw Abort(.forbidden) }
        let org = access.organisation
        let words = try await AgendaPages.Words.make(req, org)
        let now = Date()
        let partner = access.user.role == .partner ? (access.user.partnerID ?? UUID()) : nil
        let hours = try await access.hours.hours(partner: partner, in: TimeRange(start: now.addingTimeInterval(-86_400), end: now.addingTimeInterval(92 * 86_400)))
        let partners = try await PartnerDirectory(req.db).partners(of: try org.requireID()).filter { partner == nil || $0.id == partner }
        var branchIDs = Set(words.branches.keys)
        if let partner {
            branchIDs = Set(try await BranchPartner.query(on: req.db).filter(\.$partner.$id == partner).all().map { $0.$branch.id })
        }
        var lines: [HourLine] = []
        for hour in hours {
            let appointments = try await access.hours.appointments(hour: hour.id).map { a -> String in
                "\(words.formats.time(a.slotStart)) \(a.name ?? page.t("consult_member"))" + ((a.question ?? "").isEmpty ? "" : ": \(a.question!)")
            }
            lines.append(HourLine(id: hour.id.uuidString, title: hour.title, partner: partners.first { $0.id == hour.partnerID }?.name ?? "",
                                  branch: words.branches[hour.branchID]?.name ?? "", when: words.formats.range(hour.range), walkIn: hour.isWalkIn,
                                  appointments: appointments, cancelURL: "/staff/spreekuren/\(hour.id)/afzeggen"))
        }
        return try await page.render("staff/consultation-hours", HoursContext(
            page: page.context(page.t("consult_staff_title")),
            errors: page.formErrors(refused?.error, fields: Self.hourFields), form: typed ?? FormValues(), lines: lines,
            partners: partners.map { option in
                FormOption(value: option.id!.uuidString, label: option.name,
                           selected: typed?.contains("partner_id", option.id!.uuidString) ?? (option.id == partner))
            },
            branches: words.branches.values.filter { branchIDs.contains($0.id!) }.sorted { $0.name < $1.name }
                .map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: typed?.contains("branch_id", $0.id!.uuidString) ?? false) },
            isPartner: partner != nil, today: LocalDate(now, in: org.zone).iso), status: refused?.error.httpStatus ?? .ok)
    }

    struct HourForm: Content {
        var partner_id: String?
        var branch_id: String?
        var title: String?
        var description: String?
        var slot_minutes: String?
        var weekday: String?
        var starts: String?
        var ends: String?
        var from: String?
        var weeks: String?
    }

    func publishHours(req: Request) async throws -> Response {
        let (access, page) = try await Self.access(req)
        let form = try req.content.decode(HourForm.self)
        do {
            guard let partner = form.partner_id.flatMap(UUID.init(uuidString:)) ?? (access.user.role == .partner ? access.user.partnerID : nil) else {
                throw BiebError.invalid("partner_id", "Choose the partner.", nl: "Kies de partner.")
            }
            guard let branch = form.branch_id.flatMap(UUID.init(uuidString:)) else { throw BiebError.invalid("branch_id", "Choose a branch.", nl: "Kies een vestiging.") }
            guard let from = LocalDate(iso: form.from ?? "") else { throw BiebError.invalid("from", "Give the first date.", nl: "Geef de eerste datum.") }
            guard let starts = LocalTime(form.starts ?? ""), let ends = LocalTime(form.ends ?? ""), ends.minuteOfDay > starts.minuteOfDay else {
                throw BiebError.invalid("ends", "Give a start and a later end (HH:MM).", nl: "Geef een begin en een later einde (UU:MM).")
            }
            let weeks = Int(form.weeks ?? "1") ?? 0
            guard (1...26).contains(weeks) else { throw BiebError.invalid("weeks", "1 to 26 weeks.", nl: "1 tot 26 weken.") }
            try await access.mayRunHours(partner: partner, branch: branch)
            var minutes: Int?
            if let text = form.slot_minutes?.trimmed, !text.isEmpty {
                guard let value = Int(text) else { throw BiebError.invalid("slot_minutes", "Minutes per appointment is a number.", nl: "Minuten per afspraak is een getal.") }
                minutes = value
            }
            var input = ConsultationHourInput(partnerID: partner, branchID: branch, title: form.title ?? "", slotMinutes: minutes)
            input.description = form.description ?? ""
            input.recurrence = WeeklyRecurrence(weekdays: [from.weekday], startMinute: starts.minuteOfDay, durationMinutes: ends.minuteOfDay - starts.minuteOfDay,
                                                from: from, through: from.adding(days: 7 * (weeks - 1)))
            _ = try await access.hours.publish(input, staff: access.user.id)
            return Self.back(req, "/staff/spreekuren", done: "hours_published", page: page)
        } catch let error as BiebError where error.kind != .forbidden {
            return try await renderHours(req, refused: (error, FormValues(req)))
        }
    }

    func cancelHour(req: Request) async throws -> Response {
        let (access, page) = try await Self.access(req)
        guard let id = req.parameters.get("hourID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let hour = try await access.hour(id)
        try await access.hours.cancel(hour.id)
        return Self.back(req, "/staff/spreekuren", done: "hour_cancelled", page: page)
    }
}
