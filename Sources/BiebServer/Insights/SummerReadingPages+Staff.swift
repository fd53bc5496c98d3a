import Foundation
import Vapor
import BiebCore
import BiebStore

/// Summer reading (`/staff/inzicht/zomerlezen`): the reading programmes'
/// participants and finishers, and their borrowing in June against
/// July–August, this year against last year (`SummerReadingReport`).
struct SummerReadingPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.staffPages().get("inzicht", "zomerlezen", use: show)
    }

    struct Row: Encodable {
        let label: String
        let current: String
        let previous: String
    }

    struct Context: Encodable {
        let page: PageContext
        let year: Int
        let previous: Int
        let years: [FormOption]
        let rows: [Row]
    }

    func show(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let year = try service.year(req.query[Int.self, at: "jaar"] ?? SummerReadingReport.defaultYear(service))
        let english = page.lang == .en
        let report = try await SummerReadingReport.make(year: year, service: service, english: english)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        return try await page.render("staff/summer-reading", Context(
            page: page.context(page.t("summer_title")), year: year, previous: year - 1,
            years: (0..<5).map { service.today.year - $0 }.map { FormOption(value: String($0), label: String($0), selected: $0 == year) },
            rows: report.lines.map { Row(label: english ? $0.label_en : $0.label_nl, current: formats.figure($0.current), previous: formats.figure($0.previous)) }))
    }
}
