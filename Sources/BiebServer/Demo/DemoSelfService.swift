import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Self-service in the demo: a kiosk and a return sorter at the central
/// library, a door at a branch with self-service hours, sort bins, and
/// members who may use them (a PIN, the terms accepted, a member long
/// enough) — and some who may not yet.
public enum DemoSelfService {
    /// Terminal logins (password: `DemoNetwork.password`).
    public static let kiosk = "kiosk-centrale"
    public static let sorter = "sorteer-centrale"
    public static let door = "deur-ypenburg"
    /// The PIN of the demo members 1 to 40 (adults among them may enter in self-service hours).
    public static let pin = "2580"

    static func seed(app: Application, organisation: UUID, today: LocalDate) async throws {
        let db = app.db
        let store = SelfServiceStore(db, organisationID: organisation)
        let branches = try await BranchDirectory(db).branches(of: organisation)
        guard let central = branches.first(where: { $0.kind == .central }) else { return }
        let doorBranch = branches.first { $0.slug == "ypenburg" } ?? central
        let hash = try await app.password.async.hash(DemoNetwork.password)
        for (login, name, kind, branch) in [(kiosk, "Uitleenautomaat begane grond", SIP2Terminal.Kind.kiosk, central),
                                            (sorter, "Inleverautomaat met sorteerbakken", .sorter, central),
                                            (door, "Deur zelfservice", .door, doorBranch)] {
            _ = try await store.create(TerminalDraft(name: name, login: login, kind: kind, branch: branch.id!), passwordHash: hash)
        }
        try await store.setSortBins(SortBins(holds: "R", transit: "T", shelf: "K"), branch: central.id!)

        // Most members joined long ago (the demo registers everyone 60 days back); every fourth is new.
        let sql = db.sql
        let cards = try await sql.raw("""
            SELECT c.barcode, m.id FROM member_cards c JOIN members m ON m.id = c.member_id
            WHERE m.organisation_id = \(bind: organisation) ORDER BY c.barcode
            """).all().map { (try $0.decode(column: "barcode", as: String.self), try $0.decode(column: "id", as: UUID.self)) }
        let pinHash = try await app.password.async.hash(pin)
        for (index, (_, member)) in cards.enumerated() {
            let n = index + 1
            if n % 4 != 0 {
                try await sql.update(Member.schema).set("membership_start", to: today.adding(days: -(400 + n * 3)).iso).where("id", .equal, member).run()
            }
            if n <= 40 {
                // One hash for all: the same PIN, and hashing 40 times would slow the demo's start for nothing.
                try await store.setPIN(member: member, hash: pinHash)
                if n % 5 != 2 { try await store.setTermsAccepted(member: member, on: today.adding(days: -30)) }
            }
        }
    }
}
