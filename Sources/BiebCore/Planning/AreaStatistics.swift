import Foundation

/// The level of an area in the national statistics office's division (CBS
/// "Wijk- en buurtkaart"): a municipality (code `GM0518`), a district
/// (`WK051801`) or a neighbourhood (`BU05180101`).
public enum AreaLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case municipality, district, neighbourhood

    /// The level a code's prefix names.
    public init?(code: String) {
        switch code.prefix(2).uppercased() {
        case "GM": self = .municipality
        case "WK": self = .district
        case "BU": self = .neighbourhood
        default: return nil
        }
    }

    /// The level CBS's `SoortRegio` names ("Gemeente", "Wijk", "Buurt"; English too).
    init?(regionKind text: String) {
        switch DelimitedText.heading(text) {
        case "gemeente", "municipality": self = .municipality
        case "wijk", "district": self = .district
        case "buurt", "neighbourhood", "neighborhood": self = .neighbourhood
        default: return nil
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: AreaLevel, b: AreaLevel) -> Bool { a.rank < b.rank }
}

/// Inhabitants by age group, as CBS counts them.
public struct AgeGroups: Sendable, Hashable, Codable {
    public var under15: Int
    public var from15to25: Int
    public var from25to45: Int
    public var from45to65: Int
    public var from65: Int

    public init(under15: Int, from15to25: Int, from25to45: Int, from45to65: Int, from65: Int) {
        (self.under15, self.from15to25, self.from25to45, self.from45to65, self.from65) = (under15, from15to25, from25to45, from45to65, from65)
    }

    public var total: Int { under15 + from15to25 + from25to45 + from45to65 + from65 }
    /// In the order CBS lists them.
    public var all: [Int] { [under15, from15to25, from25to45, from45to65, from65] }
    /// The groups' names, in that order.
    public static let names = ["0–15", "15–25", "25–45", "45–65", "65+"]
}

/// One area of a neighbourhood statistics file.
public struct AreaRecord: Sendable, Hashable {
    /// `WK051801`: always with its level's prefix.
    public var code: String
    public var name: String
    public var level: AreaLevel
    /// The municipality's name, when the file gives it.
    public var municipality: String
    public var inhabitants: Int?
    public var ages: AgeGroups?
    public var households: Int?
    /// Land and water, in hectares.
    public var hectares: Int?
    /// The centroid, when the file gives one.
    public var centroid: GeoPoint?
    /// The figures are estimates (the file says so), not counted.
    public var estimate: Bool

    public init(code: String, name: String, level: AreaLevel, municipality: String = "", inhabitants: Int? = nil, ages: AgeGroups? = nil,
                households: Int? = nil, hectares: Int? = nil, centroid: GeoPoint? = nil, estimate: Bool = false) {
        self.code = code
        self.name = name
        self.level = level
        self.municipality = municipality
        self.inhabitants = inhabitants
        self.ages = ages
        self.households = households
        self.hectares = hectares
        self.centroid = centroid
        self.estimate = estimate
    }
}

/// Reads the national statistics office's "key figures for districts and
/// neighbourhoods" (CBS Kerncijfers wijken en buurten) as CSV.
///
/// - Columns are found by their name, not their place: the numeric suffix
///   CBS adds (`AantalInwoners_5`, `k_0Tot15Jaar_8`) changes every year and
///   is dropped, as are case, accents, `_` and spaces. Known names:
///   the code (`Codering`, `code`, `gwbcode`, `cbs_wijk_code`), the name
///   (`WijkenEnBuurten`, `naam`, `name`, `wijk_name`), the level
///   (`SoortRegio`; else the code's prefix), `Gemeentenaam`,
///   `AantalInwoners`, `k_0Tot15Jaar` … `k_65JaarOfOuder`,
///   `HuishoudensTotaal`, `OppervlakteTotaal` (hectares), a centroid
///   (`latitude`/`lat`/`centroid_lat`, `longitude`/`lon`/`centroid_lon`) and
///   `estimate`/`schatting` (yes/ja/true/1/x). Only the code is required.
/// - Values as CBS writes them: padded with spaces, `.` (and `x`, `-`, empty)
///   for unknown; a code with its prefix (`WK051801`) or without it
///   (`051801`, with the level from `SoortRegio`). Coordinates with `.` or `,`.
/// - Every bad line is a problem with its line number (a code that is not a
///   code, a count that is not a whole number, an age group larger than the
///   inhabitants, a code twice, a centroid outside the Netherlands' box); a
///   file with any problem is not `accepted` and nothing of it is stored.
public enum AreaStatistics {
    public static let maximumLines = 100_000

    public struct Result: Sendable {
        public let areas: [AreaRecord]
        /// The columns the file has: an import sets only these of areas it already holds (a centroid imported once
        /// stays when next year's figures come without).
        public let columns: Set<Column>
        /// The first `ImportProblem.limit` problems, by line.
        public let problems: [ImportProblem]
        public let problemCount: Int
        public var accepted: Bool { problemCount == 0 }
    }

