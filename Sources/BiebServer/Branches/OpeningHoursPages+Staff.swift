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
    }

    struct ExceptionLine: Encodable {
        let dates: String
        let reason: String
        let hours: String
        let deleteURL: String
    }

    struct HoursContext: Encodable {
        let page: PageContext
        let branch: String
        let branchURL: String
        let action: String
        let error: String?
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

    func hoursContext(_ page: Page, branch: Branch, org: Organisation, user: StaffUser, raw: [RawSchedule], error: String?) async throws -> HoursContext {
        let words = BranchPresentation(lang: page.lang, timeZone: org.zone)
        let today = LocalDate(Date(), in: org.zone)
        let exceptions = try await page.request.branches.exceptionRecords(of: branch.id!, from: today)
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
            let parsed = try? parse(schedule, field: "")
            let minutes = parsed?.minutesPerWeek() ?? [:]
            func hours(_ level: ServiceLevel) -> String {
                let value = Double(minutes[level] ?? 0) / 60
                return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
            }
            return ScheduleBlock(
                prefix: "s\(index)", isDefault: schedule.isDefault, isNew: index == blocks.count - 1, delete: schedule.delete,
                name: schedule.name, validFrom: schedule.validFrom, validUntil: schedule.validUntil,
                rows: rows.enumerated().map { pi, row in
                    PeriodRow(prefix: "s\(index)_p\(pi)", number: pi + 1, days: dayOptions(row.day), opens: row.opens, closes: row.closes,
                              levels: levelOptions(row.level))
                },
                rowCount: rows.count, staffedHours: hours(.staffed), selfServiceHours: hours(.selfService))
        }
        return HoursContext(
            page: page.context(page.t("hours_title", ["branch": branch.name])), branch: branch.name, branchURL: base,
            action: "\(base)/hours", error: error,
            canEditSchedule: user.can(.editSchedule, branch: branch.id), canEditExceptions: user.can(.editExceptions, branch: branch.id),
            schedules: scheduleBlocks, scheduleCount: scheduleBlocks.count,
            exceptions: exceptions.compactMap { record in
                BranchDirectory.exception(from: record).map { value in
                    let row = words.exceptionRow(value)
                    return ExceptionLine(dates: row.dates, reason: row.reason, hours: row.hours, deleteURL: "\(base)/exceptions/\(record.id!)/delete")
                }
            },
            exceptionURL: "\(base)/exceptions", holidaysURL: "\(base)/holidays", levels: levelOptions("staffed"),
            year: today.year, nextYear: today.year + 1)
    }

    /// The hours page again with an error; `raw` keeps the schedules as typed
    /// (nil: as stored).
    func hoursWithError(_ page: Page, branch: Branch, org: Organisation, user: StaffUser, error: BiebError,
                        raw: [RawSchedule]? = nil) async throws -> Response {
        let schedules: [RawSchedule]
        if let raw {
            schedules = raw
        } else {
            schedules = rawSchedules(from: try await page.request.branches.scheduleRecords(of: branch.id!))
        }
        return try await page.render("staff/hours", hoursContext(page, branch: branch, org: org, user: user, raw: schedules,
                                                                 error: page.message(error)), status: .badRequest)
    }

    func hoursForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req)
        guard user.can(.editSchedule, branch: branch.id) || user.can(.editExceptions, branch: branch.id) else {
            _ = try req.staff(.editSchedule, branch: branch.id)
            throw Abort(.forbidden)
        }
        let records = try await req.branches.scheduleRecords(of: branch.id!)
        return try await page.render("staff/hours", hoursContext(page, branch: branch, org: org, user: user, raw: rawSchedules(from: records), error: nil))
    }

    /// Turns one raw schedule into a validated schedule; errors name the
    /// schedule and row as people count them ("schedule 1, row 3").
    func parse(_ raw: RawSchedule, field: String, lang: Language = .en) throws -> WeeklySchedule {
        func word(_ key: String) -> String { Locales.text(key, lang).lowercased() }
        var periods: [WeeklyPeriod] = []
        for (index, row) in raw.periods.enumerated() {
            let f = "\(field)\(word("hours_row")) \(index + 1)"
            if row.day.isEmpty && row.opens.isEmpty && row.closes.isEmpty { continue }
            periods.append(WeeklyPeriod(try HoursInput.weekday(row.day, field: "\(f) (\(word("hours_weekday")))"),
                                        try HoursInput.time(row.opens, field: "\(f) (\(word("hours_opens")))"),
                                        try HoursInput.time(row.closes, field: "\(f) (\(word("hours_closes")))"),
                                        try HoursInput.level(row.level, field: "\(f) (\(word("hours_level")))")))
        }
        let schedule = WeeklySchedule(
            name: raw.name.trimmingCharacters(in: .whitespaces),
            validFrom: raw.isDefault || raw.validFrom.isEmpty ? nil : try HoursInput.date(raw.validFrom, field: "\(field)\(word("hours_valid_from"))"),
            validUntil: raw.isDefault || raw.validUntil.isEmpty ? nil : try HoursInput.date(raw.validUntil, field: "\(field)\(word("hours_valid_until"))"),
            periods: periods)
        do { try OpeningHoursValidation.validate(schedule, field: field.isEmpty ? "schedule" : String(field.dropLast(2))) } catch { throw error.biebError }
        return schedule
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
        // The trailing blank "new season" block is ignored unless filled in.
        let kept = raw.filter { !$0.delete && !$0.isBlank }
        do {
            let schedules = try kept.enumerated().map { index, schedule in
                try parse(schedule, field: "\(page.t("hours_schedule")) \(index + 1), ", lang: page.lang)
            }
            try await req.branches.replaceSchedules(of: branch.id!, with: schedules)
        } catch let error as BiebError {
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error, raw: raw.filter { !$0.isBlank })
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
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }

    func deleteException(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.branch(req, .editExceptions)
        let directory = req.branches
        guard let id = req.parameters.get("exceptionID").flatMap(UUID.init(uuidString:)),
              let record = try await directory.exceptionRecord(id, branch: branch.id!) else { throw Abort(.notFound) }
        try await directory.deleteException(record)
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "deleted")
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
