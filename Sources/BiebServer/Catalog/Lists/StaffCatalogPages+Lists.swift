import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages of curated lists: making, filling, ordering and publishing them.
extension StaffCatalogPages {
    // MARK: Lists

    struct ListRow: Encodable {
        let name: String
        let url: String
        let publicURL: String?
        let branch: String?
        let count: Int
    }

    func lists(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        return try await renderLists(page, org: org, error: nil)
    }

    func renderLists(_ page: Page, org: Organisation, error: BiebError?, name: String = "", description: String = "") async throws -> Response {
        let service = try await ListService(page.request, organisation: org)
        let names = Dictionary(uniqueKeysWithValues: service.catalogue.branches.map { ($0.slug, $0.name) })
        let rows = try await service.all(publicOnly: false).map {
            ListRow(name: $0.name, url: "/staff/lists/\($0.id)", publicURL: $0.is_public ? $0.url : nil, branch: $0.branch.flatMap { names[$0] },
                    count: $0.count)
        }
        struct Context: Encodable {
            let page: PageContext
            let rows: [ListRow]
            let branches: [FormOption]
            let errors: FormErrors?
            let name: String
            let description: String
            let canCreate: Bool
        }
        let user = page.user
        let branches = service.catalogue.branches.filter { user?.can(.manageLists, branch: $0.id) == true }
        let options = (user?.can(.manageLists) == true ? [FormOption(value: "", label: page.t("list_whole_organisation"), selected: true)] : [])
            + branches.map { FormOption(value: $0.slug, label: $0.name, selected: false) }
        return try await page.render("staff/lists", Context(page: page.context(page.t("lists_title")), rows: rows, branches: options,
                                                            errors: page.formErrors(error, fields: ["name", "description", "branch"]),
                                                            name: name, description: description,
                                                            canCreate: !options.isEmpty),
                                     status: error == nil ? .ok : (error?.kind == .conflict ? .conflict : .unprocessableEntity))
    }

    /// The list forms' fields; they are the API's (`TitleListInput`) but for
    /// the checkbox, whose absence means "not public".
    struct ListForm: Content {
        var name: String?
        var slug: String?
        var description: String?
        var branch: String?
        var is_public: String?

        var input: TitleListInput {
            TitleListInput(name: name, slug: slug, description: description ?? "", branch: branch, is_public: is_public != nil)
        }
    }

    func createList(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let form = try req.content.decode(ListForm.self)
        let service = try await ListService(req, organisation: org)
        do {
            let list = TitleList(organisationID: try org.requireID(), slug: "", name: "")
            try form.input.apply(to: list, service: service)
            _ = try req.staff(.manageLists, branch: list.branchID)
            try await service.lists.save(list)
            return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
        } catch let error as BiebError where error.kind != .forbidden {
            return try await renderLists(page, org: org, error: error, name: form.name ?? "", description: form.description ?? "")
        }
    }

    struct EntryRow: Encodable {
        let title: String
        let author: String?
        let note: String?
        let url: String
        let up: String?
        let down: String?
        let remove: String
    }

