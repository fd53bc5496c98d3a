import BiebCore
import BiebStore
import Fluent
import Foundation
import SQLKit
import Vapor

/// `bieb-bench circulation-setup DB ORG MEMBERS ITEMS OUTDIR`: adds MEMBERS
/// members with cards (straight into the tables, in large transactions) to
/// an organisation, and writes OUTDIR/cards.txt (one card per line) and
/// OUTDIR/items.txt ("barcode branch-slug" of ITEMS copies on the shelf at
/// their own branch, in random order) for the circulation load test.
func setUpCirculationBenchmark(database: String, organisation slug: String, members: Int, items: Int, output: String) {
    withDatabase(location(database)) { app in
        let sql = app.db.sql
        guard let org = try await Organisation.query(on: app.db).filter(\.$slug == slug).first() else {
            print("no organisation \(slug)")
            return
        }
        let orgID = org.id!
        guard let type = try await MembershipType.query(on: app.db).filter(\.$organisationID == orgID).filter(\.$code == "volledig").first(),
              let branch = try await Branch.query(on: app.db).filter(\.$organisation.$id == orgID).first() else {
            print("the organisation needs the demo's membership types and branches")
            return
        }
        let existing = try await Member.query(on: app.db).filter(\.$organisationID == orgID).count()
        let start = Date()
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        var cards: [String] = []
        var n = existing
        while n < members {
            let batch = min(5000, members - n)
            let first = n
            try await app.db.transaction { tx in
                let sql = tx.sql
                var memberRows: [[any SQLExpression]] = []
                var cardRows: [[any SQLExpression]] = []
                for k in first..<(first + batch) {
                    let id = UUID()
                    let name = "Lid \(k)"
                    memberRows.append([SQLBind(id), SQLBind(orgID), SQLBind(name), SQLBind(name.lowercased()), SQLBind("1980-01-01"),
                                       SQLBind("Spui 1"), SQLBind("2511 BT"), SQLBind("Den Haag"), SQLBind(branch.id!), SQLBind(type.id!),
                                       SQLBind(today.iso), SQLBind(today.adding(days: 364).iso), SQLBind(0), SQLBind(0), SQLBind(0),
                                       SQLBind(start), SQLBind(start)])
                    let card = String(format: "5%09d", k)
                    cardRows.append([SQLBind(UUID()), SQLBind(orgID), SQLBind(id), SQLBind(card), SQLBind("active"), SQLBind(today.iso)])
                }
                for chunk in stride(from: 0, to: memberRows.count, by: 500) {
                    let rows = Array(memberRows[chunk..<min(chunk + 500, memberRows.count)])
                    var insert = sql.insert(into: Member.schema)
                        .columns("id", "organisation_id", "name", "name_key", "birth_date", "street", "postcode", "city", "home_branch_id",
                                 "membership_type_id", "membership_start", "membership_end", "balance_cents", "loan_count", "hold_count",
                                 "created_at", "updated_at")
                    for row in rows { insert = insert.values(row) }
                    try await insert.run()
                    var cardInsert = sql.insert(into: MemberCard.schema).columns("id", "organisation_id", "member_id", "barcode", "status", "issued_on")
                    for row in cardRows[chunk..<min(chunk + 500, cardRows.count)] { cardInsert = cardInsert.values(row) }
                    try await cardInsert.run()
                }
            }
            n += batch
            print("members: \(n)", terminator: "\r")
        }
        print("")
        // Only members who start as the first run's did: no loans, holds or fees. On a database reused by earlier runs
        // some members keep the loans those runs left open (or their fines), and the desk rightly refuses them more.
        var leftOut = 0
        for row in try await sql.raw("""
            SELECT c.barcode, (m.loan_count = 0 AND m.hold_count = 0 AND m.balance_cents = 0) AS free
            FROM member_cards c JOIN members m ON m.id = c.member_id
            WHERE c.organisation_id = \(bind: orgID) AND c.barcode LIKE '5%'
            ORDER BY c.barcode
            """).all() {
            if try row.decode(column: "free", as: Bool.self) {
                cards.append(try row.decode(column: "barcode", as: String.self))
            } else {
                leftOut += 1
            }
        }
        var lines: [String] = []
        for row in try await sql.raw("""
            SELECT i.barcode, b.slug FROM items i JOIN branches b ON b.id = i.owning_branch_id
            WHERE i.organisation_id = \(bind: orgID) AND i.status = 'available' AND i.hold_id IS NULL
              AND i.current_branch_id = i.owning_branch_id AND b.kind <> 'outreach_point'
            ORDER BY random() LIMIT \(bind: items)
            """).all() {
            lines.append("\(try row.decode(column: "barcode", as: String.self)) \(try row.decode(column: "slug", as: String.self))")
        }
        try? FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try (cards.joined(separator: "\n") + "\n").write(toFile: output + "/cards.txt", atomically: true, encoding: .utf8)
        try (lines.joined(separator: "\n") + "\n").write(toFile: output + "/items.txt", atomically: true, encoding: .utf8)
        let total = try await Member.query(on: app.db).filter(\.$organisationID == orgID).count()
        let copies = try await sql.raw("SELECT count(*) AS n FROM items WHERE organisation_id = \(bind: orgID)").first()?.decode(column: "n", as: Int.self) ?? 0
        print("\(total) members, \(copies) copies; \(cards.count) benchmark cards (\(leftOut) left out: loans, holds or fees from earlier runs) and \(lines.count) copies written to \(output) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        try await sql.raw("ANALYZE").run()
    }
}
