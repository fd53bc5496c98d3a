import Foundation

/// Monthly usage of e-resources (databases, e-books, news platforms) from a
/// vendor's report, in one shape whatever the report's form: a count per
/// month, platform, resource and metric.
///
/// The forms read (the layouts are those of the COUNTER Code of Practice
/// Release 5, https://cop5.countermetrics.org, and its sample reports in
/// github.com/Project-Counter/cop5, source/_static/report/):
/// - **R5.0 JSON**, as SUSHI returns it: `Report_Header` (with
///   `Report_Filters` a list of `{Name, Value}`) and `Report_Items[]`, each
///   with `Performance[]` of `{Period: {Begin_Date, End_Date}, Instance:
///   [{Metric_Type, Count}]}`. A period must lie within one month (a report
///   asked with granularity "totals" cannot be split into months).
/// - **R5.1 JSON**: `Report_Header` (`Report_Filters` an object) and
///   `Report_Items[]`, each with `Attribute_Performance[]` of `{…attributes,
///   Performance: {Metric_Type: {"YYYY-MM": Count}}}`. Item reports nest their
///   items under a parent's `Items[]`; those are read too.
/// - **Tabular** (CSV or TSV, as the vendor's site or a spreadsheet saves
///   it): a header block of `Key, Value` rows (`Report_Name`, `Report_ID`,
///   `Release`, …, `Reporting_Period` as "Begin_Date=…; End_Date=…",
///   `Created`, `Created_By`, in R5.1 `Registry_Record`), a blank row, then a
///   row of column headings with `Metric_Type`, `Reporting_Period_Total` and
///   a column per month headed "Jan-2026" or "2026-01". Without month
///   columns (asked with Exclude_Monthly_Details) only a one-month report can
///   be read: its total is that month's.
/// - **Plain CSV**, for vendors without COUNTER: columns by heading,
///   `date`/`datum`/`month`/`maand` (a day or a month), `resource`/`bron`
///   and/or `platform`, `metric`/`meting`/`type`, `count`/`aantal`.
///
/// What the rows become:
/// - the resource is the item's `Item`, else `Title`, else `Database` (a
///   platform report has none: ""); the platform is `Platform` (an item
///   inherits its parent's);
/// - counts of the same month, platform, resource and metric are summed —
///   across data types, access methods, years of publication and days;
/// - a count of 0 gives no row (R5 JSON leaves zero months out too);
/// - a bad count, date or item is a problem with its line or item path; the
///   report is `accepted` only without problems — the caller decides.
///
/// Limits: at most `maximumBytes`; JSON nested at most `maximumDepth` deep
/// (checked before `JSONSerialization` sees it, which has its own limit of
/// 512 on Linux but should not be the only guard).
public enum CounterReport {
    public static let maximumBytes = 50 * 1_024 * 1_024
    public static let maximumDepth = 64
    /// Rows in which the tabular form's column headings must have appeared.
    static let headerRowLimit = 40

    /// Usage of one resource in one month, by one metric.
    public struct UsageCount: Sendable, Hashable, Comparable {
        /// "YYYY-MM".
        public let month: String
        public let platform: String
        /// The database, title or item; "" in a platform report.
        public let resource: String
        /// COUNTER's Metric_Type ("Total_Item_Requests", "Searches_Regular"), or the plain CSV's metric.
        public let metric: String
        public let count: Int

        public init(month: String, platform: String, resource: String, metric: String, count: Int) {
            self.month = month
            self.platform = platform
            self.resource = resource
            self.metric = metric
            self.count = count
        }

        /// By month, platform, resource, metric, count. (Field by field rather than as a tuple: a tuple copies
        /// four strings per comparison, and a title report sorts hundreds of thousands of rows.)
        public static func < (lhs: UsageCount, rhs: UsageCount) -> Bool {
            if lhs.month != rhs.month { return lhs.month < rhs.month }
            if lhs.platform != rhs.platform { return lhs.platform < rhs.platform }
            if lhs.resource != rhs.resource { return lhs.resource < rhs.resource }
            if lhs.metric != rhs.metric { return lhs.metric < rhs.metric }
            return lhs.count < rhs.count
        }
    }

    /// The form a report came in.
    public enum Form: String, Sendable, Codable, CaseIterable {
        case json50 = "r5.0_json", json51 = "r5.1_json", tabular, plainCSV = "plain_csv"
    }

