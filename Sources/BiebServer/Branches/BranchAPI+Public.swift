import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The public side of the branches API: organisations, branches with their status, opening days and hours, exceptions and spaces (anyone may read them).
extension BranchAPIController {
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

    func show(req: Request) async throws -> BranchDTO {
        let (branch, org) = try await Self.publicBranch(req)
        return try await Self.dto(branch, org, req)
    }

    func status(req: Request) async throws -> StatusDTO {
        let (branch, org) = try await Self.publicBranch(req)
        let at = try Self.instant(req, "at")
        let calendar = try await req.branches.calendar(of: branch, timeZone: org.zone,
                                                                  exceptionsFrom: LocalDate(at, in: org.zone).adding(days: -1))
        let status = calendar.status(at: at)
        let words = BranchPresentation(lang: Language.of(req), timeZone: org.zone)
        return StatusDTO(status, at: at, text: words.statusText(status, now: at))
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

    func firstOpeningDay(req: Request) async throws -> FirstOpeningDayDTO {
        let (branch, org) = try await Self.publicBranch(req)
        let date = try Self.date(req, "on_or_after", default: LocalDate(Date(), in: org.zone))
        let level = try Self.minimumLevel(req)
        let calendar = try await req.branches.calendar(of: branch, timeZone: org.zone, exceptionsFrom: date)
        return FirstOpeningDayDTO(on_or_after: date.iso, level: level,
                                  date: calendar.firstOpeningDay(onOrAfter: date, atLeast: level)?.iso)
    }

    func openingHours(req: Request) async throws -> OpeningHoursDTO {
        let (branch, org) = try await Self.publicBranch(req)
        return try await Self.hoursDTO(branch, org, req)
    }

    func exceptions(req: Request) async throws -> [ExceptionDTO] {
        let (branch, org) = try await Self.publicBranch(req)
        let from = try Self.date(req, "from", default: LocalDate(Date(), in: org.zone))
        return try await req.branches.exceptionRecords(of: branch.id!, from: from).compactMap(ExceptionDTO.init)
    }

    func spaces(req: Request) async throws -> [SpaceDTO] {
        let (branch, _) = try await Self.publicBranch(req)
        return try await req.branches.spaces(of: branch.id!).map(SpaceDTO.init)
    }
}
