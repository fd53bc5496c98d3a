import Foundation

/// Dates, times and months as exports write them. Day first always: Dutch
/// and European exports write 01/03/2026 for the first of March, and a file
/// that meant 3 January would be read wrongly rather than refused — so the
/// American order is not guessed at.
///
/// - A date: ISO `2026-03-01`; `01-03-2026` and `1-3-2026`; `01/03/2026`
///   and `1/3/2026`; `01.03.2026`. A time after it is split off: "2026-03-01 10:15",
///   "2026-03-01T10:15:00".
/// - A time: `10:15`, `9:05`, `10:15:30` (00:00 to 24:00); a zone or
///   fraction after the seconds is ignored.
/// - A month, as "YYYY-MM": `2026-01`, `01-2026`, `1/2026`, `Jan-2026`
///   (COUNTER's heading), `jan 2026`, `januari 2026`, `mrt-2026`, `Jan-26`
///   (a spreadsheet's shortening of Jan-2026: 20yy), or a whole date.
///
/// It works on UTF-8 bytes: a two-million-line export has two million dates.
enum ImportDate {
    /// The date and, if any, the time written after it (after a space or a `T`).
    static func split(_ text: String) -> (date: Substring, time: Substring?) {
        // The common case, a bare date, without slicing.
        if !text.utf8.contains(where: { $0 == space || $0 == UInt8(ascii: "T") }) { return (Substring(text), nil) }
        let trimmed = trim(Substring(text))
        guard let cut = trimmed.utf8.firstIndex(where: { $0 == space || $0 == UInt8(ascii: "T") }) else { return (trimmed, nil) }
        let time = trim(trimmed[trimmed.utf8.index(after: cut)...])
        return (trimmed[..<cut], time.isEmpty ? nil : time)
    }

    static let space = UInt8(ascii: " ")

    static func trim(_ text: Substring) -> Substring {
        guard let first = text.utf8.firstIndex(where: { $0 != space }), let last = text.utf8.lastIndex(where: { $0 != space }) else { return "" }
        return text[first...last]
    }

    /// Up to three numbers separated by one kind of separator ("01-03-2026":
    /// 1, 3, 2026, with their digit counts), kept inline: no allocation per date.
    struct Numbers {
        var values = (0, 0, 0), digits = (0, 0, 0), count = 1, separator: UInt8 = 0

        func digitCount(_ index: Int) -> Int { index == 0 ? digits.0 : index == 1 ? digits.1 : digits.2 }

        mutating func add(digit: Int) -> Bool {
            switch count {
            case 1: guard digits.0 < 4 else { return false }; values.0 = values.0 * 10 + digit; digits.0 += 1
            case 2: guard digits.1 < 4 else { return false }; values.1 = values.1 * 10 + digit; digits.1 += 1
            default: guard digits.2 < 4 else { return false }; values.2 = values.2 * 10 + digit; digits.2 += 1
            }
            return true
        }
    }

    /// The numbers of `text`, at most `limit` (≤ 3), separated by one of `separators`; nil when anything else is in it.
    static func numbers(_ text: some StringProtocol, separators: [UInt8], limit: Int) -> Numbers? {
        var result = Numbers()
        for byte in text.utf8 {
            if byte >= 0x30, byte <= 0x39 {
                guard result.add(digit: Int(byte - 0x30)) else { return nil }
            } else if separators.contains(byte), result.separator == 0 || result.separator == byte,
                      result.digitCount(result.count - 1) > 0, result.count < limit {
                result.separator = byte
                result.count += 1
            } else {
                return nil
            }
        }
        return result.digitCount(result.count - 1) > 0 ? result : nil
    }

