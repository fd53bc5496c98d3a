import Foundation
import Vapor
import BiebCore
import BiebStore

struct BlockDTO: Content {
    let code: String
    let message: String
}

struct LoanDTO: Content {
    let loan_id: Int
    let item_id: Int
    let barcode: String
    let title_id: Int
    let title: String
    let due_on: String
    let renewals: Int
    let overdue: Bool
}

struct HoldDTO: Content {
    let id: Int
    let title_id: Int
    let title: String
    let status: String
    let pickup_branch_id: UUID
    let pickup_branch: String
    let placed_at: Date
    let expires_on: String
    let suspended_until: String?
    let ready_until: String?
    let item_barcode: String?
    let position: Int?
}

struct FeeLineDTO: Content {
    let id: Int
    let kind: String
    let amount_cents: Int
    let amount: String
    let note: String
    let at: Date
}

struct AccountDTO: Content {
    let member: MemberDTO
    let blocks: [BlockDTO]
    let may_borrow: Bool
    let loans: [LoanDTO]
    let holds: [HoldDTO]
    let fees: [FeeLineDTO]
}

struct CheckoutInput: Content {
    /// A card number, or `member_id`.
    var card: String?
    var member_id: UUID?
    var item: String?
    /// Branch id or slug; the account's own branch (or the central library) by default.
    var branch: String?
}

/// A checkout's answer: the loan and its due date first, then the copy lent.
struct CheckoutDTO: Content {
    let loan_id: Int
    let due_on: String
    let item_id: Int
    let barcode: String
    let title_id: Int
    let title: String
    let filled_hold: Int?
    let message: String
}

struct CheckinInput: Content {
    var item: String?
    var branch: String?
}

struct RoutingDTO: Content {
    /// shelf, hold_shelf or transit.
    let action: String
    let hold_id: Int?
    let until: String?
    let to_branch_id: UUID?
    let to_branch: String?
}

struct CheckinDTO: Content {
    let item_id: Int
    let barcode: String
    let title: String
    let loan_id: Int?
    let member_id: UUID?
    let days_late: Int
    let fine_cents: Int
    let routing: RoutingDTO
    let message: String
}

struct RenewDTO: Content {
    let loan_id: Int
    let barcode: String
    let title: String
    let due_on: String
    let renewals: Int
}

struct RenewAllDTO: Content {
    struct Outcome: Content {
        let loan_id: Int
        let renewed: RenewDTO?
        let refused: BlockDTO?
    }
    let outcomes: [Outcome]
}

struct HoldInput: Content {
    var member_id: UUID?
    var card: String?
    var title_id: Int?
    var item: String?
    var pickup_branch: String?
    var local_only: Bool?
    var expires_on: String?
}

struct SuspendInput: Content {
    /// YYYY-MM-DD, or null to resume.
    var until: String?
}

struct DeskActionInput: Content {
    var branch: String?
}

struct AmountInput: Content {
    var amount_cents: Int?
    var reason: String?
    var note: String?
    var item: String?
    var branch: String?
}

struct WorkItemDTO: Content {
    let item_id: Int
    let barcode: String
    let title: String
    let call_number: String
    let branch_id: UUID?
    let branch: String?
    let hold_id: Int?
    let member: String?
    let until: String?
    let since: Date?
}

struct PickListDTO: Content {
    let to_pick: [WorkItemDTO]
    let to_clear: [WorkItemDTO]
}

extension DeskService {
    func dto(_ routing: Routing) -> RoutingDTO {
        switch routing {
        case .shelf:
            return RoutingDTO(action: "shelf", hold_id: nil, until: nil, to_branch_id: nil, to_branch: nil)
        case .holdShelf(let hold, let until):
            return RoutingDTO(action: "hold_shelf", hold_id: hold, until: until.iso, to_branch_id: nil, to_branch: nil)
        case .transit(let to, let hold):
            return RoutingDTO(action: "transit", hold_id: hold, until: nil, to_branch_id: to, to_branch: branchName(to))
        }
    }

