import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

typealias Work = SIP2Work

/// One request of a logged-in terminal: the answer for each message pair.
struct SIP2Work {
    let service: SIP2Service
    let terminal: SIP2TerminalContext
    let request: SIP2Request
    let now: Date
    let dutch: Bool

    var db: any Database { service.db }
    var circulation: Circulation {
        Circulation(db, organisationID: terminal.organisationID, timeZone: terminal.timeZone,
                    calendars: service.app.calendarCache, ruleBooks: service.app.ruleBookCache)
    }
    var store: SelfServiceStore { SelfServiceStore(db, organisationID: terminal.organisationID) }
    var desk: Circulation.Desk { Circulation.Desk(branch: terminal.branch, staff: nil, now: now) }
    var today: LocalDate { LocalDate(now, in: terminal.timeZone) }

    func text(_ key: String, _ values: [String: String] = [:]) -> String { service.text(key, dutch, values) }
    func refusal(_ message: String) -> SIP2Response {
        service.refusal(request, session: SIP2Session(terminal: terminal), message: message, now: now)
    }
    func day(_ date: LocalDate) -> String { dutch ? date.dutchText : date.iso }
    /// A due date as SIP2 writes dates: the end of the day, local time.
    func sipDate(_ date: LocalDate) -> String { SIP2.date(DueDates.endOfDay(date, in: terminal.timeZone), in: terminal.timeZone) }

    // MARK: Branch and calendar

    /// How the terminal's branch is served now (the branch calendar decides).
    func level() async throws -> ServiceLevel {
        let cache = service.app.calendarCache
        if let calendar = cache.calendar(terminal.branch, timeZone: terminal.timeZone, verifiedWithin: 2, now: now) {
            return calendar.level(at: now)
        }
        return try await BranchDirectory(db, cache: cache).calendar(of: terminal.branch, timeZone: terminal.timeZone).level(at: now)
    }

    /// A branch's name, from the organisation's branch list kept a few seconds (`DeskCache`).
    func branchName(_ id: UUID) async throws -> String {
        if id == terminal.branch { return terminal.branchName }
        return try await branches().first { $0.id == id }?.name ?? "?"
    }

    func branches() async throws -> [BranchLabel] {
        let cache = service.app.deskCache
        if let hit = cache.get(terminal.organisationID, now: now) { return hit.branches }
        guard let organisation = try await BranchDirectory(db).organisation(id: terminal.organisationID) else { return [] }
        let labels = try await BranchDirectory(db).labels(of: terminal.organisationID)
        cache.put(terminal.organisationID, (organisation, labels), now: now)
        return labels
    }

    // MARK: 99 → 98 status

    /// The order of the supported-messages field (BX).
    static let supportedOrder: [String] = ["23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65"]

    static func supported(_ allowed: Set<SIP2.Command>) -> String {
        supportedOrder.map { code in SIP2.Command(rawValue: code).map { allowed.contains($0) ? "Y" : "N" } ?? "N" }.joined()
    }

    func status() async throws -> SIP2Response {
        let open = try await level() != .closed
        var r = SIP2Response("98")
        r.flag(true)                                            // online
        r.flag(terminal.allowed.contains(.checkin))             // checkin ok (also while closed: returns are dated)
        r.flag(open && terminal.allowed.contains(.checkout))    // checkout ok (only while open)
        r.flag(terminal.allowed.contains(.renew))               // ACS renewal policy
        r.flag(false)                                           // status update ok
        r.flag(false)                                           // offline ok
        r.fixed("030")                                          // timeout period (tenths of a second... 3 s)
        r.fixed("003")                                          // retries allowed
        r.date(now, in: terminal.timeZone)
        r.fixed("2.00")
        r.field("AO", terminal.institution)
        r.field("AM", terminal.libraryName)
        r.field("BX", Self.supported(terminal.allowed))
        r.field("AN", terminal.branchName)
        r.field("AF", text(open ? "sip2_status_open" : "sip2_status_closed"))
        return r
    }

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

    // MARK: 11 → 12 checkout

