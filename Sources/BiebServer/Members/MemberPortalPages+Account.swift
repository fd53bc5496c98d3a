import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A member's account page: loans (renewing), holds (pausing, cancelling),
/// fees and membership.
extension MemberPortalPages {
    // MARK: The account

    struct Row: Encodable {
        let id: String
        let title: String
        let titleURL: String
        let a: String
        var b = ""
        var c = ""
        var flag = false
        var note: String? = nil
        var options: [FormOption] = []
        var canPause = false
        var canResume = false
        var canMove = false
    }

    struct AccountTab: Encodable {
        let name: String
        let url: String
        let current: Bool
    }

    /// The account page's own part; the header is the member frame's.
    struct OverviewBody: Encodable {
        let tabs: [AccountTab]
        let blocks: [String]
        let loans: [Row]
        let holds: [Row]
        let fees: [Row]
        let balance: String
        let owes: Bool
        let membership: String
        let membershipEnd: String
        let membershipFee: String?
        let canRenewMembership: Bool
        /// Online payment is set up: fees and a paid membership can be paid here.
        let canPayOnline: Bool
        let canPayMembership: Bool
        let cards: String
        let error: String?
        let catalogueURL: String
    }

    /// The account asked for with `?lid=` (or a form's `lid`), else the member's own.
    static func accountID(_ req: Request) -> UUID? {
        let text = (try? req.content.get(String.self, at: "lid")) ?? req.query[String.self, at: "lid"]
        return text.flatMap(UUID.init(uuidString:))
    }

    func overview(req: Request) async throws -> Response {
        try await renderOverview(req, error: nil, status: .ok)
    }

