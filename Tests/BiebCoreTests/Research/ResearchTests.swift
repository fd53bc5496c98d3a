import Foundation
import Testing
@testable import BiebCore

@Suite("Customer research: NPS and open answers") struct ResearchTests {
    /// Bain's definition: 9–10 promoters, 7–8 passives, 0–6 detractors; the score is % promoters − % detractors.
    @Test func promotersPassivesAndDetractorsByTheDefinition() {
        let nps = NetPromoterScore(answers: [10, 9, 8, 7, 6, 0, 9, 10, 3, 11, -1])
        #expect(nps.promoters == 4 && nps.passives == 2 && nps.detractors == 3 && nps.n == 9)
        #expect(nps.score.map { abs($0 - 100.0 / 9) < 1e-9 } == true)
        // Every answer a promoter: 100; every answer a detractor: −100; the interval stays within the scale.
        #expect(NetPromoterScore(answers: Array(repeating: 10, count: 20)).score == 100)
        #expect(NetPromoterScore(answers: Array(repeating: 0, count: 20)).interval == -100 ... -100)
        // Too few answers: no score, no interval.
        #expect(NetPromoterScore(answers: [10, 10, 10, 10]).score == nil && NetPromoterScore(answers: [10, 10, 10, 10]).interval == nil)
    }

    /// 50 promoters, 30 passives and 20 detractors: NPS 30. Per answer +1, 0, −1: mean 0.3, variance
    /// 0.5 × 0.7² + 0.3 × 0.3² + 0.2 × 1.3² = 0.61, standard error √(0.61 / 100) = 0.0781, 95 % margin 1.96 × 0.0781 = 15.3 points.
    @Test func theConfidenceIntervalOfAWorkedExample() throws {
        let nps = NetPromoterScore(promoters: 50, passives: 30, detractors: 20)
        #expect(nps.score == 30)
        let interval = try #require(nps.interval)
        #expect(abs(interval.lowerBound - 14.69) < 0.01 && abs(interval.upperBound - 45.31) < 0.01)
        // Four times the answers halve the margin.
        let larger = try #require(NetPromoterScore(promoters: 200, passives: 120, detractors: 80).interval)
        #expect(abs((larger.upperBound - larger.lowerBound) - (interval.upperBound - interval.lowerBound) / 2) < 1e-9)
        #expect(nps.shares.map { $0.promoters == 50 && $0.passives == 30 && $0.detractors == 20 } == true)
    }

    @Test func openAnswersByTheWordsTheyUse() {
        let answers = ["De studieplekken zijn te vol", "Meer studieplekken graag!", "Vriendelijk personeel, maar de studieplekken zijn vol",
                       "Friendly staff and the study places", "vol vol vol"]
        let top = WordFrequency.top(answers, limit: 3)
        // Each word once per answer: "vol" is in three answers however often one repeats it; function words are left out.
        #expect(top.map(\.word) == ["studieplekken", "vol", "friendly"] && top.map(\.answers) == [3, 3, 1])
        #expect(WordFrequency.top([], limit: 5).isEmpty && WordFrequency.top(["de en het"]).isEmpty)
    }
}

@Suite("Customer research: quota samples") struct QuotaSampleTests {
    /// SplitMix64's published first outputs for seed 0 (the reference implementation by Vigna).
    @Test func theGeneratorIsSplitMix64() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF && generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    /// The largest remainder method (Hamilton): whole parts first, the rest to the largest remainders.
    @Test func quotasByTheLargestRemainder() {
        #expect(QuotaSample.quotas(total: 10, shares: [("a", 0.5), ("b", 0.3), ("c", 0.2)]) == ["a": 5, "b": 3, "c": 2])
        // 10 × 1/3 each: 3 each and one left, to the first cell on the tie.
        #expect(QuotaSample.quotas(total: 10, shares: [("a", 1), ("b", 1), ("c", 1)]) == ["a": 4, "b": 3, "c": 3])
        // Remainders .6, .3, .1 of 2.6, 4.3, 3.1 (weights 26, 43, 31): 2, 4, 3 and one more to the first.
        #expect(QuotaSample.quotas(total: 10, shares: [("a", 26), ("b", 43), ("c", 31)]) == ["a": 3, "b": 4, "c": 3])
        #expect(QuotaSample.quotas(total: 0, shares: [("a", 1)]) == ["a": 0])
    }

    @Test func aWaveDrawsEachCellsQuotaOnceAndReportsShortCells() {
        // An ageing panel: 60 members of 65+, 5 of 15–24.
        let panel = (0..<60).map { (member: "old\($0)", cell: "65+") } + (0..<5).map { (member: "young\($0)", cell: "15-24") }
        let draw = QuotaSample.draw(panel, quotas: ["65+": 20, "15-24": 20, "25-44": 10], seed: 42)
        #expect(draw.members.count == 25 && Set(draw.members).count == 25)
        #expect(draw.cells["65+"]! == (20, 20) && draw.cells["15-24"]! == (20, 5) && draw.cells["25-44"]! == (10, 0))
        #expect(Set(draw.short) == ["15-24", "25-44"])
        // The same seed draws the same wave; another seed another.
        #expect(QuotaSample.draw(panel, quotas: ["65+": 20, "15-24": 20, "25-44": 10], seed: 42).members == draw.members)
        #expect(QuotaSample.draw(panel, quotas: ["65+": 20, "15-24": 20, "25-44": 10], seed: 7).members != draw.members)
    }
}