    func checkout(session: inout SIP2Session) async throws -> SIP2Response {
        let card = request.field("AA") ?? ""
        let barcode = request.field("AB") ?? ""
        if try await level() == .closed { return refusal(text("sip2_closed_checkout")) }
        guard case .found(let member) = try await patron(card) else { return refusal(text("sip2_unknown_card")) }
        if let message = pinMessage(try await checkPIN(member.id, session: &session)) { return refusal(message) }
        if request.field("BI") == "Y" {
            // Cancel: the kiosk could not finish a checkout it asked for; the copy comes back in.
            guard try await openLoan(barcode)?.member == member.id else { return refusal(text("sip2_not_loaned_to_you")) }
            _ = try await circulation.checkin(item: barcode, at: desk)
            var r = SIP2Response("12")
            r.fixed("1NNN")
            r.date(now, in: terminal.timeZone)
            r.field("AO", terminal.institution)
            r.field("AA", card)
            r.field("AB", barcode)
            r.field("AJ", "")
            r.field("AH", "")
            r.field("AF", text("sip2_checkout_cancelled"))
            return r
        }
        do {
            let receipt = try await circulation.checkout(member: member, item: barcode, at: desk)
            return loanResponse("12", card: card, barcode: receipt.barcode, title: receipt.title, due: receipt.dueOn, renewal: false,
                                format: receipt.format, message: text("sip2_due", ["date": day(receipt.dueOn)]))
        } catch let error as BiebError where error.code == "already_lent_to_member" && request.fixed(0, 1) == "Y" {
            // Already on this member's card and the kiosk allows renewal: renew.
            guard let loan = try await openLoan(barcode) else { throw error }
            do {
                let receipt = try await circulation.renew(loan: loan.id, member: member.id, at: desk)
                return loanResponse("12", card: card, barcode: receipt.barcode, title: receipt.title, due: receipt.dueOn, renewal: true,
                                    format: loan.format, message: text("sip2_renewed", ["date": day(receipt.dueOn)]))
            } catch let refusal as BiebError {
                return self.refusal(refusal.message(dutch: dutch))
            }
        } catch let error as BiebError {
            return refusal(error.message(dutch: dutch))
        }
    }

    func loanResponse(_ code: String, card: String, barcode: String, title: String, due: LocalDate, renewal: Bool, format: MaterialFormat,
                      message: String) -> SIP2Response {
        var r = SIP2Response(code)
        r.fixed("1")
        r.flag(renewal)
        r.fixed("N")                     // magnetic media
        r.flag(true)                     // desensitize
        r.date(now, in: terminal.timeZone)
        r.field("AO", terminal.institution)
        r.field("AA", card)
        r.field("AB", barcode)
        r.field("AJ", title)
        r.field("AH", sipDate(due))
        r.field("CK", Self.mediaType(format))
        r.field("AF", message)
        return r
    }

    /// SIP2 media types: 000 other, 001 book, 002 magazine, 005 video, 006 CD/CD-ROM.
    static func mediaType(_ format: MaterialFormat) -> String {
        switch format {
        case .book, .largePrint, .sheetMusic: "001"
        case .magazine: "002"
        case .dvd: "005"
        case .audiobook, .music, .game: "006"
        case .ebook, .database, .other: "000"
        }
    }

    struct OpenLoan {
        let id: Int
        let member: UUID?
        let due: LocalDate
        let format: MaterialFormat
    }

    func openLoan(_ barcode: String) async throws -> OpenLoan? {
        guard let row = try await db.sql.raw("""
            SELECT l.id, l.member_id, l.due_on, l.item_type FROM loans l JOIN items i ON i.id = l.item_id
            WHERE i.organisation_id = \(bind: terminal.organisationID) AND i.barcode = \(bind: barcode.trimmed) AND l.open = \(bind: true)
            """).first() else { return nil }
        return OpenLoan(id: try row.decode(column: "id", as: Int.self), member: try row.decode(column: "member_id", as: UUID?.self),
                        due: LocalDate(iso: try row.decode(column: "due_on", as: String.self))!,
                        format: MaterialFormat(rawValue: try row.decode(column: "item_type", as: String.self)) ?? .other)
    }

    // MARK: 09 → 10 checkin

