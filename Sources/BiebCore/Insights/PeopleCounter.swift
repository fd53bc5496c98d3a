import Foundation

/// Daily visits per counter from a people counter's CSV export, for the
/// national statistics' "visits per location, counted or estimated".
///
/// The file:
/// - a header row, then one row per interval (an hour, a quarter) or per day;
///   `,` or `;` as separator, whichever the header row uses;
/// - columns by heading, in any order and case: `date`/`datum` (required;
///   `date/time`, `datum/tijd`, `datetime`, `timestamp`, `tijdstip` when it
///   holds the time too), `time`/`tijd`,
///   `counter`/`teller`/`gate`/`poort`/`sensor`/`location`/`locatie`,
///   `in`/`binnen`, `out`/`buiten`/`uit`, `total`/`totaal`/`count`/`aantal`;
///   either `in` or a total is required;
/// - dates as `ImportDate` reads them (2026-03-01, 01-03-2026, 1-3-2026,
///   01/03/2026), a time in its own column or after the date;
/// - at most `maximumLines` lines.
///
/// The rules, in order:
/// 1. Visits are read from `in` when the file has that column (people
///    entering: `out` is checked but not counted), otherwise from the total.
///    A row whose count cell is empty is a gap in the data, not a zero: it
///    is skipped.
/// 2. `readings: .interval` — each row counts the people of its interval;
///    `.cumulative` — each row is the counter's running total, and the visits
///    are the increase over the counter's previous reading (rows ordered by
///    date, time, line). A counter's first reading is only a baseline. A
///    reading lower than the one before means the counter was reset: the
///    visits since are the new reading itself, never a negative number.
/// 3. `twoWay: true` and visits read from a total: a two-way gate counts
///    everyone twice (in and out), so a day's visits are its passages ÷ 2,
///    rounded half up (per day, so odd intervals do not add up to a bias).
/// 4. The days expected are `openDays` when given, otherwise every day from
///    the first to the last date in the file. An expected day without a count
///    for a counter is estimated: the average of that counter's counted days
///    of the same weekday, or of all its counted days when there are none of
///    that weekday (rounded half up). A counter without any counted day gets
///    no estimates. Counted days outside `openDays` are kept.
/// 5. Each correction (entering only, halved, reset, baseline, estimate) is
///    reported. A row with a bad date, time or number is a problem with its
///    line; a file with any problem is not `accepted` — the caller stores the
///    days only when it is (the days from the good lines are there to show).
public enum PeopleCounterImport {
    public static let maximumLines = 2_000_000

    /// What a row's count means.
    public enum Readings: String, Sendable, Codable, CaseIterable {
        /// The people counted in the row's interval.
        case interval
        /// The counter's running total at the row's time.
        case cumulative
    }

    public struct Settings: Sendable, Equatable {
        public var readings: Readings
        /// The total counts passages through a two-way gate (in and out): halve it.
        public var twoWay: Bool
        /// The days the branch was open; nil: every day from the file's first to its last date.
        public var openDays: Set<LocalDate>?

        public init(readings: Readings = .interval, twoWay: Bool = false, openDays: Set<LocalDate>? = nil) {
            self.readings = readings
            self.twoWay = twoWay
            self.openDays = openDays
        }
    }

    /// Whether a day's figure was counted or estimated (the statistics ask which).
    public enum Origin: String, Sendable, Codable, CaseIterable {
        case counted, estimated
    }

    /// Visits of one day at one counter.
    public struct DayCount: Sendable, Hashable {
        public let date: LocalDate
        /// The counter (gate, location) as the file names it; "" when the file has no such column.
        public let counter: String
        public let visits: Int
        public let origin: Origin

        public init(date: LocalDate, counter: String, visits: Int, origin: Origin) {
            self.date = date
            self.counter = counter
            self.visits = visits
            self.origin = origin
        }
    }