    /// The columns this reads, by their reduced names.
    public enum Column: Sendable, Hashable, CaseIterable {
        case code, name, level, municipality, inhabitants, under15, from15to25, from25to45, from45to65, from65, households, hectares
        case latitude, longitude, estimate

        var names: Set<String> {
            switch self {
            case .code: ["codering", "code", "gwbcode", "regiocode", "cbscode", "cbswijkcode", "wijkcode", "buurtcode", "areacode", "gebiedscode"]
            case .name: ["wijkenenbuurten", "naam", "name", "regionaam", "wijknaam", "wijkname", "buurtnaam", "areaname", "gebied"]
            case .level: ["soortregio", "level", "niveau"]
            case .municipality: ["gemeentenaam", "gemeente", "municipality"]
            case .inhabitants: ["aantalinwoners", "inwoners", "inhabitants", "population"]
            case .under15: ["k0tot15jaar"]
            case .from15to25: ["k15tot25jaar"]
            case .from25to45: ["k25tot45jaar"]
            case .from45to65: ["k45tot65jaar"]
            case .from65: ["k65jaarofouder"]
            case .households: ["huishoudenstotaal", "huishoudens", "households"]
            case .hectares: ["oppervlaktetotaal", "oppervlakte", "hectares", "areaha"]
            case .latitude: ["latitude", "lat", "centroidlat", "breedtegraad"]
            case .longitude: ["longitude", "lon", "lng", "centroidlon", "lengtegraad"]
            case .estimate: ["estimate", "schatting"]
            }
        }
    }

    /// A heading reduced for matching: CBS's numeric suffix dropped ("AantalInwoners_5" → "aantalinwoners"),
    /// and everything but letters and digits.
    static func reduced(_ heading: String) -> String {
        var text = heading.trimmingCharacters(in: .whitespaces)
        if let underscore = text.lastIndex(of: "_"), text[text.index(after: underscore)...].allSatisfy(\.isNumber),
           text.index(after: underscore) < text.endIndex {
            text = String(text[..<underscore])
        }
        return DelimitedText.heading(text).filter { $0.isLetter || $0.isNumber }
    }