    /// A return, also while the branch is closed (a return chute or sorter):
    /// dated now, or at the return date the machine gives (an offline
    /// return, at most 30 days back). The answer tells a sorter the bin and
    /// raises the alert for a copy that fills a hold or must travel.
    func checkin() async throws -> SIP2Response {
        let barcode = request.field("AB") ?? ""
        var at = desk
        if let returned = SIP2.parseDate(request.fixed(19, 18), in: terminal.timeZone), returned < now,
           now.timeIntervalSince(returned) < 30 * 86_400 {
            at.now = returned
        }
        let receipt: CheckinReceipt
        do {
            receipt = try await circulation.checkin(item: barcode, at: at)
        } catch let error as BiebError {
            var r = refusal(error.message(dutch: dutch))
            r.field("CV", "99")
            return r
        }
        let bins = try await service.app.selfService.sortBins.bins(terminal.branch, now: now) {
            try await store.sortBins(branch: terminal.branch)
        }
        var r = SIP2Response("10")
        r.fixed("1")
        r.flag(true)                     // resensitize
        r.fixed("N")                     // magnetic media
        var alert: String?
        var destination: String?
        var holdFor: UUID?
        var bin = bins.shelf
        var route = text("sip2_route_shelf")
        switch receipt.routing {
        case .shelf:
            break
        case .holdShelf(let hold, let until):
            alert = "01"
            bin = bins.holds
            destination = terminal.branchName
            holdFor = try await holdMember(hold)
            route = text("sip2_route_hold", ["date": day(until)])
        case .transit(let to, let hold):
            alert = hold == nil ? "04" : "02"
            bin = bins.transit
            destination = try await branchName(to)
            if let hold { holdFor = try await holdMember(hold) }
            route = text(hold == nil ? "sip2_route_home" : "sip2_route_transit_hold", ["branch": destination ?? ""])
        }
        r.flag(alert != nil)
        r.date(now, in: terminal.timeZone)
        r.field("AO", terminal.institution)
        r.field("AB", receipt.barcode)
        r.field("AQ", try await branchName(receipt.owningBranch))
        r.field("AJ", receipt.title)
        r.field("CL", bin)
        r.field("CK", Self.mediaType(receipt.format))
        var message = receipt.loanID == nil ? text("sip2_not_on_loan") : text("sip2_returned")
        if receipt.fineCents > 0 {
            message += " " + text("sip2_return_late", ["days": "\(receipt.daysLate)", "amount": Money.text(receipt.fineCents)])
        }
        r.field("AF", message + " " + route)
        if let alert {
            r.field("CT", destination ?? "")
            r.field("CV", alert)
            if let holdFor, let (card, name) = try await holdPatron(holdFor) {
                r.field("CY", card)
                r.field("DA", name)
            }
        }
        return r
    }

    func holdMember(_ hold: Int) async throws -> UUID? {
        try await db.sql.select().column("member_id").from(Hold.schema).where("id", .equal, hold).first()?
            .decode(column: "member_id", as: UUID.self)
    }

    /// The card and a short name for the hold slip ("Anna J."): enough to
    /// find the copy on the hold shelf, not a full name on a slip.
    func holdPatron(_ member: UUID) async throws -> (String, String)? {
        guard let row = try await db.sql.raw("""
            SELECT c.barcode, m.name FROM members m JOIN member_cards c ON c.member_id = m.id AND c.status = 'active'
            WHERE m.id = \(bind: member)
            """).first() else { return nil }
        return (try row.decode(column: "barcode", as: String.self), Self.shortName(try row.decode(column: "name", as: String.self)))
    }

    static func shortName(_ name: String) -> String {
        let words = name.split(separator: " ").map(String.init)
        guard let first = words.first else { return "" }
        guard words.count > 1, let initial = words.last?.first else { return first }
        return "\(first) \(initial)."
    }

    // MARK: 29 → 30 renew, 65 → 66 renew all

    func renew(session: inout SIP2Session) async throws -> SIP2Response {
        let card = request.field("AA") ?? ""
        let barcode = request.field("AB") ?? ""
        guard case .found(let member) = try await patron(card) else { return refusal(text("sip2_unknown_card")) }
        if let message = pinMessage(try await checkPIN(member.id, session: &session)) { return refusal(message) }
        guard let loan = try await openLoan(barcode), loan.member == member.id else { return refusal(text("sip2_not_loaned_to_you")) }
        do {
            let receipt = try await circulation.renew(loan: loan.id, member: member.id, at: desk)
            return loanResponse("30", card: card, barcode: receipt.barcode, title: receipt.title, due: receipt.dueOn, renewal: true,
                                format: loan.format, message: text("sip2_renewed", ["date": day(receipt.dueOn)]))
        } catch let error as BiebError {
            return refusal(error.message(dutch: dutch))
        }
    }

