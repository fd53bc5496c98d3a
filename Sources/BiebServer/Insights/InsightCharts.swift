import Foundation
import Vapor
import BiebCore
import BiebStore

/// The dashboard's charts, defined once: what each shows and how it is read
/// from the roll-ups (grouped queries, never the raw facts; the loans,
/// audiences and weekdays charts share one read of the loans per day).
/// The overview page draws them (an SVG with its numbers as a table, exact:
/// inside the dashboard), and the same numbers leave Bieb as CSV
/// (`/staff/inzicht/grafiek/{chart}.csv`) and through the API
/// (`/api/v1/insights/charts/{chart}`), where every cell under 5 is "<5"
/// (`SmallCells`).
enum InsightChart: String, CaseIterable, Sendable {
    /// Loans per month, this year against the year before.
    case loans
    /// Loans per month to youth (under 18) and to adults, this year.
    case audiences
    /// Visitors through the entrance (people counters, staff's counts) per month, this year against the year before.
    case visits
    /// Loans per weekday (Monday to Sunday), summed over this year and over the year before.
    case weekdays
    /// Participants in activities per core function, this year against the year before.
    case functions
    /// Participants in activities per theme, this year against the year before (an activity with two themes counts in both).
    case themes
    /// Per branch: loans, visitors and participants this year and the year before (the drill from organisation to branch).
    case branches

    /// The charts the overview draws, in order (the branches are a table of their own there).
    static let drawn: [InsightChart] = [.loans, .audiences, .visits, .weekdays, .functions, .themes]

    /// Whether the chart sets the year against the year before (its series are years).
    var comparesYears: Bool { self != .audiences }

    /// The page's heading of the chart's section.
    var headingKey: String {
        switch self {
        case .loans: "insights_loans_per_month"
        case .audiences: "insights_audiences"
        case .visits: "insights_visits_per_month"
        case .weekdays: "insights_loans_per_weekday"
        case .functions: "insights_functions"
        case .themes: "insights_themes"
        case .branches: "insights_branches"
        }
    }
}

/// One chart's numbers: a row of labels, each with a key that reads the same in every language ("03", "monday",
/// "reading_literature", a branch's slug), and series of values, each with a key ("2026", "youth", "loans_2026").
struct InsightChartData: Sendable {
    struct Series: Sendable {
        let key: String
        let name: String
        let values: [Int]
    }

    /// What the labels are (the CSV's first column).
    enum Dimension: String, CaseIterable, Sendable {
        case month, weekday, branch, theme
        case coreFunction = "core_function"

        /// The heading of the labels' column on the page.
        var headingKey: String {
            switch self {
            case .month: "insights_month"
            case .weekday: "insights_weekday"
            case .coreFunction: "report_core_function_only"
            case .theme: "insights_theme"
            case .branch: "insights_branch"
            }
        }
    }

    let chart: InsightChart
    let year: Int
    let branch: BranchLabel?
    let title: String
    let summary: String
    let dimension: Dimension
    let keys: [String]
    let labels: [String]
    /// The labels under the bars (shorter where whole names do not fit).
    let shortLabels: [String]
    let series: [Series]

    /// The chart with its numbers in `lang`.
    func barChart(_ lang: Language) -> BarChart {
        BarChart(title: title, summary: summary, labels: shortLabels, series: series.map { .init(name: $0.name, values: $0.values) }, locale: lang.locale)
    }

    /// As it leaves Bieb in CSV: the key and the label of each line, then each series (by key), every cell under 5 "<5".
    var csv: String {
        CSVText.line([dimension.rawValue, "label"] + series.map { CSVText.field($0.key) })
            + keys.indices.map { index in
                CSVText.line([CSVText.field(keys[index]), CSVText.field(labels[index])] + series.map { SmallCells.text($0.values[index]) })
            }.joined()
    }

    var filename: String { "inzicht-\(chart.rawValue)-\(year)\(branch.map { "-" + $0.slug } ?? "").csv" }
}

/// The charts of one organisation or branch and year, in one language.
struct InsightCharts {
    let service: InsightsService
    let lang: Language
    let year: Int
    let branch: BranchLabel?

    var previous: Int { year - 1 }
    var english: Bool { lang == .en }
    var formats: Formats { Formats(lang: lang, timeZone: service.organisation.zone) }
    var scope: String { branch?.name ?? service.organisation.name }
    var rollups: InsightRollups { InsightRollups(service.db, organisationID: service.organisationID) }

    func t(_ key: String, _ values: [String: String] = [:]) -> String { Locales.text(key, lang, values) }

    /// Totals of `kinds` from 1 January of the first of `years` through 31 December of the last, in this scope.
    func grouped(_ kinds: Set<FactKind>, years: ClosedRange<Int>, by dimensions: [InsightRollups.Dimension]) async throws -> [(keys: [String], count: Int)] {
        try await rollups.grouped(kinds, from: LocalDate(year: years.lowerBound, month: 1, day: 1)!,
                                  through: LocalDate(year: years.upperBound, month: 12, day: 31)!, branch: branch?.id, by: dimensions)
    }

