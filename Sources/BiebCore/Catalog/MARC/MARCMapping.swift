import Foundation

/// How Bieb reads its title fields from MARC 21 and writes them back. The
/// mapping is documented in docs/MARC-MAPPING.md; Dutch fields use standard
/// MARC places with a source code: NUR and SISO in 084 with $2 `nur` / `siso`,
/// AVI in 521 (ind1 8) with $b `AVI`, the age range in 521 (ind1 1), the
/// cover in 856 with $3 `cover`, access to digital resources in 506.
public enum MARCMapping {
    // MARK: MARC → title

    public static func title(from marc: MARCRecord) -> TitleRecord {
        let record = IndexedRecord(marc)
        let f245 = record.first("245")
        var title = clean(f245.map { titleProper($0) } ?? "")
        if title.isEmpty { title = clean(record.value("240", "a") ?? record.value("130", "a") ?? "[zonder titel]") }
        var result = TitleRecord(controlNumber: marc.controlNumber, title: title)
        result.subtitle = f245?.first("b").map(clean).flatMap(nonEmpty)
        result.responsibility = f245?.first("c").map(clean).flatMap(nonEmpty)

        for tag in ["100", "110", "111"] {
            for field in record.fields(tag) { if let c = contributor(field, main: true) { result.contributors.append(c) } }
        }
        for tag in ["700", "710", "711"] {
            for field in record.fields(tag) where field.first("t") == nil {
                if let c = contributor(field, main: false) { result.contributors.append(c) }
            }
        }

        result.edition = record.value("250", "a").map(clean).flatMap(nonEmpty)
        let imprint = record.fields("264").first { $0.indicator2 == "1" } ?? record.first("260") ?? record.first("264")
        result.placeOfPublication = imprint?.first("a").map(clean).flatMap(nonEmpty)
        result.publisher = imprint?.first("b").map(clean).flatMap(nonEmpty)
        let fixed = FixedField(marc.control("008"))
        result.year = imprint?.first("c").flatMap(firstYear) ?? fixed.year

        var isbns: [ISBN] = []
        for field in record.fields("020") {
            for value in field.values("a") {
                if let isbn = ISBN(value), !isbns.contains(isbn) { isbns.append(isbn) }
            }
        }
        result.isbns = isbns

        result.language = fixed.language ?? record.value("041", "a").map { String($0.prefix(3)).lowercased() }
        result.format = format(of: marc, fixed: fixed)

        if let series = record.first("490") ?? record.first("440") ?? record.first("830") ?? record.first("800") {
            result.series = clean((series.first("a") ?? series.first("t") ?? "")).nonEmptyValue
            result.seriesNumber = series.first("v").map(clean).flatMap(nonEmpty)
        }

        var subjects: [String] = []
        for tag in ["600", "610", "611", "630", "650", "651", "655"] {
            for field in record.fields(tag) {
                let parts = field.subfields.filter { subjectCodes.contains($0.code) }.map { clean($0.value) }.filter { !$0.isEmpty }
                guard !parts.isEmpty else { continue }
                let heading = parts.joined(separator: " -- ")
                if !subjects.contains(heading) { subjects.append(heading) }
            }
        }
        result.subjects = subjects
        result.summary = record.fields("520").compactMap { $0.first("a") }.map { $0.trimmed }
            .joined(separator: "\n\n").nonEmptyValue

        for field in record.fields("521") {
            let text = field.first("a") ?? ""
            if field.first("b")?.uppercased().hasPrefix("AVI") == true || text.uppercased().hasPrefix("AVI") {
                result.aviLevel = AVI.normalise(text)
            } else if field.indicator1 == "1", let range = ageRange(text) {
                result.ageMin = range.0
                result.ageMax = range.1
            }
        }
        result.audience = audience(fixed, ageMin: result.ageMin)

        for field in record.fields("084") {
            switch field.first("2")?.lowercased() {
            case "nur": result.nur = field.first("a").flatMap { Int($0.trimmed) }
            case "siso": result.siso = field.first("a").map { $0.trimmed }.flatMap(nonEmpty)
            default: break
            }
        }

        for field in record.fields("856") {
            guard let url = field.first("u") else { continue }
            if field.first("3")?.lowercased() == "cover" {
                result.coverReference = url
            } else if field.indicator2 == "0" || (field.indicator2 == " " && result.format.isDigital) {
                result.link = result.link ?? url
            }
        }
        if let access = record.first("506") {
            result.accessRule = access.indicator1 == "1" ? .inBranch : .fromHome
        } else if result.format.isDigital {
            result.accessRule = .fromHome
        }
        return result
    }

