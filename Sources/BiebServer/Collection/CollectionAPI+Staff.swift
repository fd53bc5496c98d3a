import Foundation
import Vapor
import BiebCore
import BiebStore

/// The collection plan's API: segment figures per segment, per branch and
/// per curated list (`viewCollection`); weeding thresholds, weeding lists
/// with their review, sign-off and disposal export, purchase suggestions
/// and orders, shelf capacities and balance transfers (`manageCollection`).
struct CollectionAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1", "collection").grouped(BearerAuthenticator())
        api.get("segments", use: segments)
        api.get("branches", use: branches)
        api.get("lists", use: lists)
        api.get("thresholds", use: thresholds)
        api.put("thresholds", use: setThreshold)
        api.get("weeding-lists", use: weedingLists)
        api.post("weeding-lists", use: makeWeedingList)
        api.get("weeding-lists", ":id", use: weedingList)
        api.post("weeding-lists", ":id", "review", use: review)
        api.post("weeding-lists", ":id", "sign-off", use: signOff)
        api.post("weeding-lists", ":id", "discard", use: discard)
        api.get("weeding-lists", ":id", "disposal.csv", use: disposal)
        api.get("purchase-suggestions", use: suggestions)
        api.post("purchase-suggestions", "dismiss", use: dismiss)
        api.get("orders", use: orders)
        api.post("orders", use: order)
        api.post("orders", ":id", "close", use: closeOrder)
        api.get("capacities", use: capacities)
        api.put("capacities", use: setCapacity)
        api.get("balance", use: balance)
        api.post("balance", "transfers", use: makeTransfers)
        api.delete("balance", "transfers", use: cancelTransfers)
        api.post("balance", "send", use: send)
        api.get("themes", use: themes)
        api.put("themes", use: setTheme)
        api.get("themes", ":theme", "shelf", use: themeShelf)
    }

    // MARK: Figures

    func level(_ req: Request) throws -> SegmentLevel {
        guard let text = req.query[String.self, at: "level"], !text.isEmpty else { return .part }
        guard let level = SegmentLevel(rawValue: text) else {
            throw BiebError.invalid("level", "The level is part, format, heading or full.", nl: "Het niveau is part, format, heading of full.")
        }
        return level
    }

    func part(_ text: String?) throws -> CollectionSegment? {
        guard let text, !text.isEmpty else { return nil }
        guard let part = CollectionSegment(rawValue: text) else {
            throw BiebError.invalid("part", "Unknown part '\(text)'.", nl: "Onbekend deel '\(text)'.")
        }
        return part
    }

    /// One branch's segments (or the organisation's), at a level, against a year ago.
    func segments(req: Request) async throws -> CollectionDTO.Table {
        let service = try await CollectionService.make(req)
        let branch = try service.branch(req.query[String.self, at: "branch"])
        let level = try level(req)
        let (now, then) = try await service.rows(branch: branch?.id)
        let table = SegmentTable.make(now, lastYear: then, grouping: .segment(level), year: service.today.year, english: Language.of(req) == .en)
        return CollectionDTO.table(table, day: service.today, branch: branch?.slug, level: level, part: nil)
    }

    /// The branches side by side (for one part of the collection, or all of it).
    func branches(req: Request) async throws -> CollectionDTO.Table {
        let service = try await CollectionService.make(req)
        let part = try part(req.query[String.self, at: "part"])
        let (now, then) = try await service.rows()
        let table = SegmentTable.make(now, lastYear: then, grouping: .branch(service.branches), year: service.today.year,
                                      english: Language.of(req) == .en, part: part)
        return CollectionDTO.table(table, day: service.today, branch: nil, level: nil, part: part)
    }

    struct ListFigures: Content {
        let slug: String
        let name: String
        let figures: CollectionDTO.Figures
        let relative_use: Double?
    }

    /// The curated lists as segments: the copies of their titles, organisation-wide.
    func lists(req: Request) async throws -> [ListFigures] {
        let service = try await CollectionService.make(req)
        return try await CollectionLists.figures(service).map {
            ListFigures(slug: $0.slug, name: $0.name, figures: CollectionDTO.Figures($0.figures, year: service.today.year),
                        relative_use: $0.figures.loans >= SmallCells.threshold ? $0.relativeUse.map(CollectionDTO.round) : nil)
        }
    }

    // MARK: Thresholds

    func thresholds(req: Request) async throws -> [CollectionDTO.Threshold] {
        let service = try await CollectionService.make(req)
        return CollectionDTO.thresholds(try await service.policy())
    }

    func setThreshold(req: Request) async throws -> [CollectionDTO.Threshold] {
        let service = try await CollectionService.make(req, .manageCollection)
        let fields = try req.content.decode(ThresholdFields.self).decoded()
        try await WeedingSettings(service.db, organisationID: service.organisationID).set(fields.thresholds, part: fields.part, heading: fields.heading)
        return CollectionDTO.thresholds(try await service.policy())
    }

    // MARK: Weeding

    func listID(_ req: Request) throws -> Int {
        guard let id = req.parameters.get("id", as: Int.self) else { throw BiebError.notFound("weeding list", nl: "Wieduitlijst niet gevonden.") }
        return id
    }

    func weedingLists(req: Request) async throws -> [CollectionDTO.WeedingSummary] {
        let service = try await CollectionService.make(req, .manageCollection)
        let branch = try service.branch(req.query[String.self, at: "branch"])
        return try await WeedingLists(service.db, organisationID: service.organisationID).lists(branch: branch?.id)
            .map { CollectionDTO.WeedingSummary($0, service) }
    }

    struct BranchFields: Content {
        var branch: String?
    }

    func makeWeedingList(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let branch = try service.requireBranch(try req.content.decode(BranchFields.self).branch)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        let id = try await lists.make(branch: branch.id, today: service.today, by: service.staffName)
        return try await try await weedingListPage(req, lists, id, service)
            .encodeResponse(status: .created, for: req)
    }

    /// A list with the page of its lines the request asks for (`page`, `per_page`: 200 by default, at most 1,000).
    func weedingListPage(_ req: Request, _ lists: WeedingLists, _ id: Int, _ service: CollectionService) async throws -> CollectionDTO.WeedingList {
        let paging = req.paging(size: 200, maxSize: 1_000)
        return CollectionDTO.WeedingList(list: .init(try await lists.list(id), service), page: paging.page, per_page: paging.perPage,
                                         lines: try await lists.lines(of: id, limit: paging.perPage, offset: paging.offset).map(CollectionDTO.WeedingLine.init))
    }

    func weedingList(req: Request) async throws -> CollectionDTO.WeedingList {
        let service = try await CollectionService.make(req, .manageCollection)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        let id = try listID(req)
        return try await weedingListPage(req, lists, id, service)
    }

    func review(req: Request) async throws -> CollectionDTO.WeedingList {
        let service = try await CollectionService.make(req, .manageCollection)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        let id = try listID(req)
        let fields = try req.content.decode(ReviewFields.self)
        try await lists.review(id, try fields.decoded(), withdrawRest: try fields.withdrawRest(), by: service.staffName)
        return try await weedingListPage(req, lists, id, service)
    }

    func signOff(req: Request) async throws -> CollectionDTO.SignOff {
        let service = try await CollectionService.make(req, .manageCollection)
        let outcome = try await WeedingLists(service.db, organisationID: service.organisationID).signOff(try listID(req), by: service.staffName)
        return CollectionDTO.SignOff(withdrawn: outcome.withdrawn, in_use: outcome.inUse, kept: outcome.kept)
    }

    func discard(req: Request) async throws -> HTTPStatus {
        let service = try await CollectionService.make(req, .manageCollection)
        try await WeedingLists(service.db, organisationID: service.organisationID).discard(try listID(req))
        return .noContent
    }

    func disposal(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let lists = WeedingLists(service.db, organisationID: service.organisationID)
        let id = try listID(req)
        guard try await lists.list(id).status == .signed else {
            throw BiebError(.conflict, code: "weeding_list_not_signed", field: nil, message: "The disposal list is there once the list is signed off.",
                            nl: "De afvoerlijst is er zodra de lijst is afgetekend.")
        }
        return CSVText.response(WeedingExport.csv(try await lists.lines(of: id), english: Language.of(req) == .en),
                                filename: "afvoer-\(id).csv", bom: true)
    }

    // MARK: Purchasing

    func suggestions(req: Request) async throws -> [CollectionDTO.Suggestion] {
        let service = try await CollectionService.make(req, .manageCollection)
        return try await PurchaseSuggestions(service.db, organisationID: service.organisationID).suggestions().map { CollectionDTO.Suggestion($0, service) }
    }

    func dismiss(req: Request) async throws -> HTTPStatus {
        let service = try await CollectionService.make(req, .manageCollection)
        let fields = try req.content.decode(DismissFields.self).decoded(service)
        try await PurchaseSuggestions(service.db, organisationID: service.organisationID)
            .dismiss(title: fields.title, branch: fields.branch, reason: fields.reason, copies: fields.copies, note: fields.note, by: service.staffName)
        return .noContent
    }

    func orders(req: Request) async throws -> [CollectionDTO.Order] {
        let service = try await CollectionService.make(req, .manageCollection)
        var status: PurchaseOrders.Status? = .open
        if let text = req.query[String.self, at: "status"], !text.isEmpty {
            guard text == "all" || PurchaseOrders.Status(rawValue: text) != nil else {
                throw BiebError.invalid("status", "The status is open, received, cancelled or all.", nl: "De status is open, received, cancelled of all.")
            }
            status = PurchaseOrders.Status(rawValue: text)
        }
        return try await PurchaseOrders(service.db, organisationID: service.organisationID).orders(status: status).map { CollectionDTO.Order($0, service) }
    }

    func order(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let fields = try req.content.decode(OrderFields.self).decoded(service)
        let orders = PurchaseOrders(service.db, organisationID: service.organisationID)
        let id = try await orders.order(title: fields.title, branch: fields.branch.id, copies: fields.copies, expectedOn: fields.expectedOn,
                                        reason: fields.reason, by: service.staffName, today: service.today)
        guard let made = try await orders.orders(status: .open).first(where: { $0.id == id }) else { throw Abort(.internalServerError) }
        return try await CollectionDTO.Order(made, service).encodeResponse(status: .created, for: req)
    }

    struct CloseFields: Content {
        var status: String?
    }

    func closeOrder(req: Request) async throws -> HTTPStatus {
        let service = try await CollectionService.make(req, .manageCollection)
        guard let id = req.parameters.get("id", as: Int.self) else { throw BiebError.notFound("order", nl: "Bestelling niet gevonden.") }
        guard let status = try req.content.decode(CloseFields.self).status.flatMap(PurchaseOrders.Status.init(rawValue:)) else {
            throw BiebError.invalid("status", "An order closes as received or cancelled.", nl: "Een bestelling sluit als ontvangen of geannuleerd.")
        }
        try await PurchaseOrders(service.db, organisationID: service.organisationID).close(id, as: status)
        return .noContent
    }

    // MARK: Balance

    func capacities(req: Request) async throws -> [CollectionDTO.Capacity] {
        let service = try await CollectionService.make(req, .manageCollection)
        return try await CollectionBalance.capacities(service)
    }

    func setCapacity(req: Request) async throws -> [CollectionDTO.Capacity] {
        let service = try await CollectionService.make(req, .manageCollection)
        let fields = try req.content.decode(CapacityFields.self).decoded(service)
        try await ShelfCapacities(service.db, organisationID: service.organisationID).set(branch: fields.branch.id, part: fields.part, capacity: fields.capacity)
        return try await CollectionBalance.capacities(service)
    }

    func balance(req: Request) async throws -> CollectionDTO.Balance {
        let service = try await CollectionService.make(req, .manageCollection)
        return try await CollectionBalance.overview(service)
    }

    func makeTransfers(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let made = try await Balancing(service.db, organisationID: service.organisationID).makeTransfers(today: service.today)
        return try await made.map { CollectionDTO.Transfer($0, service) }.encodeResponse(status: .created, for: req)
    }

    struct Cancelled: Content {
        let cancelled: Int
    }

    func cancelTransfers(req: Request) async throws -> Cancelled {
        let service = try await CollectionService.make(req, .manageCollection)
        let branch = try service.branch(req.query[String.self, at: "branch"])
        return Cancelled(cancelled: try await Balancing(service.db, organisationID: service.organisationID).cancelUnsent(from: branch?.id))
    }

    struct SendFields: Content {
        var barcode: String?
        var branch: String?
    }

    /// A picked copy scanned to send: desk work at that branch (`circulate` there).
    func send(req: Request) async throws -> CollectionDTO.Transfer {
        let service = try await CollectionService.make(req, .manageCollection)
        let fields = try req.content.decode(SendFields.self)
        let branch = try service.requireBranch(fields.branch)
        _ = try req.staff(.circulate, branch: branch.id)
        guard let barcode = fields.barcode?.trimmed, !barcode.isEmpty else {
            throw BiebError.invalid("barcode", "Scan the copy's barcode.", nl: "Scan de streepjescode van het exemplaar.")
        }
        let line = try await Balancing(service.db, organisationID: service.organisationID).send(barcode: barcode, at: branch.id, staff: service.user.id)
        return CollectionDTO.Transfer(line, service)
    }
}

