import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Items, holds and fees: item information, placing and cancelling a hold, paying a fee.
extension SIP2Work {
    // MARK: 17 → 18 item information

    func itemInformation() async throws -> SIP2Response {
        let barcode = request.field("AB") ?? ""
        let item = try await refusing { try await circulation.item(barcode: barcode) }
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
        let item = try await refusing { try await circulation.item(barcode: barcode) }
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
            let hold = try await refusing {
                try await circulation.placeHold(member: member.id, title: item.titleID, pickup: pickup, at: desk)
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
            try await refusing { try await circulation.cancelHold(try row.decode(column: "id", as: Int.self), member: member.id, at: desk) }
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
        let booked = try await refusing {
            try await circulation.pay(member: member.id, cents: cents, method: method, reference: request.field("BK"), at: desk)
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
