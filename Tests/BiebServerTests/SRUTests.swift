import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct SRUTests {
    @Test(arguments: TestDatabase.all)
    func searchRetrieveInBothVersions(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let client = TestClient(app)

            let v12 = try await client.send(.GET, "/sru/city?version=1.2&operation=searchRetrieve&query=dc.title%3Davonden&maximumRecords=1")
            let one = try XMLSummary.of(v12.body.string)
            #expect(v12.body.string.contains("xmlns=\"http://www.loc.gov/zing/srw/\""))
            #expect(one.texts["numberOfRecords"] == ["2"])
            #expect(one.counts["record"] == 2) // the SRU record and the MARC record inside it
            #expect(one.texts["recordPacking"] == ["xml"])
            #expect(one.texts["nextRecordPosition"] == ["2"])

            let v20 = try await client.send(.GET, "/sru/city?query=dc.creator%3Dreve&recordSchema=dc")
            let two = try XMLSummary.of(v20.body.string)
            #expect(v20.body.string.contains("http://docs.oasis-open.org/ns/search-ws/sruResponse"))
            #expect(two.texts["numberOfRecords"] == ["1"])
            #expect(two.texts["title"]?.contains { $0.hasPrefix("De avonden") } == true)
            #expect(two.texts["recordXMLEscaping"] == ["xml"])
            #expect(two.texts["nextRecordPosition"] == nil)

            let escaped = try await client.send(.GET, "/sru/city?query=reve&recordXMLEscaping=string")
            #expect(escaped.body.string.contains("&lt;record"))

            let explain = try XMLSummary.of(try await client.send(.GET, "/sru/city").body.string)
            #expect(explain.counts["explain"] == 1)
            #expect(explain.texts["database"] == ["sru/city"])
        }
    }

    @Test func diagnostics() async throws {
        try await withBieb(.sqlite) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let client = TestClient(app)
            for (query, number) in [("/sru/city?operation=searchRetrieve", 7), ("/sru/city?query=%22open", 10),
                                    ("/sru/city?query=dc.publisher%3Dx", 16), ("/sru/city?query=a&recordSchema=mods", 66),
                                    ("/sru/city?version=3.0&query=a", 5), ("/sru/nowhere?query=a", 235),
                                    ("/sru?query=a", 235), ("/sru/city?query=a&maximumRecords=1000", 60),
                                    ("/sru/city?query=avonden&startRecord=50", 61), ("/sru/city?query=a&operation=scan", 4)] {
                let response = try await client.send(.GET, query)
                #expect(response.status == .ok)
                let summary = try XMLSummary.of(response.body.string)
                #expect(summary.texts["uri"] == ["info:srw/diagnostic/1/\(number)"], "\(query)")
            }
        }
    }
}