    func renewAll(session: inout SIP2Session) async throws -> SIP2Response {
        let card = request.field("AA") ?? ""
        guard case .found(let member) = try await patron(card) else { return refusal(text("sip2_unknown_card")) }
        if let message = pinMessage(try await checkPIN(member.id, session: &session)) { return refusal(message) }
        let results: [(loan: Int, result: Result<RenewReceipt, BiebError>)]
        do {
            results = try await circulation.renewAll(member: member.id, at: desk)
        } catch let error as BiebError {
            return refusal(error.message(dutch: dutch))
        }
        let renewed = results.compactMap { try? $0.result.get() }
        let account = try await circulation.account(member: member.id, now: now)
        let barcodes = Dictionary(account.loans.map { ($0.loanID, $0.barcode) }, uniquingKeysWith: { a, _ in a })
        let unrenewed = results.filter { (try? $0.result.get()) == nil }.compactMap { barcodes[$0.loan] }
        var r = SIP2Response("66")
        r.fixed("1")
        r.count(renewed.count)
        r.count(unrenewed.count)
        r.date(now, in: terminal.timeZone)
        r.field("AO", terminal.institution)
        for receipt in renewed { r.field("BM", receipt.barcode) }
        for barcode in unrenewed { r.field("BN", barcode) }
        r.field("AF", text("sip2_renew_all", ["renewed": "\(renewed.count)", "unrenewed": "\(unrenewed.count)"]))
        return r
    }

    // MARK: 17 → 18 item information

    func itemInformation() async throws -> SIP2Response {
        let barcode = request.field("AB") ?? ""
        let item: Circulation.ItemFacts
        do {
            item = try await circulation.item(barcode: barcode)
        } catch let error as BiebError {
            return refusal(error.message(dutch: dutch))
        }
        let sql = db.sql
        var r = SIP2Response("18")
        r.fixed(Self.circulationStatus(item.status))
        r.fixed("00")                    // security marker: other
        r.fixed("01")                    // fee type: other
        r.date(now, in: terminal.timeZone)
        r.field("AB", item.barcode)
        r.field("AJ", item.title)
        let queue = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(Hold.schema)
            .where("title_id", .equal, item.titleID).where("status", .equal, Hold.Status.waiting.rawValue)
            .first()?.decode(column: "n", as: Int.self) ?? 0
        r.field("CF", "\(queue)")
        if item.status == .onLoan, let loan = try await openLoan(item.barcode) { r.field("AH", sipDate(loan.due)) }
        if item.status == .onHoldShelf, let hold = item.holdID,
           let until = try await sql.select().column("ready_until").from(Hold.schema).where("id", .equal, hold).first()?
            .decode(column: "ready_until", as: String?.self).flatMap(LocalDate.init(iso:)) {
            r.field("CM", sipDate(until))
        }
        r.field("BG", terminal.libraryName)
        r.field("CK", Self.mediaType(item.format))
        r.field("AQ", try await branchName(item.owningBranch))
        r.field("AP", try await branchName(item.currentBranch))
        r.field("AF", text("sip2_item_\(item.status.rawValue)"))
        return r
    }

    /// SIP2 circulation status: 01 other, 03 available, 04 charged, 08 on the hold shelf, 10 in transit, 12 lost, 13 missing.
    static func circulationStatus(_ status: ItemStatus) -> String {
        switch status {
        case .available: "03"
        case .onLoan: "04"
        case .onHoldShelf: "08"
        case .inTransit: "10"
        case .lost: "12"
        case .missing: "13"
        case .withdrawn: "01"
        }
    }

    // MARK: 15 → 16 hold

