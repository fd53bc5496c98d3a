import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What became of a checkout.
public struct CheckoutReceipt: Sendable, Equatable {
    public let loanID: Int
    public let item: Int
    public let barcode: String
    public let titleID: Int
    public let title: String
    public let dueOn: LocalDate
    /// The member collected a copy that was waiting for them.
    public let filledHold: Int?
    /// The title's material format.
    public let format: MaterialFormat
}

/// Where a returned (or received) copy goes now.
public enum Routing: Sendable, Equatable {
    /// Back on the open shelf here.
    case shelf
    /// On the hold shelf here for a member, until a day.
    case holdShelf(hold: Int, until: LocalDate)
    /// Into the crate for another branch: to fill a hold there, or home.
    case transit(to: UUID, hold: Int?)
}

/// What became of a return.
public struct CheckinReceipt: Sendable, Equatable {
    public let item: Int
    public let barcode: String
    public let title: String
    /// The loan that ended, with its member.
    public let loanID: Int?
    public let member: UUID?
    public let daysLate: Int
    public let fineCents: Int
    public let routing: Routing
    /// The copy's home branch and material format (for sorters and kiosks).
    public let owningBranch: UUID
    public let format: MaterialFormat
}

public struct RenewReceipt: Sendable, Equatable {
    public let loanID: Int
    public let barcode: String
    public let title: String
    public let dueOn: LocalDate
    public let renewals: Int
}

extension Circulation {
    // MARK: Checkout

    /// Lends a copy to a member at a desk. Refusals name their reason and rule.
    public func checkout(member memberID: UUID, item barcode: String, at desk: Desk) async throws -> CheckoutReceipt {
        try await checkout(member: try await member(memberID), item: barcode, at: desk)
    }