    /// Title proper with number and name of part ($a $n $p).
    static func titleProper(_ field: MARCField) -> String {
        field.subfields.filter { $0.code == "a" || $0.code == "n" || $0.code == "p" }.map(\.value).joined(separator: " ")
    }

    /// The subfields of a subject heading (6XX) Bieb shows.
    static let subjectCodes: Set<Character> = ["a", "b", "c", "d", "q", "t", "v", "x", "y", "z"]
    /// The subfields of a name (1XX, 7XX).
    static let nameCodes: Set<Character> = ["a", "b", "c", "q"]

    static func contributor(_ field: MARCField, main: Bool) -> Contributor? {
        let name = clean(field.subfields.filter { nameCodes.contains($0.code) }.map(\.value).joined(separator: " "))
        guard !name.isEmpty else { return nil }
        let relator = field.first("4") ?? field.first("e")
        let role = relator.map(ContributorRole.init(relator:)) ?? (main ? .author : .other)
        return Contributor(name: name, role: role, isMain: main)
    }

    /// The first plausible year in a date statement ("c1999.", "[2003?]", "1899-1902").
    static func firstYear(_ text: String) -> Int? {
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                if digits.count == 4, let year = Int(digits), (1450...2100).contains(year) { return year }
            } else {
                digits = ""
            }
        }
        return nil
    }

    /// The fixed-length data elements (008), read by position once per record.
    struct FixedField {
        let characters: [Character]

        init(_ text: String?) {
            guard let text else { characters = []; return }
            // 008 is ASCII; anything else is read by characters as before.
            characters = text.utf8.allSatisfy { $0 < 0x80 } ? text.utf8.map { Character(Unicode.Scalar($0)) } : Array(text)
        }

        subscript(_ index: Int) -> Character? { index < characters.count ? characters[index] : nil }

        /// 07–10: date 1, when a plausible year.
        var year: Int? {
            guard characters.count >= 11 else { return nil }
            return Int(String(characters[7..<11])).flatMap { (1450...2100).contains($0) ? $0 : nil }
        }

        /// 35–37: the language, unless blank, undetermined, multiple or no linguistic content.
        var language: String? {
            guard characters.count >= 38 else { return nil }
            let code = String(characters[35..<38]).lowercased()
            guard code.allSatisfy({ $0.isASCII && $0.isLetter }), !["   ", "zxx", "und", "mul"].contains(code) else { return nil }
            return code
        }
    }

    /// The format from leader/06–07 and 008 (form of item), with 337/338 for online resources.
    public static func format(of record: MARCRecord) -> MaterialFormat {
        format(of: record, fixed: FixedField(record.control("008")))
    }

    static func format(of record: MARCRecord, fixed: FixedField) -> MaterialFormat {
        let type = record.leader.typeOfRecord
        let level = record.leader.bibliographicLevel
        func at(_ index: Int) -> Character? { fixed[index] }
        let online = record.fields.contains { $0.tag == "338" && $0.first("a")?.lowercased().contains("online") == true }
            || record.fields.contains { $0.tag == "337" && $0.first("a")?.lowercased() == "computer" }
        switch type {
        case "a", "t":
            if level == "s" || level == "b" { return .magazine }
            if at(23) == "d" { return .largePrint }
            if ["o", "q", "s"].contains(at(23)) || online { return .ebook }
            return .book
        case "i": return .audiobook
        case "j": return .music
        case "c", "d": return .sheetMusic
        case "g": return .dvd
        case "m":
            switch at(26) {
            case "g": return .game
            case "e", "j": return .database
            default: return online ? .ebook : .other
            }
        case "r": return at(33) == "g" ? .game : .other
        default: return .other
        }
    }

    static func audience(_ fixed: FixedField, ageMin: Int?) -> Audience? {
        if let age = ageMin {
            switch age {
            case ..<6: return .preschool
            case 6...12: return .children
            case 13...17: return .youngAdult
            default: return .adult
            }
        }
        // 008/22 for books, music and visual materials.
        guard fixed.characters.count > 22 else { return nil }
        switch fixed.characters[22] {
        case "a": return .preschool
        case "b", "c", "j": return .children
        case "d": return .youngAdult
        case "e": return .adult
        default: return nil
        }
    }

    /// "6-8", "6 tot 8 jaar", "vanaf 10 jaar", "10+" → (min, max).
    static func ageRange(_ text: String) -> (Int, Int?)? {
        let numbers = text.split { !$0.isNumber }.compactMap { Int($0) }.filter { $0 <= 120 }
        guard let first = numbers.first else { return nil }
        return (first, numbers.count > 1 ? numbers[1] : nil)
    }

    /// Strips ISBD punctuation at the end (" /", " :", " ;", ",", "=") and a
    /// final full stop unless it ends an initial ("John B.") or abbreviation.
    /// Works on UTF-8 bytes: it runs for every field of every imported record.
    public static func clean(_ text: String) -> String {
        var bytes = Array(text.utf8)
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        var start = 0
        while start < bytes.count, isSpace(bytes[start]) { start += 1 }
        var end = bytes.count
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        // "/", ":", ";", ",", "="
        while end > start, [0x2F, 0x3A, 0x3B, 0x2C, 0x3D].contains(bytes[end - 1]) {
            end -= 1
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        }
        if end > start, bytes[end - 1] == 0x2E, !(end - start >= 3 && bytes[end - 2] == 0x2E && bytes[end - 3] == 0x2E) {
            var wordStart = end - 1
            while wordStart > start, !isSpace(bytes[wordStart - 1]) { wordStart -= 1 }
            let word = bytes[wordStart..<(end - 1)]
            let isInitial = word.count == 1 && word.first! >= 0x41 && word.first! <= 0x5A
            if !isInitial && !abbreviations.contains(where: { $0.elementsEqual(word) }) { end -= 1 }
        }
        if end - start >= 2, bytes[start] == 0x5B, bytes[end - 1] == 0x5D, !bytes[(start + 1)..<end].contains(0x5B) {
            start += 1
            end -= 1
        }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        while start < end, isSpace(bytes[start]) { start += 1 }
        if start == 0 && end == bytes.count { return text }
        bytes = Array(bytes[start..<end])
        return String(decoding: bytes, as: UTF8.self)
    }

    static let abbreviations: [[UInt8]] = ["ed", "Co", "Inc", "Ltd", "Jr", "Sr", "etc", "dr", "St", "pub", "Pub", "jr", "sr"].map { Array($0.utf8) }

    static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    // MARK: Title → MARC

    /// Tags whose content Bieb derives from the title fields; writing a title
    /// replaces them and keeps every other field of an existing record.
    public static let mappedTags: Set<String> = ["020", "041", "084", "100", "110", "111", "245", "250", "260", "264", "490",
                                                 "506", "520", "521", "600", "610", "611", "630", "650", "651", "655",
                                                 "700", "710", "711", "856"]

    /// A MARC record for a title: a new one, or `base` with its mapped fields
    /// replaced (fields Bieb does not map — 035, 050, 500, local fields — are kept).
    public static func record(for title: TitleRecord, base: MARCRecord? = nil, now: Date = Date()) -> MARCRecord {
        var leader = base?.leader ?? MARCLeader()
        leader[6] = leaderType(title.format)
        leader[7] = title.format == .magazine ? "s" : "m"
        leader[9] = "a"
        var fields = (base?.fields ?? []).filter { !mappedTags.contains($0.tag) && $0.tag != "001" && $0.tag != "005" && $0.tag != "008" }
        var control: [MARCField] = []
        if let number = title.controlNumber { control.append(.control("001", number)) }
        let stamp = ISO8601DateFormatter.marcTimestamp(now)
        control.append(.control("005", stamp))
        control.append(.control("008", fixedField(title, base: base?.control("008"), now: now)))

        var data: [MARCField] = []
        for isbn in title.isbns { data.append(.data("020", " ", " ", [MARCSubfield("a", isbn.isbn13)])) }
        if let nur = title.nur { data.append(.data("084", " ", " ", [MARCSubfield("a", String(format: "%03d", nur)), MARCSubfield("2", "nur")])) }
        if let siso = title.siso { data.append(.data("084", " ", " ", [MARCSubfield("a", siso), MARCSubfield("2", "siso")])) }
        for contributor in title.contributors where contributor.isMain {
            data.append(.data("100", "1", " ", [MARCSubfield("a", contributor.name), MARCSubfield("4", relatorCode(contributor.role))]))
        }
        var f245: [MARCSubfield] = [MARCSubfield("a", title.title)]
        if let subtitle = title.subtitle { f245.append(MARCSubfield("b", subtitle)) }
        if let responsibility = title.responsibility { f245.append(MARCSubfield("c", responsibility)) }
        let hasMain = title.contributors.contains(where: \.isMain)
        data.append(.data("245", hasMain ? "1" : "0", "0", f245))
        if let edition = title.edition { data.append(.data("250", " ", " ", [MARCSubfield("a", edition)])) }
        var imprint: [MARCSubfield] = []
        if let place = title.placeOfPublication { imprint.append(MARCSubfield("a", place)) }
        if let publisher = title.publisher { imprint.append(MARCSubfield("b", publisher)) }
        if let year = title.year { imprint.append(MARCSubfield("c", String(year))) }
        if !imprint.isEmpty { data.append(.data("264", " ", "1", imprint)) }
        if let series = title.series {
            var subfields = [MARCSubfield("a", series)]
            if let number = title.seriesNumber { subfields.append(MARCSubfield("v", number)) }
            data.append(.data("490", "0", " ", subfields))
        }
        if let rule = title.accessRule {
            data.append(.data("506", rule == .inBranch ? "1" : "0", " ",
                              [MARCSubfield("a", rule == .inBranch ? "Alleen in de bibliotheek" : "Voor leden, ook thuis")]))
        }
        if let summary = title.summary { data.append(.data("520", " ", " ", [MARCSubfield("a", summary)])) }
        if let min = title.ageMin {
            data.append(.data("521", "1", " ", [MARCSubfield("a", title.ageMax.map { "\(min)-\($0)" } ?? "\(min)+")]))
        }
        if let avi = title.aviLevel { data.append(.data("521", "8", " ", [MARCSubfield("a", "AVI \(avi)"), MARCSubfield("b", "AVI")])) }
        for subject in title.subjects {
            let parts = subject.components(separatedBy: " -- ")
            var subfields = [MARCSubfield("a", parts[0])]
            subfields += parts.dropFirst().map { MARCSubfield("x", $0) }
            data.append(.data("650", " ", "4", subfields))
        }
        for contributor in title.contributors where !contributor.isMain {
            data.append(.data("700", "1", " ", [MARCSubfield("a", contributor.name), MARCSubfield("4", relatorCode(contributor.role))]))
        }
        if let link = title.link { data.append(.data("856", "4", "0", [MARCSubfield("u", link)])) }
        if let cover = title.coverReference { data.append(.data("856", "4", "2", [MARCSubfield("3", "cover"), MARCSubfield("u", cover)])) }

        fields.append(contentsOf: data)
        fields.sort { $0.tag < $1.tag }
        return MARCRecord(leader: leader, fields: control + fields)
    }

    static func leaderType(_ format: MaterialFormat) -> Character {
        switch format {
        case .book, .largePrint, .ebook, .magazine: "a"
        case .audiobook: "i"
        case .music: "j"
        case .sheetMusic: "c"
        case .dvd: "g"
        case .game, .database: "m"
        case .other: "a"
        }
    }

    static func relatorCode(_ role: ContributorRole) -> String {
        switch role {
        case .author: "aut"
        case .editor: "edt"
        case .illustrator: "ill"
        case .translator: "trl"
        case .narrator: "nrt"
        case .composer: "cmp"
        case .performer: "prf"
        case .director: "drt"
        case .other: "oth"
        }
    }

    /// 008: date entered (kept from the base), date 1, language, form of item, audience.
    static func fixedField(_ title: TitleRecord, base: String?, now: Date) -> String {
        var chars = Array(base.flatMap { $0.count == 40 ? $0 : nil } ?? String(repeating: " ", count: 40))
        if base == nil || base?.count != 40 {
            let entered = Array(ISO8601DateFormatter.marcTimestamp(now).dropFirst(2).prefix(6))
            chars.replaceSubrange(0..<6, with: entered)
            chars[6] = "s"
            chars.replaceSubrange(15..<18, with: Array("ne "))
            chars[39] = "d"
        }
        chars.replaceSubrange(7..<11, with: Array(title.year.map { String(format: "%04d", $0) } ?? "    "))
        chars.replaceSubrange(35..<38, with: Array((title.language ?? "und").prefix(3)))
        switch title.format {
        case .largePrint: chars[23] = "d"
        case .ebook, .database: chars[23] = "o"
        default: if chars[23] == "d" || chars[23] == "o" { chars[23] = " " }
        }
        if title.format == .game { chars[26] = "g" }
        if title.format == .database { chars[26] = "e" }
        switch title.audience {
        case .preschool: chars[22] = "a"
        case .children: chars[22] = "j"
        case .youngAdult: chars[22] = "d"
        case .adult: chars[22] = "e"
        case nil: break
        }
        return String(chars)
    }
}

extension String {
    var nonEmptyValue: String? { isEmpty ? nil : self }
}

extension ISO8601DateFormatter {
    /// MARC 005 form: yyyymmddhhmmss.f in UTC.
    static func marcTimestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d%02d%02d%02d.0", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}

/// A record's fields looked up by tag. A record has a few dozen fields at
/// most, and comparing two three-letter tags is cheaper than hashing one, so
/// a scan beats grouping them in a dictionary.
struct IndexedRecord {
    let all: [MARCField]

    init(_ record: MARCRecord) {
        all = record.fields
    }

    func fields(_ tag: String) -> LazyFilterSequence<[MARCField]> { all.lazy.filter { $0.tag == tag } }
    func first(_ tag: String) -> MARCField? { all.first { $0.tag == tag } }
    func value(_ tag: String, _ code: Character) -> String? { first(tag)?.first(code) }
}