    /// Places (+) or cancels (-) a hold on the title of a copy; the pickup
    /// branch (BS) is a branch's slug or name, else the terminal's branch.
    func hold(session: inout SIP2Session) async throws -> SIP2Response {
        let card = request.field("AA") ?? ""
        guard case .found(let member) = try await patron(card) else { return refusal(text("sip2_unknown_card")) }
        if let message = pinMessage(try await checkPIN(member.id, session: &session)) { return refusal(message) }
        guard let barcode = request.field("AB") else { return refusal(text("sip2_hold_needs_item")) }
        let item: Circulation.ItemFacts
        do {
            item = try await circulation.item(barcode: barcode)
        } catch let error as BiebError {
            return refusal(error.message(dutch: dutch))
        }
        let sql = db.sql
        var pickup = terminal.branch
        if let wanted = request.field("BS")?.trimmed.lowercased() {
            let labels = try await branches()
            guard let branch = labels.first(where: { $0.slug == wanted || $0.name.lowercased() == wanted }) else {
                return refusal(text("sip2_hold_pickup_unknown", ["branch": wanted]))
            }
            pickup = branch.id
        }
        var r = SIP2Response("16")
        switch request.fixed(0, 1) {
        case "+":
            let hold: Hold
            do {
                hold = try await circulation.placeHold(member: member.id, title: item.titleID, pickup: pickup, at: desk)
            } catch let error as BiebError {
                return refusal(error.message(dutch: dutch))
            }
            let position = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(Hold.schema)
                .where("title_id", .equal, item.titleID).where("status", .equal, Hold.Status.waiting.rawValue)
                .where("id", .lessThanOrEqual, hold.id!).first()?.decode(column: "n", as: Int.self) ?? 0
            let pickupName = try await branchName(pickup)
            r.fixed("1")
            r.flag(hold.status != .waiting)
            r.date(now, in: terminal.timeZone)
            if let expires = LocalDate(iso: hold.expiresOn) { r.field("BW", sipDate(expires)) }
            if hold.status == .waiting { r.field("BR", "\(position)") }
            r.field("BS", pickupName)
            r.field("AO", terminal.institution)
            r.field("AA", card)
            r.field("AB", item.barcode)
            r.field("AJ", item.title)
            r.field("AF", text("sip2_hold_placed", ["branch": pickupName]))
        case "-":
            guard let row = try await sql.select().column("id").from(Hold.schema).where("member_id", .equal, member.id)
                .where("title_id", .equal, item.titleID).where("status", .in, Circulation.activeHoldStatusValues).first() else {
                return refusal(text("sip2_hold_not_found"))
            }
            do {
                try await circulation.cancelHold(try row.decode(column: "id", as: Int.self), member: member.id, at: desk)
            } catch let error as BiebError {
                return refusal(error.message(dutch: dutch))
            }
            r.fixed("1N")
            r.date(now, in: terminal.timeZone)
            r.field("AO", terminal.institution)
            r.field("AA", card)
            r.field("AB", item.barcode)
            r.field("AJ", item.title)
            r.field("AF", text("sip2_hold_cancelled"))
        default:
            return refusal(text("sip2_hold_change_unsupported"))
        }
        return r
    }

    // MARK: 37 → 38 fee paid

    /// A payment at a kiosk (cash or card), booked once per transaction id (BK).
    func feePaid(session: inout SIP2Session) async throws -> SIP2Response {
        let card = request.field("AA") ?? ""
        guard case .found(let member) = try await patron(card) else { return refusal(text("sip2_unknown_card")) }
        if let message = pinMessage(try await checkPIN(member.id, session: &session)) { return refusal(message) }
        let currency = request.fixed(22, 3).trimmed
        guard currency.isEmpty || currency == "EUR" else { return refusal(text("sip2_currency")) }
        guard let cents = SIP2.cents(request.field("BV") ?? ""), cents > 0 else { return refusal(text("sip2_amount_invalid")) }
        let method = request.fixed(20, 2) == "00" ? "kiosk contant" : "kiosk pin"
        let booked: Bool
        do {
            booked = try await circulation.pay(member: member.id, cents: cents, method: method, reference: request.field("BK"), at: desk)
        } catch let error as BiebError {
            return refusal(error.message(dutch: dutch))
        }
        let balance = try await circulation.member(member.id).balanceCents
        var r = SIP2Response("38")
        r.flag(true)
        r.date(now, in: terminal.timeZone)
        r.field("AO", terminal.institution)
        r.field("AA", card)
        r.field("BK", optional: request.field("BK"))
        r.field("AF", text(booked ? "sip2_paid" : "sip2_payment_repeat", ["amount": Money.text(cents), "balance": Money.text(balance)]))
        return r
    }
}

extension SIP2Work.Patron {
    var isLost: Bool { if case .cardLost = self { true } else { false } }
}

extension Circulation {
    static var activeHoldStatusValues: any SQLExpression { SQLBind.group(Hold.Status.allCases.filter(\.isActive).map(\.rawValue)) }
}
