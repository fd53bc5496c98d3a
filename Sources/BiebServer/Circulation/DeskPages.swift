import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The circulation desk in the browser, without JavaScript: scan a card
/// (or find a member by name), see loans, holds, fees and blocks, scan
/// copies to lend; take copies in; the branch's work lists; register a
/// member. Every answer is a sentence in plain Dutch or English; scan
/// fields have the focus, so a desk works with a scanner and the keyboard.
struct DeskPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        // The desk's actions (lending, renewing, taking in) run their statements prepared on PostgreSQL, as the API's do.
        let acting = staff.grouped(PreparedStatementsMiddleware())
        staff.get("desk", use: desk)
        acting.post("desk", use: act)
        staff.post("desk", "find", use: find)
        staff.get("desk", "returns", use: returnsPage)
        acting.post("desk", "returns", use: takeIn)
        staff.get("desk", "lists", use: workLists)
        staff.get("members", "new", use: newMemberForm)
        staff.post("members", "new", use: register)
        staff.get("members", ":memberID", use: memberPage)
        staff.post("members", ":memberID", use: changeMember)
    }

    /// A table row: up to four texts (Leaf has no array subscripts), an id for its buttons, a flag to mark it.
    struct Line: Encodable {
        let a: String
        let b: String
        let c: String
        let d: String
        let id: String?
        let flag: Bool

        init(cells: [String], id: String?, flag: Bool) {
            let padded = cells + Array(repeating: "", count: max(0, 4 - cells.count))
            (a, b, c, d) = (padded[0], padded[1], padded[2], padded[3])
            self.id = id
            self.flag = flag
        }
    }

    struct MemberPanel: Encodable {
        let id: String
        let name: String
        let card: String
        let details: String
        let balance: String
        let owes: Bool
        let blocks: [String]
        let loans: [Line]
        let holds: [Line]
        let fees: [Line]
        /// Joined online and nobody saw an identity document yet: what to check.
        let identityCheck: String?
    }

    struct DeskContext: Encodable {
        let page: PageContext
        let branch: String
        let branchName: String
        let branches: [FormOption]
        let query: String
        let found: [Line]
        let member: MemberPanel?
        let message: String?
        /// A lookup that found nobody.
        let error: String?
        /// A refused action (`FormErrors`): next to its field and at the top. Scan fields start empty again
        /// (a scanner types the next barcode into them); amounts and reasons keep what was typed (`typed`).
        let errors: FormErrors?
        let typed: FormValues
        let canWaive: Bool
        /// Branches to pick up a hold (active ones).
        let pickups: [FormOption]
    }

    static func service(_ req: Request) async throws -> (DeskService, StaffPages.Page) {
        let service = try await DeskService.make(req)
        return (service, try await StaffPages.Page(req))
    }

    func branchOptions(_ service: DeskService, selected: BranchLabel) -> [FormOption] {
        service.branches.filter { $0.active && service.user.can(.circulate, branch: $0.id) }
            .map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == selected.id) }
    }

    /// The desk page: the member of `card` (or `member`), or search results for a name.
    func render(_ req: Request, service: DeskService, page: StaffPages.Page, branch: BranchLabel, query: String, memberID: UUID?,
                message: String? = nil, error: String? = nil, errors: FormErrors? = nil, typed: FormValues = FormValues(),
                status: HTTPStatus = .ok) async throws -> Response {
        var found: [Line] = []
        var panel: MemberPanel?
        var member = memberID
        var lookupError = error
        if member == nil, !query.trimmed.isEmpty {
            let matches = try await service.members.find(query)
            if matches.count == 1 {
                member = matches[0].id
            } else if matches.isEmpty {
                lookupError = lookupError ?? page.t("desk_no_member", ["q": query])
            } else {
                found = matches.map { Line(cells: [$0.name, $0.birthDateText, $0.postcode], id: $0.id!.uuidString, flag: false) }
                // Shown in a list: each of them was seen (name, birth date, postcode).
                try await service.logViews(of: matches.map { $0.id! }, purpose: .desk)
            }
        }
        if let member {
            panel = try await self.panel(service, member: member, page: page)
        }
        let title = page.t("desk_title", ["branch": branch.name])
        return try await page.render("staff/desk", DeskContext(
            page: page.context(title), branch: branch.slug, branchName: branch.name, branches: branchOptions(service, selected: branch),
            query: panel == nil ? query : "", found: found, member: panel, message: message, error: lookupError,
            errors: errors, typed: typed, canWaive: service.user.can(.blockAndWaive),
            pickups: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == branch.id) }),
            status: status)
    }

    func panel(_ service: DeskService, member memberID: UUID, page: StaffPages.Page) async throws -> MemberPanel {
        let account = try await service.account(memberID)
        let m = account.member
        func date(_ iso: String) -> String { LocalDate(iso: iso).map(service.day) ?? iso }
        let card = m.cards.first { $0.status == "active" }?.barcode ?? "—"
        let details = page.t("desk_member_details", ["type": m.membership_type_name ?? "?", "end": date(m.membership_end),
                                                     "branch": service.branchName(m.home_branch_id)])
        let joined = try await OnlineJoins(service.req.db, organisationID: try service.organisation.requireID()).unverified(member: memberID)
        return MemberPanel(
            id: m.id.uuidString, name: m.name, card: card, details: details, balance: Money.text(m.balance_cents), owes: m.balance_cents > 0,
            blocks: account.blocks.map(\.message),
            loans: account.loans.map {
                Line(cells: [$0.title, $0.barcode, date($0.due_on), String($0.renewals)], id: String($0.loan_id), flag: $0.overdue)
            },
            holds: account.holds.map { hold in
                let status = page.t("hold_status_\(hold.status)")
                let extra = hold.position.map { page.t("desk_hold_position", ["n": String($0)]) } ?? hold.ready_until.map { date($0) } ?? ""
                return Line(cells: [hold.title, status, extra, hold.pickup_branch], id: String(hold.id), flag: hold.status == "ready")
            },
            fees: account.fees.prefix(10).map { fee in
                Line(cells: [page.t("fee_\(fee.kind)"), service.formats.feeNote(fee.note), fee.amount], id: nil, flag: fee.amount_cents > 0)
            },
            identityCheck: joined.map {
                page.t("desk_identity_check", ["date": service.day(LocalDate($0, in: service.organisation.zone)), "birth": date(m.birth_date)])
            })
    }

    struct DeskQuery: Content {
        var branch: String?
        var card: String?
        var member: String?
    }

    /// The desk at the branch the lookup names, for staff who may lend there.
    static func desk(_ req: Request, _ lookup: DeskQuery) async throws -> (DeskService, StaffPages.Page, BranchLabel) {
        let (service, page) = try await Self.service(req)
        let branch = try service.branch(lookup.branch)
        _ = try req.staff(.circulate, branch: branch.id)
        return (service, page, branch)
    }

    func desk(req: Request) async throws -> Response {
        let query = try req.query.decode(DeskQuery.self)
        let (service, page, branch) = try await Self.desk(req, query)
        return try await render(req, service: service, page: page, branch: branch, query: query.card ?? "",
                                memberID: query.member.flatMap(UUID.init(uuidString:)))
    }

    /// The lookup form posts the card number or name (so it stays out of
    /// URLs and access logs); one member found goes to their account by id.
    func find(req: Request) async throws -> Response {
        let form = try req.content.decode(DeskQuery.self)
        let (service, page, branch) = try await Self.desk(req, form)
        let text = form.card?.trimmed ?? ""
        if !text.isEmpty {
            let matches = try await service.members.find(text)
            if matches.count == 1 {
                return req.redirect(to: "/staff/desk?branch=\(branch.slug)&member=\(matches[0].id!)", redirectType: .normal)
            }
        }
        return try await render(req, service: service, page: page, branch: branch, query: text, memberID: nil)
    }

    struct ActForm: Content {
        var branch: String?
        var member: String?
        var action: String?
        var item: String?
        var loan: String?
        var hold: String?
        var amount: String?
        var reason: String?
        var pickup: String?
        var local_only: String?
        var this_copy: String?
        var until: String?
    }

    /// The input each desk action's error fields belong to (the page has several forms; ids without hyphens).
    static let fieldIDs: [String: [String: String]] = [
        "checkout": ["item": "item"], "hold": ["item": "hold_item", "pickup_branch": "pickup"], "pay": ["amount": "amount"],
        "waive": ["amount": "waive_amount", "reason": "reason"],
    ]

    /// Lend, renew, renew all, pay, waive, lost, claimed returned, cancel a hold.
    func act(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        let form = try req.content.decode(ActForm.self)
        let branch = try service.branch(form.branch)
        guard let memberID = form.member.flatMap(UUID.init(uuidString:)) else { throw Abort(.badRequest) }
        do {
            let desk = try service.desk(branch.id.uuidString)
            let circulation = service.circulation
            var message: String
            switch form.action ?? "" {
            case "checkout":
                message = service.dto(try await circulation.checkout(member: memberID, item: form.item ?? "", at: desk)).message
            case "renew":
                let receipt = try await circulation.renew(loan: Int(form.loan ?? "") ?? 0, member: memberID, at: desk)
                message = page.t("desk_renewed", ["title": receipt.title, "date": service.day(receipt.dueOn)])
            case "renew_all":
                let results = try await circulation.renewAll(member: memberID, at: desk)
                let refused = results.compactMap { if case .failure(let error) = $0.result { error.message(dutch: service.dutch) } else { nil } }
                message = page.t("desk_renewed_all", ["n": String(results.count - refused.count), "of": String(results.count)])
                if !refused.isEmpty { message += " " + Array(Set(refused)).sorted().joined(separator: " ") }
            case "pay":
                let cents = try Money.cents(euros: form.amount)
                try await circulation.pay(member: memberID, cents: cents, at: desk)
                message = page.t("desk_paid", ["amount": Money.text(cents)])
            case "waive":
                let cents = try Money.cents(euros: form.amount)
                try await circulation.waive(member: memberID, cents: cents, reason: form.reason ?? "", at: try service.desk(branch.id.uuidString, .blockAndWaive))
                message = page.t("desk_waived", ["amount": Money.text(cents)])
            case "lost":
                try await circulation.markLost(loan: Int(form.loan ?? "") ?? 0, at: desk)
                message = page.t("desk_lost")
            case "claimed":
                try await circulation.claimReturned(loan: Int(form.loan ?? "") ?? 0, at: desk)
                message = page.t("desk_claimed")
            case "cancel_hold":
                try await circulation.cancelHold(Int(form.hold ?? "") ?? 0, member: memberID, at: desk)
                message = page.t("desk_hold_cancelled")
            case "hold":
                // A hold on the title of a scanned copy (or on that copy only), for pickup at a branch.
                let copy = try await circulation.item(barcode: form.item ?? "")
                let pickup = try service.branch(form.pickup, field: "pickup_branch")
                let hold = try await circulation.placeHold(member: memberID, title: copy.titleID, item: form.this_copy == "on" ? copy.id : nil,
                                                           pickup: pickup.id, localOnly: form.local_only == "on", at: desk)
                message = page.t(hold.status == .waiting ? "desk_hold_waiting" : "desk_hold_set_aside", ["title": copy.title, "branch": pickup.name])
            case "suspend":
                guard let until = LocalDate(iso: form.until ?? "") else {
                    throw BiebError.invalid("until", "Give the day the hold should resume.", nl: "Geef de dag waarop de reservering weer ingaat.")
                }
                try await circulation.suspendHold(Int(form.hold ?? "") ?? 0, until: until, member: memberID, at: desk)
                message = page.t("desk_hold_suspended", ["date": service.day(until)])
            case "verify_identity":
                _ = try req.staff(.manageMembers, branch: branch.id)
                try await OnlineJoins(req.db, organisationID: try service.organisation.requireID())
                    .verify(member: memberID, staff: try service.user.requireID(), branch: branch.id)
                message = page.t("desk_identity_verified")
            case "resume":
                try await circulation.suspendHold(Int(form.hold ?? "") ?? 0, until: nil, member: memberID, at: desk)
                message = page.t("desk_hold_resumed")
            default:
                throw BiebError.invalid("action", "Unknown desk action.", nl: "Onbekende handeling.")
            }
            return try await render(req, service: service, page: page, branch: branch, query: "", memberID: memberID, message: message)
        } catch let error as BiebError {
            return try await render(req, service: service, page: page, branch: branch, query: "", memberID: memberID,
                                    errors: page.formErrors(error, ids: Self.fieldIDs[form.action ?? ""] ?? [:]), typed: FormValues(req),
                                    status: error.httpStatus)
        }
    }


    // MARK: Returns

    struct ReturnsContext: Encodable {
        let page: PageContext
        let branch: String
        let branchName: String
        let branches: [FormOption]
        let message: String?
        let detail: String?
        /// A refused return, next to the scan field (which starts empty again for the next scan) and at the top.
        let errors: FormErrors?
    }

    func returnsPage(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        let branch = try service.branch(req.query[String.self, at: "branch"])
        _ = try req.staff(.circulate, branch: branch.id)
        return try await page.render("staff/returns", ReturnsContext(
            page: page.context(page.t("returns_title", ["branch": branch.name])), branch: branch.slug, branchName: branch.name,
            branches: branchOptions(service, selected: branch), message: nil, detail: nil, errors: nil))
    }

    struct ReturnForm: Content {
        var branch: String?
        var item: String?
    }

    func takeIn(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        let form = try req.content.decode(ReturnForm.self)
        let branch = try service.branch(form.branch)
        var message: String?, detail: String?, errors: FormErrors?
        var status = HTTPStatus.ok
        do {
            let receipt = service.dto(try await service.circulation.checkin(item: form.item ?? "", at: try service.desk(branch.id.uuidString)))
            message = receipt.message
            detail = "\(receipt.title) (\(receipt.barcode))"
        } catch let failure as BiebError {
            errors = page.formErrors(failure, fields: ["item"])
            status = failure.httpStatus
        }
        return try await page.render("staff/returns", ReturnsContext(
            page: page.context(page.t("returns_title", ["branch": branch.name])), branch: branch.slug, branchName: branch.name,
            branches: branchOptions(service, selected: branch), message: message, detail: detail, errors: errors), status: status)
    }

    // MARK: Work lists

    struct ListsContext: Encodable {
        let page: PageContext
        let branch: String
        let branches: [FormOption]
        let toPick: [Line]
        let toClear: [Line]
        let holdShelf: [Line]
        let incoming: [Line]
        let outgoing: [Line]
    }

    func workLists(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        let branch = try service.branch(req.query[String.self, at: "branch"])
        _ = try req.staff(.circulate, branch: branch.id)
        let circulation = service.circulation
        let (toPick, toClear) = try await circulation.pickList(branch: branch.id)
        func date(_ d: LocalDate?) -> String { d.map { service.day($0) } ?? "" }
        let today = LocalDate(Date(), in: service.organisation.zone)
        return try await page.render("staff/worklists", ListsContext(
            page: page.context(page.t("worklists_title", ["branch": branch.name])), branch: branch.slug,
            branches: branchOptions(service, selected: branch),
            toPick: toPick.map { Line(cells: [$0.callNumber, $0.title, $0.barcode, service.branchName($0.branch)], id: nil, flag: false) },
            toClear: toClear.map { Line(cells: [$0.title, $0.barcode], id: nil, flag: false) },
            holdShelf: try await circulation.holdShelf(branch: branch.id).map {
                Line(cells: [$0.memberName ?? "", $0.title, $0.barcode, date($0.until)], id: nil, flag: $0.until.map { $0 < today } ?? false)
            },
            incoming: try await circulation.transfers(branch: branch.id, incoming: true).map {
                Line(cells: [$0.title, $0.barcode, service.branchName($0.branch)], id: nil, flag: $0.holdID != nil)
            },
            outgoing: try await circulation.transfers(branch: branch.id, incoming: false).map {
                Line(cells: [$0.title, $0.barcode, service.branchName($0.branch)], id: nil, flag: $0.holdID != nil)
            }))
    }

    // MARK: Registering a member

    struct MemberFormContext: Encodable {
        let page: PageContext
        let branch: String
        let branches: [FormOption]
        let types: [FormOption]
        let form: MemberInput
        let errors: FormErrors?
    }

    /// The member form's fields, by the names errors give them.
    static let memberFields: Set<String> = ["name", "birth_date", "street", "postcode", "city", "email", "phone", "home_branch", "membership_type"]
    /// A new member's: besides, the card and the guardian's card (an error about the guardian is shown there).
    static let newMemberFields = Dictionary(uniqueKeysWithValues: memberFields.map { ($0, $0) })
        .merging(["card": "card", "guardian": "guardian_card", "guardian_card": "guardian_card"]) { $1 }

    func memberForm(_ service: DeskService, page: StaffPages.Page, branch: BranchLabel, form: MemberInput, error: BiebError?,
                    status: HTTPStatus = .ok) async throws -> Response {
        let types = try await service.members.types().map {
            FormOption(value: $0.code, label: "\($0.name(dutch: service.dutch)) (\(Money.text($0.yearlyFeeCents)))",
                              selected: $0.code == form.membership_type)
        }
        return try await page.render("staff/member_new", MemberFormContext(
            page: page.context(page.t("member_new_title")), branch: branch.slug,
            branches: service.branches.filter { $0.active && service.user.can(.manageMembers, branch: $0.id) }
                .map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == branch.id) },
            types: types, form: form, errors: page.formErrors(error, ids: Self.newMemberFields)), status: status)
    }

    func newMemberForm(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        let branch = try service.branch(req.query[String.self, at: "branch"])
        _ = try req.staff(.manageMembers, branch: branch.id)
        return try await memberForm(service, page: page, branch: branch, form: MemberInput(home_branch: branch.slug, membership_type: "volledig"), error: nil)
    }

    func register(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        let form = try req.content.decode(MemberInput.self)
        do {
            let branch = try form.homeBranch(service)
            let desk = try service.desk(branch.id.uuidString, .manageMembers)
            let member = try await service.members.register(try await form.registration(service),
                                                            today: LocalDate(Date(), in: service.organisation.zone), staff: service.user.id,
                                                            branch: desk.branch)
            return req.redirect(to: "/staff/desk?branch=\(branch.slug)&member=\(member.id!.uuidString)", redirectType: .normal)
        } catch let error as BiebError {
            let branch = try (try? form.homeBranch(service)) ?? service.branch(nil)
            return try await memberForm(service, page: page, branch: branch, form: form, error: error, status: error.httpStatus)
        }
    }

    // MARK: A member's details, block, card and membership

    struct EditContext: Encodable {
        let page: PageContext
        let id: String
        let branch: String
        let branches: [FormOption]
        let types: [FormOption]
        let form: MemberInput
        let membership: String
        let cards: [Line]
        let blockReason: String?
        let canBlock: Bool
        let selfService: SelfServicePanel
        let consents: ConsentPanel
        let message: String?
        let errors: FormErrors?
    }

    /// A member's PIN and self-service terms, as the member page shows them.
    struct SelfServicePanel: Encodable {
        let pin: String
        let hasPIN: Bool
        let terms: String
        let termsAccepted: Bool
    }

    /// `consent`: the consent form that was sent (its purpose and choice), when that was the refused one.
    func editPage(_ req: Request, service: DeskService, page: StaffPages.Page, member: Member, form: MemberInput? = nil,
                  message: String? = nil, error: BiebError? = nil, consent: (purpose: String, granted: Bool?)? = nil,
                  status: HTTPStatus = .ok) async throws -> Response {
        try await service.logView(of: member.id!, purpose: .account)
        let type = try await MembershipType.find(member.membershipTypeID, on: req.db)
        let form = form ?? MemberInput(name: member.name, birth_date: member.birthDateText, email: member.email, phone: member.phone,
                                       street: member.street, postcode: member.postcode, city: member.city,
                                       home_branch: service.branches.first { $0.id == member.homeBranchID }?.slug, membership_type: type?.code)
        let types = try await service.members.types().map {
            FormOption(value: $0.code, label: "\($0.name(dutch: service.dutch)) (\(Money.text($0.yearlyFeeCents)))",
                              selected: $0.code == form.membership_type)
        }
        let end = service.day(member.membershipEnd)
        let door = try await service.selfService.doorFacts(member: member.id!)
        let pin = try await service.selfService.pinState(member: member.id!)
        let formats = Formats(lang: service.lang, timeZone: service.organisation.zone)
        var pinText = page.t(door.hasPIN ? "member_pin_set" : "member_pin_none")
        if pin.locked(at: Date()), let until = pin.lockedUntil {
            pinText += " " + page.t("member_pin_locked", ["time": formats.shortDate(LocalDate(until, in: service.organisation.zone)) + " " + formats.time(until)])
        }
        let panel = SelfServicePanel(pin: pinText, hasPIN: door.hasPIN,
                                     terms: door.termsAcceptedOn.map { page.t("member_terms_accepted", ["date": service.day($0)]) }
                                         ?? page.t("member_terms_none"),
                                     termsAccepted: door.termsAcceptedOn != nil)
        let errors = consent.map { page.formErrors(error, ids: Self.consentFieldIDs($0.purpose)) }
            ?? page.formErrors(error, fields: Self.memberFields.union(["card", "pin", "reason"]))
        return try await page.render("staff/member_edit", EditContext(
            page: page.context(member.name), id: member.id!.uuidString, branch: form.home_branch ?? "",
            branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == form.home_branch) },
            types: types, form: form, membership: page.t("member_membership_until", ["type": type?.name(dutch: service.dutch) ?? "?", "end": end]),
            cards: try await service.members.cards(of: member.id!).map {
                Line(cells: [$0.barcode, page.t("card_status_\($0.status.rawValue)"), $0.issuedOn], id: nil, flag: $0.status == .active)
            },
            blockReason: member.blockReason, canBlock: service.user.can(.blockAndWaive), selfService: panel,
            consents: try await consentPanel(service, page: page, member: member, errors: errors, typed: consent), message: message,
            errors: errors), status: status)
    }

    func memberPage(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        guard let id = req.parameters.get("memberID").flatMap(UUID.init(uuidString:)), let member = try await service.members.member(id) else {
            throw Abort(.notFound)
        }
        _ = try req.staff(.circulate, branch: member.homeBranchID)
        return try await editPage(req, service: service, page: page, member: member)
    }

    /// What the member page's forms send besides the details (`MemberInput`).
    struct ChangeForm: Content {
        var action: String?
        var reason: String?
        var card: String?
        var pin: String?
        /// The consent form's purpose (its choice is `ConsentInput`).
        var purpose: String?
    }

    /// Save details, block or unblock, issue a card, renew the membership, set the PIN, record the self-service terms,
    /// record a consent.
    func changeMember(req: Request) async throws -> Response {
        let (service, page) = try await Self.service(req)
        guard let id = req.parameters.get("memberID").flatMap(UUID.init(uuidString:)), let member = try await service.members.member(id) else {
            throw Abort(.notFound)
        }
        // As for seeing the page: a refused action shows it again, so whoever may not see it gets no page.
        _ = try req.staff(.circulate, branch: member.homeBranchID)
        let form = try req.content.decode(ChangeForm.self)
        let today = LocalDate(Date(), in: service.organisation.zone)
        var shown: MemberInput?
        var consent: (purpose: String, granted: Bool?)?
        do {
            let message: String
            switch form.action ?? "" {
            case "save":
                _ = try req.staff(.manageMembers, branch: member.homeBranchID)
                let details = try req.content.decode(MemberInput.self)
                shown = details
                try await details.update(member, service, today: today, on: req.db)
                shown = nil
                message = page.t("flash_saved")
            case "block":
                _ = try req.staff(.blockAndWaive)
                try await service.members.block(id, reason: form.reason ?? "", staff: service.user.id)
                message = page.t("member_blocked_now")
            case "unblock":
                _ = try req.staff(.blockAndWaive)
                try await service.members.block(id, reason: nil, staff: service.user.id)
                message = page.t("member_unblocked_now")
            case "card":
                _ = try req.staff(.manageMembers, branch: member.homeBranchID)
                _ = try await service.members.issueCard(id, barcode: form.card ?? "", today: today, staff: service.user.id)
                message = page.t("member_card_issued")
            case "renew":
                _ = try req.staff(.manageMembers, branch: member.homeBranchID)
                let renewed = try await service.members.renewMembership(id, today: today, staff: service.user.id)
                message = page.t("member_renewed", ["end": service.day(renewed.membershipEnd)])
            case "pin":
                _ = try req.staff(.manageMembers, branch: member.homeBranchID)
                let pin = try MemberPIN.validate(form.pin ?? "")
                try await service.selfService.setPIN(member: id, hash: try await req.password.async.hash(pin), staff: service.user.id)
                message = page.t("member_pin_saved")
            case "pin_remove":
                _ = try req.staff(.manageMembers, branch: member.homeBranchID)
                try await service.selfService.setPIN(member: id, hash: nil, staff: service.user.id)
                message = page.t("member_pin_removed")
            case "terms_accept", "terms_withdraw":
                _ = try req.staff(.manageMembers, branch: member.homeBranchID)
                try await service.selfService.setTermsAccepted(member: id, on: form.action == "terms_accept" ? today : nil, staff: service.user.id)
                message = page.t("member_terms_saved")
            case "consent":
                consent = (form.purpose ?? "", try? req.content.get(Bool.self, at: "granted"))
                message = try await recordConsent(req, service, page: page, member: member, purpose: form.purpose)
            default:
                throw BiebError.invalid("action", "Unknown action.", nl: "Onbekende handeling.")
            }
            return try await editPage(req, service: service, page: page, member: try await service.members.member(id) ?? member, message: message)
        } catch let error as BiebError {
            return try await editPage(req, service: service, page: page, member: member, form: shown, error: error, consent: consent,
                                      status: error.httpStatus)
        }
    }
}
