import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Measurements (`/staff/inzicht/metingen`): each with its start and end
/// snapshot, the change and whether the target is met; the form to set one
/// up (the same decoding as the API, `MeasurementFields`); and the
/// catalogue's definitions written out.
struct MeasurementPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("inzicht", "metingen", use: list)
        staff.post("inzicht", "metingen", use: create)
        staff.post("inzicht", "metingen", ":measurementID", "verwijderen", use: delete)
    }

    struct Line: Encodable {
        let id: Int
        let title: String
        let indicator: String
        let scope: String
        let start: String
        let end: String
        let startValue: String
        let endValue: String
        let startTaken: String?
        let endTaken: String?
        let change: String
        let target: String?
        let met: String?
        let definition: String
    }

    struct Definition: Encodable {
        let name: String
        let definition: String
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let indicators: [FormOption]
        let scopes: [FormOption]
        let lines: [Line]
        let catalogue: [Definition]
    }

    static let fields: Set<String> = ["indicator", "branch", "title", "start", "end", "target"]

    func list(req: Request) async throws -> Response {
        try await render(req, refused: nil)
    }

    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?) async throws -> Response {
        let service = try await InsightsService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let typed = refused?.form
        let chosenIndicator = typed?["indicator"] ?? "youth_loans_per_youth_copy"
        let chosenScope = typed?["branch"] ?? ""
        let lines = try await service.measurements.all().map { m -> Line in
            let indicator = Indicator.named(m.indicator)
            let unit = indicator?.unit ?? .count
            func shown(_ snapshot: Snapshot?) -> String {
                guard let snapshot else { return page.t("measurements_not_yet") }
                return MeasurementText.value(snapshot.value, unit: unit, english: english)
            }
            let outcome = m.outcome
            var change = "—"
            if let difference = outcome.change {
                change = (difference > 0 ? "+" : "") + MeasurementText.value(difference, unit: unit, english: english)
                if let relative = outcome.relativeChange { change += " (\(relative >= 0 ? "+" : "")\(formats.decimal(relative * 100, digits: 1)) %)" }
            }
            return Line(id: m.id, title: m.title, indicator: indicator?.name(english: english) ?? m.indicator, scope: service.scopeName(m.branchID),
                        start: formats.dateWithYear(m.start), end: formats.dateWithYear(m.end), startValue: shown(m.startSnapshot), endValue: shown(m.endSnapshot),
                        startTaken: m.startSnapshot.map { formats.dateWithYear(LocalDate($0.takenAt, in: service.organisation.zone)) }, endTaken: m.endSnapshot.map { formats.dateWithYear(LocalDate($0.takenAt, in: service.organisation.zone)) },
                        change: change, target: m.target.map { MeasurementText.value($0, unit: unit, english: english) },
                        met: outcome.targetMet.map { page.t($0 ? "measurements_met" : "measurements_not_met") },
                        definition: m.endSnapshot.map { english ? $0.definitionEN : $0.definitionNL }
                            ?? m.startSnapshot.map { english ? $0.definitionEN : $0.definitionNL } ?? indicator?.definition(english: english) ?? "")
        }
        let context = Context(
            page: page.context(page.t("measurements_title")), errors: page.formErrors(refused?.error, fields: Self.fields), form: typed ?? FormValues(),
            indicators: Indicator.catalogue.map { FormOption(value: $0.id, label: $0.name(english: english), selected: $0.id == chosenIndicator) },
            scopes: [FormOption(value: "", label: service.organisation.name, selected: chosenScope.isEmpty)]
                + service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == chosenScope) },
            lines: lines, catalogue: Indicator.catalogue.map { Definition(name: $0.name(english: english), definition: $0.definition(english: english)) })
        return try await page.render("staff/measurements", context, status: refused == nil ? .ok : .unprocessableEntity)
    }

    func create(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        do {
            let draft = try req.content.decode(MeasurementFields.self).draft(service)
            _ = try await service.measurements.create(draft, today: service.today)
            return req.redirect(to: "/staff/inzicht/metingen", done: "measurement_created")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: (error, FormValues(req)))
        }
    }

    func delete(req: Request) async throws -> Response {
        let service = try await InsightsService.make(req)
        try await service.measurements.delete(try await service.measurement(req.parameters.get("measurementID", as: Int.self)).id)
        return req.redirect(to: "/staff/inzicht/metingen", done: "measurement_deleted")
    }
}
