import Foundation
import Vapor
import BiebCore
import BiebStore

/// Summer reading in lines, this year against last year — for the page and
/// the API alike: participants and finishers of the reading programmes, and
/// how much they borrowed per person per week in June against July–August,
/// next to all youth members (the comparison). Counts under 5 leave as
/// "<5", and a rate worked out over fewer than 5 people is not shown.
struct SummerReadingReport {
    let year: Int
    let lines: [Line]

    /// The API's answer.
    struct DTO: Content {
        let year: Int
        let previous_year: Int
        let lines: [Line]
    }

    struct Line: Content {
        let key: String
        let label_nl: String
        let label_en: String
        /// This year and last year as they may be shown ("<5", "1,25", "+12%", "—").
        let current: String
        let previous: String
        /// The number behind it (nil when hidden or unknown).
        let current_value: Double?
        let previous_value: Double?
    }

    /// The summer to show when none is asked: this year's from September (the programme is over), else last year's.
    static func defaultYear(_ service: InsightsService) -> Int { service.today.month >= 9 ? service.today.year : service.today.year - 1 }

    static func make(year: Int, service: InsightsService, english: Bool) async throws -> SummerReadingReport {
        let store = SummerReading(service.db, organisationID: service.organisationID)
        let (now, then) = (try await store.figures(year: year), try await store.figures(year: year - 1))
        typealias Cell = (text: String, value: Double?)
        func count(_ value: Int) -> Cell { value < SmallCells.threshold ? (SmallCells.hidden, nil) : (String(value), Double(value)) }
        func rate(_ loans: Int, _ people: Int, days: Int) -> Cell {
            guard people >= SmallCells.threshold, let value = SummerReading.Figures.weekly(loans, people: people, days: days) else { return ("—", nil) }
            return (Formats.decimal(value, digits: 2, english: english), value)
        }
        func change(_ before: Cell, _ after: Cell) -> Cell {
            guard let before = before.value, let after = after.value, before > 0 else { return ("—", nil) }
            let value = (after - before) / before
            return ((value > 0 ? "+" : "") + Formats.decimal(value * 100, digits: 0, english: english) + "%", value)
        }
        func share(_ part: Int, _ whole: Int) -> Cell {
            guard whole >= SmallCells.threshold, part >= SmallCells.threshold else { return ("—", nil) }
            let value = Double(part) / Double(whole)
            return (Formats.decimal(value * 100, digits: 0, english: english) + "%", value)
        }
        let rows: [(String, String, String, (SummerReading.Figures) -> Cell)] = [
            ("participants", "Deelnemers (aangemelde plaatsen)", "Participants (places registered)", { count($0.participants) }),
            ("finishers", "Uitgelezen (ingecheckt bij de laatste bijeenkomst)", "Finished (checked in at the last session)", { count($0.finishers) }),
            ("finished_share", "Deel dat uitlas", "Share that finished", { share($0.finishers, $0.participants) }),
            ("member_participants", "Deelnemers die lid zijn", "Participants who are members", { count($0.memberParticipants) }),
            ("june_weekly", "Leningen per deelnemer per week in juni", "Loans per participant per week in June",
             { rate($0.juneLoans, $0.memberParticipants, days: 30) }),
            ("summer_weekly", "Leningen per deelnemer per week in juli–augustus", "Loans per participant per week in July–August",
             { rate($0.summerLoans, $0.memberParticipants, days: 62) }),
            ("summer_change", "Verschil zomer tegen juni (deelnemers)", "Summer against June (participants)",
             { change(rate($0.juneLoans, $0.memberParticipants, days: 30), rate($0.summerLoans, $0.memberParticipants, days: 62)) }),
            ("finisher_june_weekly", "Leningen per uitlezer per week in juni", "Loans per finisher per week in June",
             { rate($0.finisherJuneLoans, $0.memberFinishers, days: 30) }),
            ("finisher_summer_weekly", "Leningen per uitlezer per week in juli–augustus", "Loans per finisher per week in July–August",
             { rate($0.finisherSummerLoans, $0.memberFinishers, days: 62) }),
            ("youth_june_weekly", "Alle jeugdleden: leningen per lid per week in juni", "All youth members: loans per member per week in June",
             { rate($0.youthJuneLoans, $0.youthMembers ?? 0, days: 30) }),
            ("youth_summer_weekly", "Alle jeugdleden: leningen per lid per week in juli–augustus", "All youth members: loans per member per week in July–August",
             { rate($0.youthSummerLoans, $0.youthMembers ?? 0, days: 62) }),
            ("youth_summer_change", "Verschil zomer tegen juni (alle jeugdleden)", "Summer against June (all youth members)",
             { change(rate($0.youthJuneLoans, $0.youthMembers ?? 0, days: 30), rate($0.youthSummerLoans, $0.youthMembers ?? 0, days: 62)) }),
        ]
        return SummerReadingReport(year: year, lines: rows.map { key, nl, en, cell in
            let (a, b) = (cell(now), cell(then))
            return Line(key: key, label_nl: nl, label_en: en, current: a.text, previous: b.text, current_value: a.value, previous_value: b.value)
        })
    }
}
