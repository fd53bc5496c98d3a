import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages of a branch's opening hours: weekly schedules, exceptions and
/// public holidays (the rules themselves are `BranchCalendar`'s).
extension StaffPages {
    // MARK: Opening hours

    struct PeriodRow: Encodable {
        let prefix: String
        let number: Int
        let days: [FormOption]
        let opens: String
        let closes: String
        let levels: [FormOption]
        /// The message next to the input it is about (its id's last part: day, opens, closes, level), if any.
        let errorInput: String?
        let error: String?
    }

    struct ScheduleBlock: Encodable {
        let prefix: String
        let isDefault: Bool
        let isNew: Bool
        let delete: Bool
        let name: String
        let validFrom: String
        let validUntil: String
        let rows: [PeriodRow]
        let rowCount: Int
        let staffedHours: String
        let selfServiceHours: String
        /// The message next to the schedule's name, from or until field (`name`, `from`, `until`), if any.
        let errorInput: String?
        let error: String?
    }

    struct ExceptionLine: Encodable {
        let dates: String
        let reason: String
        let hours: String
        /// The days on which a shorter exception applies instead ("On 24 December 2026 Christmas Eve applies").
        let takenOver: String?
        let deleteURL: String
    }

    struct HoursContext: Encodable {
        let page: PageContext
        let branch: String
        let branchURL: String
        let action: String
        /// A refused form (`FormErrors`): the summary links to the input it is about (`#s0_p2_opens`).
        let errors: FormErrors?
        /// The exception form as typed, after it was refused.
        let exceptionForm: FormValues
        let canEditSchedule: Bool
        let canEditExceptions: Bool
        let schedules: [ScheduleBlock]
        let scheduleCount: Int
        let exceptions: [ExceptionLine]
        let exceptionURL: String
        let holidaysURL: String
        let levels: [FormOption]
        let year: Int
        let nextYear: Int
    }

    static let blankRows = 4

    /// Raw form rows of one schedule, kept as text so a rejected form is shown
    /// again exactly as typed.
    struct RawSchedule {
        var name: String
        var validFrom: String
        var validUntil: String
        var isDefault: Bool
        var delete: Bool
        var periods: [(day: String, opens: String, closes: String, level: String)]

        /// The schedule as the API takes it (`ScheduleDTO`), without the
        /// empty rows, and for each period the row it was typed in. The
        /// default schedule has no dates; an empty date is none.
        var input: (schedule: ScheduleDTO, rows: [Int]) {
            let typed = periods.enumerated().filter { !($0.element.day.isEmpty && $0.element.opens.isEmpty && $0.element.closes.isEmpty) }
            let schedule = ScheduleDTO(
                id: nil, name: name,
                valid_from: isDefault || validFrom.isEmpty ? nil : validFrom,
                valid_until: isDefault || validUntil.isEmpty ? nil : validUntil,
                periods: typed.map { PeriodDTO(weekday: $0.element.day, opens: $0.element.opens, closes: $0.element.closes, level: $0.element.level) })
            return (schedule, typed.map(\.offset))
        }

        /// A seasonal block with nothing filled in (the form's empty "new season").
        var isBlank: Bool {
            !isDefault && name.isEmpty && validFrom.isEmpty && validUntil.isEmpty
                && periods.allSatisfy { $0.day.isEmpty && $0.opens.isEmpty && $0.closes.isEmpty }
        }
    }

    func rawSchedules(from records: [OpeningSchedule]) -> [RawSchedule] {
        var raw = records.map { record -> RawSchedule in
            let value = BranchDirectory.schedule(from: record)
            return RawSchedule(name: value.name, validFrom: value.validFrom?.iso ?? "", validUntil: value.validUntil?.iso ?? "",
                               isDefault: value.isDefault, delete: false,
                               periods: value.periods.map { ($0.weekday.name, $0.opens.text, $0.closes.text, $0.level.rawValue) })
        }
        if !raw.contains(where: \.isDefault) {
            raw.insert(RawSchedule(name: "", validFrom: "", validUntil: "", isDefault: true, delete: false, periods: []), at: 0)
        }
        raw.sort { $0.isDefault && !$1.isDefault }
        return raw
    }

