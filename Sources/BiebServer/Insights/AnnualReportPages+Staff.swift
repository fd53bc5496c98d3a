import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The annual report (`/staff/inzicht/jaarverslag`): for a year and the
/// organisation or a branch, the national statistics' figures along the
/// five core functions with charts drawn here (their numbers in the tables
/// beside them), printable for the municipality; the form for what staff
/// fill in (the API's decoding, `AnnualReportFields`) while it is a draft;
/// publishing a year that ended; CSV and JSON. Every breakdown goes out
/// through `AnnualReportExport` (`SmallCells`).
struct AnnualReportPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("inzicht", "jaarverslag", use: show)
        staff.get("inzicht", "jaarverslag.csv", use: csv)
        staff.post("inzicht", "jaarverslag", "gegevens", use: saveEntered)
        staff.post("inzicht", "jaarverslag", "publiceren", use: publish)
    }

    struct Query: Content {
        var jaar: Int?
        var vestiging: String?
    }

    struct Row: Encodable {
        let label: String
        let cells: [String]
    }

    struct Table: Encodable {
        let caption: String
        let headings: [String]
        let rows: [Row]
        let total: [String]
    }

    struct HoursRow: Encodable {
        let name: String
        let staffed: String
        let selfService: String
        let kind: String
        let method: String
    }

    struct Context: Encodable {
        let page: PageContext
        let year: Int
        let scope: String
        let years: [FormOption]
        let branches: [FormOption]
        let published: String?
        let canPublish: Bool
        let canEnter: Bool
        let errors: FormErrors?
        let form: FormValues
        /// Members, and collection with loans.
        let summary: [Table]
        let activities: Table
        let branchTable: Table
        let hours: [HoursRow]
        let activityChart: String
        let loansChart: String
        let renewals: String
        let entered: [FormOption]
        let csvURL: String
        let jsonURL: String
        let query: String
    }

    static let fields: Set<String> = ["fte", "staff_persons", "volunteers", "income_euros", "expenses_euros", "notes"]

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil)
    }

    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let query = try req.query.decode(Query.self)
        let year = try service.reportYear(query.jaar)
        let branch = try service.branch(query.vestiging)
        let (book, report, export) = try await service.annualReport(year, branch: branch, english: english)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        func table(_ table: AnnualReportExport.Table, caption: String, first: String) -> Table {
            Table(caption: caption, headings: [first] + table.measures.map { page.t("report_measure_\($0)") },
                  rows: table.lines.map { line in Row(label: line.label, cells: table.measures.map { formats.figure(line.cells[$0] ?? "") }) },
                  total: table.totals.isEmpty ? [] : [page.t("report_total")] + table.measures.map { formats.count(table.totals[$0] ?? 0) })
        }
        // Participants per core function, one series per form.
        let functions = CoreFunction.allCases
        let activityChart = BarChart(
            title: page.t("report_activity_chart", ["year": String(year)]), summary: page.t("report_activity_chart_summary"),
            labels: functions.map { $0.name(english: english) },
            series: ActivityPresence.allCases.map { presence in
                BarChart.Series(name: presence.name(english: english), values: functions.map { function in
                    report.activities.first { $0.coreFunction == function.rawValue && $0.presence == presence.rawValue }?.participants ?? 0
                })
            }, locale: page.lang.locale)
        let loansChart = BarChart(
            title: page.t("report_loans_chart", ["year": String(year)]), summary: page.t("report_loans_chart_summary"),
            labels: report.collection.map { CollectionSegment(rawValue: $0.segment)?.name(english: english) ?? $0.segment },
            series: [.init(name: page.t("report_measure_loans"), values: report.collection.map(\.loans)),
                     .init(name: page.t("report_measure_copies"), values: report.collection.map(\.copies))], locale: page.lang.locale)
        func hours(_ value: Double) -> String { formats.decimal(value, digits: 1) }
        // FTE as it was entered ("12,25"): the form shows it again and saves it back unchanged.
        func fte(_ value: Double) -> String { formats.decimal(value, digits: nil) }
        let e = report.entered
        let entered: [FormOption] = [("fte", e.fte.map(fte)), ("staff_persons", e.staffPersons.map(formats.count)),
                                     ("volunteers", e.volunteers.map(formats.count)), ("income_euros", e.incomeEuros.map(formats.count)),
                                     ("expenses_euros", e.expensesEuros.map(formats.count)), ("notes", e.notes.isEmpty ? nil : e.notes)]
            .map { FormOption(value: $0.1 ?? "—", label: page.t("report_entered_\($0.0)"), selected: false) }
        let values = refused?.form ?? FormValues([
            "fte": e.fte.map { [fte($0)] } ?? [], "staff_persons": e.staffPersons.map { [String($0)] } ?? [],
            "volunteers": e.volunteers.map { [String($0)] } ?? [], "income_euros": e.incomeEuros.map { [String($0)] } ?? [],
            "expenses_euros": e.expensesEuros.map { [String($0)] } ?? [], "notes": [e.notes],
        ])
        let scopeQuery = "jaar=\(year)" + (branch.map { "&vestiging=\($0.slug)" } ?? "")
        let context = Context(
            page: page.context(page.t("report_title")), year: year, scope: export.scope,
            years: (1...6).map { service.today.year - $0 + 1 }.map { FormOption(value: String($0), label: String($0), selected: $0 == year) },
            branches: [FormOption(value: "", label: service.organisation.name, selected: branch == nil)]
                + service.branches.map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == branch?.id) },
            published: book.publishedAt.map { formats.dateWithYear(LocalDate($0, in: service.organisation.zone)) + (book.publishedBy.map { ", \($0)" } ?? "") },
            canPublish: !book.isPublished && year < service.today.year && branch == nil, canEnter: !book.isPublished && branch == nil,
            errors: page.formErrors(refused?.error, fields: Self.fields), form: values,
            summary: [table(export.members, caption: page.t("report_members"), first: page.t("report_group")),
                      table(export.collection, caption: page.t("report_collection"), first: page.t("report_segment")),
                      table(export.services, caption: page.t("report_services"), first: page.t("report_service"))],
            activities: table(export.activities, caption: page.t("report_activities"), first: page.t("report_core_function")),
            branchTable: table(export.branches, caption: page.t("report_branches"), first: page.t("report_branch")),
            hours: report.branches.map { line in
                HoursRow(name: line.name, staffed: hours(line.hours.staffed), selfService: hours(line.hours.selfService),
                         kind: page.t("report_class_\(line.hours.class.rawValue)"), method: page.t("report_visits_\(line.visitsMethod)"))
            },
            activityChart: activityChart.svg(id: "activities"), loansChart: loansChart.svg(id: "loans"), renewals: formats.count(report.renewals),
            entered: entered, csvURL: "/staff/inzicht/jaarverslag.csv?\(scopeQuery)",
            jsonURL: "/api/v1/insights/annual-reports/\(year)" + (branch.map { "?branch=\($0.slug)" } ?? ""), query: scopeQuery)
        return try await page.render("staff/annual_report", context, status: refused == nil ? .ok : .unprocessableEntity)
    }

    func csv(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let query = try req.query.decode(Query.self)
        let year = try service.reportYear(query.jaar)
        let branch = try service.branch(query.vestiging)
        let (_, report, export) = try await service.annualReport(year, branch: branch, english: Language.of(req) == .en)
        return AnnualReportExport.csvResponse(export, report: report, service: service, branch: branch)
    }

    func saveEntered(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let year = try service.reportYear(try req.query.decode(Query.self).jaar)
        do {
            try await service.reports.saveEntered(try req.content.decode(AnnualReportFields.self).entered(), year: year)
            return req.redirect(to: "/staff/inzicht/jaarverslag?jaar=\(year)", done: "report_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: (error, FormValues(req)))
        }
    }

    func publish(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let year = try service.reportYear(try req.query.decode(Query.self).jaar)
        _ = try await service.reports.publish(year: year, by: service.user.name, today: service.today, timeZone: service.organisation.zone)
        return req.redirect(to: "/staff/inzicht/jaarverslag?jaar=\(year)", done: "report_published")
    }
}
