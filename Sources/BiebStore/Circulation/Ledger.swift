import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The fee ledger and the circulation event log: written inside the
/// transaction of the change they belong to.
enum Ledger {
    /// Adds a line and moves the member's balance by its amount.
    @discardableResult
    /// `payment`: the online payment the line belongs to (its booking or refund).
    static func post(_ kind: FeeLine.Kind, cents: Int, member: UUID, organisation: UUID, loan: Int? = nil, item: Int? = nil,
                     note: String = "", staff: UUID? = nil, branch: UUID? = nil, payment: UUID? = nil, at now: Date,
                     on sql: any SQLDatabase) async throws -> Int {
        let row = try await sql.insert(into: FeeLine.schema)
            .columns("organisation_id", "member_id", "kind", "amount_cents", "loan_id", "item_id", "note", "staff_user_id", "branch_id",
                     "payment_id", "created_at")
            .values(SQLBind(organisation), SQLBind(member), SQLBind(kind.rawValue), SQLBind(cents), SQLBind(loan), SQLBind(item),
                    SQLBind(note), SQLBind(staff), SQLBind(branch), SQLBind(payment), SQLBind(now))
            .returning("id").first()
        try await moveBalance(of: member, by: cents, on: sql)
        return try row?.decode(column: "id", as: Int.self) ?? 0
    }

    static func moveBalance(of member: UUID, by cents: Int, on sql: any SQLDatabase) async throws {
        guard cents != 0 else { return }
        try await sql.update(Member.schema)
            .set(SQLIdentifier("balance_cents"), to: SQLBinaryExpression(SQLIdentifier("balance_cents"), .add, SQLBind(cents)))
            .where("id", .equal, member).run()
    }

    /// Sets the overdue fine of a loan to `cents` (one line per loan, raised
    /// as the days go by and settled on return), moving the balance by the difference.
    static func setOverdueFine(_ cents: Int, loan: Int, member: UUID, organisation: UUID, item: Int, branch: UUID?, note: String,
                               at now: Date, on sql: any SQLDatabase) async throws {
        let existing = try await sql.select().column("id").column("amount_cents").from(FeeLine.schema)
            .where("loan_id", .equal, loan).where("kind", .equal, FeeLine.Kind.overdue.rawValue).first()
        if let existing {
            let id = try existing.decode(column: "id", as: Int.self)
            let before = try existing.decode(column: "amount_cents", as: Int.self)
            guard cents > before else { return }
            // Only from the amount read: of two writers (a return and the daily run) one moves the balance.
            guard try await sql.update(FeeLine.schema).set("amount_cents", to: cents).set("note", to: note).where("id", .equal, id)
                .where("amount_cents", .equal, before).returning("id").first() != nil else { return }
            try await moveBalance(of: member, by: cents - before, on: sql)
        } else if cents > 0 {
            try await post(.overdue, cents: cents, member: member, organisation: organisation, loan: loan, item: item, note: note,
                           branch: branch, at: now, on: sql)
        }
    }

    /// Records a circulation event.
    static func event(_ kind: String, organisation: UUID, at now: Date, branch: UUID? = nil, item: Int? = nil, title: Int? = nil,
                      member: UUID? = nil, staff: UUID? = nil, detail: String = "", on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: CirculationEvent.schema) (organisation_id, "at", kind, branch_id, item_id, title_id, member_id, staff_user_id, detail)
            VALUES (\(bind: organisation), \(bind: now), \(bind: kind), \(bind: branch), \(bind: item), \(bind: title), \(bind: member),
                \(bind: staff), \(bind: detail))
            """).run()
    }
}