    func hoursContext(_ page: Page, branch: Branch, org: Organisation, user: StaffUser, raw: [RawSchedule], error: BiebError? = nil,
                      place: FormPlace? = nil, exceptionForm: FormValues = FormValues()) async throws -> HoursContext {
        let anchor = place?.anchor
        let message = error?.message(dutch: page.lang == .nl)
        let words = BranchPresentation(lang: page.lang, timeZone: org.zone)
        let today = LocalDate(Date(), in: org.zone)
        let exceptions = try await page.request.branches.exceptionRecords(of: branch.id!, from: today)
        let calendar = BranchCalendar(timeZone: org.zone, schedules: [], exceptions: exceptions.compactMap(BranchDirectory.exception(from:)))
        let base = "/staff/branches/\(branch.id!)"
        func levelOptions(_ selected: String) -> [FormOption] {
            [ServiceLevel.staffed, .selfService, .closed].map { FormOption(value: $0.rawValue, label: words.formats.level($0), selected: $0.rawValue == selected) }
        }
        func dayOptions(_ selected: String) -> [FormOption] {
            [FormOption(value: "", label: "—", selected: selected.isEmpty)]
                + Weekday.allCases.map { FormOption(value: $0.name, label: words.formats.weekdayName($0), selected: $0.name == selected) }
        }
        var blocks = raw
        blocks.append(RawSchedule(name: "", validFrom: "", validUntil: "", isDefault: false, delete: false, periods: []))
        let scheduleBlocks = blocks.enumerated().map { index, schedule -> ScheduleBlock in
            let rows = schedule.periods + Array(repeating: (day: "", opens: "", closes: "", level: "staffed"), count: Self.blankRows)
            let parsed = try? HoursInput.schedule(schedule.input.schedule, field: "schedules[\(index)]")
            let minutes = parsed?.minutesPerWeek() ?? [:]
            func hours(_ level: ServiceLevel) -> String {
                let value = Double(minutes[level] ?? 0) / 60
                return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
            }
            return ScheduleBlock(
                prefix: "s\(index)", isDefault: schedule.isDefault, isNew: index == blocks.count - 1, delete: schedule.delete,
                name: schedule.name, validFrom: schedule.validFrom, validUntil: schedule.validUntil,
                rows: rows.enumerated().map { pi, row in
                    let prefix = "s\(index)_p\(pi)"
                    let input = anchor.flatMap { $0.hasPrefix(prefix + "_") ? String($0.dropFirst(prefix.count + 1)) : nil }
                    return PeriodRow(prefix: prefix, number: pi + 1, days: dayOptions(row.day), opens: row.opens, closes: row.closes,
                                     levels: levelOptions(row.level), errorInput: input, error: input.flatMap { _ in message })
                },
                rowCount: rows.count, staffedHours: hours(.staffed), selfServiceHours: hours(.selfService),
                errorInput: anchor.flatMap { ["s\(index)_name": "name", "s\(index)_from": "from", "s\(index)_until": "until"][$0] },
                error: anchor.flatMap { ["s\(index)_name", "s\(index)_from", "s\(index)_until"].contains($0) ? message : nil })
        }
        return HoursContext(
            page: page.context(page.t("hours_title", ["branch": branch.name])), branch: branch.name, branchURL: base,
            action: "\(base)/hours",
            errors: error.map { error in
                let summary = place.map { "\(page.t("form_field")) \($0.label): \(message ?? "")" } ?? page.message(error)
                return FormErrors(error, summary: summary, lang: page.lang, ids: place.map { [error.field ?? "": $0.anchor] } ?? [:])
            },
            exceptionForm: exceptionForm,
            canEditSchedule: user.can(.editSchedule, branch: branch.id), canEditExceptions: user.can(.editExceptions, branch: branch.id),
            schedules: scheduleBlocks, scheduleCount: scheduleBlocks.count,
            exceptions: exceptions.compactMap { record in
                BranchDirectory.exception(from: record).map { value in
                    let row = words.exceptionRow(value, withYear: true)
                    return ExceptionLine(dates: row.dates, reason: row.reason, hours: row.hours,
                                         takenOver: words.takenOverNote(calendar.daysTakenOver(from: value)),
                                         deleteURL: "\(base)/exceptions/\(record.id!)/delete")
                }
            },
            exceptionURL: "\(base)/exceptions", holidaysURL: "\(base)/holidays", levels: levelOptions("staffed"),
            year: today.year, nextYear: today.year + 1)
    }