    func listForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let list = try await Self.list(req, org: org)
        return try await renderList(page, org: org, list: list, error: nil)
    }

    /// The page, the organisation and the list a librarian changes: 404 for another organisation's
    /// list, 403 for a branch list of a branch they may not keep lists for.
    static func changing(_ req: Request) async throws -> (Page, Organisation, TitleList) {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let list = try await Self.list(req, org: org)
        _ = try req.staff(.manageLists, branch: list.branchID)
        return (page, org, list)
    }

    static func list(_ req: Request, org: Organisation) async throws -> TitleList {
        guard let id = req.parameters.get("listID").flatMap(UUID.init(uuidString:)),
              let list = try await TitleLists(req.db, organisationID: try org.requireID()).list(id) else { throw Abort(.notFound) }
        return list
    }

    /// A list's page; after a refused form, with its error and what was sent (`typed`) in place of the stored details.
    func renderList(_ page: Page, org: Organisation, list: TitleList, error: BiebError?, typed: FormValues? = nil) async throws -> Response {
        let service = try await ListService(page.request, organisation: org)
        let detail = try await service.detail(list)
        let base = "/staff/lists/\(list.id!)"
        let entries = detail.titles.enumerated().map { index, listed in
            EntryRow(title: listed.title.title, author: listed.title.author, note: listed.note, url: "/staff/catalogue/\(listed.title.id)",
                     up: index > 0 ? "\(base)/titles/\(listed.title.id)/up" : nil,
                     down: index < detail.titles.count - 1 ? "\(base)/titles/\(listed.title.id)/down" : nil,
                     remove: "\(base)/titles/\(listed.title.id)/remove")
        }
        struct Context: Encodable {
            let page: PageContext
            let action: String
            let name: String
            let slug: String
            let description: String
            let isPublic: Bool
            let branches: [FormOption]
            let entries: [EntryRow]
            let addAction: String
            let deleteAction: String
            let publicURL: String?
            let errors: FormErrors?
            /// The title and note of a refused addition.
            let form: FormValues
            let canEdit: Bool
        }
        let canEdit = page.user?.can(.manageLists, branch: list.branchID) == true
        // The details as sent when the details form was refused, else as stored.
        let details = typed?["name"] == nil ? nil : typed
        let branches = [FormOption(value: "", label: page.t("list_whole_organisation"), selected: details.map { ($0["branch"] ?? "").isEmpty } ?? (list.branchID == nil))]
            + service.catalogue.branches.map { branch in
                FormOption(value: branch.slug, label: branch.name, selected: details.map { $0["branch"] == branch.slug } ?? (branch.id == list.branchID))
            }
        return try await page.render("staff/list", Context(
            page: page.context(list.name), action: base, name: details?["name"] ?? list.name, slug: details?["slug"] ?? list.slug,
            description: details?["description"] ?? list.description, isPublic: details.map { $0["is_public"] != nil } ?? list.isPublic, branches: branches, entries: entries, addAction: "\(base)/titles", deleteAction: "\(base)/delete",
            publicURL: list.isPublic ? "/\(org.slug)/lijsten/\(list.slug)" : nil,
            errors: page.formErrors(error, fields: ["title", "note", "name", "slug", "description", "branch"]), form: typed ?? FormValues(),
            canEdit: canEdit),
            status: error == nil ? .ok : (error?.kind == .conflict ? .conflict : .unprocessableEntity))
    }

    func saveList(req: Request) async throws -> Response {
        let (page, org, list) = try await Self.changing(req)
        let form = try req.content.decode(ListForm.self)
        let service = try await ListService(req, organisation: org)
        do {
            try form.input.apply(to: list, service: service)
            _ = try req.staff(.manageLists, branch: list.branchID)
            try await service.lists.save(list)
            return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
        } catch let error as BiebError where error.kind != .forbidden {
            return try await renderList(page, org: org, list: try await Self.list(req, org: org), error: error, typed: FormValues(req))
        }
    }

    func deleteList(req: Request) async throws -> Response {
        let (_, org, list) = try await Self.changing(req)
        try await TitleLists(req.db, organisationID: try org.requireID()).delete(list.id!)
        return req.redirect(to: "/staff/lists", done: "deleted")
    }

    struct EntryForm: Content {
        var csrf: String?
        /// A title number or an ISBN.
        var title: String?
        var note: String?
    }

    func addToList(req: Request) async throws -> Response {
        let (page, org, list) = try await Self.changing(req)
        let form = try req.content.decode(EntryForm.self)
        let lists = TitleLists(req.db, organisationID: try org.requireID())
        do {
            let text = (form.title ?? "").trimmed
            var titleID = Int(text)
            if let isbn = ISBN(text) {
                titleID = try await CatalogStore(req.db, organisationID: try org.requireID()).title(isbn: isbn)?.id
            }
            guard let titleID else {
                throw BiebError.invalid("title", "Give a title number or an ISBN that is in the catalogue.",
                                        nl: "Geef een titelnummer of een ISBN uit de catalogus.")
            }
            try await lists.add(titleID, note: form.note ?? "", to: list.id!)
            return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderList(page, org: org, list: list, error: error, typed: FormValues(req))
        }
    }

    func changeListEntry(req: Request) async throws -> Response {
        let (_, org, list) = try await Self.changing(req)
        guard let titleID = req.parameters.get("titleID").flatMap(Int.init) else { throw Abort(.notFound) }
        let lists = TitleLists(req.db, organisationID: try org.requireID())
        switch req.parameters.get("action") {
        case "up": try await lists.move(titleID, in: list.id!, by: -1)
        case "down": try await lists.move(titleID, in: list.id!, by: 1)
        case "remove": try await lists.remove(titleID, from: list.id!)
        default: throw Abort(.notFound)
        }
        return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
    }
}
