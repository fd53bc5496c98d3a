import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// `/api/v1` for organisations, branches, opening hours, exceptions and spaces.
/// Reading is public (branch data is public information); changing needs a
/// bearer token of a staff account of the branch's organisation.
/// Routes and shared helpers here; the handlers by audience in `BranchAPI+Public.swift` and `BranchAPI+Staff.swift`.
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

    // MARK: Answers both audiences get

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

    // MARK: Calendar questions

    struct OpeningDaysDTO: Content {
        let from: String
        let to: String
        let level: ServiceLevel
        let days: [String]
    }

    struct FirstOpeningDayDTO: Content {
        let on_or_after: String
        let level: ServiceLevel
        let date: String?
    }

    // MARK: Opening hours

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

    // MARK: Exceptions

    struct HolidaysResult: Content {
        let year: Int
        let added: [ExceptionDTO]
        let skipped: [String]
    }

}

/// Adds public-holiday exceptions to a branch (used by the API, the staff
/// pages and the demo).
enum HolidaySeeder {
    static func add(year: Int, to branchID: UUID, on db: any Database) async throws -> (added: [CalendarExceptionRecord], skipped: [String]) {
        try await WriteGate.transaction(on: db) { tx in try await addInTransaction(year: year, to: branchID, on: tx) }
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