    /// One chart.
    func data(_ chart: InsightChart) async throws -> InsightChartData { try await data([chart])[0] }

    /// Charts in the order asked; the loans, audiences and weekdays charts share one read of the loans per day.
    func data(_ charts: [InsightChart]) async throws -> [InsightChartData] {
        var loans: [LoanDay]?
        func sharedLoanDays() async throws -> [LoanDay] {
            if let loans { return loans }
            let read = try await loanDays()
            loans = read
            return read
        }
        var made: [InsightChartData] = []
        for chart in charts {
            switch chart {
            case .loans: made.append(self.loans(try await sharedLoanDays()))
            case .audiences: made.append(audiences(try await sharedLoanDays()))
            case .weekdays: made.append(weekdays(try await sharedLoanDays()))
            case .visits: made.append(try await visits())
            case .functions: made.append(try await functions())
            case .themes: made.append(try await themes())
            case .branches: made.append(try await branches())
            }
        }
        return made
    }

    // MARK: The charts

    var monthKeys: [String] { (1...12).map { String(format: "%02d", $0) } }
    var monthLabels: [String] { (1...12).map { formats.monthName($0) } }
    var monthShortLabels: [String] { monthLabels.map { String($0.prefix(3)) } }

    /// Loans of a day and an audience ("youth", "adult", "unknown").
    struct LoanDay {
        let day: LocalDate
        let audience: String
        let count: Int
    }

    /// The loans per day and audience of this year and the year before (one query; the weekday is worked out here,
    /// the same on SQLite and PostgreSQL).
    func loanDays() async throws -> [LoanDay] {
        try await grouped([.loan], years: previous...year, by: [.day, .audience]).compactMap { line in
            LocalDate(iso: line.keys[0]).map { LoanDay(day: $0, audience: line.keys[1], count: line.count) }
        }
    }

    /// The months of this year and the year before, each a series.
    func yearSeries(_ now: [Int], _ before: [Int]) -> [InsightChartData.Series] {
        [.init(key: String(year), name: String(year), values: now), .init(key: String(previous), name: String(previous), values: before)]
    }

    func summary(_ key: String, _ now: [Int], _ before: [Int]) -> String {
        t(key, ["year": String(year), "previous": String(previous), "total": formats.count(now.reduce(0, +)), "previous_total": formats.count(before.reduce(0, +))])
    }

    /// Loans per month, this year against the year before.
    func loans(_ days: [LoanDay]) -> InsightChartData {
        var counts = [year: Array(repeating: 0, count: 12), previous: Array(repeating: 0, count: 12)]
        for line in days { counts[line.day.year]?[line.day.month - 1] += line.count }
        let (now, before) = (counts[year]!, counts[previous]!)
        return InsightChartData(
            chart: .loans, year: year, branch: branch, title: t("insights_loans_chart", ["scope": scope]),
            summary: summary("insights_loans_chart_summary", now, before),
            dimension: .month, keys: monthKeys, labels: monthLabels, shortLabels: monthShortLabels, series: yearSeries(now, before))
    }

    /// Visitors per month, this year against the year before (one query over both years).
    func visits() async throws -> InsightChartData {
        var counts = [year: Array(repeating: 0, count: 12), previous: Array(repeating: 0, count: 12)]
        for line in try await grouped([.visitorCount], years: previous...year, by: [.month]) {
            let parts = line.keys[0].split(separator: "-")
            guard parts.count == 2, let lineYear = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { continue }
            counts[lineYear]?[month - 1] += line.count
        }
        let (now, before) = (counts[year]!, counts[previous]!)
        return InsightChartData(
            chart: .visits, year: year, branch: branch, title: t("insights_visits_chart", ["scope": scope]),
            summary: summary("insights_visits_chart_summary", now, before),
            dimension: .month, keys: monthKeys, labels: monthLabels, shortLabels: monthShortLabels, series: yearSeries(now, before))
    }

    /// Loans per month to youth and to adults this year (loans of unknown age are in neither).
    func audiences(_ days: [LoanDay]) -> InsightChartData {
        var counts = ["youth": Array(repeating: 0, count: 12), "adult": Array(repeating: 0, count: 12)]
        for line in days where line.day.year == year { counts[line.audience]?[line.day.month - 1] += line.count }
        let (youth, adult) = (counts["youth"]!, counts["adult"]!)
        return InsightChartData(
            chart: .audiences, year: year, branch: branch, title: t("insights_audiences_chart", ["scope": scope]),
            summary: t("insights_audiences_chart_summary", ["year": String(year), "youth": formats.count(youth.reduce(0, +)), "adult": formats.count(adult.reduce(0, +))]),
            dimension: .month, keys: monthKeys, labels: monthLabels, shortLabels: monthShortLabels,
            series: [.init(key: "youth", name: t("insights_youth"), values: youth), .init(key: "adult", name: t("insights_adults"), values: adult)])
    }

