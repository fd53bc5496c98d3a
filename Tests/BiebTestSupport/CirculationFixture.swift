import Fluent
import SQLKit
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Membership types, members and titles with copies in the test city, for
/// circulation tests. Rules: adults 21 days, at most 5 loans and 2 DVDs of
/// which DVDs 7 days; youth free and exempt from fines; 25 cents a day up to € 3.
public struct CirculationFixture: Sendable {
    public let network: Fixture
    public let adult: UUID
    public let youth: UUID
    /// Titles by control number ("book-1", "dvd-1", …) with their copies' barcodes.
    public let titles: [String: Int]

    public static let adultCard = "A0001"
    public static let youthCard = "J0001"

    /// `feePaid`: the adult paid the membership fee at registration (else € 29 is outstanding, over the € 10 limit).
    public static func make(on app: Application, today: LocalDate, feePaid: Bool = true) async throws -> CirculationFixture {
        let network = try await Fixture.make(on: app)
        let org = network.city
        let members = MemberDirectory(app.db, organisationID: org)
        try await members.save(MembershipType(organisationID: org, code: "jeugd", nameNL: "Jeugd", nameEN: "Youth", yearlyFeeCents: 0, youth: true))
        try await members.save(MembershipType(organisationID: org, code: "basis", nameNL: "Basis", nameEN: "Basic", yearlyFeeCents: 2900))
        try await members.save(MembershipType(organisationID: org, code: "volledig", nameNL: "Volledig", nameEN: "Full", yearlyFeeCents: 5400))
        try await LoanRuleStore(app.db, organisationID: org).replaceRules([
            (LoanRuleScope(), LoanTerms(loanDays: 21, maxRenewals: 2, maxLoans: 50, maxLoansOfType: 50, maxHolds: 5, finePerDayCents: 25,
                                        maxFineCents: 300, holdFeeCents: 0, youthExemptFromFines: true)),
            (LoanRuleScope(category: "basis"), LoanTerms(maxLoans: 5)),
            (LoanRuleScope(itemType: "dvd"), LoanTerms(loanDays: 7, maxRenewals: 1)),
            (LoanRuleScope(category: "basis", itemType: "dvd"), LoanTerms(maxLoansOfType: 2)),
        ])
        func details(_ name: String, _ birth: String) -> MemberDraft {
            MemberDraft(name: name, birthDate: birth, email: nil, street: "Spui 68", postcode: "2511 BT", city: "Den Haag")
        }
        let adult = try await members.register(MemberRegistration(details: details("Anna de Vries", "1985-03-02"), homeBranch: network.central,
                                                                  membershipType: "basis", card: adultCard), today: today)
        let youth = try await members.register(MemberRegistration(details: details("Bram Jansen", "2014-06-10"), homeBranch: network.central,
                                                                  membershipType: "jeugd", card: youthCard), today: today)
        if feePaid {
            try await Circulation(app.db, organisationID: org).pay(member: adult.id!, cents: 2900,
                                                                   at: Circulation.Desk(branch: network.central, now: Date()))
        }
        // Titles: books and DVDs with copies at the central and the district library.
        var records: [IncomingTitle] = []
        for n in 1...6 {
            let book = TitleRecord(controlNumber: "book-\(n)", title: "Boek \(n)", language: "dut", format: .book)
            records.append(try IncomingTitle(marc: MARCMapping.record(for: book), record: book, holdings: [
                Holding(branch: "centrale", barcode: "B\(n)C1", priceCents: 2000),
                Holding(branch: "centrale", barcode: "B\(n)C2", priceCents: 2000),
                Holding(branch: "oost", barcode: "B\(n)O1", priceCents: 2000),
            ]))
            let dvd = TitleRecord(controlNumber: "dvd-\(n)", title: "Film \(n)", language: "dut", format: .dvd)
            records.append(try IncomingTitle(marc: MARCMapping.record(for: dvd), record: dvd, holdings: [
                Holding(branch: "centrale", barcode: "D\(n)C1"),
            ]))
        }
        let store = CatalogStore(app.db, organisationID: org)
        _ = try await store.upsert(records, branches: try await store.branchesBySlug(), defaultBranch: nil)
        var titles: [String: Int] = [:]
        for title in try await Title.query(on: app.db).filter(\.$organisationID == org).all() { titles[title.controlNumber ?? ""] = title.id! }
        return CirculationFixture(network: network, adult: adult.id!, youth: youth.id!, titles: titles)
    }
}

/// Sets copies' status straight in the table, as circulation would, for
/// tests of search and availability that need no loans or members.
public func setItemStatus(_ app: Application, organisation: UUID, _ status: ItemStatus, due: Date? = nil, items: [Int]) async throws {
    try await app.db.transaction { tx in
        let sql = tx as! any SQLDatabase
        try await sql.update(Item.schema).set("status", to: status.rawValue).set("due_at", to: due)
            .where("id", .in, SQLBind.group(items)).run()
        let titles = try await sql.select().column("title_id").from(Item.schema).where("id", .in, SQLBind.group(items)).all()
            .map { try $0.decode(column: "title_id", as: Int.self) }
        try await CatalogChanges.copiesChanged(of: titles, organisationID: organisation, on: sql)
    }
}

/// Moves the due dates of open loans `days` back (the loan's and its copy's),
/// as if the copies had been lent that much earlier: a renewal today then
/// moves the due date on (a renewal that would not extend a loan is
/// refused). All open loans, or those of the copies with these barcodes.
public func backdateOpenLoans(_ app: Application, days: Int, barcodes: [String]? = nil) async throws {
    let sql = app.db.sql
    var query: SQLQueryString = """
        SELECT l.id, l.item_id, l.due_on, i.due_at FROM loans l JOIN items i ON i.id = l.item_id WHERE l.open = \(bind: true)
        """
    if let barcodes { query = query + " AND i.barcode IN (\(binds: barcodes))" }
    for row in try await sql.raw(query).all() {
        guard let due = LocalDate(iso: try row.decode(column: "due_on", as: String.self)) else { continue }
        try await sql.update(Loan.schema).set("due_on", to: due.adding(days: -days).iso)
            .where("id", .equal, try row.decode(column: "id", as: Int.self)).run()
        if let dueAt = try row.decode(column: "due_at", as: Date?.self) {
            try await sql.update(Item.schema).set("due_at", to: dueAt.addingTimeInterval(-Double(days) * 86_400))
                .where("id", .equal, try row.decode(column: "item_id", as: Int.self)).run()
        }
    }
}

/// Sets a copy's counters and acquisition straight in the table, as years of lending would have left them (`CopyCounters`).
public func setCopyCounters(_ app: Application, barcode: String, total: Int, year: Int, lastLoan: String?, acquired: String? = "2015-01-01") async throws {
    try await app.db.sql.update(Item.schema).set("loans_total", to: total).set("loans_year", to: year)
        .set("last_loan_on", to: lastLoan).set("acquired_on", to: acquired).where("barcode", .equal, barcode).run()
}
