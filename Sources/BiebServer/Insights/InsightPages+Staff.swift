import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The management information page (`/staff/inzicht`): a year's loans per
/// month against the year before (an SVG chart drawn here, with its
/// numbers as a table), the year's totals and its active members, for the
/// organisation or one branch; and the same months as CSV, where a cell
/// under 5 is "<5" (`SmallCells`).
struct InsightPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("inzicht", use: overview)
        staff.get("inzicht.csv", use: csv)
    }

    struct MonthRow: Encodable {
        let month: String
        let current: Int
        let previous: Int
    }

    struct Figure: Encodable {
        let label: String
        let value: String
    }

    struct Context: Encodable {
        let page: PageContext
        let year: Int
        let previous: Int
        let years: [FormOption]
        let branches: [FormOption]
        let scope: String
        let chart: String
        let rows: [MonthRow]
        let figures: [Figure]
        let csvURL: String
        /// Participants per core function, this year and the year before (chart and table).
        let functionsChart: String
        let functions: [MonthRow]
    }

    struct Query: Content {
        var jaar: Int?
        var vestiging: String?
    }

    func overview(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let query = try req.query.decode(Query.self)
        let year = try service.year(query.jaar)
        let branch = try service.branch(query.vestiging)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let current = try await service.months(.loan, year: year, branch: branch?.id)
        let previous = try await service.months(.loan, year: year - 1, branch: branch?.id)
        let monthNames = (1...12).map { String(formats.monthName($0).prefix(3)) }
        let scope = branch?.name ?? service.organisation.name
        let chart = BarChart(title: page.t("insights_loans_chart", ["scope": scope]),
                             summary: page.t("insights_loans_chart_summary", ["year": String(year), "previous": String(year - 1),
                                                                              "total": String(current.map(\.count).reduce(0, +)),
                                                                              "previous_total": String(previous.map(\.count).reduce(0, +))]),
                             labels: monthNames,
                             series: [.init(name: String(year), values: current.map(\.count)), .init(name: String(year - 1), values: previous.map(\.count))])
        var figures: [Figure] = []
        for (kind, key) in [(FactKind.loan, "insights_loans"), (.renewal, "insights_renewals"), (.return, "insights_returns"),
                            (.memberJoined, "insights_new_members"), (.visit, "insights_door_visits")] {
            let total = try await service.months(kind, year: year, branch: branch?.id).map(\.count).reduce(0, +)
            figures.append(Figure(label: page.t(key), value: String(total)))
        }
        let youthLoans = try await service.months(.loan, year: year, branch: branch?.id, audience: "youth").map(\.count).reduce(0, +)
        figures.append(Figure(label: page.t("insights_youth_loans"), value: String(youthLoans)))
        if branch == nil {
            for (youth, key) in [(false, "insights_active_members"), (true, "insights_active_youth_members")] {
                figures.append(Figure(label: page.t(key), value: try await service.activeMembers(year: year, youth: youth).map(String.init) ?? "—"))
            }
        }
        // Participants per core function against the year before.
        let english = page.lang == .en
        func participants(_ year: Int) async throws -> [String: Int] {
            let lines = try await InsightRollups(service.db, organisationID: service.organisationID)
                .grouped([.activityParticipant], from: LocalDate(year: year, month: 1, day: 1)!, through: LocalDate(year: year, month: 12, day: 31)!,
                         branch: branch?.id, by: [.coreFunction])
            return Dictionary(lines.map { ($0.keys[0], $0.count) }, uniquingKeysWith: +)
        }
        let (now, before) = (try await participants(year), try await participants(year - 1))
        let functions = CoreFunction.allCases
        let functionsChart = BarChart(
            title: page.t("insights_functions_chart", ["scope": scope]),
            summary: page.t("insights_functions_chart_summary", ["year": String(year), "previous": String(year - 1)]),
            labels: functions.map { $0.name(english: english) },
            series: [.init(name: String(year), values: functions.map { now[$0.rawValue] ?? 0 }),
                     .init(name: String(year - 1), values: functions.map { before[$0.rawValue] ?? 0 })])
        let yearOptions = (0..<5).map { service.today.year - $0 }.map { FormOption(value: String($0), label: String($0), selected: $0 == year) }
        let branchOptions = [FormOption(value: "", label: service.organisation.name, selected: branch == nil)]
            + service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == branch?.id) }
        return try await page.render("staff/insights", Context(
            page: page.context(page.t("insights_title")), year: year, previous: year - 1, years: yearOptions, branches: branchOptions,
            scope: scope, chart: chart.svg(id: "loans"),
            rows: zip(current, previous).enumerated().map { MonthRow(month: formats.monthName($0.offset + 1), current: $0.element.0.count,
                                                                     previous: $0.element.1.count) },
            figures: figures, csvURL: "/staff/inzicht.csv?jaar=\(year)" + (branch.map { "&vestiging=\($0.slug)" } ?? ""),
            functionsChart: functionsChart.svg(id: "functions"),
            functions: functions.map { MonthRow(month: $0.name(english: english), current: now[$0.rawValue] ?? 0, previous: before[$0.rawValue] ?? 0) }))
    }

    /// The months as CSV: month, loans, youth loans, adult loans (a cell under 5 is "<5": the breakdown leaves the page).
    func csv(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let query = try req.query.decode(Query.self)
        let year = try service.year(query.jaar)
        let branch = try service.branch(query.vestiging)
        let all = try await service.months(.loan, year: year, branch: branch?.id)
        let youth = try await service.months(.loan, year: year, branch: branch?.id, audience: "youth")
        let adult = try await service.months(.loan, year: year, branch: branch?.id, audience: "adult")
        var lines = ["month,loans,youth_loans,adult_loans"]
        for index in 0..<12 {
            lines.append([all[index].month, SmallCells.text(all[index].count), SmallCells.text(youth[index].count),
                          SmallCells.text(adult[index].count)].joined(separator: ","))
        }
        return CSVText.response(lines.joined(separator: "\r\n") + "\r\n", filename: "uitleningen-\(year)\(branch.map { "-" + $0.slug } ?? "").csv")
    }
}
