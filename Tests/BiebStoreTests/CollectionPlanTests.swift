import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
@testable import BiebStore
import BiebTestSupport

@Suite("Collection plan store") struct CollectionPlanTests {
    let zone = BranchCalendar.amsterdam

    @Test(arguments: TestDatabase.all)
    func countersAgeOutOfTheWindowAndRebuildAgrees(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let desk = Circulation(app.db, organisationID: org, calendars: CalendarCache(), ruleBooks: RuleBookCache())
            // Three loans of B1C1: a year ago less a day, a year ago exactly, and today.
            for day in ["2025-11-25", "2025-11-26", "2026-11-24"] {
                let at = Circulation.Desk(branch: f.network.central, now: noon(day))
                _ = try await desk.checkout(member: f.adult, item: "B1C1", at: at)
                _ = try await desk.checkin(item: "B1C1", at: at)
            }
            func counters() async throws -> (Int, Int, String?) {
                let row = try #require(try await app.db.sql.select().columns("loans_total", "loans_year", "last_loan_on").from(Item.schema)
                    .where("barcode", .equal, "B1C1").first())
                return (try row.decode(column: "loans_total", as: Int.self), try row.decode(column: "loans_year", as: Int.self),
                        try row.decode(column: "last_loan_on", as: String?.self))
            }
            // The counters were kept by the desk, without any history read.
            #expect(try await counters() == (3, 3, "2026-11-24"))
            let counts = CopyCounters(app.db, organisationID: org, timeZone: zone)
            // Counted again from the loans on 2026-11-24: all three are in the 12 months (after 2025-11-24).
            try await counts.rebuild(today: LocalDate(iso: "2026-11-24")!)
            #expect(try await counters() == (3, 3, "2026-11-24"))
            #expect(try await counts.agedThrough() == LocalDate(iso: "2025-11-24"))
            // A day later the loan of 2025-11-25 leaves the window; two days after that, the one of 2025-11-26.
            #expect(try await counts.age(today: LocalDate(iso: "2026-11-25")!) == 1)
            #expect(try await counters() == (3, 2, "2026-11-24"))
            #expect(try await counts.age(today: LocalDate(iso: "2026-11-25")!) == 0)
            #expect(try await counts.age(today: LocalDate(iso: "2026-11-27")!) == 1)
            let afterAging = try await counters()
            // Counting everything again gives the same as the nightly steps.
            try await counts.rebuild(today: LocalDate(iso: "2026-11-27")!)
            #expect(try await counters() == afterAging)
            #expect(afterAging.1 == 1)
            // A copy returned elsewhere was seen there: last_seen_on is the day of the return.
            let seen = try await app.db.sql.select().column("last_seen_on").from(Item.schema).where("barcode", .equal, "B1C1").first()?
                .decode(column: "last_seen_on", as: String?.self)
            #expect(seen == "2026-11-24")
        }
    }

    @Test(arguments: TestDatabase.all)
    func segmentReportAndItsDeadStockAgreeWithTheRules(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let today = LocalDate(iso: "2026-12-04")!
            // Central: books B1..B6 C1/C2 (adult fiction, no NUR) and DVDs D1..D6; the district: B1..B6 O1.
            for n in 1...6 {
                try await setCopyCounters(app, barcode: "B\(n)C1", total: 40, year: 10, lastLoan: "2026-11-01")
                try await setCopyCounters(app, barcode: "B\(n)C2", total: 5, year: 0, lastLoan: n <= 3 ? "2022-01-01" : "2024-06-01")
                try await setCopyCounters(app, barcode: "B\(n)O1", total: 2, year: 0, lastLoan: nil, acquired: n == 1 ? "2026-10-01" : "2020-01-01")
                try await setCopyCounters(app, barcode: "D\(n)C1", total: 30, year: 6, lastLoan: "2025-01-01")
            }
            let policy = WeedingPolicy()
            let rows = try await SegmentReport(app.db, organisationID: org).rows(today: today, policy: policy)
            let books = ShelfSegment(format: .book, part: .adultFiction, heading: nil)
            let dvds = ShelfSegment(format: .dvd, part: .audiovisual, heading: nil)
            let centralBooks = try #require(rows.first { $0.branch == f.network.central && $0.segment == books }).figures
            #expect(centralBooks.holdings == 12)
            #expect(centralBooks.loans == 60)
            #expect(centralBooks.lifetimeLoans == 6 * 45)
            // Adult fiction is dead after 36 months: the three C2 copies last lent in January 2022.
            #expect(centralBooks.dead == 3)
            let centralDVDs = try #require(rows.first { $0.branch == f.network.central && $0.segment == dvds }).figures
            // Audiovisual is dead after 24 months: lent January 2025, not dead.
            #expect(centralDVDs.holdings == 6 && centralDVDs.loans == 36 && centralDVDs.dead == 0)
            let district = try #require(rows.first { $0.branch == f.network.district && $0.segment == books }).figures
            // Never lent: counted from the acquisition — five acquired in 2020 are dead, the one of October 2026 not.
            #expect(district.holdings == 6 && district.loans == 0 && district.dead == 5)
            // The report's dead stock is the rules' own answer, copy by copy.
            var byRule = 0
            for row in try await app.db.sql.raw("""
                SELECT i.last_loan_on, i.acquired_on, i.status FROM items i WHERE i.organisation_id = \(bind: org) AND i.owning_branch_id = \(bind: f.network.district)
                """).all() {
                let status = ItemStatus(rawValue: try row.decode(column: "status", as: String.self))!
                if status == .available, WeedingRules.isIdle(lastLoan: try row.decode(column: "last_loan_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                                                             acquired: try row.decode(column: "acquired_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                                                             thresholds: policy.thresholds(for: books), today: today) { byRule += 1 }
            }
            #expect(byRule == district.dead)
            // A threshold of the organisation's own changes the count: books dead after 12 months.
            try await WeedingSettings(app.db, organisationID: org).set(WeedingThresholds(maxAgeYears: nil, idleMonths: 12, wornLoans: 80, loansPerCopy: 6),
                                                                       part: .adultFiction, heading: nil)
            let own = try await WeedingSettings(app.db, organisationID: org).policy()
            let stricter = try await SegmentReport(app.db, organisationID: org).rows(today: today, branch: f.network.central, policy: own)
            #expect(stricter.count == 2)
            #expect(stricter.first { $0.segment == books }?.figures.dead == 6)
            // A lost copy is not in the collection.
            let lost = try #require(try await app.db.sql.select().column("id").from(Item.schema).where("barcode", .equal, "B1C2").first()?
                .decode(column: "id", as: Int.self))
            try await CatalogStore(app.db, organisationID: org).setStatus(.lost, ofItems: [lost])
            let after = try await SegmentReport(app.db, organisationID: org).rows(today: today, branch: f.network.central, policy: own)
            #expect(after.first { $0.segment == books }?.figures.holdings == 11)
            // Snapshots keep a month's rows for next year.
            let snapshots = SegmentSnapshots(app.db, organisationID: org)
            #expect(try await snapshots.takeDue(today: today, policy: own))
            #expect(try await snapshots.takeDue(today: today, policy: own) == false)
            let kept = try await snapshots.rows(month: "2026-12")
            #expect(Set(kept) == Set(try await SegmentReport(app.db, organisationID: org).rows(today: today, policy: own)))
        }
    }

    @Test(arguments: TestDatabase.all)
    func weedingListIsReviewedSignedAndWithdrawsOnlyShelfCopies(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let today = LocalDate(iso: "2026-12-04")!
            for n in 1...6 {
                try await setCopyCounters(app, barcode: "B\(n)C1", total: 40, year: 4, lastLoan: "2026-11-01")
                try await setCopyCounters(app, barcode: "D\(n)C1", total: 20, year: 6, lastLoan: "2026-11-01")
                // B1C2 and B2C2 idle since 2021; B3C2 worn (90 loans).
                try await setCopyCounters(app, barcode: "B\(n)C2", total: n == 3 ? 90 : 5, year: n <= 2 ? 0 : 3, lastLoan: n <= 2 ? "2021-01-01" : "2026-10-01")
            }
            let lists = WeedingLists(app.db, organisationID: org)
            let candidates = try await lists.candidates(branch: f.network.central, today: today, policy: WeedingPolicy())
            // B1C2, B2C2: idle, and surplus (4 loans a year need one copy; the second was not lent); B3C2: worn (and its loans need both copies).
            #expect(Set(candidates.map(\.barcode)) == ["B1C2", "B2C2", "B3C2"])
            #expect(candidates.first { $0.barcode == "B1C2" }?.reasons == [.idle, .surplus])
            #expect(candidates.first { $0.barcode == "B3C2" }?.reasons == [.worn])
            let id = try await lists.make(branch: f.network.central, today: today, by: "collectie@city.test")
            // One open list per branch.
            let second = await refusal { _ = try await lists.make(branch: f.network.central, today: today, by: "x") }
            #expect(second?.code == "weeding_list_open")
            let lines = try await lists.lines(of: id)
            #expect(lines.count == 3)
            func line(_ barcode: String) -> Int { lines.first { $0.barcode == barcode }!.id }
            // Keeping needs a reason; undecided lines block the sign-off.
            let bare = await refusal { try await lists.review(id, [.init(line: line("B3C2"), decision: .keep, note: " ")], by: "x") }
            #expect(bare?.field == "line_\(line("B3C2"))")
            try await lists.review(id, [.init(line: line("B1C2"), decision: .withdraw, note: "")], by: "collectie@city.test")
            let early = await refusal { _ = try await lists.signOff(id, by: "hoofd@city.test") }
            #expect(early?.code == "weeding_list_undecided")
            try await lists.review(id, [.init(line: line("B2C2"), decision: .withdraw, note: "vergeeld"),
                                        .init(line: line("B3C2"), decision: .keep, note: "Nieuw gebonden")], by: "collectie@city.test")
            // B2C2 is lent out before the sign-off: it is not withdrawn.
            let desk = Circulation(app.db, organisationID: org, calendars: CalendarCache(), ruleBooks: RuleBookCache())
            _ = try await desk.checkout(member: f.adult, item: "B2C2", at: Circulation.Desk(branch: f.network.central, now: noon("2026-12-04")))
            // A line of another list cannot be reviewed through this one.
            let stranger = await refusal { try await lists.review(id, [.init(line: 999_999, decision: .keep, note: "x")], by: "x") }
            #expect(stranger?.field == "line_999999")
            let outcome = try await lists.signOff(id, by: "hoofd@city.test")
            #expect(outcome == WeedingLists.SignOff(withdrawn: 1, inUse: ["B2C2"], kept: 1))
            let status = { (barcode: String) async throws -> String in
                try await app.db.sql.select().column("status").from(Item.schema).where("barcode", .equal, barcode).first()!
                    .decode(column: "status", as: String.self)
            }
            #expect(try await status("B1C2") == "withdrawn")
            #expect(try await status("B2C2") == "on_loan")
            #expect(try await status("B3C2") == "available")
            let done = try await lists.lines(of: id)
            #expect(done.first { $0.barcode == "B1C2" }?.outcome == .withdrawn)
            #expect(done.first { $0.barcode == "B2C2" }?.outcome == .inUse)
            #expect(done.first { $0.barcode == "B3C2" }?.outcome == .kept)
            let summary = try await lists.list(id)
            #expect(summary.status == .signed && summary.signedBy == "hoofd@city.test" && summary.withdrawn == 1)
            // A signed list is closed.
            let again = await refusal { _ = try await lists.signOff(id, by: "x") }
            #expect(again?.code == "weeding_list_closed")
            // A new list can be made now; it no longer names the withdrawn copy.
            let next = try await lists.make(branch: f.network.central, today: today, by: "x")
            #expect(try await lists.lines(of: next).map(\.barcode).contains("B1C2") == false)
            // Another organisation's list is not found.
            let other = WeedingLists(app.db, organisationID: f.network.town)
            #expect(await refusal { _ = try await other.lines(of: next) }?.kind == .notFound)
        }
    }

    /// The database leaves out the copies no rule names, with each shelf's own thresholds (`thresholdFilter`): the list
    /// it gives is the rules' own answer over every copy of the branch, copy by copy, at each threshold's edge.
    @Test(arguments: TestDatabase.all)
    func weedingCandidatesAreTheRulesAnswerOverEveryCopy(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let today = LocalDate(iso: "2026-12-04")!
            let settings = WeedingSettings(app.db, organisationID: org)
            // An own threshold for one heading beside the defaults (and the headings whose defaults differ).
            try await settings.set(WeedingThresholds(maxAgeYears: 3, idleMonths: 6, wornLoans: 20, loansPerCopy: 2), part: .adultNonFiction, heading: 500)
            let policy = try await settings.policy()
            let shelves = ["book.youth_fiction.270", "book.youth_fiction.280", "book.youth_non_fiction.-", "book.adult_fiction.300",
                           "book.adult_non_fiction.980", "book.adult_non_fiction.320", "book.adult_non_fiction.500", "book.adult_non_fiction.600",
                           "dvd.audiovisual.-", "sheet_music.sheet_music.-"]
            let copies = try await app.db.sql.raw("""
                SELECT id, title_id FROM items WHERE owning_branch_id = \(bind: f.network.central) ORDER BY id
                """).all().map { (try $0.decode(column: "id", as: Int.self), try $0.decode(column: "title_id", as: Int.self)) }
            #expect(copies.count == 18)
            for round in 0..<4 {
                // Each copy on a shelf, with facts just inside or just outside that shelf's thresholds; one without a key, one with a key no policy reads.
                for (k, copy) in copies.enumerated() {
                    let key = shelves[(k + round * 3) % shelves.count]
                    let t = policy.thresholds(for: ShelfSegment(key: key)!)
                    let edge = (k + round) % 2 == 0
                    let since = t.idleSince(today).adding(months: edge ? 0 : 1)
                    let lastLoan = (k + round) % 5 == 0 ? nil : since.adding(days: edge ? -1 : 0)
                    try await app.db.sql.update(Item.schema)
                        .set("shelf", to: k == round ? nil : k == round + 1 ? "book.no_such_part.-" : key)
                        .set("edition_year", to: today.year - (t.maxAgeYears ?? 30) - (edge ? 1 : 0))
                        .set("loans_total", to: t.wornLoans - ((k + round) % 3 == 0 ? 0 : 1))
                        .set("loans_year", to: (k * 7 + round) % 9)
                        .set("last_loan_on", to: lastLoan?.iso)
                        .set("acquired_on", to: (k + round) % 4 == 0 ? nil : since.adding(days: -(k % 2)).iso)
                        .set("status", to: (k + round) % 6 == 1 ? ItemStatus.onLoan.rawValue : ItemStatus.available.rawValue)
                        // Call numbers a language's collation orders otherwise than code point by code point (as the list is ordered).
                        .set("call_number", to: ["b 12", "B 3", "a 1", "É 2", "e 7", "Z"][(k + round) % 6])
                        .where("id", .equal, copy.0).run()
                }
                // The rules over every copy, in Swift.
                struct Copy { var id: Int, title: Int, status: ItemStatus, shelf: String?, year: Int?, total: Int, loansYear: Int, last: LocalDate?, acquired: LocalDate?, barcode: String }
                let all = try await app.db.sql.raw("""
                    SELECT i.id, i.title_id, i.status, i.shelf, i.edition_year, i.loans_total, i.loans_year, i.last_loan_on, i.acquired_on, i.barcode, t.year AS title_year
                    FROM items i JOIN titles t ON t.id = i.title_id WHERE i.owning_branch_id = \(bind: f.network.central)
                    """).all().map { row in
                    Copy(id: try row.decode(column: "id", as: Int.self), title: try row.decode(column: "title_id", as: Int.self),
                         status: ItemStatus(rawValue: try row.decode(column: "status", as: String.self))!, shelf: try row.decode(column: "shelf", as: String?.self),
                         year: try row.decode(column: "shelf", as: String?.self).flatMap(ShelfSegment.init(key:)) == nil ? try row.decode(column: "title_year", as: Int?.self)
                            : try row.decode(column: "edition_year", as: Int?.self),
                         total: try row.decode(column: "loans_total", as: Int.self), loansYear: try row.decode(column: "loans_year", as: Int.self),
                         last: try row.decode(column: "last_loan_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                         acquired: try row.decode(column: "acquired_on", as: String?.self).flatMap(LocalDate.init(iso:)),
                         barcode: try row.decode(column: "barcode", as: String.self))
                }
                var expected: [String: [WeedingReason]] = [:]
                for (_, group) in Dictionary(grouping: all, by: \.title) {
                    let ranked = group.sorted { ($1.loansYear, $0.total, $0.id) < ($0.loansYear, $1.total, $1.id) }
                    for (rank, copy) in ranked.enumerated() {
                        // Without a key (or one no policy reads): the fixture's titles are adult fiction books without a NUR code.
                        let segment = copy.shelf.flatMap(ShelfSegment.init(key:)) ?? ShelfSegment(format: copy.barcode.hasPrefix("D") ? .dvd : .book,
                                                                                                    part: copy.barcode.hasPrefix("D") ? .audiovisual : .adultFiction, heading: nil)
                        let reasons = WeedingRules.reasons(
                            WeedingCandidate(status: copy.status, editionYear: copy.year, acquired: copy.acquired, lastLoan: copy.last, lifetimeLoans: copy.total,
                                             titleLoansHere: group.map(\.loansYear).reduce(0, +), copiesHere: group.count, rankHere: rank),
                            thresholds: policy.thresholds(for: segment), today: today)
                        if !reasons.isEmpty { expected[copy.barcode] = reasons }
                    }
                }
                let lists = WeedingLists(app.db, organisationID: org)
                let found = try await lists.candidates(branch: f.network.central, today: today, policy: policy)
                #expect(Dictionary(uniqueKeysWithValues: found.map { ($0.barcode, $0.reasons) }) == expected, "round \(round)")
                // The list made of them keeps the same lines (written by the database from the copies and titles), in the same order.
                let list = try await lists.make(branch: f.network.central, today: today, by: "x")
                #expect(try await lists.lines(of: list).map { line in
                    var line = line
                    line.id = 0
                    return line
                } == found, "round \(round)")
                #expect(found.allSatisfy { !$0.title.isEmpty && !$0.barcode.isEmpty && !$0.segment.isEmpty })
                try await lists.discard(list)
                // Each round names some copies and leaves others: the edges are on both sides.
                #expect(!expected.isEmpty && expected.count < copies.count, "round \(round)")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func twoSignOffsRacingExactlyOneSigns(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            try await setCopyCounters(app, barcode: "B1C2", total: 5, year: 0, lastLoan: "2019-01-01")
            let lists = WeedingLists(app.db, organisationID: org)
            let id = try await lists.make(branch: f.network.central, today: LocalDate(iso: "2026-12-04")!, by: "x")
            let lines = try await lists.lines(of: id)
            try await lists.review(id, lines.map { .init(line: $0.id, decision: .withdraw, note: "") }, by: "x")
            let results = await withTaskGroup(of: Bool.self) { group in
                for signer in ["een@city.test", "twee@city.test"] {
                    group.addTask { (try? await lists.signOff(id, by: signer)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            #expect(try await lists.list(id).withdrawn == lines.count)
        }
    }

    @Test(arguments: TestDatabase.all)
    func purchaseSuggestionsFollowQueuesOrdersAndDismissals(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let desk = Circulation(app.db, organisationID: org, calendars: CalendarCache(), ruleBooks: RuleBookCache())
            let dvd = try #require(f.titles["dvd-2"])
            // dvd-2 has one copy, at the central library. Both members queue for it at the district library, then more.
            let members = MemberDirectory(app.db, organisationID: org)
            var holders = [f.adult, f.youth]
            for n in 0..<3 {
                let member = try await members.register(MemberRegistration(details: MemberDraft(
                    name: "Lid \(n)", birthDate: "1990-01-0\(n + 1)", email: nil, street: "Spui 1", postcode: "2511 BT",
                    city: "Den Haag"), homeBranch: f.network.central, membershipType: "basis", card: "A10\(n)"), today: monday)
                try await desk.pay(member: member.id!, cents: 2900, at: Circulation.Desk(branch: f.network.central, now: Date()))
                holders.append(member.id!)
            }
            for member in holders {
                _ = try await desk.placeHold(member: member, title: dvd, pickup: f.network.district, at: Circulation.Desk(branch: f.network.central, now: noon("2026-12-01")))
            }
            let suggestions = PurchaseSuggestions(app.db, organisationID: org)
            var now = try await suggestions.suggestions()
            // Five holds on one copy: over 3 a copy; ⌈5/3⌉ = 2 copies needed, 1 to buy. The district has none: one for it.
            #expect(now.contains { $0.titleID == dvd && $0.reason == .queue && $0.copies == 1 && $0.holds == 5 && $0.copiesHeld == 1 })
            #expect(now.contains { $0.titleID == dvd && $0.reason == .missingAtBranch && $0.branch == f.network.district && $0.copies == 1 })
            // An order for the district counts for both rules.
            let orders = PurchaseOrders(app.db, organisationID: org)
            let order = try await orders.order(title: dvd, branch: f.network.district, copies: 1, expectedOn: LocalDate(iso: "2026-12-20"),
                                               reason: .missingAtBranch, by: "inkoop@city.test", today: LocalDate(iso: "2026-12-04")!)
            now = try await suggestions.suggestions()
            #expect(!now.contains { $0.titleID == dvd })
            #expect(try await orders.orders().map(\.id) == [order])
            // Cancelled, the order no longer counts; a dismissal hides the queue suggestion until it asks for more.
            try await orders.close(order, as: .cancelled)
            #expect(await refusal { try await orders.close(order, as: .received) }?.code == "order_closed")
            try await suggestions.dismiss(title: dvd, branch: nil, reason: .queue, copies: 1, note: "Film gaat uit de collectie", by: "x")
            now = try await suggestions.suggestions()
            #expect(!now.contains { $0.titleID == dvd && $0.reason == .queue })
            #expect(now.contains { $0.titleID == dvd && $0.reason == .missingAtBranch })
            #expect(await refusal { try await suggestions.dismiss(title: dvd, branch: nil, reason: .queue, copies: 1, note: "", by: "x") }?.field == "note")
            // Bad orders name their field.
            #expect(await refusal { _ = try await orders.order(title: dvd, branch: f.network.district, copies: 0, expectedOn: nil, reason: nil, by: "x",
                                                               today: LocalDate(iso: "2026-12-04")!) }?.field == "copies")
            #expect(await refusal { _ = try await orders.order(title: dvd, branch: f.network.townMain, copies: 1, expectedOn: nil, reason: nil, by: "x",
                                                               today: LocalDate(iso: "2026-12-04")!) }?.field == "branch")
            #expect(await refusal { _ = try await orders.order(title: dvd, branch: f.network.district, copies: 1, expectedOn: LocalDate(iso: "2026-12-01"),
                                                               reason: nil, by: "x", today: LocalDate(iso: "2026-12-04")!) }?.field == "expected_on")
        }
    }

    @Test(arguments: TestDatabase.all)
    func newEditionOfAWellUsedTitleIsSuggested(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let store = CatalogStore(app.db, organisationID: org)
            func edition(_ year: Int, copies: [String]) throws -> IncomingTitle {
                let record = TitleRecord(controlNumber: "gids-\(year)", title: "Reisgids Portugal", contributors: [Contributor(name: "Vos, Jan", isMain: true)],
                                         year: year, language: "dut", format: .book, nur: 510)
                return try IncomingTitle(marc: MARCMapping.record(for: record), record: record,
                                         holdings: copies.map { Holding(branch: "centrale", barcode: $0) })
            }
            _ = try await store.upsert([try edition(2019, copies: ["G1", "G2"]), try edition(2025, copies: [])], branches: try await store.branchesBySlug(),
                                       defaultBranch: nil)
            try await setCopyCounters(app, barcode: "G1", total: 60, year: 9, lastLoan: "2026-11-01")
            try await setCopyCounters(app, barcode: "G2", total: 30, year: 3, lastLoan: "2026-11-01")
            let suggestions = try await PurchaseSuggestions(app.db, organisationID: org).suggestions()
            let newer = try #require(suggestions.first { $0.reason == .newEdition })
            #expect(newer.title == "Reisgids Portugal" && newer.year == 2025 && newer.copies == 2 && newer.loans == 12)
            // The older edition is superseded once the newer one has a copy: its copies go on the weeding list.
            let newTitle = newer.titleID
            _ = try await store.addItem(to: newTitle, ItemDraft(barcode: "G3", branchID: f.network.central))
            let candidates = try await WeedingLists(app.db, organisationID: org).candidates(branch: f.network.central, today: LocalDate(iso: "2026-12-04")!,
                                                                                           policy: WeedingPolicy())
            #expect(candidates.filter { $0.reasons.contains(.superseded) }.map(\.barcode).sorted() == ["G1", "G2"])
            // G1 is worn too (60 loans): the list made keeps both reasons; G2 is on it for the newer edition alone.
            #expect(candidates.first { $0.barcode == "G1" }?.reasons == [.worn, .superseded])
            let lists = WeedingLists(app.db, organisationID: org)
            let list = try await lists.make(branch: f.network.central, today: LocalDate(iso: "2026-12-04")!, by: "x")
            #expect(try await lists.lines(of: list).map { "\($0.barcode) \($0.reasons)" } == candidates.map { "\($0.barcode) \($0.reasons)" })
            #expect(try await PurchaseSuggestions(app.db, organisationID: org).suggestions().contains { $0.reason == .newEdition } == false)
        }
    }

    @Test(arguments: TestDatabase.all)
    func balanceTransfersGoThroughTheTransferFlow(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let balancing = Balancing(app.db, organisationID: org)
            // Not floating: refused with the reason.
            #expect(await refusal { _ = try await balancing.makeTransfers(today: LocalDate(iso: "2026-12-04")!) }?.code == "not_floating")
            var settings = try await LoanRuleStore(app.db, organisationID: org).settings()
            settings.floating = true
            try await LoanRuleStore(app.db, organisationID: org).save(settings)
            // Central holds 12 adult-fiction books for room of 9; the district 6 for room of 8.
            let shelves = ShelfCapacities(app.db, organisationID: org)
            try await shelves.set(branch: f.network.central, part: .adultFiction, capacity: 9)
            try await shelves.set(branch: f.network.district, part: .adultFiction, capacity: 8)
            #expect(await refusal { try await shelves.set(branch: f.network.townMain, part: .adultFiction, capacity: 5) }?.field == "branch")
            #expect(await refusal { try await shelves.set(branch: f.network.district, part: .adultFiction, capacity: -1) }?.field == "capacity_adult_fiction")
            let today = LocalDate(iso: "2026-12-04")!
            #expect(try await balancing.plan(today: today) == [.init(part: .adultFiction, from: f.network.central, to: f.network.district, copies: 2)])
            for n in 1...6 { try await setCopyCounters(app, barcode: "B\(n)C1", total: 40, year: 10 - n, lastLoan: "2026-11-01") }
            let made = try await balancing.makeTransfers(today: today)
            #expect(made.count == 2)
            // The least-lent copies go (the district has every title, so none is preferred for lacking there).
            #expect(Set(made.map(\.barcode)).isSubset(of: ["B1C2", "B2C2", "B3C2", "B4C2", "B5C2", "B6C2"]))
            // Planned again, nothing more: the copies on their way count where they go.
            #expect(try await balancing.plan(today: today).isEmpty)
            #expect(try await balancing.makeTransfers(today: today).isEmpty)
            let first = made[0]
            // Not on the district's incoming list until sent.
            let views = Circulation(app.db, organisationID: org, calendars: CalendarCache(), ruleBooks: RuleBookCache())
            #expect(try await views.transfers(branch: f.network.district, incoming: true).isEmpty)
            // Picked and scanned at the central desk: in transit; a second scan is refused.
            let sent = try await balancing.send(barcode: first.barcode, at: f.network.central, staff: nil, now: noon("2026-12-04"))
            #expect(sent.sent && sent.to == f.network.district)
            #expect(await refusal { _ = try await balancing.send(barcode: first.barcode, at: f.network.central, staff: nil) }?.code == "no_balance_transfer")
            #expect(try await views.transfers(branch: f.network.district, incoming: true).map(\.barcode) == [first.barcode])
            // Received by the return scan at the district: it stays there, the collection floating.
            let received = try await views.checkin(item: first.barcode, at: Circulation.Desk(branch: f.network.district, now: noon("2026-12-05")))
            #expect(received.routing == .shelf)
            #expect(try await balancing.open().map(\.barcode) == [made[1].barcode])
            // The other is lent before it is picked: sending it is refused and it stays; unsent transfers can be cancelled.
            _ = try await views.checkout(member: f.adult, item: made[1].barcode, at: Circulation.Desk(branch: f.network.central, now: noon("2026-12-05")))
            #expect(await refusal { _ = try await balancing.send(barcode: made[1].barcode, at: f.network.central, staff: nil) }?.code == "item_in_circulation")
            #expect(try await balancing.cancelUnsent() == 1)
            #expect(try await balancing.open().isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func copiesCarryTheirTitlesShelfKeyThroughEveryWrite(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            func shelf(_ barcode: String) async throws -> (String?, Int?) {
                let row = try #require(try await app.db.sql.select().columns("shelf", "edition_year").from(Item.schema).where("barcode", .equal, barcode).first())
                return (try row.decode(column: "shelf", as: String?.self), try row.decode(column: "edition_year", as: Int?.self))
            }
            // Imported copies carry it.
            #expect(try await shelf("B1C1") == ("book.adult_fiction.-", nil))
            #expect(try await shelf("D1C1") == ("dvd.audiovisual.-", nil))
            // A title changed through the catalogue: its copies change with it, in the same transaction.
            let store = CatalogStore(app.db, organisationID: org)
            let book = try #require(f.titles["book-1"])
            let record = TitleRecord(controlNumber: "book-1", title: "Boek 1", year: 2012, language: "dut", format: .book, audience: .children, nur: 282)
            try await store.update(book, with: try IncomingTitle(marc: MARCMapping.record(for: record), record: record, holdings: []))
            #expect(try await shelf("B1C1") == ("book.youth_fiction.280", 2012))
            #expect(try await shelf("B1O1") == ("book.youth_fiction.280", 2012))
            // A copy added to a title carries it.
            _ = try await store.addItem(to: book, ItemDraft(barcode: "B1N1", branchID: f.network.central))
            #expect(try await shelf("B1N1") == ("book.youth_fiction.280", 2012))
            // Copies written straight into the table have none: the report counts them through their titles all the same,
            // and `fill` gives them theirs.
            let policy = WeedingPolicy()
            let keyed = try await SegmentReport(app.db, organisationID: org).rows(today: monday, policy: policy)
            try await app.db.sql.update(Item.schema).set("shelf", to: SQLLiteral.null).set("edition_year", to: SQLLiteral.null)
                .where("organisation_id", .equal, org).run()
            #expect(Set(try await SegmentReport(app.db, organisationID: org).rows(today: monday, policy: policy)) == Set(keyed))
            #expect(try await ShelfKeys.fill(organisation: org, on: app.db) == 25)
            #expect(try await shelf("B1C1") == ("book.youth_fiction.280", 2012))
            #expect(try await ShelfKeys.fill(organisation: org, on: app.db) == 0)
            #expect(Set(try await SegmentReport(app.db, organisationID: org).rows(today: monday, policy: policy)) == Set(keyed))
            // The migration runs again after being stopped halfway (columns and indexes there, some copies without a key).
            try await app.db.sql.update(Item.schema).set("shelf", to: SQLLiteral.null).where("barcode", .equal, "B1O1").run()
            try await AddShelfKeys().prepare(on: app.db)
            #expect(try await shelf("B1O1") == ("book.youth_fiction.280", 2012))
        }
    }
}
