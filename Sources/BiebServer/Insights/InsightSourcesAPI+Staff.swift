import Foundation
import Vapor
import BiebCore
import BiebStore

/// Numbers that come from outside the lending: a digital resource's usage
/// report (COUNTER R5 or a plain CSV) imported and read back per platform
/// (`viewInsights`), staff's head counts of occupied study places
/// (`circulate` at that branch: desk staff count as they walk past), and
/// the reading programmes' figures (summer reading, `viewInsights`).
struct InsightSourcesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.on(.POST, "insights", "digital-use", body: .collect(maxSize: "50mb"), use: importDigitalUse)
        api.get("insights", "digital-use", use: digitalUse)
        api.post("insights", "study-counts", use: countStudyPlaces)
        api.get("insights", "summer-reading", use: summerReading)
    }

    /// Summer reading: the reading programmes of a year against the year before (`SummerReadingReport`).
    func summerReading(req: Request) async throws -> SummerReadingReport.DTO {
        let service = try await InsightsService.make(req)
        let year = try service.year(req.query[Int.self, at: "year"] ?? SummerReadingReport.defaultYear(service))
        let report = try await SummerReadingReport.make(year: year, service: service, english: Language.of(req) == .en)
        return SummerReadingReport.DTO(year: year, previous_year: year - 1, lines: report.lines)
    }

    /// A usage report as the body: imported whole, or refused with every bad line (422).
    func importDigitalUse(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let fields = try req.query.decode(DigitalUseFields.self)
        let data = req.body.data.map { Data(buffer: $0) } ?? Data()
        let outcome = try await DigitalUseImport.run(data, provider: fields.provider, service: service, english: Language.of(req) == .en)
        return try await outcome.encodeResponse(status: outcome.imported ? .ok : .unprocessableEntity, for: req)
    }

    struct YearDTO: Content {
        let year: Int
        let lines: [DigitalUseImport.Line]
    }

    /// A year's use per platform and metric, month by month.
    func digitalUse(req: Request) async throws -> YearDTO {
        let service = try await InsightsService.make(req)
        let year = try service.year(req.query[Int.self, at: "year"])
        return YearDTO(year: year, lines: try await DigitalUseImport.lines(year: year, service: service))
    }

    struct StudyCountDTO: Content {
        let branch: String
        let day: String
        let hour: String
        let occupied: Int
        let places: Int
        let occupancy: Double
    }

    /// A head count of the occupied study places at a branch, now.
    func countStudyPlaces(req: Request) async throws -> Response {
        _ = try req.staff(.circulate)
        let (branch, count) = try await StudyPlaceCount.record(try req.content.decode(StudyCountFields.self), req: req)
        return try await StudyCountDTO(branch: branch.slug, day: count.day.iso, hour: count.hour, occupied: count.occupied, places: count.places,
                                       occupancy: count.occupancy).encodeResponse(status: .created, for: req)
    }
}
