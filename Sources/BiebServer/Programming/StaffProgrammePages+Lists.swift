import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The programme's own lists on the staff pages (`/staff/programma/lijsten`): kinds, themes, series,
/// external venues, communities and the rules for guests, each added by its form; a series or a venue
/// has a page of its own where it is changed (the same decoding as the API's `PUT`) or removed (asked
/// again first; refused while activities use it, naming how many). For library staff, not partners.
extension StaffProgrammePages {
    // MARK: The lists page

    struct ListLink: Encodable {
        let label: String
        let url: String
    }

    struct SettingsContext: Encodable {
        let page: PageContext
        let kinds: [String]
        let themes: [String]
        let series: [ListLink]
        let venues: [ListLink]
        let communities: [String]
        let branches: [FormOption]
        let guestRules: GuestRules
        /// Which form was refused ("kind", "theme", "series", "venue", "guests", "community"), its errors and what was typed.
        let refused: String?
        let errors: FormErrors?
        let form: FormValues
    }

    /// Each form's inputs by the names errors give them (the forms share names such as "name", so each has its own ids).
    static func settingFieldIDs(_ what: String) -> [String: String] {
        switch what {
        case "kind", "theme": ["code": "\(what)_code", "name_nl": "\(what)_nl", "name_en": "\(what)_en"]
        case "series": ["title": "series_title", "description": "series_description"]
        case "venue": ["name": "venue_name", "address": "venue_address", "notes": "venue_notes", "branch_id": "venue_branch"]
        case "guests": ["places_per_registration": "guest_places", "confirm_hours": "guest_hours"]
        case "community": ["name": "community_name", "description": "community_description", "contact": "community_contact",
                           "branch_id": "community_branch"]
        default: [:]
        }
    }

    /// The library's own lists for the programme (staff who plan; not partners).
    func settings(req: Request) async throws -> Response {
        try await renderSettings(req, refused: nil)
    }

