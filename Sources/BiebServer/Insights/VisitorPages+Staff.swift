import Foundation
import Vapor
import BiebCore
import BiebStore

/// Visitor counts (`/staff/inzicht/bezoekers`): upload a people counter's
/// export for a branch (read as the API reads it, `VisitorImportFields`),
/// see what was corrected and estimated, or every bad line when it is
/// refused; and type a day's count where no counter stands.
struct VisitorPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("inzicht", "bezoekers", use: show)
        staff.on(.POST, "inzicht", "bezoekers", "import", body: .collect(maxSize: "20mb"), use: upload)
        staff.post("inzicht", "bezoekers", "telling", use: count)
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let branches: [FormOption]
        let readings: [FormOption]
        let outcome: VisitorImport.Outcome?
        let today: String
    }

    static let fields: Set<String> = ["branch", "readings", "file", "day", "count"]

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, outcome: nil)
    }

    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?, outcome: VisitorImport.Outcome?) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let typed = refused?.form ?? FormValues()
        let chosen = typed["branch"] ?? outcome?.branch ?? ""
        let context = Context(
            page: page.context(page.t("visitors_title")), errors: page.formErrors(refused?.error, fields: Self.fields), form: typed,
            branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == chosen) },
            readings: PeopleCounterImport.Readings.allCases.map {
                FormOption(value: $0.rawValue, label: page.t("visitors_readings_\($0.rawValue)"), selected: (typed["readings"] ?? "interval") == $0.rawValue)
            },
            outcome: outcome, today: service.today.iso)
        let failed = refused != nil || outcome?.imported == false
        return try await page.render("staff/visitors", context, status: failed ? .unprocessableEntity : .ok)
    }

    func upload(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        do {
            let fields = try req.content.decode(VisitorImportFields.self)
            let (branch, settings) = try fields.settings(service)
            guard let file = fields.file, file.data.readableBytes > 0 else {
                throw BiebError.invalid("file", "Choose the counter's export (a CSV file).", nl: "Kies de export van de teller (een CSV-bestand).")
            }
            let outcome = try await VisitorImport.run(String(buffer: file.data), branch: branch, settings: settings, service: service,
                                                      english: Language.of(req) == .en)
            return try await render(req, refused: nil, outcome: outcome)
        } catch let error as BiebError where error.kind == .invalid {
            let fields = try? req.content.decode(VisitorImportFields.self)
            return try await render(req, refused: (error, FormValues(["branch": [fields?.branch ?? ""], "readings": [fields?.readings ?? ""]])), outcome: nil)
        }
    }

    func count(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        do {
            let (branch, day) = try req.content.decode(ManualVisitorFields.self).day(service)
            try await VisitorCounts(service.db, organisationID: service.organisationID).record([day], branch: branch.id, source: .manual)
            return req.redirect(to: "/staff/inzicht/bezoekers", done: "visitors_counted")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: (error, FormValues(req)), outcome: nil)
        }
    }
}