    /// A correction the import made to what the file said.
    public struct Correction: Sendable, Hashable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            /// The file has `in` and `out`: only the people entering are visits.
            case enteringOnly = "entering_only"
            /// A two-way gate's passages were halved.
            case halved
            /// A cumulative reading fell: the counter was reset.
            case reset
            /// A counter's first cumulative reading starts its count and counts nothing itself.
            case baseline
            /// A day without a count was estimated.
            case estimated
        }

        public let kind: Kind
        public let counter: String
        /// The line of the reading, for a reset or a baseline.
        public let line: Int?
        /// The day concerned, for a reset, a baseline or an estimate.
        public let date: LocalDate?
        public let message: String
        public let messageNL: String

        public func message(dutch: Bool) -> String { dutch ? messageNL : message }
    }

    public struct Result: Sendable {
        /// Per counter, then per date.
        public let days: [DayCount]
        public let corrections: [Correction]
        /// The first `ImportProblem.limit` problems, by line.
        public let problems: [ImportProblem]
        /// All problems, also those not kept.
        public let problemCount: Int

        /// No line was bad: the days may be stored.
        public var accepted: Bool { problemCount == 0 }
    }

    /// Reads an export. Throws when the file as a whole cannot be read (too
    /// many lines, no header, no date or count column); a bad line is a problem.
    public static func parse(_ text: String, settings: Settings = Settings()) throws(BiebError) -> Result {
        var text = text
        // `withUTF8` reads a native string in place; typed throws do not pass through it, so the outcome is carried out.
        let outcome: Swift.Result<Result, BiebError> = text.withUTF8 { bytes in
            do throws(BiebError) { return .success(try parse(bytes: bytes, settings: settings)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    // MARK: - Reading the rows

    /// The columns of the file, by index.
    struct Columns {
        var date: Int
        var time: Int?
        var counter: Int?
        var entering: Int?
        var leaving: Int?
        var total: Int?

        static var synonyms: [(key: WritableKeyPath<Columns, Int?>, names: Set<String>)] { [
            (\.time, ["time", "tijd"]),
            (\.counter, ["counter", "teller", "gate", "poort", "sensor", "location", "locatie"]),
            (\.entering, ["in", "binnen"]),
            (\.leaving, ["out", "buiten", "uit"]),
            (\.total, ["total", "totaal", "count", "aantal"]),
        ] }
        /// A date column; the last five hold a date and a time ("2026-03-01 10:15").
        static let dateNames: Set<String> = ["date", "datum", "date/time", "datum/tijd", "datetime", "timestamp", "tijdstip"]

        /// The column the visits are read from: `in`, else the total.
        var visits: Int { entering ?? total! }
    }

    /// One row's reading.
    struct Reading {
        let line: Int
        let date: LocalDate
        let second: Int?
        let counter: String
        let value: Int
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>, settings: Settings) throws(BiebError) -> Result {
        if DelimitedText.lineCount(bytes) > maximumLines {
            throw BiebError.invalid("file", "The file has more than \(maximumLines) lines; split it (a year per file, for instance).",
                                    nl: "Het bestand heeft meer dan \(maximumLines) regels; splits het (bijvoorbeeld een jaar per bestand).",
                                    code: "file_too_large")
        }
        var columns: Columns?
        var headerError: BiebError?
        var readings: [Reading] = []
        var problems = ImportProblems()
        DelimitedText.forEachRecord(in: bytes, separator: DelimitedText.separator(of: bytes)) { line, fields in
            guard headerError == nil, !DelimitedText.isBlank(fields) else { return }
            guard let known = columns else {
                switch header(fields) {
                case .success(let found): columns = found
                case .failure(let error): headerError = error
                }
                return
            }
            if let reading = reading(fields, line: line, columns: known, problems: &problems) { readings.append(reading) }
        }
        if let headerError { throw headerError }
        guard let columns else {
            throw BiebError.invalid("file", "The file is empty.", nl: "Het bestand is leeg.", code: "empty_file")
        }
        return count(readings, columns: columns, settings: settings, problems: problems)
    }

    static func header(_ fields: [String]) -> Swift.Result<Columns, BiebError> {
        let headings = fields.map(DelimitedText.heading)
        guard let date = headings.firstIndex(where: Columns.dateNames.contains) else {
            return .failure(.invalid("file", "The first row names no date column (date or datum); it has: \(fields.joined(separator: ", ")).",
                                     nl: "De eerste regel noemt geen datumkolom (datum of date); er staat: \(fields.joined(separator: ", ")).",
                                     code: "no_date_column"))
        }
        var columns = Columns(date: date)
        for (key, names) in Columns.synonyms {
            columns[keyPath: key] = headings.firstIndex(where: names.contains)
        }
        guard columns.entering != nil || columns.total != nil else {
            return .failure(.invalid("file", "The first row names no count column (in/binnen, or total/totaal/count/aantal).",
                                     nl: "De eerste regel noemt geen kolom met tellingen (binnen/in, of totaal/aantal/total/count).",
                                     code: "no_count_column"))
        }
        return .success(columns)
    }

    /// The reading of a row, or nil (with a problem when the row is bad, without one when it has no count).
    static func reading(_ fields: [String], line: Int, columns: Columns, problems: inout ImportProblems) -> Reading? {
        func cell(_ index: Int?) -> String? {
            guard let index, index < fields.count, !fields[index].isEmpty else { return nil }
            return fields[index]
        }
        let problemsBefore = problems.count
        let written = cell(columns.date) ?? ""
        let (dateText, timeInDate) = ImportDate.split(written)
        let date = ImportDate.date(dateText)
        if date == nil {
            problems.add(ImportProblem(line: line, code: "bad_date",
                                       message: "'\(written)' is not a date (2026-03-01, 01-03-2026 or 01/03/2026).",
                                       nl: "'\(written)' is geen datum (01-03-2026, 01/03/2026 of 2026-03-01)."))
        }
        var second: Int?
        if let timeText = cell(columns.time) ?? timeInDate.map(String.init) {
            second = ImportDate.secondOfDay(timeText)
            if second == nil {
                problems.add(ImportProblem(line: line, code: "bad_time", message: "'\(timeText)' is not a time (10:15).",
                                           nl: "'\(timeText)' is geen tijd (10:15)."))
            }
        }
        // Every count cell is checked, also those not counted, so a file with a broken column is noticed.
        var value: Int?
        for (index, name) in [(columns.entering, "in"), (columns.leaving, "out"), (columns.total, "total")] {
            guard let text = cell(index) else { continue }
            switch ImportNumber.parse(text) {
            case .success(let number): if index == columns.visits { value = number }
            case .failure(let failure): problems.add(ImportNumber.problem(failure, text, column: name, line: line))
            }
        }
        guard problems.count == problemsBefore, let date, let value else { return nil }
        return Reading(line: line, date: date, second: second, counter: cell(columns.counter) ?? "", value: value)
    }

    // MARK: - Counting

    struct Key: Hashable, Comparable {
        let counter: String
        let date: LocalDate
        static func < (lhs: Key, rhs: Key) -> Bool { (lhs.counter, lhs.date) < (rhs.counter, rhs.date) }
    }

    static func count(_ readings: [Reading], columns: Columns, settings: Settings, problems: ImportProblems) -> Result {
        var corrections: [Correction] = []
        // Per counter and day, the visits read (halved below for a two-way gate).
        var perDay: [Key: Int] = [:]
        let counters = Set(readings.map(\.counter))
        var allDates: [LocalDate] = readings.map(\.date)

        switch settings.readings {
        case .interval:
            for reading in readings { perDay[Key(counter: reading.counter, date: reading.date), default: 0] += reading.value }
        case .cumulative:
            let byCounter = Dictionary(grouping: readings, by: \.counter)
            for counter in byCounter.keys.sorted() {
                let ordered = byCounter[counter]!.sorted { ($0.date, $0.second ?? -1, $0.line) < ($1.date, $1.second ?? -1, $1.line) }
                let first = ordered[0]
                corrections.append(Correction(kind: .baseline, counter: counter, line: first.line, date: first.date,
                                              message: "\(label(counter))The first reading (\(first.value), line \(first.line)) is the baseline: visits are counted from the next reading on.",
                                              messageNL: "\(labelNL(counter))De eerste stand (\(first.value), regel \(first.line)) is het beginpunt: bezoeken tellen vanaf de volgende stand."))
                for (previous, reading) in zip(ordered, ordered.dropFirst()) {
                    let key = Key(counter: counter, date: reading.date)
                    if reading.value >= previous.value {
                        perDay[key, default: 0] += reading.value - previous.value
                    } else {
                        perDay[key, default: 0] += reading.value
                        corrections.append(Correction(kind: .reset, counter: counter, line: reading.line, date: reading.date,
                                                      message: "\(label(counter))The reading fell from \(previous.value) to \(reading.value) (line \(reading.line)): the counter was reset, \(reading.value) visits are counted since.",
                                                      messageNL: "\(labelNL(counter))De stand daalde van \(previous.value) naar \(reading.value) (regel \(reading.line)): de teller is op nul gezet, sindsdien tellen \(reading.value) bezoeken."))
                    }
                }
            }
        }

        let halve = settings.twoWay && columns.entering == nil
        if halve {
            for (key, passages) in perDay { perDay[key] = (passages + 1) / 2 }
        }
        for counter in counters.sorted() {
            if columns.entering != nil, columns.leaving != nil {
                corrections.append(Correction(kind: .enteringOnly, counter: counter, line: nil, date: nil,
                                              message: "\(label(counter))Visits are the people entering (in); those leaving (out) are not counted again.",
                                              messageNL: "\(labelNL(counter))Bezoeken zijn de mensen die binnenkomen (binnen); wie vertrekt (buiten) telt niet nog eens."))
            }
            if halve {
                let days = perDay.keys.filter { $0.counter == counter }.count
                corrections.append(Correction(kind: .halved, counter: counter, line: nil, date: nil,
                                              message: "\(label(counter))A two-way gate counts everyone going in and out: the passages of \(days) days were halved.",
                                              messageNL: "\(labelNL(counter))Een poort in twee richtingen telt iedereen bij binnenkomst én vertrek: de doorgangen van \(days) dagen zijn gehalveerd."))
            }
        }

        var days = perDay.map { DayCount(date: $0.key.date, counter: $0.key.counter, visits: $0.value, origin: .counted) }
        // The days expected, and an estimate for each one a counter has no count of.
        allDates.sort()
        let expected: [LocalDate]
        if let open = settings.openDays {
            expected = open.sorted()
        } else if let first = allDates.first, let last = allDates.last {
            expected = (0...first.days(until: last)).map { first.adding(days: $0) }
        } else {
            expected = []
        }
        for counter in counters.sorted() {
            let counted = days.filter { $0.counter == counter }
            guard !counted.isEmpty else { continue }
            let countedDates = Set(counted.map(\.date))
            let byWeekday = Dictionary(grouping: counted, by: \.date.weekday)
            for date in expected where !countedDates.contains(date) {
                let sample = byWeekday[date.weekday] ?? counted
                let average = roundedAverage(sample.map(\.visits))
                days.append(DayCount(date: date, counter: counter, visits: average, origin: .estimated))
                let weekdayNL = dutchWeekdays[date.weekday.rawValue - 1]
                let basis = byWeekday[date.weekday] != nil
                    ? (en: "the average of \(sample.count) \(date.weekday.schemaOrgName)s", nl: "het gemiddelde van \(sample.count) \(weekdayNL)en")
                    : (en: "the average of all \(sample.count) counted days (no \(date.weekday.schemaOrgName) was counted)",
                       nl: "het gemiddelde van alle \(sample.count) getelde dagen (er is geen \(weekdayNL) geteld)")
                corrections.append(Correction(kind: .estimated, counter: counter, line: nil, date: date,
                                              message: "\(label(counter))No count for \(date.iso) (\(date.weekday.schemaOrgName)): estimated as \(average), \(basis.en).",
                                              messageNL: "\(labelNL(counter))Geen telling op \(date.iso) (\(weekdayNL)): geschat op \(average), \(basis.nl)."))
            }
        }
        days.sort { Key(counter: $0.counter, date: $0.date) < Key(counter: $1.counter, date: $1.date) }
        return Result(days: days, corrections: corrections, problems: problems.kept, problemCount: problems.count)
    }

    static let dutchWeekdays = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]

    /// The mean, rounded half up (counts are never negative).
    static func roundedAverage(_ values: [Int]) -> Int {
        guard !values.isEmpty else { return 0 }
        return (2 * values.reduce(0, +) + values.count) / (2 * values.count)
    }

    static func label(_ counter: String) -> String { counter.isEmpty ? "" : "Counter \(counter): " }
    static func labelNL(_ counter: String) -> String { counter.isEmpty ? "" : "Teller \(counter): " }
}
