import Foundation
import Vapor
import BiebCore

/// The page languages: Dutch by default, English available.
enum Language: String, Codable, Sendable, CaseIterable {
    case nl, en

    /// `?lang=` first, then the `lang` cookie (set by choosing a language), then
    /// Accept-Language, then Dutch.
    static func of(_ request: Request) -> Language {
        if let query = request.query[String.self, at: "lang"], let lang = Language(rawValue: query.lowercased()) {
            return lang
        }
        if let cookie = request.cookies["lang"]?.string, let lang = Language(rawValue: cookie) {
            return lang
        }
        if let header = request.headers.first(name: .acceptLanguage) {
            return fromAcceptLanguage(header) ?? .nl
        }
        return .nl
    }

    /// The preferred supported language in an Accept-Language header, by q-value.
    static func fromAcceptLanguage(_ header: String) -> Language? {
        var best: (Language, Double)?
        for (position, part) in header.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            let primary = String(tag.split(separator: "-").first ?? "")
            var q = 1.0
            for piece in pieces.dropFirst() where piece.hasPrefix("q=") {
                q = Double(piece.dropFirst(2)) ?? 0
            }
            // Earlier entries win ties.
            let score = q - Double(position) * 1e-6
            guard let lang = Language(rawValue: primary), q > 0 else { continue }
            if best == nil || score > best!.1 { best = (lang, score) }
        }
        return best?.0
    }

    var locale: Locale { Locale(identifier: self == .nl ? "nl_NL" : "en_GB") }
}

/// The translated texts of the pages, from `Resources/Locales/{nl,en}.json`.
/// Both files must have the same keys (a test checks it).
enum Locales {
    nonisolated(unsafe) private static var tables: [Language: [String: String]] = [:]
    private static let lock = NSLock()

    static func load() throws {
        lock.lock()
        defer { lock.unlock() }
        guard tables.isEmpty else { return }
        for lang in Language.allCases {
            let url = Resources.directory.appendingPathComponent("Locales/\(lang.rawValue).json")
            let data = try Data(contentsOf: url)
            tables[lang] = try JSONDecoder().decode([String: String].self, from: data)
        }
    }

    static func table(_ lang: Language) -> [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return tables[lang] ?? [:]
    }

    /// A text that counts something, in its singular or plural form: `key_one` when `count` is 1 (and
    /// the table has it), `key` otherwise; `{n}` is the count.
    static func text(_ key: String, _ lang: Language, count: Int, _ values: [String: String] = [:]) -> String {
        let form = count == 1 && table(lang)[key + "_one"] != nil ? key + "_one" : key
        return text(form, lang, values.merging(["n": String(count)]) { given, _ in given })
    }

    /// A text by key, with `{name}` placeholders filled in.
    static func text(_ key: String, _ lang: Language, _ values: [String: String] = [:]) -> String {
        var text = table(lang)[key] ?? key
        for (name, value) in values {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return text
    }
}

/// Formatting of dates and times for people, in the organisation's time zone.
struct Formats {
    let lang: Language
    let timeZone: TimeZone

    /// A number in the page's language: "1,84" in Dutch, "1.84" in English; `digits` decimals, or with nil as few as
    /// it takes ("12,25", "40").
    static func decimal(_ value: Double, digits: Int?, english: Bool) -> String {
        var text = digits.map { String(format: "%.\($0)f", value) } ?? String(value)
        if digits == nil, text.hasSuffix(".0") { text.removeLast(2) }
        return english ? text : text.replacingOccurrences(of: ".", with: ",")
    }

    func decimal(_ value: Double, digits: Int?) -> String { Self.decimal(value, digits: digits, english: lang == .en) }

    /// A count as people read it, grouped by thousands: "378.186" in Dutch, "378,186" in English.
    static func count(_ value: Int, _ lang: Language) -> String { value.formatted(.number.locale(lang.locale)) }

    func count(_ value: Int) -> String { Self.count(value, lang) }

    /// A count of a breakdown as it may leave the dashboard: "<5" under five (`SmallCells`), else grouped as `count`.
    func cell(_ value: Int) -> String { value < SmallCells.threshold ? SmallCells.hidden : count(value) }

