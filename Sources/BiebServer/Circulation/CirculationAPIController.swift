import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The circulation desk over the API (bearer token; the account's own
/// organisation): lending, returns, renewals, holds, transfers, fees, and
/// the loan rules. Refusals are 409 with a code and a message naming the
/// reason and the rule.
struct CirculationAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(PreparedStatementsMiddleware()).grouped(BearerAuthenticator())
        api.post("circulation", "checkout", use: checkout)
        api.post("circulation", "checkin", use: checkin)
        api.post("loans", ":loanID", "renew", use: renew)
        api.post("circulation", "renew", use: renewItem)
        api.post("loans", ":loanID", "lost", use: lost)
        api.post("loans", ":loanID", "claimed-returned", use: claimedReturned)
        api.post("members", ":memberID", "renew-all", use: renewAll)
        api.post("holds", use: placeHold)
        api.delete("holds", ":holdID", use: cancelHold)
        api.post("holds", ":holdID", "suspend", use: suspendHold)
        api.get("branches", ":branchID", "pick-list", use: pickList)
        api.get("branches", ":branchID", "hold-shelf", use: holdShelf)
        api.get("branches", ":branchID", "transfers", use: transfers)
        api.post("members", ":memberID", "payments", use: pay)
        api.post("members", ":memberID", "waivers", use: waive)
        api.post("members", ":memberID", "charges", use: charge)
        api.get("loan-rules", use: rules)
        api.put("loan-rules", use: replaceRules)
        api.get("circulation-settings", use: settings)
        api.put("circulation-settings", use: saveSettings)
    }

    static func int(_ req: Request, _ name: String) throws -> Int {
        guard let text = req.parameters.get(name), let value = Int(text) else {
            throw BiebError.invalid(name, "'\(req.parameters.get(name) ?? "")' is not a number.", nl: "'\(req.parameters.get(name) ?? "")' is geen nummer.")
        }
        return value
    }

    func checkout(req: Request) async throws -> CheckoutDTO {
        let service = try await DeskService.make(req)
        let input = try req.content.decode(CheckoutInput.self)
        let desk = try service.desk(input.branch)
        let member = try await service.memberFacts(input.member_id, card: input.card)
        return service.dto(try await service.circulation.checkout(member: member, item: input.item ?? "", at: desk))
    }

    func checkin(req: Request) async throws -> CheckinDTO {
        let service = try await DeskService.make(req)
        let input = try req.content.decode(CheckinInput.self)
        let desk = try service.desk(input.branch)
        return service.dto(try await service.circulation.checkin(item: input.item ?? "", at: desk))
    }

    func renew(req: Request) async throws -> RenewDTO {
        let service = try await DeskService.make(req)
        let desk = try service.desk(try? req.content.decode(DeskActionInput.self).branch)
        return service.dto(try await service.circulation.renew(loan: try Self.int(req, "loanID"), at: desk))
    }

    /// Renews the loan of a scanned copy.
    func renewItem(req: Request) async throws -> RenewDTO {
        let service = try await DeskService.make(req)
        let input = try req.content.decode(CheckinInput.self)
        let desk = try service.desk(input.branch)
        let item = try await service.circulation.item(barcode: input.item ?? "")
        guard let loan = try await Loan.query(on: req.db).filter(\.$itemID == item.id).filter(\.$open == true).first() else {
            throw Refusal.notOnLoan
        }
        return service.dto(try await service.circulation.renew(loan: loan.id!, at: desk))
    }

    func lost(req: Request) async throws -> AccountDTO {
        try await endLoan(req, lost: true)
    }

    func claimedReturned(req: Request) async throws -> AccountDTO {
        try await endLoan(req, lost: false)
    }

    func endLoan(_ req: Request, lost: Bool) async throws -> AccountDTO {
        let service = try await DeskService.make(req)
        let desk = try service.desk(try? req.content.decode(DeskActionInput.self).branch)
        let loanID = try Self.int(req, "loanID")
        guard let loan = try await Loan.query(on: req.db).filter(\.$organisationID == service.organisation.id!).filter(\.$id == loanID).first(),
              let member = loan.memberID else {
            throw BiebError.notFound("loan", nl: "Uitlening niet gevonden.")
        }
        if lost {
            try await service.circulation.markLost(loan: loanID, at: desk)
        } else {
            try await service.circulation.claimReturned(loan: loanID, at: desk)
        }
        return try await service.account(member)
    }

    func renewAll(req: Request) async throws -> RenewAllDTO {
        let service = try await DeskService.make(req)
        let desk = try service.desk(try? req.content.decode(DeskActionInput.self).branch)
        let member = try req.uuidParameter("memberID")
        _ = try await service.circulation.member(member)
        let results = try await service.circulation.renewAll(member: member, at: desk)
        return RenewAllDTO(outcomes: results.map { loan, result in
            switch result {
            case .success(let receipt): RenewAllDTO.Outcome(loan_id: loan, renewed: service.dto(receipt), refused: nil)
            case .failure(let error):
                RenewAllDTO.Outcome(loan_id: loan, renewed: nil, refused: BlockDTO(code: error.code, message: error.message(dutch: service.dutch)))
            }
        })
    }

    func placeHold(req: Request) async throws -> Response {
        let service = try await DeskService.make(req)
        let input = try req.content.decode(HoldInput.self)
        let desk = try service.desk(nil)
        let member = try await service.memberID(input.member_id, card: input.card)
        let pickup = try service.branch(input.pickup_branch, field: "pickup_branch")
        var titleID = input.title_id
        var itemID: Int?
        if let barcode = input.item, !barcode.trimmed.isEmpty {
            let item = try await service.circulation.item(barcode: barcode)
            if let titleID, titleID != item.titleID {
                throw BiebError.invalid("item", "That copy is not a copy of this title.", nl: "Dat exemplaar hoort niet bij deze titel.")
            }
            titleID = item.titleID
            itemID = item.id
        }
        guard let titleID else { throw BiebError.invalid("title_id", "Give the title to hold.", nl: "Geef de titel die gereserveerd wordt.") }
        var expires: LocalDate?
        if let text = input.expires_on {
            guard let date = LocalDate(iso: text) else {
                throw BiebError.invalid("expires_on", "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
            }
            expires = date
        }
        let hold = try await service.circulation.placeHold(member: member, title: titleID, item: itemID, pickup: pickup.id,
                                                           localOnly: input.local_only ?? false, expiresOn: expires, at: desk)
        let line = try await service.circulation.account(member: member).holds.first { $0.holdID == hold.id }
        let response = Response(status: .created)
        if let line { try response.content.encode(service.dto(line)) }
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/holds/\(hold.id!)")
        return response
    }

    func cancelHold(req: Request) async throws -> HTTPStatus {
        let service = try await DeskService.make(req)
        try await service.circulation.cancelHold(try Self.int(req, "holdID"), at: try service.desk(nil))
        return .noContent
    }

    func suspendHold(req: Request) async throws -> HTTPStatus {
        let service = try await DeskService.make(req)
        let input = try req.content.decode(SuspendInput.self)
        var until: LocalDate?
        if let text = input.until {
            guard let date = LocalDate(iso: text) else {
                throw BiebError.invalid("until", "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
            }
            until = date
        }
        try await service.circulation.suspendHold(try Self.int(req, "holdID"), until: until, at: try service.desk(nil))
        return .noContent
    }

    func branchParam(_ req: Request, _ service: DeskService) throws -> BranchLabel {
        let branch = try service.branch(req.parameters.get("branchID"), field: "branchID")
        _ = try req.staff(.circulate, branch: branch.id)
        return branch
    }

    func pickList(req: Request) async throws -> PickListDTO {
        let service = try await DeskService.make(req)
        let list = try await service.circulation.pickList(branch: try branchParam(req, service).id)
        return PickListDTO(to_pick: list.toPick.map(service.dto), to_clear: list.toClear.map(service.dto))
    }

    func holdShelf(req: Request) async throws -> [WorkItemDTO] {
        let service = try await DeskService.make(req)
        return try await service.circulation.holdShelf(branch: try branchParam(req, service).id).map(service.dto)
    }

    func transfers(req: Request) async throws -> [WorkItemDTO] {
        let service = try await DeskService.make(req)
        let direction = req.query[String.self, at: "direction"] ?? "incoming"
        guard ["incoming", "outgoing"].contains(direction) else {
            throw BiebError.invalid("direction", "direction is incoming or outgoing.", nl: "direction is incoming of outgoing.")
        }
        return try await service.circulation.transfers(branch: try branchParam(req, service).id, incoming: direction == "incoming").map(service.dto)
    }

    func amount(_ req: Request) throws -> AmountInput {
        let input = try req.content.decode(AmountInput.self)
        guard input.amount_cents != nil else {
            throw BiebError.invalid("amount_cents", "Give the amount in cents.", nl: "Geef het bedrag in centen.")
        }
        return input
    }

    func pay(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req)
        let input = try amount(req)
        let member = try req.uuidParameter("memberID")
        try await service.circulation.pay(member: member, cents: input.amount_cents!, method: input.note ?? "kas", at: try service.desk(input.branch))
        return try await service.account(member)
    }

    func waive(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req, .blockAndWaive)
        let input = try amount(req)
        let member = try req.uuidParameter("memberID")
        try await service.circulation.waive(member: member, cents: input.amount_cents!, reason: input.reason ?? "",
                                            at: try service.desk(input.branch, .blockAndWaive))
        return try await service.account(member)
    }

    func charge(req: Request) async throws -> AccountDTO {
        let service = try await DeskService.make(req)
        let input = try amount(req)
        let member = try req.uuidParameter("memberID")
        try await service.circulation.charge(member: member, cents: input.amount_cents!, note: input.note ?? "", item: input.item,
                                             at: try service.desk(input.branch))
        return try await service.account(member)
    }

    // MARK: Rules and settings

    struct RuleDTO: Content {
        var branch: String?
        var category: String?
        var item_type: String?
        var loan_days: Int?
        var max_renewals: Int?
        var max_loans: Int?
        var max_loans_of_type: Int?
        var max_holds: Int?
        var fine_per_day_cents: Int?
        var max_fine_cents: Int?
        var hold_fee_cents: Int?
        var youth_exempt_from_fines: Bool?
        /// How desks name the rule (read only).
        var label: String?

        /// The rules as the store takes them, the branch by id or slug: the API's and the staff page's one reading.
        static func rules(_ input: [RuleDTO], _ service: DeskService) throws -> [(scope: LoanRuleScope, terms: LoanTerms)] {
            try input.enumerated().map { index, rule in
                let branch = try rule.branch.map { try service.branch($0, field: "rules[\(index)].branch").id }
                return (LoanRuleScope(branch: branch, category: rule.category, itemType: rule.item_type),
                        LoanTerms(loanDays: rule.loan_days, maxRenewals: rule.max_renewals, maxLoans: rule.max_loans,
                                  maxLoansOfType: rule.max_loans_of_type, maxHolds: rule.max_holds, finePerDayCents: rule.fine_per_day_cents,
                                  maxFineCents: rule.max_fine_cents, holdFeeCents: rule.hold_fee_cents,
                                  youthExemptFromFines: rule.youth_exempt_from_fines))
            }
        }
    }

    func rules(req: Request) async throws -> [RuleDTO] {
        let service = try await DeskService.make(req, .circulate)
        let store = service.circulation.rules
        let book = try await store.ruleBook(version: try await store.settings().rulesVersion)
        return book.rules.map { rule in
            let t = rule.terms
            return RuleDTO(branch: rule.scope.branch.flatMap { id in service.branches.first { $0.id == id }?.slug }, category: rule.scope.category,
                           item_type: rule.scope.itemType, loan_days: t.loanDays, max_renewals: t.maxRenewals, max_loans: t.maxLoans,
                           max_loans_of_type: t.maxLoansOfType, max_holds: t.maxHolds, fine_per_day_cents: t.finePerDayCents,
                           max_fine_cents: t.maxFineCents, hold_fee_cents: t.holdFeeCents, youth_exempt_from_fines: t.youthExemptFromFines,
                           label: rule.label.text(dutch: service.dutch))
        }
    }

    func replaceRules(req: Request) async throws -> [RuleDTO] {
        let service = try await DeskService.make(req, .manageLoanRules)
        let input = try req.content.decode([RuleDTO].self)
        try await service.circulation.rules.replaceRules(try RuleDTO.rules(input, service))
        return try await self.rules(req: req)
    }

    struct SettingsDTO: Content {
        var hold_shelf_days: Int?
        var hold_expiry_days: Int?
        var floating: Bool?
        var fee_limit_cents: Int?
        var lost_item_cents: Int?
    }

    func settings(req: Request) async throws -> SettingsDTO {
        let service = try await DeskService.make(req, .circulate)
        let s = try await service.circulation.rules.settings()
        return SettingsDTO(hold_shelf_days: s.holdShelfDays, hold_expiry_days: s.holdExpiryDays, floating: s.floating,
                           fee_limit_cents: s.feeLimitCents, lost_item_cents: s.lostItemCents)
    }

    func saveSettings(req: Request) async throws -> SettingsDTO {
        let service = try await DeskService.make(req, .manageLoanRules)
        let input = try req.content.decode(SettingsDTO.self)
        let s = try await service.circulation.rules.settings()
        if let v = input.hold_shelf_days { s.holdShelfDays = v }
        if let v = input.hold_expiry_days { s.holdExpiryDays = v }
        if let v = input.floating { s.floating = v }
        if let v = input.fee_limit_cents { s.feeLimitCents = v }
        if let v = input.lost_item_cents { s.lostItemCents = v }
        try await service.circulation.rules.save(s)
        return try await settings(req: req)
    }
}