    func renderOverview(_ req: Request, error: BiebError?, status: HTTPResponseStatus) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let lang = Language.of(req)
        let dutch = lang == .nl
        let formats = Formats(lang: lang, timeZone: org.zone)
        let id = Self.accountID(req) ?? service.signedIn.id
        let overview = try await service.overview(id)
        let base = Self.base(org)
        let accounts = try await service.manageable()
        let today = service.today
        let member = overview.member
        func titleURL(_ id: Int) -> String { "/\(org.slug)/catalogus/\(id)" }
        let loans = overview.account.loans.map { loan in
            Row(id: String(loan.loanID), title: loan.title, titleURL: titleURL(loan.titleID),
                a: formats.longDate(loan.dueOn), b: String(loan.renewals), flag: loan.dueOn < today)
        }
        let holds = overview.account.holds.map { hold -> Row in
            let status: String
            switch hold.status {
            case .waiting:
                if let until = hold.suspendedUntil, until > today {
                    status = Locales.text("portal_hold_paused", lang, ["date": formats.longDate(until)])
                } else {
                    status = Locales.text("portal_hold_waiting", lang, ["n": String(hold.position ?? 1)])
                }
            case .allocated: status = Locales.text("portal_hold_allocated", lang)
            case .inTransit: status = Locales.text("portal_hold_in_transit", lang, ["branch": service.branchName(hold.pickupBranch)])
            case .ready:
                status = Locales.text("portal_hold_ready", lang, ["branch": service.branchName(hold.pickupBranch),
                                                                  "date": hold.readyUntil.map(formats.longDate) ?? ""])
            default: status = hold.status.rawValue
            }
            let waiting = hold.status == .waiting
            return Row(id: String(hold.holdID), title: hold.title, titleURL: titleURL(hold.titleID),
                       a: status, b: service.branchName(hold.pickupBranch), c: formats.dateWithYear(hold.expiresOn),
                       flag: hold.status == .ready,
                       options: service.branches.filter(\.active).map {
                           FormOption(value: $0.slug, label: $0.name, selected: $0.id == hold.pickupBranch)
                       },
                       canPause: waiting && (hold.suspendedUntil.map { $0 <= today } ?? true),
                       canResume: waiting && (hold.suspendedUntil.map { $0 > today } ?? false),
                       canMove: waiting || hold.status == .allocated)
        }
        // Newest first, as the table's caption says: by the day booked (a back-dated charge takes its place), then as booked.
        let fees = overview.account.fees.sorted { ($0.at, $0.id) > ($1.at, $1.id) }.map { line in
            Row(id: String(line.id), title: Self.describe(line, formats: formats), titleURL: "",
                a: Locales.text("fee_\(line.kind.rawValue)", lang), b: formats.dateWithYear(LocalDate(line.at, in: org.zone)),
                c: Money.text(line.amountCents))
        }
        let fee = overview.membershipType.map { Membership.fee(yearlyCents: $0.yearlyFeeCents, birthDate: member.birthDate, on: today) } ?? 0
        let body = OverviewBody(
            tabs: accounts.count > 1 ? accounts.map { AccountTab(name: $0.name, url: "\(base)?lid=\($0.id)", current: $0.id == id) } : [],
            blocks: overview.account.blocks.map { $0.message(dutch: dutch) },
            loans: loans, holds: holds, fees: fees, balance: Money.text(member.balanceCents), owes: member.balanceCents > 0,
            membership: overview.membershipType?.name(dutch: dutch) ?? "", membershipEnd: formats.dateWithYear(member.membershipEnd),
            membershipFee: fee > 0 ? Money.text(fee) : nil,
            canRenewMembership: fee == 0 && member.membershipEnd.days(until: today) > -60,
            canPayOnline: req.application.paymentSettings != nil,
            canPayMembership: req.application.paymentSettings != nil && fee > 0 && member.membershipEnd.days(until: today) > -60,
            cards: overview.cards.filter { $0.status == .active }.map(\.barcode).joined(separator: ", "),
            error: error?.message(dutch: dutch), catalogueURL: "/\(org.slug)/catalogus")
        return try await MemberPageFrame().render(req, "portal/account", title: Locales.text("portal_title", lang), org: org, member: member,
                                                  isOwn: overview.relation == .own, body: body, status: status)
    }

    /// A fee line for the member: a charge by what it was for; a payment by how it was paid
    /// (the ledger keeps the method as the note: "kas", "pin", "kiosk pin BK…").
    static func describe(_ line: Circulation.FeeLineView, formats: Formats) -> String {
        let lang = formats.lang
        let kind = Locales.text("fee_\(line.kind.rawValue)", lang)
        guard line.kind == .payment else {
            return line.note.isEmpty ? kind : formats.feeNote(line.note)
        }
        if let method = FeeNote.PaymentMethod.of(note: line.note) { return Locales.text("portal_paid_\(method.key)", lang) }
        return line.note.isEmpty ? kind : "\(kind) (\(formats.feeNote(line.note)))"
    }

    /// Runs a change from the account page: back to the page with a message,
    /// or the page again with the reason it could not be done.
    func act(_ req: Request, _ body: (MemberAccountService, UUID) async throws -> String) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        do {
            let message = try await body(service, account)
            let own = account == service.signedIn.id
            return Self.done(req, Self.base(org) + (own ? "" : "?lid=\(account)"), message)
        } catch let error as BiebError where error.code != "not_found" || error.field != "account" {
            return try await renderOverview(req, error: error, status: error.httpStatus)
        }
    }

    func renew(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let formats = Formats(lang: lang, timeZone: try await req.organisation().zone)
        return try await act(req) { service, account in
            if let loan = try? req.content.get(Int.self, at: "loan") {
                let receipt = try await service.renew(account: account, loan: loan)
                return Locales.text("portal_renewed", lang, ["title": receipt.title, "date": formats.longDate(receipt.dueOn)])
            }
            let outcomes = try await service.renewAll(account: account)
            let renewed = outcomes.filter { if case .success = $0.result { true } else { false } }.count
            var message = Locales.text("portal_renewed_all", lang, ["n": String(renewed), "total": String(outcomes.count)])
            for case let (_, .failure(error)) in outcomes.map({ ($0.loan, $0.result) }) {
                message += " " + error.message(dutch: lang == .nl)
                break
            }
            return message
        }
    }

    func placeHold(req: Request) async throws -> Response {
        let lang = Language.of(req)
        struct Form: Content { var title: Int?; var pickup: String? }
        let form = try req.content.decode(Form.self)
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        do {
            guard let title = form.title else {
                throw BiebError.invalid("title", "Say which title to reserve.", nl: "Geef aan welke titel je wilt reserveren.")
            }
            let hold = try await service.placeHold(account: account, title: title, pickup: form.pickup)
            let placed = try await Title.find(hold.titleID, on: req.db)
            let charged = try await service.circulation.holdFees(member: account, format: placed?.format ?? "", pickups: [hold.pickupBranchID])
                .values.first ?? 0
            let message = Locales.text("portal_hold_placed", lang, ["title": placed?.title ?? "", "branch": service.branchName(hold.pickupBranchID)])
                + (charged > 0 ? " " + Locales.text("portal_hold_charged", lang, ["amount": Money.text(charged)]) : "")
            return Self.done(req, Self.base(org) + (account == service.signedIn.id ? "" : "?lid=\(account)"), message)
        } catch let error as BiebError {
            return try await renderHoldForm(req, org: org, service: service, title: form.title, error: error)
        }
    }

    func changeHold(req: Request) async throws -> Response {
        let lang = Language.of(req)
        struct Form: Content { var action: String?; var pickup: String?; var until: String? }
        let form = try req.content.decode(Form.self)
        guard let hold = req.parameters.get("holdID").flatMap(Int.init) else { throw Abort(.notFound) }
        return try await act(req) { service, account in
            switch form.action {
            case "cancel":
                try await service.cancelHold(account: account, hold: hold)
                return Locales.text("portal_hold_cancelled", lang)
            case "move":
                try await service.changeHold(account: account, hold: hold, pickup: form.pickup, suspendUntil: nil, resume: false)
                return Locales.text("portal_hold_moved", lang)
            case "pause":
                guard let until = form.until?.trimmed, !until.isEmpty else {
                    throw BiebError.invalid("until", "Give the day the hold may go on again.", nl: "Geef de dag waarop de reservering weer mag doorgaan.")
                }
                try await service.changeHold(account: account, hold: hold, pickup: nil, suspendUntil: until, resume: false)
                return Locales.text("portal_hold_paused_done", lang)
            case "resume":
                try await service.changeHold(account: account, hold: hold, pickup: nil, suspendUntil: nil, resume: true)
                return Locales.text("portal_hold_resumed", lang)
            default:
                throw BiebError.invalid("action", "Choose what to do with the hold.", nl: "Kies wat je met de reservering wilt doen.")
            }
        }
    }

    func renewMembership(req: Request) async throws -> Response {
        let lang = Language.of(req)
        let formats = Formats(lang: lang, timeZone: try await req.organisation().zone)
        return try await act(req) { service, account in
            let member = try await service.renewMembership(account: account)
            return Locales.text("portal_membership_renewed", lang, ["date": formats.dateWithYear(member.membershipEnd)])
        }
    }
}
