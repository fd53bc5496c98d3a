import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The collection plan for one organisation, shared by its pages and its
/// API: who asks (`viewCollection` to read, `manageCollection` to act),
/// the organisation's branches, today, and the weeding policy.
struct CollectionService {
    let user: StaffUser
    let organisation: Organisation
    let db: any Database
    let branches: [BranchLabel]

    static func make(_ req: Request, _ permission: Permission = .viewCollection) async throws -> CollectionService {
        let user = try req.staff(permission)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return CollectionService(user: user, organisation: organisation, db: req.db, branches: try await req.branches.labels(of: user.organisationID))
    }

    var organisationID: UUID { organisation.id! }
    var today: LocalDate { LocalDate(Date(), in: organisation.zone) }
    /// Who acted, as the lists and orders record it.
    var staffName: String { user.email }

    /// A branch by slug or id (nil or empty: none).
    func branch(_ text: String?, field: String = "branch") throws -> BranchLabel? { try branches.named(text, field: field) }

    func requireBranch(_ text: String?, field: String = "branch") throws -> BranchLabel {
        guard let branch = try branch(text, field: field) else {
            throw BiebError.invalid(field, "Choose a branch.", nl: "Kies een vestiging.")
        }
        return branch
    }

    func label(_ id: UUID) -> BranchLabel? { branches.first { $0.id == id } }

    func policy() async throws -> WeedingPolicy { try await WeedingSettings(db, organisationID: organisationID).policy() }

    /// This month's rows and those of the same month a year ago (empty before the first snapshot).
    func rows(branch: UUID? = nil) async throws -> (now: [SegmentReport.Row], lastYear: [SegmentReport.Row]) {
        let policy = try await policy()
        let now = try await SegmentReport(db, organisationID: organisationID).rows(today: today, branch: branch, policy: policy)
        let then = try await SegmentSnapshots(db, organisationID: organisationID).rows(month: SegmentSnapshots.month(of: today.adding(months: -12)),
                                                                                     branch: branch)
        return (now, then)
    }
}

/// A table of segment figures as the pages, the CSV and the API show it:
/// rows grouped by segment (at a level) or by branch, each with its
/// measures (`SegmentFigures`), relative use within the table's total, and
/// last year's turnover and holdings from the snapshot of a year ago.
struct SegmentTable {
    struct Line: Encodable, Sendable {
        let key: String
        let name: String
        let figures: SegmentFigures
        let turnover: Double?
        let relativeUse: Double?
        let deadShare: Double?
        let averageAge: Double?
        let lastYear: SegmentFigures?
    }

    let lines: [Line]
    let total: Line

    enum Grouping {
        case segment(SegmentLevel)
        case branch([BranchLabel])
    }

    static func make(_ rows: [SegmentReport.Row], lastYear: [SegmentReport.Row], grouping: Grouping, year: Int, english: Bool,
                     part: CollectionSegment? = nil) -> SegmentTable {
        let rows = part.map { p in rows.filter { $0.segment.part == p } } ?? rows
        let before = part.map { p in lastYear.filter { $0.segment.part == p } } ?? lastYear
        func key(_ row: SegmentReport.Row) -> String {
            switch grouping {
            case .segment(let level): level.project(row.segment).key
            case .branch: row.branch.uuidString
            }
        }
        var now: [String: SegmentFigures] = [:], then: [String: SegmentFigures] = [:], samples: [String: SegmentReport.Row] = [:]
        for row in rows {
            now[key(row), default: SegmentFigures()] += row.figures
            samples[key(row)] = row
        }
        for row in before { then[key(row), default: SegmentFigures()] += row.figures }
        let total = now.values.reduce(SegmentFigures(), +)
        let totalBefore = before.isEmpty ? nil : then.values.reduce(SegmentFigures(), +)
        func line(_ key: String, _ name: String, _ figures: SegmentFigures, _ previous: SegmentFigures?) -> Line {
            Line(key: key, name: name, figures: figures, turnover: figures.turnover, relativeUse: figures.relativeUse(of: total),
                 deadShare: figures.deadShare, averageAge: figures.averageAge(in: year), lastYear: previous)
        }
        var lines: [Line] = []
        switch grouping {
        case .segment(let level):
            for (key, figures) in now {
                let segment = samples[key]!.segment
                lines.append(line(level.project(segment).key, level.name(segment, english: english), figures, before.isEmpty ? nil : then[key] ?? SegmentFigures()))
            }
            lines.sort { (ShelfSegment(key: $0.key) ?? ShelfSegment(format: .other, part: .adultFiction, heading: nil)) <
                (ShelfSegment(key: $1.key) ?? ShelfSegment(format: .other, part: .adultFiction, heading: nil)) }
        case .branch(let labels):
            for label in labels where now[label.id.uuidString] != nil {
                let key = label.id.uuidString
                lines.append(line(label.slug, label.name, now[key]!, before.isEmpty ? nil : then[key] ?? SegmentFigures()))
            }
        }
        return SegmentTable(lines: lines, total: line("total", english ? "Total" : "Totaal", total, totalBefore))
    }

    /// The chart beside the table: each line's share of the holdings against its share of the loans, in whole percents.
    func chart(title: String, summary: String, holdings: String, loans: String) -> BarChart {
        func share(_ part: Int, _ whole: Int) -> Int { whole > 0 ? Int((Double(part) / Double(whole) * 100).rounded()) : 0 }
        return BarChart(title: title, summary: summary, labels: lines.map(\.name),
                        series: [.init(name: holdings, values: lines.map { share($0.figures.holdings, total.figures.holdings) }),
                                 .init(name: loans, values: lines.map { share($0.figures.loans, total.figures.loans) })])
    }
}