    /// The lists page; after a refused form, with its error at its fields and what was typed in it.
    func renderSettings(_ req: Request, refused: (what: String, error: BiebError, form: FormValues)?) async throws -> Response {
        let (access, page) = try await Self.libraryLists(req)
        let org = access.organisation
        let english = page.lang == .en
        let programme = access.programme
        return try await page.render("staff/programme-lists", SettingsContext(
            page: page.context(page.t("programme_lists_title")),
            kinds: try await programme.terms(.kind).map { "\($0.name(english: english)) (\($0.code))" },
            themes: try await programme.terms(.theme).map { "\($0.name(english: english)) (\($0.code))" },
            series: try await programme.series().map { ListLink(label: $0.title, url: ListItem.series.url($0.id)) },
            venues: try await programme.venues().map { ListLink(label: "\($0.name), \($0.address)", url: ListItem.venue.url($0.id)) },
            communities: try await Communities(req.db, organisationID: try org.requireID()).all().map { "\($0.name) (\($0.followers))" },
            branches: try await req.branches.branches(of: try org.requireID()).map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: false) },
            guestRules: try await access.registrations.guestRules(),
            refused: refused?.what, errors: refused.flatMap { page.formErrors($0.error, ids: Self.settingFieldIDs($0.what)) },
            form: refused?.form ?? FormValues()),
            status: refused?.error.httpStatus ?? .ok)
    }

    /// What the kind, theme, guests and community forms send (series and venues are `ActivitySeriesInput`, `VenueInput`).
    struct SettingForm: Content {
        var code: String?
        var name_nl: String?
        var name_en: String?
        var name: String?
        var description: String?
        var contact: String?
        var branch_id: String?
        var places_per_registration: Int?
        var confirm_hours: Int?
    }

    func saveSetting(req: Request) async throws -> Response {
        let (access, page) = try await Self.libraryLists(req)
        do {
            switch req.parameters.get("what") ?? "" {
            case "kind", "theme":
                let form = try req.content.decode(SettingForm.self)
                _ = try await access.programme.saveTerm(req.parameters.get("what") == "kind" ? .kind : .theme, code: form.code?.trimmed ?? "",
                                                        nl: form.name_nl ?? "", en: form.name_en ?? "")
            case "series":
                _ = try await req.content.decode(ActivitySeriesInput.self).create(in: access.programme)
            case "venue":
                _ = try await req.content.decode(VenueInput.self).create(in: access.programme)
            case "guests":
                let form = try req.content.decode(SettingForm.self)
                _ = try await access.registrations.updateGuestRules(placesPerRegistration: form.places_per_registration,
                                                                    confirmHours: form.confirm_hours)
            case "community":
                let form = try req.content.decode(SettingForm.self)
                _ = try await Communities(req.db, organisationID: access.organisation.id!).save(
                    name: form.name ?? "", description: form.description ?? "", contact: form.contact ?? "",
                    branch: form.branch_id.flatMap(UUID.init(uuidString:)))
            default:
                throw Abort(.notFound)
            }
            return Self.back(req, "/staff/programma/lijsten", done: "programme_list_saved", page: page)
        } catch let error as BiebError {
            return try await renderSettings(req, refused: (req.parameters.get("what") ?? "", error, FormValues(req)))
        }
    }

    // MARK: A series or a venue: changed, removed

    /// The lists whose entries have a page of their own; the raw value is the add form's `:what`.
    enum ListItem: String, CaseIterable {
        case series, venue

        /// The entry pages' path segment: not the add form's, which a constant segment would hide from `:what`
        /// (the router does not try a parameter once a constant matched).
        var segment: String { self == .series ? "reeksen" : "locaties" }

        func url(_ id: some CustomStringConvertible) -> String { "/staff/programma/lijsten/\(segment)/\(id)" }
    }

    struct ListItemContext: Encodable {
        let page: PageContext
        /// "series" or "venue".
        let what: String
        let action: String
        let deleteAction: String
        /// How many activities use it, in words ("Used by 2 activities"); nil when none.
        let usedBy: String?
        let branches: [FormOption]
        let errors: FormErrors?
        let form: FormValues
    }

    /// One entry as stored: its title for the page and its fields under the form's names.
    func entry(_ what: ListItem, _ req: Request, _ access: ProgrammeAccess) async throws -> (id: String, title: String, fields: [String: String], used: Int) {
        let text = req.parameters.get("itemID") ?? ""
        switch what {
        case .series:
            guard let id = Int(text), let series = try await access.programme.series(id) else { throw Abort(.notFound) }
            return (text, series.title, ["title": series.title, "description": series.description],
                    try await access.programme.activityCount(series: id))
        case .venue:
            guard let id = UUID(uuidString: text), let venue = try await access.programme.venue(id) else { throw Abort(.notFound) }
            return (id.uuidString, venue.name, ["name": venue.name, "address": venue.address, "notes": venue.notes,
                                                "branch_id": venue.branchID?.uuidString ?? ""], try await access.programme.activityCount(venue: id))
        }
    }

    /// A series' or venue's page; after a refused change or removal, with the error and (for a change) what was typed.
    func renderListItem(_ req: Request, _ what: ListItem, error: BiebError? = nil, typed: FormValues? = nil) async throws -> Response {
        let (access, page) = try await Self.libraryLists(req)
        let entry = try await entry(what, req, access)
        let form = typed ?? FormValues(entry.fields.mapValues { [$0] })
        let url = what.url(entry.id)
        let usedKey = what == .series ? "programme_series_used" : "programme_venue_used"
        return try await page.render("staff/programme-list-item", ListItemContext(
            page: page.context(entry.title), what: what.rawValue, action: url, deleteAction: url + "/verwijderen",
            usedBy: entry.used == 0 ? nil : Locales.text(usedKey, page.lang, count: entry.used),
            branches: try await req.branches.branches(of: access.organisation.id!).map {
                FormOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString == form["branch_id"])
            },
            errors: page.formErrors(error, ids: Self.settingFieldIDs(what.rawValue)), form: form),
            status: error?.httpStatus ?? .ok)
    }

    func listItem(req: Request, _ what: ListItem) async throws -> Response {
        try await renderListItem(req, what)
    }

    /// Saves a changed series or venue: the API's decoding, so the form refuses what `PUT` refuses.
    func saveListItem(req: Request, _ what: ListItem) async throws -> Response {
        let (access, page) = try await Self.libraryLists(req)
        let entry = try await entry(what, req, access)
        do {
            switch what {
            case .series: _ = try await req.content.decode(ActivitySeriesInput.self).update(Int(entry.id)!, in: access.programme)
            case .venue: _ = try await req.content.decode(VenueInput.self).update(UUID(uuidString: entry.id)!, in: access.programme)
            }
            return Self.back(req, "/staff/programma/lijsten", done: "programme_list_saved", page: page)
        } catch let error as BiebError {
            return try await renderListItem(req, what, error: error, typed: FormValues(req))
        }
    }

    /// Removes a series or venue once asked again (`confirm=yes`); refused (409, on its page) while activities use it.
    func deleteListItem(req: Request, _ what: ListItem) async throws -> Response {
        let (access, page) = try await Self.libraryLists(req)
        let entry = try await entry(what, req, access)
        guard (try? req.content.get(String.self, at: "confirm")) == "yes" else {
            let url = what.url(entry.id)
            return try await page.render("staff/confirm", StaffPages.ConfirmContext(
                page: page.context(page.t("programme_\(what.rawValue)_delete_title")), back: entry.title, backURL: url,
                question: page.t("programme_\(what.rawValue)_delete_question", ["name": entry.title]),
                action: url + "/verwijderen#fout", confirmLabel: page.t("delete")))
        }
        do {
            switch what {
            case .series: try await access.programme.deleteSeries(Int(entry.id)!)
            case .venue: try await access.programme.deleteVenue(UUID(uuidString: entry.id)!)
            }
            return Self.back(req, "/staff/programma/lijsten", done: "programme_list_removed", page: page)
        } catch let error as BiebError {
            return try await renderListItem(req, what, error: error)
        }
    }
}
