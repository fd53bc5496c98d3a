import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// SRU 1.2 and 2.0 at `/sru/{org}` (and `/sru` when the deployment serves one
/// organisation): explain and searchRetrieve with a CQL subset, records as
/// MARCXML or Dublin Core, SRU diagnostics for bad requests.
struct SRUController: RouteCollection {
    static let defaultRecords = 10
    static let maximumRecords = 100

    func boot(routes: any RoutesBuilder) throws {
        routes.get("sru", use: respond)
        routes.get("sru", ":org", use: respond)
    }

    struct Version {
        let number: String
        var isOne: Bool { number.hasPrefix("1") }
        var namespace: String { isOne ? "http://www.loc.gov/zing/srw/" : "http://docs.oasis-open.org/ns/search-ws/sruResponse" }
        var diagnosticNamespace: String { isOne ? "http://www.loc.gov/zing/srw/diagnostic/" : "http://docs.oasis-open.org/ns/search-ws/diagnostic" }
    }

    struct Diagnostic: Error {
        let number: Int
        let message: String
        let details: String?
    }

    func respond(req: Request) async throws -> Response {
        let versionText = req.query[String.self, at: "version"] ?? "2.0"
        guard ["1.1", "1.2", "2.0"].contains(versionText) else {
            return xml(diagnosticsOnly(Version(number: "1.2"), root: "explainResponse",
                                       Diagnostic(number: 5, message: "Unsupported version", details: "1.2")))
        }
        let version = Version(number: versionText == "1.1" ? "1.2" : versionText)
        let query = req.query[String.self, at: "query"]
        let operation = req.query[String.self, at: "operation"] ?? (query == nil ? "explain" : "searchRetrieve")
        do {
            let org = try await organisation(req)
            switch operation {
            case "explain": return xml(explain(req, version: version, org: org))
            case "searchRetrieve": return xml(try await searchRetrieve(req, version: version, org: org, query: query))
            default: throw Diagnostic(number: 4, message: "Unsupported operation", details: operation)
            }
        } catch let diagnostic as Diagnostic {
            return xml(diagnosticsOnly(version, root: operation == "explain" ? "explainResponse" : "searchRetrieveResponse", diagnostic))
        }
    }

    func organisation(_ req: Request) async throws -> Organisation {
        let organisations = try await req.branches.organisations()
        if let slug = req.parameters.get("org") {
            guard let org = organisations.first(where: { $0.slug == slug }) else {
                throw Diagnostic(number: 235, message: "Database does not exist", details: slug)
            }
            return org
        }
        guard organisations.count == 1 else {
            throw Diagnostic(number: 235, message: "Database does not exist",
                             details: "use /sru/{organisation}: " + organisations.map(\.slug).joined(separator: ", "))
        }
        return organisations[0]
    }

