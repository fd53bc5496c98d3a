import Fluent
import SQLKit
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

/// Search with one shared `SearchMemory`, as the server runs it: what is kept
/// in memory follows every change of titles and copies.
@Suite("Search memory") struct SearchMemoryTests {
    func numbers(_ page: SearchPage) -> [String] { page.titles.compactMap(\.controlNumber) }

    func add(_ records: [TitleRecord], holdings: [String: [Holding]] = [:], to organisation: UUID, app: Application) async throws {
        let store = CatalogStore(app.db, organisationID: organisation)
        let incoming = try records.map {
            try IncomingTitle(marc: MARCMapping.record(for: $0), record: $0, holdings: holdings[$0.controlNumber ?? ""] ?? [])
        }
        let outcomes = try await store.upsert(incoming, branches: try await store.branchesBySlug(), defaultBranch: nil)
        #expect(!outcomes.contains { if case .rejected = $0 { true } else { false } })
    }

    @Test(arguments: TestDatabase.all)
    func followsLoansNewTitlesAndDeletions(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await add([TitleRecord(controlNumber: "a", title: "Het water", year: 2001, language: "dut"),
                           TitleRecord(controlNumber: "b", title: "Water en land", year: 2010, language: "dut")],
                          holdings: ["a": [Holding(branch: "centrale", barcode: "A1")], "b": [Holding(branch: "oost", barcode: "B1")]],
                          to: fixture.city, app: app)
            let memory = SearchMemory()
            let search = CatalogSearch(app.db, organisationID: fixture.city, memory: memory)
            let water = try SearchQuery.parse("water")
            let first = try await search.search(water, withFacets: true)
            #expect(Set(numbers(first)) == ["a", "b"])
            #expect(first.facets?.availableNow == 2)
            #expect(memory.hits.count == 1)

            // Lending a copy: availability changes at once; title records did not change.
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let sql = app.db as! any SQLDatabase
            let before = try await CatalogChanges.current(organisationID: fixture.city, on: sql)
            let copy = try #require(try await Item.query(on: app.db).filter(\.$barcode == "A1").first())
            try await setItemStatus(app, organisation: fixture.city, .onLoan, due: Date().addingTimeInterval(86400 * 21), items: [copy.id!])
            let after = try await CatalogChanges.current(organisationID: fixture.city, on: sql)
            #expect(after.version > before.version)
            #expect(after.titlesVersion == before.titlesVersion)
            var filters = SearchFilters()
            filters.availableNow = true
            let onShelf = try await search.search(water, filters: filters, withFacets: true)
            #expect(numbers(onShelf) == ["b"])
            #expect(onShelf.facets?.availableNow == 1)
            filters.branch = fixture.central
            #expect(try await search.search(water, filters: filters).total == 0)
            try await setItemStatus(app, organisation: fixture.city, .available, items: [copy.id!])
            #expect(numbers(try await search.search(water, filters: filters)) == ["a"])
            // The catalogue does not lend: the desk does.
            await #expect(throws: BiebError.self) { try await store.setStatus(.onLoan, ofItems: [copy.id!]) }

            // A new title is found by the next search.
            try await add([TitleRecord(controlNumber: "c", title: "Water voor iedereen", year: 2020, language: "dut")], to: fixture.city, app: app)
            #expect(Set(numbers(try await search.search(water))) == ["a", "b", "c"])

            // A title with copies cannot be deleted; without, it leaves search at once.
            let a = try #require(try await Title.query(on: app.db).filter(\.$controlNumber == "a").first())
            await #expect(throws: BiebError.self) { try await store.delete(titleID: a.id!) }
            #expect(Set(numbers(try await search.search(water))) == ["a", "b", "c"])
            try await store.setStatus(.withdrawn, ofItems: [copy.id!])
            try await store.delete(titleID: a.id!)
            let left = try await search.search(water, withFacets: true)
            #expect(Set(numbers(left)) == ["b", "c"])
            #expect(left.titleCount == 2)
            #expect(left.facets?.branches.map(\.value) == [fixture.district.uuidString])
        }
    }

    @Test(arguments: TestDatabase.all)
    func sortsByWholeTitlesAndNamesAcrossPages(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            func person(_ name: String) -> [Contributor] { [Contributor(name: name, isMain: true)] }
            // The first ten characters of these titles are the same ("history of").
            try await add([
                TitleRecord(controlNumber: "w", title: "History of the world", contributors: person("Adams, Zoe"), year: 1990, language: "eng"),
                TitleRecord(controlNumber: "n", title: "History of the Netherlands", contributors: person("Adams, Anna"), year: 2000, language: "eng"),
                TitleRecord(controlNumber: "e", title: "Éarly history", year: 2010, language: "eng"),
                TitleRecord(controlNumber: "am", title: "History of the Americas", contributors: person("Adams, Anna"), year: 2005, language: "eng"),
            ], to: fixture.city, app: app)
            let search = CatalogSearch(app.db, organisationID: fixture.city, memory: SearchMemory())
            let history = try SearchQuery.parse("history")
            #expect(numbers(try await search.search(history, sort: .title)) == ["e", "am", "n", "w"])
            var paged: [String] = []
            for offset in 0..<4 { paged += numbers(try await search.search(history, sort: .title, limit: 1, offset: offset)) }
            #expect(paged == ["e", "am", "n", "w"])
            // By author, then title; titles without an author last.
            #expect(numbers(try await search.search(history, sort: .author)) == ["am", "n", "w", "e"])
            #expect(numbers(try await search.search(history, sort: .author, limit: 1, offset: 1)) == ["n"])
            #expect(numbers(try await search.search(history, sort: .newest)) == ["e", "am", "n", "w"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func genreFacetAndFilter(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await add([
                TitleRecord(controlNumber: "r", title: "Nacht over de stad", year: 2019, language: "dut", nur: 301),
                TitleRecord(controlNumber: "t", title: "De nacht van de moord", year: 2021, language: "dut", nur: 332),
                TitleRecord(controlNumber: "u", title: "Nachtdieren", year: 2015, language: "dut"),
            ], to: fixture.city, app: app)
            let search = CatalogSearch(app.db, organisationID: fixture.city, memory: SearchMemory())
            let query = try SearchQuery.parse("nacht OR nachtdieren")
            let all = try await search.search(query, withFacets: true)
            #expect(Dictionary(uniqueKeysWithValues: (all.facets?.genres ?? []).map { ($0.value, $0.count) }) == ["301": 1, "332": 1])
            var filters = SearchFilters()
            filters.genres = [332]
            let thrillers = try await search.search(query, filters: filters, withFacets: true)
            #expect(numbers(thrillers) == ["t"])
            // The genre facet is counted without its own filter.
            #expect(thrillers.facets?.genres.count == 2)
            #expect(NUR.name(332) == "Thrillers")
            #expect(NUR.name(999) == "NUR 999")
        }
    }
}
