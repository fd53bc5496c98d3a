import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Lending at the machine: checkout, checkin (with holds and transfers), renew and renew all.
extension SIP2Work {
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
        let bins = try await service.app.selfService.sortBins.bins(terminal.branch, configVersion: configVersion) {
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
        let results = try await refusing { try await circulation.renewAll(member: member.id, at: desk) }
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
}