    /// Loans per weekday, summed over this year and over the year before.
    func weekdays(_ days: [LoanDay]) -> InsightChartData {
        var counts = [year: Array(repeating: 0, count: 7), previous: Array(repeating: 0, count: 7)]
        for line in days { counts[line.day.year]?[line.day.weekday.rawValue - 1] += line.count }
        return InsightChartData(
            chart: .weekdays, year: year, branch: branch, title: t("insights_weekdays_chart", ["scope": scope]),
            summary: t("insights_weekdays_chart_summary", ["year": String(year), "previous": String(previous)]),
            dimension: .weekday, keys: Weekday.allCases.map(\.name), labels: Weekday.allCases.map(formats.weekdayName),
            shortLabels: Weekday.allCases.map(formats.weekdayShort), series: yearSeries(counts[year]!, counts[previous]!))
    }

    /// Participants per core function, this year against the year before.
    func functions() async throws -> InsightChartData {
        var counts: [String: (current: Int, previous: Int)] = [:]
        for line in try await rollups.compared([.activityParticipant], year: year, branch: branch?.id, by: [.coreFunction]) {
            counts[line.keys[0]] = (line.current, line.previous)
        }
        let functions = CoreFunction.allCases
        let names = functions.map { $0.name(english: english) }
        return InsightChartData(
            chart: .functions, year: year, branch: branch, title: t("insights_functions_chart", ["scope": scope]),
            summary: t("insights_functions_chart_summary", ["year": String(year), "previous": String(previous)]),
            dimension: .coreFunction, keys: functions.map(\.rawValue), labels: names, shortLabels: names,
            series: yearSeries(functions.map { counts[$0.rawValue]?.current ?? 0 }, functions.map { counts[$0.rawValue]?.previous ?? 0 }))
    }

    /// Participants per theme of the organisation's programme (its own names), this year against the year before; a
    /// theme no longer in the list keeps its code as its name.
    func themes() async throws -> InsightChartData {
        var counts: [String: (current: Int, previous: Int)] = [:]
        for line in try await rollups.compared([.activityThemeParticipant], year: year, branch: branch?.id, by: [.topic]) {
            counts[line.keys[0]] = (line.current, line.previous)
        }
        let terms = try await Programme(service.db, organisationID: service.organisationID, timeZone: service.organisation.zone).terms(.theme)
        var keys = terms.map(\.code)
        keys += counts.keys.filter { !keys.contains($0) }.sorted()
        let names = Dictionary(terms.map { ($0.code, english ? $0.en : $0.nl) }, uniquingKeysWith: { first, _ in first })
        let labels = keys.map { names[$0] ?? $0 }
        return InsightChartData(
            chart: .themes, year: year, branch: branch, title: t("insights_themes_chart", ["scope": scope]),
            summary: t("insights_themes_chart_summary", ["year": String(year), "previous": String(previous)]),
            dimension: .theme, keys: keys, labels: labels, shortLabels: labels,
            series: yearSeries(keys.map { counts[$0]?.current ?? 0 }, keys.map { counts[$0]?.previous ?? 0 }))
    }

    /// What the branch table counts, in its order.
    static let branchMeasures: [(key: String, kind: FactKind, label: String)] = [
        ("loans", .loan, "insights_loans"), ("visits", .visitorCount, "insights_visitors"), ("participants", .activityParticipant, "insights_participants"),
    ]

    /// Each branch (the chosen one only, in a branch's scope) with its loans, visitors and participants this year and the
    /// year before: one query grouped by branch and kind. Branches no longer active are listed when they have figures.
    func branches() async throws -> InsightChartData {
        var counts: [String: (current: Int, previous: Int)] = [:]
        let kinds = Set(Self.branchMeasures.map(\.kind))
        for line in try await rollups.compared(kinds, year: year, branch: branch?.id, by: [.branch, .kind]) {
            counts[line.keys.joined(separator: "/")] = (line.current, line.previous)
        }
        let listed = service.branches.filter { candidate in
            if let branch { return candidate.id == branch.id }
            return candidate.active || counts.keys.contains { $0.hasPrefix(candidate.id.uuidString.lowercased()) }
        }
        var series: [InsightChartData.Series] = []
        for measure in Self.branchMeasures {
            let cells = listed.map { counts["\($0.id.uuidString.lowercased())/\(measure.kind.rawValue)"] }
            series.append(.init(key: "\(measure.key)_\(year)", name: "\(t(measure.label)) \(year)", values: cells.map { $0?.current ?? 0 }))
            series.append(.init(key: "\(measure.key)_\(previous)", name: "\(t(measure.label)) \(previous)", values: cells.map { $0?.previous ?? 0 }))
        }
        return InsightChartData(
            chart: .branches, year: year, branch: branch, title: t("insights_branches_chart", ["scope": scope]),
            summary: t("insights_branches_chart_summary", ["year": String(year), "previous": String(previous)]),
            dimension: .branch, keys: listed.map(\.slug), labels: listed.map(\.name), shortLabels: listed.map(\.name), series: series)
    }
}
