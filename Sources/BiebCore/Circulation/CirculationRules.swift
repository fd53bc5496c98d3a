import Foundation

/// Due dates come from the branch calendar, the one source of truth for
/// "is it open": a loan is due `days` after the day it starts, moved on to
/// the first day the branch is open. Where the branch takes returns in
/// self-service hours (a return machine), a self-service day counts;
/// otherwise only a staffed day does.
public enum DueDates {
    public static func due(from start: LocalDate, days: Int, calendar: BranchCalendar, selfServiceReturns: Bool) -> LocalDate {
        let target = start.adding(days: days)
        let level: ServiceLevel = selfServiceReturns ? .selfService : .staffed
        // A branch with no opening day in the coming year (an outreach point
        // that closed): the plain date, rather than no due date at all.
        return calendar.firstOpeningDay(onOrAfter: target, atLeast: level) ?? target
    }

    /// The end of the due day (the last moment a return is on time), for
    /// availability ("expected back") and reminders.
    public static func endOfDay(_ date: LocalDate, in timeZone: TimeZone) -> Date {
        LocalClock.instant(of: date.adding(days: 1), minute: 0, in: timeZone).addingTimeInterval(-1)
    }
}

/// Overdue fines: calendar days after the due date, at the rule's rate, up
/// to the rule's maximum; none for youth members where the rule exempts them.
public enum Fines {
    public static func overdue(due: LocalDate, returned: LocalDate, policy: LoanPolicy, youth: Bool) -> (days: Int, cents: Int) {
        let days = max(0, due.days(until: returned))
        guard days > 0, !(youth && policy.youthExemptFromFines) else { return (days, 0) }
        return (days, min(policy.maxFineCents, days * policy.finePerDayCents))
    }
}

/// Why a member may not borrow (or place holds) now.
public enum MemberBlock: Equatable, Sendable {
    case cardLost
    case expired(LocalDate)
    case fees(balanceCents: Int, limitCents: Int)
    case manual(String)

    public var code: String {
        switch self {
        case .cardLost: "card_lost"
        case .expired: "membership_expired"
        case .fees: "fees_over_limit"
        case .manual: "member_blocked"
        }
    }

    public func message(dutch: Bool) -> String {
        switch self {
        case .cardLost:
            dutch ? "Deze pas is als verloren gemeld." : "This card has been reported lost."
        case .expired(let date):
            dutch ? "Het abonnement is verlopen op \(date.dutchText)." : "The membership expired on \(date.iso)."
        case .fees(let balance, let limit):
            dutch ? "Openstaand bedrag \(Money.text(balance)) is hoger dan \(Money.text(limit)); eerst (deels) betalen."
                  : "Outstanding \(Money.text(balance)) is more than \(Money.text(limit)); pay (part of) it first."
        case .manual(let reason):
            dutch ? "Geblokkeerd: \(reason)" : "Blocked: \(reason)"
        }
    }

    /// The blocks that hold for a member now, most pressing first.
    public static func blocks(cardLost: Bool, membershipEnd: LocalDate?, today: LocalDate, balanceCents: Int, limitCents: Int,
                              manualReason: String?) -> [MemberBlock] {
        var blocks: [MemberBlock] = []
        if let manualReason { blocks.append(.manual(manualReason)) }
        if cardLost { blocks.append(.cardLost) }
        if let membershipEnd, membershipEnd < today { blocks.append(.expired(membershipEnd)) }
        if balanceCents > limitCents { blocks.append(.fees(balanceCents: balanceCents, limitCents: limitCents)) }
        return blocks
    }
}

/// Refusals of the circulation desk: a machine-readable code and a plain
/// message in Dutch and English naming the reason and, where a rule caused
/// it, the rule.
public enum Refusal {
    static func refused(_ code: String, field: String? = nil, en: String, nl: String) -> BiebError {
        BiebError(.conflict, code: code, field: field, message: en, nl: nl)
    }

