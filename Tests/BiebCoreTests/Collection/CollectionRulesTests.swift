import Foundation
import Testing
import BiebCore

@Suite("Collection plan rules") struct CollectionRulesTests {
    let today = LocalDate(year: 2026, month: 12, day: 4)!

    // MARK: Segments

    @Test func segmentOfATitle() {
        let novel = ShelfSegment(formatCode: "book", audienceCode: nil, nur: 305)
        #expect(novel == ShelfSegment(format: .book, part: .adultFiction, heading: 300))
        #expect(novel.key == "book.adult_fiction.300")
        let picture = ShelfSegment(formatCode: "book", audienceCode: "preschool", nur: 281)
        #expect(picture.part == .youthFiction && picture.heading == 280)
        let film = ShelfSegment(formatCode: "dvd", audienceCode: "children", nur: nil)
        #expect(film == ShelfSegment(format: .dvd, part: .audiovisual, heading: nil))
        #expect(film.key == "dvd.audiovisual.-")
        // An unknown format counts as other, as in the statistics.
        #expect(ShelfSegment(formatCode: "scroll", audienceCode: nil, nur: 500).format == .other)
    }

    @Test(arguments: ["book.adult_fiction.300", "dvd.audiovisual.-", "sheet_music.sheet_music.780"])
    func keysRoundTrip(key: String) {
        #expect(ShelfSegment(key: key)?.key == key)
    }

    @Test(arguments: ["", "book", "book.adult_fiction", "book.adult_fiction.305", "book.nonsense.300", "tape.adult_fiction.300",
                      "book.adult_fiction.x", "book.adult_fiction.300.1"])
    func badKeysAreRefused(key: String) {
        #expect(ShelfSegment(key: key) == nil)
    }

    @Test func headingsAreTheTens() {
        #expect(ShelfSegment.heading(nur: 301) == 300)
        #expect(ShelfSegment.heading(nur: 300) == 300)
        #expect(ShelfSegment.heading(nur: 9) == 0)
        #expect(ShelfSegment.heading(nur: 999) == 990)
        #expect(ShelfSegment.heading(nur: nil) == nil)
        #expect(ShelfSegment.heading(nur: 1000) == nil)
        #expect(ShelfSegment.headingName(300) == "NUR 300 Literaire fictie")
        #expect(ShelfSegment.headingName(500, english: true) == "NUR 500")
        #expect(ShelfSegment.headingName(nil) == "zonder NUR")
    }

    @Test func levelsProjectAndName() {
        let segment = ShelfSegment(format: .audiobook, part: .youthFiction, heading: 280)
        #expect(SegmentLevel.part.project(segment) == SegmentLevel.part.project(ShelfSegment(format: .book, part: .youthFiction, heading: nil)))
        #expect(SegmentLevel.format.project(segment) != SegmentLevel.format.project(ShelfSegment(format: .book, part: .youthFiction, heading: 280)))
        #expect(SegmentLevel.full.project(segment) == segment)
        #expect(SegmentLevel.part.name(segment) == "Jeugd fictie")
        #expect(SegmentLevel.format.name(segment, english: true) == "Audiobooks")
        #expect(SegmentLevel.full.name(segment) == "Jeugd fictie · Luisterboeken · NUR 280")
    }

    // MARK: Figures

    @Test func figuresOfASegment() {
        let picture = SegmentFigures(holdings: 200, loans: 1_600, lifetimeLoans: 9_000, dead: 10, dated: 100, yearSum: 100 * 2020)
        let adult = SegmentFigures(holdings: 800, loans: 2_400, lifetimeLoans: 30_000, dead: 240, dated: 0, yearSum: 0)
        let total = picture + adult
        #expect(total.holdings == 1_000 && total.loans == 4_000 && total.dead == 250)
        #expect(picture.turnover == 8)
        #expect(adult.turnover == 3)
        // 40 % of the loans from 20 % of the shelf: twice as hard as average; the rest 60 % from 80 %.
        #expect(picture.relativeUse(of: total) == 2)
        #expect(abs(adult.relativeUse(of: total)! - 0.75) < 1e-9)
        #expect(picture.deadShare == 0.05)
        #expect(adult.deadShare == 0.3)
        #expect(picture.averageAge(in: 2026) == 6)
        #expect(adult.averageAge(in: 2026) == nil)
        #expect(SegmentFigures().turnover == nil && SegmentFigures().deadShare == nil)
        #expect(picture.relativeUse(of: SegmentFigures(holdings: 10, loans: 0)) == nil)
    }

    // MARK: Weeding

