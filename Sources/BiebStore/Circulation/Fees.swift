import FluentKit
import Foundation
import SQLKit
import BiebCore

extension Circulation {
    /// A payment at the desk (cash or pin) or a kiosk; at most what is
    /// outstanding. A payment with a `reference` (a kiosk's transaction id)
    /// is booked once: a retry with the same reference books nothing and
    /// returns false.
    @discardableResult
    public func pay(member memberID: UUID, cents: Int, method: String = "kas", reference: String? = nil, at desk: Desk) async throws -> Bool {
        let note = reference.map { "\(method) \($0)" } ?? method
        if reference != nil, try await Self.paymentBooked(member: memberID, note: note, on: sql) { return false }
        let member = try await member(memberID)
        guard cents > 0 else {
            throw BiebError.invalid("amount_cents", "The amount must be more than zero.", nl: "Het bedrag moet meer dan nul zijn.")
        }
        guard cents <= member.balanceCents else {
            throw BiebError.invalid("amount_cents", "Only \(Money.text(member.balanceCents)) is outstanding.",
                                    nl: "Er staat maar \(Money.text(member.balanceCents)) open.")
        }
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx -> Bool in
            let sql = tx.sql
            // Checked again under the transaction: two desks taking one payment cannot push the balance below zero.
            guard try await sql.update(Member.schema).set("updated_at", to: desk.now).where("id", .equal, memberID)
                .where("balance_cents", .greaterThanOrEqual, cents).returning("id").first() != nil else {
                throw BiebError(.conflict, code: "balance_changed", field: "amount_cents",
                                message: "The outstanding amount changed meanwhile; look again.", nl: "Het openstaande bedrag is intussen veranderd; kijk opnieuw.")
            }
            // Under the member row's lock: a retry racing the first attempt sees its payment here.
            if reference != nil, try await Self.paymentBooked(member: memberID, note: note, on: sql) { return false }
            try await Ledger.post(.payment, cents: -cents, member: memberID, organisation: organisationID, note: note, staff: desk.staff,
                                  branch: desk.branch, at: desk.now, on: sql)
            try await Ledger.event("payment", organisation: organisationID, at: desk.now, branch: desk.branch, member: memberID,
                                   staff: desk.staff, detail: "\(cents)", on: sql)
            return true
        }
    }

    static func paymentBooked(member: UUID, note: String, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from(FeeLine.schema).where("member_id", .equal, member)
            .where("kind", .equal, FeeLine.Kind.payment.rawValue).where("note", .equal, note).first() != nil
    }

    /// Waives (part of) what a member owes, with the reason; the staff member is recorded.
    public func waive(member memberID: UUID, cents: Int, reason: String, at desk: Desk) async throws {
        let member = try await member(memberID)
        let reason = reason.trimmed
        guard desk.staff != nil else {
            throw BiebError(.forbidden, code: "staff_only", message: "Only staff can waive fees.", nl: "Alleen medewerkers kunnen kosten kwijtschelden.")
        }
        guard !reason.isEmpty, reason.count <= 200 else {
            throw BiebError.invalid("reason", "Give the reason for the waiver (at most 200 characters).",
                                    nl: "Geef de reden van de kwijtschelding (hoogstens 200 tekens).")
        }
        guard cents > 0, cents <= member.balanceCents else {
            throw BiebError.invalid("amount_cents", "Waive from € 0,01 up to the \(Money.text(member.balanceCents)) outstanding.",
                                    nl: "Schel € 0,01 tot de openstaande \(Money.text(member.balanceCents)) kwijt.")
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.update(Member.schema).set("updated_at", to: desk.now).where("id", .equal, memberID)
                .where("balance_cents", .greaterThanOrEqual, cents).returning("id").first() != nil else {
                throw BiebError(.conflict, code: "balance_changed", field: "amount_cents",
                                message: "The outstanding amount changed meanwhile; look again.", nl: "Het openstaande bedrag is intussen veranderd; kijk opnieuw.")
            }
            try await Ledger.post(.waiver, cents: -cents, member: memberID, organisation: organisationID, note: reason, staff: desk.staff,
                                  branch: desk.branch, at: desk.now, on: sql)
            try await Ledger.event("waiver", organisation: organisationID, at: desk.now, branch: desk.branch, member: memberID,
                                   staff: desk.staff, detail: reason, on: sql)
        }
    }

    /// Charges a member for a damaged copy (or another cost staff name).
    public func charge(member memberID: UUID, cents: Int, note: String, item barcode: String? = nil, at desk: Desk) async throws {
        _ = try await member(memberID)
        var item: ItemFacts?
        if let barcode, !barcode.trimmed.isEmpty { item = try await self.item(barcode: barcode) }
        let found = item
        guard (1...100_000).contains(cents) else {
            throw BiebError.invalid("amount_cents", "Charge from 1 to 100,000 cents.", nl: "Breng 1 tot 100.000 cent in rekening.")
        }
        let note = note.trimmed
        guard !note.isEmpty else { throw BiebError.invalid("note", "Say what the charge is for.", nl: "Vermeld waarvoor de kosten zijn.") }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            try await Ledger.post(.damaged, cents: cents, member: memberID, organisation: organisationID, item: found?.id, note: note,
                                  staff: desk.staff, branch: desk.branch, at: desk.now, on: sql)
            try await Ledger.event("fee_charged", organisation: organisationID, at: desk.now, branch: desk.branch, item: found?.id,
                                   member: memberID, staff: desk.staff, detail: "\(cents)", on: sql)
        }
    }

    /// Brings the fines of loans still out and overdue up to date (run daily):
    /// a member who keeps a book for months is blocked once the fine passes
    /// the limit, not only when they bring it back. Returns how many loans were looked at.
    public func accrueFines(now: Date = Date()) async throws -> Int {
        let today = LocalDate(now, in: timeZone)
        let (_, book) = try await environment()
        var after = 0
        var seen = 0
        while true {
            let rows = try await sql.raw("""
                SELECT l.id, l.item_id, l.member_id, l.due_on, l.branch_id, l.item_type, m.birth_date, t.code, ti.title
                FROM loans l JOIN members m ON m.id = l.member_id JOIN membership_types t ON t.id = m.membership_type_id
                JOIN titles ti ON ti.id = l.title_id
                WHERE \(sql.isOrganisation(organisationID, "l.organisation_id")) AND l.open AND l.due_on < \(bind: today.iso) AND l.id > \(bind: after)
                ORDER BY l.organisation_id, l.id LIMIT 500
                """).all()
            guard !rows.isEmpty else { return seen }
            let organisationID = organisationID
            try await WriteGate.transaction(on: db) { tx in
                let sql = tx.sql
                for row in rows {
                    let birth = LocalDate(iso: try row.decode(column: "birth_date", as: String.self))!
                    let policy = book.policy(branch: try row.decode(column: "branch_id", as: UUID.self), category: try row.decode(column: "code", as: String.self),
                                             itemType: try row.decode(column: "item_type", as: String.self))
                    let fine = Fines.overdue(due: LocalDate(iso: try row.decode(column: "due_on", as: String.self))!, returned: today, policy: policy,
                                             youth: Membership.isYouth(birthDate: birth, on: today))
                    try await Ledger.setOverdueFine(fine.cents, loan: try row.decode(column: "id", as: Int.self),
                                                    member: try row.decode(column: "member_id", as: UUID.self), organisation: organisationID,
                                                    item: try row.decode(column: "item_id", as: Int.self), branch: nil,
                                                    note: FeeNote.overdue(title: try row.decode(column: "title", as: String.self), days: fine.days),
                                                    at: now, on: sql)
                }
            }
            seen += rows.count
            after = try rows.last!.decode(column: "id", as: Int.self)
        }
    }
}
