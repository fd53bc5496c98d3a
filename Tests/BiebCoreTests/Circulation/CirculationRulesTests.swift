import Foundation
import Testing
@testable import BiebCore

@Suite struct LoanRuleTests {
    let central = UUID(), district = UUID()

    func book() -> LoanRuleBook {
        LoanRuleBook(rules: [
            LoanRule(scope: LoanRuleScope(category: "adult-basic"), terms: LoanTerms(maxLoans: 10),
                     label: .init(en: "adult basic / all branches / all types", nl: "volwassen basis / alle vestigingen / alle soorten")),
            LoanRule(scope: LoanRuleScope(itemType: "dvd"), terms: LoanTerms(loanDays: 7, maxRenewals: 1, maxLoansOfType: 3, finePerDayCents: 50),
                     label: .init(en: "all members / all branches / DVDs", nl: "alle leden / alle vestigingen / dvd's")),
            LoanRule(scope: LoanRuleScope(branch: district, itemType: "dvd"), terms: LoanTerms(loanDays: 14),
                     label: .init(en: "all members / district / DVDs", nl: "alle leden / wijk / dvd's")),
            LoanRule(scope: LoanRuleScope(category: "adult-basic", itemType: "dvd"), terms: LoanTerms(maxLoansOfType: 2),
                     label: .init(en: "adult basic / all branches / DVDs", nl: "volwassen basis / alle vestigingen / dvd's")),
        ], defaults: LoanTerms(loanDays: 21, maxRenewals: 2, maxLoans: 20))
    }

    @Test func mostSpecificRuleWinsPerTerm() {
        let policy = book().policy(branch: district, category: "adult-basic", itemType: "dvd")
        #expect(policy.loanDays == 14)                       // branch + type beats type
        #expect(policy.source(.loanDays).en == "all members / district / DVDs")
        #expect(policy.maxLoansOfType == 2)                  // category + type beats type
        #expect(policy.maxRenewals == 1)                     // only the type rule sets it
        #expect(policy.finePerDayCents == 50)
        #expect(policy.maxLoans == 10)                       // the category rule
        #expect(policy.maxHolds == LoanTerms.standard.maxHolds) // nothing sets it: standard defaults
        #expect(policy.source(.maxHolds) == LoanRuleBook.defaultsLabel)
    }

    @Test func defaultsWhereNoRuleMatches() {
        let policy = book().policy(branch: central, category: "adult-full", itemType: "book")
        #expect(policy.loanDays == 21)
        #expect(policy.maxLoans == 20)
        #expect(policy.source(.loanDays) == LoanRuleBook.defaultsLabel)
        let dvdCentral = book().policy(branch: central, category: "adult-full", itemType: "dvd")
        #expect(dvdCentral.loanDays == 7)
    }

    @Test func refusalsNameTheRule() {
        let policy = book().policy(branch: central, category: "adult-basic", itemType: "dvd")
        let limit = Refusal.loanLimit(policy)
        #expect(limit.code == "loan_limit")
        #expect(limit.message == "Loan limit of 10 reached (rule: adult basic / all branches / all types).")
        #expect(limit.messageNL == "Maximum van 10 uitleningen bereikt (regel: volwassen basis / alle vestigingen / alle soorten).")
        let type = Refusal.typeLimit(policy, type: .dvd)
        #expect(type.message == "Limit of 2 loans of DVDs reached (rule: adult basic / all branches / DVDs).")
        #expect(type.kind == .conflict)
    }

