import Foundation
import Vapor
import BiebCore
import BiebStore

/// A measurement as a client sends it — the API's JSON body and the staff
/// page's form alike — and its one decoding into a `Measurements.Draft`:
/// dates as `YYYY-MM-DD`, the branch by slug or id (empty: the whole
/// organisation), a target as a number with a point or a comma (empty: none).
struct MeasurementFields: Content {
    var indicator: String?
    var branch: String?
    var title: String?
    var start: String?
    var end: String?
    var target: LooseText?

    func draft(_ service: InsightsService) throws -> Measurements.Draft {
        guard let indicator = indicator?.trimmed, !indicator.isEmpty else {
            throw BiebError.invalid("indicator", "Choose an indicator from the catalogue.", nl: "Kies een indicator uit de catalogus.")
        }
        let branch = try service.branch(branch)
        func day(_ text: String?, _ field: String) throws -> LocalDate {
            guard let date = text.flatMap({ LocalDate(iso: $0.trimmed) }) else {
                throw BiebError.invalid(field, "Give a date as YYYY-MM-DD.", nl: "Geef een datum als JJJJ-MM-DD.")
            }
            return date
        }
        var goal: Double?
        if let text = target?.text.trimmed, !text.isEmpty {
            guard let value = Double(text.replacingOccurrences(of: ",", with: ".")), value.isFinite else {
                throw BiebError.invalid("target", "A target is a number of 0 or more.", nl: "Een doel is een getal van 0 of meer.")
            }
            goal = value
        }
        return Measurements.Draft(indicator: indicator, branchID: branch?.id, title: title ?? "", start: try day(start, "start"),
                                  end: try day(end, "end"), target: goal)
    }
}

/// What staff fill in on an annual report, from the API's JSON body or the
/// report page's form: numbers as text (empty: not filled in; FTE with a
/// point or a comma), read once here.
struct AnnualReportFields: Content {
    var fte: LooseText?
    var staff_persons: LooseText?
    var volunteers: LooseText?
    var income_euros: LooseText?
    var expenses_euros: LooseText?
    var notes: String?

    func entered() throws -> AnnualReport.Entered {
        func whole(_ value: LooseText?, _ field: String) throws -> Int? {
            guard let text = value?.text.trimmed, !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw BiebError.invalid(field, "Give a whole number, without points.", nl: "Geef een heel getal, zonder punten.") }
            return value
        }
        var fteValue: Double?
        if let text = fte?.text.trimmed, !text.isEmpty {
            guard let value = Double(text.replacingOccurrences(of: ",", with: ".")) else {
                throw BiebError.invalid("fte", "Give a number from 0 to 100000.", nl: "Geef een getal van 0 tot en met 100000.")
            }
            fteValue = value
        }
        let entered = AnnualReport.Entered(fte: fteValue, staffPersons: try whole(staff_persons, "staff_persons"), volunteers: try whole(volunteers, "volunteers"),
                                           incomeEuros: try whole(income_euros, "income_euros"), expensesEuros: try whole(expenses_euros, "expenses_euros"),
                                           notes: notes?.trimmed ?? "")
        try entered.check()
        return entered
    }
}

/// How a people counter's export is to be read — from the API's query or the
/// staff page's upload form: the branch (slug or id), interval or cumulative
/// readings, and whether the gate counts both ways.
struct VisitorImportFields: Content {
    var branch: String?
    var readings: String?
    var two_way: String?
    /// The export itself (the page's file input); the API sends it as the body.
    var file: File?

    func settings(_ service: InsightsService) throws -> (branch: BranchLabel, settings: PeopleCounterImport.Settings) {
        guard let branch = try service.branch(branch) else {
            throw BiebError.invalid("branch", "Choose the branch the counter stands in.", nl: "Kies de vestiging waar de teller staat.")
        }
        var settings = PeopleCounterImport.Settings()
        if let text = readings?.trimmed, !text.isEmpty {
            guard let value = PeopleCounterImport.Readings(rawValue: text) else {
                throw BiebError.invalid("readings", "Choose interval or cumulative.", nl: "Kies interval of cumulative.")
            }
            settings.readings = value
        }
        settings.twoWay = ["1", "true", "on", "yes"].contains(two_way?.lowercased() ?? "")
        return (branch, settings)
    }
}

/// A day's count of visitors typed by staff (API body or page form).
struct ManualVisitorFields: Content {
    var branch: String?
    var day: String?
    var count: LooseText?

    func day(_ service: InsightsService) throws -> (branch: BranchLabel, day: VisitorCounts.Day) {
        guard let branch = try service.branch(branch) else {
            throw BiebError.invalid("branch", "Choose the branch.", nl: "Kies de vestiging.")
        }
        guard let date = day.flatMap({ LocalDate(iso: $0.trimmed) }), date <= service.today else {
            throw BiebError.invalid("day", "Give a day up to today as YYYY-MM-DD.", nl: "Geef een dag tot en met vandaag als JJJJ-MM-DD.")
        }
        guard let visits = count.flatMap({ Int($0.text.trimmed) }), (0...1_000_000).contains(visits) else {
            throw BiebError.invalid("count", "Give a number from 0 to 1000000.", nl: "Geef een getal van 0 tot en met 1000000.")
        }
        return (branch, VisitorCounts.Day(date: date, visits: visits, estimated: false))
    }
}

/// A digital resource's report to import — from the API's query or the staff
/// page's upload form: the provider's name, for a report that names no
/// platform (a plain CSV of resources), and the file itself on the page.
struct DigitalUseFields: Content {
    var provider: String?
    /// The report (the page's file input); the API sends it as the body.
    var file: File?
}

/// A head count of occupied study places at a branch (API body or page form).
struct StudyCountFields: Content {
    var branch: String?
    var occupied: LooseText?

    func count(branches: [BranchLabel]) throws -> (branch: BranchLabel, occupied: Int) {
        guard let text = branch?.trimmed, !text.isEmpty,
              let branch = branches.first(where: { $0.slug == text || $0.id.uuidString.lowercased() == text.lowercased() }) else {
            throw BiebError.invalid("branch", "Choose the branch whose study places you counted.", nl: "Kies de vestiging waarvan u de studieplekken telde.")
        }
        guard let occupied = occupied.flatMap({ Int($0.text.trimmed) }), occupied >= 0 else {
            throw BiebError.invalid("occupied", "Give the number of occupied places (0 or more).", nl: "Geef het aantal bezette plekken (0 of meer).")
        }
        return (branch, occupied)
    }
}