    @Test func defaultsAreWrittenPerPart() {
        let policy = WeedingPolicy()
        #expect(policy.thresholds(part: .adultFiction, heading: 300).maxAgeYears == nil)
        #expect(policy.thresholds(part: .adultFiction, heading: 300).idleMonths == 36)
        #expect(policy.thresholds(part: .youthFiction, heading: 270).wornLoans == 40)
        #expect(policy.thresholds(part: .youthFiction, heading: 280).wornLoans == 60)
        #expect(policy.thresholds(part: .adultNonFiction, heading: 980).maxAgeYears == 5)
        #expect(policy.thresholds(part: .adultNonFiction, heading: nil).maxAgeYears == 10)
        // Biographies and diaries do not date.
        #expect(policy.thresholds(part: .adultNonFiction, heading: 320).maxAgeYears == nil)
        for part in CollectionSegment.allCases {
            #expect(WeedingThresholds.defaults(part: part, heading: nil).problems().isEmpty)
        }
    }

    @Test func theMostSpecificThresholdWins() {
        let partOwn = WeedingThresholds(maxAgeYears: 7, idleMonths: 30, wornLoans: 70, loansPerCopy: 5)
        let headingOwn = WeedingThresholds(maxAgeYears: 3, idleMonths: 12, wornLoans: 40, loansPerCopy: 5)
        let policy = WeedingPolicy(own: [.init(part: .adultNonFiction, heading: nil): partOwn,
                                         .init(part: .adultNonFiction, heading: 600): headingOwn])
        #expect(policy.thresholds(part: .adultNonFiction, heading: 600) == headingOwn)
        #expect(policy.thresholds(part: .adultNonFiction, heading: 500) == partOwn)
        #expect(policy.thresholds(part: .adultNonFiction, heading: nil) == partOwn)
        // A heading with a default of its own keeps it over the part's setting.
        #expect(policy.thresholds(part: .adultNonFiction, heading: 980).maxAgeYears == 5)
        #expect(policy.thresholds(part: .adultFiction, heading: 300) == WeedingThresholds.defaults(part: .adultFiction, heading: 300))
        #expect(policy.idlePeriods == [12, 18, 24, 30, 36, 60])
        // The loosest bounds a store may pre-filter with: no copy a part's thresholds would name falls outside them.
        #expect(policy.loosest == WeedingThresholds(maxAgeYears: 3, idleMonths: 12, wornLoans: 40, loansPerCopy: 8))
    }

    @Test func problemsNameTheirField() {
        let bad = WeedingThresholds(maxAgeYears: 0, idleMonths: 2, wornLoans: 4, loansPerCopy: 0)
        #expect(bad.problems().map(\.field) == ["max_age_years", "idle_months", "worn_loans", "loans_per_copy"])
        #expect(WeedingThresholds(maxAgeYears: nil, idleMonths: 240, wornLoans: 1_000, loansPerCopy: 100).problems().isEmpty)
    }

    @Test func idleCountsFromTheLastLoanOrTheAcquisition() {
        let t = WeedingThresholds(maxAgeYears: nil, idleMonths: 24, wornLoans: 60, loansPerCopy: 6)
        #expect(t.idleSince(today) == LocalDate(year: 2024, month: 12, day: 4)!)
        // The boundary day itself is not idle yet; the day before is.
        #expect(!WeedingRules.isIdle(lastLoan: LocalDate(year: 2024, month: 12, day: 4)!, acquired: nil, thresholds: t, today: today))
        #expect(WeedingRules.isIdle(lastLoan: LocalDate(year: 2024, month: 12, day: 3)!, acquired: nil, thresholds: t, today: today))
        // Never lent: from the acquisition; never lent and no acquisition date: idle.
        #expect(!WeedingRules.isIdle(lastLoan: nil, acquired: LocalDate(year: 2026, month: 1, day: 1)!, thresholds: t, today: today))
        #expect(WeedingRules.isIdle(lastLoan: nil, acquired: LocalDate(year: 2020, month: 1, day: 1)!, thresholds: t, today: today))
        #expect(WeedingRules.isIdle(lastLoan: nil, acquired: nil, thresholds: t, today: today))
        // A recent loan wins over an old acquisition.
        #expect(!WeedingRules.isIdle(lastLoan: today.adding(days: -3), acquired: LocalDate(year: 2001, month: 1, day: 1)!, thresholds: t, today: today))
    }

