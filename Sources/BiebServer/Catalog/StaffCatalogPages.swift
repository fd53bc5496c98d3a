import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages for the catalogue: find a title, create and edit title
/// records (with validation that names the field, and the MARC record as
/// stored), add and change copies, and curated lists. Plain forms with CSRF
/// tokens, like the other staff pages.
struct StaffCatalogPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("catalogue", use: catalogue)
        staff.get("catalogue", "new", use: newTitleForm)
        staff.post("catalogue", "new", use: createTitle)
        staff.get("catalogue", ":titleID", use: titleForm)
        staff.post("catalogue", ":titleID", use: saveTitle)
        staff.post("catalogue", ":titleID", "delete", use: deleteTitle)
        staff.post("catalogue", ":titleID", "items", use: addItem)
        staff.post("catalogue", ":titleID", "items", ":itemID", use: saveItem)
        staff.get("lists", use: lists)
        staff.post("lists", use: createList)
        staff.get("lists", ":listID", use: listForm)
        staff.post("lists", ":listID", use: saveList)
        staff.post("lists", ":listID", "delete", use: deleteList)
        staff.post("lists", ":listID", "titles", use: addToList)
        staff.post("lists", ":listID", "titles", ":titleID", ":action", use: changeListEntry)
    }

    typealias Page = StaffPages.Page


    static func organisation(_ page: Page) throws -> Organisation {
        guard let org = page.organisation else { throw Abort(.notFound) }
        return org
    }

    // MARK: Finding titles

    struct Row: Encodable {
        let id: Int
        let title: String
        let author: String?
        let year: String?
        let format: String
        let url: String
    }

    func catalogue(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let text = (req.query[String.self, at: "q"] ?? "").trimmed
        var rows: [Row] = []
        var error: String?
        var total: Int?
        if !text.isEmpty {
            do {
                let result = try await req.catalogSearch(try org.requireID()).titles(try SearchQuery.parse(text), limit: 50, offset: 0)
                total = result.total
                rows = result.titles.map {
                    Row(id: $0.id!, title: $0.title, author: $0.mainAuthor, year: $0.year.map(String.init),
                        format: page.t("format_\($0.format)"), url: "/staff/catalogue/\($0.id!)")
                }
            } catch let failure as BiebError {
                error = page.message(failure)
            }
        }
        struct Context: Encodable {
            let page: PageContext
            let q: String
            let rows: [Row]
            let summary: String?
            let error: String?
            let canEdit: Bool
        }
        let summary = total.map { page.t("staff_cat_found", ["n": Formats.count($0, page.lang), "shown": String(rows.count)]) }
        return try await page.render("staff/catalog", Context(page: page.context(page.t("staff_cat_title")), q: text, rows: rows,
                                                                 summary: summary, error: error,
                                                                 canEdit: page.user?.can(.editCatalog) == true))
    }
}

extension ContributorRole {
    /// The Dutch names staff may type in the author field.
    init?(dutch word: String) {
        switch word {
        case "auteur", "schrijver": self = .author
        case "redacteur", "samensteller": self = .editor
        case "illustrator", "illustratie": self = .illustrator
        case "vertaler", "vertaling": self = .translator
        case "verteller", "voorlezer": self = .narrator
        case "componist": self = .composer
        case "uitvoerende", "uitvoerder": self = .performer
        case "regisseur": self = .director
        case "anders", "overig": self = .other
        default: return nil
        }
    }
}
