import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Management information for one organisation, shared by the insight
/// pages and the API: read from the daily roll-ups (and, for distinct
/// members, the open year's facts or a closed year's totals), for people
/// with `viewInsights` only.
struct InsightsService {
    let user: StaffUser
    let organisation: Organisation
    let db: any Database
    let branches: [BranchLabel]

    static func make(_ req: Request) async throws -> InsightsService {
        let user = try req.staff(.viewInsights)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return InsightsService(user: user, organisation: organisation, db: req.db, branches: try await req.branches.labels(of: user.organisationID))
    }

    var organisationID: UUID { organisation.id! }
    var today: LocalDate { LocalDate(Date(), in: organisation.zone) }

    /// A branch by slug or id (nil: the whole organisation).
    func branch(_ text: String?) throws -> BranchLabel? { try branches.named(text) }

    /// A year from the request, this year when none; years before 2000 or after this one are refused.
    func year(_ value: Int?) throws -> Int {
        let year = value ?? today.year
        guard (2000...today.year).contains(year) else {
            throw BiebError.invalid("year", "Choose a year from 2000 to \(today.year).", nl: "Kies een jaar van 2000 tot en met \(today.year).")
        }
        return year
    }

    /// The twelve months of `year` with the total of each ("2026-01" … "2026-12").
    func months(_ kind: FactKind, year: Int, branch: UUID?, audience: String? = nil) async throws -> [(month: String, count: Int)] {
        let totals = try await InsightRollups(db, organisationID: organisationID)
            .monthly(.init(kind: kind, branch: branch, audience: audience), from: LocalDate(year: year, month: 1, day: 1)!,
                     through: LocalDate(year: year, month: 12, day: 31)!)
        return (1...12).map { month in
            let key = String(format: "%04d-%02d", year, month)
            return (key, totals[key] ?? 0)
        }
    }

    /// Members who borrowed, renewed or returned in `year` (distinct): from the roll-ups while the year is open, from its totals once closed.
    func activeMembers(year: Int, youth: Bool) async throws -> Int? {
        let years = InsightYears(db, organisationID: organisationID)
        if try await years.isClosed(year) { return try await years.totals(year)[youth ? "active_youth_members" : "active_members"] }
        return try await InsightFacts(db, organisationID: organisationID).activeMembers(through: LocalDate(year: year, month: 12, day: 31)!, youth: youth)
    }
}

extension InsightsService {
    var measurements: Measurements { Measurements(db, organisationID: organisationID) }
    var reports: AnnualReports { AnnualReports(db, organisationID: organisationID) }

    /// A branch's slug by id (nil: the organisation).
    func slug(_ branch: UUID?) -> String? { branch.flatMap { id in branches.first { $0.id == id }?.slug } }

    /// A branch's name by id, or the organisation's.
    func scopeName(_ branch: UUID?) -> String { branch.flatMap { id in branches.first { $0.id == id }?.name } ?? organisation.name }

    /// The measurement `id`, or 404.
    func measurement(_ id: Int?) async throws -> IndicatorMeasurement {
        guard let id, let measurement = try await measurements.measurement(id) else {
            throw BiebError.notFound("measurement", nl: "Meting niet gevonden.")
        }
        return measurement
    }

    /// A year for the annual report: from 2000 through this year.
    func reportYear(_ value: Int?) throws -> Int { try year(value ?? today.year - 1) }

    /// A year's report of the organisation or a branch with the book it is in and as it leaves Bieb.
    func annualReport(_ year: Int, branch: BranchLabel?, english: Bool) async throws -> (book: AnnualReportBook, report: AnnualReport, export: AnnualReportExport) {
        // A draft works out only the report asked for; a published book is read whole.
        let book = try await reports.book(year: year, timeZone: organisation.zone, scope: .some(branch?.id))
        let report = try report(book, branch: branch)
        let export = AnnualReportExport(report, book: book, organisation: organisation.name, scope: scopeName(branch?.id),
                                        slugs: Dictionary(uniqueKeysWithValues: branches.map { ($0.id, $0.slug) }), english: english)
        return (book, report, export)
    }

    /// The report of the organisation or a branch, or 404 for a branch without one.
    func report(_ book: AnnualReportBook, branch: BranchLabel?) throws -> AnnualReport {
        guard let report = book.report(branch: branch?.id) else { throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.") }
        return report
    }
}
