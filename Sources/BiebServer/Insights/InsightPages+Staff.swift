import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The management information page (`/staff/inzicht`) for the organisation
/// or one branch and a year: the year's totals and its active members, and
/// the dashboard's charts (`InsightCharts`: loans per month against the year
/// before, per audience, the seasons — visitors per month and loans per
/// weekday —, participants per core function and per theme), each an SVG drawn here with
/// its numbers as a table and a link to its CSV; in the organisation's
/// scope a table of the branches, each linking to the same page in that
/// branch's scope. The CSVs leave the page, so a cell under 5 is "<5"
/// (`SmallCells`).
struct InsightPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("inzicht", use: overview)
        staff.get("inzicht.csv", use: csv)
        staff.get("inzicht", "grafiek", ":file", use: chartCSV)
    }

    struct Row: Encodable {
        let label: String
        let values: [String]
    }

    /// A chart's section: the SVG, its numbers as a table, its CSV.
    struct ChartSection: Encodable {
        let id: String
        let heading: String
        let svg: String
        let caption: String
        /// The heading of the labels' column, then one per series.
        let dimension: String
        let columns: [String]
        let rows: [Row]
        let csvURL: String
    }

    struct Figure: Encodable {
        let label: String
        let value: String
    }

    struct BranchCell: Encodable {
        let value: String
        let change: String
    }

    /// A branch in the organisation's table: its page, and per measure this year's number and the change against the year before.
    struct BranchRow: Encodable {
        let name: String
        let url: String
        let cells: [BranchCell]
    }

    struct BranchTable: Encodable {
        let caption: String
        let measures: [String]
        let change: String
        let rows: [BranchRow]
        let csvURL: String
    }

    struct Context: Encodable {
        let page: PageContext
        let year: Int
        let years: [FormOption]
        let branches: [FormOption]
        let scope: String
        /// In a branch's scope: the organisation's page of the same year.
        let organisationURL: String?
        let organisation: String
        let figures: [Figure]
        let charts: [ChartSection]
        let branchTable: BranchTable?
    }

    struct Query: Content {
        var jaar: Int?
        var vestiging: String?
    }

    /// The query of a page in a scope and year (`?vestiging=oost&jaar=2026`, the organisation's `?jaar=2026`).
    static func query(year: Int, branch slug: String?) -> String { "?" + (slug.map { "vestiging=\($0)&" } ?? "") + "jaar=\(year)" }

    func overview(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let query = try req.query.decode(Query.self)
        let year = try service.year(query.jaar)
        let branch = try service.branch(query.vestiging)
        let charts = InsightCharts(service: service, lang: page.lang, year: year, branch: branch)
        let drawn = try await charts.data(InsightChart.drawn)

        // The year's totals: one query by kind; the youth's loans from the audiences' chart.
        let totals = try await charts.grouped([.loan, .renewal, .return, .memberJoined, .visit], years: year...year, by: [.kind])
        func total(_ kind: FactKind) -> Int { totals.filter { $0.keys[0] == kind.rawValue }.map(\.count).reduce(0, +) }
        var figures = [(FactKind.loan, "insights_loans"), (.renewal, "insights_renewals"), (.return, "insights_returns"),
                       (.memberJoined, "insights_new_members"), (.visit, "insights_door_visits")].map { Figure(label: page.t($0.1), value: charts.formats.count(total($0.0))) }
        let youthLoans = drawn.first { $0.chart == .audiences }?.series.first { $0.key == "youth" }?.values.reduce(0, +) ?? 0
        figures.append(Figure(label: page.t("insights_youth_loans"), value: charts.formats.count(youthLoans)))
        if branch == nil {
            for (youth, key) in [(false, "insights_active_members"), (true, "insights_active_youth_members")] {
                figures.append(Figure(label: page.t(key), value: try await service.activeMembers(year: year, youth: youth).map(charts.formats.count) ?? "—"))
            }
        }

        let suffix = Self.query(year: year, branch: branch?.slug)
        let sections = drawn.map { data in
            ChartSection(id: data.chart.rawValue, heading: page.t(data.chart.headingKey), svg: data.barChart(page.lang).svg(id: data.chart.rawValue),
                         caption: "\(page.t(data.chart.headingKey)), " + (data.chart.comparesYears ? "\(year) / \(year - 1)" : String(year)),
                         dimension: page.t(data.dimension.headingKey), columns: data.series.map(\.name),
                         rows: data.labels.indices.map { index in Row(label: data.labels[index], values: data.series.map { charts.formats.count($0.values[index]) }) },
                         csvURL: "/staff/inzicht/grafiek/\(data.chart.rawValue).csv" + suffix)
        }
        var branchTable: BranchTable?
        if branch == nil { branchTable = self.branchTable(try await charts.data(.branches), formats: charts.formats, page: page, suffix: suffix) }
        let yearOptions = (0..<5).map { service.today.year - $0 }.map { FormOption(value: String($0), label: String($0), selected: $0 == year) }
        let branchOptions = [FormOption(value: "", label: service.organisation.name, selected: branch == nil)]
            + service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == branch?.id) }
        return try await page.render("staff/insights", Context(
            page: page.context(page.t("insights_title")), year: year, years: yearOptions, branches: branchOptions, scope: charts.scope,
            organisationURL: branch == nil ? nil : "/staff/inzicht" + Self.query(year: year, branch: nil), organisation: service.organisation.name,
            figures: figures, charts: sections, branchTable: branchTable))
    }

    /// The branches' table: this year's number of each measure and its change against the year before.
    func branchTable(_ data: InsightChartData, formats: Formats, page: StaffPages.Page, suffix: String) -> BranchTable {
        let previous = data.year - 1
        func change(_ now: Int, _ before: Int) -> String {
            guard before > 0 else { return "—" }
            let relative = Double(now - before) / Double(before) * 100
            return (relative >= 0 ? "+" : "") + formats.decimal(relative, digits: 1) + " %"
        }
        let rows = data.keys.indices.map { index in
            BranchRow(name: data.labels[index], url: "/staff/inzicht" + Self.query(year: data.year, branch: data.keys[index]),
                      cells: InsightCharts.branchMeasures.map { measure in
                          let now = data.series.first { $0.key == "\(measure.key)_\(data.year)" }?.values[index] ?? 0
                          let before = data.series.first { $0.key == "\(measure.key)_\(previous)" }?.values[index] ?? 0
                          return BranchCell(value: formats.count(now), change: change(now, before))
                      })
        }
        return BranchTable(caption: page.t("insights_branches_table", ["year": String(data.year), "previous": String(previous)]),
                           measures: InsightCharts.branchMeasures.map { page.t($0.label) }, change: page.t("insights_change", ["previous": String(previous)]),
                           rows: rows, csvURL: "/staff/inzicht/grafiek/branches.csv" + suffix)
    }

    /// A chart as CSV (`/staff/inzicht/grafiek/loans.csv?jaar=2026&vestiging=oost`): every cell under 5 is "<5".
    func chartCSV(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let file = req.parameters.get("file") ?? ""
        guard file.hasSuffix(".csv"), let chart = InsightChart(rawValue: String(file.dropLast(4))) else {
            throw BiebError.notFound("chart", nl: "Grafiek niet gevonden.")
        }
        let query = try req.query.decode(Query.self)
        let data = try await InsightCharts(service: service, lang: Language.of(req), year: try service.year(query.jaar),
                                           branch: try service.branch(query.vestiging)).data(chart)
        return CSVText.response(data.csv, filename: data.filename)
    }

    /// The months as CSV: month, loans, youth loans, adult loans (a cell under 5 is "<5": the breakdown leaves the page).
    func csv(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let query = try req.query.decode(Query.self)
        let year = try service.year(query.jaar)
        let branch = try service.branch(query.vestiging)
        let charts = InsightCharts(service: service, lang: Language.of(req), year: year, branch: branch)
        let made = try await charts.data([.loans, .audiences])
        let (all, audiences) = (made[0].series[0].values, made[1])
        let (youth, adult) = (audiences.series[0].values, audiences.series[1].values)
        var lines = ["month,loans,youth_loans,adult_loans"]
        for index in 0..<12 {
            lines.append([String(format: "%04d-%02d", year, index + 1), SmallCells.text(all[index]), SmallCells.text(youth[index]),
                          SmallCells.text(adult[index])].joined(separator: ","))
        }
        return CSVText.response(lines.joined(separator: "\r\n") + "\r\n", filename: "uitleningen-\(year)\(branch.map { "-" + $0.slug } ?? "").csv")
    }
}
