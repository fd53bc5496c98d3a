import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Counts elements and collects their text in an XML document.
final class XMLSummary: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String: [String]] = [:]
    var attributes: [String: [[String: String]]] = [:]
    private var text = ""

    static func of(_ string: String) throws -> XMLSummary {
        let summary = XMLSummary()
        let parser = XMLParser(data: Data(string.utf8))
        parser.delegate = summary
        guard parser.parse() else { throw TestError("not well-formed XML: \(String(describing: parser.parserError))") }
        return summary
    }

    func parser(_ parser: XMLParser, didStartElement qualified: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        let name = Self.local(qualified)
        counts[name, default: 0] += 1
        self.attributes[name, default: []].append(attributes)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// The element name without its namespace prefix ("oai_dc:dc" → "dc").
    static func local(_ name: String) -> String { String(name.split(separator: ":").last ?? Substring(name)) }

    func parser(_ parser: XMLParser, didEndElement qualified: String, namespaceURI: String?, qualifiedName: String?) {
        texts[Self.local(qualified), default: []].append(text.trimmed)
        text = ""
    }
}

@Suite struct OAITests {
    func importFixture(_ app: Application, _ organisation: UUID) async throws {
        let path = try #require(Bundle.module.url(forResource: "Fixtures/loc-books-100", withExtension: "mrc")).path
        _ = try await CatalogImporter(store: CatalogStore(app.db, organisationID: organisation)).importFile(path: path, defaultBranch: nil)
    }

    @Test(arguments: TestDatabase.all)
    func harvestingWithResumptionTokens(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            try await importFixture(app, fixture.city)
            let total = try await CatalogStore(app.db, organisationID: fixture.city).titleCount()
            #expect(total > 100)
            let client = TestClient(app)

            let identify = try XMLSummary.of(try await client.send(.GET, "/oai?verb=Identify").body.string)
            #expect(identify.texts["protocolVersion"] == ["2.0"])
            #expect(identify.texts["deletedRecord"] == ["persistent"])

            let formats = try XMLSummary.of(try await client.send(.GET, "/oai?verb=ListMetadataFormats").body.string)
            #expect(formats.texts["metadataPrefix"] == ["oai_dc", "marcxml"])
            let sets = try XMLSummary.of(try await client.send(.GET, "/oai?verb=ListSets").body.string)
            #expect(sets.texts["setSpec"]?.contains("city") == true)
            #expect(sets.texts["setSpec"]?.contains("city:book") == true)

            // Walk every page of ListRecords in oai_dc; every record once.
            var seen: [String] = []
            var url = "/oai?verb=ListRecords&metadataPrefix=oai_dc&set=city"
            var pages = 0
            while true {
                let response = try await client.send(.GET, url)
                #expect(response.headers.contentType?.subType == "xml")
                let page = try XMLSummary.of(response.body.string)
                #expect(page.counts["error"] == nil)
                seen += (page.texts["identifier"] ?? []).filter { $0.hasPrefix("oai:bieb.local:") }
                #expect(page.counts["dc"] == page.counts["record"])
                pages += 1
                guard let token = page.texts["resumptionToken"]?.first, !token.isEmpty else {
                    if pages > 1 { #expect(page.attributes["resumptionToken"]?.first?["completeListSize"] == String(total)) }
                    break
                }
                #expect(page.attributes["resumptionToken"]?.first?["cursor"] == String((pages - 1) * 100))
                url = "/oai?verb=ListRecords&resumptionToken=\(token)"
            }
            #expect(pages == 2)
            #expect(seen.count == total)
            #expect(Set(seen).count == total)

            // GetRecord in MARCXML, by GET and by form POST.
            let identifier = try #require(seen.first)
            let record = try await client.send(.GET, "/oai?verb=GetRecord&metadataPrefix=marcxml&identifier=\(identifier)")
            let parsed = try XMLSummary.of(record.body.string)
            #expect(parsed.counts["leader"] == 1)
            let posted = try await client.send(.POST, "/oai", form: ["verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier])
            #expect(try XMLSummary.of(posted.body.string).counts["dc"] == 1)

            // A format set.
            let digital = try XMLSummary.of(try await client.send(.GET, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=city:book").body.string)
            #expect((digital.counts["header"] ?? 0) > 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func deletedRecordsAndDates(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let title = try #require(try await Title.query(on: app.db).filter(\.$controlNumber == "nl-1").first())
            let store = CatalogStore(app.db, organisationID: fixture.city)
            for item in try await store.items(of: title.id!) {
                try await store.setStatus(.withdrawn, ofItems: [item.id!])
            }
            try await store.delete(titleID: title.id!)
            let client = TestClient(app)
            let list = try await client.send(.GET, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc")
            let summary = try XMLSummary.of(list.body.string)
            #expect(summary.attributes["header"]?.contains { $0["status"] == "deleted" } == true)
            let record = try await client.send(.GET, "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:bieb.local:city/\(title.id!)")
            let deleted = try XMLSummary.of(record.body.string)
            #expect(deleted.counts["error"] == nil)
            #expect(deleted.attributes["header"]?.first?["status"] == "deleted")
            #expect(deleted.counts["metadata"] == nil)
            let future = try await client.send(.GET, "/oai?verb=ListRecords&metadataPrefix=oai_dc&from=2100-01-01")
            #expect(try XMLSummary.of(future.body.string).attributes["error"]?.first?["code"] == "noRecordsMatch")
            let datestamp = try #require(summary.texts["datestamp"]?.first)
            #expect(datestamp.count == 20 && datestamp.hasSuffix("Z"))
        }
    }

    @Test func errorsAreOAIErrors() async throws {
        try await withBieb(.sqlite) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let client = TestClient(app)
            for (query, code) in [("", "badVerb"), ("verb=Nope", "badVerb"), ("verb=ListRecords", "badArgument"),
                                  ("verb=ListRecords&metadataPrefix=mods", "cannotDisseminateFormat"),
                                  ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere:1", "idDoesNotExist"),
                                  ("verb=ListRecords&metadataPrefix=oai_dc&set=nowhere", "badArgument"),
                                  ("verb=ListRecords&resumptionToken=bm9wZQ", "badResumptionToken"),
                                  ("verb=Identify&verb=Identify", "badArgument")] {
                let response = try await client.send(.GET, "/oai?\(query)")
                #expect(response.status == .ok)
                let summary = try XMLSummary.of(response.body.string)
                #expect(summary.attributes["error"]?.first?["code"] == code, "\(query)")
                // After an error the request element has no arguments.
                #expect(summary.attributes["request"]?.first?.isEmpty == true, "\(query)")
            }
        }
    }
}