    /// A figure that comes as text from the statistics (a count, "<5", "—", "12,5 %"): a count grouped as `count`,
    /// anything else as it is. Exports (CSV, the API) keep the plain digits.
    func figure(_ text: String) -> String { Int(text).map(count) ?? text }

    /// A note on a fee line as the page says it (`FeeNote`: Bieb's own notes in the page's language,
    /// a membership period's dates written out; what staff typed as typed).
    func feeNote(_ note: String) -> String { FeeNote.words(note, english: lang == .en, date: dateWithYear) }

    func time(_ date: Date) -> String {
        let minute = LocalClock.minuteOfDay(of: date, in: timeZone)
        return String(format: "%02d:%02d", minute / 60, minute % 60)
    }

    /// A moment as people say it: "donderdag 3 december 14:30".
    func moment(_ date: Date) -> String {
        "\(longDate(LocalDate(date, in: timeZone))) \(time(date))"
    }

    func weekdayName(_ day: Weekday) -> String {
        Locales.text("weekday_\(day.name)", lang)
    }

    func weekdayShort(_ day: Weekday) -> String {
        Locales.text("weekday_short_\(day.name)", lang)
    }

    func monthName(_ month: Int) -> String {
        Locales.text("month_\(month)", lang)
    }

    /// "maandag 24 november" / "Monday 24 November".
    func longDate(_ date: LocalDate) -> String {
        "\(weekdayName(date.weekday)) \(date.day) \(monthName(date.month))"
    }

    /// "24 november 2026" / "24 November 2026": a date that may be in another year.
    func dateWithYear(_ date: LocalDate) -> String {
        "\(date.day) \(monthName(date.month)) \(date.year)"
    }

    /// "dinsdag 1 december 2026, 20:00–22:00"; a range over several days: "1 december 2026 – 31 januari 2027".
    func range(_ range: TimeRange) -> String {
        let first = LocalDate(range.start, in: timeZone), last = LocalDate(range.end.addingTimeInterval(-1), in: timeZone)
        if first == last {
            return "\(longDate(first)) \(first.year), \(time(range.start))–\(time(range.end))"
        }
        return "\(dateWithYear(first)) – \(dateWithYear(last))"
    }

    /// "24 nov." style compact date with weekday: "ma 24 nov".
    func shortDate(_ date: LocalDate) -> String {
        "\(weekdayShort(date.weekday)) \(date.day) \(monthName(date.month).prefix(3))"
    }

    /// "today", "tomorrow", or the long date, relative to `today`.
    func relativeDay(_ date: LocalDate, today: LocalDate) -> String {
        switch today.days(until: date) {
        case 0: Locales.text("day_today", lang)
        case 1: Locales.text("day_tomorrow", lang)
        case 2...6: weekdayName(date.weekday)
        default: longDate(date)
        }
    }

    func level(_ level: ServiceLevel) -> String {
        Locales.text("level_\(level.rawValue)", lang)
    }
}

/// Checks used by tests and at start-up: both languages have the same keys.
public enum LocaleCheck {
    /// Keys present in one language file but not in the other.
    public static func mismatchedKeys() throws -> [String] {
        try Locales.load()
        let nl = Set(Locales.table(.nl).keys)
        let en = Set(Locales.table(.en).keys)
        return nl.symmetricDifference(en).sorted()
    }

    /// Keys used by templates (`page.t.KEY`) that no language file defines.
    public static func undefinedTemplateKeys() throws -> [String] {
        try Locales.load()
        let defined = Set(Locales.table(.nl).keys)
        let views = Resources.directory.appendingPathComponent("Views")
        var used = Set<String>()
        let files = FileManager.default.enumerator(at: views, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "leaf" {
            let text = try String(contentsOf: file, encoding: .utf8)
            var rest = text[...]
            while let range = rest.range(of: "page.t.") {
                let key = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                used.insert(String(key))
                rest = rest[range.upperBound...]
            }
        }
        return used.subtracting(defined).sorted()
    }
}