    static let dateSeparators: [UInt8] = [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ".")]

    /// A date in one of the accepted forms, nil otherwise.
    static func date(_ text: some StringProtocol) -> LocalDate? {
        guard let numbers = numbers(text, separators: dateSeparators, limit: 3), numbers.count == 3 else { return nil }
        let (d0, d1, d2) = numbers.digits, (v0, v1, v2) = numbers.values
        if d0 == 4, d1 == 2, d2 == 2, numbers.separator == UInt8(ascii: "-") { return LocalDate(year: v0, month: v1, day: v2) }
        if (1...2).contains(d0), (1...2).contains(d1), d2 == 4 { return LocalDate(year: v2, month: v1, day: v0) }
        return nil
    }

    /// Seconds after midnight of `HH:MM` or `HH:MM:SS`, nil otherwise; what
    /// follows the seconds (".000", "Z", "+01:00") is ignored.
    static func secondOfDay(_ text: some StringProtocol) -> Int? {
        var clock = Substring(text)
        if clock.utf8.count > 8, let cut = clock.utf8.dropFirst(5).firstIndex(where: { !($0 >= 0x30 && $0 <= 0x39) && $0 != UInt8(ascii: ":") }) {
            clock = clock[..<cut]
        }
        guard let numbers = numbers(clock, separators: [UInt8(ascii: ":")], limit: 3), numbers.count >= 2,
              (1...2).contains(numbers.digits.0), numbers.digits.1 == 2, numbers.count == 2 || numbers.digits.2 == 2 else { return nil }
        let hour = numbers.values.0, minute = numbers.values.1, second = numbers.count == 3 ? numbers.values.2 : 0
        guard hour <= 24, minute <= 59, second <= 59, hour < 24 || (minute == 0 && second == 0) else { return nil }
        return hour * 3600 + minute * 60 + second
    }

    static let monthSeparators: [UInt8] = [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "."), space]

    /// "YYYY-MM" of a month (or of a date) in one of the accepted forms.
    static func month(_ text: String) -> String? {
        let trimmed = trim(Substring(text))
        if let date = date(split(String(trimmed)).date) { return format(year: date.year, month: date.month) }
        if let numbers = numbers(trimmed, separators: monthSeparators, limit: 2), numbers.count == 2 {
            let (d0, d1, _) = numbers.digits, (v0, v1, _) = numbers.values
            if d0 == 4, (1...2).contains(d1) { return format(year: v0, month: v1) }
            if (1...2).contains(d0), d1 == 4 { return format(year: v1, month: v0) }
            return nil
        }
        // A month's name and a year: "Jan-2026", "januari 2026", "Dec-26".
        guard let cut = trimmed.utf8.lastIndex(where: monthSeparators.contains) else { return nil }
        let name = trimmed[..<cut].lowercased(), year = trimmed[trimmed.utf8.index(after: cut)...]
        guard let month = monthNames[name], isDigits(year) else { return nil }
        switch year.utf8.count {
        case 4: return format(year: Int(year)!, month: month)
        case 2: return format(year: 2000 + Int(year)!, month: month)
        default: return nil
        }
    }

    /// "YYYY-MM", nil when there is no such month. (Not `String(format:)`: that is slow on Linux, and a report has a month per count.)
    static func format(year: Int, month: Int) -> String? {
        guard (1000...9999).contains(year), (1...12).contains(month) else { return nil }
        return "\(year)-\(month < 10 ? "0" : "")\(month)"
    }

    /// Whether `text` is exactly a month as "YYYY-MM" (R5.1's keys), without parsing it into parts.
    static func isMonthKey(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 7 else { return false }
        var month = 0
        for (index, byte) in bytes.enumerated() {
            if index == 4 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard byte >= 0x30, byte <= 0x39 else { return false }
                if index > 4 { month = month * 10 + Int(byte - 0x30) }
            }
        }
        return (1...12).contains(month) && bytes.first != UInt8(ascii: "0")
    }

    static func isDigits(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// English and Dutch month names and their abbreviations.
    static let monthNames: [String: Int] = {
        let names: [[String]] = [
            ["jan", "january", "januari"], ["feb", "february", "februari"], ["mar", "mrt", "march", "maart"],
            ["apr", "april"], ["may", "mei"], ["jun", "june", "juni"], ["jul", "july", "juli"],
            ["aug", "august", "augustus"], ["sep", "sept", "september"], ["oct", "okt", "october", "oktober"],
            ["nov", "november"], ["dec", "december"],
        ]
        var result: [String: Int] = [:]
        for (index, forms) in names.enumerated() { for form in forms { result[form] = index + 1 } }
        return result
    }()
}
