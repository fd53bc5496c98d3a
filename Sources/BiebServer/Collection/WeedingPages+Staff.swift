import Foundation
import Vapor
import BiebCore
import BiebStore

/// Weeding (`/staff/collectie/wieden`): the lists of every branch and a new
/// one made from today's candidates; a list's review
/// (`/staff/collectie/wieden/{id}`), each copy with its reasons, withdraw or
/// keep with a note, a page of 200 copies at a time; the sign-off, which
/// withdraws in one go; and the disposal list as CSV once signed.
struct WeedingPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("collectie", "wieden", use: index)
        staff.post("collectie", "wieden", use: make)
        staff.get("collectie", "wieden", ":id", use: show)
        staff.post("collectie", "wieden", ":id", "beoordelen", use: review)
        staff.post("collectie", "wieden", ":id", "aftekenen", use: signOff)
        staff.post("collectie", "wieden", ":id", "weggooien", use: discard)
        staff.get("collectie", "wieden", ":id", "afvoer.csv", use: disposal)
    }

    static let pageSize = 200

    struct SummaryView: Encodable {
        let id: Int
        let branch: String
        let status: String
        let statusName: String
        let madeOn: String
        let madeBy: String
        let signedBy: String?
        let lines: Int
        let decided: Int
        let withdrawn: Int
    }

    func view(_ s: WeedingLists.Summary, _ service: CollectionService, _ page: StaffPages.Page, _ formats: Formats) -> SummaryView {
        SummaryView(id: s.id, branch: service.label(s.branch)?.name ?? "", status: s.status.rawValue, statusName: page.t("weeding_status_\(s.status.rawValue)"),
                    madeOn: formats.dateWithYear(s.madeOn), madeBy: s.madeBy, signedBy: s.signedBy, lines: s.lines, decided: s.decided, withdrawn: s.withdrawn)
    }

    struct IndexContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let branches: [FormOption]
        let lists: [SummaryView]
    }

    func index(req: Request) async throws -> Response {
        try await renderIndex(req, refused: nil)
    }

    func renderIndex(_ req: Request, refused: BiebError?) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let page = try await StaffPages.Page(req)
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let chosen = try? req.content.decode([String: String].self)["branch"]
        let lists = try await WeedingLists(service.db, organisationID: service.organisationID).lists()
        return try await page.render("staff/weeding", IndexContext(
            page: page.context(page.t("weeding_title")), errors: page.formErrors(refused, fields: ["branch"]),
            branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == chosen) },
            lists: lists.map { view($0, service, page, formats) }),
            status: refused == nil ? .ok : (refused!.kind == .conflict ? .conflict : .unprocessableEntity))
    }

    func make(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        do {
            let branch = try service.requireBranch(try req.content.decode([String: String].self)["branch"])
            let id = try await WeedingLists(service.db, organisationID: service.organisationID).make(branch: branch.id, today: service.today, by: service.staffName)
            return req.redirect(to: "/staff/collectie/wieden/\(id)", done: "weeding_made")
        } catch let error as BiebError where [.invalid, .conflict].contains(error.kind) {
            return try await renderIndex(req, refused: error)
        }
    }

    struct LineView: Encodable {
        let id: Int
        let barcode: String
        let title: String
        let author: String
        let year: String
        let callNumber: String
        let segment: String
        let reasons: String
        let loans: Int
        let lastLoan: String
        let withdraw: Bool
        let keep: Bool
        let note: String
        let error: String?
        let outcome: String?
    }

    struct ShowContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let list: SummaryView
        let open: Bool
        let lines: [LineView]
        let pageNumber: Int
        let previousPage: Int?
        let nextPage: Int?
        let pages: Int
        let outcome: SignOffView?
    }

    struct SignOffView: Encodable {
        let withdrawn: Int
        let inUse: [String]
        let kept: Int
    }

    func listID(_ req: Request) throws -> Int {
        guard let id = req.parameters.get("id", as: Int.self) else { throw Abort(.notFound) }
        return id
    }

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, typed: [:], outcome: nil)
    }

    func render(_ req: Request, refused: BiebError?, typed: [String: String], outcome: WeedingLists.SignOff?) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        let id = try listID(req)
        let summary = try await lists.list(id)
        let pages = max(1, (summary.lines + Self.pageSize - 1) / Self.pageSize)
        let number = min(max(1, req.query[Int.self, at: "pagina"] ?? typed["pagina"].flatMap { Int($0) } ?? 1), pages)
        let shown = try await lists.lines(of: id, limit: Self.pageSize, offset: (number - 1) * Self.pageSize)
        let errorField = refused?.field
        let lines = shown.map { line -> LineView in
            let decision = typed["decision_\(line.id)"] ?? line.decision?.rawValue
            return LineView(id: line.id, barcode: line.barcode, title: line.title, author: line.author ?? "", year: line.editionYear.map(String.init) ?? "",
                            callNumber: line.callNumber, segment: ShelfSegment(key: line.segment).map { SegmentLevel.full.name($0, english: english) } ?? line.segment,
                            reasons: line.reasons.map { $0.name(english: english) }.joined(separator: ", "), loans: line.lifetimeLoans,
                            lastLoan: line.lastLoanOn.map(formats.dateWithYear) ?? page.t("weeding_never"),
                            withdraw: decision == "withdraw", keep: decision == "keep", note: typed["note_\(line.id)"] ?? line.note,
                            error: errorField == "line_\(line.id)" ? refused?.message(dutch: page.lang == .nl) : nil,
                            outcome: line.outcome.map { page.t("weeding_outcome_\($0.rawValue)") })
        }
        let ids = Dictionary(uniqueKeysWithValues: shown.map { ("line_\($0.id)", "note_\($0.id)") })
        let status: HTTPStatus = refused == nil ? .ok : (refused!.kind == .conflict ? .conflict : .unprocessableEntity)
        return try await page.render("staff/weeding-list", ShowContext(
            page: page.context(page.t("weeding_list_title", ["branch": service.label(summary.branch)?.name ?? ""])),
            errors: page.formErrors(refused, ids: ids), list: view(summary, service, page, formats), open: summary.status == .open, lines: lines,
            pageNumber: number, previousPage: number > 1 ? number - 1 : nil, nextPage: number < pages ? number + 1 : nil, pages: pages,
            outcome: outcome.map { SignOffView(withdrawn: $0.withdrawn, inUse: $0.inUse, kept: $0.kept) }), status: status)
    }

    func review(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let id = try listID(req)
        let form = try req.content.decode([String: String].self)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        do {
            // One button for the rest: every copy not yet decided (on this page or another) is withdrawn.
            let fields = ReviewFields(form: form)
            try await lists.review(id, try fields.decoded(), withdrawRest: try fields.withdrawRest(), by: service.staffName)
            let page = form["pagina"].flatMap { Int($0) }.map { "?pagina=\($0)" } ?? ""
            return req.redirect(to: "/staff/collectie/wieden/\(id)\(page)", done: "weeding_reviewed")
        } catch let error as BiebError where [.invalid, .conflict].contains(error.kind) {
            return try await render(req, refused: error, typed: form, outcome: nil)
        }
    }

    func signOff(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        do {
            let outcome = try await WeedingLists(service.db, organisationID: service.organisationID).signOff(try listID(req), by: service.staffName)
            return try await render(req, refused: nil, typed: [:], outcome: outcome)
        } catch let error as BiebError where error.kind == .conflict {
            return try await render(req, refused: error, typed: [:], outcome: nil)
        }
    }

    func discard(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        do {
            try await WeedingLists(service.db, organisationID: service.organisationID).discard(try listID(req))
            return req.redirect(to: "/staff/collectie/wieden", done: "weeding_discarded")
        } catch let error as BiebError where error.kind == .conflict {
            return try await render(req, refused: error, typed: [:], outcome: nil)
        }
    }

    func disposal(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        let id = try listID(req)
        guard try await lists.list(id).status == .signed else { throw Abort(.notFound) }
        return CSVText.response(WeedingExport.csv(try await lists.lines(of: id), english: Language.of(req) == .en), filename: "afvoer-\(id).csv", bom: true)
    }
}