    func xml(_ body: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "xml", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body))
    }

    func diagnosticXML(_ version: Version, _ d: Diagnostic) -> String {
        "<diagnostics><diagnostic xmlns=\"\(version.diagnosticNamespace)\"><uri>info:srw/diagnostic/1/\(d.number)</uri>"
            + (d.details.map { "<details>\(MARCXML.escape($0))</details>" } ?? "")
            + "<message>\(MARCXML.escape(d.message))</message></diagnostic></diagnostics>\n"
    }

    func diagnosticsOnly(_ version: Version, root: String, _ d: Diagnostic) -> String {
        var out = "<\(root) xmlns=\"\(version.namespace)\">\n<version>\(version.number)</version>\n"
        if root == "searchRetrieveResponse" { out += "<numberOfRecords>0</numberOfRecords>\n" }
        return out + diagnosticXML(version, d) + "</\(root)>\n"
    }

    /// The record schema asked for: marcxml (default) or dc.
    func schema(_ req: Request) throws -> (uri: String, dc: Bool) {
        switch req.query[String.self, at: "recordSchema"] ?? "marcxml" {
        case "marcxml", "info:srw/schema/1/marcxml-v1.1", "info:srw/schema/1/marcxml-v1.1-light": return ("info:srw/schema/1/marcxml-v1.1", false)
        case "dc", "info:srw/schema/1/dc-v1.1": return ("info:srw/schema/1/dc-v1.1", true)
        case let other: throw Diagnostic(number: 66, message: "Unknown schema for retrieval", details: other)
        }
    }

    func searchRetrieve(_ req: Request, version: Version, org: Organisation, query text: String?) async throws -> String {
        guard let text, !text.trimmed.isEmpty else {
            throw Diagnostic(number: 7, message: "Mandatory parameter not supplied", details: "query")
        }
        let query: SearchQuery
        do {
            query = try CQL.parse(text)
        } catch {
            throw Diagnostic(number: error.diagnostic, message: error.message, details: error.details)
        }
        let start = try number(req, "startRecord", default: 1, range: 1...100_000)
        let maximum = try number(req, "maximumRecords", default: Self.defaultRecords, range: 0...Self.maximumRecords)
        let packing = version.isOne ? req.query[String.self, at: "recordPacking"] ?? "xml" : req.query[String.self, at: "recordXMLEscaping"] ?? "xml"
        guard ["xml", "string"].contains(packing) else {
            throw Diagnostic(number: 71, message: "Unsupported record packing", details: packing)
        }
        let (schemaURI, dublinCore) = try schema(req)
        let (total, titles) = try await req.catalogSearch(try org.requireID()).titles(query, limit: maximum, offset: start - 1)
        if total > 0, start > total {
            throw Diagnostic(number: 61, message: "First record position out of range", details: String(start))
        }
        var out = "<searchRetrieveResponse xmlns=\"\(version.namespace)\">\n<version>\(version.number)</version>\n"
        out += "<numberOfRecords>\(total)</numberOfRecords>\n"
        if !titles.isEmpty {
            out += "<records>\n"
            for (offset, title) in titles.enumerated() {
                guard let marc = title.marcRecord else { continue }
                let data = dublinCore ? DublinCore.srwDC(marc) : MARCXML.record(marc, namespaced: true)
                let packed = packing == "string" ? MARCXML.escape(data) : data
                out += "<record><recordSchema>\(schemaURI)</recordSchema>"
                out += version.isOne ? "<recordPacking>\(packing)</recordPacking>" : "<recordXMLEscaping>\(packing)</recordXMLEscaping>"
                out += "<recordData>\(packed)</recordData><recordPosition>\(start + offset)</recordPosition></record>\n"
            }
            out += "</records>\n"
        }
        if start + titles.count <= total, !titles.isEmpty {
            out += "<nextRecordPosition>\(start + titles.count)</nextRecordPosition>\n"
        }
        out += "<echoedSearchRetrieveRequest><version>\(version.number)</version><query>\(MARCXML.escape(text))</query>"
        out += "<startRecord>\(start)</startRecord><maximumRecords>\(maximum)</maximumRecords><recordSchema>\(schemaURI)</recordSchema>"
        out += "</echoedSearchRetrieveRequest>\n"
        return out + "</searchRetrieveResponse>\n"
    }

    func number(_ req: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = req.query[String.self, at: name] else { return value }
        guard let number = Int(text) else {
            throw Diagnostic(number: 6, message: "Unsupported parameter value", details: "\(name)=\(text)")
        }
        guard range.contains(number) else {
            throw Diagnostic(number: name == "maximumRecords" ? 60 : 6, message: name == "maximumRecords" ? "Result set not created: too many matching records"
                                 : "Unsupported parameter value", details: "\(name) must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func explain(_ req: Request, version: Version, org: Organisation) -> String {
        let url = URLComponents(string: req.bieb.baseURL)
        let host = url?.host ?? "localhost"
        let port = url?.port ?? (url?.scheme == "https" ? 443 : 80)
        var indexes = ""
        for (name, title, set) in [("anywhere", "Any field", "cql"), ("serverChoice", "Any field", "cql"), ("title", "Title", "dc"),
                                   ("creator", "Author", "dc"), ("subject", "Subject", "dc"), ("isbn", "ISBN", "bath")] {
            indexes += "<index><title>\(title)</title><map><name set=\"\(set)\">\(name)</name></map></index>"
        }
        let explain = """
            <explain xmlns="http://explain.z3950.org/dtd/2.0/">
            <serverInfo protocol="SRU" version="\(version.number)"><host>\(MARCXML.escape(host))</host><port>\(port)</port><database>sru/\(org.slug)</database></serverInfo>
            <databaseInfo><title lang="nl" primary="true">\(MARCXML.escape(org.name))</title><description lang="en">The catalogue of \(MARCXML.escape(org.name)), served by Bieb.</description></databaseInfo>
            <indexInfo><set identifier="info:srw/cql-context-set/1/cql-v1.2" name="cql"/><set identifier="info:srw/cql-context-set/1/dc-v1.1" name="dc"/><set identifier="http://zing.z3950.org/cql/bath/2.0/" name="bath"/>\(indexes)</indexInfo>
            <schemaInfo><schema identifier="info:srw/schema/1/marcxml-v1.1" name="marcxml"><title>MARCXML</title></schema><schema identifier="info:srw/schema/1/dc-v1.1" name="dc"><title>Dublin Core</title></schema></schemaInfo>
            <configInfo><default type="numberOfRecords">\(Self.defaultRecords)</default><setting type="maximumRecords">\(Self.maximumRecords)</setting></configInfo>
            </explain>
            """
        let packing = version.isOne ? "<recordPacking>xml</recordPacking>" : "<recordXMLEscaping>xml</recordXMLEscaping>"
        return "<explainResponse xmlns=\"\(version.namespace)\">\n<version>\(version.number)</version>\n<record><recordSchema>http://explain.z3950.org/dtd/2.0/</recordSchema>\(packing)<recordData>\(explain)</recordData></record>\n</explainResponse>\n"
    }
}
