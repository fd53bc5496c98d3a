import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The staff pages under `/staff`: sign-in, the organisation's branches,
/// editing a branch, its weekly hours, exceptions and spaces, and accounts.
/// Plain HTML forms (no JavaScript), each with a CSRF token; sessions in a
/// cookie (HttpOnly, SameSite=Lax).
struct StaffPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped("staff")
            .grouped(StaffSessionsMiddleware())
            .grouped(SessionAuthenticator())
            .grouped(CSRFMiddleware())
        staff.get("login", use: loginForm)
        staff.post("login", use: login)
        staff.post("logout", use: logout)

        let signedIn = staff.grouped(RequireStaffPage())
        signedIn.get(use: dashboard)
        signedIn.get("branches", "new", use: newBranchForm)
        signedIn.post("branches", "new", use: createBranch)
        signedIn.get("branches", ":branchID", use: branchForm)
        signedIn.post("branches", ":branchID", use: saveBranch)
        signedIn.get("branches", ":branchID", "hours", use: hoursForm)
        signedIn.post("branches", ":branchID", "hours", use: saveHours)
        signedIn.post("branches", ":branchID", "exceptions", use: addException)
        signedIn.post("branches", ":branchID", "exceptions", ":exceptionID", "delete", use: deleteException)
        signedIn.post("branches", ":branchID", "holidays", use: addHolidays)
        signedIn.post("branches", ":branchID", "spaces", use: addSpace)
        signedIn.post("branches", ":branchID", "spaces", ":spaceID", "delete", use: deleteSpace)
        signedIn.post("branches", ":branchID", "partners", use: housePartner)
        signedIn.post("branches", ":branchID", "partners", ":partnerID", "delete", use: unhousePartner)
        signedIn.get("users", use: users)
        signedIn.post("users", use: createUser)
        signedIn.post("users", ":userID", use: updateUser)
    }

    // MARK: Common

    struct Page {
        let request: Request
        let user: StaffUser?
        let organisation: Organisation?
        let lang: Language

        init(_ req: Request) async throws {
            request = req
            user = req.auth.get(StaffUser.self)
            if let user {
                organisation = try await Organisation.find(user.organisationID, on: req.db)
            } else {
                organisation = nil
            }
            lang = Language.of(req)
        }

        func context(_ title: String, flash: String? = nil) -> PageContext {
            let summary = user.map {
                PageContext.UserSummary(name: $0.name, role: Locales.text("role_\($0.role.rawValue)", lang),
                                        organisation: organisation?.name ?? "", isAdmin: $0.role == .admin)
            }
            return PageContext(request, lang: lang, title: title, user: summary, csrf: CSRFMiddleware.token(for: request),
                               flash: flash ?? request.query[String.self, at: "done"].map { Locales.text("flash_\($0)", lang) })
        }

        func t(_ key: String, _ values: [String: String] = [:]) -> String { Locales.text(key, lang, values) }

        func render(_ template: String, _ context: some Encodable, status: HTTPStatus = .ok) async throws -> Response {
            let response = try await request.view.render(template, context).encodeResponse(status: status, for: request)
            response.rememberLanguage(from: request)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }

        func message(_ error: BiebError) -> String {
            let text = error.message(dutch: lang == .nl)
            guard let field = error.field else { return text }
            return "\(t("form_field")) \(field): \(text)"
        }
    }

    static func branch(_ req: Request, _ permission: Permission? = nil) async throws -> (Branch, Organisation, StaffUser) {
        let user = try req.staff()
        guard let id = req.parameters.get("branchID").flatMap(UUID.init(uuidString:)),
              let branch = try await req.branches.branch(id, in: user.organisationID),
              let org = try await Organisation.find(user.organisationID, on: req.db) else {
            throw Abort(.notFound)
        }
        if let permission { _ = try req.staff(permission, branch: branch.id) }
        return (branch, org, user)
    }

    // MARK: Sign-in

    struct LoginContext: Encodable {
        let page: PageContext
        let email: String
        let error: String?
    }

    func loginForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        if page.user != nil { return req.redirect(to: "/staff") }
        return try await page.render("staff/login", LoginContext(page: page.context(page.t("login_title")), email: "", error: nil))
    }

    struct LoginInput: Content {
        var email: String?
        var password: String?
    }

    func login(req: Request) async throws -> Response {
        let page = try await Page(req)
        let input = try req.content.decode(LoginInput.self)
        let email = input.email ?? ""
        do {
            let user = try await SignIn(request: req).verify(email: email, password: input.password ?? "")
            // A new session id at sign-in (no session fixation): drop the
            // anonymous session's record and let the middleware create a new one.
            if let old = req.session.id {
                try await req.application.sessions.driver.deleteSession(old, for: req).get()
                req.session.id = nil
            }
            req.session.data["uid"] = user.id!.uuidString
            req.session.data["since"] = String(Date().timeIntervalSince1970)
            req.session.data["csrf"] = Tokens.generate()
            return req.redirect(to: "/staff")
        } catch let error as BiebError {
            let status: HTTPStatus = error.kind == .tooManyRequests ? .tooManyRequests : .unauthorized
            let response = try await page.render("staff/login", LoginContext(page: page.context(page.t("login_title")), email: email,
                                                                              error: error.message(dutch: page.lang == .nl)), status: status)
            if let retry = error.retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retry)) }
            return response
        }
    }

    func logout(req: Request) async throws -> Response {
        req.session.destroy()
        req.auth.logout(StaffUser.self)
        return req.redirect(to: "/staff/login", done: "signed_out")
    }

    // MARK: Dashboard

    struct BranchLine: Encodable {
        let id: UUID
        let name: String
        let kind: String
        let status: String
        let open: Bool
        let level: String
        let editURL: String
        let hoursURL: String
        let publicURL: String
        let canEdit: Bool
        let canEditHours: Bool
        let active: Bool
    }

    func dashboard(req: Request) async throws -> Response {
        let page = try await Page(req)
        let user = try req.staff()
        let org = page.organisation!
        let directory = req.branches
        let branches = try await directory.branches(of: org.id!, includeInactive: true)
        let now = Date()
        let calendars = try await directory.calendars(of: branches, timeZone: org.zone,
                                                      exceptionsFrom: LocalDate(now, in: org.zone).adding(days: -1))
        let words = BranchPresentation(lang: page.lang, timeZone: org.zone)
        let lines = branches.map { branch in
            let status = calendars[branch.id!]!.status(at: now)
            return BranchLine(id: branch.id!, name: branch.name, kind: words.kindName(branch.kind), status: words.statusText(status, now: now),
                              open: status.isOpen, level: status.level.rawValue,
                              editURL: "/staff/branches/\(branch.id!)", hoursURL: "/staff/branches/\(branch.id!)/hours",
                              publicURL: "/\(org.slug)/\(branch.slug)",
                              canEdit: user.can(.editBranch, branch: branch.id),
                              canEditHours: user.can(.editSchedule, branch: branch.id) || user.can(.editExceptions, branch: branch.id),
                              active: branch.active)
        }
        struct Context: Encodable {
            let page: PageContext
            let organisation: String
            let branches: [BranchLine]
            let canCreate: Bool
            let canManageUsers: Bool
            let canViewMessages: Bool
            let canAuditPrivacy: Bool
            let canProgramme: Bool
            let canHours: Bool
        }
        return try await page.render("staff/dashboard", Context(page: page.context(page.t("staff_dashboard")), organisation: org.name,
                                                                 branches: lines, canCreate: user.can(.createBranch),
                                                                 canManageUsers: user.can(.manageUsers), canViewMessages: user.can(.viewMessages),
                                                                 canAuditPrivacy: user.can(.auditPrivacy),
                                                                 canProgramme: user.can(.manageProgramme) || user.can(.checkIn, branch: user.branchID),
                                                                 canHours: user.can(.manageConsultationHours)))
    }

    // MARK: Branch details


    struct BranchForm: Encodable {
        let page: PageContext
        let action: String
        let isNew: Bool
        let error: String?
        let name: String
        let slug: String
        let kinds: [FormOption]
        let street: String
        let postcode: String
        let city: String
        let municipality: String
        let neighbourhood: String
        let district: String
        let latitude: String
        let longitude: String
        let phone: String
        let email: String
        let descriptionNL: String
        let descriptionEN: String
        let minAge: Int
        let minDays: Int
        let requiresTerms: Bool
        let active: Bool
        let hoursURL: String?
        let spaces: [SpaceLine]
        let spaceKinds: [FormOption]
        let spacesURL: String?
        let partners: [PartnerLine]
        let partnerOptions: [FormOption]
        let partnerKinds: [FormOption]
        let partnersURL: String?
    }

    struct PartnerLine: Encodable {
        let name: String
        let role: String
        let deleteURL: String
    }

    struct SpaceLine: Encodable {
        let name: String
        let kind: String
        let capacity: Int
        let bookable: Bool
        let deleteURL: String
    }

    /// The branch form: details, and for an existing branch its spaces and partners.
    func branchFormContext(_ page: Page, branch: Branch, isNew: Bool, error: String?) async throws -> BranchForm {
        let words = BranchPresentation(lang: page.lang, timeZone: page.organisation?.zone ?? BranchCalendar.amsterdam)
        let base = isNew ? nil : "/staff/branches/\(branch.id!)"
        let spaces = isNew ? [] : try await page.request.branches.spaces(of: branch.id!)
        let partners = isNew ? [] : try await PartnerDirectory(page.request.db).partners(ofBranch: branch.id!)
        let organisationPartners = try await PartnerDirectory(page.request.db).partners(of: branch.$organisation.id)
        return BranchForm(
            page: page.context(isNew ? page.t("branch_new") : branch.name),
            action: isNew ? "/staff/branches/new" : base!, isNew: isNew, error: error,
            name: branch.name, slug: branch.slug,
            kinds: BranchKind.allCases.map { FormOption(value: $0.rawValue, label: words.kindName($0), selected: $0.rawValue == branch.kindRaw) },
            street: branch.street, postcode: branch.postcode, city: branch.city, municipality: branch.municipality,
            neighbourhood: branch.neighbourhood, district: branch.district,
            latitude: branch.latitude.map { String($0) } ?? "", longitude: branch.longitude.map { String($0) } ?? "",
            phone: branch.phone, email: branch.email, descriptionNL: branch.descriptionNL, descriptionEN: branch.descriptionEN,
            minAge: branch.selfServiceMinAge, minDays: branch.selfServiceMinMembershipDays, requiresTerms: branch.selfServiceRequiresTerms,
            active: branch.active, hoursURL: base.map { "\($0)/hours" },
            spaces: spaces.map { SpaceLine(name: $0.name, kind: Locales.text("space_\($0.kindRaw)", page.lang), capacity: $0.capacity,
                                           bookable: $0.bookable, deleteURL: "\(base ?? "")/spaces/\($0.id!)/delete") },
            spaceKinds: SpaceKind.allCases.map { FormOption(value: $0.rawValue, label: Locales.text("space_\($0.rawValue)", page.lang), selected: false) },
            spacesURL: base.map { "\($0)/spaces" },
            partners: partners.map { PartnerLine(name: $0.partner.name, role: $0.role, deleteURL: "\(base ?? "")/partners/\($0.partner.id!)/delete") },
            partnerOptions: [FormOption(value: "", label: page.t("partner_new_option"), selected: true)]
                + organisationPartners.map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: false) },
            partnerKinds: PartnerKind.allCases.map { FormOption(value: $0.rawValue, label: page.t("partner_kind_\($0.rawValue)"), selected: false) },
            partnersURL: base.map { "\($0)/partners" })
    }

    /// The branch form again, with the error and what was typed.
    func branchFormWithError(_ page: Page, branch: Branch, isNew: Bool, error: BiebError) async throws -> Response {
        try await page.render("staff/branch", branchFormContext(page, branch: branch, isNew: isNew, error: page.message(error)),
                              status: .badRequest)
    }

    func newBranchForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let user = try req.staff(.createBranch)
        let branch = Branch(organisationID: user.organisationID, slug: "", name: "", kind: .district)
        return try await page.render("staff/branch", branchFormContext(page, branch: branch, isNew: true, error: nil))
    }

    struct BranchFormInput: Content {
        var name: String?
        var slug: String?
        var kind: String?
        var street: String?
        var postcode: String?
        var city: String?
        var municipality: String?
        var neighbourhood: String?
        var district: String?
        var latitude: String?
        var longitude: String?
        var phone: String?
        var email: String?
        var description_nl: String?
        var description_en: String?
        var min_age: String?
        var min_days: String?
        var requires_terms: String?
        var active: String?

        func apply(to branch: Branch) throws {
            branch.name = name ?? ""
            let trimmedSlug = (slug ?? "").trimmingCharacters(in: .whitespaces)
            branch.slug = trimmedSlug.isEmpty ? Validate.slugify(branch.name) : trimmedSlug
            if let kind { branch.kindRaw = kind }
            branch.street = street ?? ""
            branch.postcode = postcode ?? ""
            branch.city = city ?? ""
            branch.municipality = municipality ?? ""
            branch.neighbourhood = neighbourhood ?? ""
            branch.district = district ?? ""
            branch.latitude = try Self.number(latitude, field: "latitude")
            branch.longitude = try Self.number(longitude, field: "longitude")
            branch.phone = phone ?? ""
            branch.email = email ?? ""
            branch.descriptionNL = description_nl ?? ""
            branch.descriptionEN = description_en ?? ""
            branch.selfServiceMinAge = try Self.integer(min_age, field: "min_age") ?? branch.selfServiceMinAge
            branch.selfServiceMinMembershipDays = try Self.integer(min_days, field: "min_days") ?? branch.selfServiceMinMembershipDays
            branch.selfServiceRequiresTerms = requires_terms == "on"
            branch.active = active == "on"
        }

        static func number(_ text: String?, field: String) throws -> Double? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Double(text.replacingOccurrences(of: ",", with: ".")) else {
                throw BiebError.invalid(field, "'\(text)' is not a number.", nl: "'\(text)' is geen getal.")
            }
            return value
        }

        static func integer(_ text: String?, field: String) throws -> Int? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Int(text) else {
                throw BiebError.invalid(field, "'\(text)' is not a whole number.", nl: "'\(text)' is geen geheel getal.")
            }
            return value
        }
    }

    func createBranch(req: Request) async throws -> Response {
        let page = try await Page(req)
        let user = try req.staff(.createBranch)
        let branch = Branch(organisationID: user.organisationID, slug: "", name: "", kind: .district)
        do {
            try req.content.decode(BranchFormInput.self).apply(to: branch)
            try await req.branches.save(branch)
        } catch let error as BiebError {
            return try await branchFormWithError(page, branch: branch, isNew: true, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "created")
    }

    func branchForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, _, _) = try await Self.branch(req, .editBranch)
        return try await page.render("staff/branch", branchFormContext(page, branch: branch, isNew: false, error: nil))
    }

    func saveBranch(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, _, _) = try await Self.branch(req, .editBranch)
        do {
            try req.content.decode(BranchFormInput.self).apply(to: branch)
            try await req.branches.save(branch)
        } catch let error as BiebError {
            return try await branchFormWithError(page, branch: branch, isNew: false, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "saved")
    }

    struct SpaceInput: Content {
        var name: String?
        var kind: String?
        var capacity: String?
        var bookable: String?
    }

    func addSpace(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, _, _) = try await Self.branch(req, .editSpaces)
        let input = try req.content.decode(SpaceInput.self)
        do {
            let capacity = try BranchFormInput.integer(input.capacity, field: "capacity") ?? 0
            let space = Space(branchID: branch.id!, kind: .room, name: input.name ?? "", capacity: capacity, bookable: input.bookable == "on")
            try SpacePatch(kind: input.kind, name: nil, capacity: nil, bookable: nil, notes: nil, facilities: nil).apply(to: space)
            try await req.branches.save(space)
        } catch let error as BiebError {
            return try await branchFormWithError(page, branch: branch, isNew: false, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "saved")
    }

    func deleteSpace(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.branch(req, .editSpaces)
        guard let id = req.parameters.get("spaceID").flatMap(UUID.init(uuidString:)),
              let space = try await req.branches.space(id, branch: branch.id!) else { throw Abort(.notFound) }
        try await space.delete(on: req.db)
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "deleted")
    }

    // MARK: Partners

    struct PartnerInput: Content {
        var partner_id: String?
        var new_name: String?
        var new_kind: String?
        var new_website: String?
        var role: String?
    }

    /// Houses an existing partner in the branch, or adds a new partner and houses it.
    func housePartner(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, _, user) = try await Self.branch(req, .editBranch)
        let input = try req.content.decode(PartnerInput.self)
        do {
            try await req.db.transaction { tx in
                let directory = PartnerDirectory(tx)
                let partner: Partner
                if let id = input.partner_id.flatMap(UUID.init(uuidString:)) {
                    guard let existing = try await directory.partner(id, in: user.organisationID) else {
                        throw BiebError.notFound("partner", nl: "Partner niet gevonden.")
                    }
                    partner = existing
                } else {
                    partner = Partner(organisationID: user.organisationID, name: input.new_name ?? "",
                                      kind: input.new_kind ?? PartnerKind.other.rawValue, website: input.new_website ?? "")
                    try await directory.save(partner)
                }
                try await directory.house(partner.id!, in: branch.id!, role: input.role ?? "")
            }
        } catch let error as BiebError {
            return try await branchFormWithError(page, branch: branch, isNew: false, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "saved")
    }

    func unhousePartner(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.branch(req, .editBranch)
        guard let id = req.parameters.get("partnerID").flatMap(UUID.init(uuidString:)),
              try await PartnerDirectory(req.db).unhouse(id, from: branch.id!) else { throw Abort(.notFound) }
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "deleted")
    }

    // MARK: Opening hours

    struct PeriodRow: Encodable {
        let prefix: String
        let number: Int
        let days: [FormOption]
        let opens: String
        let closes: String
        let levels: [FormOption]
    }

    struct ScheduleBlock: Encodable {
        let prefix: String
        let isDefault: Bool
        let isNew: Bool
        let delete: Bool
        let name: String
        let validFrom: String
        let validUntil: String
        let rows: [PeriodRow]
        let rowCount: Int
        let staffedHours: String
        let selfServiceHours: String
    }

    struct ExceptionLine: Encodable {
        let dates: String
        let reason: String
        let hours: String
        let deleteURL: String
    }

    struct HoursContext: Encodable {
        let page: PageContext
        let branch: String
        let branchURL: String
        let action: String
        let error: String?
        let canEditSchedule: Bool
        let canEditExceptions: Bool
        let schedules: [ScheduleBlock]
        let scheduleCount: Int
        let exceptions: [ExceptionLine]
        let exceptionURL: String
        let holidaysURL: String
        let levels: [FormOption]
        let year: Int
        let nextYear: Int
    }

    static let blankRows = 4

    /// Raw form rows of one schedule, kept as text so a rejected form is shown
    /// again exactly as typed.
    struct RawSchedule {
        var name: String
        var validFrom: String
        var validUntil: String
        var isDefault: Bool
        var delete: Bool
        var periods: [(day: String, opens: String, closes: String, level: String)]

        /// A seasonal block with nothing filled in (the form's empty "new season").
        var isBlank: Bool {
            !isDefault && name.isEmpty && validFrom.isEmpty && validUntil.isEmpty
                && periods.allSatisfy { $0.day.isEmpty && $0.opens.isEmpty && $0.closes.isEmpty }
        }
    }

    func rawSchedules(from records: [OpeningSchedule]) -> [RawSchedule] {
        var raw = records.map { record -> RawSchedule in
            let value = BranchDirectory.schedule(from: record)
            return RawSchedule(name: value.name, validFrom: value.validFrom?.iso ?? "", validUntil: value.validUntil?.iso ?? "",
                               isDefault: value.isDefault, delete: false,
                               periods: value.periods.map { ($0.weekday.name, $0.opens.text, $0.closes.text, $0.level.rawValue) })
        }
        if !raw.contains(where: \.isDefault) {
            raw.insert(RawSchedule(name: "", validFrom: "", validUntil: "", isDefault: true, delete: false, periods: []), at: 0)
        }
        raw.sort { $0.isDefault && !$1.isDefault }
        return raw
    }

    func hoursContext(_ page: Page, branch: Branch, org: Organisation, user: StaffUser, raw: [RawSchedule], error: String?) async throws -> HoursContext {
        let words = BranchPresentation(lang: page.lang, timeZone: org.zone)
        let today = LocalDate(Date(), in: org.zone)
        let exceptions = try await page.request.branches.exceptionRecords(of: branch.id!, from: today)
        let base = "/staff/branches/\(branch.id!)"
        func levelOptions(_ selected: String) -> [FormOption] {
            [ServiceLevel.staffed, .selfService, .closed].map { FormOption(value: $0.rawValue, label: words.formats.level($0), selected: $0.rawValue == selected) }
        }
        func dayOptions(_ selected: String) -> [FormOption] {
            [FormOption(value: "", label: "—", selected: selected.isEmpty)]
                + Weekday.allCases.map { FormOption(value: $0.name, label: words.formats.weekdayName($0), selected: $0.name == selected) }
        }
        var blocks = raw
        blocks.append(RawSchedule(name: "", validFrom: "", validUntil: "", isDefault: false, delete: false, periods: []))
        let scheduleBlocks = blocks.enumerated().map { index, schedule -> ScheduleBlock in
            let rows = schedule.periods + Array(repeating: (day: "", opens: "", closes: "", level: "staffed"), count: Self.blankRows)
            let parsed = try? parse(schedule, field: "")
            let minutes = parsed?.minutesPerWeek() ?? [:]
            func hours(_ level: ServiceLevel) -> String {
                let value = Double(minutes[level] ?? 0) / 60
                return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
            }
            return ScheduleBlock(
                prefix: "s\(index)", isDefault: schedule.isDefault, isNew: index == blocks.count - 1, delete: schedule.delete,
                name: schedule.name, validFrom: schedule.validFrom, validUntil: schedule.validUntil,
                rows: rows.enumerated().map { pi, row in
                    PeriodRow(prefix: "s\(index)_p\(pi)", number: pi + 1, days: dayOptions(row.day), opens: row.opens, closes: row.closes,
                              levels: levelOptions(row.level))
                },
                rowCount: rows.count, staffedHours: hours(.staffed), selfServiceHours: hours(.selfService))
        }
        return HoursContext(
            page: page.context(page.t("hours_title", ["branch": branch.name])), branch: branch.name, branchURL: base,
            action: "\(base)/hours", error: error,
            canEditSchedule: user.can(.editSchedule, branch: branch.id), canEditExceptions: user.can(.editExceptions, branch: branch.id),
            schedules: scheduleBlocks, scheduleCount: scheduleBlocks.count,
            exceptions: exceptions.compactMap { record in
                BranchDirectory.exception(from: record).map { value in
                    let row = words.exceptionRow(value)
                    return ExceptionLine(dates: row.dates, reason: row.reason, hours: row.hours, deleteURL: "\(base)/exceptions/\(record.id!)/delete")
                }
            },
            exceptionURL: "\(base)/exceptions", holidaysURL: "\(base)/holidays", levels: levelOptions("staffed"),
            year: today.year, nextYear: today.year + 1)
    }

    /// The hours page again with an error; `raw` keeps the schedules as typed
    /// (nil: as stored).
    func hoursWithError(_ page: Page, branch: Branch, org: Organisation, user: StaffUser, error: BiebError,
                        raw: [RawSchedule]? = nil) async throws -> Response {
        let schedules: [RawSchedule]
        if let raw {
            schedules = raw
        } else {
            schedules = rawSchedules(from: try await page.request.branches.scheduleRecords(of: branch.id!))
        }
        return try await page.render("staff/hours", hoursContext(page, branch: branch, org: org, user: user, raw: schedules,
                                                                 error: page.message(error)), status: .badRequest)
    }

    func hoursForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req)
        guard user.can(.editSchedule, branch: branch.id) || user.can(.editExceptions, branch: branch.id) else {
            _ = try req.staff(.editSchedule, branch: branch.id)
            throw Abort(.forbidden)
        }
        let records = try await req.branches.scheduleRecords(of: branch.id!)
        return try await page.render("staff/hours", hoursContext(page, branch: branch, org: org, user: user, raw: rawSchedules(from: records), error: nil))
    }

    /// Turns one raw schedule into a validated schedule; errors name the
    /// schedule and row as people count them ("schedule 1, row 3").
    func parse(_ raw: RawSchedule, field: String, lang: Language = .en) throws -> WeeklySchedule {
        func word(_ key: String) -> String { Locales.text(key, lang).lowercased() }
        var periods: [WeeklyPeriod] = []
        for (index, row) in raw.periods.enumerated() {
            let f = "\(field)\(word("hours_row")) \(index + 1)"
            if row.day.isEmpty && row.opens.isEmpty && row.closes.isEmpty { continue }
            periods.append(WeeklyPeriod(try HoursInput.weekday(row.day, field: "\(f) (\(word("hours_weekday")))"),
                                        try HoursInput.time(row.opens, field: "\(f) (\(word("hours_opens")))"),
                                        try HoursInput.time(row.closes, field: "\(f) (\(word("hours_closes")))"),
                                        try HoursInput.level(row.level, field: "\(f) (\(word("hours_level")))")))
        }
        let schedule = WeeklySchedule(
            name: raw.name.trimmingCharacters(in: .whitespaces),
            validFrom: raw.isDefault || raw.validFrom.isEmpty ? nil : try HoursInput.date(raw.validFrom, field: "\(field)\(word("hours_valid_from"))"),
            validUntil: raw.isDefault || raw.validUntil.isEmpty ? nil : try HoursInput.date(raw.validUntil, field: "\(field)\(word("hours_valid_until"))"),
            periods: periods)
        do { try OpeningHoursValidation.validate(schedule, field: field.isEmpty ? "schedule" : String(field.dropLast(2))) } catch { throw error.biebError }
        return schedule
    }

    func saveHours(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req, .editSchedule)
        let form = try req.content.decode([String: String].self)
        let count = min(Int(form["schedule_count"] ?? "") ?? 0, 50)
        var raw: [RawSchedule] = []
        for s in 0..<count {
            let p = "s\(s)"
            let rows = min(Int(form["\(p)_rows"] ?? "") ?? 0, 200)
            let periods = (0..<rows).map { r in
                (day: form["\(p)_p\(r)_day"] ?? "", opens: form["\(p)_p\(r)_opens"] ?? "",
                 closes: form["\(p)_p\(r)_closes"] ?? "", level: form["\(p)_p\(r)_level"] ?? "staffed")
            }
            raw.append(RawSchedule(name: form["\(p)_name"] ?? "", validFrom: form["\(p)_from"] ?? "", validUntil: form["\(p)_until"] ?? "",
                                   isDefault: form["\(p)_default"] == "1", delete: form["\(p)_delete"] == "on", periods: periods))
        }
        // The trailing blank "new season" block is ignored unless filled in.
        let kept = raw.filter { !$0.delete && !$0.isBlank }
        do {
            let schedules = try kept.enumerated().map { index, schedule in
                try parse(schedule, field: "\(page.t("hours_schedule")) \(index + 1), ", lang: page.lang)
            }
            try await req.branches.replaceSchedules(of: branch.id!, with: schedules)
        } catch let error as BiebError {
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error, raw: raw.filter { !$0.isBlank })
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }

    struct ExceptionInput: Content {
        var start_date: String?
        var end_date: String?
        var reason: String?
        var opens: String?
        var closes: String?
        var level: String?
    }

    func addException(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req, .editExceptions)
        let input = try req.content.decode(ExceptionInput.self)
        do {
            var periods: [PeriodDTO] = []
            let opens = input.opens?.trimmingCharacters(in: .whitespaces) ?? ""
            let closes = input.closes?.trimmingCharacters(in: .whitespaces) ?? ""
            if !opens.isEmpty || !closes.isEmpty {
                periods.append(PeriodDTO(weekday: nil, opens: opens, closes: closes, level: input.level ?? "staffed"))
            }
            let endDate = input.end_date?.trimmingCharacters(in: .whitespaces)
            let dto = ExceptionDTO(id: nil, start_date: input.start_date ?? "", end_date: endDate?.isEmpty == false ? endDate : nil,
                                   reason: input.reason ?? "", periods: periods, closed: nil)
            try await req.branches.addException(to: branch.id!, try HoursInput.exception(dto))
        } catch let error as BiebError {
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }

    func deleteException(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.branch(req, .editExceptions)
        let directory = req.branches
        guard let id = req.parameters.get("exceptionID").flatMap(UUID.init(uuidString:)),
              let record = try await directory.exceptionRecord(id, branch: branch.id!) else { throw Abort(.notFound) }
        try await directory.deleteException(record)
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "deleted")
    }

    func addHolidays(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, org, user) = try await Self.branch(req, .editExceptions)
        let year = (try? req.content.get(Int.self, at: "year")) ?? LocalDate(Date(), in: org.zone).year
        do {
            _ = try await HolidaySeeder.add(year: year, to: branch.id!, on: req.db)
        } catch let error as BiebError {
            return try await hoursWithError(page, branch: branch, org: org, user: user, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "saved")
    }

    // MARK: Accounts

    struct UserLine: Encodable {
        let name: String
        let email: String
        let roles: [FormOption]
        let branches: [FormOption]
        let active: Bool
        let isSelf: Bool
        let action: String
        let lastLogin: String
    }

    struct UsersContext: Encodable {
        let page: PageContext
        let users: [UserLine]
        let roles: [FormOption]
        let branches: [FormOption]
        let error: String?
        let name: String
        let email: String
    }

    func usersContext(_ page: Page, admin: StaffUser, error: String?, name: String = "", email: String = "") async throws -> UsersContext {
        let db = page.request.db
        let list = try await StaffDirectory(db).users(of: admin.organisationID)
        let branches = try await BranchDirectory(db).branches(of: admin.organisationID, includeInactive: true)
        let words = Formats(lang: page.lang, timeZone: page.organisation?.zone ?? BranchCalendar.amsterdam)
        func roleOptions(_ selected: StaffRole) -> [FormOption] {
            StaffRole.allCases.map { FormOption(value: $0.rawValue, label: page.t("role_\($0.rawValue)"), selected: $0 == selected) }
        }
        func branchOptions(_ selected: UUID?) -> [FormOption] {
            [FormOption(value: "", label: "—", selected: selected == nil)]
                + branches.map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id == selected) }
        }
        return UsersContext(
            page: page.context(page.t("users_title")),
            users: list.map { user in
                UserLine(name: user.name, email: user.email, roles: roleOptions(user.role), branches: branchOptions(user.branchID),
                         active: user.active, isSelf: user.id == admin.id, action: "/staff/users/\(user.id!)",
                         lastLogin: user.lastLoginAt.map { date in
                             "\(words.longDate(LocalDate(date, in: words.timeZone))) \(words.time(date))"
                         } ?? "—")
            },
            roles: roleOptions(.staff), branches: branchOptions(nil), error: error, name: name, email: email)
    }

    func users(req: Request) async throws -> Response {
        let page = try await Page(req)
        let admin = try req.staff(.manageUsers)
        return try await page.render("staff/users", usersContext(page, admin: admin, error: nil))
    }

    struct UserInput: Content {
        var name: String?
        var email: String?
        var role: String?
        var branch_id: String?
        var password: String?
        var active: String?
    }

    func createUser(req: Request) async throws -> Response {
        let page = try await Page(req)
        let admin = try req.staff(.manageUsers)
        let input = try req.content.decode(UserInput.self)
        do {
            let password = input.password ?? ""
            try UserAPIController.checkPassword(password)
            let user = StaffUser(organisationID: admin.organisationID, email: input.email ?? "", name: input.name ?? "",
                                 passwordHash: "", role: .staff,
                                 branchID: input.branch_id.flatMap(UUID.init(uuidString:)))
            user.roleRaw = input.role ?? ""
            try await StaffAccounts.validateAndSave(user, password: password, on: req)
        } catch let error as BiebError {
            return try await page.render("staff/users", usersContext(page, admin: admin, error: page.message(error),
                                                                     name: input.name ?? "", email: input.email ?? ""), status: .badRequest)
        }
        return req.redirect(to: "/staff/users", done: "created")
    }

    func updateUser(req: Request) async throws -> Response {
        let page = try await Page(req)
        let admin = try req.staff(.manageUsers)
        guard let id = req.parameters.get("userID").flatMap(UUID.init(uuidString:)),
              let user = try await StaffDirectory(req.db).user(id, in: admin.organisationID) else { throw Abort(.notFound) }
        let input = try req.content.decode(UserInput.self)
        do {
            if let role = input.role { user.roleRaw = role }
            user.$branch.id = input.branch_id.flatMap(UUID.init(uuidString:))
            let active = input.active == "on"
            if user.id == admin.id && (!active || user.roleRaw != StaffRole.admin.rawValue) {
                throw BiebError.invalid("role", "You cannot deactivate yourself or take away your own admin role.",
                                        nl: "U kunt uzelf niet uitschakelen of uw eigen beheerdersrol afnemen.")
            }
            user.active = active
            let password = input.password?.isEmpty == false ? input.password : nil
            if let password { try UserAPIController.checkPassword(password) }
            try await StaffAccounts.validateAndSave(user, password: password, on: req)
            if !active || password != nil {
                try await StaffDirectory(req.db).deleteTokens(of: user.id!)
            }
            // A changed role or branch counts from the next request.
            req.application.tokenCache.clear()
        } catch let error as BiebError {
            return try await page.render("staff/users", usersContext(page, admin: admin, error: page.message(error)), status: .badRequest)
        }
        return req.redirect(to: "/staff/users", done: "saved")
    }
}

/// Sessions for the staff pages only.
struct StaffSessionsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await request.application.sessions.middleware.respond(to: request, chainingTo: next).get()
    }
}

/// Sends visitors who are not signed in to the sign-in page.
struct RequireStaffPage: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(StaffUser.self) else {
            return request.redirect(to: "/staff/login", redirectType: .normal)
        }
        return try await next.respond(to: request)
    }
}
