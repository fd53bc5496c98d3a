import Foundation

/// Reads a table from postcodes to areas, so members (who are known by their
/// postcode, never by address) can be counted per district.
///
/// - CBS's own table (`pc6hnr`: `PC6;Huisnummer;Buurt2023;Wijk2023;Gemeente2023`,
///   one line per address, codes without their prefix) or a plain list
///   (`PC4;code`). Columns by name: the postcode (`PC4`, `PC6`, `postcode`)
///   and the area — a column whose name starts with `wijk` (district),
///   `buurt` (neighbourhood) or is `code`/`gebiedscode` (a code with its prefix).
///   A year after the name (`Wijk2023`) is ignored.
/// - Districts are wanted (`level`): a neighbourhood code gives its district
///   (`BU05180101` lies in `WK051801`).
/// - A four-digit postcode area often spans districts: it goes to the one
///   most of its lines name (addresses in CBS's table), the lower code on a tie.
/// - Every bad line is a problem with its line number; a file with any is not `accepted`.
public enum PostcodeAreas {
    public static let maximumLines = 12_000_000

    public struct Result: Sendable {
        /// Postcode area (PC4, "2511") → area code ("WK051828").
        public let areas: [String: String]
        public let problems: [ImportProblem]
        public let problemCount: Int
        public var accepted: Bool { problemCount == 0 }
    }

    public static func parse(_ text: String, level: AreaLevel = .district) throws(BiebError) -> Result {
        var text = text
        let outcome: Swift.Result<Result, BiebError> = text.withUTF8 { bytes in
            do throws(BiebError) { return .success(try parse(bytes: bytes, level: level)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    enum AreaColumn { case district, neighbourhood, prefixed }

    static func parse(bytes: UnsafeBufferPointer<UInt8>, level: AreaLevel) throws(BiebError) -> Result {
        if DelimitedText.lineCount(bytes) > maximumLines {
            throw BiebError.invalid("file", "The file has more than \(maximumLines) lines.", nl: "Het bestand heeft meer dan \(maximumLines) regels.",
                                    code: "file_too_long")
        }
        var header: (postcode: Int, area: Int, kind: AreaColumn)?
        var headerError: BiebError?
        var problems = ImportProblems()
        var votes: [String: [String: Int]] = [:]
        DelimitedText.forEachRecord(in: bytes, separator: DelimitedText.separator(of: bytes)) { line, fields in
            guard headerError == nil, !DelimitedText.isBlank(fields) else { return }
            guard let columns = header else {
                let names = fields.map { DelimitedText.heading($0).filter { $0.isLetter || $0.isNumber } }
                let postcode = names.firstIndex { ["pc4", "pc6", "postcode", "pc", "postcode4", "postcode6"].contains($0) }
                var area: (Int, AreaColumn)?
                let wanted: [(String, AreaColumn)] = level == .neighbourhood
                    ? [("buurt", .neighbourhood)] : [("wijk", .district), ("buurt", .neighbourhood)]
                for (prefix, kind) in wanted where area == nil {
                    if let index = names.firstIndex(where: { $0.hasPrefix(prefix) && $0.dropFirst(prefix.count).allSatisfy(\.isNumber)
                        || $0 == prefix + "code" }) { area = (index, kind) }
                }
                if area == nil, let index = names.firstIndex(where: { ["code", "gebiedscode", "areacode", "gwbcode"].contains($0) }) {
                    area = (index, .prefixed)
                }
                guard let postcode, let area else {
                    headerError = BiebError.invalid("file", "The first line must name a postcode column (PC4, PC6) and an area column (Wijk, Buurt, code).",
                                                    nl: "De eerste regel moet een postcodekolom (PC4, PC6) en een gebiedskolom (Wijk, Buurt, code) noemen.",
                                                    code: "no_postcode_columns")
                    return
                }
                header = (postcode, area.0, area.1)
                return
            }
            let postcode = columns.postcode < fields.count ? fields[columns.postcode].uppercased().filter { !$0.isWhitespace } : ""
            let digits = postcode.prefix(4)
            guard digits.count == 4, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.first != "0",
                  postcode.count == 4 || (postcode.count == 6 && postcode.suffix(2).allSatisfy { $0.isASCII && $0.isLetter }) else {
                problems.add(ImportProblem(line: line, code: "bad_postcode", message: "'\(postcode)' is not a Dutch postcode (2511 or 2511BT).",
                                           nl: "'\(postcode)' is geen Nederlandse postcode (2511 of 2511BT)."))
                return
            }
            let raw = columns.area < fields.count ? fields[columns.area].uppercased().filter { !$0.isWhitespace } : ""
            guard let code = areaCode(raw, column: columns.kind, level: level) else {
                problems.add(ImportProblem(line: line, code: "bad_area_code", message: "'\(raw)' is not a \(level == .district ? "district" : "neighbourhood") code.",
                                           nl: "'\(raw)' is geen \(level == .district ? "wijkcode" : "buurtcode")."))
                return
            }
            votes[String(digits), default: [:]][code, default: 0] += 1
        }
        if let headerError { throw headerError }
        if header == nil { throw BiebError.invalid("file", "The file is empty.", nl: "Het bestand is leeg.", code: "empty_file") }
        var areas: [String: String] = [:]
        for (postcode, counts) in votes {
            areas[postcode] = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
        }
        return Result(areas: areas, problems: problems.kept, problemCount: problems.count)
    }

    /// An area code at `level` from a cell: "051801" in a Wijk column → "WK051801"; "05180101" in a Buurt column (or
    /// "BU05180101") → "WK051801" for districts.
    static func areaCode(_ raw: String, column: AreaColumn, level: AreaLevel) -> String? {
        var digits: Substring
        var found: AreaLevel
        switch column {
        case .district: (digits, found) = (Substring(raw.hasPrefix("WK") ? String(raw.dropFirst(2)) : raw), .district)
        case .neighbourhood: (digits, found) = (Substring(raw.hasPrefix("BU") ? String(raw.dropFirst(2)) : raw), .neighbourhood)
        case .prefixed:
            guard let named = AreaLevel(code: raw) else { return nil }
            (digits, found) = (raw.dropFirst(2), named)
        }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        switch (found, level) {
        case (.district, .district) where digits.count == 6: return "WK" + digits
        case (.neighbourhood, .district) where digits.count == 8: return "WK" + digits.prefix(6)
        case (.neighbourhood, .neighbourhood) where digits.count == 8: return "BU" + digits
        default: return nil
        }
    }
}
