import Foundation
import Vapor
import BiebCore
import BiebStore

/// An annual report as it leaves Bieb — the API's JSON, the CSV and the
/// printed page read this: every breakdown's cells through `SmallCells`
/// (under 5 is "<5", and a lone hidden cell next to a total takes the next
/// smallest with it), totals exact.
struct AnnualReportExport: Codable {
    struct Line: Codable {
        /// What the line is about: a part of the collection, a core function, a branch (its slug).
        let key: String
        let label: String
        /// The line's cells by measure, as they may be shown.
        let cells: [String: String]
    }

    struct Table: Codable {
        let name: String
        /// The measures (columns) in order.
        let measures: [String]
        let lines: [Line]
        /// The exact totals by measure.
        let totals: [String: Int]
    }

    let organisation: String
    let scope: String
    let year: Int
    let published: Bool
    let published_at: Date?
    let computed_at: Date
    let members: Table
    let collection: Table
    let activities: Table
    let branches: Table
    /// Services beyond lending and activities, one line each (no total: the lines count different things).
    let services: Table
    let renewals: Int
    /// Staff's own figures (not suppressed: they are not counts of people the library served).
    let entered: [String: String]

    /// The measures of the branch table.
    static let branchMeasures = ["members_youth", "members_adult", "loans", "visits", "door_entries", "sessions", "participants"]

    init(_ report: AnnualReport, book: AnnualReportBook, organisation: String, scope: String, slugs: [UUID: String], english: Bool) {
        self.organisation = organisation
        self.scope = scope
        year = report.year
        published = book.isPublished
        published_at = book.publishedAt
        computed_at = report.computedAt
        renewals = report.renewals
        /// Columns suppressed down the lines (each column has a total).
        func table(_ name: String, _ measures: [String], _ keys: [(key: String, label: String)], _ value: (Int, String) -> Int) -> Table {
            var cells = Array(repeating: [String: String](), count: keys.count)
            var totals: [String: Int] = [:]
            for measure in measures {
                let column = keys.indices.map { value($0, measure) }
                totals[measure] = column.reduce(0, +)
                for (index, text) in SmallCells.texts(column).enumerated() { cells[index][measure] = text }
            }
            return Table(name: name, measures: measures, lines: keys.indices.map { Line(key: keys[$0].key, label: keys[$0].label, cells: cells[$0]) },
                         totals: totals)
        }
        let m = report.members
        members = table("members", ["members", "new_members"], [("youth", english ? "Youth (under 18)" : "Jeugd (tot 18)"), ("adult", english ? "Adults" : "Volwassenen")]) {
            index, measure in measure == "members" ? (index == 0 ? m.youth : m.adult) : (index == 0 ? m.newYouth : m.newAdult)
        }
        let segments = report.collection
        collection = table("collection", ["copies", "loans"], segments.map { ($0.segment, CollectionSegment(rawValue: $0.segment)?.name(english: english) ?? $0.segment) }) {
            index, measure in measure == "copies" ? segments[index].copies : segments[index].loans
        }
        let activityLines = report.activities
        activities = table("activities", ["sessions", "participants"], activityLines.map { line in
            let function = CoreFunction(rawValue: line.coreFunction)?.name(english: english) ?? line.coreFunction
            let presence = ActivityPresence(rawValue: line.presence)?.name(english: english) ?? line.presence
            return ("\(line.coreFunction)/\(line.presence)", "\(function) — \(presence)")
        }) { index, measure in measure == "sessions" ? activityLines[index].sessions : activityLines[index].participants }
        let branchLines = report.branches
        branches = table("branches", Self.branchMeasures, branchLines.map { (slugs[$0.id] ?? $0.id.uuidString, $0.name) }) { index, measure in
            let line = branchLines[index]
            switch measure {
            case "members_youth": return line.membersYouth
            case "members_adult": return line.membersAdult
            case "loans": return line.loans
            case "visits": return line.visits
            case "door_entries": return line.doorEntries
            case "sessions": return line.sessions
            default: return line.participants
            }
        }
        services = Self.services(report.services, english: english)
        let e = report.entered
        var entered: [String: String] = ["notes": e.notes]
        if let fte = e.fte { entered["fte"] = String(fte) }
        for (key, value) in [("staff_persons", e.staffPersons), ("volunteers", e.volunteers), ("income_euros", e.incomeEuros), ("expenses_euros", e.expensesEuros)] {
            if let value { entered[key] = String(value) }
        }
        self.entered = entered
    }