    /// What a COUNTER report says of itself; empty for a plain CSV.
    public struct Header: Sendable, Equatable {
        /// "PR", "DR", "TR", "IR", "PR_P1", "DR_D1", "TR_B1", …
        public var reportID: String?
        public var reportName: String?
        /// "5", "5.0" or "5.1".
        public var release: String?
        public var institution: String?
        public var createdBy: String?
        /// The reporting period.
        public var begin: LocalDate?
        public var end: LocalDate?

        public init(reportID: String? = nil, reportName: String? = nil, release: String? = nil, institution: String? = nil,
                    createdBy: String? = nil, begin: LocalDate? = nil, end: LocalDate? = nil) {
            self.reportID = reportID
            self.reportName = reportName
            self.release = release
            self.institution = institution
            self.createdBy = createdBy
            self.begin = begin
            self.end = end
        }
    }

    public struct Result: Sendable {
        public let form: Form
        public let header: Header
        /// Summed, ordered by month, platform, resource, metric.
        public let counts: [UsageCount]
        /// The first `ImportProblem.limit` problems.
        public let problems: [ImportProblem]
        public let problemCount: Int

        /// Nothing was wrong: the counts may be stored.
        public var accepted: Bool { problemCount == 0 }
    }

    /// Reads a report in any of the four forms. Throws when the file as a
    /// whole cannot be read (too large, too deep, not JSON, no headings, a
    /// SUSHI exception instead of a report); a bad count or item is a problem.
    public static func parse(_ data: Data) throws(BiebError) -> Result {
        guard data.count <= maximumBytes else {
            throw BiebError.invalid("file", "The report is larger than \(maximumBytes / 1_048_576) MB; ask for fewer months at a time.",
                                    nl: "Het rapport is groter dan \(maximumBytes / 1_048_576) MB; vraag minder maanden tegelijk op.",
                                    code: "file_too_large")
        }
        let bytes = utf8(data)
        let outcome: Swift.Result<Result, BiebError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(BiebError) {
                let start = buffer[DelimitedText.bomLength(buffer)...].firstIndex { !isWhitespace($0) }
                if let start, buffer[start] == UInt8(ascii: "{") || buffer[start] == UInt8(ascii: "[") {
                    return .success(try parseJSON(buffer))
                }
                return .success(try parseDelimited(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Reads a report given as text.
    public static func parse(text: String) throws(BiebError) -> Result { try parse(Data(text.utf8)) }

    /// The bytes as UTF-8: a spreadsheet's "Unicode text" is UTF-16 with a byte order mark.
    static func utf8(_ data: Data) -> [UInt8] {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]),
           let text = String(data: data, encoding: .utf16) {
            return [UInt8](text.utf8)
        }
        return bytes
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    // MARK: - Summing

    struct Tally {
        struct Key: Hashable { let month, platform, resource, metric: String }
        var sums: [Key: Int] = [:]
        var problems = ImportProblems()

        mutating func add(month: String, platform: String, resource: String, metric: String, count: Int) {
            sums[Key(month: month, platform: platform, resource: resource, metric: metric), default: 0] += count
        }

        func result(form: Form, header: Header) -> Result {
            let counts = sums.compactMap { key, count in
                count == 0 ? nil : UsageCount(month: key.month, platform: key.platform, resource: key.resource, metric: key.metric, count: count)
            }
            return Result(form: form, header: header, counts: counts.sorted(), problems: problems.kept, problemCount: problems.count)
        }
    }

    // MARK: - JSON

    static func parseJSON(_ buffer: UnsafeBufferPointer<UInt8>) throws(BiebError) -> Result {
        try checkDepth(buffer)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(buffer[DelimitedText.bomLength(buffer)...]))
        } catch {
            throw BiebError.invalid("file", "The report is not valid JSON.", nl: "Het rapport is geen geldige JSON.", code: "invalid_json")
        }
        if let exceptions = object as? [Any], let first = exceptions.first as? [String: Any], first["Code"] != nil {
            throw exception(first)
        }
        guard let report = object as? [String: Any], report["Report_Header"] != nil || report["Report_Items"] != nil else {
            if let single = object as? [String: Any], single["Code"] != nil { throw exception(single) }
            throw BiebError.invalid("file", "The JSON is not a COUNTER report: it has no Report_Header or Report_Items.",
                                    nl: "De JSON is geen COUNTER-rapport: Report_Header en Report_Items ontbreken.", code: "not_a_report")
        }
        let header = jsonHeader(report["Report_Header"] as? [String: Any] ?? [:])
        var tally = Tally()
        var usedAttributePerformance = false
        if let items = report["Report_Items"] as? [Any] {
            for (index, item) in items.enumerated() {
                jsonItem(item, path: "Report_Items[\(index)]", platform: "", resource: "", tally: &tally,
                         attributePerformance: &usedAttributePerformance)
            }
        } else if report["Report_Items"] != nil {
            tally.problems.add(ImportProblem(item: "Report_Items", code: "bad_item", message: "Report_Items is not a list.",
                                             nl: "Report_Items is geen lijst."))
        }
        let form: Form = header.release.map { $0.hasPrefix("5.1") ? .json51 : .json50 } ?? (usedAttributePerformance ? .json51 : .json50)
        return tally.result(form: form, header: header)
    }

    /// Refuses JSON nested deeper than `maximumDepth`, before anything is built from it.
    static func checkDepth(_ buffer: UnsafeBufferPointer<UInt8>) throws(BiebError) {
        guard !JSONDepth.exceeds(buffer, limit: maximumDepth + 1) else {
            throw BiebError.invalid("file", "The JSON is nested more than \(maximumDepth) levels deep; a COUNTER report needs about ten.",
                                    nl: "De JSON is dieper dan \(maximumDepth) niveaus genest; een COUNTER-rapport heeft er zo'n tien nodig.",
                                    code: "invalid_json")
        }
    }

    /// A SUSHI exception returned instead of a report (3030: no usage, 2010: not authorised, …).
    static func exception(_ body: [String: Any]) -> BiebError {
        let code = string(body["Code"]) ?? "?"
        let message = string(body["Message"]) ?? ""
        let data = string(body["Data"]).map { " (\($0))" } ?? ""
        return BiebError(.badGateway, code: "counter_exception", field: "file",
                         message: "The report server answered with COUNTER exception \(code) instead of a report: \(message)\(data)",
                         nl: "De rapportserver gaf COUNTER-melding \(code) in plaats van een rapport: \(message)\(data)")
    }

    static func jsonHeader(_ header: [String: Any]) -> Header {
        var result = Header(reportID: string(header["Report_ID"]), reportName: string(header["Report_Name"]),
                            release: string(header["Release"]), institution: string(header["Institution_Name"]),
                            createdBy: string(header["Created_By"]))
        var filters: [String: String] = [:]
        if let list = header["Report_Filters"] as? [Any] {
            // R5.0: [{"Name": "Begin_Date", "Value": "2016-01-01"}, …]
            for case let filter as [String: Any] in list {
                if let name = string(filter["Name"]), let value = string(filter["Value"]) { filters[name] = value }
            }
        } else if let object = header["Report_Filters"] as? [String: Any] {
            // R5.1: {"Begin_Date": "2022-01-01", …}
            for (name, value) in object { if let value = string(value) { filters[name] = value } }
        }
        result.begin = filters["Begin_Date"].flatMap { periodDate($0, end: false) }
        result.end = filters["End_Date"].flatMap { periodDate($0, end: true) }
        return result
    }

    /// A reporting period's date: "2022-01-31", or a month "2022-01" (its first or last day).
    static func periodDate(_ text: String, end: Bool) -> LocalDate? {
        if let date = ImportDate.date(text) { return date }
        guard let month = ImportDate.month(text) else { return nil }
        let year = Int(month.prefix(4))!, number = Int(month.suffix(2))!
        return LocalDate(year: year, month: number, day: end ? LocalDate.daysInMonth(year: year, month: number) : 1)
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: text.trimmingCharacters(in: .whitespaces)
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// A count: a whole number from 0 to `ImportNumber.maximum` (a string of digits is taken too).
    /// The item's path is only written out for a problem: a report has hundreds of thousands of counts.
    static func count(_ value: Any?, item: @autoclosure () -> String, tally: inout Tally) -> Int? {
        // A JSON number converts to Int only when it is whole (1.5 does not).
        if let whole = value as? Int {
            if whole < 0 {
                tally.problems.add(ImportNumber.problem(.negative, String(whole), column: "Count", item: item()))
                return nil
            }
            if whole > ImportNumber.maximum {
                tally.problems.add(ImportNumber.problem(.tooLarge, String(whole), column: "Count", item: item()))
                return nil
            }
            return whole
        }
        if let text = value as? String {
            switch ImportNumber.parse(text.trimmingCharacters(in: .whitespaces)) {
            case .success(let whole): return whole
            case .failure(let failure):
                tally.problems.add(ImportNumber.problem(failure, text, column: "Count", item: item()))
                return nil
            }
        }
        let written = value.map { "\($0)" } ?? "nothing"
        tally.problems.add(ImportNumber.problem(.notANumber, written, column: "Count", item: item()))
        return nil
    }

    static func jsonItem(_ value: Any, path: String, platform inherited: String, resource inheritedResource: String,
                         tally: inout Tally, attributePerformance: inout Bool) {
        guard let item = value as? [String: Any] else {
            tally.problems.add(ImportProblem(item: path, code: "bad_item", message: "The item is not an object.", nl: "Het item is geen object."))
            return
        }
        let platform = string(item["Platform"]) ?? inherited
        let resource = string(item["Item"]) ?? string(item["Title"]) ?? string(item["Database"]) ?? inheritedResource
        var read = false
        if let children = item["Items"] as? [Any] {
            read = true
            for (index, child) in children.enumerated() {
                jsonItem(child, path: "\(path).Items[\(index)]", platform: platform, resource: resource, tally: &tally,
                         attributePerformance: &attributePerformance)
            }
        }
        if let periods = item["Performance"] as? [Any] {
            read = true
            for (index, period) in periods.enumerated() {
                performance50(period, path: "\(path).Performance[\(index)]", platform: platform, resource: resource, tally: &tally)
            }
        }
        if let attributes = item["Attribute_Performance"] as? [Any] {
            read = true
            attributePerformance = true
            for (index, attribute) in attributes.enumerated() {
                performance51(attribute, path: "\(path).Attribute_Performance[\(index)]", platform: platform, resource: resource, tally: &tally)
            }
        }
        if !read {
            tally.problems.add(ImportProblem(item: path, code: "bad_item",
                                             message: "The item has no Performance (R5.0) or Attribute_Performance (R5.1).",
                                             nl: "Het item heeft geen Performance (R5.0) of Attribute_Performance (R5.1)."))
        }
    }

    /// R5.0: `{"Period": {"Begin_Date", "End_Date"}, "Instance": [{"Metric_Type", "Count"}]}`.
    static func performance50(_ value: Any, path: String, platform: String, resource: String, tally: inout Tally) {
        guard let entry = value as? [String: Any], let period = entry["Period"] as? [String: Any],
              let instances = entry["Instance"] as? [Any] else {
            tally.problems.add(ImportProblem(item: path, code: "bad_item", message: "A performance needs a Period and an Instance list.",
                                             nl: "Een performance heeft een Period en een Instance-lijst nodig."))
            return
        }
        let beginText = string(period["Begin_Date"]) ?? "", endText = string(period["End_Date"]) ?? ""
        guard let begin = ImportDate.date(beginText), let end = ImportDate.date(endText) else {
            tally.problems.add(ImportProblem(item: path, code: "bad_date",
                                             message: "The period '\(beginText)' to '\(endText)' is not two dates.",
                                             nl: "De periode '\(beginText)' tot '\(endText)' is geen twee datums."))
            return
        }
        guard begin.year == end.year, begin.month == end.month, begin <= end else {
            tally.problems.add(ImportProblem(item: path, code: "bad_period",
                                             message: "The period \(begin.iso) to \(end.iso) is not within one month; ask for the report by month.",
                                             nl: "De periode \(begin.iso) tot \(end.iso) valt niet binnen één maand; vraag het rapport per maand op."))
            return
        }
        let month = ImportDate.format(year: begin.year, month: begin.month)!
        for (index, instance) in instances.enumerated() {
            func location() -> String { "\(path).Instance[\(index)]" }
            guard let instance = instance as? [String: Any], let metric = string(instance["Metric_Type"]), !metric.isEmpty else {
                tally.problems.add(ImportProblem(item: location(), code: "bad_item", message: "An instance needs a Metric_Type.",
                                                 nl: "Een instance heeft een Metric_Type nodig."))
                continue
            }
            if let count = count(instance["Count"], item: location(), tally: &tally) {
                tally.add(month: month, platform: platform, resource: resource, metric: metric, count: count)
            }
        }
    }

    /// R5.1: `{…attributes, "Performance": {"Metric_Type": {"YYYY-MM": Count}}}`.
    static func performance51(_ value: Any, path: String, platform: String, resource: String, tally: inout Tally) {
        guard let entry = value as? [String: Any], let performance = entry["Performance"] as? [String: Any] else {
            tally.problems.add(ImportProblem(item: path, code: "bad_item", message: "An attribute performance needs a Performance object.",
                                             nl: "Een attribute performance heeft een Performance-object nodig."))
            return
        }
        for metric in performance.keys.sorted() {
            let location = "\(path).Performance.\(metric)"
            guard let months = performance[metric] as? [String: Any] else {
                tally.problems.add(ImportProblem(item: location, code: "bad_item", message: "The metric's counts are not an object of months.",
                                                 nl: "De tellingen van de metric zijn geen object met maanden."))
                continue
            }
            for key in months.keys.sorted() {
                // Only "YYYY-MM": granularity "totals" gives a key that is no month.
                guard ImportDate.isMonthKey(key) else {
                    tally.problems.add(ImportProblem(item: "\(location).\(key)", code: "bad_period",
                                                     message: "'\(key)' is not a month (YYYY-MM); ask for the report by month.",
                                                     nl: "'\(key)' is geen maand (JJJJ-MM); vraag het rapport per maand op."))
                    continue
                }
                if let count = count(months[key], item: "\(location).\(key)", tally: &tally) {
                    tally.add(month: key, platform: platform, resource: resource, metric: metric, count: count)
                }
            }
        }
    }

    // MARK: - Tabular and plain CSV

    static func parseDelimited(_ buffer: UnsafeBufferPointer<UInt8>) throws(BiebError) -> Result {
        let separator = DelimitedText.separator(of: buffer)
        var records: [(line: Int, fields: [String])] = []
        DelimitedText.forEachRecord(in: buffer, separator: separator) { line, fields in
            if !DelimitedText.isBlank(fields) || !records.isEmpty { records.append((line, fields)) }
        }
        guard let first = records.first else {
            throw BiebError.invalid("file", "The report is empty.", nl: "Het rapport is leeg.", code: "empty_file")
        }
        let opening = DelimitedText.heading(first.fields[0])
        if opening == "report name" || opening == "report id" { return try parseTabular(records, separator: separator) }
        // Release 4 tabular reports open with their title: "Database Report 1 (R4)".
        if opening.contains("(r4)") { throw unsupportedRelease("4") }
        return try parsePlain(records)
    }

    static func parseTabular(_ records: [(line: Int, fields: [String])], separator: UInt8) throws(BiebError) -> Result {
        var values: [String: String] = [:]
        guard let headingsIndex = records.prefix(headerRowLimit).firstIndex(where: { $0.fields.contains { DelimitedText.heading($0) == "metric type" } }) else {
            throw BiebError.invalid("file", "No row of column headings with Metric_Type in the first \(headerRowLimit) rows of the report.",
                                    nl: "Geen regel met kolomkoppen met Metric_Type in de eerste \(headerRowLimit) regels van het rapport.",
                                    code: "no_headings")
        }
        for record in records[..<headingsIndex] where !record.fields[0].isEmpty {
            // An unquoted value with the separator in it ("Begin_Date=…; End_Date=…" in a `;` file) is put together again.
            let parts = record.fields.dropFirst().filter { !$0.isEmpty }
            values[DelimitedText.heading(record.fields[0])] = parts.joined(separator: String(UnicodeScalar(separator)) + " ")
        }
        var header = Header(reportID: values["report id"], reportName: values["report name"], release: values["release"],
                            institution: values["institution name"], createdBy: values["created by"])
        if let release = header.release, !release.hasPrefix("5") { throw unsupportedRelease(release) }
        // "Begin_Date=2022-01-01; End_Date=2022-12-31"
        for part in (values["reporting period"] ?? "").split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch DelimitedText.heading(pair[0]) {
            case "begin date": header.begin = periodDate(pair[1], end: false)
            case "end date": header.end = periodDate(pair[1], end: true)
            default: break
            }
        }

        let headings = records[headingsIndex].fields.map(DelimitedText.heading)
        let metricColumn = headings.firstIndex(of: "metric type")!
        let platformColumn = headings.firstIndex(of: "platform")
        let resourceColumn = ["item", "title", "database"].lazy.compactMap { headings.firstIndex(of: $0) }.first
        var months: [(column: Int, month: String)] = records[headingsIndex].fields.enumerated().compactMap { column, text in
            ImportDate.month(text).map { (column, $0) }
        }
        if months.isEmpty {
            guard let total = headings.firstIndex(of: "reporting period total"), let begin = header.begin, let end = header.end,
                  begin.year == end.year, begin.month == end.month else {
                throw BiebError.invalid("file", "The report has no month columns (it was made with Exclude_Monthly_Details) and covers more than one month; ask for it with monthly details.",
                                        nl: "Het rapport heeft geen kolommen per maand (het is gemaakt met Exclude_Monthly_Details) en beslaat meer dan één maand; vraag het op met maanddetails.",
                                        code: "no_month_columns")
            }
            months = [(total, ImportDate.format(year: begin.year, month: begin.month)!)]
        }

        var tally = Tally()
        for (line, fields) in records[(headingsIndex + 1)...] where !DelimitedText.isBlank(fields) {
            func cell(_ column: Int?) -> String {
                guard let column, column < fields.count else { return "" }
                return fields[column]
            }
            let metric = cell(metricColumn)
            guard !metric.isEmpty else {
                tally.problems.add(ImportProblem(line: line, code: "no_metric", message: "The row has no Metric_Type.",
                                                 nl: "De regel heeft geen Metric_Type."))
                continue
            }
            for (column, month) in months {
                let text = cell(column)
                guard !text.isEmpty else { continue }
                switch ImportNumber.parse(text) {
                case .success(let count):
                    tally.add(month: month, platform: cell(platformColumn), resource: cell(resourceColumn), metric: metric, count: count)
                case .failure(let failure):
                    tally.problems.add(ImportNumber.problem(failure, text, column: records[headingsIndex].fields[column], line: line))
                }
            }
        }
        return tally.result(form: .tabular, header: header)
    }

    static func unsupportedRelease(_ release: String) -> BiebError {
        BiebError.invalid("file", "This is a COUNTER Release \(release) report; Bieb reads Release 5. Ask the vendor for R5.",
                          nl: "Dit is een rapport volgens COUNTER Release \(release); Bieb leest Release 5. Vraag de leverancier om R5.",
                          code: "unsupported_release")
    }

    /// Headings of the plain CSV.
    static let plainColumns: [(name: String, headings: Set<String>)] = [
        ("date", ["date", "datum", "month", "maand"]),
        ("resource", ["resource", "bron"]),
        ("platform", ["platform"]),
        ("metric", ["metric", "meting", "type", "metric type"]),
        ("count", ["count", "aantal"]),
    ]

    static func parsePlain(_ records: [(line: Int, fields: [String])]) throws(BiebError) -> Result {
        let headings = records[0].fields.map(DelimitedText.heading)
        var columns: [String: Int] = [:]
        for (name, names) in plainColumns { columns[name] = headings.firstIndex(where: names.contains) }
        guard let dateColumn = columns["date"], let metricColumn = columns["metric"], let countColumn = columns["count"],
              columns["resource"] != nil || columns["platform"] != nil else {
            throw BiebError.invalid("file", "Not a COUNTER report, and the first row does not name the columns date, resource (or platform), metric and count; it has: \(records[0].fields.joined(separator: ", ")).",
                                    nl: "Geen COUNTER-rapport, en de eerste regel noemt niet de kolommen datum, bron (of platform), meting en aantal; er staat: \(records[0].fields.joined(separator: ", ")).",
                                    code: "no_headings")
        }
        var tally = Tally()
        for (line, fields) in records.dropFirst() where !DelimitedText.isBlank(fields) {
            func cell(_ column: Int?) -> String {
                guard let column, column < fields.count else { return "" }
                return fields[column]
            }
            let written = cell(dateColumn), metric = cell(metricColumn), countText = cell(countColumn)
            var bad = false
            let month = ImportDate.month(written)
            if month == nil {
                bad = true
                tally.problems.add(ImportProblem(line: line, code: "bad_date",
                                                 message: "'\(written)' is not a date or month (2026-03-01, 01-03-2026, 2026-03, Mar-2026).",
                                                 nl: "'\(written)' is geen datum of maand (01-03-2026, 2026-03-01, 2026-03, mrt-2026)."))
            }
            if metric.isEmpty {
                bad = true
                tally.problems.add(ImportProblem(line: line, code: "no_metric", message: "The row has no metric.", nl: "De regel heeft geen meting."))
            }
            switch ImportNumber.parse(countText) {
            case .success(let count):
                if !bad, let month {
                    tally.add(month: month, platform: cell(columns["platform"]), resource: cell(columns["resource"]), metric: metric, count: count)
                }
            case .failure(let failure):
                tally.problems.add(ImportNumber.problem(failure, countText, column: "count", line: line))
            }
        }
        return tally.result(form: .plainCSV, header: Header())
    }
}