    /// Reads a file. Throws when the file as a whole cannot be read (empty, too long, no code column).
    public static func parse(_ text: String) throws(BiebError) -> Result {
        var text = text
        let outcome: Swift.Result<Result, BiebError> = text.withUTF8 { bytes in
            do throws(BiebError) { return .success(try parse(bytes: bytes)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(BiebError) -> Result {
        if DelimitedText.lineCount(bytes) > maximumLines {
            throw BiebError.invalid("file", "The file has more than \(maximumLines) lines.", nl: "Het bestand heeft meer dan \(maximumLines) regels.",
                                    code: "file_too_long")
        }
        var columns: [Column: Int]?
        var areas: [AreaRecord] = []
        var problems = ImportProblems()
        var seen: [String: Int] = [:]
        var headerError: BiebError?
        DelimitedText.forEachRecord(in: bytes, separator: DelimitedText.separator(of: bytes)) { line, fields in
            guard headerError == nil, !DelimitedText.isBlank(fields) else { return }
            guard let found = columns else {
                var found: [Column: Int] = [:]
                for (index, heading) in fields.enumerated() {
                    let name = reduced(heading)
                    if let column = Column.allCases.first(where: { $0.names.contains(name) }), found[column] == nil { found[column] = index }
                }
                if found[.code] == nil {
                    headerError = BiebError.invalid("file", "The first line names no code column (Codering, code).",
                                                    nl: "De eerste regel noemt geen kolom met de code (Codering, code).", code: "no_code_column")
                }
                columns = found
                return
            }
            switch record(fields, columns: found, line: line) {
            case .success(let area):
                if let first = seen[area.code] {
                    problems.add(ImportProblem(line: line, code: "duplicate_area", message: "\(area.code) is on line \(first) too.",
                                               nl: "\(area.code) staat ook op regel \(first)."))
                } else {
                    seen[area.code] = line
                    areas.append(area)
                }
            case .failure(let bad):
                for problem in bad.problems { problems.add(problem) }
            }
        }
        if let headerError { throw headerError }
        if columns == nil { throw BiebError.invalid("file", "The file is empty.", nl: "Het bestand is leeg.", code: "empty_file") }
        return Result(areas: areas, columns: Set(columns.map { Array($0.keys) } ?? []), problems: problems.kept, problemCount: problems.count)
    }

    static func record(_ fields: [String], columns: [Column: Int], line: Int) -> Swift.Result<AreaRecord, LineProblemsList> {
        var problems: [ImportProblem] = []
        func value(_ column: Column) -> String? {
            guard let index = columns[column], index < fields.count else { return nil }
            let text = fields[index].trimmingCharacters(in: .whitespaces)
            return ["", ".", "x", "-", "?"].contains(text) ? nil : text
        }
        func count(_ column: Column, _ label: String) -> Int? {
            guard let text = value(column) else { return nil }
            switch ImportNumber.parse(text) {
            case .success(let number): return number
            case .failure(let failure):
                problems.append(ImportNumber.problem(failure, text, column: label, line: line))
                return nil
            }
        }
        let rawCode = (value(.code) ?? "").uppercased().filter { !$0.isWhitespace }
        let named = value(.level).flatMap(AreaLevel.init(regionKind:))
        var code = rawCode
        if AreaLevel(code: rawCode) == nil, let named, !rawCode.isEmpty, rawCode.allSatisfy(\.isNumber) {
            code = ["GM", "WK", "BU"][AreaLevel.allCases.firstIndex(of: named)!] + rawCode
        }
        let level = AreaLevel(code: code)
        let digits = code.dropFirst(2)
        let lengths: [AreaLevel: Int] = [.municipality: 4, .district: 6, .neighbourhood: 8]
        guard let level, digits.allSatisfy(\.isNumber), digits.count == lengths[level] else {
            return .failure(LineProblemsList([ImportProblem(
                line: line, code: "bad_area_code",
                message: "'\(rawCode)' is not an area code (GM0518, WK051801, BU05180101).",
                nl: "'\(rawCode)' is geen gebiedscode (GM0518, WK051801, BU05180101).")]))
        }
        if let named, named != level {
            problems.append(ImportProblem(line: line, code: "level_mismatch", message: "\(code) is not a \(named.rawValue).",
                                          nl: "\(code) is geen \(["gemeente", "wijk", "buurt"][AreaLevel.allCases.firstIndex(of: named)!])."))
        }
        let inhabitants = count(.inhabitants, "AantalInwoners")
        let groups = [count(.under15, "k_0Tot15Jaar"), count(.from15to25, "k_15Tot25Jaar"), count(.from25to45, "k_25Tot45Jaar"),
                      count(.from45to65, "k_45Tot65Jaar"), count(.from65, "k_65JaarOfOuder")]
        var ages: AgeGroups?
        if groups.allSatisfy({ $0 != nil }) {
            ages = AgeGroups(under15: groups[0]!, from15to25: groups[1]!, from25to45: groups[2]!, from45to65: groups[3]!, from65: groups[4]!)
        }
        if let ages, let inhabitants, ages.total > inhabitants + max(10, inhabitants / 50) {
            // CBS rounds each group to five: the groups may differ from the total a little, never by more than 2 %.
            problems.append(ImportProblem(line: line, code: "ages_exceed_inhabitants",
                                          message: "The age groups add up to \(ages.total), more than the \(inhabitants) inhabitants.",
                                          nl: "De leeftijdsgroepen tellen op tot \(ages.total), meer dan de \(inhabitants) inwoners."))
        }
        let households = count(.households, "HuishoudensTotaal")
        let hectares = count(.hectares, "OppervlakteTotaal")
        var centroid: GeoPoint?
        switch (value(.latitude), value(.longitude)) {
        case (nil, nil): break
        case let (lat?, lon?):
            if let latitude = Double(lat.replacingOccurrences(of: ",", with: ".")), let longitude = Double(lon.replacingOccurrences(of: ",", with: ".")),
               GeoPoint.netherlands.contains(latitude: latitude, longitude: longitude) {
                centroid = GeoPoint(latitude: latitude, longitude: longitude)
            } else {
                problems.append(ImportProblem(line: line, code: "bad_centroid", message: "'\(lat), \(lon)' is not a point in the Netherlands.",
                                              nl: "'\(lat), \(lon)' is geen punt in Nederland."))
            }
        default:
            problems.append(ImportProblem(line: line, code: "bad_centroid", message: "Give both latitude and longitude, or neither.",
                                          nl: "Geef breedte- en lengtegraad allebei, of geen van beide."))
        }
        let estimate = value(.estimate).map { ["yes", "ja", "true", "1", "x", "y", "j"].contains($0.lowercased()) } ?? false
        guard problems.isEmpty else { return .failure(LineProblemsList(problems)) }
        return .success(AreaRecord(code: code, name: value(.name) ?? code, level: level, municipality: value(.municipality) ?? "",
                                   inhabitants: inhabitants, ages: ages, households: households, hectares: hectares, centroid: centroid,
                                   estimate: estimate))
    }

    /// A line's problems (an `Error`, so a line is a `Result`).
    struct LineProblemsList: Error {
        var problems: [ImportProblem]
        init(_ problems: [ImportProblem]) { self.problems = problems }
    }
}