    /// The services' lines: each count through `SmallCells` on its own, the occupancy as a percentage ("—" without counts).
    static func services(_ services: AnnualReport.Services?, english: Bool) -> Table {
        guard let s = services else { return Table(name: "services", measures: ["value"], lines: [], totals: [:]) }
        var lines = s.digitalUses.sorted { $0.key.lowercased() < $1.key.lowercased() }.map { platform, uses in
            Line(key: "digital_use/\(platform)", label: (english ? "Digital use: " : "Digitaal gebruik: ") + platform, cells: ["value": SmallCells.text(uses)])
        }
        let occupancy = s.studyPlacesCounted == 0 ? "—"
            : Formats.decimal(Double(s.studyOccupied) / Double(s.studyPlacesCounted) * 100, digits: 0, english: english) + "%"
        for (key, nl, en, value) in [
            ("catalogue_searches", "Zoekvragen in de catalogus", "Catalogue searches", SmallCells.text(s.catalogueSearches)),
            ("study_bookings", "Geboekte studieplekken", "Study places booked", SmallCells.text(s.studyBookings)),
            ("study_place_occupancy", "Bezetting studieplekken (bij tellingen)", "Study place occupancy (at counts)", occupancy),
            ("consultation_hours", "Spreekuren van partners", "Partners' consultation hours", SmallCells.text(s.consultationHours)),
            ("consultation_appointments", "Afspraken op spreekuren", "Consultation appointments", SmallCells.text(s.consultationAppointments)),
            ("reading_participants", "Leesprogramma's: deelnemers", "Reading programmes: participants", SmallCells.text(s.readingParticipants)),
            ("reading_finishers", "Leesprogramma's: uitgelezen", "Reading programmes: finished", SmallCells.text(s.readingFinishers)),
        ] {
            lines.append(Line(key: key, label: english ? en : nl, cells: ["value": value]))
        }
        return Table(name: "services", measures: ["value"], lines: lines, totals: [:])
    }

    /// The report as CSV: one line per cell (table, key, label, measure, value), totals as key "total"; then the
    /// branches' visits method and weekly hours, and staff's figures.
    func csv(hours: [(slug: String, name: String, method: String, staffed: Double, selfService: Double)]) -> String {
        func field(_ text: String) -> String { CSVText.field(text) }
        var lines = ["table,key,label,measure,value"]
        for table in [members, collection, activities, branches, services] {
            for line in table.lines {
                for measure in table.measures { lines.append([table.name, line.key, line.label, measure, line.cells[measure] ?? ""].map(field).joined(separator: ",")) }
            }
            for measure in table.measures where table.totals[measure] != nil {
                lines.append([table.name, "total", "", measure, String(table.totals[measure] ?? 0)].map(field).joined(separator: ","))
            }
        }
        lines.append(["lending", "total", "", "renewals", String(renewals)].joined(separator: ","))
        for hour in hours {
            lines.append(["hours", hour.slug, hour.name, "visits_method", hour.method].map(field).joined(separator: ","))
            lines.append(["hours", hour.slug, hour.name, "staffed_hours_per_week", String(hour.staffed)].map(field).joined(separator: ","))
            lines.append(["hours", hour.slug, hour.name, "self_service_hours_per_week", String(hour.selfService)].map(field).joined(separator: ","))
        }
        for key in entered.keys.sorted() { lines.append(["entered", key, "", key, entered[key]!].map(field).joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension AnnualReportExport: Content {}

extension AnnualReportExport {
    /// The report as a CSV download (`jaarverslag-2026.csv`, or with the branch's slug).
    static func csvResponse(_ export: AnnualReportExport, report: AnnualReport, service: InsightsService, branch: BranchLabel?) -> Response {
        let slugs = Dictionary(uniqueKeysWithValues: service.branches.map { ($0.id, $0.slug) })
        let body = export.csv(hours: report.branches.map { line in
            (slugs[line.id] ?? line.id.uuidString, line.name, line.visitsMethod, line.hours.staffed, line.hours.selfService)
        })
        return CSVText.response(body, filename: "jaarverslag-\(export.year)\(branch.map { "-" + $0.slug } ?? "").csv")
    }
}

/// Indicator values in words: counts whole (grouped by thousands, "12.480"), ratios with two decimals, shares as a whole
/// percentage, in the page's language; "—" when unknown.
enum MeasurementText {
    static func value(_ value: Double?, unit: IndicatorUnit, english: Bool) -> String {
        guard let value else { return "—" }
        switch unit {
        case .count: return Formats.count(Int(value.rounded()), english ? .en : .nl)
        case .ratio: return Formats.decimal(value, digits: 2, english: english)
        case .percent: return Formats.decimal(value * 100, digits: 0, english: english) + "%"
        }
    }
}
