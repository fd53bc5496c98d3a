import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages of one title: the form for its record (new or changed), with
/// contributors, subjects and identifiers.
extension StaffCatalogPages {
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
        let errors: FormErrors?
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
        let branches = try await req.branches.labels(of: try org.requireID())
        let formats = Formats(lang: page.lang, timeZone: org.zone)
        if let title {
            let copies = try await CatalogStore(req.db, organisationID: try org.requireID()).items(of: title.id!)
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
        let canEdit = page.user?.can(.editCatalog) == true
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
            errors: page.formErrors(error, fields: ["title", "authors", "year", "isbns", "language", "age_max", "nur", "link"]), canEdit: canEdit,
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

    /// The page, the organisation and the title a cataloguer changes (or 404).
    static func editing(_ req: Request) async throws -> (Page, Organisation, Title) {
        let page = try await Page(req)
        _ = try req.staff(.editCatalog)
        let org = try Self.organisation(page)
        return (page, org, try await Self.title(req, org: org))
    }

    static func title(_ req: Request, org: Organisation) async throws -> Title {
        guard let id = req.parameters.get("titleID").flatMap(Int.init),
              let title = try await CatalogStore(req.db, organisationID: try org.requireID()).title(id), !title.deleted else {
            throw Abort(.notFound)
        }
        return title
    }

    func newTitleForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalog)
        let org = try Self.organisation(page)
        var form = TitleForm(TitleRecord(title: ""))
        form.language = "dut"
        return try await page.render("staff/title", try await titleContext(page, org: org, title: nil, form: form))
    }

    func createTitle(req: Request) async throws -> Response {
        let page = try await Page(req)
        _ = try req.staff(.editCatalog)
        let org = try Self.organisation(page)
        let form = try req.content.decode(TitleForm.self)
        do {
            var record = try form.record(base: nil)
            record.controlNumber = "bieb-" + UUID().uuidString.lowercased().prefix(12)
            let incoming = try IncomingTitle(marc: MARCMapping.record(for: record), record: record)
            let id = try await CatalogStore(req.db, organisationID: try org.requireID()).create(incoming)
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
        let (page, org, title) = try await Self.editing(req)
        let form = try req.content.decode(TitleForm.self)
        do {
            let record = try form.record(base: title.record)
            let incoming = try IncomingTitle(marc: MARCMapping.record(for: record, base: title.marcRecord), record: record)
            try await CatalogStore(req.db, organisationID: try org.requireID()).update(title.id!, with: incoming)
            return req.redirect(to: "/staff/catalogue/\(title.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: form, error: error)
        }
    }

    func deleteTitle(req: Request) async throws -> Response {
        let (page, org, title) = try await Self.editing(req)
        do {
            try await CatalogStore(req.db, organisationID: try org.requireID()).delete(titleID: title.id!)
            return req.redirect(to: "/staff/catalogue", done: "deleted")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: nil, error: error)
        }
    }
}
