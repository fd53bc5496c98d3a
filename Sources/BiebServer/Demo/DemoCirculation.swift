import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Members, memberships, loan rules and a few weeks of lending for a demo
/// organisation, all through the circulation desk (so loans, holds, fees
/// and copy statuses agree). Names are made up. Membership fees are
/// modelled on Dutch public library prices (estimates): youth free by law,
/// basic € 29, full € 54, plus € 69, student € 27,50, city pass € 14,50.
enum DemoCirculation {
    static let firstNames = ["Anna", "Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Finn", "Sophie", "Noah", "Saar", "Mohammed", "Fatima",
                             "Yusuf", "Aisha", "Priya", "Arjun", "Lotte", "Bram", "Fleur", "Thijs", "Iris", "Jesse", "Nora", "Ravi",
                             "Sanne", "Joost", "Ilse", "Kees", "Marieke", "Wim", "Ans", "Henk", "Ria", "Tim", "Eva"]
    static let lastNames = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
                            "Bos", "Vos", "Peters", "Hendriks", "El Amrani", "Yilmaz", "Kaya", "Ramdin", "Sardjoe", "Nguyen", "Dekker",
                            "van Dijk", "Brouwer", "de Wit", "Dijkstra", "Koster", "Verbeek", "Kok"]
    static let streets = ["Spui", "Grote Marktstraat", "Laan van Meerdervoort", "Prinsegracht", "Weimarstraat", "Fahrenheitstraat",
                          "Paul Krugerlaan", "Hoefkade", "Loosduinseweg", "Stationsweg"]

    /// The card number of demo member n: "2000" and six digits.
    static func card(_ n: Int, prefix: String) -> String { String(format: "%@%06d", prefix, n) }

    static func seed(app: Application, organisation: UUID, members count: Int, cardPrefix: String, today: LocalDate) async throws {
        let db = app.db
        let directory = MemberDirectory(db, organisationID: organisation)
        for type in [
            MembershipType(organisationID: organisation, code: "jeugd", nameNL: "Jeugd (tot 18 jaar)", nameEN: "Youth (under 18)", yearlyFeeCents: 0, youth: true),
            MembershipType(organisationID: organisation, code: "basis", nameNL: "Basis", nameEN: "Basic", yearlyFeeCents: 2900),
            MembershipType(organisationID: organisation, code: "volledig", nameNL: "Volledig", nameEN: "Full", yearlyFeeCents: 5400),
            MembershipType(organisationID: organisation, code: "plus", nameNL: "Plus", nameEN: "Plus", yearlyFeeCents: 6900),
            MembershipType(organisationID: organisation, code: "student", nameNL: "Student", nameEN: "Student", yearlyFeeCents: 2750),
            MembershipType(organisationID: organisation, code: "stadspas", nameNL: "Ooievaarspas", nameEN: "City pass", yearlyFeeCents: 1450),
        ] { try await directory.save(type) }
        try await LoanRuleStore(db, organisationID: organisation).replaceRules([
            (LoanRuleScope(), LoanTerms(loanDays: 21, maxRenewals: 2, maxLoans: 20, maxLoansOfType: 10, maxHolds: 10, finePerDayCents: 25,
                                        maxFineCents: 500, holdFeeCents: 100, youthExemptFromFines: true)),
            (LoanRuleScope(category: "basis"), LoanTerms(maxLoans: 10, maxHolds: 3)),
            (LoanRuleScope(category: "plus"), LoanTerms(maxLoans: 40, holdFeeCents: 0)),
            (LoanRuleScope(category: "jeugd"), LoanTerms(holdFeeCents: 0)),
            (LoanRuleScope(itemType: MaterialFormat.dvd.rawValue), LoanTerms(loanDays: 7, maxRenewals: 1, maxLoansOfType: 3, finePerDayCents: 50)),
            (LoanRuleScope(itemType: MaterialFormat.game.rawValue), LoanTerms(loanDays: 14, maxLoansOfType: 2)),
            (LoanRuleScope(itemType: MaterialFormat.magazine.rawValue), LoanTerms(loanDays: 14, maxRenewals: 0)),
        ])
        let branches = try await BranchDirectory(db).branches(of: organisation).filter { $0.kind != .outreachPoint }
        guard let central = branches.first(where: { $0.kind == .central }) ?? branches.first else { return }
        let zone = BranchCalendar.amsterdam
        func noon(_ date: LocalDate) -> Date { LocalClock.instant(of: date, minute: 11 * 60, in: zone) }
        let circulation = Circulation(db, organisationID: organisation, timeZone: zone)

        // Members: a third children (a few with a parent who is a member too), adults on the other types.
        var adults: [UUID] = []
        var everyone: [UUID] = []
        let start = today.adding(days: -60)
        for n in 1...count {
            let youth = n % 3 == 0
            let birth = youth ? today.adding(days: -365 * (6 + n % 11) - n) : today.adding(days: -365 * (19 + n % 60) - n)
            let name = "\(firstNames[n % firstNames.count]) \(lastNames[(n * 7) % lastNames.count])"
            let branch = branches[(n * 5) % branches.count]
            let type = youth ? "jeugd" : ["volledig", "basis", "volledig", "plus", "student", "stadspas"][n % 6]
            let details = MemberDraft(name: name, birthDate: birth.iso, email: n % 2 == 0 ? "lid\(n)@example.nl" : nil,
                                      street: "\(streets[n % streets.count]) \(1 + n % 180)", postcode: "25\(String(format: "%02d", 10 + n % 80)) \(["AB", "BT", "CD", "EK", "GH"][n % 5])",
                                      city: "Den Haag")
            let guardian = youth && n % 2 == 0 ? adults.last : nil
            let member = try await directory.register(MemberRegistration(details: details, homeBranch: branch.id!, membershipType: type,
                                                                         card: card(n, prefix: cardPrefix), guardian: guardian), today: start)
            // Paid at the desk when they joined — except a few who still owe it.
            if member.balanceCents > 0 && n % 17 != 0 {
                try await circulation.pay(member: member.id!, cents: member.balanceCents, method: n % 2 == 0 ? "pin" : "kas",
                                          at: Circulation.Desk(branch: branch.id!, now: noon(start)))
            }
            if !youth { adults.append(member.id!) }
            everyone.append(member.id!)
        }
        if let blocked = adults.dropFirst(5).first {
            try await directory.block(blocked, reason: "Post kwam retour: adres controleren")
        }

        // Four weeks of lending: about a quarter of the copies out, some of them overdue.
        let items = try await sql(db).select().columns("id", "barcode", "current_branch_id").from(Item.schema)
            .where("organisation_id", .equal, organisation).where("status", .equal, ItemStatus.available.rawValue).orderBy("id").all()
        var borrower = 0
        for (index, row) in items.enumerated() where index % 4 == 0 {
            let barcode = try row.decode(column: "barcode", as: String.self)
            let branch = try row.decode(column: "current_branch_id", as: UUID.self)
            let day = today.adding(days: -(1 + index % 34))
            for _ in 0..<5 {
                borrower += 1
                let member = everyone[borrower % everyone.count]
                do {
                    _ = try await circulation.checkout(member: member, item: barcode, at: Circulation.Desk(branch: branch, now: noon(day)))
                    break
                } catch is BiebError {
                    continue   // a limit or a block: the next member takes it
                }
            }
        }

        // Holds. The four most wanted Dutch titles are all out and have a queue; other titles have a hold on a copy still on a
        // shelf somewhere (on that branch's pick list).
        let dutch = try await Title.query(on: db).filter(\.$organisationID == organisation).filter(\.$controlNumber ~~ "bieb-demo-")
            .sort(\.$controlNumber).all()
            .filter { $0.format == MaterialFormat.book.rawValue }
        let wanted = Array(dutch.prefix(4))
        for title in wanted {
            for row in try await sql(db).select().columns("barcode", "current_branch_id").from(Item.schema)
                .where("title_id", .equal, title.id!).where("status", .equal, ItemStatus.available.rawValue).all() {
                for _ in 0..<5 {
                    borrower += 1
                    if (try? await circulation.checkout(member: everyone[borrower % everyone.count], item: try row.decode(column: "barcode", as: String.self),
                                                        at: Circulation.Desk(branch: try row.decode(column: "current_branch_id", as: UUID.self),
                                                                             now: noon(today.adding(days: -(3 + borrower % 10)))))) != nil { break }
                }
            }
        }
        var holder = 7
        for (index, title) in dutch.prefix(10).enumerated() {
            for k in 0..<(index < wanted.count ? 3 : 1) {
                let pickup = k == 0 ? central : branches[(index + k) % branches.count]
                for _ in 0..<5 {
                    holder += 3
                    if (try? await circulation.placeHold(member: everyone[holder % everyone.count], title: title.id!, pickup: pickup.id!,
                                                         at: Circulation.Desk(branch: pickup.id!, now: noon(today.adding(days: -(8 - k)))))) != nil { break }
                }
            }
        }
        // Yesterday's returns at the central library, among them one copy of each wanted title: trapped for the first in line
        // (on the hold shelf here, or into the crate for the pickup branch).
        var returns: [String] = []
        for title in wanted {
            if let row = try await sql(db).select().column("barcode").from(Item.schema).where("title_id", .equal, title.id!)
                .where("status", .equal, ItemStatus.onLoan.rawValue).orderBy("id").first() {
                returns.append(try row.decode(column: "barcode", as: String.self))
            }
        }
        let out = try await sql(db).raw("""
            SELECT i.barcode FROM loans l JOIN items i ON i.id = l.item_id
            WHERE l.organisation_id = \(bind: organisation) AND l.open = \(bind: true) ORDER BY l.id LIMIT 8
            """).all()
        returns += try out.map { try $0.decode(column: "barcode", as: String.self) }
        for barcode in returns {
            _ = try await circulation.checkin(item: barcode, at: Circulation.Desk(branch: central.id!, now: noon(today.adding(days: -1))))
        }
        // Overdue loans get their fines up to today, as the daily job would.
        _ = try await circulation.accrueFines(now: noon(today))
    }

    static func sql(_ db: any Database) -> any SQLDatabase { db.sql }
}