extension CollectionAPIController {
    // MARK: Themes

    func themes(req: Request) async throws -> [CollectionDTO.Theme] {
        let service = try await CollectionService.make(req)
        return try await CollectionThemes.all(service)
    }

    func setTheme(req: Request) async throws -> [CollectionDTO.Theme] {
        let service = try await CollectionService.make(req, .manageCollection)
        let fields = try req.content.decode(ThemeShelfFields.self).decoded()
        try await ThemeShelves(service.db, organisationID: service.organisationID).set(theme: fields.theme, headings: fields.headings)
        return try await CollectionThemes.all(service)
    }

    /// How a theme's shelf works at a branch and in the whole library, and the titles to show with an activity there.
    func themeShelf(req: Request) async throws -> CollectionDTO.ThemeShelf {
        let service = try await CollectionService.make(req)
        let theme = req.parameters.get("theme") ?? ""
        let branch = try service.branch(req.query[String.self, at: "branch"])
        guard let shelf = try await ThemeShelves(service.db, organisationID: service.organisationID)
            .shelf(themes: [theme], branch: branch?.id, today: service.today) else {
            throw BiebError.notFound("theme shelf", nl: "Bij dit thema hoort (nog) geen deel van de collectie.")
        }
        return CollectionDTO.ThemeShelf(shelf, year: service.today.year)
    }
}
