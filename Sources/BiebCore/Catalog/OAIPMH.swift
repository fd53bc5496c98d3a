import Foundation

/// OAI-PMH 2.0 requests and their rules (https://www.openarchives.org/OAI/openarchivesprotocol.html):
/// which arguments each verb takes, dates and their granularity, and
/// resumption tokens. The server answers; this type decides what is valid.
public enum OAIPMH {
    public static let namespace = "http://www.openarchives.org/OAI/2.0/"
    public static let schemaLocation = "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"

    public enum Verb: String, Sendable, CaseIterable {
        case identify = "Identify", listMetadataFormats = "ListMetadataFormats", listSets = "ListSets"
        case listIdentifiers = "ListIdentifiers", listRecords = "ListRecords", getRecord = "GetRecord"

        var required: Set<String> {
            switch self {
            case .getRecord: ["identifier", "metadataPrefix"]
            case .listIdentifiers, .listRecords: ["metadataPrefix"]
            default: []
            }
        }

        var optional: Set<String> {
            switch self {
            case .identify: []
            case .listMetadataFormats: ["identifier"]
            case .listSets: ["resumptionToken"]
            case .listIdentifiers, .listRecords: ["from", "until", "set", "resumptionToken"]
            case .getRecord: []
            }
        }
    }

    /// The error codes of the protocol.
    public struct Failure: Error, Equatable, Sendable {
        public let code: String
        public let message: String

        public init(_ code: String, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// A checked request.
    public struct Request: Equatable, Sendable {
        public var verb: Verb
        public var identifier: String?
        public var metadataPrefix: String?
        public var set: String?
        public var from: Date?
        public var until: Date?
        /// From a resumption token: continue after this title id.
        public var after: Int = 0
        /// Arguments as given (echoed in the response's request element).
        public var arguments: [(String, String)] = []

        public static func == (a: Request, b: Request) -> Bool {
            a.verb == b.verb && a.identifier == b.identifier && a.metadataPrefix == b.metadataPrefix && a.set == b.set
                && a.from == b.from && a.until == b.until && a.after == b.after
        }
    }

    /// Checks the arguments of a request. Arguments come as pairs in order,
    /// so a repeated argument is seen (and refused).
    public static func parse(_ pairs: [(String, String)]) throws(Failure) -> Request {
        var seen: [String: String] = [:]
        for (name, value) in pairs {
            if seen[name] != nil { throw Failure("badArgument", "The argument '\(name)' is repeated.") }
            seen[name] = value
        }
        guard let verbText = seen["verb"] else { throw Failure("badVerb", "The verb argument is missing.") }
        guard let verb = Verb(rawValue: verbText) else { throw Failure("badVerb", "'\(verbText)' is not an OAI-PMH verb.") }
        var request = Request(verb: verb)
        request.arguments = pairs.filter { $0.0 != "verb" }
        let given = Set(seen.keys).subtracting(["verb"])
        let allowed = verb.required.union(verb.optional)
        if let unknown = given.subtracting(allowed).sorted().first {
            throw Failure("badArgument", "\(verb.rawValue) does not take the argument '\(unknown)'.")
        }
        if let token = seen["resumptionToken"] {
            guard given == ["resumptionToken"] else {
                throw Failure("badArgument", "resumptionToken is an exclusive argument.")
            }
            return try resume(token, into: request)
        }
        if let missing = verb.required.subtracting(given).sorted().first {
            throw Failure("badArgument", "\(verb.rawValue) needs the argument '\(missing)'.")
        }
        request.identifier = seen["identifier"]
        request.metadataPrefix = seen["metadataPrefix"]
        request.set = seen["set"]
        var granularities: [Int] = []
        if let from = seen["from"] {
            let (date, length) = try parseDate(from, upperBound: false)
            request.from = date
            granularities.append(length)
        }
        if let until = seen["until"] {
            let (date, length) = try parseDate(until, upperBound: true)
            request.until = date
            granularities.append(length)
        }
        if granularities.count == 2, granularities[0] != granularities[1] {
            throw Failure("badArgument", "from and until must have the same granularity.")
        }
        if let from = request.from, let until = request.until, from > until {
            throw Failure("badArgument", "from is after until.")
        }
        return request
    }

    /// `YYYY-MM-DD` (a whole day) or `YYYY-MM-DDThh:mm:ssZ`.
    static func parseDate(_ text: String, upperBound: Bool) throws(Failure) -> (Date, Int) {
        if text.count == 10, let day = LocalDate(iso: text) {
            let seconds = Double(day.daysSinceEpoch) * 86_400 + (upperBound ? 86_399 : 0)
            return (Date(timeIntervalSince1970: seconds), 10)
        }
        if text.count == 20, text.hasSuffix("Z"), let date = try? Date(text, strategy: .iso8601) {
            return (date, 20)
        }
        throw Failure("badArgument", "'\(text)' is not a date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")
    }

    /// `YYYY-MM-DDThh:mm:ssZ` in UTC.
    public static func datestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    // MARK: Resumption tokens

    /// A token that carries the whole request and where to go on, so any app
    /// server can answer the next page.
    public static func token(for request: Request, after: Int) -> String {
        let parts = [request.verb.rawValue, request.metadataPrefix ?? "", request.set ?? "",
                     request.from.map { String(Int($0.timeIntervalSince1970)) } ?? "",
                     request.until.map { String(Int($0.timeIntervalSince1970)) } ?? "", String(after)]
        return Data(parts.joined(separator: "|").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func resume(_ token: String, into request: Request) throws(Failure) -> Request {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw Failure("badResumptionToken", "The resumption token is not one of ours.")
        }
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == request.verb.rawValue, let after = Int(parts[5]), after >= 0 else {
            throw Failure("badResumptionToken", "The resumption token does not fit this request.")
        }
        var resumed = request
        resumed.metadataPrefix = parts[1].isEmpty ? nil : parts[1]
        resumed.set = parts[2].isEmpty ? nil : parts[2]
        resumed.from = Int(parts[3]).map { Date(timeIntervalSince1970: Double($0)) }
        resumed.until = Int(parts[4]).map { Date(timeIntervalSince1970: Double($0)) }
        resumed.after = after
        return resumed
    }
}
