import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The staff pages under `/staff`: the routes of the branch pages, sign-in,
/// the dashboard and accounts. A branch's details, spaces and partners are
/// in `Branches/BranchPages+Staff.swift`, its opening hours in
/// `Branches/OpeningHoursPages+Staff.swift`; the page frame every staff page
/// uses in `Web/StaffPages+Page.swift`.
/// Plain HTML forms (no JavaScript), each with a CSRF token; sessions in a
/// cookie (HttpOnly, SameSite=Lax).
struct StaffPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages(signedIn: false)
        staff.get("login", use: loginForm)
        staff.post("login", use: login)
        staff.post("logout", use: logout)

        let signedIn = routes.staffPages()
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
        let branches = try await directory.branches(of: try org.requireID(), includeInactive: true)
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
            let canRefundPayments: Bool
            let canProgramme: Bool
            let canHours: Bool
            let canManageMembers: Bool
            /// The loan rules page reads them for the whole organisation (not for a volunteer of one branch).
            let canReadLoanRules: Bool
            let canViewInsights: Bool
            let canViewCollection: Bool
            let canViewPlanning: Bool
            let canResearch: Bool
            let canModerate: Bool
            /// Counting occupied study places is desk work.
            let canCountStudyPlaces: Bool
        }
        return try await page.render("staff/dashboard", Context(page: page.context(page.t("staff_dashboard")), organisation: org.name,
                                                                 branches: lines, canCreate: user.can(.createBranch),
                                                                 canManageUsers: user.can(.manageUsers), canViewMessages: user.can(.viewMessages),
                                                                 canAuditPrivacy: user.can(.auditPrivacy),
                                                                 canRefundPayments: user.can(.refundPayments),
                                                                 canProgramme: user.can(.manageProgramme) || user.can(.checkIn, branch: user.branchID),
                                                                 canHours: user.can(.manageConsultationHours),
                                                                 canManageMembers: user.can(.manageMembers),
                                                                 canReadLoanRules: user.can(.circulate),
                                                                 canViewInsights: user.can(.viewInsights),
                                                                 canViewCollection: user.can(.viewCollection),
                                                                 canViewPlanning: user.can(.viewPlanning),
                                                                 canResearch: user.can(.research), canModerate: user.can(.moderateAnswers),
                                                                 canCountStudyPlaces: user.can(.circulate)))
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
        /// A refused form: in the summary, and at the new account's field when it was that form.
        let errors: FormErrors?
        let name: String
        let email: String
    }

    /// The new-account form's inputs by the names errors give them.
    static let newUserFieldIDs = ["name": "uname", "email": "uemail", "role": "urole", "branch_id": "ubranch", "password": "upass"]

    /// The accounts page; `typed` is the new-account form as sent when it was refused.
    func usersContext(_ page: Page, admin: StaffUser, error: BiebError?, typed: UserInput? = nil) async throws -> UsersContext {
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
            roles: roleOptions(typed?.role.flatMap(StaffRole.init(rawValue:)) ?? .staff),
            branches: branchOptions(typed?.branch_id.flatMap(UUID.init(uuidString:))),
            errors: page.formErrors(error, ids: typed == nil ? [:] : Self.newUserFieldIDs), name: typed?.name ?? "", email: typed?.email ?? "")
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
            return try await page.render("staff/users", usersContext(page, admin: admin, error: error, typed: input), status: .badRequest)
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
            // A changed role or branch counts from the next request on every server (it raises the ConfigVersion).
        } catch let error as BiebError {
            return try await page.render("staff/users", usersContext(page, admin: admin, error: error), status: .badRequest)
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
