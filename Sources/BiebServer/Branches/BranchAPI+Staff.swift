import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff's side of the branches API: creating and changing a branch, its weekly hours, exceptions, holidays and spaces (by permission).
extension BranchAPIController {
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

    /// The exception the path names, of a branch whose exceptions the user may change (404 for another's).
    static func ownException(_ req: Request) async throws -> (Branch, CalendarExceptionRecord) {
        let (branch, _, _) = try await Self.ownBranch(req, .editExceptions)
        guard let record = try await req.branches.exceptionRecord(try req.uuidParameter("exceptionID"), branch: branch.id!) else {
            throw BiebError.notFound("exception", nl: "Uitzondering niet gevonden.")
        }
        return (branch, record)
    }

    func updateException(req: Request) async throws -> ExceptionDTO {
        let (branch, record) = try await Self.ownException(req)
        let exception = try HoursInput.exception(try req.content.decode(ExceptionDTO.self))
        try await req.branches.updateException(record, to: exception)
        return ExceptionDTO(try await req.branches.exceptionRecord(record.id!, branch: branch.id!)!)!
    }

    func deleteException(req: Request) async throws -> HTTPStatus {
        let (_, record) = try await Self.ownException(req)
        try await req.branches.deleteException(record)
        return .noContent
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
