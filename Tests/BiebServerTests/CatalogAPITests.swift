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

@Suite struct CatalogAPITests {
    @Test(arguments: TestDatabase.all)
    func searchWithFacetsAndAvailability(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalogWithACopy(app, organisation: fixture.city)
            let client = TestClient(app)
            let response = try await client.send(.GET, "/api/v1/organisations/city/search?q=avonden")
            #expect(response.status == .ok)
            let body = try object(response)
            #expect(body["total"] as? Int == 2)
            let works = try #require(body["works"] as? [[String: Any]])
            let titles = works.flatMap { ($0["titles"] as? [[String: Any]]) ?? [] }
            let first = try #require(titles.first { $0["author"] as? String == "Reve, Gerard" })
            #expect(first["title"] as? String == "De avonden")
            #expect(first["on_shelf"] as? Int == 1)
            #expect((first["availability"] as? [[String: Any]])?.first?["branch"] as? String == "Centrale Bibliotheek")
            let facets = try #require(body["facets"] as? [String: Any])
            #expect((facets["language"] as? [[String: Any]])?.contains { $0["label"] as? String == "Nederlands" } == true)

            let english = try object(try await client.send(.GET, "/api/v1/organisations/city/search?q=avonden&language=eng&facets=false",
                                                           headers: ["Accept-Language": "en"]))
            #expect(english["total"] as? Int == 1)
            #expect(english["facets"] is NSNull || english["facets"] == nil)
            let available = try object(try await client.send(.GET, "/api/v1/organisations/city/search?q=avonden&available=true&branch=centrale"))
            #expect(available["total"] as? Int == 1)
            // A chosen value without hits stays in its facet with count 0.
            let none = try object(try await client.send(.GET, "/api/v1/organisations/city/search?q=avonden&format=dvd&language=fre"))
            #expect(none["total"] as? Int == 0)
            let noneFacets = try #require(none["facets"] as? [String: Any])
            let formats = try #require(noneFacets["format"] as? [[String: Any]])
            #expect(formats.contains { $0["value"] as? String == "dvd" && $0["count"] as? Int == 0 })
            #expect(!formats.contains { $0["value"] as? String == "book" })
            let languages = try #require(noneFacets["language"] as? [[String: Any]])
            #expect(languages.map { $0["value"] as? String } == ["fre"])
        }
    }

    @Test(.enabled(if: DutchWordList.compounds != nil, "needs Debian's wdutch word list"), arguments: TestDatabase.all)
    func dutchCompoundWordsAreFoundByTheirPartsOnThePageAndInTheAPI(_ database: TestDatabase) async throws {
        try await withCompoundCatalog(database) { app, fixture async throws in
            let client = TestClient(app)
            let body = try object(try await client.send(.GET, "/api/v1/organisations/city/search?q=oorlog"))
            #expect(body["total"] as? Int == 1)
            let titles = (body["works"] as? [[String: Any]] ?? []).flatMap { ($0["titles"] as? [[String: Any]]) ?? [] }
            #expect(titles.map { $0["title"] as? String } == ["Kinderen in de Tweede Wereldoorlog"])
            let page = try await client.send(.GET, "/city/catalogus?q=onderwerp%3Aoorlog")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Kinderen in de Tweede Wereldoorlog"))
            let kind = try await client.send(.GET, "/city/catalogus?q=kind")
            #expect(kind.body.string.contains("De fiets"), "Kinderboeken")
            #expect(!kind.body.string.contains("Kindle"))
        }
    }

    @Test func badSearchesAreExplained() async throws {
        try await withBieb(.sqlite) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            for (path, field) in [("q=", "q"), ("q=%22open", "q"), ("q=a&sort=best", "sort"), ("q=a&page=0", "page"),
                                  ("q=a&format=scroll", "format"), ("q=a&branch=mars", "branch"), ("q=a&year_from=19x", "year_from"),
                                  ("q=NOT+a", "q")] {
                let response = try await client.send(.GET, "/api/v1/organisations/city/search?\(path)")
                #expect(response.status == .badRequest, "\(path)")
                #expect(response.apiError?.field == field, "\(path)")
            }
            #expect(try await client.send(.GET, "/api/v1/organisations/nowhere/search?q=a").status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func titleRecordMarcxmlItemsAndSuggestions(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let client = TestClient(app)
            let id = try #require(try await Title.query(on: app.db).filter(\.$controlNumber == "nl-1").first()?.id)
            let record = try object(try await client.send(.GET, "/api/v1/organisations/city/titles/\(id)"))
            #expect(record["title"] as? String == "De avonden")
            #expect(record["isbns"] as? [String] == ["9789025452353"])
            #expect((record["contributors"] as? [[String: Any]])?.first?["name"] as? String == "Reve, Gerard")
            let xml = try await client.send(.GET, "/api/v1/organisations/city/titles/\(id)/marcxml")
            #expect(xml.headers.contentType?.subType == "marcxml+xml")
            let parsed = try MARCXML.records(from: Data(xml.body.string.utf8))
            #expect(parsed.first?.controlNumber == "nl-1")
            #expect(try list(try await client.send(.GET, "/api/v1/organisations/city/titles/\(id)/items")).isEmpty)
            // Another organisation does not have this title.
            #expect(try await client.send(.GET, "/api/v1/organisations/town/titles/\(id)").status == .notFound)
            #expect(try await client.send(.GET, "/api/v1/organisations/city/titles/abc").status == .badRequest)

            let suggestions = try list(try await client.send(.GET, "/api/v1/organisations/city/suggest?q=avo"))
            #expect(suggestions.contains { $0["text"] as? String == "De avonden" && $0["kind"] as? String == "title" })
            let authors = try list(try await client.send(.GET, "/api/v1/organisations/city/suggest?q=rev"))
            #expect(authors.contains { $0["text"] as? String == "Reve, Gerard" && $0["kind"] as? String == "author" })
            #expect(try list(try await client.send(.GET, "/api/v1/organisations/city/suggest?q=a")).isEmpty)
        }
    }
}
