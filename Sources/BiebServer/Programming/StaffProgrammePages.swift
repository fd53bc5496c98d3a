import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The programme in the staff pages: plan an activity (a draft holds its
/// space), publish or call it off, the list at the door with check-in by
/// card or by ticking, attendance and no-shows, the door list as CSV; the
/// week of every space of a branch; partners' consultation hours.
struct StaffProgrammePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("programma", use: list)
        staff.post("programma", use: create)
        staff.get("programma", "lijsten", use: settings)
        staff.post("programma", "lijsten", ":what", use: saveSetting)
        for what in ListItem.allCases {
            staff.get("programma", "lijsten", .constant(what.segment), ":itemID") { try await self.listItem(req: $0, what) }
            staff.post("programma", "lijsten", .constant(what.segment), ":itemID") { try await self.saveListItem(req: $0, what) }
            staff.post("programma", "lijsten", .constant(what.segment), ":itemID", "verwijderen") { try await self.deleteListItem(req: $0, what) }
        }
        staff.get("programma", ":activityID", use: activity)
        staff.post("programma", ":activityID", "publiceren", use: publish)
        staff.post("programma", ":activityID", "afgelasten", use: cancel)
        staff.post("programma", ":activityID", "inchecken", use: checkIn)
        staff.get("programma", ":activityID", "deurlijst.csv", use: doorCSV)
        staff.get("branches", ":branchID", "week", use: week)
        staff.get("spreekuren", use: hours)
        staff.post("spreekuren", use: publishHours)
        staff.post("spreekuren", ":hourID", "afzeggen", use: cancelHour)
    }

    typealias Option = FormOption

    static func access(_ req: Request) async throws -> (ProgrammeAccess, StaffPages.Page) {
        (try await ProgrammeAccess.make(req), try await StaffPages.Page(req))
    }

    /// The access and page for the library's own lists (not for partner contacts).
    static func libraryLists(_ req: Request) async throws -> (ProgrammeAccess, StaffPages.Page) {
        let (access, page) = try await Self.access(req)
        guard access.keepsLibraryLists else { throw Abort(.forbidden) }
        return (access, page)
    }

    /// Back to a page after it worked, with a `flash_` key's message. A refusal shows the page again
    /// with the error (`FormErrors`): next to the field it is about and in the summary.
    static func back(_ req: Request, _ path: String, done: String? = nil, page: StaffPages.Page) -> Response {
        req.redirect(to: path + (done.map { "?done=\($0)" } ?? ""), redirectType: .normal)
    }

    // MARK: The list and the planning form

    struct Line: Encodable {
        let url: String
        let title: String
        let when: String
        let place: String
        let status: String
        let draft: Bool
        let places: String
    }

    struct SpaceGroup: Encodable {
        let branch: String
        let spaces: [FormOption]
    }

    struct ListContext: Encodable {
        let page: PageContext
        /// A refused plan form: its errors, and what was typed (`form.title`, …).
        let errors: FormErrors?
        let form: FormValues
        let lines: [Line]
        let canPlan: Bool
        let branches: [FormOption]
        /// The rooms grouped by their branch (the room list follows the branch without JavaScript).
        let spaceGroups: [SpaceGroup]
        let kinds: [FormOption]
        let themes: [FormOption]
        let audiences: [FormOption]
        let coreFunctions: [FormOption]
        let presences: [FormOption]
        let registrations: [FormOption]
        let venues: [FormOption]
        let series: [FormOption]
        let communities: [FormOption]
        let partners: [FormOption]
        let canLists: Bool
        let today: String
        /// Prefilled from the week calendar (`?ruimte=&datum=`), or as typed.
        let date: String
        let needsStaff: Bool
    }

    func list(req: Request) async throws -> Response {
        try await renderList(req, refused: nil)
    }

    /// The plan form's inputs by the names errors give them (the times' error is at the end time).
    static let planFieldIDs = ["title": "title", "kind": "kind", "branch_id": "branch_id", "space_id": "space_id", "venue_id": "venue_id",
                               "date": "date", "starts": "starts", "ends": "ends", "weeks": "weeks", "description": "description",
                               "series_id": "series_id", "community_id": "community_id", "registration": "registration",
                               "price": "price", "price_cents": "price", "capacity": "capacity", "sessions": "date",
                               "core_function": "core_function", "presence": "presence"]

    /// The list with the plan form; after a refused plan, with its error and everything as typed.
    func renderList(_ req: Request, refused: (error: BiebError, form: FormValues)?) async throws -> Response {
        let (access, page) = try await Self.access(req)
        let typed = refused?.form
        /// A choice as typed, or the default when the form is new.
        func chosen(_ name: String, _ value: String, otherwise: Bool) -> Bool { typed.map { $0.contains(name, value) } ?? otherwise }
        // Volunteers check people in at their own branch: they see its activities.
        guard access.user.can(.manageProgramme) || access.user.can(.checkIn, branch: access.user.branchID) else { throw Abort(.forbidden) }
        let org = access.organisation
        let words = try await AgendaPages.Words.make(req, org)
        var filter = AgendaFilter(from: Date().addingTimeInterval(-86_400))
        filter.includeUnpublished = true
        filter.limit = 200
        if access.user.role == .partner { filter.partnerID = access.user.partnerID ?? UUID() }
        if access.user.role == .volunteer { filter.branchID = access.user.branchID ?? UUID() }
        let listings = try await access.programme.agenda(filter)
        let english = page.lang == .en
        var branches = words.branches.values.filter(\.active).sorted { $0.name < $1.name }
        if access.user.role == .partner, let own = access.user.partnerID {
            // A partner plans only in the branches that house their organisation.
            let housed = Set(try await BranchPartner.query(on: req.db).filter(\.$partner.$id == own).all().map { $0.$branch.id })
            branches = branches.filter { housed.contains($0.id!) }
        }
        // From the week calendar: a space and a day to plan in.
        let chosenSpace = req.query[String.self, at: "ruimte"].flatMap(UUID.init(uuidString:)).flatMap { words.spaces[$0] }
        let chosenDate = req.query[String.self, at: "datum"].flatMap(LocalDate.init(iso:))
        let spaces = words.spaces.values.filter { space in space.kind == .room && space.bookable && branches.contains { $0.id == space.$branch.id } }
            .sorted { (words.branches[$0.$branch.id]!.name, $0.name) < (words.branches[$1.$branch.id]!.name, $1.name) }
        return try await page.render("staff/programme", ListContext(
            page: page.context(page.t("programme_staff_title")),
            errors: page.formErrors(refused?.error, ids: Self.planFieldIDs), form: typed ?? FormValues(),
            lines: listings.map { listing in
                Line(url: "/staff/programma/\(listing.activity.id)", title: listing.activity.title, when: words.when(listing),
                     place: words.place(listing.activity), status: page.t("activity_status_\(listing.activity.status.rawValue)"),
                     draft: listing.activity.status == .draft,
                     places: listing.activity.capacity.map { "\(listing.taken)/\($0)" + (listing.waiting > 0 ? " (+\(listing.waiting))" : "") } ?? "\(listing.taken)")
            },
            canPlan: access.user.can(.manageProgramme) && !branches.isEmpty,
            // The branch of the space chosen in the week calendar, else the staff member's own.
            branches: branches.map { FormOption(value: $0.id!.uuidString, label: $0.name,
                                                selected: chosen("branch_id", $0.id!.uuidString, otherwise: $0.id == (chosenSpace?.$branch.id ?? access.user.branchID))) },
            spaceGroups: branches.compactMap { branch in
                let own = spaces.filter { $0.$branch.id == branch.id }
                return own.isEmpty ? nil : SpaceGroup(branch: branch.name, spaces: own.map {
                    FormOption(value: $0.id!.uuidString, label: page.t("programme_space_option", ["space": $0.name, "n": String($0.capacity)]),
                               selected: chosen("space_id", $0.id!.uuidString, otherwise: $0.id == chosenSpace?.id))
                })
            },
            kinds: words.kinds.values.sorted { $0.name(english: english) < $1.name(english: english) }
                .map { FormOption(value: $0.code, label: $0.name(english: english), selected: chosen("kind", $0.code, otherwise: false)) },
            themes: words.themes.values.sorted { $0.name(english: english) < $1.name(english: english) }
                .map { FormOption(value: $0.code, label: $0.name(english: english), selected: chosen("themes[]", $0.code, otherwise: false)) },
            audiences: ActivityAudience.allCases.map {
                FormOption(value: $0.rawValue, label: page.t("programme_audience_\($0.rawValue)"), selected: chosen("audiences[]", $0.rawValue, otherwise: false))
            },
            coreFunctions: CoreFunction.allCases.map {
                FormOption(value: $0.rawValue, label: $0.name(english: english), selected: chosen("core_function", $0.rawValue, otherwise: $0 == .meeting))
            },
            presences: ActivityPresence.allCases.map {
                FormOption(value: $0.rawValue, label: $0.name(english: english), selected: chosen("presence", $0.rawValue, otherwise: $0 == .physical))
            },
            registrations: RegistrationMode.allCases.map {
                FormOption(value: $0.rawValue, label: page.t("registration_mode_\($0.rawValue)"), selected: chosen("registration", $0.rawValue, otherwise: $0 == .free))
            },
            venues: words.venues.values.sorted { $0.name < $1.name }.map {
                FormOption(value: $0.id.uuidString, label: "\($0.name), \($0.address)", selected: chosen("venue_id", $0.id.uuidString, otherwise: false))
            },
            series: try await access.programme.series().map {
                FormOption(value: String($0.id), label: $0.title, selected: chosen("series_id", String($0.id), otherwise: false))
            },
            communities: try await Communities(req.db, organisationID: try org.requireID()).all().map {
                FormOption(value: $0.id.uuidString, label: $0.name, selected: chosen("community_id", $0.id.uuidString, otherwise: false))
            },
            partners: access.user.role == .partner ? [] : try await PartnerDirectory(req.db).partners(of: try org.requireID())
                .map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: chosen("partner_ids[]", $0.id!.uuidString, otherwise: false)) },
            canLists: access.keepsLibraryLists,
            today: LocalDate(Date(), in: org.zone).iso, date: typed?["date"] ?? chosenDate?.iso ?? "", needsStaff: typed.map { $0["needs_staff"] != nil } ?? true),
            status: refused?.error.httpStatus ?? .ok)
    }

    /// The plan form's own fields: what it types differently from the API
    /// (a series and places as text, a checkbox, an amount in euros, a
    /// date with times and weeks). Every other field of the form has the
    /// API's name and decodes as `ActivityFields` (`planFields`).
    struct PlanForm: Content {
        var series_id: String?
        var capacity: String?
        var needs_staff: String?
        var price: String?
        var date: String?
        var starts: String?
        var ends: String?
        var weeks: String?

        static let names: Set<String> = ["series_id", "capacity", "needs_staff", "price", "date", "starts", "ends", "weeks"]
    }

    /// The plan form's body as the API's `ActivityFields`, leaving out the
    /// fields `PlanForm` reads: a field added to activities arrives from the
    /// form by its name without a change here.
    static func planFields(_ req: Request) throws -> ActivityFields {
        let pairs = (req.body.string ?? "").split(separator: "&").filter { pair in
            !PlanForm.names.contains(String(pair.prefix { $0 != "=" }))
        }
        return try URLEncodedFormDecoder().decode(ActivityFields.self, from: pairs.joined(separator: "&"))
    }

    /// Plans a draft from the form: a date, start and end, repeated weekly `weeks` times.
    func create(req: Request) async throws -> Response {
        let (access, page) = try await Self.access(req)
        let form = try req.content.decode(PlanForm.self)
        let org = access.organisation
        do {
            guard let day = LocalDate(iso: form.date ?? "") else { throw BiebError.invalid("date", "Give a date.", nl: "Geef een datum.") }
            guard let starts = LocalTime(form.starts ?? ""), let ends = LocalTime(form.ends ?? ""), ends.minuteOfDay > starts.minuteOfDay else {
                throw BiebError.invalid("ends", "Give a start and a later end (HH:MM).", nl: "Geef een begin en een later einde (UU:MM).")
            }
            let weeks = Int(form.weeks ?? "1") ?? 0
            guard (1...52).contains(weeks) else { throw BiebError.invalid("weeks", "1 to 52 weeks.", nl: "1 tot 52 weken.") }
            let sessions = (0..<weeks).map { week -> TimeRange in
                let date = day.adding(days: 7 * week)
                return TimeRange(start: LocalClock.instant(of: date, minute: starts.minuteOfDay, in: org.zone),
                                 end: LocalClock.instant(of: date, minute: ends.minuteOfDay, in: org.zone))
            }
            // The form's own fields (a date, times and weeks, an amount in euros, a places box) become the API's; then one decoding.
            var fields = try Self.planFields(req)
            fields.series_id = try form.series_id.flatMap { text in
                guard !text.isEmpty else { return nil }
                guard let id = Int(text) else { throw BiebError.invalid("series_id", "Choose a series.", nl: "Kies een reeks.") }
                return id
            }
            fields.registration = fields.registration ?? RegistrationMode.free.rawValue
            fields.needs_staff = form.needs_staff != nil
            if fields.registration == RegistrationMode.paid.rawValue {
                fields.price_cents = try Money.cents(euros: form.price, field: "price")
            }
            if let text = form.capacity?.trimmed, !text.isEmpty {
                guard let capacity = Int(text) else { throw BiebError.invalid("capacity", "Places is a number.", nl: "Plaatsen is een getal.") }
                fields.capacity = capacity
            }
            let input = try fields.input(sessions: sessions, partner: access.user.role == .partner ? access.user.partnerID : nil)
            try await access.mayPlan(branch: input.branchID, partners: input.partnerIDs)
            let listing = try await access.programme.create(input, staff: access.user.id)
            return Self.back(req, "/staff/programma/\(listing.activity.id)", done: "activity_planned", page: page)
        } catch let error as BiebError where error.kind == .invalid || error.kind == .conflict || error.kind == .notFound {
            return try await renderList(req, refused: (error, FormValues(req)))
        }
    }

    // MARK: One activity: publish, call off, the door

    struct Mark: Encodable {
        let session: Int
        let label: String
        let present: Bool
    }

    struct Person: Encodable {
        let id: Int
        let name: String
        let card: String
        let places: Int
        let waiting: Bool
        /// A guest who has not yet confirmed by the mailed link (the places are held until then).
        let unconfirmed: Bool
        /// Per session: checked in or not.
        let marks: [Mark]
    }

    struct SessionColumn: Encodable {
        let id: Int
        let label: String
        let attended: Int
        let noShows: String
        /// A refused scan for this session, next to its card field.
        let error: String?
    }

    struct ActivityContext: Encodable {
        let page: PageContext
        /// A refused publish or check-in (`FormErrors`; a scan's error names the session's card field).
        let errors: FormErrors?
        let title: String
        let when: String
        let place: String
        let status: String
        let draft: Bool
        let cancelled: Bool
        let places: String
        let publicURL: String
        let base: String
        let canManage: Bool
        let sessions: [SessionColumn]
        let people: [Person]
        /// The collection's shelf of the activity's themes (`ThemeShelves`), for staff who read the collection.
        let shelf: ActivityShelfView?
    }

    /// The access, the page and the activity of the path, for staff with this permission for it.
    static func activityPage(_ req: Request, _ permission: Permission) async throws -> (ProgrammeAccess, StaffPages.Page, ActivityListing) {
        let (access, page) = try await Self.access(req)
        guard let id = req.parameters.get("activityID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        return (access, page, try await access.activity(id, permission))
    }

    func activity(req: Request) async throws -> Response {
        let (access, page, listing) = try await Self.activityPage(req, .checkIn)
        return try await renderActivity(req, access: access, page: page, listing: listing)
    }

    /// The activity's page; after a refusal with `error` (a scan's for `session`), in the error's status.
    func renderActivity(_ req: Request, access: ProgrammeAccess, page: StaffPages.Page, listing: ActivityListing,
                        error: BiebError? = nil, session: Int? = nil) async throws -> Response {
        let a = listing.activity
        let cardError = error.flatMap { ["card", "session"].contains($0.field ?? "") ? $0.message(dutch: page.lang == .nl) : nil }
        let words = try await AgendaPages.Words.make(req, access.organisation)
        let lines = try await access.doorList(a.id)
        let attendance = try await access.registrations.attendance(activity: a.id)
        let formats = words.formats
        let labels = Dictionary(uniqueKeysWithValues: listing.sessions.map {
            ($0.id, formats.shortDate(LocalDate($0.range.start, in: access.organisation.zone)) + " " + formats.time($0.range.start))
        })
        let themeNames = Dictionary(uniqueKeysWithValues: try await Programme(req.db, organisationID: try access.organisation.requireID(),
                                                                              timeZone: access.organisation.zone).terms(.theme)
            .map { ($0.code, page.lang == .en ? $0.en : $0.nl) })
        let shelf = access.user.can(.viewCollection)
            ? try await ActivityShelfView.make(req, organisation: access.organisation, listing: listing, themeNames: themeNames, english: page.lang == .en)
            : nil
        return try await page.render("staff/activity", ActivityContext(
            page: page.context(a.title),
            errors: page.formErrors(error, ids: session.map { ["card": "card_\($0)", "session": "card_\($0)"] } ?? [:]),
            title: a.title, when: words.when(listing), place: words.place(a),
            status: page.t("activity_status_\(a.status.rawValue)"), draft: a.status == .draft, cancelled: a.status == .cancelled,
            places: a.capacity.map { "\(listing.taken)/\($0)" } ?? "\(listing.taken)",
            publicURL: "/\(access.organisation.slug)/agenda/\(a.id)", base: "/staff/programma/\(a.id)",
            canManage: access.user.can(.manageProgramme, branch: a.branchID),
            sessions: attendance.map {
                SessionColumn(id: $0.session.id, label: labels[$0.session.id] ?? "", attended: $0.attended, noShows: $0.noShows.map(String.init) ?? "–",
                              error: $0.session.id == session ? cardError : nil)
            },
            people: lines.map { line in
                Person(id: line.registration.id, name: line.name, card: line.cardNumber ?? "", places: line.registration.places,
                       waiting: line.registration.status == .waiting, unconfirmed: line.registration.isProvisional,
                       marks: listing.sessions.map { Mark(session: $0.id, label: labels[$0.id] ?? "", present: line.attendedSessions.contains($0.id)) })
            }, shelf: shelf), status: error?.httpStatus ?? .ok)
    }

    func publish(req: Request) async throws -> Response {
        let (access, page, listing) = try await Self.activityPage(req, .manageProgramme)
        let path = "/staff/programma/\(listing.activity.id)"
        do {
            _ = try await access.programme.publish(listing.activity.id, staff: access.user.id)
            return Self.back(req, path, done: "activity_published", page: page)
        } catch let error as BiebError {
            return try await renderActivity(req, access: access, page: page, listing: listing, error: error)
        }
    }

    func cancel(req: Request) async throws -> Response {
        let (access, page, listing) = try await Self.activityPage(req, .manageProgramme)
        _ = try await access.programme.cancel(listing.activity.id)
        return Self.back(req, "/staff/programma/\(listing.activity.id)", done: "activity_cancelled", page: page)
    }

    struct CheckInForm: Content {
        var session: Int?
        var card: String?
        var registration: Int?
        /// "0": undo the tick.
        var present: String?
    }

    /// Check-in by a scanned card, or by ticking (and unticking) a name.
    func checkIn(req: Request) async throws -> Response {
        let (access, page, listing) = try await Self.activityPage(req, .checkIn)
        let form = try req.content.decode(CheckInForm.self)
        let path = "/staff/programma/\(listing.activity.id)"
        do {
            guard let session = form.session, listing.sessions.contains(where: { $0.id == session }) else {
                throw BiebError.invalid("session", "Choose a session.", nl: "Kies een keer.")
            }
            if let card = form.card?.trimmed, !card.isEmpty {
                _ = try await access.registrations.checkIn(card: card, activity: listing.activity.id, session: session, staff: access.user.id)
            } else if let id = form.registration, let found = try await access.registrations.registration(id), found.activityID == listing.activity.id {
                if form.present == "0" {
                    try await access.registrations.undoCheckIn(registration: id, session: session)
                } else {
                    try await access.registrations.checkIn(registration: id, session: session, staff: access.user.id)
                }
            } else {
                throw BiebError.invalid("card", "Scan a card or tick a name.", nl: "Scan een pas of vink een naam aan.")
            }
            return Self.back(req, path, done: "checked_in", page: page)
        } catch let error as BiebError {
            // The listing again: a scan that did count elsewhere shows in the numbers.
            let listing = try await access.activity(listing.activity.id, .checkIn)
            return try await renderActivity(req, access: access, page: page, listing: listing, error: error, session: form.session)
        }
    }

    func doorCSV(req: Request) async throws -> Response {
        let (access, _, listing) = try await Self.activityPage(req, .checkIn)
        let lines = try await access.doorList(listing.activity.id)
        return ProgrammeAPIController.csv(lines, listing: listing, organisation: access.organisation)
    }

    // MARK: The week of a branch's spaces

    struct Cell: Encodable {
        let time: String
        let title: String
        let tentative: Bool
        let member: Bool
    }

    struct Day: Encodable {
        let label: String
        let cells: [Cell]
        /// Plan an activity in this space on this day (rooms, future days).
        let planURL: String?
    }

    struct Row: Encodable {
        let space: String
        let capacity: Int
        let days: [Day]
    }

    struct WeekContext: Encodable {
        let page: PageContext
        let branch: String
        let week: String
        let previous: String
        let next: String
        let days: [String]
        let rows: [Row]
        let planURL: String
    }

    /// Every space of the branch, Monday to Sunday: each booking with its time
    /// and what it is for (activities, room bookings, consultation hours, study places);
    /// tentative holds marked. Bookings never overlap beyond a space's capacity.
    func week(req: Request) async throws -> Response {
        let (branch, org, user) = try await BranchAPIController.ownBranch(req, .viewStaffPages)
        let page = try await StaffPages.Page(req)
        let today = LocalDate(Date(), in: org.zone)
        var monday = LocalDate(iso: req.query[String.self, at: "van"] ?? "") ?? today
        while monday.weekday != .monday { monday = monday.adding(days: -1) }
        let range = TimeRange(start: LocalClock.instant(of: monday, minute: 0, in: org.zone),
                              end: LocalClock.instant(of: monday.adding(days: 7), minute: 0, in: org.zone))
        let bookings = try await SpaceBookings(req.db, organisationID: try org.requireID(), timeZone: org.zone).bookings(branch: branch.id!, in: range)
        let spaces = try await req.branches.spaces(of: branch.id!).filter(\.bookable)
        let formats = Formats(lang: page.lang, timeZone: org.zone)
        let staffView = user.can(.manageMembers, branch: branch.id)
        let rows = spaces.map { space -> Row in
            let mine = bookings.filter { $0.spaceID == space.id }
            return Row(space: space.name, capacity: space.capacity, days: (0..<7).map { offset in
                let day = monday.adding(days: offset)
                let cells = mine.filter { LocalDate($0.range.start, in: org.zone) == day }.map {
                    Cell(time: "\(formats.time($0.range.start))–\(formats.time($0.range.end))",
                         title: $0.memberID != nil && !staffView ? page.t("week_member_booking") : $0.title,
                         tentative: $0.status == .tentative, member: $0.memberID != nil)
                }
                let plan = space.kind == .room && day >= today && user.can(.manageProgramme, branch: branch.id)
                    ? "/staff/programma?ruimte=\(space.id!)&datum=\(day.iso)#plannen" : nil
                return Day(label: formats.shortDate(day), cells: cells, planURL: plan)
            })
        }
        return try await page.render("staff/week", WeekContext(
            page: page.context(page.t("week_title", ["branch": branch.name])), branch: branch.name,
            week: formats.dateWithYear(monday), previous: "?van=\(monday.adding(days: -7).iso)", next: "?van=\(monday.adding(days: 7).iso)",
            days: (0..<7).map { formats.shortDate(monday.adding(days: $0)) }, rows: rows, planURL: "/staff/programma"))
    }
}
