import Foundation
import Vapor
import BiebCore
import BiebStore

/// The collection and the programme together: which NUR headings match each
/// programme theme (`/staff/collectie/themas`), the shelf of an activity's
/// themes on its staff page (how it works at the activity's branch and in
/// the whole library, the titles to show), and a curated list made of
/// those titles and shown with the activity.
struct ThemePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("collectie", "themas", use: show)
        staff.post("collectie", "themas", use: save)
        staff.post("collectie", "activiteit", ":activityID", "lijst", use: makeList)
    }

    struct Row: Encodable {
        let theme: String
        let name: String
        let headings: String
        let headingNames: String
        let error: String?
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let rows: [Row]
        let canManage: Bool
    }

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, typed: [:])
    }

    func render(_ req: Request, refused: BiebError?, typed: [String: String]) async throws -> Response {
        let service = try await CollectionService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let failed = typed["theme"]
        let rows = try await CollectionThemes.all(service).map { theme in
            Row(theme: theme.theme, name: english ? theme.name_en : theme.name_nl,
                headings: theme.theme == failed ? typed["headings"] ?? "" : theme.headings.map(String.init).joined(separator: ", "),
                headingNames: theme.headings.map { ShelfSegment.headingName($0, english: english) }.joined(separator: "; "),
                error: theme.theme == failed ? refused?.message(dutch: !english) : nil)
        }
        return try await page.render("staff/collection-themes", Context(
            page: page.context(page.t("collection_themes_title")),
            errors: page.formErrors(refused, ids: failed.map { ["headings": "headings-\($0)", "theme": "headings-\($0)"] } ?? [:]), rows: rows,
            canManage: AccessPolicy.allows(service.user.role, .manageCollection)), status: refused == nil ? .ok : .unprocessableEntity)
    }

    func save(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        do {
            let fields = try req.content.decode(ThemeShelfFields.self).decoded()
            try await ThemeShelves(service.db, organisationID: service.organisationID).set(theme: fields.theme, headings: fields.headings)
            return req.redirect(to: "/staff/collectie/themas", done: "collection_theme_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: error, typed: form)
        }
    }

    /// Makes a curated list of the activity's suggested titles and shows it with the activity (staff who may
    /// plan activities at its branch and make lists).
    func makeList(req: Request) async throws -> Response {
        let user = try req.staff(.manageLists)
        guard let id = req.parameters.get("activityID").flatMap(UUID.init(uuidString:)),
              let organisation = try await req.branches.organisation(id: user.organisationID),
              let listing = try await Programme(req.db, organisationID: user.organisationID, timeZone: organisation.zone).listing(id) else {
            throw Abort(.notFound)
        }
        let activity = listing.activity
        _ = try req.staff(.manageProgramme, branch: activity.branchID)
        let today = LocalDate(Date(), in: organisation.zone)
        let shelves = ThemeShelves(req.db, organisationID: user.organisationID)
        guard let shelf = try await shelves.shelf(themes: activity.themes, branch: activity.branchID, today: today) else {
            throw BiebError.invalid("themes", "None of this activity's themes has a shelf in the collection yet.",
                                    nl: "Bij geen van de thema's van deze activiteit hoort al een deel van de collectie.")
        }
        let day = listing.firstStart.map { LocalDate($0, in: organisation.zone) } ?? today
        _ = try await shelves.makeList(forActivity: id, name: activity.title, day: day, branch: activity.branchID, titles: shelf.titles.map(\.titleID))
        return req.redirect(to: "/staff/programma/\(id)", done: "collection_list_made")
    }
}

/// An activity's shelf as its staff page shows it (`ThemeShelves`), or nil when its themes have none.
struct ActivityShelfView: Encodable {
    struct Title: Encodable {
        let title: String
        let author: String
        let available: Int
        let url: String
    }

    let themes: String
    let headings: String
    let branchTurnover: String
    let branchHoldings: Int
    let libraryTurnover: String
    let libraryHoldings: Int
    let titles: [Title]
    let fromWholeLibrary: Bool
    let makeListURL: String
    let hasList: Bool

    static func make(_ req: Request, organisation: Organisation, listing: ActivityListing, themeNames: [String: String],
                     english: Bool) async throws -> ActivityShelfView? {
        let activity = listing.activity
        let today = LocalDate(Date(), in: organisation.zone)
        guard let shelf = try await ThemeShelves(req.db, organisationID: try organisation.requireID())
            .shelf(themes: activity.themes, branch: activity.branchID, today: today) else { return nil }
        let formats = Formats(lang: english ? .en : .nl, timeZone: organisation.zone)
        func turnover(_ figures: SegmentFigures?) -> String { figures?.turnover.map { formats.decimal($0, digits: 2) } ?? "–" }
        return ActivityShelfView(
            themes: activity.themes.compactMap { themeNames[$0] }.joined(separator: ", "),
            headings: shelf.headings.map { ShelfSegment.headingName($0, english: english) }.joined(separator: "; "),
            branchTurnover: turnover(shelf.branch), branchHoldings: shelf.branch?.holdings ?? 0,
            libraryTurnover: turnover(shelf.organisation), libraryHoldings: shelf.organisation.holdings,
            titles: shelf.titles.map { Title(title: $0.title, author: $0.author ?? "", available: $0.available,
                                             url: "/\(organisation.slug)/catalogus/\($0.titleID)") },
            fromWholeLibrary: shelf.fromWholeLibrary, makeListURL: "/staff/collectie/activiteit/\(activity.id)/lijst", hasList: activity.listID != nil)
    }
}