    /// The hours page again with an error, linked to the input it is about
    /// (`place`); `raw` keeps the schedules as typed (nil: as stored).
    func hoursWithError(_ page: Page, branch: Branch, org: Organisation, user: StaffUser, error: BiebError,
                        place: FormPlace? = nil, raw: [RawSchedule]? = nil, exceptionForm: FormValues = FormValues()) async throws -> Response {
        let schedules: [RawSchedule]
        if let raw {
            schedules = raw
        } else {
            schedules = rawSchedules(from: try await page.request.branches.scheduleRecords(of: branch.id!))
        }
        return try await page.render("staff/hours", hoursContext(page, branch: branch, org: org, user: user, raw: schedules,
                                                                 error: error, place: place, exceptionForm: exceptionForm),
                                     status: error.httpStatus)
    }

    func hoursForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req)
        guard user.can(.editSchedule, branch: branch.id) || user.can(.editExceptions, branch: branch.id) else {
            _ = try req.staff(.editSchedule, branch: branch.id)
            throw Abort(.forbidden)
        }
        let records = try await req.branches.scheduleRecords(of: branch.id!)
        return try await page.render("staff/hours", hoursContext(page, branch: branch, org: org, user: user, raw: rawSchedules(from: records)))
    }

    /// Where an error about an opening-hours field belongs on the form: the
    /// input it names (for the link from the message) and the words people
    /// count it by ("schedule 1, row 3 (opens)").
    struct FormPlace: Equatable {
        let anchor: String
        let label: String
    }

    /// The form's place of `field`, an API field path of `HoursInput`
    /// (`schedules[0].periods[2].opens`). `shown` maps a decoded schedule to
    /// its block on the page and each of its periods to the row it was typed in.
    static func place(of field: String?, shown: [(block: Int, rows: [Int])], lang: Language) -> FormPlace? {
        guard let field else { return nil }
        func word(_ key: String) -> String { Locales.text(key, lang).lowercased() }
        let parts = field.split(separator: ".").map(String.init)
        guard let first = parts.first, first.hasPrefix("schedules["), let index = Int(first.dropFirst(10).dropLast()),
              shown.indices.contains(index) else { return nil }
        let block = shown[index].block
        let schedule = "\(Locales.text("hours_schedule", lang)) \(block + 1)"
        guard parts.count > 1 else { return FormPlace(anchor: "s\(block)_name", label: schedule) }
        switch parts[1] {
        case "valid_from": return FormPlace(anchor: "s\(block)_from", label: "\(schedule), \(word("hours_valid_from"))")
        case "valid_until": return FormPlace(anchor: "s\(block)_until", label: "\(schedule), \(word("hours_valid_until"))")
        case let period where period.hasPrefix("periods["):
            guard let k = Int(period.dropFirst(8).dropLast()), shown[index].rows.indices.contains(k) else { return nil }
            let row = shown[index].rows[k]
            let inputs = ["weekday": ("day", "hours_weekday"), "opens": ("opens", "hours_opens"),
                          "closes": ("closes", "hours_closes"), "level": ("level", "hours_level")]
            let rowLabel = "\(schedule), \(word("hours_row")) \(row + 1)"
            guard parts.count > 2, let (input, key) = inputs[parts[2]] else {
                return FormPlace(anchor: "s\(block)_p\(row)_opens", label: rowLabel)
            }
            return FormPlace(anchor: "s\(block)_p\(row)_\(input)", label: "\(rowLabel) (\(word(key)))")
        default: return FormPlace(anchor: "s\(block)_name", label: schedule)
        }
    }

    func saveHours(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req, .editSchedule)
        let form = try req.content.decode([String: String].self)
        let count = min(Int(form["schedule_count"] ?? "") ?? 0, 50)
        var raw: [RawSchedule] = []
        for s in 0..<count {
            let p = "s\(s)"
            let rows = min(Int(form["\(p)_rows"] ?? "") ?? 0, 200)
            let periods = (0..<rows).map { r in
                (day: form["\(p)_p\(r)_day"] ?? "", opens: form["\(p)_p\(r)_opens"] ?? "",
                 closes: form["\(p)_p\(r)_closes"] ?? "", level: form["\(p)_p\(r)_level"] ?? "staffed")
            }
            raw.append(RawSchedule(name: form["\(p)_name"] ?? "", validFrom: form["\(p)_from"] ?? "", validUntil: form["\(p)_until"] ?? "",
                                   isDefault: form["\(p)_default"] == "1", delete: form["\(p)_delete"] == "on", periods: periods))
        }
        // The trailing blank "new season" block is ignored unless filled in; the rest is shown again as typed.
        let shown = raw.filter { !$0.isBlank }
        let kept = shown.enumerated().filter { !$0.element.delete }
        let inputs = kept.map { $0.element.input }
        do {
            // The API's decoding (`HoursInput`), so both refuse the same and name the same field.
            let schedules = try inputs.enumerated().map { index, input in
                try HoursInput.schedule(input.schedule, field: "schedules[\(index)]")
            }
            try await req.branches.replaceSchedules(of: branch.id!, with: schedules)
        } catch let error as BiebError {
            let place = Self.place(of: error.field, shown: zip(kept, inputs).map { ($0.offset, $1.rows) }, lang: page.lang)
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error, place: place, raw: shown)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }

    struct ExceptionInput: Content {
        var start_date: String?
        var end_date: String?
        var reason: String?
        var opens: String?
        var closes: String?
        var level: String?
    }

    func addException(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req, .editExceptions)
        let input = try req.content.decode(ExceptionInput.self)
        do {
            var periods: [PeriodDTO] = []
            let opens = input.opens?.trimmingCharacters(in: .whitespaces) ?? ""
            let closes = input.closes?.trimmingCharacters(in: .whitespaces) ?? ""
            if !opens.isEmpty || !closes.isEmpty {
                periods.append(PeriodDTO(weekday: nil, opens: opens, closes: closes, level: input.level ?? "staffed"))
            }
            let endDate = input.end_date?.trimmingCharacters(in: .whitespaces)
            let dto = ExceptionDTO(id: nil, start_date: input.start_date ?? "", end_date: endDate?.isEmpty == false ? endDate : nil,
                                   reason: input.reason ?? "", periods: periods, closed: nil)
            try await req.branches.addException(to: branch.id!, try HoursInput.exception(dto))
        } catch let error as BiebError {
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error,
                                            place: Self.exceptionPlace(of: error.field, page: page), exceptionForm: FormValues(req))
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }

    /// The exception form's input that an error of `HoursInput.exception` names.
    static func exceptionPlace(of field: String?, page: Page) -> FormPlace? {
        let inputs = ["start_date": ("start_date", "exc_start"), "end_date": ("end_date", "exc_end"), "reason": ("reason", "exc_reason"),
                      "periods[0].opens": ("eopens", "hours_opens"), "periods[0].closes": ("ecloses", "hours_closes"),
                      "periods[0].level": ("elevel", "hours_level"), "periods[0]": ("eopens", "hours_opens")]
        guard let field, let (anchor, key) = inputs[field] else { return nil }
        return FormPlace(anchor: anchor, label: page.t(key))
    }

    struct ConfirmContext: Encodable {
        let page: PageContext
        let back: String
        let backURL: String
        let question: String
        let action: String
        let confirmLabel: String
    }

    /// Deletes an exception once asked again: the list's button shows what goes (dates, reason,
    /// hours) with a second button that deletes (`confirm=yes`) and a way back.
    func deleteException(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, _) = try await Self.branch(req, .editExceptions)
        let directory = req.branches
        guard let id = req.parameters.get("exceptionID").flatMap(UUID.init(uuidString:)),
              let record = try await directory.exceptionRecord(id, branch: branch.id!) else { throw Abort(.notFound) }
        let hoursURL = "/staff/branches/\(branch.id!)/hours"
        guard (try? req.content.get(String.self, at: "confirm")) == "yes" else {
            guard let exception = BranchDirectory.exception(from: record) else { throw Abort(.notFound) }
            let row = BranchPresentation(lang: page.lang, timeZone: org.zone).exceptionRow(exception, withYear: true)
            let what = [row.dates, row.reason, row.hours].filter { !$0.isEmpty }.joined(separator: ", ")
            return try await page.render("staff/confirm", ConfirmContext(
                page: page.context(page.t("exc_delete_title")), back: page.t("hours_title", ["branch": branch.name]), backURL: hoursURL,
                question: page.t("exc_delete_question", ["exception": what]),
                action: "/staff/branches/\(branch.id!)/exceptions/\(id)/delete", confirmLabel: page.t("delete")))
        }
        try await directory.deleteException(record)
        return req.redirect(to: hoursURL, done: "deleted")
    }

    func addHolidays(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req, .editExceptions)
        let year = (try? req.content.get(Int.self, at: "year")) ?? LocalDate(Date(), in: org.zone).year
        do {
            _ = try await HolidaySeeder.add(year: year, to: branch.id!, on: req.db)
        } catch let error as BiebError {
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }
}