@Suite("Customer research: surveys and answers") struct SurveyRulesTests {
    @Test func theStandardQuestionsPassTheirOwnRules() throws {
        try SurveyRules.check(StandardQuestions.all)
        #expect(StandardQuestions.all.first?.kind == .nps && StandardQuestions.all.first?.range == 0...10)
        #expect(Set(StandardQuestions.all.map(\.key)).count == StandardQuestions.all.count)
    }

    @Test func aSurveyThatCannotBePublishedNamesItsQuestion() {
        func refusal(_ questions: [SurveyQuestion]) -> String? {
            do { try SurveyRules.check(questions); return nil } catch { return error.field }
        }
        let nps = StandardQuestions.all[0]
        #expect(refusal([]) == "questions")
        #expect(refusal([nps, nps]) == "question_2")
        #expect(refusal([SurveyQuestion(key: "Vraag 1", kind: .text, nl: "a", en: "b")]) == "question_1")
        #expect(refusal([nps, SurveyQuestion(key: "q", kind: .text, nl: "Vraag", en: " ")]) == "question_2")
        #expect(refusal([SurveyQuestion(key: "s", kind: .scale, nl: "a", en: "b", scaleMaximum: 7)]) == "question_1")
        #expect(refusal([SurveyQuestion(key: "c", kind: .single, nl: "a", en: "b", options: [.init(key: "x", nl: "x", en: "x")])]) == "question_1")
        #expect(refusal([SurveyQuestion(key: "c", kind: .multiple, nl: "a", en: "b",
                                        options: [.init(key: "x", nl: "x", en: "x"), .init(key: "x", nl: "y", en: "y")])]) == "question_1")
    }

    @Test func answersFitTheirQuestionsOrAreRefusedByQuestion() throws {
        let questions = StandardQuestions.all + [SurveyQuestion(key: "topics", kind: .multiple, nl: "Onderwerpen", en: "Topics",
                                                                options: [.init(key: "a", nl: "A", en: "A"), .init(key: "b", nl: "B", en: "B")])]
        func refusal(_ answers: [String: SurveyAnswer]) -> String? {
            do { _ = try SurveyRules.check(answers, to: questions); return nil } catch { return error.field }
        }
        let kept = try SurveyRules.check(["nps": .number(9), "satisfaction_staff": .number(5), "learned_something": .choice("a_little"),
                                          "remarks": .text("  Fijne plek  "), "topics": .choices(["b", "a"]), "satisfaction_hours": .text(" ")],
                                         to: questions)
        #expect(kept["remarks"] == .text("Fijne plek") && kept["topics"] == .choices(["a", "b"]) && kept["satisfaction_hours"] == nil)
        // The NPS is required; values off the scale, unknown options, wrong kinds and unknown questions are refused on their question.
        #expect(refusal(["remarks": .text("x")]) == "q_nps")
        #expect(refusal(["nps": .number(11)]) == "q_nps")
        #expect(refusal(["nps": .number(8), "satisfaction_collection": .number(0)]) == "q_satisfaction_collection")
        #expect(refusal(["nps": .number(8), "learned_something": .choice("maybe")]) == "q_learned_something")
        #expect(refusal(["nps": .number(8), "topics": .choices(["c"])]) == "q_topics")
        #expect(refusal(["nps": .text("tien")]) == "q_nps")
        #expect(refusal(["nps": .number(8), "elsewhere": .number(1)]) == "q_elsewhere")
        #expect(refusal(["nps": .number(8), "remarks": .text(String(repeating: "a", count: 2_001))]) == "q_remarks")
    }
}

@Suite("Customer research: fieldwork rules") struct FieldworkRulesTests {
    @Test func aQuotaCellIsAnAgeBandAndABranchAndReadsBack() {
        let branch = UUID()
        let cell = PanelRules.cell(ageBand: "65+", branch: branch)
        #expect(cell == "65+|" + branch.uuidString.lowercased())
        let parts = PanelRules.parts(ofCell: cell)
        #expect(parts.ageBand == "65+" && parts.branch == branch)
        let unknown = PanelRules.parts(ofCell: PanelRules.cell(ageBand: nil, branch: nil))
        #expect(unknown.ageBand == nil && unknown.branch == nil)
    }

    @Test func aGroupUnderFiveAnswersCarriesNoFigures() {
        let nps = NetPromoterScore(promoters: 3, passives: 0, detractors: 1)
        let small = ResearchGroup(key: "oost", answers: 4, nps: nps, means: ["satisfaction_staff": 4.5])
        #expect(small.nps == nil && small.means.isEmpty && small.answersText == "<5")
        let shown = ResearchGroup(key: "centrale", answers: 5, nps: nps, means: ["satisfaction_staff": 4.5])
        #expect(shown.nps == nps && shown.means["satisfaction_staff"] == 4.5 && shown.answersText == "5")
    }

    @Test func responseRatesAndRetention() {
        #expect(ResponseRate(invited: 0, answered: 0).share == nil)
        #expect(ResponseRate(invited: 8, answered: 2).share == 0.25)
        // Answers are kept from the same day so many months back (the end of a shorter month where the day does not exist).
        #expect(ResearchRetention.keptFrom(today: LocalDate(iso: "2026-12-05")!, months: 24) == LocalDate(iso: "2024-12-05"))
        #expect(ResearchRetention.keptFrom(today: LocalDate(iso: "2026-05-31")!, months: 3) == LocalDate(iso: "2026-02-28"))
        #expect(ResearchRetention.months.contains(ResearchRetention.defaultMonths))
    }
}
