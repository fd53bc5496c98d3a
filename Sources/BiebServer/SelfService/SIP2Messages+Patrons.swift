import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Patrons: who a card belongs to, the PIN, the patron status and information answers, and the door.
extension SIP2Work {
    // MARK: Patrons

    enum Patron {
        case found(Circulation.MemberFacts)
        case unknown
        case cardLost
    }

    func patron(_ card: String?) async throws -> Patron {
        guard let card, !card.trimmed.isEmpty else { return .unknown }
        do {
            return .found(try await circulation.member(card: card))
        } catch let error as BiebError where error.code == "card_not_found" {
            return .unknown
        } catch let error as BiebError where error.code == MemberBlock.cardLost.code {
            return .cardLost
        }
    }

    /// Checks a member's PIN (AD) when sent; once right, not again in this session.
    func checkPIN(_ member: UUID, session: inout SIP2Session) async throws -> PINCheck {
        let (check, digest) = try await door.checkPIN(member: member, pin: request.field("AD"), verified: session.verifiedPINs[member], now: now)
        if check == .valid { session.verifiedPINs[member] = digest }
        return check
    }

    var door: SelfServiceDoor {
        SelfServiceDoor(app: service.app, db: db, organisationID: terminal.organisationID, timeZone: terminal.timeZone)
    }

    func pinMessage(_ check: PINCheck) -> String? {
        switch check {
        case .wrong: text("sip2_pin_wrong")
        case .locked: text("sip2_pin_locked")
        case .noPIN: text("sip2_pin_none")
        case .valid, .notSent: nil
        }
    }

    /// 63 → 64 and 23 → 24. For a door controller the answer is the door's
    /// decision: valid patron (BL) only when the member may come in now, a
    /// screen message why not, and no name or other personal data.
    func patron(information: Bool, session: inout SIP2Session) async throws -> SIP2Response {
        let card = request.field("AA") ?? ""
        let found = try await patron(card)
        guard case .found(let member) = found else {
            // Not a valid patron: privileges denied, and the fifth flag when the card was reported lost.
            var r = SIP2Response(information ? "64" : "24")
            r.fixed("YYYY" + (found.isLost ? "Y" : " ") + String(repeating: " ", count: 9))
            r.fixed(dutch ? "005" : "001")
            r.date(now, in: terminal.timeZone)
            if information { for _ in 0..<6 { r.count(0) } }
            r.field("AO", terminal.institution)
            r.field("AA", card)
            r.field("AE", "")
            r.field("BL", "N")
            r.field("AF", text(found.isLost ? "sip2_card_lost" : "sip2_unknown_card"))
            return r
        }
        let pin = try await checkPIN(member.id, session: &session)
        let settings = try await circulation.rules.settings()
        let blocks = MemberBlock.blocks(cardLost: false, membershipEnd: member.membershipEnd, today: today, balanceCents: member.balanceCents,
                                        limitCents: settings.feeLimitCents, manualReason: member.blockReason)
        var door: DoorDecision?
        if terminal.kind == .door {
            door = try await doorDecision(member, blocks: blocks, pin: pin)
        }
        let book = try await circulation.rules.ruleBook(version: settings.rulesVersion)
        let policy = book.policy(branch: terminal.branch, category: member.category, itemType: "")
        let denied = !blocks.isEmpty || door.map { !$0.allowed } ?? false
        var flags = [Character](repeating: " ", count: 14)
        if denied { flags[0] = "Y"; flags[1] = "Y"; flags[3] = "Y" }
        flags[2] = "Y"                                                   // no recalls in Bieb
        if member.loanCount >= policy.maxLoans { flags[5] = "Y" }
        if member.balanceCents > settings.feeLimitCents { flags[10] = "Y"; flags[11] = "Y" }

        var r = SIP2Response(information ? "64" : "24")
        r.fixed(String(flags))
        r.fixed(dutch ? "005" : "001")
        r.date(now, in: terminal.timeZone)
        var account: Circulation.Account?
        if information {
            let full = try await circulation.account(member: member.id, now: now)
            account = full
            let ready = full.holds.filter { $0.status == .ready }
            r.count(ready.count)
            r.count(full.loans.filter { $0.dueOn < today }.count)
            r.count(full.loans.count)
            r.count(openFees(full).count)
            r.count(0)
            r.count(full.holds.count - ready.count)
        }
        r.field("AO", terminal.institution)
        r.field("AA", card)
        // The door needs no name; a kiosk greets the member by it.
        r.field("AE", terminal.kind == .door ? "" : member.name)
        if information {
            r.field("BZ", SIP2.count(policy.maxHolds))
            r.field("CB", SIP2.count(policy.maxLoans))
        }
        r.field("BL", SIP2.flag(door?.allowed ?? true))
        if pin != .notSent { r.field("CQ", SIP2.flag(pin == .valid)) }
        r.field("BH", "EUR")
        r.field("BV", SIP2.amount(member.balanceCents))
        if information {
            r.field("CC", SIP2.amount(settings.feeLimitCents))
            if let account { summaryLists(account, into: &r) }
            r.field("PC", member.category)
        }
        // The screen message: the door's reason, or the first block, or a greeting.
        let message: String
        if let door {
            if case .refused(let reason) = door { message = reason.message(dutch: dutch) } else { message = text("sip2_door_welcome") }
        } else if let pinText = pinMessage(pin) {
            message = pinText
        } else if let block = blocks.first {
            message = block.message(dutch: dutch)
        } else {
            message = text("sip2_welcome", ["name": member.name.split(separator: " ").first.map(String.init) ?? ""])
        }
        r.field("AF", message)
        return r
    }

    /// The fee lines that make up what is outstanding (newest charges first, as payments clear the oldest).
    func openFees(_ account: Circulation.Account) -> [Circulation.FeeLineView] {
        var left = account.member.balanceCents
        var lines: [Circulation.FeeLineView] = []
        for line in account.fees where line.amountCents > 0 && left > 0 {
            lines.append(line)
            left -= line.amountCents
        }
        return lines
    }

    /// The one list the summary field asks for (a Y at its position), from BP to BQ.
    func summaryLists(_ account: Circulation.Account, into r: inout SIP2Response) {
        let summary = Array(request.fixed(21, 10))
        guard let index = summary.firstIndex(of: "Y") else { return }
        let start = max(1, Int(request.field("BP") ?? "") ?? 1)
        let end = max(start, Int(request.field("BQ") ?? "") ?? (start + 49))
        func list(_ code: String, _ values: [String]) {
            for value in values.dropFirst(start - 1).prefix(end - start + 1) { r.field(code, value) }
        }
        switch index {
        case 0: list("AS", account.holds.filter { $0.status == .ready }.map { $0.itemBarcode ?? $0.title })
        case 1: list("AT", account.loans.filter { $0.dueOn < today }.map(\.barcode))
        case 2: list("AU", account.loans.map(\.barcode))
        case 3: list("AV", openFees(account).map { "\(SIP2.amount($0.amountCents)) \($0.note)" })
        case 5: list("CD", account.holds.filter { $0.status != .ready }.map(\.title))
        default: break
        }
    }

    // MARK: The door

    /// The door's decision for a member now; counts the entry as a visit
    /// when it lets them in (a PIN is needed in self-service hours).
    func doorDecision(_ member: Circulation.MemberFacts, blocks: [MemberBlock], pin: PINCheck) async throws -> DoorDecision {
        try await door.decide(member: member, blocks: blocks, pin: pin, branch: terminal.branch, level: try await level(), via: "sip2", now: now)
    }
}