    func dto(_ receipt: CheckinReceipt) -> CheckinDTO {
        var message = text(receipt.routing)
        if receipt.fineCents > 0 {
            message = Locales.text("desk_fine", lang, ["days": String(receipt.daysLate), "amount": Money.text(receipt.fineCents)]) + " " + message
        }
        return CheckinDTO(item_id: receipt.item, barcode: receipt.barcode, title: receipt.title, loan_id: receipt.loanID, member_id: receipt.member,
                          days_late: receipt.daysLate, fine_cents: receipt.fineCents, routing: dto(receipt.routing), message: message)
    }

    func dto(_ receipt: CheckoutReceipt) -> CheckoutDTO {
        CheckoutDTO(loan_id: receipt.loanID, due_on: receipt.dueOn.iso, item_id: receipt.item, barcode: receipt.barcode, title_id: receipt.titleID,
                    title: receipt.title, filled_hold: receipt.filledHold,
                    message: Locales.text("desk_lent", lang, ["title": receipt.title, "date": day(receipt.dueOn)]))
    }

    func dto(_ receipt: RenewReceipt) -> RenewDTO { RenewDTO(receipt) }

    func dto(_ hold: Circulation.HoldLine) -> HoldDTO { HoldDTO(hold, branchName: branchName) }

    func dto(_ item: Circulation.WorkItem) -> WorkItemDTO {
        WorkItemDTO(item_id: item.itemID, barcode: item.barcode, title: item.title, call_number: item.callNumber, branch_id: item.branch,
                    branch: item.branch.map(branchName), hold_id: item.holdID, member: item.memberName, until: item.until?.iso, since: item.since)
    }

    func dto(_ account: Circulation.Account, member: Member, cards: [MemberCard], type: MembershipType?) -> AccountDTO {
        AccountDTO(account, member: member, cards: cards, type: type, lang: lang, today: LocalDate(Date(), in: organisation.zone),
                   branchName: branchName)
    }

    /// The full account of a member of this organisation. The view is
    /// logged (who, when, why: `purpose`, or what the request names in
    /// `?purpose=` or `X-Bieb-Purpose`).
    func account(_ memberID: UUID, purpose: ViewPurpose = .desk) async throws -> AccountDTO {
        guard let member = try await members.member(memberID) else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        try await logView(of: memberID, purpose: purpose)
        let account = try await circulation.account(member: memberID)
        let type = try await MembershipType.find(member.membershipTypeID, on: req.db)
        return dto(account, member: member, cards: try await members.cards(of: memberID), type: type)
    }

    /// Records that this staff member saw the member's personal data.
    func logView(of memberID: UUID, purpose: ViewPurpose) async throws {
        try await logViews(of: [memberID], purpose: purpose)
    }

    /// Records that this staff member saw these members' personal data (a list of search results).
    func logViews(of members: [UUID], purpose: ViewPurpose) async throws {
        let named = (req.query[String.self, at: "purpose"] ?? req.headers.first(name: "X-Bieb-Purpose")).flatMap(ViewPurpose.init(rawValue:))
        try await MemberViews(req.db, organisationID: organisation.id!)
            .record(members: members, staff: user.id!, purpose: named ?? purpose, via: req.url.path.hasPrefix("/api/") ? "api" : "staff pages")
    }

    /// The member named by `member_id` or a card number.
    func memberFacts(_ id: UUID?, card: String?) async throws -> Circulation.MemberFacts {
        if let id { return try await circulation.member(id) }
        guard let card, !card.trimmed.isEmpty else {
            throw BiebError.invalid("card", "Give the member's card number (or member_id).", nl: "Geef het pasnummer van het lid.")
        }
        return try await circulation.member(card: card)
    }

    /// The member named by `member_id` or a card number (only the id).
    func memberID(_ id: UUID?, card: String?) async throws -> UUID {
        if let id { return id }
        return try await memberFacts(nil, card: card).id
    }
}