    @Test func termsAreChecked() {
        #expect(throws: BiebError.self) { try LoanTerms(loanDays: 0).validate() }
        #expect(throws: BiebError.self) { try LoanTerms(finePerDayCents: -1).validate() }
        #expect((try? LoanTerms.standard.validate()) != nil)
        do {
            try LoanTerms(maxLoans: 5000).validate(field: "rules[2].terms")
            Issue.record("accepted 5000 loans")
        } catch let error as BiebError {
            #expect(error.field == "rules[2].terms.max_loans")
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Suite struct CirculationRuleTests {
    /// Staffed Tuesday–Saturday; self-service also on Monday; closed Sunday; closed on Christmas.
    let calendar = BranchCalendar(schedules: [WeeklySchedule(name: "Standaard", periods:
        week([.tuesday, .wednesday, .thursday, .friday, .saturday], "10:00", "17:00", .staffed)
        + week([.monday], "08:00", "22:00", .selfService))],
        exceptions: [CalendarException(startDate: d("2026-12-25"), endDate: d("2026-12-26"), reason: "Kerst")])

    @Test func dueDatesFallOnOpeningDays() {
        // Thursday 3 December + 21 days = Thursday 24 December: open.
        #expect(DueDates.due(from: d("2026-12-03"), days: 21, calendar: calendar, selfServiceReturns: true) == d("2026-12-24"))
        // Friday 4 December + 21 = Christmas (closed), Saturday 26 closed, Sunday closed, Monday 28 self-service.
        #expect(DueDates.due(from: d("2026-12-04"), days: 21, calendar: calendar, selfServiceReturns: true) == d("2026-12-28"))
        // Without self-service returns the Monday does not count: Tuesday 29.
        #expect(DueDates.due(from: d("2026-12-04"), days: 21, calendar: calendar, selfServiceReturns: false) == d("2026-12-29"))
        // The end of the due day in Amsterdam: 23:59:59 CET.
        #expect(DueDates.endOfDay(d("2026-12-28"), in: BranchCalendar.amsterdam) == utc("2026-12-28T22:59:59Z"))
    }

    @Test func finesCountDaysUpToTheMaximum() {
        let policy = LoanRuleBook(rules: [], defaults: LoanTerms(finePerDayCents: 25, maxFineCents: 300, youthExemptFromFines: true))
            .policy(branch: UUID(), category: "adult", itemType: "book")
        #expect(Fines.overdue(due: d("2026-12-01"), returned: d("2026-12-01"), policy: policy, youth: false) == (0, 0))
        #expect(Fines.overdue(due: d("2026-12-01"), returned: d("2026-11-20"), policy: policy, youth: false) == (0, 0))
        #expect(Fines.overdue(due: d("2026-12-01"), returned: d("2026-12-05"), policy: policy, youth: false) == (4, 100))
        #expect(Fines.overdue(due: d("2026-12-01"), returned: d("2027-01-30"), policy: policy, youth: false) == (60, 300))
        #expect(Fines.overdue(due: d("2026-12-01"), returned: d("2026-12-05"), policy: policy, youth: true) == (4, 0))
    }

    @Test func blocksInOrderWithPlainMessages() {
        let blocks = MemberBlock.blocks(cardLost: true, membershipEnd: d("2026-11-30"), today: d("2026-12-01"),
                                        balanceCents: 1250, limitCents: 1000, manualReason: "Adres onbekend")
        #expect(blocks.map(\.code) == ["member_blocked", "card_lost", "membership_expired", "fees_over_limit"])
        #expect(blocks[2].message(dutch: true) == "Het abonnement is verlopen op 30 november 2026.")
        #expect(blocks[3].message(dutch: true) == "Openstaand bedrag € 12,50 is hoger dan € 10,00; eerst (deels) betalen.")
        #expect(MemberBlock.blocks(cardLost: false, membershipEnd: d("2026-12-01"), today: d("2026-12-01"),
                                   balanceCents: 1000, limitCents: 1000, manualReason: nil).isEmpty)
        #expect(Refusal.blocked(blocks[1]).code == "card_lost")
    }

    @Test func holdQueueRespectsItemLocalAndSuspension() {
        let here = UUID(), there = UUID()
        let copy = HoldQueue.Copy(itemID: 7, owningBranch: there)
        let holds = [
            HoldQueue.Hold(id: 1, pickupBranch: here, suspendedUntil: d("2026-12-10")),  // suspended
            HoldQueue.Hold(id: 2, itemID: 8, pickupBranch: here),                        // wants another copy
            HoldQueue.Hold(id: 3, pickupBranch: here, localOnly: true),                  // only copies of its branch
            HoldQueue.Hold(id: 4, pickupBranch: here),
            HoldQueue.Hold(id: 5, pickupBranch: there),
        ]
        #expect(HoldQueue.first(of: holds, for: copy, today: d("2026-12-01"))?.id == 4)
        #expect(HoldQueue.first(of: holds, for: copy, today: d("2026-12-10"))?.id == 1)  // resumed that day
        #expect(HoldQueue.first(of: holds, for: HoldQueue.Copy(itemID: 8, owningBranch: here), today: d("2026-12-01"))?.id == 2)
        #expect(HoldQueue.first(of: Array(holds.prefix(3)), for: copy, today: d("2026-12-01")) == nil)
    }

    @Test func moneyAndDates() {
        #expect(Money.text(125) == "€ 1,25")
        #expect(Money.text(-5) == "-€ 0,05")
        #expect(Money.text(120000) == "€ 1200,00")
        #expect(d("2008-12-02").age(on: d("2026-12-01")) == 17)
        #expect(d("2008-12-01").age(on: d("2026-12-01")) == 18)
    }

    @Test func amountsTypedInEuros() throws {
        #expect(try Money.cents(euros: "12,50") == 1250)
        #expect(try Money.cents(euros: "€ 3") == 300)
        #expect(try Money.cents(euros: "0.5") == 50)
        #expect(try Money.cents(euros: " 1000,00 ") == 100_000)
        // (Moved here from the desk pages' tests with the rule itself.)
        for bad in ["", "0", "0,00", "1,234", "12,5a", "-3", "1001", "1.2.3", "€", "12,505", "-1", "1.000,00", "abc", "2000"] {
            #expect(throws: BiebError.self, "\(bad)") { try Money.cents(euros: bad) }
        }
        let named = #expect(throws: BiebError.self) { try Money.cents(euros: "x", field: "price") }
        #expect(named?.field == "price")
    }
}

@Suite struct MemberRuleTests {
    let today = d("2026-11-22")

