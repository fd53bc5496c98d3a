import Foundation

/// One thing wrong in an imported file (a people counter's export, a usage
/// report), where it is, in English and Dutch. An import collects them all
/// rather than stopping at the first, so staff can mend the file in one go;
/// a file as a whole that cannot be read (too large, no date column) is a
/// `BiebError` instead.
public struct ImportProblem: Sendable, Hashable, CustomStringConvertible {
    /// At most this many problems are kept (the count of all is kept apart).
    public static let limit = 1_000

    /// The line of a text file (1-based); nil in a JSON document.
    public let line: Int?
    /// Where in a JSON document ("Report_Items[3].Performance[0]"); nil in a text file.
    public let item: String?
    /// Machine-readable: "bad_date", "bad_number", "negative_number", "bad_time", "bad_item", …
    public let code: String
    public let message: String
    public let messageNL: String

    public init(line: Int? = nil, item: String? = nil, code: String, message: String, nl: String) {
        self.line = line
        self.item = item
        self.code = code
        self.message = message
        self.messageNL = nl
    }

    public func message(dutch: Bool) -> String { dutch ? messageNL : message }

    /// "line 12: …", "Report_Items[3]: …".
    public var description: String {
        if let line { return "line \(line): \(message)" }
        if let item { return "\(item): \(message)" }
        return message
    }
}

/// The problems of one import: the first `ImportProblem.limit` kept, all counted.
struct ImportProblems {
    private(set) var kept: [ImportProblem] = []
    private(set) var count = 0

    mutating func add(_ problem: ImportProblem) {
        count += 1
        if kept.count < ImportProblem.limit { kept.append(problem) }
    }
}

/// Whole numbers in imported files: digits only (no signs, separators or
/// decimals), at most `maximum`, so sums over millions of lines cannot overflow.
enum ImportNumber {
    static let maximum = 1_000_000_000_000

    enum Failure: Error { case negative, notANumber, tooLarge }

    static func parse(_ text: String) -> Result<Int, Failure> {
        let digits = text.utf8
        if let first = digits.first, first == UInt8(ascii: "-"), digits.count > 1,
           digits.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return .failure(.negative)
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .failure(.notANumber) }
        guard digits.count <= 13, let value = Int(text), value <= maximum else { return .failure(.tooLarge) }
        return .success(value)
    }

    /// The problem for a number that failed, naming its column.
    static func problem(_ failure: Failure, _ text: String, column: String, line: Int? = nil, item: String? = nil) -> ImportProblem {
        switch failure {
        case .negative:
            ImportProblem(line: line, item: item, code: "negative_number",
                          message: "\(column) is negative ('\(text)'); a count is 0 or more.",
                          nl: "\(column) is negatief ('\(text)'); een telling is 0 of meer.")
        case .notANumber:
            ImportProblem(line: line, item: item, code: "bad_number",
                          message: "\(column) '\(text)' is not a whole number.",
                          nl: "\(column) '\(text)' is geen geheel getal.")
        case .tooLarge:
            ImportProblem(line: line, item: item, code: "bad_number",
                          message: "\(column) '\(text)' is larger than \(maximum).",
                          nl: "\(column) '\(text)' is groter dan \(maximum).")
        }
    }
}