    /// Lends a copy to a member already read (from a card scan).
    public func checkout(member: MemberFacts, item barcode: String, at desk: Desk) async throws -> CheckoutReceipt {
        let today = today(desk)
        let memberID = member.id
        let (settings, book) = try await environment()
        try checkStanding(member, settings: settings, today: today)
        let scanned = try await item(barcode: barcode)
        let policy = book.policy(branch: desk.branch, category: member.category, itemType: scanned.itemType)
        // Fail fast with the rule's words; the conditional updates below decide under races.
        if member.loanCount >= policy.maxLoans && scanned.status != .onLoan { throw Refusal.loanLimit(policy) }
        let due = DueDates.due(from: today, days: policy.loanDays, calendar: try await calendar(of: desk.branch), selfServiceReturns: true)
        let dueAt = DueDates.endOfDay(due, in: timeZone)
        let organisationID = organisationID
        let (loanID, filled, released) = try await WriteGate.transaction(on: db) { tx -> (Int, Int?, Int?) in
            let sql = tx.sql
            var filled: Int?
            var released: Int?
            // The common case in one statement: a copy on the open shelf, set aside for nobody, goes out. Otherwise lock
            // the copy and look closer.
            let direct = try await sql.raw("""
                UPDATE items SET status = \(bind: ItemStatus.onLoan.rawValue), due_at = \(bind: dueAt), current_branch_id = \(bind: desk.branch),
                    updated_at = \(bind: desk.now), \(CopyCounters.lent(on: today))
                WHERE id = \(bind: scanned.id) AND status = \(bind: ItemStatus.available.rawValue) AND hold_id IS NULL RETURNING id
                """).first() != nil
            let item = direct ? scanned : try await Self.lockItem(scanned, at: desk.now, seen: today, on: sql)
            if !direct {
            switch item.status {
            case .available, .onHoldShelf:
                if let holdID = item.holdID {
                    let hold = try await sql.select().column("member_id").column("status").from(Hold.schema).where("id", .equal, holdID).first()
                    let holder = try hold?.decode(column: "member_id", as: UUID.self)
                    if holder == memberID {
                        filled = holdID
                    } else if item.status == .onHoldShelf {
                        throw Refusal.heldForSomeoneElse
                    } else {
                        // Set aside on the open shelf for someone else, but this member has it in hand: lend it, find the hold another copy.
                        released = holdID
                    }
                } else if item.status == .onHoldShelf {
                    // Left on the hold shelf after its hold ended: it may go out.
                }
            case .onLoan:
                let lentTo = try await sql.select().column("member_id").from(Loan.schema).where("item_id", .equal, item.id)
                    .where("open", .equal, true).first()?.decode(column: "member_id", as: UUID?.self)
                if lentTo == memberID {
                    throw BiebError(.conflict, code: "already_lent_to_member", field: "item",
                                    message: "This member already has this copy on loan; renew it instead.",
                                    nl: "Dit lid heeft dit exemplaar al geleend; verleng het eventueel.")
                }
                throw Refusal.alreadyOnLoan
            default:
                throw Refusal.unavailable(item.status)
            }
            }
            guard try await Self.bump("loan_count", of: memberID, by: 1, limit: policy.maxLoans, on: sql) else {
                throw Refusal.loanLimit(policy)
            }
            guard try await Self.bumpTypeLoans(of: memberID, type: item.itemType, by: 1, limit: policy.maxLoansOfType, on: sql) else {
                throw Refusal.typeLimit(policy, type: item.format)
            }
            let loan = try await sql.raw("""
                INSERT INTO loans (organisation_id, item_id, title_id, member_id, branch_id, item_type, checked_out_at, due_on, renewals, open)
                VALUES (\(bind: organisationID), \(bind: item.id), \(bind: item.titleID), \(bind: memberID), \(bind: desk.branch),
                    \(bind: item.itemType), \(bind: desk.now), \(bind: due.iso), 0, \(bind: true))
                RETURNING id
                """).first()
            let loanID = try loan?.decode(column: "id", as: Int.self) ?? 0
            if !direct {
                try await sql.raw("""
                    UPDATE items SET status = \(bind: ItemStatus.onLoan.rawValue), due_at = \(bind: dueAt), hold_id = NULL,
                        current_branch_id = \(bind: desk.branch), \(CopyCounters.lent(on: today))
                    WHERE id = \(bind: item.id)
                    """).run()
            }
            if let filled {
                try await sql.update(Hold.schema).set("status", to: Hold.Status.fulfilled.rawValue).set("updated_at", to: desk.now)
                    .where("id", .equal, filled).run()
                _ = try await Self.bump("hold_count", of: memberID, by: -1, on: sql)
                try await Ledger.event("hold_fulfilled", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                                       title: item.titleID, member: memberID, staff: desk.staff, detail: "\(filled)", on: sql)
            }
            if let released {
                try await sql.update(Hold.schema).set("status", to: Hold.Status.waiting.rawValue).set("allocated_item_id", to: SQLLiteral.null)
                    .set("updated_at", to: desk.now).where("id", .equal, released).run()
                _ = try await allocateCopy(toHold: released, at: desk, on: sql)
            }
            try await Ledger.event("checkout", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                                   title: item.titleID, member: memberID, staff: desk.staff, detail: due.iso, on: sql)
            // Last: the catalogue version row is shared by every desk of the organisation; hold it briefly.
            try await CatalogChanges.copiesChanged(of: [item.titleID], organisationID: organisationID, on: sql)
            return (loanID, filled, released)
        }
        _ = released
        return CheckoutReceipt(loanID: loanID, item: scanned.id, barcode: scanned.barcode, titleID: scanned.titleID, title: scanned.title,
                               dueOn: due, filledHold: filled, format: scanned.format)
    }

    // MARK: Return

