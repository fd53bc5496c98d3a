import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The OAI-PMH 2.0 provider at `/oai`: all six verbs, `oai_dc` and
/// `marcxml`, sets per organisation and per organisation and format
/// (`den-haag`, `den-haag:book`), resumption tokens (100 records a page),
/// deleted records kept (`persistent`), GET and form-encoded POST.
struct OAIController: RouteCollection {
    static let pageSize = 100
    static let formats = [
        ("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
        ("marcxml", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", "http://www.loc.gov/MARC21/slim"),
    ]

    func boot(routes: any RoutesBuilder) throws {
        routes.get("oai", use: respond)
        routes.post("oai", use: respond)
    }

    func respond(req: Request) async throws -> Response {
        var pairs: [(String, String)] = []
        if req.method == .POST {
            guard req.headers.contentType == .urlEncodedForm else {
                return xml(req, body: error(OAIPMH.Failure("badArgument", "POST requests must be application/x-www-form-urlencoded.")), arguments: [])
            }
            let body = req.body.string ?? ""
            pairs = Self.pairs(body)
        } else {
            pairs = Self.pairs(req.url.query ?? "")
        }
        do {
            let request = try OAIPMH.parse(pairs)
            return xml(req, body: try await answer(request, req), verb: request.verb.rawValue, arguments: request.arguments)
        } catch let failure as OAIPMH.Failure {
            // The request element echoes the arguments only when they were valid.
            return xml(req, body: error(failure), arguments: [])
        }
    }

    static func pairs(_ query: String) -> [(String, String)] {
        query.split(separator: "&").compactMap { part in
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            guard let name = pieces.first, !name.isEmpty else { return nil }
            return (name, pieces.count > 1 ? pieces[1] : "")
        }
    }

    func error(_ failure: OAIPMH.Failure) -> String {
        "<error code=\"\(failure.code)\">\(MARCXML.escape(failure.message))</error>\n"
    }

    func xml(_ req: Request, body: String, verb: String? = nil, arguments: [(String, String)]) -> Response {
        var attributes = verb.map { " verb=\"\($0)\"" } ?? ""
        for (name, value) in arguments { attributes += " \(name)=\"\(MARCXML.escape(value))\"" }
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <OAI-PMH xmlns="\(OAIPMH.namespace)" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="\(OAIPMH.schemaLocation)">
            <responseDate>\(OAIPMH.datestamp(Date()))</responseDate>
            <request\(attributes)>\(MARCXML.escape(baseURL(req)))</request>
            \(body)</OAI-PMH>

            """
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "xml", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }

    func baseURL(_ req: Request) -> String { req.bieb.baseURL + "/oai" }

    /// The repository identifier: the public host name, which the scheme
    /// wants to be a domain name (an IP address or localhost gives "bieb.local").
    func repository(_ req: Request) -> String {
        let host = URLComponents(string: req.bieb.baseURL)?.host ?? "localhost"
        let isAddress = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
        return host.contains(".") && !isAddress ? host : "bieb.local"
    }

    func identifier(_ req: Request, _ title: Title, organisations: [UUID: String]) -> String {
        "oai:\(repository(req)):\(organisations[title.organisationID] ?? "")/\(title.id!)"
    }

    func answer(_ request: OAIPMH.Request, _ req: Request) async throws -> String {
        let organisations = try await req.branches.organisations()
        let slugs = Dictionary(uniqueKeysWithValues: organisations.map { ($0.id!, $0.slug) })
        let ids = Dictionary(uniqueKeysWithValues: organisations.map { ($0.slug, $0.id!) })
        switch request.verb {
        case .identify:
            let earliest = try await Harvest.earliest(on: req.db) ?? Date(timeIntervalSince1970: 0)
            return """
                <Identify>
                <repositoryName>Bieb</repositoryName>
                <baseURL>\(MARCXML.escape(baseURL(req)))</baseURL>
                <protocolVersion>2.0</protocolVersion>
                <adminEmail>beheer@\(MARCXML.escape(repository(req)))</adminEmail>
                <earliestDatestamp>\(OAIPMH.datestamp(earliest))</earliestDatestamp>
                <deletedRecord>persistent</deletedRecord>
                <granularity>YYYY-MM-DDThh:mm:ssZ</granularity>
                <description><oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"><scheme>oai</scheme><repositoryIdentifier>\(MARCXML.escape(repository(req)))</repositoryIdentifier><delimiter>:</delimiter><sampleIdentifier>oai:\(MARCXML.escape(repository(req))):den-haag/1</sampleIdentifier></oai-identifier></description>
                </Identify>

                """
        case .listMetadataFormats:
            if let identifier = request.identifier { _ = try await title(identifier, req, ids: ids) }
            return "<ListMetadataFormats>\n" + Self.formats.map {
                "<metadataFormat><metadataPrefix>\($0.0)</metadataPrefix><schema>\($0.1)</schema><metadataNamespace>\($0.2)</metadataNamespace></metadataFormat>\n"
            }.joined() + "</ListMetadataFormats>\n"
        case .listSets:
            var out = "<ListSets>\n"
            for organisation in organisations {
                out += "<set><setSpec>\(organisation.slug)</setSpec><setName>\(MARCXML.escape(organisation.name))</setName></set>\n"
            }
            for (organisation, format) in try await Harvest.formats(on: req.db) {
                guard let slug = slugs[organisation] else { continue }
                out += "<set><setSpec>\(slug):\(format)</setSpec><setName>\(MARCXML.escape(slug)): \(format)</setName></set>\n"
            }
            return out + "</ListSets>\n"
        case .getRecord:
            try checkPrefix(request.metadataPrefix)
            let title = try await title(request.identifier ?? "", req, ids: ids)
            return "<GetRecord>\n" + (try await record(title, prefix: request.metadataPrefix!, req, slugs: slugs)) + "</GetRecord>\n"
        case .listIdentifiers, .listRecords:
            try checkPrefix(request.metadataPrefix)
            var query = HarvestQuery(from: request.from, until: request.until, after: request.after)
            if let set = request.set {
                let parts = set.split(separator: ":", maxSplits: 1).map(String.init)
                guard let organisation = ids[parts[0]] else { throw OAIPMH.Failure("badArgument", "There is no set '\(set)'.") }
                query.organisationID = organisation
                if parts.count == 2 {
                    guard MaterialFormat(rawValue: parts[1]) != nil else { throw OAIPMH.Failure("badArgument", "There is no set '\(set)'.") }
                    query.format = parts[1]
                }
            }
            let titles = try await Harvest.titles(query, limit: Self.pageSize + 1, on: req.db)
            guard !titles.isEmpty else {
                if request.after > 0 { throw OAIPMH.Failure("badResumptionToken", "The resumption token is no longer valid.") }
                throw OAIPMH.Failure("noRecordsMatch", "No records match.")
            }
            let page = titles.prefix(Self.pageSize)
            let element = request.verb.rawValue
            var out = "<\(element)>\n"
            for title in page {
                if request.verb == .listIdentifiers {
                    out += header(title, req, slugs: slugs)
                } else {
                    out += try await record(title, prefix: request.metadataPrefix!, req, slugs: slugs)
                }
            }
            let more = titles.count > Self.pageSize
            if more || request.after > 0 {
                var all = query
                all.after = 0
                let size = try await Harvest.count(all, on: req.db)
                let cursor = try await Harvest.count(all, throughID: request.after, on: req.db)
                let token = more ? OAIPMH.token(for: request, after: page.last!.id!) : ""
                out += "<resumptionToken completeListSize=\"\(size)\" cursor=\"\(cursor)\">\(token)</resumptionToken>\n"
            }
            return out + "</\(element)>\n"
        }
    }

    func checkPrefix(_ prefix: String?) throws {
        guard let prefix, Self.formats.contains(where: { $0.0 == prefix }) else {
            throw OAIPMH.Failure("cannotDisseminateFormat", "The metadata format '\(prefix ?? "")' is not offered; use oai_dc or marcxml.")
        }
    }

    func title(_ identifier: String, _ req: Request, ids: [String: UUID]) async throws -> Title {
        let prefix = "oai:\(repository(req)):"
        guard identifier.hasPrefix(prefix) else { throw OAIPMH.Failure("idDoesNotExist", "No record '\(identifier)'.") }
        let local = identifier.dropFirst(prefix.count).split(separator: "/")
        guard local.count == 2, let organisation = ids[String(local[0])], let id = Int(local[1]),
              let title = try await Title.query(on: req.db).filter(\.$id == id).filter(\.$organisationID == organisation).first() else {
            throw OAIPMH.Failure("idDoesNotExist", "No record '\(identifier)'.")
        }
        return title
    }

    func header(_ title: Title, _ req: Request, slugs: [UUID: String]) -> String {
        let status = title.deleted ? " status=\"deleted\"" : ""
        let slug = slugs[title.organisationID] ?? ""
        return "<header\(status)><identifier>\(MARCXML.escape(identifier(req, title, organisations: slugs)))</identifier>"
            + "<datestamp>\(OAIPMH.datestamp(title.updatedAt))</datestamp><setSpec>\(slug)</setSpec><setSpec>\(slug):\(title.format)</setSpec></header>\n"
    }

    func record(_ title: Title, prefix: String, _ req: Request, slugs: [UUID: String]) async throws -> String {
        var out = "<record>" + header(title, req, slugs: slugs)
        if !title.deleted, let marc = title.marcRecord {
            let metadata = prefix == "oai_dc" ? DublinCore.oaiDC(marc) : MARCXML.record(marc, namespaced: true)
            out += "<metadata>\n" + metadata + "</metadata>"
        }
        return out + "</record>\n"
    }
}