extension RenewDTO {
    init(_ receipt: RenewReceipt) {
        self.init(loan_id: receipt.loanID, barcode: receipt.barcode, title: receipt.title, due_on: receipt.dueOn.iso, renewals: receipt.renewals)
    }
}

extension HoldDTO {
    init(_ hold: Circulation.HoldLine, branchName: (UUID) -> String) {
        self.init(id: hold.holdID, title_id: hold.titleID, title: hold.title, status: hold.status.rawValue, pickup_branch_id: hold.pickupBranch,
                  pickup_branch: branchName(hold.pickupBranch), placed_at: hold.placedAt, expires_on: hold.expiresOn.iso,
                  suspended_until: hold.suspendedUntil?.iso, ready_until: hold.readyUntil?.iso, item_barcode: hold.itemBarcode, position: hold.position)
    }
}

extension AccountDTO {
    /// A member's account as the desk and the member see it (same fields, same words).
    init(_ account: Circulation.Account, member: Member, cards: [MemberCard], type: MembershipType?, lang: Language, today: LocalDate,
         branchName: (UUID) -> String) {
        self.init(
            member: MemberDTO(member, cards: cards, type: type, lang: lang, today: today),
            blocks: account.blocks.map { BlockDTO(code: $0.code, message: $0.message(dutch: lang == .nl)) },
            may_borrow: account.blocks.isEmpty,
            loans: account.loans.map {
                LoanDTO(loan_id: $0.loanID, item_id: $0.itemID, barcode: $0.barcode, title_id: $0.titleID, title: $0.title, due_on: $0.dueOn.iso,
                        renewals: $0.renewals, overdue: $0.dueOn < today)
            },
            holds: account.holds.map { HoldDTO($0, branchName: branchName) },
            fees: account.fees.map {
                FeeLineDTO(id: $0.id, kind: $0.kind.rawValue, amount_cents: $0.amountCents, amount: Money.text($0.amountCents), note: $0.note, at: $0.at)
            })
    }
}

struct MemberDTO: Content {
    struct CardDTO: Content {
        let barcode: String
        let status: String
        let issued_on: String
    }
    let id: UUID
    let name: String
    let birth_date: String
    let youth: Bool
    let email: String?
    let phone: String?
    let street: String
    let postcode: String
    let city: String
    let home_branch_id: UUID
    let membership_type: String?
    let membership_type_name: String?
    let membership_start: String
    let membership_end: String
    let guardian_id: UUID?
    let block_reason: String?
    let balance_cents: Int
    let loan_count: Int
    let hold_count: Int
    let cards: [CardDTO]

    init(_ member: Member, cards: [MemberCard], type: MembershipType?, lang: Language, today: LocalDate) {
        id = member.id!
        name = member.name
        birth_date = member.birthDateText
        youth = member.isYouth(on: today)
        email = member.email
        phone = member.phone
        street = member.street
        postcode = member.postcode
        city = member.city
        home_branch_id = member.homeBranchID
        membership_type = type?.code
        membership_type_name = type?.name(dutch: lang == .nl)
        membership_start = member.membershipStartText
        membership_end = member.membershipEndText
        guardian_id = member.guardianID
        block_reason = member.blockReason
        balance_cents = member.balanceCents
        loan_count = member.loanCount
        hold_count = member.holdCount
        self.cards = cards.map { CardDTO(barcode: $0.barcode, status: $0.status.rawValue, issued_on: $0.issuedOn) }
    }
}

struct MembershipTypeDTO: Content {
    var id: UUID?
    var code: String?
    var name_nl: String?
    var name_en: String?
    var yearly_fee_cents: Int?
    var youth: Bool?
    var active: Bool?

    init(_ type: MembershipType) {
        id = type.id
        code = type.code
        name_nl = type.nameNL
        name_en = type.nameEN
        yearly_fee_cents = type.yearlyFeeCents
        youth = type.youth
        active = type.active
    }
}