    /// Takes a copy in at a desk (any branch): ends its loan (with a fine when
    /// late), receives it if it was in transit, and routes it at once — to
    /// the first hold it can fill (hold shelf here, or transit to the pickup
    /// branch), home, or the shelf here.
    public func checkin(item barcode: String, at desk: Desk) async throws -> CheckinReceipt {
        let today = today(desk)
        let scanned = try await item(barcode: barcode)
        let (settings, book) = try await environment()
        let organisationID = organisationID
        let timeZone = timeZone
        return try await WriteGate.transaction(on: db) { tx -> CheckinReceipt in
            let sql = tx.sql
            let item = try await Self.lockItem(scanned, at: desk.now, seen: today, on: sql)
            var loanID: Int?
            var memberID: UUID?
            var fine = (days: 0, cents: 0)
            // Ends the open loan and reads it in one statement.
            if let loan = try await sql.raw("""
                UPDATE loans SET open = \(bind: false), returned_at = \(bind: desk.now), return_branch_id = \(bind: desk.branch), ended_as = 'returned'
                WHERE item_id = \(bind: item.id) AND open = \(bind: true)
                RETURNING id, member_id, due_on, branch_id, item_type
                """).first() {
                let id = try loan.decode(column: "id", as: Int.self)
                let member = try loan.decode(column: "member_id", as: UUID?.self)
                let due = LocalDate(iso: try loan.decode(column: "due_on", as: String.self))!
                let type = try loan.decode(column: "item_type", as: String.self)
                if let member {
                    fine = try await Self.settle(loan: id, of: member, item: item, type: type, due: due,
                                                 branch: try loan.decode(column: "branch_id", as: UUID.self), charging: true, book: book,
                                                 organisation: organisationID, today: today, at: desk, on: sql)
                }
                loanID = id
                memberID = member
                if member != nil {
                    try await LoanHistory.keep(loan: id, on: sql)
                    // The member's link goes at the return when the organisation keeps none and no fee is open (`Retention`).
                    if fine.cents == 0 {
                        _ = try await Self.unlinkAtReturn(loan: id, member: member!, organisation: organisationID, on: sql)
                    }
                }
            } else if [.lost, .missing].contains(item.status) {
                try await Self.refundLostCharge(item: item, at: desk, organisation: organisationID, on: sql)
            }
            if item.status == .inTransit {
                try await sql.update(Transfer.schema).set("received_at", to: desk.now)
                    .where("item_id", .equal, item.id).where("received_at", .is, SQLLiteral.null).run()
                try await Ledger.event("transfer_received", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                                       title: item.titleID, staff: desk.staff, on: sql)
            }
            let routing = try await route(item, at: desk, settings: settings, on: sql)
            if loanID != nil {
                try await Ledger.event("return", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                                       title: item.titleID, member: memberID, staff: desk.staff,
                                       detail: fine.days > 0 ? "\(fine.days)" : "", on: sql)
            }
            try await CatalogChanges.copiesChanged(of: [item.titleID], organisationID: organisationID, on: sql)
            _ = timeZone
            return CheckinReceipt(item: item.id, barcode: item.barcode, title: item.title, loanID: loanID, member: memberID,
                                  daysLate: fine.days, fineCents: fine.cents, routing: routing, owningBranch: item.owningBranch, format: item.format)
        }
    }

