import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// MARCXML (the MARC 21 XML schema, namespace `http://www.loc.gov/MARC21/slim`).
public enum MARCXML {
    public static let namespace = "http://www.loc.gov/MARC21/slim"

    /// The opening of a `<collection>` document; write records after it and `collectionEnd` last.
    public static let collectionStart = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"\(namespace)\">\n"
    public static let collectionEnd = "</collection>\n"

    /// One `<record>` element. Characters XML 1.0 cannot carry (control
    /// characters other than tab, line feed and carriage return) are left out.
    public static func record(_ record: MARCRecord, namespaced: Bool = false) -> String {
        var out = namespaced ? "<record xmlns=\"\(namespace)\">\n" : "<record>\n"
        out += "  <leader>\(escape(record.leader.text))</leader>\n"
        for field in record.fields {
            if let value = field.value {
                out += "  <controlfield tag=\"\(escape(field.tag))\">\(escape(value))</controlfield>\n"
            } else {
                out += "  <datafield tag=\"\(escape(field.tag))\" ind1=\"\(escape(String(field.indicator1)))\" ind2=\"\(escape(String(field.indicator2)))\">\n"
                for subfield in field.subfields {
                    out += "    <subfield code=\"\(escape(String(subfield.code)))\">\(escape(subfield.value))</subfield>\n"
                }
                out += "  </datafield>\n"
            }
        }
        out += "</record>\n"
        return out
    }

    /// A whole `<collection>` document.
    public static func document(_ records: [MARCRecord]) -> String {
        collectionStart + records.map { record($0) }.joined() + collectionEnd
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Elements nested deeper than this stop the reading: MARCXML needs four
    /// (collection, record, datafield, subfield); anything far deeper is not
    /// MARCXML, and the limit keeps a hostile file from costing more.
    public static let maximumDepth = 16

    /// Reads the records of a MARCXML document (a `<collection>` or a single
    /// `<record>`, with or without namespace prefixes) from a stream, handing
    /// each record to `body` as soon as it is complete. A record with a bad
    /// leader or tag is reported as an error and skipped; a document that is
    /// not well-formed XML, or nests deeper than `maximumDepth`, stops
    /// reading with an error naming the line.
    public static func read(_ stream: InputStream, _ body: @escaping (Result<MARCReadRecord, MARCReadError>) -> Void) -> MARCReadError? {
        let parser = XMLParser(stream: stream)
        let delegate = ReaderDelegate(body: body)
        parser.delegate = delegate
        parser.shouldProcessNamespaces = true
        if !parser.parse(), delegate.aborted == nil {
            let line = parser.lineNumber
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "not well-formed XML"
            return MARCReadError(position: MARCPosition(record: delegate.recordNumber + 1, byteOffset: 0),
                                 reason: "the XML is not well-formed near line \(line): \(reason)", controlNumber: nil)
        }
        return delegate.aborted
    }

    /// Reads all records of a document in memory (tests, single records).
    public static func records(from data: Data) throws -> [MARCRecord] {
        var records: [MARCRecord] = []
        var failure: MARCReadError?
        let stream = InputStream(data: data)
        if let error = read(stream, { result in
            switch result {
            case .success(let read): records.append(read.record)
            case .failure(let error): failure = failure ?? error
            }
        }) { throw error }
        if let failure { throw failure }
        return records
    }

    private final class ReaderDelegate: NSObject, XMLParserDelegate {
        let body: (Result<MARCReadRecord, MARCReadError>) -> Void
        var recordNumber = 0
        var aborted: MARCReadError?

        private var depth = 0
        private var inRecord = false
        private var leader: String?
        private var fields: [MARCField] = []
        private var text = ""
        private var controlTag: String?
        private var dataField: MARCField?
        private var subfieldCode: Character?
        private var problem: String?

        init(body: @escaping (Result<MARCReadRecord, MARCReadError>) -> Void) {
            self.body = body
        }

        private var position: MARCPosition { MARCPosition(record: recordNumber, byteOffset: 0) }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            text = ""
            depth += 1
            if depth > MARCXML.maximumDepth, aborted == nil {
                aborted = MARCReadError(position: MARCPosition(record: recordNumber, byteOffset: 0),
                                        reason: "elements are nested deeper than \(MARCXML.maximumDepth) levels near line \(parser.lineNumber): this is not MARCXML",
                                        controlNumber: nil)
                parser.abortParsing()
                return
            }
            switch elementName {
            case "record":
                inRecord = true
                recordNumber += 1
                leader = nil
                fields = []
                problem = nil
            case "controlfield":
                let tag = attributes["tag"] ?? ""
                if !Self.validTag(tag) { problem = problem ?? "a controlfield has an invalid tag '\(tag)'" }
                controlTag = tag
            case "datafield":
                let tag = attributes["tag"] ?? ""
                if !Self.validTag(tag) { problem = problem ?? "a datafield has an invalid tag '\(tag)'" }
                let ind1 = Self.indicator(attributes["ind1"]), ind2 = Self.indicator(attributes["ind2"])
                if ind1 == nil || ind2 == nil { problem = problem ?? "field \(tag) has an invalid indicator" }
                dataField = .data(tag, ind1 ?? " ", ind2 ?? " ", [])
            case "subfield":
                let code = attributes["code"] ?? ""
                if code.count != 1 { problem = problem ?? "field \(dataField?.tag ?? "?") has an invalid subfield code '\(code)'" }
                subfieldCode = code.first ?? "?"
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
            guard inRecord else { return }
            switch elementName {
            case "leader":
                leader = text
            case "controlfield":
                if let tag = controlTag { fields.append(.control(tag, text)) }
                controlTag = nil
            case "subfield":
                if let code = subfieldCode { dataField?.subfields.append(MARCSubfield(code, text)) }
                subfieldCode = nil
            case "datafield":
                if let field = dataField { fields.append(field) }
                dataField = nil
            case "record":
                inRecord = false
                let controlNumber = fields.first { $0.tag == "001" }?.value
                if let problem {
                    body(.failure(MARCReadError(position: position, reason: problem, controlNumber: controlNumber)))
                } else if let leaderText = leader, var parsed = MARCLeader(leaderText.replacingOccurrences(of: "\n", with: " ")) {
                    // MARCXML is always Unicode, whatever leader/09 says.
                    parsed[9] = "a"
                    body(.success(MARCReadRecord(record: MARCRecord(leader: parsed, fields: fields), position: position, warnings: [])))
                } else {
                    body(.failure(MARCReadError(position: position, reason: "the record has no leader of 24 characters",
                                                controlNumber: controlNumber)))
                }
            default:
                break
            }
            text = ""
        }

        static func validTag(_ tag: String) -> Bool {
            tag.count == 3 && tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }

        static func indicator(_ value: String?) -> Character? {
            guard let value else { return " " }
            if value.isEmpty { return " " }
            guard value.count == 1, let character = value.first, character.isASCII else { return nil }
            return character
        }
    }
}