    public static func blocked(_ block: MemberBlock) -> BiebError {
        refused(block.code, en: block.message(dutch: false), nl: block.message(dutch: true))
    }

    public static func loanLimit(_ policy: LoanPolicy) -> BiebError {
        let rule = policy.source(.maxLoans)
        return refused("loan_limit", en: "Loan limit of \(policy.maxLoans) reached (rule: \(rule.en)).",
                       nl: "Maximum van \(policy.maxLoans) uitleningen bereikt (regel: \(rule.nl)).")
    }

    public static func typeLimit(_ policy: LoanPolicy, type: MaterialFormat) -> BiebError {
        let rule = policy.source(.maxLoansOfType)
        return refused("loan_limit_of_type", en: "Limit of \(policy.maxLoansOfType) loans of \(type.plural(dutch: false)) reached (rule: \(rule.en)).",
                       nl: "Maximum van \(policy.maxLoansOfType) uitleningen van \(type.plural(dutch: true)) bereikt (regel: \(rule.nl)).")
    }

    public static func renewalLimit(_ policy: LoanPolicy) -> BiebError {
        let rule = policy.source(.maxRenewals)
        return refused("renewal_limit", en: "Renewed \(policy.maxRenewals) times already, the most allowed (rule: \(rule.en)).",
                       nl: "Al \(policy.maxRenewals) keer verlengd, meer mag niet (regel: \(rule.nl)).")
    }

    /// A renewal would give the due date the loan already has (lent or renewed today): it is refused
    /// and changes nothing, so no renewal is used up for nothing.
    public static func notExtended(due: LocalDate) -> BiebError {
        refused("renewal_not_extending", en: "Renewing now would not change the due date: it stays \(due.iso). Renew closer to that date.",
                nl: "Verlengen verandert de inleverdatum nu niet: die blijft \(due.dutchText). Verleng dichter bij die datum.")
    }

    public static func holdLimit(_ policy: LoanPolicy) -> BiebError {
        let rule = policy.source(.maxHolds)
        return refused("hold_limit", en: "Hold limit of \(policy.maxHolds) reached (rule: \(rule.en)).",
                       nl: "Maximum van \(policy.maxHolds) reserveringen bereikt (regel: \(rule.nl)).")
    }

    public static let heldForOthers = refused("held_for_others", en: "Cannot renew: other members are waiting for this title.",
                                              nl: "Verlengen kan niet: andere leden wachten op deze titel.")
    public static let alreadyOnLoan = refused("item_on_loan", field: "item", en: "This copy is already on loan.",
                                              nl: "Dit exemplaar is al uitgeleend.")
    public static let heldForSomeoneElse = refused("item_held", field: "item", en: "This copy is waiting on the hold shelf for another member.",
                                                   nl: "Dit exemplaar ligt klaar voor een ander lid.")
    public static let notOnLoan = refused("item_not_on_loan", field: "item", en: "This copy is not on loan.",
                                          nl: "Dit exemplaar is niet uitgeleend.")
    public static let notYourLoan = refused("not_your_loan", field: "item", en: "This copy is lent to another member.",
                                            nl: "Dit exemplaar is aan een ander lid uitgeleend.")

    public static func unavailable(_ status: ItemStatus) -> BiebError {
        let (en, nl): (String, String) = switch status {
        case .inTransit: ("on its way to another branch", "onderweg naar een andere vestiging")
        case .lost: ("registered as lost", "als verloren geregistreerd")
        case .missing: ("registered as missing", "als vermist geregistreerd")
        case .withdrawn: ("withdrawn from the collection", "uit de collectie gehaald")
        default: ("not available", "niet beschikbaar")
        }
        return refused("item_unavailable", field: "item", en: "This copy is \(en); check it in first.",
                       nl: "Dit exemplaar is \(nl); neem het eerst in.")
    }
}

