import Foundation
import Vapor
import BiebCore
import BiebStore

/// Counting study places (`/staff/studieplekken`), for whoever works the
/// desk (`circulate`; a volunteer at their own branch): each branch's study
/// places, how many are booked now, and a form to record how many are
/// occupied — the count the statistics divide into the places
/// (`StudyPlaceCounts`). The same as `POST /api/v1/insights/study-counts`.
struct StudyPlacePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("studieplekken", use: show)
        staff.post("studieplekken", "telling", use: count)
    }

    struct BranchLine: Encodable {
        let name: String
        let places: Int
        let booked: Int
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let branches: [FormOption]
        let lines: [BranchLine]
    }

    static let fields: Set<String> = ["branch", "occupied"]

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, flash: nil)
    }

    func render(_ req: Request, refused: (error: BiebError, form: FormValues)?, flash: String?) async throws -> Response {
        let user = try req.staff(.circulate)
        let page = try await StaffPages.Page(req)
        let mine = try await req.branches.labels(of: user.organisationID).filter { $0.active && user.can(.circulate, branch: $0.id) }
        let areas = try await SpaceBookings(req.db, organisationID: user.organisationID, timeZone: page.organisation?.zone ?? BranchCalendar.amsterdam)
            .freeStudyPlaces(branches: mine.map(\.id), at: Date())
        let lines = mine.compactMap { branch -> BranchLine? in
            let here = areas.filter { $0.space.$branch.id == branch.id }
            guard !here.isEmpty else { return nil }
            let places = here.map(\.space.capacity).reduce(0, +)
            return BranchLine(name: branch.name, places: places, booked: places - here.map(\.free).reduce(0, +))
        }
        let chosen = refused?.form["branch"] ?? req.query[String.self, at: "vestiging"] ?? ""
        let withPlaces = Set(areas.map { $0.space.$branch.id })
        return try await page.render("staff/study-places", Context(
            page: page.context(page.t("study_title"), flash: flash), errors: page.formErrors(refused?.error, fields: Self.fields),
            form: refused?.form ?? FormValues(),
            branches: mine.filter { withPlaces.contains($0.id) }.map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == chosen) },
            lines: lines), status: refused == nil ? .ok : .unprocessableEntity)
    }

    func count(req: Request) async throws -> Response {
        _ = try req.staff(.circulate)
        do {
            let (branch, count) = try await StudyPlaceCount.record(try req.content.decode(StudyCountFields.self), req: req)
            let page = try await StaffPages.Page(req)
            let share = Formats.decimal(count.occupancy * 100, digits: 0, english: page.lang == .en)
            return try await render(req, refused: nil, flash: page.t("study_counted", ["occupied": String(count.occupied), "places": String(count.places),
                                                                                    "share": share, "branch": branch.name]))
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: (error, FormValues(req)), flash: nil)
        }
    }
}
