import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// `/api/v1` for organisations, branches, opening hours, exceptions and spaces.
/// Reading is public (branch data is public information); changing needs a
/// bearer token of a staff account of the branch's organisation.
struct BranchAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("organisations", use: organisations)
        api.get("organisations", ":org", "branches", use: branches)

        let branches = api.grouped("branches")
        branches.post(use: create)
        let branch = branches.grouped(":branchID")
        branch.get(use: show)
        branch.patch(use: update)
        branch.get("status", use: status)
        branch.get("opening-days", use: openingDays)
        branch.get("first-opening-day", use: firstOpeningDay)
        branch.get("opening-hours", use: openingHours)
        branch.put("opening-hours", use: replaceOpeningHours)
        branch.get("exceptions", use: exceptions)
        branch.post("exceptions", use: addException)
        branch.post("holidays", use: addHolidays)
        branch.put("exceptions", ":exceptionID", use: updateException)
        branch.delete("exceptions", ":exceptionID", use: deleteException)
        branch.get("spaces", use: spaces)
        branch.post("spaces", use: addSpace)
        branch.patch("spaces", ":spaceID", use: updateSpace)
        branch.delete("spaces", ":spaceID", use: deleteSpace)
    }

    // MARK: Lookups

    /// A branch from the path, public (any organisation) with its organisation.
    static func publicBranch(_ req: Request) async throws -> (Branch, Organisation) {
        let id = try req.uuidParameter("branchID")
        let directory = req.branches
        guard let branch = try await directory.branch(id), let org = try await directory.organisation(id: branch.$organisation.id) else {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        return (branch, org)
    }

    /// A branch of the signed-in account's organisation, after checking the
    /// permission; another organisation's branch is "not found".
    static func ownBranch(_ req: Request, _ permission: Permission) async throws -> (Branch, Organisation, StaffUser) {
        let user = try req.staff()
        let id = try req.uuidParameter("branchID")
        let directory = req.branches
        guard let branch = try await directory.branch(id, in: user.organisationID),
              let org = try await directory.organisation(id: user.organisationID) else {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        _ = try req.staff(permission, branch: branch.id)
        return (branch, org, user)
    }

    /// An ISO 8601 instant from the query (`at`, `open_at`), or now.
    static func instant(_ req: Request, _ name: String) throws -> Date {
        try req.instantQuery(name) ?? Date()
    }

    static func date(_ req: Request, _ name: String, default value: LocalDate? = nil) throws -> LocalDate {
        guard let text = req.query[String.self, at: name] else {
            if let value { return value }
            throw BiebError.invalid(name, "\(name) is required (YYYY-MM-DD).", nl: "\(name) is verplicht (JJJJ-MM-DD).")
        }
        return try HoursInput.date(text, field: name)
    }

    static func minimumLevel(_ req: Request) throws -> ServiceLevel {
        guard let text = req.query[String.self, at: "level"] else { return .selfService }
        let level = try HoursInput.level(text, field: "level")
        guard level != .closed else {
            throw BiebError.invalid("level", "level must be staffed or self_service.", nl: "level moet staffed of self_service zijn.")
        }
        return level
    }

    // MARK: Organisations and branch lists

    func organisations(req: Request) async throws -> [OrganisationDTO] {
        try await req.branches.organisations().map(OrganisationDTO.init)
    }

    /// Branches of an organisation with their status at `open_at` (default
    /// now). `open=true` keeps only branches open then; `kind` filters.
    func branches(req: Request) async throws -> [BranchDTO] {
        let directory = req.branches
        let slug = req.parameters.get("org") ?? ""
        guard let org = try await directory.organisation(slug: slug) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let at = try Self.instant(req, "open_at")
        var list = try await directory.branches(of: try org.requireID())
        if let kind = req.query[String.self, at: "kind"] {
            guard let value = BranchKind(rawValue: kind) else {
                throw BiebError.invalid("kind", "Unknown branch kind '\(kind)'.", nl: "Onbekend soort vestiging '\(kind)'.")
            }
            list = list.filter { $0.kind == value }
        }
        let ids = list.map { $0.id! }
        let calendars = try await directory.calendars(of: list, timeZone: org.zone, exceptionsFrom: LocalDate(at, in: org.zone).adding(days: -1))
        let facilities = try await directory.facilities(of: ids)
        let words = BranchPresentation(lang: Language.of(req), timeZone: org.zone)
        var result: [BranchDTO] = []
        for branch in list {
            let status = calendars[branch.id!]!.status(at: at)
            if req.query[Bool.self, at: "open"] == true, !status.isOpen { continue }
            result.append(BranchDTO(branch, organisation: org, facilities: facilities[branch.id!] ?? BranchFacilities(),
                                    status: StatusDTO(status, at: at, text: words.statusText(status, now: at))))
        }
        return result
    }

    // MARK: One branch

    func show(req: Request) async throws -> BranchDTO {
        let (branch, org) = try await Self.publicBranch(req)
        return try await Self.dto(branch, org, req)
    }

    static func dto(_ branch: Branch, _ org: Organisation, _ req: Request) async throws -> BranchDTO {
        let directory = req.branches
        let now = Date()
        let calendar = try await directory.calendar(of: branch, timeZone: org.zone, exceptionsFrom: LocalDate(now, in: org.zone).adding(days: -1))
        let status = calendar.status(at: now)
        let words = BranchPresentation(lang: Language.of(req), timeZone: org.zone)
        let facilities = try await directory.facilities(of: [branch.id!])[branch.id!] ?? BranchFacilities()
        return BranchDTO(branch, organisation: org, facilities: facilities,
                         status: StatusDTO(status, at: now, text: words.statusText(status, now: now)))
    }

    func create(req: Request) async throws -> Response {
        let user = try req.staff(.createBranch)
        let input = try req.content.decode(BranchInput.self)
        try input.checkNew()
        let branch = Branch(organisationID: user.organisationID, slug: "", name: "", kind: .district)
        try input.apply(to: branch)
        if input.slug == nil { branch.slug = Validate.slugify(branch.name) }
        try await req.branches.save(branch)
        let org = try await req.branches.organisation(id: user.organisationID)!
        let response = Response(status: .created)
        try response.content.encode(try await Self.dto(branch, org, req))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/branches/\(branch.id!)")
        return response
    }

    func update(req: Request) async throws -> BranchDTO {
        let (branch, org, _) = try await Self.ownBranch(req, .editBranch)
        let input = try req.content.decode(BranchInput.self)
        try input.apply(to: branch)
        try await req.branches.save(branch)
        return try await Self.dto(branch, org, req)
    }

    // MARK: Calendar questions

    func status(req: Request) async throws -> StatusDTO {
        let (branch, org) = try await Self.publicBranch(req)
        let at = try Self.instant(req, "at")
        let calendar = try await req.branches.calendar(of: branch, timeZone: org.zone,
                                                                  exceptionsFrom: LocalDate(at, in: org.zone).adding(days: -1))
        let status = calendar.status(at: at)
        let words = BranchPresentation(lang: Language.of(req), timeZone: org.zone)
        return StatusDTO(status, at: at, text: words.statusText(status, now: at))
    }

    struct OpeningDaysDTO: Content {
        let from: String
        let to: String
        let level: ServiceLevel
        let days: [String]
    }

    func openingDays(req: Request) async throws -> OpeningDaysDTO {
        let (branch, org) = try await Self.publicBranch(req)
        let from = try Self.date(req, "from")
        let to = try Self.date(req, "to")
        guard from <= to else { throw BiebError.invalid("to", "to must not be before from.", nl: "to mag niet voor from liggen.") }
        guard from.days(until: to) <= 366 else {
            throw BiebError.invalid("to", "Ask for at most 367 days at once.", nl: "Vraag hoogstens 367 dagen tegelijk op.")
        }
        let level = try Self.minimumLevel(req)
        let calendar = try await req.branches.calendar(of: branch, timeZone: org.zone, exceptionsFrom: from.adding(days: -1))
        return OpeningDaysDTO(from: from.iso, to: to.iso, level: level,
                              days: calendar.openingDays(from: from, through: to, atLeast: level).map(\.iso))
    }

    struct FirstOpeningDayDTO: Content {
        let on_or_after: String
        let level: ServiceLevel
        let date: String?
    }

    func firstOpeningDay(req: Request) async throws -> FirstOpeningDayDTO {
        let (branch, org) = try await Self.publicBranch(req)
        let date = try Self.date(req, "on_or_after", default: LocalDate(Date(), in: org.zone))
        let level = try Self.minimumLevel(req)
        let calendar = try await req.branches.calendar(of: branch, timeZone: org.zone, exceptionsFrom: date)
        return FirstOpeningDayDTO(on_or_after: date.iso, level: level,
                                  date: calendar.firstOpeningDay(onOrAfter: date, atLeast: level)?.iso)
    }

    // MARK: Opening hours

    func openingHours(req: Request) async throws -> OpeningHoursDTO {
        let (branch, org) = try await Self.publicBranch(req)
        return try await Self.hoursDTO(branch, org, req)
    }

    static func hoursDTO(_ branch: Branch, _ org: Organisation, _ req: Request) async throws -> OpeningHoursDTO {
        let directory = req.branches
        let from = try Self.date(req, "from", default: LocalDate(Date(), in: org.zone))
        let schedules = try await directory.scheduleRecords(of: branch.id!)
        let exceptions = try await directory.exceptionRecords(of: branch.id!, from: from)
        var perWeek: [String: Double]?
        if let main = schedules.first(where: { $0.validFrom == nil }) {
            let minutes = BranchDirectory.schedule(from: main).minutesPerWeek()
            perWeek = [ServiceLevel.staffed.rawValue: Double(minutes[.staffed] ?? 0) / 60,
                       ServiceLevel.selfService.rawValue: Double(minutes[.selfService] ?? 0) / 60]
        }
        return OpeningHoursDTO(time_zone: org.timeZone, schedules: schedules.map(ScheduleDTO.init),
                               exceptions: exceptions.compactMap(ExceptionDTO.init), hours_per_week: perWeek)
    }

    /// Replaces all weekly schedules of a branch (exceptions are left alone).
    func replaceOpeningHours(req: Request) async throws -> OpeningHoursDTO {
        let (branch, org, _) = try await Self.ownBranch(req, .editSchedule)
        let input = try req.content.decode(OpeningHoursDTO.self)
        let schedules = try input.schedules.enumerated().map { index, dto in
            try HoursInput.schedule(dto, field: "schedules[\(index)]")
        }
        try await req.branches.replaceSchedules(of: branch.id!, with: schedules)
        return try await Self.hoursDTO(branch, org, req)
    }

    // MARK: Exceptions

    func exceptions(req: Request) async throws -> [ExceptionDTO] {
        let (branch, org) = try await Self.publicBranch(req)
        let from = try Self.date(req, "from", default: LocalDate(Date(), in: org.zone))
        return try await req.branches.exceptionRecords(of: branch.id!, from: from).compactMap(ExceptionDTO.init)
    }

    func addException(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.ownBranch(req, .editExceptions)
        let exception = try HoursInput.exception(try req.content.decode(ExceptionDTO.self))
        let record = try await req.branches.addException(to: branch.id!, exception)
        let saved = try await req.branches.exceptionRecord(record.id!, branch: branch.id!)!
        let response = Response(status: .created)
        try response.content.encode(ExceptionDTO(saved)!)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/branches/\(branch.id!)/exceptions/\(record.id!)")
        return response
    }

    func updateException(req: Request) async throws -> ExceptionDTO {
        let (branch, _, _) = try await Self.ownBranch(req, .editExceptions)
        let directory = req.branches
        guard let record = try await directory.exceptionRecord(try req.uuidParameter("exceptionID"), branch: branch.id!) else {
            throw BiebError.notFound("exception", nl: "Uitzondering niet gevonden.")
        }
        let exception = try HoursInput.exception(try req.content.decode(ExceptionDTO.self))
        try await directory.updateException(record, to: exception)
        return ExceptionDTO(try await directory.exceptionRecord(record.id!, branch: branch.id!)!)!
    }

    func deleteException(req: Request) async throws -> HTTPStatus {
        let (branch, _, _) = try await Self.ownBranch(req, .editExceptions)
        let directory = req.branches
        guard let record = try await directory.exceptionRecord(try req.uuidParameter("exceptionID"), branch: branch.id!) else {
            throw BiebError.notFound("exception", nl: "Uitzondering niet gevonden.")
        }
        try await directory.deleteException(record)
        return .noContent
    }

    struct HolidaysResult: Content {
        let year: Int
        let added: [ExceptionDTO]
        let skipped: [String]
    }

    /// Adds the Dutch public holidays of a year as exceptions, based on the
    /// branch's default schedule; dates that already have an exception are skipped.
    func addHolidays(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.ownBranch(req, .editExceptions)
        guard let year = req.query[Int.self, at: "year"], (2000...2100).contains(year) else {
            throw BiebError.invalid("year", "year is required (2000–2100).", nl: "year is verplicht (2000–2100).")
        }
        let result = try await HolidaySeeder.add(year: year, to: branch.id!, on: req.db)
        let response = Response(status: .created)
        try response.content.encode(HolidaysResult(year: year, added: result.added.compactMap(ExceptionDTO.init), skipped: result.skipped))
        return response
    }

    // MARK: Spaces and partners

    func spaces(req: Request) async throws -> [SpaceDTO] {
        let (branch, _) = try await Self.publicBranch(req)
        return try await req.branches.spaces(of: branch.id!).map(SpaceDTO.init)
    }

    func addSpace(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.ownBranch(req, .editSpaces)
        let input = try req.content.decode(SpaceDTO.self)
        let space = Space(branchID: branch.id!, kind: .room, name: input.name, capacity: input.capacity, bookable: input.bookable ?? false)
        try SpacePatch(kind: input.kind, name: nil, capacity: nil, bookable: nil, notes: input.notes, facilities: input.facilities).apply(to: space)
        try await req.branches.save(space)
        let response = Response(status: .created)
        try response.content.encode(SpaceDTO(space))
        return response
    }

    func updateSpace(req: Request) async throws -> SpaceDTO {
        let (branch, _, _) = try await Self.ownBranch(req, .editSpaces)
        let directory = req.branches
        guard let space = try await directory.space(try req.uuidParameter("spaceID"), branch: branch.id!) else {
            throw BiebError.notFound("space", nl: "Ruimte niet gevonden.")
        }
        try req.content.decode(SpacePatch.self).apply(to: space)
        try await directory.save(space)
        return SpaceDTO(space)
    }

    func deleteSpace(req: Request) async throws -> HTTPStatus {
        let (branch, _, _) = try await Self.ownBranch(req, .editSpaces)
        guard let space = try await req.branches.space(try req.uuidParameter("spaceID"), branch: branch.id!) else {
            throw BiebError.notFound("space", nl: "Ruimte niet gevonden.")
        }
        try await space.delete(on: req.db)
        return .noContent
    }
}

/// Adds public-holiday exceptions to a branch (used by the API, the staff
/// pages and the demo).
enum HolidaySeeder {
    static func add(year: Int, to branchID: UUID, on db: any Database) async throws -> (added: [CalendarExceptionRecord], skipped: [String]) {
        try await db.transaction { tx in try await addInTransaction(year: year, to: branchID, on: tx) }
    }

    private static func addInTransaction(year: Int, to branchID: UUID, on db: any Database) async throws -> (added: [CalendarExceptionRecord], skipped: [String]) {
        let directory = BranchDirectory(db)
        let schedules = try await directory.scheduleRecords(of: branchID).map(BranchDirectory.schedule(from:))
        guard let main = schedules.first(where: \.isDefault) else {
            throw BiebError.invalid("schedules", "The branch has no default weekly schedule yet.",
                                    nl: "De vestiging heeft nog geen standaard weekrooster.")
        }
        let existing = try await directory.exceptionRecords(of: branchID).compactMap(BranchDirectory.exception(from:))
        var added: [CalendarExceptionRecord] = []
        var skipped: [String] = []
        for exception in DutchHolidays.exceptions(in: year, for: main) {
            if existing.contains(where: { $0.covers(exception.startDate) }) {
                skipped.append(exception.startDate.iso)
                continue
            }
            let record = try await directory.addException(to: branchID, exception)
            if let full = try await directory.exceptionRecord(record.id!, branch: branchID) { added.append(full) }
        }
        return (added, skipped)
    }
}