/// Which copy may fill which hold: an item-level hold only its own copy; a
/// member who wants "only copies from my branch" only copies owned by the
/// pickup branch; a suspended hold none until it resumes. The queue is in
/// order of placement; the first hold that accepts a copy gets it.
public enum HoldQueue {
    public struct Hold: Equatable, Sendable {
        public var id: Int
        public var itemID: Int?
        public var pickupBranch: UUID
        public var localOnly: Bool
        public var suspendedUntil: LocalDate?

        public init(id: Int, itemID: Int? = nil, pickupBranch: UUID, localOnly: Bool = false, suspendedUntil: LocalDate? = nil) {
            self.id = id
            self.itemID = itemID
            self.pickupBranch = pickupBranch
            self.localOnly = localOnly
            self.suspendedUntil = suspendedUntil
        }
    }

    public struct Copy: Equatable, Sendable {
        public var itemID: Int
        public var owningBranch: UUID

        public init(itemID: Int, owningBranch: UUID) {
            self.itemID = itemID
            self.owningBranch = owningBranch
        }
    }

    public static func accepts(_ hold: Hold, _ copy: Copy, today: LocalDate) -> Bool {
        if let until = hold.suspendedUntil, until > today { return false }
        if let item = hold.itemID, item != copy.itemID { return false }
        if hold.localOnly && copy.owningBranch != hold.pickupBranch { return false }
        return true
    }

    /// The first hold in queue order that accepts the copy.
    public static func first(of holds: [Hold], for copy: Copy, today: LocalDate) -> Hold? {
        holds.first { accepts($0, copy, today: today) }
    }
}

/// Amounts in euro cents, written the Dutch way: "€ 1,25".
public enum Money {
    public static func text(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        return "\(sign)€ \(value / 100),\(String(format: "%02d", value % 100))"
    }

    /// An amount a person types in euros ("12,50", "€ 3", "0.5") as cents:
    /// more than zero, at most € 1.000, at most two decimals.
    public static func cents(euros text: String?, field: String = "amount") throws(BiebError) -> Int {
        let cleaned = (text ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "€", with: "")
            .trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let euros = Int(parts[0]), parts[0].allSatisfy(\.isNumber),
              parts.count == 1 || (1...2).contains(parts[1].count) && parts[1].allSatisfy(\.isNumber),
              euros <= 1000 else {
            throw BiebError.invalid(field, "'\(text ?? "")' is not an amount in euros (such as 12,50).",
                                    nl: "'\(text ?? "")' is geen bedrag in euro's (zoals 12,50).")
        }
        let cents = parts.count == 2 ? Int(parts[1].count == 1 ? parts[1] + "0" : String(parts[1]))! : 0
        let total = euros * 100 + cents
        guard total > 0 else {
            throw BiebError.invalid(field, "The amount must be more than zero.", nl: "Het bedrag moet meer dan nul zijn.")
        }
        return total
    }
}

extension LocalDate {
    /// "12 december 2026".
    public var dutchText: String {
        let months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]
        return "\(day) \(months[month - 1]) \(year)"
    }

    /// Whole years from `self` (a birth date) to `date`.
    public func age(on date: LocalDate) -> Int {
        var years = date.year - year
        if date.month < month || (date.month == month && date.day < day) { years -= 1 }
        return years
    }
}

extension MaterialFormat {
    /// The plural for messages about limits ("10 loans of DVDs").
    public func plural(dutch: Bool) -> String {
        switch self {
        case .book: dutch ? "boeken" : "books"
        case .largePrint: dutch ? "groteletterboeken" : "large-print books"
        case .audiobook: dutch ? "luisterboeken" : "audiobooks"
        case .ebook: dutch ? "e-books" : "e-books"
        case .dvd: dutch ? "dvd's" : "DVDs"
        case .music: dutch ? "muziek" : "music"
        case .game: dutch ? "spellen" : "games"
        case .magazine: dutch ? "tijdschriften" : "magazines"
        case .sheetMusic: dutch ? "bladmuziek" : "sheet music"
        case .database: dutch ? "databanken" : "databases"
        case .other: dutch ? "overige materialen" : "other materials"
        }
    }
}
