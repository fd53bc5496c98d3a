import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages for the catalogue: find a title, create and edit title
/// records (with validation that names the field, and the MARC record as
/// stored), add and change copies, and curated lists. Plain forms with CSRF
/// tokens, like the other staff pages.
struct StaffCataloguePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped("staff")
            .grouped(StaffSessionsMiddleware())
            .grouped(SessionAuthenticator())
            .grouped(CSRFMiddleware())
            .grouped(RequireStaffPage())
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
                let result = try await req.catalogSearch(org.id!).titles(try SearchQuery.parse(text), limit: 50, offset: 0)
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
        let summary = total.map { page.t("staff_cat_found", ["n": $0.formatted(), "shown": String(rows.count)]) }
        return try await page.render("staff/catalogue", Context(page: page.context(page.t("staff_cat_title")), q: text, rows: rows,
                                                                 summary: summary, error: error,
                                                                 canEdit: page.user?.can(.editCatalogue) == true))
    }

    // MARK: Title form

    /// The title form's fields, as typed.
    struct TitleForm: Content {
        var csrf: String?
        var title: String?
        var subtitle: String?
        var responsibility: String?
        var authors: String?
        var publisher: String?
        var place: String?
        var year: String?
        var edition: String?
        var isbns: String?
        var language: String?
        var format: String?
        var series: String?
        var series_number: String?
        var subjects: String?
        var summary: String?
        var audience: String?
        var age_min: String?
        var age_max: String?
        var avi: String?
        var nur: String?
        var siso: String?
        var cover: String?
        var access_rule: String?
        var link: String?

        init(_ r: TitleRecord) {
            title = r.title
            subtitle = r.subtitle
            responsibility = r.responsibility
            authors = r.contributors.map { $0.role == .author ? $0.name : "\($0.name) (\($0.role.rawValue))" }.joined(separator: "\n")
            publisher = r.publisher
            place = r.placeOfPublication
            year = r.year.map(String.init)
            edition = r.edition
            isbns = r.isbns.map(\.isbn13).joined(separator: "\n")
            language = r.language
            format = r.format.rawValue
            series = r.series
            series_number = r.seriesNumber
            subjects = r.subjects.joined(separator: "\n")
            summary = r.summary
            audience = r.audience?.rawValue
            age_min = r.ageMin.map(String.init)
            age_max = r.ageMax.map(String.init)
            avi = r.aviLevel
            nur = r.nur.map { String(format: "%03d", $0) }
            siso = r.siso
            cover = r.coverReference
            access_rule = r.accessRule?.rawValue
            link = r.link
        }

        static func value(_ text: String?) -> String? {
            guard let text = text?.trimmed, !text.isEmpty else { return nil }
            return text
        }

        static func lines(_ text: String?) -> [String] {
            (text ?? "").split(whereSeparator: \.isNewline).map { $0.trimmed }.filter { !$0.isEmpty }
        }

        static func number(_ text: String?, field: String, nl: String) throws -> Int? {
            guard let text = value(text) else { return nil }
            guard let number = Int(text) else {
                throw BiebError.invalid(field, "'\(text)' is not a number.", nl: "'\(text)' is geen getal (\(nl)).")
            }
            return number
        }

        /// The record these fields describe, onto `base` (so fields the form
        /// does not show — the control number among them — are kept); throws
        /// naming the first wrong field.
        func record(base: TitleRecord?) throws -> TitleRecord {
            var r = base ?? TitleRecord(title: "")
            r.title = Self.value(title) ?? ""
            r.subtitle = Self.value(subtitle)
            r.responsibility = Self.value(responsibility)
            r.contributors = try Self.lines(authors).enumerated().map { index, line in
                var name = line
                var role = ContributorRole.author
                if line.hasSuffix(")"), let open = line.lastIndex(of: "(") {
                    let word = line[line.index(after: open)..<line.index(before: line.endIndex)].trimmed.lowercased()
                    guard let value = ContributorRole(rawValue: word) ?? ContributorRole(dutch: word) else {
                        throw BiebError.invalid("authors", "Unknown role '\(word)'; use one of: \(ContributorRole.allCases.map(\.rawValue).joined(separator: ", ")).",
                                                nl: "Onbekende rol '\(word)'; gebruik auteur, illustrator, vertaler, redacteur, verteller, componist, uitvoerende, regisseur of anders.")
                    }
                    role = value
                    name = line[..<open].trimmed
                }
                return Contributor(name: name, role: role, isMain: index == 0 && role == .author)
            }
            r.publisher = Self.value(publisher)
            r.placeOfPublication = Self.value(place)
            r.year = try Self.number(year, field: "year", nl: "jaar")
            r.edition = Self.value(edition)
            r.isbns = try Self.lines(isbns?.replacingOccurrences(of: ",", with: "\n")).map { text in
                guard let isbn = ISBN(text) else {
                    throw BiebError.invalid("isbns", "'\(text)' is not a valid ISBN (wrong length or check digit).",
                                            nl: "'\(text)' is geen geldig ISBN (verkeerde lengte of controlecijfer).", code: "invalid_isbn")
                }
                return isbn
            }
            var seen = Set<String>()
            r.isbns = r.isbns.filter { seen.insert($0.isbn13).inserted }
            r.language = Self.value(language)?.lowercased()
            guard let format = MaterialFormat(rawValue: Self.value(format) ?? "book") else {
                throw BiebError.invalid("format", "Unknown format '\(format ?? "")'.", nl: "Onbekende vorm '\(format ?? "")'.")
            }
            r.format = format
            r.series = Self.value(series)
            r.seriesNumber = Self.value(series_number)
            r.subjects = Self.lines(subjects)
            r.summary = Self.value(summary)
            if let text = Self.value(audience) {
                guard let value = Audience(rawValue: text) else {
                    throw BiebError.invalid("audience", "Unknown audience '\(text)'.", nl: "Onbekende doelgroep '\(text)'.")
                }
                r.audience = value
            } else {
                r.audience = nil
            }
            r.ageMin = try Self.number(age_min, field: "age_min", nl: "leeftijd vanaf")
            r.ageMax = try Self.number(age_max, field: "age_max", nl: "leeftijd tot")
            r.aviLevel = try Self.value(avi).map { text in
                guard let level = AVI.normalise(text) else {
                    throw BiebError.invalid("avi", "'\(text)' is not an AVI level.", nl: "'\(text)' is geen AVI-niveau.")
                }
                return level
            }
            r.nur = try Self.number(nur, field: "nur", nl: "NUR")
            r.siso = Self.value(siso)
            r.coverReference = Self.value(cover)
            if let text = Self.value(access_rule) {
                guard let rule = AccessRule(rawValue: text) else {
                    throw BiebError.invalid("access_rule", "Unknown access rule '\(text)'.", nl: "Onbekende toegang '\(text)'.")
                }
                r.accessRule = rule
            } else {
                r.accessRule = nil
            }
            if let text = Self.value(link) {
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                    throw BiebError.invalid("link", "'\(text)' is not a web address (https://…).", nl: "'\(text)' is geen webadres (https://…).")
                }
                r.link = text
            } else {
                r.link = nil
            }
            try TitleValidation.validate(r)
            return r
        }
    }

    struct ItemRow: Encodable {
        let id: Int
        let barcode: String
        let branches: [FormOption]
        let current: String
        let callNumber: String
        let shelf: String
        let status: String
        let statuses: [FormOption]
        let price: String
        let acquired: String
        let due: String?
        let action: String
    }

    struct TitleContext: Encodable {
        let page: PageContext
        let isNew: Bool
        let action: String
        let form: TitleForm
        let formats: [FormOption]
        let audiences: [FormOption]
        let aviLevels: [FormOption]
        let accessRules: [FormOption]
        let error: String?
        let errorField: String?
        let canEdit: Bool
        let publicURL: String?
        let deleteAction: String?
        let items: [ItemRow]
        let branches: [FormOption]
        let itemAction: String?
        let marc: [String]
    }

    func titleContext(_ page: Page, org: Organisation, title: Title?, form: TitleForm, error: BiebError? = nil) async throws -> TitleContext {
        func options<T: RawRepresentable & CaseIterable>(_ type: T.Type, selected: String?, key: String, empty: Bool) -> [FormOption] where T.RawValue == String {
            (empty ? [FormOption(value: "", label: "—", selected: selected == nil || selected == "")] : [])
                + T.allCases.map { FormOption(value: $0.rawValue, label: page.t("\(key)_\($0.rawValue)"), selected: $0.rawValue == selected) }
        }
        let req = page.request
        var items: [ItemRow] = []
        var branchOptions: [FormOption] = []
        let branches = try await req.branches.labels(of: org.id!)
        let formats = Formats(lang: page.lang, timeZone: org.zone)
        if let title {
            let copies = try await CatalogStore(req.db, organisationID: org.id!).items(of: title.id!)
            let names = Dictionary(uniqueKeysWithValues: branches.map { ($0.id, $0.name) })
            items = copies.map { item in
                ItemRow(id: item.id!, barcode: item.barcode,
                        branches: branches.map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == item.owningBranchID) },
                        current: names[item.currentBranchID] ?? "", callNumber: item.callNumber, shelf: item.shelfLocation,
                        status: page.t("item_status_\(item.statusRaw)"),
                        statuses: ItemStatus.allCases.map { FormOption(value: $0.rawValue, label: page.t("item_status_\($0.rawValue)"), selected: $0 == item.status) },
                        price: item.priceCents.map { String(format: "%.2f", Double($0) / 100) } ?? "",
                        acquired: item.acquiredOn ?? "", due: item.dueAt.map { formats.shortDate(LocalDate($0, in: org.zone)) },
                        action: "/staff/catalogue/\(title.id!)/items/\(item.id!)")
            }
            branchOptions = branches.map { FormOption(value: $0.slug, label: $0.name, selected: false) }
        }
        let canEdit = page.user?.can(.editCatalogue) == true
        let marc = title?.marcRecord?.displayLines ?? []
        let name = title.map { $0.title } ?? page.t("staff_title_new")
        let digital = MaterialFormat(rawValue: form.format ?? "")?.isDigital == true
        return TitleContext(
            page: page.context(name), isNew: title == nil,
            action: title.map { "/staff/catalogue/\($0.id!)" } ?? "/staff/catalogue/new", form: form,
            formats: options(MaterialFormat.self, selected: form.format ?? "book", key: "format", empty: false),
            audiences: options(Audience.self, selected: form.audience, key: "audience", empty: true),
            aviLevels: [FormOption(value: "", label: "—", selected: (form.avi ?? "").isEmpty)]
                + AVI.levels.map { FormOption(value: $0, label: $0, selected: $0 == form.avi) },
            accessRules: options(AccessRule.self, selected: form.access_rule, key: "access", empty: true),
            error: error.map(page.message), errorField: error?.field, canEdit: canEdit,
            publicURL: title.map { "/\(org.slug)/catalogus/\($0.id!)" },
            deleteAction: title.map { "/staff/catalogue/\($0.id!)/delete" },
            items: items, branches: branchOptions,
            itemAction: title.flatMap { digital ? nil : "/staff/catalogue/\($0.id!)/items" }, marc: marc)
    }

    /// The title form again with the error that stopped a change (422, or 409 for a clash); `form`
    /// nil shows the stored record.
    func renderTitle(_ page: Page, org: Organisation, title: Title?, form: TitleForm?, error: BiebError) async throws -> Response {
        guard let form = form ?? title?.record.map(TitleForm.init) else { throw error }
        return try await page.render("staff/title", try await titleContext(page, org: org, title: title, form: form, error: error),
                                     status: error.kind == .conflict ? .conflict : .unprocessableEntity)
    }

    static func title(_ req: Request, org: Organisation) async throws -> Title {
        guard let id = req.parameters.get("titleID").flatMap(Int.init),
              let title = try await CatalogStore(req.db, organisationID: org.id!).title(id), !title.deleted else {
            throw Abort(.notFound)
        }
        return title
    }

    func newTitleForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalogue)
        let org = try Self.organisation(page)
        var form = TitleForm(TitleRecord(title: ""))
        form.language = "dut"
        return try await page.render("staff/title", try await titleContext(page, org: org, title: nil, form: form))
    }

    func createTitle(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalogue)
        let org = try Self.organisation(page)
        let form = try req.content.decode(TitleForm.self)
        do {
            var record = try form.record(base: nil)
            record.controlNumber = "bieb-" + UUID().uuidString.lowercased().prefix(12)
            let incoming = try IncomingTitle(marc: MARCMapping.record(for: record), record: record)
            let id = try await CatalogStore(req.db, organisationID: org.id!).create(incoming)
            return req.redirect(to: "/staff/catalogue/\(id)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: nil, form: form, error: error)
        }
    }

    func titleForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let title = try await Self.title(req, org: org)
        guard let record = title.record else { throw Abort(.internalServerError) }
        return try await page.render("staff/title", try await titleContext(page, org: org, title: title, form: TitleForm(record)))
    }

    func saveTitle(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalogue)
        let org = try Self.organisation(page)
        let title = try await Self.title(req, org: org)
        let form = try req.content.decode(TitleForm.self)
        do {
            let record = try form.record(base: title.record)
            let incoming = try IncomingTitle(marc: MARCMapping.record(for: record, base: title.marcRecord), record: record)
            try await CatalogStore(req.db, organisationID: org.id!).update(title.id!, with: incoming)
            return req.redirect(to: "/staff/catalogue/\(title.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: form, error: error)
        }
    }

    func deleteTitle(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalogue)
        let org = try Self.organisation(page)
        let title = try await Self.title(req, org: org)
        do {
            try await CatalogStore(req.db, organisationID: org.id!).delete(titleID: title.id!)
            return req.redirect(to: "/staff/catalogue", done: "deleted")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: nil, error: error)
        }
    }

    // MARK: Copies

    struct ItemForm: Content {
        var csrf: String?
        var barcode: String?
        var branch: String?
        var call_number: String?
        var shelf: String?
        var price: String?
        var acquired: String?
        var status: String?

        func draft(branches: [BranchLabel]) throws -> ItemDraft {
            guard let branch = branches.first(where: { $0.slug == self.branch }) else {
                throw BiebError.invalid("branch", "Choose a branch.", nl: "Kies een vestiging.")
            }
            var cents: Int?
            if let text = price?.trimmed, !text.isEmpty {
                guard let value = Double(text.replacingOccurrences(of: ",", with: ".")), value >= 0 else {
                    throw BiebError.invalid("price", "'\(text)' is not a price.", nl: "'\(text)' is geen prijs.")
                }
                cents = Int((value * 100).rounded())
            }
            var date: LocalDate?
            if let text = acquired?.trimmed, !text.isEmpty {
                guard let value = LocalDate(iso: text) else {
                    throw BiebError.invalid("acquired", "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
                }
                date = value
            }
            return ItemDraft(barcode: barcode ?? "", branchID: branch.id, callNumber: call_number ?? "", shelfLocation: shelf ?? "",
                             priceCents: cents, acquired: date)
        }
    }

    func addItem(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalogue)
        let org = try Self.organisation(page)
        let title = try await Self.title(req, org: org)
        let form = try req.content.decode(ItemForm.self)
        do {
            let draft = try form.draft(branches: try await req.branches.labels(of: org.id!))
            _ = try await CatalogStore(req.db, organisationID: org.id!).addItem(to: title.id!, draft)
            return req.redirect(to: "/staff/catalogue/\(title.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: nil, error: error)
        }
    }

    func saveItem(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalogue)
        let org = try Self.organisation(page)
        let title = try await Self.title(req, org: org)
        let store = CatalogStore(req.db, organisationID: org.id!)
        guard let itemID = req.parameters.get("itemID").flatMap(Int.init),
              try await store.items(of: title.id!).contains(where: { $0.id == itemID }) else { throw Abort(.notFound) }
        let form = try req.content.decode(ItemForm.self)
        do {
            let draft = try form.draft(branches: try await req.branches.labels(of: org.id!))
            try await store.updateItem(itemID, draft)
            if let text = form.status, let status = ItemStatus(rawValue: text),
               let item = try await store.items(of: title.id!).first(where: { $0.id == itemID }), item.status != status {
                // Staff may withdraw a copy or mark it lost or missing; lending and returning belong to the desk.
                try await store.setStatus(status, ofItems: [itemID])
            }
            return req.redirect(to: "/staff/catalogue/\(title.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: nil, error: error)
        }
    }

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
            let error: String?
            let name: String
            let description: String
            let canCreate: Bool
        }
        let user = page.user
        let branches = service.catalogue.branches.filter { user?.can(.manageLists, branch: $0.id) == true }
        let options = (user?.can(.manageLists) == true ? [FormOption(value: "", label: page.t("list_whole_organisation"), selected: true)] : [])
            + branches.map { FormOption(value: $0.slug, label: $0.name, selected: false) }
        return try await page.render("staff/lists", Context(page: page.context(page.t("lists_title")), rows: rows, branches: options,
                                                            error: error.map(page.message), name: name, description: description,
                                                            canCreate: !options.isEmpty),
                                     status: error == nil ? .ok : (error?.kind == .conflict ? .conflict : .unprocessableEntity))
    }

    struct ListForm: Content {
        var csrf: String?
        var name: String?
        var slug: String?
        var description: String?
        var branch: String?
        var is_public: String?
    }

    func createList(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let form = try req.content.decode(ListForm.self)
        let service = try await ListService(req, organisation: org)
        do {
            let list = TitleList(organisationID: org.id!, slug: form.slug ?? "", name: form.name ?? "", description: form.description ?? "",
                                 isPublic: form.is_public != nil)
            if let slug = form.branch, !slug.isEmpty {
                guard let id = service.catalogue.branchesBySlug[slug] else {
                    throw BiebError.invalid("branch", "No branch '\(slug)'.", nl: "Geen vestiging '\(slug)'.")
                }
                list.branchID = id
            }
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

    static func list(_ req: Request, org: Organisation) async throws -> TitleList {
        guard let id = req.parameters.get("listID").flatMap(UUID.init(uuidString:)),
              let list = try await TitleLists(req.db, organisationID: org.id!).list(id) else { throw Abort(.notFound) }
        return list
    }

    func renderList(_ page: Page, org: Organisation, list: TitleList, error: BiebError?) async throws -> Response {
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
            let error: String?
            let canEdit: Bool
        }
        let canEdit = page.user?.can(.manageLists, branch: list.branchID) == true
        let branches = [FormOption(value: "", label: page.t("list_whole_organisation"), selected: list.branchID == nil)]
            + service.catalogue.branches.map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == list.branchID) }
        return try await page.render("staff/list", Context(
            page: page.context(list.name), action: base, name: list.name, slug: list.slug, description: list.description,
            isPublic: list.isPublic, branches: branches, entries: entries, addAction: "\(base)/titles", deleteAction: "\(base)/delete",
            publicURL: list.isPublic ? "/\(org.slug)/lijsten/\(list.slug)" : nil, error: error.map(page.message), canEdit: canEdit),
            status: error == nil ? .ok : (error?.kind == .conflict ? .conflict : .unprocessableEntity))
    }

    func saveList(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let list = try await Self.list(req, org: org)
        _ = try req.staff(.manageLists, branch: list.branchID)
        let form = try req.content.decode(ListForm.self)
        let service = try await ListService(req, organisation: org)
        do {
            list.name = form.name ?? list.name
            list.slug = form.slug ?? list.slug
            list.description = form.description ?? ""
            list.isPublic = form.is_public != nil
            if let slug = form.branch {
                list.branchID = slug.isEmpty ? nil : service.catalogue.branchesBySlug[slug]
            }
            _ = try req.staff(.manageLists, branch: list.branchID)
            try await service.lists.save(list)
            return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
        } catch let error as BiebError where error.kind != .forbidden {
            return try await renderList(page, org: org, list: try await Self.list(req, org: org), error: error)
        }
    }

    func deleteList(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let list = try await Self.list(req, org: org)
        _ = try req.staff(.manageLists, branch: list.branchID)
        try await TitleLists(req.db, organisationID: org.id!).delete(list.id!)
        return req.redirect(to: "/staff/lists", done: "deleted")
    }

    struct EntryForm: Content {
        var csrf: String?
        /// A title number or an ISBN.
        var title: String?
        var note: String?
    }

    func addToList(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let list = try await Self.list(req, org: org)
        _ = try req.staff(.manageLists, branch: list.branchID)
        let form = try req.content.decode(EntryForm.self)
        let lists = TitleLists(req.db, organisationID: org.id!)
        do {
            let text = (form.title ?? "").trimmed
            var titleID = Int(text)
            if let isbn = ISBN(text) {
                titleID = try await CatalogStore(req.db, organisationID: org.id!).title(isbn: isbn)?.id
            }
            guard let titleID else {
                throw BiebError.invalid("title", "Give a title number or an ISBN that is in the catalogue.",
                                        nl: "Geef een titelnummer of een ISBN uit de catalogus.")
            }
            try await lists.add(titleID, note: form.note ?? "", to: list.id!)
            return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderList(page, org: org, list: list, error: error)
        }
    }

    func changeListEntry(req: Request) async throws -> Response {
        let page = try await Page(req)
        let org = try Self.organisation(page)
        let list = try await Self.list(req, org: org)
        _ = try req.staff(.manageLists, branch: list.branchID)
        guard let titleID = req.parameters.get("titleID").flatMap(Int.init) else { throw Abort(.notFound) }
        let lists = TitleLists(req.db, organisationID: org.id!)
        switch req.parameters.get("action") {
        case "up": try await lists.move(titleID, in: list.id!, by: -1)
        case "down": try await lists.move(titleID, in: list.id!, by: 1)
        case "remove": try await lists.remove(titleID, from: list.id!)
        default: throw Abort(.notFound)
        }
        return req.redirect(to: "/staff/lists/\(list.id!)", done: "saved")
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
