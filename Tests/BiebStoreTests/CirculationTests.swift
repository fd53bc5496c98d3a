import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

/// Monday 23 November 2026 at noon in The Hague, and days after.
func noon(_ iso: String) -> Date { LocalClock.instant(of: LocalDate(iso: iso)!, minute: 12 * 60, in: BranchCalendar.amsterdam) }
let monday = LocalDate(iso: "2026-11-23")!

func refusal(_ body: () async throws -> Void) async -> BiebError? {
    do {
        try await body()
        return nil
    } catch let error as BiebError {
        return error
    } catch {
        Issue.record("unexpected \(error)")
        return nil
    }
}

@Suite("Circulation") struct CirculationTests {
    @Test(arguments: TestDatabase.all)
    func lendRenewReturnWithRulesAndFines(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let central = Circulation.Desk(branch: f.network.central, now: noon("2026-11-23"))
            let member = try await desk.member(card: CirculationFixture.adultCard.lowercased())
            #expect(member.id == f.adult)
            #expect(member.balanceCents == 0)   // the basic membership's yearly fee, paid
            #expect(try await desk.account(member: f.adult).fees.map(\.amountCents) == [-2900, 2900])

            // A book for 21 days (central is open every day in self-service); a DVD for 7.
            let book = try await desk.checkout(member: f.adult, item: "B1C1", at: central)
            #expect(book.dueOn == LocalDate(iso: "2026-12-14"))
            let dvd = try await desk.checkout(member: f.adult, item: "D1C1", at: central)
            #expect(dvd.dueOn == LocalDate(iso: "2026-11-30"))
            // At the district library (staffed Tue–Fri) 21 days from Monday is a Monday: moved to Tuesday.
            let district = Circulation.Desk(branch: f.network.district, now: noon("2026-11-23"))
            let there = try await desk.checkout(member: f.adult, item: "B2O1", at: district)
            #expect(there.dueOn == LocalDate(iso: "2026-12-15"))

            // Limits name their rule.
            _ = try await desk.checkout(member: f.adult, item: "D2C1", at: central)
            let dvdLimit = await refusal { _ = try await desk.checkout(member: f.adult, item: "D3C1", at: central) }
            #expect(dvdLimit?.code == "loan_limit_of_type")
            #expect(dvdLimit?.messageNL == "Maximum van 2 uitleningen van dvd's bereikt (regel: basis / alle vestigingen / dvd's).")
            _ = try await desk.checkout(member: f.adult, item: "B3C1", at: central)
            let limit = await refusal { _ = try await desk.checkout(member: f.adult, item: "B4C1", at: central) }
            #expect(limit?.code == "loan_limit")
            #expect(limit?.message == "Loan limit of 5 reached (rule: basic / all branches / all materials).")
            #expect(try await desk.member(f.adult).loanCount == 5)

            // The same copy twice: already on loan (to this member: renew instead; to another: on loan).
            #expect(await refusal { _ = try await desk.checkout(member: f.adult, item: "B1C1", at: central) }?.code == "already_lent_to_member")
            #expect(await refusal { _ = try await desk.checkout(member: f.youth, item: "B1C1", at: central) }?.code == "item_on_loan")
            #expect(await refusal { _ = try await desk.checkout(member: f.youth, item: "NOPE", at: central) }?.code == "item_not_found")

            // Renew: from today, twice for books, once for DVDs.
            let later = Circulation.Desk(branch: f.network.central, now: noon("2026-12-01"))
            let renewed = try await desk.renew(loan: book.loanID, at: later)
            #expect(renewed.dueOn == LocalDate(iso: "2026-12-22"))
            #expect(renewed.renewals == 1)
            // Again the same day: the due date would stay 22 December, so it is refused and uses up nothing.
            let again = await refusal { _ = try await desk.renew(loan: book.loanID, at: later) }
            #expect(again?.code == "renewal_not_extending")
            #expect(again?.messageNL == "Verlengen verandert de inleverdatum nu niet: die blijft 22 december 2026. Verleng dichter bij die datum.")
            #expect(try await desk.account(member: f.adult, now: noon("2026-12-01")).loans.first { $0.loanID == book.loanID }?.renewals == 1)
            let weekLater = Circulation.Desk(branch: f.network.central, now: noon("2026-12-08"))
            #expect(try await desk.renew(loan: book.loanID, at: weekLater).dueOn == LocalDate(iso: "2026-12-29"))
            #expect(await refusal { _ = try await desk.renew(loan: book.loanID, at: weekLater) }?.code == "renewal_limit")
            _ = try await desk.renew(loan: dvd.loanID, at: later)
            #expect(await refusal { _ = try await desk.renew(loan: dvd.loanID, member: f.youth, at: later) }?.code == "not_your_loan")

            // Returned 4 days late at the district library: € 1 fine; the copy goes home in transit.
            let late = Circulation.Desk(branch: f.network.district, now: noon("2026-12-12"))
            let back = try await desk.checkin(item: "D1C1", at: late)
            #expect(back.daysLate == 4)
            #expect(back.fineCents == 100)
            #expect(back.routing == .transit(to: f.network.central, hold: nil))
            let account = try await desk.account(member: f.adult, now: noon("2026-12-12"))
            #expect(account.loans.count == 4)
            #expect(account.member.balanceCents == 100)
            #expect(account.fees.first?.kind == .overdue)
            // Received at home: on the shelf again.
            let home = try await desk.checkin(item: "D1C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-12-13")))
            #expect(home.loanID == nil)
            #expect(home.routing == .shelf)
            #expect(try await desk.transfers(branch: f.network.central, incoming: true).isEmpty)

            // Youth: no fee, no fines.
            #expect(try await desk.member(f.youth).balanceCents == 0)
            _ = try await desk.checkout(member: f.youth, item: "B5C1", at: central)
            let youthBack = try await desk.checkin(item: "B5C1", at: Circulation.Desk(branch: f.network.central, now: noon("2027-01-30")))
            #expect(youthBack.daysLate > 30)
            #expect(youthBack.fineCents == 0)

            // Every change left an event.
            let events = try await CirculationEvent.query(on: app.db).filter(\.$organisationID == f.network.city).all()
            #expect(events.filter { $0.kind == "checkout" }.count == 6)
            #expect(events.filter { $0.kind == "return" }.count == 2)
            #expect(events.filter { $0.kind == "renew" }.count == 3)
        }
    }

    /// The daily fines run: loans still out and overdue get their fine brought up to date (youth exempt), nothing
    /// else; running it again the same day changes nothing.
    @Test(arguments: TestDatabase.all)
    func finesOfLoansStillOutAccrueDaily(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let central = Circulation.Desk(branch: f.network.central, now: noon("2026-11-23"))
            _ = try await desk.checkout(member: f.adult, item: "B1C1", at: central)   // due 14 December
            _ = try await desk.checkout(member: f.adult, item: "D1C1", at: central)   // due 30 November
            _ = try await desk.checkout(member: f.adult, item: "D2C1", at: central)   // due 30 November, returned in time
            _ = try await desk.checkout(member: f.youth, item: "D3C1", at: central)   // due 30 November, youth: no fines
            _ = try await desk.checkin(item: "D2C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-11-29")))
            func balance(_ member: UUID) async throws -> Int { try await desk.member(member).balanceCents }

            // Nothing overdue yet.
            #expect(try await desk.accrueFines(now: noon("2026-11-30")) == 0)
            #expect(try await balance(f.adult) == 0)

            // A week on: the adult's DVD and the youth's are overdue; only the adult pays, and the fine is an overdue fee.
            #expect(try await desk.accrueFines(now: noon("2026-12-07")) == 2)
            let week = try await balance(f.adult)
            #expect(week > 0)
            #expect(try await desk.account(member: f.adult, now: noon("2026-12-07")).fees.first?.kind == .overdue)
            #expect(try await balance(f.youth) == 0)
            // Again the same day: brought up to date, not added again.
            #expect(try await desk.accrueFines(now: noon("2026-12-07")) == 2)
            #expect(try await balance(f.adult) == week)

            // Later the book is overdue too, and the DVD's fine has reached the € 3 a loan at most.
            #expect(try await desk.accrueFines(now: noon("2027-01-20")) == 3)
            #expect(try await balance(f.adult) == 600)
            #expect(try await balance(f.youth) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func holdIsTrappedOnReturnSentAndCollected(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let central = Circulation.Desk(branch: f.network.central, now: noon("2026-11-23"))
            let dvd = try #require(f.titles["dvd-1"])
            // The only copy is out; the youth member holds it for pickup at the district library.
            let loan = try await desk.checkout(member: f.adult, item: "D1C1", at: central)
            let hold = try await desk.placeHold(member: f.youth, title: dvd, pickup: f.network.district, at: central)
            #expect(hold.status == .waiting)
            #expect(try await desk.account(member: f.youth).holds.first?.position == 1)
            // Someone waits: no renewal (asked a few days into the loan, when it would extend it).
            let friday = Circulation.Desk(branch: f.network.central, now: noon("2026-11-27"))
            #expect(await refusal { _ = try await desk.renew(loan: loan.loanID, at: friday) }?.code == "held_for_others")
            #expect(await refusal {
                _ = try await desk.placeHold(member: f.youth, title: dvd, pickup: f.network.central, at: central)
            }?.code == "hold_exists")

            // Returned at the central library: trapped at once and sent to the district library.
            let back = try await desk.checkin(item: "D1C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-11-25")))
            #expect(back.routing == .transit(to: f.network.district, hold: hold.id!))
            #expect(try await Hold.find(hold.id, on: app.db)?.status == .inTransit)
            let incoming = try await desk.transfers(branch: f.network.district, incoming: true)
            #expect(incoming.map(\.barcode) == ["D1C1"])
            // Each line says where it comes from and since when it is under way.
            #expect(incoming.map(\.branch) == [f.network.central])
            #expect(incoming.map(\.holdID) == [hold.id])
            #expect(incoming.allSatisfy { $0.since != nil && $0.memberName == nil && $0.until == nil })
            // Nobody else may take it meanwhile.
            #expect(await refusal { _ = try await desk.checkout(member: f.adult, item: "D1C1", at: central) }?.code == "item_unavailable")

            // Received at the district library (Thursday): on the hold shelf for 7 opening days (Tue–Fri there).
            let districtDesk = Circulation.Desk(branch: f.network.district, now: noon("2026-11-26"))
            let received = try await desk.checkin(item: "D1C1", at: districtDesk)
            // Opening days after Thursday 26: Fri 27, Tue 1, Wed 2, Thu 3, Fri 4, Tue 8, Wed 9.
            #expect(received.routing == .holdShelf(hold: hold.id!, until: LocalDate(iso: "2026-12-09")!))
            let shelf = try await desk.holdShelf(branch: f.network.district)
            #expect(shelf.map(\.memberName) == ["Bram Jansen"])
            #expect(shelf.map(\.until) == [LocalDate(iso: "2026-12-09")])
            #expect(shelf.map(\.branch) == [f.network.district])
            #expect(try await desk.transfers(branch: f.network.district, incoming: true).isEmpty)
            #expect(await refusal { _ = try await desk.checkout(member: f.adult, item: "D1C1", at: districtDesk) }?.code == "item_held")

            // Collected: the hold is fulfilled and counts no more.
            let collected = try await desk.checkout(member: f.youth, item: "D1C1", at: districtDesk)
            #expect(collected.filledHold == hold.id)
            #expect(try await Hold.find(hold.id, on: app.db)?.status == .fulfilled)
            #expect(try await desk.member(f.youth).holdCount == 0)
            #expect(try await desk.holdShelf(branch: f.network.district).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func copyOnAShelfIsSetAsideAndExpiredHoldsPassOn(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let central = Circulation.Desk(branch: f.network.central, now: noon("2026-11-23"))
            let book = try #require(f.titles["book-1"])
            // Copies of book-1: two at central, one at the district library. A hold for pickup at central takes one of central's.
            let first = try await desk.placeHold(member: f.adult, title: book, pickup: f.network.central, at: central)
            #expect(first.status == .allocated)
            let (toPick, _) = try await desk.pickList(branch: f.network.central)
            #expect(toPick.count == 1)
            let picked = try #require(toPick.first)
            #expect(picked.branch == f.network.central && picked.holdID == first.id && picked.since != nil)
            #expect(picked.barcode.hasSuffix("C1") || picked.barcode.hasSuffix("C2"))
            // Scanned from the pick list: onto the hold shelf here.
            let shelved = try await desk.checkin(item: picked.barcode, at: central)
            guard case .holdShelf(let holdID, _) = shelved.routing else { Issue.record("not on the hold shelf: \(shelved.routing)"); return }
            #expect(holdID == first.id)
            #expect(try await desk.pickList(branch: f.network.central).toPick.isEmpty)

            // A second member waits for the same title with pickup at central, a third with only-local copies at the district library.
            let second = try await desk.placeHold(member: f.youth, title: book, pickup: f.network.central, at: central)
            #expect(second.status == .allocated)   // the other central copy
            _ = try await desk.checkin(item: try #require(try await desk.pickList(branch: f.network.central).toPick.first).barcode, at: central)

            // Not collected: a week of opening days later the first hold expires; the copy stays on the shelf for nobody.
            let ended = try await desk.expireHolds(now: noon("2026-12-10"))
            #expect(ended == 2)
            #expect(try await Hold.find(first.id, on: app.db)?.status == .expired)
            #expect(try await desk.member(f.adult).holdCount == 0)
            let (_, toClear) = try await desk.pickList(branch: f.network.central)
            #expect(Set(toClear.map(\.barcode)) == ["B1C1", "B1C2"])
            // Cleared from the hold shelf with a scan: back on the open shelf.
            #expect(try await desk.checkin(item: "B1C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-12-10"))).routing == .shelf)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aLongQueueIsReadInPagesWithoutSkippingHoldsPlacedAtOneInstant(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let desk = Circulation.Desk(branch: f.network.central, now: noon("2026-11-24"))
            let circulation = Circulation(app.db, organisationID: org)
            let title = try #require(f.titles["dvd-6"])
            _ = try await circulation.checkout(member: f.adult, item: "D6C1", at: desk)
            // 60 holds paused until next year, then one that can take the copy: all placed at the same instant, so
            // the queue (read 50 at a time) must page past the first 50 on ties alone.
            let sql = app.db as! any SQLDatabase
            // Holds placed at one instant that does not come back from the database exactly as it went in (on SQLite a
            // `Date` read back and bound again may miss the stored value by a rounding step): paging by a value read back
            // would skip the tied holds after the first page. The instant is found by trying.
            func addMember() async throws -> UUID {
                let member = UUID()
                try await sql.raw("""
                    INSERT INTO members (id, organisation_id, name, name_key, birth_date, street, postcode, city, home_branch_id, membership_type_id,
                        membership_start, membership_end, balance_cents, loan_count, hold_count, created_at, updated_at)
                    SELECT \(bind: member), organisation_id, 'Lid', 'lid', '1980-01-01', 'Spui 1', '2511 BT', 'Den Haag', home_branch_id,
                        membership_type_id, membership_start, membership_end, 0, 0, 1, created_at, updated_at FROM members WHERE id = \(bind: f.adult)
                    """).run()
                return member
            }
            func addHold(placed: Date, paused: Bool) async throws -> Int {
                try await sql.insert(into: Hold.schema)
                    .columns("organisation_id", "title_id", "member_id", "pickup_branch_id", "local_only", "status", "placed_at", "expires_on",
                             "suspended_until", "updated_at")
                    .values(SQLBind(org), SQLBind(title), SQLBind(try await addMember()), SQLBind(f.network.central), SQLBind(false),
                            SQLBind("waiting"), SQLBind(placed), SQLBind("2027-06-01"), SQLBind(paused ? "2027-01-01" : nil), SQLBind(placed))
                    .returning("id").first()!.decode(column: "id", as: Int.self)
            }
            var placed = Date()
            let first = try await addHold(placed: placed, paused: true)
            for _ in 0..<500 {
                let readBack = try await sql.raw("SELECT placed_at FROM holds WHERE id = \(bind: first)").first()!.decode(column: "placed_at", as: Date.self)
                if try await sql.raw("SELECT id FROM holds WHERE id = \(bind: first) AND placed_at = \(bind: readBack)").first() == nil { break }
                placed = placed.addingTimeInterval(0.000_137)
                try await sql.raw("UPDATE holds SET placed_at = \(bind: placed) WHERE id = \(bind: first)").run()
            }
            var last = 0
            for n in 1...60 { last = try await addHold(placed: placed, paused: n < 60) }
            let back = try await circulation.checkin(item: "D6C1", at: desk)
            let filled = try #require(try await Hold.find(last, on: app.db))
            #expect(filled.status == .ready)
            #expect(back.routing == .holdShelf(hold: last, until: try #require(filled.readyUntil.flatMap(LocalDate.init(iso:)))))
        }
    }

    @Test(arguments: TestDatabase.all)
    func expiredHoldGoesToTheNextInLine(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let central = Circulation.Desk(branch: f.network.central, now: noon("2026-11-23"))
            let dvd = try #require(f.titles["dvd-2"])
            _ = try await desk.checkout(member: f.adult, item: "D2C1", at: central)
            let first = try await desk.placeHold(member: f.youth, title: dvd, pickup: f.network.central, at: central)
            let members = MemberDirectory(app.db, organisationID: f.network.city)
            let third = try await members.register(MemberRegistration(details: MemberDraft(name: "Cor Bakker", birthDate: "1970-01-01",
                street: "Spui 1", postcode: "2511 BT", city: "Den Haag"), homeBranch: f.network.central, membershipType: "volledig", card: "C0001"),
                today: monday)
            try await desk.pay(member: third.id!, cents: 5400, at: central)
            let second = try await desk.placeHold(member: third.id!, title: dvd, pickup: f.network.central,
                                                  at: Circulation.Desk(branch: f.network.central, now: noon("2026-11-24")))
            _ = try await desk.checkin(item: "D2C1", at: Circulation.Desk(branch: f.network.central, now: noon("2026-11-25")))
            #expect(try await Hold.find(first.id, on: app.db)?.status == .ready)
            #expect(try await Hold.find(second.id, on: app.db)?.status == .waiting)
            // The first member does not come; on expiry the second gets the copy on the hold shelf at once.
            _ = try await desk.expireHolds(now: noon("2026-12-20"))
            #expect(try await Hold.find(first.id, on: app.db)?.status == .expired)
            let next = try #require(try await Hold.find(second.id, on: app.db))
            #expect(next.status == .ready)
            #expect(next.readyUntil.flatMap(LocalDate.init(iso:)) ?? monday > LocalDate(iso: "2026-12-20")!)
            #expect(try await desk.holdShelf(branch: f.network.central).map(\.memberName) == ["Cor Bakker"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func feesBlockPaymentsAndWaiversUnblock(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday, feePaid: false)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let central = Circulation.Desk(branch: f.network.central, staff: UUID(), now: noon("2026-11-23"))
            // € 29 membership fee is over the € 10 limit: no lending until (part) paid.
            let blocked = await refusal { _ = try await desk.checkout(member: f.adult, item: "B1C1", at: central) }
            #expect(blocked?.code == "fees_over_limit")
            #expect(blocked?.messageNL == "Openstaand bedrag € 29,00 is hoger dan € 10,00; eerst (deels) betalen.")
            #expect(await refusal { try await desk.pay(member: f.adult, cents: 5000, at: central) }?.field == "amount_cents")
            try await desk.pay(member: f.adult, cents: 2000, at: central)
            #expect(try await desk.member(f.adult).balanceCents == 900)
            _ = try await desk.checkout(member: f.adult, item: "B1C1", at: central)
            #expect(await refusal { try await desk.waive(member: f.adult, cents: 100, reason: " ", at: central) }?.field == "reason")
            try await desk.waive(member: f.adult, cents: 900, reason: "Eerste keer te laat", at: central)
            let account = try await desk.account(member: f.adult)
            #expect(account.member.balanceCents == 0)
            #expect(account.fees.map(\.kind) == [.waiver, .payment, .membership])
            #expect(account.fees.map(\.amountCents).reduce(0, +) == 0)

            // Lost: the price is charged; found again later: refunded.
            let loan = try await desk.account(member: f.adult).loans[0]
            try await desk.markLost(loan: loan.loanID, at: central)
            #expect(try await desk.member(f.adult).balanceCents == 2000)
            #expect(try await desk.member(f.adult).loanCount == 0)
            #expect(try await desk.item(barcode: "B1C1").status == .lost)
            let found = try await desk.checkin(item: "B1C1", at: central)
            #expect(found.routing == .shelf)
            #expect(try await desk.member(f.adult).balanceCents == 0)

            // A manual block stops lending with its reason.
            try await MemberDirectory(app.db, organisationID: f.network.city).block(f.adult, reason: "Adres onbekend")
            #expect(await refusal { _ = try await desk.checkout(member: f.adult, item: "B2C1", at: central) }?.messageNL == "Geblokkeerd: Adres onbekend")
            // A lost card cannot be used.
            try await MemberDirectory(app.db, organisationID: f.network.city).reportLost(card: CirculationFixture.youthCard)
            #expect(await refusal { _ = try await desk.member(card: CirculationFixture.youthCard) }?.code == "card_lost")
        }
    }
}
