import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The member pages in the demo: every member with a PIN signs in with card
/// and PIN; one also with e-mail and password, who owes a small fee to pay
/// online (the built-in test provider) and has two books borrowed a week
/// ago to renew (docs/DEMO.md walks through both); and a guardian who
/// manages a child's account too.
public enum DemoPortal {
    /// Signs in with e-mail and `DemoNetwork.password`.
    public static let email = "lid2@example.nl"
    /// A parent (PIN `DemoSelfService.pin`) who manages their child's account as well.
    public static let guardianCard = "2000000005"

    static func seed(app: Application, organisation: UUID, today: LocalDate) async throws {
        let accounts = MemberAccounts(app.db, organisationID: organisation)
        guard let member = try await app.db.sql.raw("""
            SELECT id FROM members WHERE organisation_id = \(bind: organisation) AND email = \(bind: email)
            """).first()?.decode(column: "id", as: UUID.self) else { return }
        try await accounts.setPassword(member: member, hash: try await app.password.async.hash(DemoNetwork.password))
        guard let branch = try await app.db.sql.raw("SELECT home_branch_id FROM members WHERE id = \(bind: member)").first()?
            .decode(column: "home_branch_id", as: UUID.self) else { return }
        let circulation = Circulation(app.db, organisationID: organisation)
        try await circulation.charge(member: member, cents: 250, note: "Hoesje beschadigd", at: Circulation.Desk(branch: branch, now: Date()))
        // Two books, borrowed a week ago where they stood: renewing moves their due date.
        let weekAgo = LocalClock.instant(of: today.adding(days: -7), minute: 11 * 60, in: BranchCalendar.amsterdam)
        let copies = try await app.db.sql.select().columns("barcode", "current_branch_id").from(Item.schema)
            .where("organisation_id", .equal, organisation).where("status", .equal, ItemStatus.available.rawValue)
            .orderBy("id").limit(2).all()
        for copy in copies {
            _ = try await circulation.checkout(member: member, item: try copy.decode(column: "barcode", as: String.self),
                                               at: Circulation.Desk(branch: try copy.decode(column: "current_branch_id", as: UUID.self), now: weekAgo))
        }
    }
}
