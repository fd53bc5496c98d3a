import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The member pages in the demo: every member with a PIN signs in with card
/// and PIN; one also with e-mail and password, who owes a small fee to pay
/// online (the built-in test provider) and has two books borrowed a week
/// ago to renew (docs/DEMO.md walks through both); and a guardian who
/// manages a child's account too. Three people joined online in the last
/// days and wait for staff to see an identity document (one paid the
/// first year, one is a child, one still owes the fee).
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
        try await seedOnlineJoins(app: app, organisation: organisation, branch: branch, today: today)
    }

    /// Members who joined online, for staff's list of identities to check.
    static func seedOnlineJoins(app: Application, organisation: UUID, branch: UUID, today: LocalDate) async throws {
        let joins = OnlineJoins(app.db, organisationID: organisation)
        let hash = try await app.password.async.hash(DemoNetwork.password)
        let people: [(name: String, birth: LocalDate, email: String, type: String, daysAgo: Int, paid: Bool)] = [
            ("Yara El Amrani", LocalDate(year: today.year - 34, month: 5, day: 17)!, "yara.elamrani@example.nl", "basis", 3, true),
            ("Daan Visser", LocalDate(year: today.year - 11, month: 9, day: 2)!, "fam.visser@example.nl", "jeugd", 2, false),
            ("Lotte Bakker", LocalDate(year: today.year - 27, month: 1, day: 23)!, "lotte.bakker@example.nl", "volledig", 1, false),
        ]
        for person in people {
            let joined = LocalClock.instant(of: today.adding(days: -person.daysAgo), minute: 20 * 60 + 15, in: BranchCalendar.amsterdam)
            let draft = MemberDraft(name: person.name, birthDate: person.birth.iso, email: person.email, street: "Prinsegracht 12",
                                    postcode: "2512 GA", city: "Den Haag")
            let (member, _) = try await joins.join(MemberRegistration(details: draft, homeBranch: branch, membershipType: person.type, card: ""),
                                                   passwordHash: hash, today: today, now: joined)
            if person.paid, member.balanceCents > 0 {
                try await Circulation(app.db, organisationID: organisation).pay(member: member.id!, cents: member.balanceCents,
                                                                               at: Circulation.Desk(branch: branch, now: joined))
            }
        }
    }
}
