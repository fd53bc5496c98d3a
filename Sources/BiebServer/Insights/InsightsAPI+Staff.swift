import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Management information over the API (`viewInsights`): a year's months
/// of one kind of fact, for the organisation or a branch and an audience;
/// each of the dashboard's charts (`InsightCharts`, JSON or CSV);
/// the indicator catalogue; measurements with their frozen snapshots; the
/// annual report (JSON or CSV), what staff fill in on it, and publishing it.
/// The numbers leave Bieb, so a count under 5 is only "<5".
struct InsightsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("insights", "months", use: months)
        api.get("insights", "charts", ":chart", use: chart)
        api.get("insights", "indicators", use: indicators)
        api.get("insights", "measurements", use: measurements)
        api.post("insights", "measurements", use: createMeasurement)
        api.get("insights", "measurements", ":measurementID", use: measurement)
        api.delete("insights", "measurements", ":measurementID", use: deleteMeasurement)
        api.get("insights", "annual-reports", ":year", use: annualReport)
        api.put("insights", "annual-reports", ":year", "entered", use: saveEntered)
        api.post("insights", "annual-reports", ":year", "publish", use: publish)
        api.on(.POST, "insights", "visitor-counts", body: .collect(maxSize: "20mb"), use: importVisitorCounts)
        api.put("insights", "visitor-counts", use: countVisitors)
    }

    /// A people counter's export (the body, CSV) for a branch: imported whole, or refused with every bad line (422).
    func importVisitorCounts(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let (branch, settings) = try req.query.decode(VisitorImportFields.self).settings(service)
        let text = req.body.string ?? ""
        let outcome = try await VisitorImport.run(text, branch: branch, settings: settings, service: service, english: Language.of(req) == .en)
        return try await outcome.encodeResponse(status: outcome.imported ? .ok : .unprocessableEntity, for: req)
    }

    /// Staff's count of a day's visitors (replaces an earlier count of that day).
    func countVisitors(req: Request) async throws -> HTTPStatus {
        let service = try await InsightsService.make(req)
        let (branch, day) = try req.content.decode(ManualVisitorFields.self).day(service)
        try await VisitorCounts(service.db, organisationID: service.organisationID).record([day], branch: branch.id, source: .manual)
        return .noContent
    }

    struct IndicatorDTO: Content {
        let id: String
        let name_nl: String
        let name_en: String
        let definition_nl: String
        let definition_en: String
        let unit: String

        init(_ indicator: Indicator) {
            id = indicator.id
            name_nl = indicator.nameNL
            name_en = indicator.nameEN
            definition_nl = indicator.definitionNL
            definition_en = indicator.definitionEN
            unit = indicator.unit.rawValue
        }
    }

    func indicators(req: Request) async throws -> [IndicatorDTO] {
        _ = try await InsightsService.make(req)
        return Indicator.catalogue.map(IndicatorDTO.init)
    }

    struct SnapshotDTO: Content {
        let day: String
        /// The value; null when it cannot be known, or when a count is under 5.
        let value: Double?
        /// The value as it may be shown ("<5" for a count under 5, "—" when unknown).
        let shown: String
        let numerator: String?
        let denominator: String?
        let census_day: String?
        let definition_nl: String
        let definition_en: String
        let taken_at: Date

        init(_ snapshot: Snapshot, unit: IndicatorUnit) {
            day = snapshot.day.iso
            let hidden = unit == .count && (snapshot.value.map { $0 < Double(SmallCells.threshold) } ?? false)
            value = hidden ? nil : snapshot.value
            shown = hidden ? SmallCells.hidden : MeasurementText.value(snapshot.value, unit: unit, english: true)
            numerator = snapshot.numerator.map(SmallCells.text)
            denominator = snapshot.denominator.map(SmallCells.text)
            census_day = snapshot.censusDay?.iso
            definition_nl = snapshot.definitionNL
            definition_en = snapshot.definitionEN
            taken_at = snapshot.takenAt
        }
    }

    struct MeasurementDTO: Content {
        let id: Int
        let indicator: String
        let branch: String?
        let title: String
        let start: String
        let end: String
        let target: Double?
        let start_snapshot: SnapshotDTO?
        let end_snapshot: SnapshotDTO?
        let change: Double?
        let relative_change: Double?
        let target_met: Bool?

        init(_ m: IndicatorMeasurement, service: InsightsService) {
            let unit = Indicator.named(m.indicator)?.unit ?? .count
            id = m.id
            indicator = m.indicator
            branch = service.slug(m.branchID)
            title = m.title
            start = m.start.iso
            end = m.end.iso
            target = m.target
            start_snapshot = m.startSnapshot.map { SnapshotDTO($0, unit: unit) }
            end_snapshot = m.endSnapshot.map { SnapshotDTO($0, unit: unit) }
            // A change between hidden counts would give them away.
            let hidden = start_snapshot?.value == nil && start_snapshot != nil || end_snapshot?.value == nil && end_snapshot != nil
            change = hidden ? nil : m.outcome.change
            relative_change = hidden ? nil : m.outcome.relativeChange
            target_met = m.outcome.targetMet
        }
    }

    func measurements(req: Request) async throws -> [MeasurementDTO] {
        let service = try await InsightsService.make(req)
        return try await service.measurements.all().map { MeasurementDTO($0, service: service) }
    }

    func measurement(req: Request) async throws -> MeasurementDTO {
        let service = try await InsightsService.make(req)
        return MeasurementDTO(try await service.measurement(req.parameters.get("measurementID", as: Int.self)), service: service)
    }

    func createMeasurement(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let draft = try req.content.decode(MeasurementFields.self).draft(service)
        let made = try await service.measurements.create(draft, today: service.today)
        return try await MeasurementDTO(made, service: service).encodeResponse(status: .created, for: req)
    }

    func deleteMeasurement(req: Request) async throws -> HTTPStatus {
        let service = try await InsightsService.make(req)
        try await service.measurements.delete(try await service.measurement(req.parameters.get("measurementID", as: Int.self)).id)
        return .noContent
    }

    /// The annual report of `year` (`?branch=` one branch's), as JSON or with `?format=csv` as CSV.
    func annualReport(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let year = try service.reportYear(req.parameters.get("year", as: Int.self))
        let branch = try service.branch(req.query[String.self, at: "branch"])
        let (_, report, export) = try await service.annualReport(year, branch: branch, english: Language.of(req) == .en)
        if req.query[String.self, at: "format"] == "csv" {
            return AnnualReportExport.csvResponse(export, report: report, service: service, branch: branch)
        }
        return try await export.encodeResponse(for: req)
    }

    func saveEntered(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let year = try service.reportYear(req.parameters.get("year", as: Int.self))
        try await service.reports.saveEntered(try req.content.decode(AnnualReportFields.self).entered(), year: year)
        return try await annualReport(req: req)
    }

    func publish(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let year = try service.reportYear(req.parameters.get("year", as: Int.self))
        _ = try await service.reports.publish(year: year, by: service.user.name, today: service.today, timeZone: service.organisation.zone)
        return try await annualReport(req: req)
    }

    struct MonthDTO: Content {
        let month: String
        /// The count; null when under 5.
        let count: Int?
        /// The count as it may be shown: the number, or "<5".
        let shown: String
    }

    struct MonthsDTO: Content {
        let kind: String
        let year: Int
        let branch: String?
        let audience: String?
        let months: [MonthDTO]
    }

    func months(req: Request) async throws -> MonthsDTO {
        let service = try await InsightsService.make(req)
        let kindText = req.query[String.self, at: "kind"] ?? FactKind.loan.rawValue
        guard let kind = FactKind(rawValue: kindText) else {
            let known = FactKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw BiebError.invalid("kind", "Choose one of: \(known).", nl: "Kies een van: \(known).")
        }
        let audience = req.query[String.self, at: "audience"]
        if let audience, !["youth", "adult", "unknown"].contains(audience) {
            throw BiebError.invalid("audience", "Choose youth, adult or unknown.", nl: "Kies youth, adult of unknown.")
        }
        let year = try service.year(req.query[Int.self, at: "year"])
        let branch = try service.branch(req.query[String.self, at: "branch"])
        let months = try await service.months(kind, year: year, branch: branch?.id, audience: audience)
        return MonthsDTO(kind: kind.rawValue, year: year, branch: branch?.slug, audience: audience, months: months.map {
            MonthDTO(month: $0.month, count: $0.count < SmallCells.threshold ? nil : $0.count, shown: SmallCells.text($0.count))
        })
    }

    /// A cell of a chart as it leaves Bieb: the count from 5 up, else the text "<5".
    enum ChartCell: Codable, Equatable {
        case count(Int)
        case hidden

        init(_ count: Int) { self = count < SmallCells.threshold ? .hidden : .count(count) }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = (try? container.decode(Int.self)).map(ChartCell.count) ?? .hidden
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .count(let count): try container.encode(count)
            case .hidden: try container.encode(SmallCells.hidden)
            }
        }
    }

    struct ChartSeriesDTO: Content {
        let key: String
        let name: String
        let values: [ChartCell]
    }

    struct ChartDTO: Content {
        let chart: String
        let year: Int
        let branch: String?
        let title: String
        let description: String
        let dimension: String
        let keys: [String]
        let labels: [String]
        let series: [ChartSeriesDTO]

        init(_ data: InsightChartData) {
            chart = data.chart.rawValue
            year = data.year
            branch = data.branch?.slug
            title = data.title
            description = data.summary
            dimension = data.dimension.rawValue
            keys = data.keys
            labels = data.labels
            series = data.series.map { ChartSeriesDTO(key: $0.key, name: $0.name, values: $0.values.map(ChartCell.init)) }
        }
    }

    /// One of the dashboard's charts for a year (`?year=`, this year by default) and the organisation or a branch
    /// (`?branch=`), in the request's language; JSON, or CSV with `?format=csv`. An unknown chart is 404.
    func chart(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        guard let chart = req.parameters.get("chart").flatMap(InsightChart.init(rawValue:)) else {
            throw BiebError.notFound("chart", nl: "Grafiek niet gevonden.")
        }
        let year = try service.year(req.query[Int.self, at: "year"])
        let branch = try service.branch(req.query[String.self, at: "branch"])
        let data = try await InsightCharts(service: service, lang: Language.of(req), year: year, branch: branch).data(chart)
        if req.query[String.self, at: "format"] == "csv" { return CSVText.response(data.csv, filename: data.filename) }
        return try await ChartDTO(data).encodeResponse(for: req)
    }
}