    /// Removes the member from a just-returned loan when the organisation
    /// keeps the link no longer than the return (`PrivacySettings.loanLinkDays`
    /// is 0, the default) and the member has no fee on this loan.
    static func unlinkAtReturn(loan: Int, member: UUID, organisation: UUID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE loans SET member_id = NULL WHERE id = \(bind: loan)
                AND NOT EXISTS (SELECT 1 FROM privacy_settings s WHERE s.organisation_id = \(bind: organisation) AND s.loan_link_days > 0)
                AND NOT EXISTS (SELECT 1 FROM fee_lines f WHERE f.member_id = \(bind: member) AND f.loan_id = \(bind: loan))
            RETURNING id
            """).first() != nil
    }

    /// A loan ended: the member's loan counters go down and, when charging
    /// and late, the overdue fine up to today goes on the ledger (the
    /// member's category and age decide it).
    static func settle(loan: Int, of member: UUID, item: ItemFacts, type: String, due: LocalDate, branch: UUID, charging: Bool,
                       book: LoanRuleBook, organisation: UUID, today: LocalDate, at desk: Desk,
                       on sql: any SQLDatabase) async throws -> (days: Int, cents: Int) {
        _ = try await bump("loan_count", of: member, by: -1, on: sql)
        _ = try await bumpTypeLoans(of: member, type: type, by: -1, limit: nil, on: sql)
        guard charging, due < today else { return (max(0, due.days(until: today)), 0) }
        let facts = try await memberFacts(member, organisation: organisation, on: sql)
        let fine = Fines.overdue(due: due, returned: today, policy: book.policy(branch: branch, category: facts.category, itemType: type),
                                 youth: facts.isYouth(on: today))
        if fine.cents > 0 {
            try await Ledger.setOverdueFine(fine.cents, loan: loan, member: member, organisation: organisation, item: item.id,
                                            branch: desk.branch, note: FeeNote.overdue(title: item.title, days: fine.days), at: desk.now, on: sql)
        }
        return fine
    }

    /// A lost or missing copy came back: the replacement charge of its last
    /// loan is refunded.
    static func refundLostCharge(item: ItemFacts, at desk: Desk, organisation: UUID, on sql: any SQLDatabase) async throws {
        guard let loan = try await sql.select().column("id").column("member_id").from(Loan.schema).where("item_id", .equal, item.id)
            .where("ended_as", .equal, "lost").orderBy("id", .descending).first(),
            let member = try loan.decode(column: "member_id", as: UUID?.self) else { return }
        let loanID = try loan.decode(column: "id", as: Int.self)
        let charged = try await sql.select().column("amount_cents").from(FeeLine.schema).where("loan_id", .equal, loanID)
            .where("kind", .equal, FeeLine.Kind.lost.rawValue).first()?.decode(column: "amount_cents", as: Int.self) ?? 0
        try await sql.update(Loan.schema).set("ended_as", to: "lost_found").where("id", .equal, loanID).run()
        if charged > 0 {
            try await Ledger.post(.refund, cents: -charged, member: member, organisation: organisation, loan: loanID, item: item.id,
                                  note: FeeNote.found(title: item.title), staff: desk.staff, branch: desk.branch, at: desk.now, on: sql)
        }
    }

    // MARK: Renew

    /// Renews a loan (from today, for the rule's loan period), unless the
    /// renewals are used up, the member is blocked, another member waits
    /// for the title and this copy could serve them, or the new due date
    /// would be no later than the one the loan has (a renewal that does not
    /// extend uses up nothing and changes nothing).
    public func renew(loan loanID: Int, member expected: UUID? = nil, at desk: Desk) async throws -> RenewReceipt {
        let today = today(desk)
        guard let loan = try await sql.select().columns("id", "item_id", "member_id", "branch_id", "item_type", "renewals", "due_on").from(Loan.schema)
            .where("id", .equal, loanID).where("organisation_id", .equal, organisationID).where("open", .equal, true).first(),
            let memberID = try loan.decode(column: "member_id", as: UUID?.self) else {
            throw BiebError.notFound("loan", nl: "Uitlening niet gevonden (of al ingeleverd).")
        }
        if let expected, expected != memberID { throw Refusal.notYourLoan }
        let member = try await member(memberID)
        let (settings, book) = try await environment()
        try checkStanding(member, settings: settings, today: today)
        let branch = try loan.decode(column: "branch_id", as: UUID.self)
        let policy = book.policy(branch: branch, category: member.category, itemType: try loan.decode(column: "item_type", as: String.self))
        if try loan.decode(column: "renewals", as: Int.self) >= policy.maxRenewals { throw Refusal.renewalLimit(policy) }
        let itemID = try loan.decode(column: "item_id", as: Int.self)
        let due = DueDates.due(from: today, days: policy.loanDays, calendar: try await calendar(of: branch), selfServiceReturns: true)
        if let current = LocalDate(iso: try loan.decode(column: "due_on", as: String.self)), due <= current {
            throw Refusal.notExtended(due: current)
        }
        let dueAt = DueDates.endOfDay(due, in: timeZone)
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx -> RenewReceipt in
            let sql = tx.sql
            let item = try await Self.lockItem(itemID, at: desk.now, on: sql)
            let copy = HoldQueue.Copy(itemID: item.id, owningBranch: item.owningBranch)
            if try await Self.firstWaitingHold(for: copy, title: item.titleID, today: today, on: sql) != nil {
                throw Refusal.heldForOthers
            }
            guard let row = try await sql.update(Loan.schema)
                .set(SQLIdentifier("renewals"), to: SQLBinaryExpression(SQLIdentifier("renewals"), .add, SQLLiteral.numeric("1")))
                .set("due_on", to: due.iso)
                .where("id", .equal, loanID).where("open", .equal, true).where("renewals", .lessThan, policy.maxRenewals)
                .where("due_on", .lessThan, due.iso)
                .returning("renewals").first() else {
                // Something raced this renewal and won: a return ended the loan, a renewal used the last
                // renewal, or one already moved the due date here.
                let now = try await sql.select().columns("renewals", "due_on", "open").from(Loan.schema).where("id", .equal, loanID).first()
                guard let now, try now.decode(column: "open", as: Bool.self) else {
                    throw BiebError.notFound("loan", nl: "Uitlening niet gevonden (of al ingeleverd).")
                }
                if try now.decode(column: "renewals", as: Int.self) < policy.maxRenewals,
                   let current = LocalDate(iso: try now.decode(column: "due_on", as: String.self)) {
                    throw Refusal.notExtended(due: current)
                }
                throw Refusal.renewalLimit(policy)
            }
            try await sql.update(Item.schema).set("due_at", to: dueAt).where("id", .equal, item.id).run()
            try await Ledger.event("renew", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id, title: item.titleID,
                                   member: memberID, staff: desk.staff, detail: due.iso, on: sql)
            try await CatalogChanges.copiesChanged(of: [item.titleID], organisationID: organisationID, on: sql)
            return RenewReceipt(loanID: loanID, barcode: item.barcode, title: item.title, dueOn: due,
                                renewals: try row.decode(column: "renewals", as: Int.self))
        }
    }

    /// Renews every loan of a member that can be renewed; the others come back with their refusal.
    public func renewAll(member memberID: UUID, at desk: Desk) async throws -> [(loan: Int, result: Result<RenewReceipt, BiebError>)] {
        let loans = try await sql.select().column("id").from(Loan.schema).where("member_id", .equal, memberID)
            .where("organisation_id", .equal, organisationID).where("open", .equal, true).orderBy("id").all()
        var results: [(Int, Result<RenewReceipt, BiebError>)] = []
        for row in loans {
            let id = try row.decode(column: "id", as: Int.self)
            do {
                results.append((id, .success(try await renew(loan: id, member: memberID, at: desk))))
            } catch let error as BiebError {
                results.append((id, .failure(error)))
            }
        }
        return results
    }

    // MARK: Lost and claimed returned

    /// Ends a loan because the member lost the copy: the copy is lost, the
    /// member pays its price (or the organisation's standard amount) plus the
    /// overdue fine so far.
    public func markLost(loan loanID: Int, at desk: Desk) async throws {
        try await endLoan(loanID, as: "lost", at: desk)
    }

    /// Ends a loan the member says they returned while the copy cannot be
    /// found: no charge, the copy is missing until it turns up.
    public func claimReturned(loan loanID: Int, at desk: Desk) async throws {
        try await endLoan(loanID, as: "claimed_returned", at: desk)
    }

    func endLoan(_ loanID: Int, as ending: String, at desk: Desk) async throws {
        let today = today(desk)
        guard let loan = try await sql.select().columns("item_id", "member_id", "due_on", "branch_id", "item_type").from(Loan.schema)
            .where("id", .equal, loanID).where("organisation_id", .equal, organisationID).where("open", .equal, true).first() else {
            throw BiebError.notFound("loan", nl: "Uitlening niet gevonden (of al ingeleverd).")
        }
        let itemID = try loan.decode(column: "item_id", as: Int.self)
        let memberID = try loan.decode(column: "member_id", as: UUID?.self)
        let type = try loan.decode(column: "item_type", as: String.self)
        let due = LocalDate(iso: try loan.decode(column: "due_on", as: String.self))!
        let branch = try loan.decode(column: "branch_id", as: UUID.self)
        let (settings, book) = try await environment()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let item = try await Self.lockItem(itemID, at: desk.now, on: sql)
            guard try await sql.update(Loan.schema).set("open", to: false).set("returned_at", to: desk.now).set("ended_as", to: ending)
                .where("id", .equal, loanID).where("open", .equal, true).returning("id").first() != nil else {
                throw Refusal.notOnLoan
            }
            let status: ItemStatus = ending == "lost" ? .lost : .missing
            try await sql.update(Item.schema).set("status", to: status.rawValue).set("due_at", to: SQLLiteral.null)
                .where("id", .equal, item.id).run()
            if let memberID {
                // A lost copy pays its fine so far; a copy the member says they returned does not.
                _ = try await Self.settle(loan: loanID, of: memberID, item: item, type: type, due: due, branch: branch, charging: ending == "lost",
                                          book: book, organisation: organisationID, today: today, at: desk, on: sql)
                if ending == "lost" {
                    try await Ledger.post(.lost, cents: item.priceCents ?? settings.lostItemCents, member: memberID, organisation: organisationID,
                                          loan: loanID, item: item.id, note: FeeNote.lost(title: item.title, barcode: item.barcode), staff: desk.staff,
                                          branch: desk.branch, at: desk.now, on: sql)
                }
            }
            try await Ledger.event(ending, organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id, title: item.titleID,
                                   member: memberID, staff: desk.staff, on: sql)
            try await CatalogChanges.copiesChanged(of: [item.titleID], organisationID: organisationID, on: sql)
        }
    }
}
