import Foundation
import Vapor
import BiebCore
import BiebStore

/// Digital use (`/staff/inzicht/digitaal`): upload a vendor's usage report
/// (COUNTER R5 JSON or tabular, or a plain CSV — read as the API reads it),
/// see what it held or every bad line when it is refused; and the year's use
/// per month against the year before (an SVG chart with its table) and per
/// platform and metric.
struct DigitalUsePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("inzicht", "digitaal", use: show)
        staff.on(.POST, "inzicht", "digitaal", "import", body: .collect(maxSize: "50mb"), use: upload)
    }

    struct Line: Encodable {
        let platform: String
        let metric: String
        let countsAsUse: Bool
        let total: String
    }

    struct MonthRow: Encodable {
        let month: String
        let current: String
        let previous: String
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let outcome: DigitalUseImport.Outcome?
        let year: Int
        let previous: Int
        let years: [FormOption]
        let chart: String
        let rows: [MonthRow]
        let lines: [Line]
    }

    static let fields: Set<String> = ["provider", "file"]

    struct Query: Content {
        var jaar: Int?
    }

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, outcome: nil)
    }

    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?, outcome: DigitalUseImport.Outcome?) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let year = try service.year(try? req.query.decode(Query.self).jaar)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let store = DigitalUse(service.db, organisationID: service.organisationID)
        let (current, before) = (try await store.year(year), try await store.year(year - 1))
        func uses(_ lines: [(platform: String, metric: String, months: [String: Int])], _ year: Int) -> [Int] {
            (1...12).map { month in
                let key = String(format: "%04d-%02d", year, month)
                return lines.filter { DigitalUseMetric.countsAsUse($0.metric) }.map { $0.months[key] ?? 0 }.reduce(0, +)
            }
        }
        let (now, then) = (uses(current, year), uses(before, year - 1))
        let chart = BarChart(title: page.t("digital_chart", ["year": String(year)]),
                             summary: page.t("digital_chart_summary", ["year": String(year), "previous": String(year - 1),
                                                                       "total": formats.count(now.reduce(0, +)), "previous_total": formats.count(then.reduce(0, +))]),
                             labels: (1...12).map { String(formats.monthName($0).prefix(3)) },
                             series: [.init(name: String(year), values: now), .init(name: String(year - 1), values: then)], locale: page.lang.locale)
        let failed = refused != nil || outcome?.imported == false
        return try await page.render("staff/digital", Context(
            page: page.context(page.t("digital_title")), errors: page.formErrors(refused?.error, fields: Self.fields),
            form: refused?.form ?? FormValues(), outcome: outcome, year: year, previous: year - 1,
            years: (0..<5).map { service.today.year - $0 }.map { FormOption(value: String($0), label: String($0), selected: $0 == year) },
            chart: chart.svg(id: "digital"),
            rows: (0..<12).map { MonthRow(month: formats.monthName($0 + 1), current: formats.count(now[$0]), previous: formats.count(then[$0])) },
            lines: current.map { Line(platform: $0.platform, metric: $0.metric, countsAsUse: DigitalUseMetric.countsAsUse($0.metric),
                                      total: formats.count($0.months.values.reduce(0, +))) }),
            status: failed ? .unprocessableEntity : .ok)
    }

    func upload(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        do {
            let fields = try req.content.decode(DigitalUseFields.self)
            guard let file = fields.file, file.data.readableBytes > 0 else {
                throw BiebError.invalid("file", "Choose the provider's report (COUNTER JSON, CSV or TSV).",
                                        nl: "Kies het rapport van de aanbieder (COUNTER-JSON, CSV of TSV).")
            }
            let outcome = try await DigitalUseImport.run(Data(buffer: file.data), provider: fields.provider, service: service,
                                                         english: Language.of(req) == .en)
            return try await render(req, refused: nil, outcome: outcome)
        } catch let error as BiebError where error.kind == .invalid {
            let fields = try? req.content.decode(DigitalUseFields.self)
            return try await render(req, refused: (error, FormValues(["provider": [fields?.provider ?? ""]])), outcome: nil)
        }
    }
}