    @Test func everyCriterion() {
        let t = WeedingThresholds(maxAgeYears: 10, idleMonths: 36, wornLoans: 60, loansPerCopy: 6)
        let fresh = WeedingCandidate(status: .available, editionYear: 2024, acquired: LocalDate(year: 2024, month: 3, day: 1)!,
                                     lastLoan: today.adding(days: -10), lifetimeLoans: 12)
        #expect(WeedingRules.reasons(fresh, thresholds: t, today: today).isEmpty)
        var copy = fresh
        copy.editionYear = 2016
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [])
        copy.editionYear = 2015
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [.outdated])
        copy = fresh
        copy.lastLoan = LocalDate(year: 2023, month: 12, day: 3)!
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [.idle])
        copy = fresh
        copy.lifetimeLoans = 60
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [.worn])
        copy = fresh
        copy.newerEditionHeld = true
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [.superseded])
        // Surplus: 13 loans need ⌈13/6⌉ = 3 copies; the fourth-best-used of four is surplus, the third is not.
        copy = fresh
        copy.titleLoansHere = 13
        copy.copiesHere = 4
        copy.rankHere = 2
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [])
        copy.rankHere = 3
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [.surplus])
        // All at once, in the criteria's order.
        let tired = WeedingCandidate(status: .available, editionYear: 1990, acquired: nil, lastLoan: LocalDate(year: 2019, month: 1, day: 1)!,
                                     lifetimeLoans: 75, newerEditionHeld: true, titleLoansHere: 0, copiesHere: 2, rankHere: 1)
        #expect(WeedingRules.reasons(tired, thresholds: t, today: today) == [.outdated, .idle, .worn, .superseded, .surplus])
        // Fiction has no maximum age.
        let noAge = WeedingThresholds(maxAgeYears: nil, idleMonths: 36, wornLoans: 80, loansPerCopy: 6)
        #expect(!WeedingRules.reasons(tired, thresholds: noAge, today: today).contains(.outdated))
    }

    @Test func copiesInUseAreNeitherIdleNorSurplusAndGoneCopiesAreNothing() {
        let t = WeedingThresholds(maxAgeYears: 10, idleMonths: 36, wornLoans: 60, loansPerCopy: 6)
        var copy = WeedingCandidate(status: .onLoan, editionYear: 1990, acquired: nil, lastLoan: nil, lifetimeLoans: 90,
                                    titleLoansHere: 0, copiesHere: 3, rankHere: 2)
        #expect(WeedingRules.reasons(copy, thresholds: t, today: today) == [.outdated, .worn])
        for status in [ItemStatus.inTransit, .onHoldShelf] {
            copy.status = status
            #expect(!WeedingRules.reasons(copy, thresholds: t, today: today).contains(.idle))
        }
        for status in [ItemStatus.withdrawn, .lost, .missing] {
            copy.status = status
            #expect(WeedingRules.reasons(copy, thresholds: t, today: today).isEmpty)
        }
    }

    @Test func demandIsRoundedUpAndAtLeastOne() {
        #expect(WeedingRules.demand(loans: 0, loansPerCopy: 6) == 1)
        #expect(WeedingRules.demand(loans: 6, loansPerCopy: 6) == 1)
        #expect(WeedingRules.demand(loans: 7, loansPerCopy: 6) == 2)
        #expect(WeedingRules.demand(loans: 100, loansPerCopy: 0) == 100)
    }

    // MARK: Purchasing

    @Test func queueSuggestions() {
        // 10 holds on 2 copies: 5 per copy, over 3; ⌈10/3⌉ = 4 copies needed, 2 to buy.
        #expect(PurchaseRules.forQueue(holds: 10, copies: 2, onOrder: 0) == 2)
        // Exactly 3 per copy is not over the ratio.
        #expect(PurchaseRules.forQueue(holds: 6, copies: 2, onOrder: 0) == nil)
        #expect(PurchaseRules.forQueue(holds: 7, copies: 2, onOrder: 0) == 1)
        // Copies on order count.
        #expect(PurchaseRules.forQueue(holds: 10, copies: 2, onOrder: 2) == nil)
        // 10 holds on 2 copies and 1 on order is still over 3 a copy: one more.
        #expect(PurchaseRules.forQueue(holds: 10, copies: 2, onOrder: 1) == 1)
        #expect(PurchaseRules.forQueue(holds: 9, copies: 2, onOrder: 1) == nil)
        // A title with holds and no copies at all.
        #expect(PurchaseRules.forQueue(holds: 4, copies: 0, onOrder: 0) == 2)
        #expect(PurchaseRules.forQueue(holds: 10, copies: 1, onOrder: 0, thresholds: .init(holdsPerCopy: 5)) == 1)
        #expect(PurchaseRules.forQueue(holds: 0, copies: 0, onOrder: 0) == nil)
    }

    @Test func branchAndEditionSuggestions() {
        #expect(PurchaseRules.forBranch(holdsHere: 2, copiesHere: 0, onOrderHere: 0) == 1)
        #expect(PurchaseRules.forBranch(holdsHere: 1, copiesHere: 0, onOrderHere: 0) == nil)
        #expect(PurchaseRules.forBranch(holdsHere: 5, copiesHere: 1, onOrderHere: 0) == nil)
        #expect(PurchaseRules.forBranch(holdsHere: 5, copiesHere: 0, onOrderHere: 1) == nil)
        #expect(PurchaseRules.forNewEdition(olderLoans: 24, olderCopies: 3, newerCopies: 0, onOrder: 0) == 3)
        #expect(PurchaseRules.forNewEdition(olderLoans: 11, olderCopies: 3, newerCopies: 0, onOrder: 0) == nil)
        #expect(PurchaseRules.forNewEdition(olderLoans: 200, olderCopies: 9, newerCopies: 0, onOrder: 0) == 5)
        #expect(PurchaseRules.forNewEdition(olderLoans: 24, olderCopies: 3, newerCopies: 1, onOrder: 0) == nil)
        #expect(PurchaseRules.forNewEdition(olderLoans: 24, olderCopies: 3, newerCopies: 0, onOrder: 2) == nil)
        #expect(PurchaseRules.forNewEdition(olderLoans: 0, olderCopies: 0, newerCopies: 0, onOrder: 0) == nil)
    }

    // MARK: Balancing

    @Test func balanceMatchesLargestFirstAndNeverOvershoots() {
        let a = UUID(), b = UUID(), c = UUID(), d = UUID()
        let moves = BalancePlan.moves([
            .init(branch: a, holdings: 1_300, capacity: 1_000),  // 300 over
            .init(branch: b, holdings: 550, capacity: 500),      // 50 over
            .init(branch: c, holdings: 700, capacity: 900),      // 200 room
            .init(branch: d, holdings: 100, capacity: 200),      // 100 room
        ])
        #expect(moves == [.init(from: a, to: c, copies: 200), .init(from: a, to: d, copies: 100)])
        // What is sent never exceeds a branch's surplus, nor what is received its room.
        let sent = Dictionary(moves.map { ($0.from, $0.copies) }, uniquingKeysWith: +)
        #expect(sent[a] == 300 && sent[b] == nil)
        #expect(BalancePlan.moves([.init(branch: a, holdings: 10, capacity: 5)]).isEmpty)
        #expect(BalancePlan.moves([.init(branch: a, holdings: 5, capacity: 5), .init(branch: b, holdings: 0, capacity: 5)]).isEmpty)
    }

    // MARK: Dates

    @Test func addingMonthsKeepsTheDayOrTheMonthsEnd() {
        #expect(LocalDate(year: 2026, month: 3, day: 31)!.adding(months: -1) == LocalDate(year: 2026, month: 2, day: 28)!)
        #expect(LocalDate(year: 2024, month: 3, day: 31)!.adding(months: -1) == LocalDate(year: 2024, month: 2, day: 29)!)
        #expect(LocalDate(year: 2026, month: 1, day: 15)!.adding(months: -13) == LocalDate(year: 2024, month: 12, day: 15)!)
        #expect(LocalDate(year: 2026, month: 11, day: 30)!.adding(months: 3) == LocalDate(year: 2027, month: 2, day: 28)!)
        #expect(today.adding(months: 0) == today)
    }

    // MARK: The overview's two ends

    @Test func theHardestAndLeastWorkingNeverShareAPartAndAShortRankingHasBoth() {
        // Best first. Three parts: two at the top, the worst at the bottom (it used to be listed among the hardest).
        #expect(RankingEnds.split(["a", "b", "c"]) == (["a", "b"], ["c"]))
        #expect(RankingEnds.split(["a"]) == (["a"], []))
        #expect(RankingEnds.split([String]()) == ([], []))
        #expect(RankingEnds.split(["a", "b", "c", "d"]) == (["a", "b"], ["d", "c"]))
        // Many: five at each end, the bottom worst first; the middle is in neither.
        let twelve = (1...12).map { $0 }
        #expect(RankingEnds.split(twelve) == ([1, 2, 3, 4, 5], [12, 11, 10, 9, 8]))
        #expect(RankingEnds.split(Array(1...9)) == ([1, 2, 3, 4, 5], [9, 8, 7, 6]))
    }
}