    func draft(_ change: (inout MemberDraft) -> Void = { _ in }) -> MemberDraft {
        var draft = MemberDraft(name: " Sanne de Vries ", birthDate: "1990-04-12", email: "Sanne@Example.NL", phone: "06-12345678",
                                street: "Spui 68", postcode: "2511bt", city: "Den Haag")
        change(&draft)
        return draft
    }

    func field(_ draft: MemberDraft) -> String? {
        do {
            _ = try draft.validated(today: today)
            return nil
        } catch let error as BiebError {
            return error.field
        } catch {
            return "?"
        }
    }

    @Test func validDraftIsNormalised() throws {
        let member = try draft().validated(today: today)
        #expect(member.name == "Sanne de Vries")
        #expect(member.postcode == "2511 BT")
        #expect(member.email == "sanne@example.nl")
        #expect(member.birthDate == d("1990-04-12"))
    }

    @Test func everyBadFieldIsNamed() {
        #expect(field(draft { $0.name = "  " }) == "name")
        #expect(field(draft { $0.birthDate = "12-04-1990" }) == "birth_date")
        #expect(field(draft { $0.birthDate = "2027-01-01" }) == "birth_date")
        #expect(field(draft { $0.birthDate = "1890-01-01" }) == "birth_date")
        #expect(field(draft { $0.email = "sanne@" }) == "email")
        #expect(field(draft { $0.phone = "bel me" }) == "phone")
        #expect(field(draft { $0.street = "" }) == "street")
        #expect(field(draft { $0.postcode = "0123 AB" }) == "postcode")
        #expect(field(draft { $0.city = "" }) == "city")
        #expect(field(draft { $0.email = ""; $0.phone = nil }) == nil)
    }

    @Test func youthIsFreeAndMembershipsLastAYear() throws {
        #expect(Membership.fee(yearlyCents: 5400, birthDate: d("2010-01-01"), on: today) == 0)
        #expect(Membership.fee(yearlyCents: 5400, birthDate: d("2008-11-22"), on: today) == 5400)   // 18 today
        #expect(Membership.end(startingOn: d("2026-11-22")) == d("2027-11-21"))
        #expect(Membership.end(startingOn: d("2028-02-29")) == d("2029-02-28"))
        #expect(Membership.renewedEnd(currentEnd: d("2026-12-31"), today: today) == d("2027-12-31"))
        #expect(Membership.renewedEnd(currentEnd: d("2026-01-31"), today: today) == d("2027-11-21"))
        #expect(try Membership.cardBarcode(" 2000123456 ") == "2000123456")
        #expect(throws: BiebError.self) { try Membership.cardBarcode("12") }
        #expect(throws: BiebError.self) { try Membership.cardBarcode("2000-1234") }
    }
}
