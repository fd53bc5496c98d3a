import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

@Suite("Catalogue search") struct CatalogSearchTests {
    func numbers(_ page: SearchPage) -> [String] { page.titles.compactMap(\.controlNumber) }

    @Test(arguments: TestDatabase.all)
    func dutchAndEnglishStemmingAndFolding(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            func find(_ text: String) async throws -> Set<String> { Set(numbers(try await search.search(try SearchQuery.parse(text)))) }
            #expect(try await find("fietsen") == ["nl-2", "nl-3"])
            #expect(try await find("fiets") == ["nl-2", "nl-3"])
            #expect(try await find("libraries") == ["en-1", "en-2"])
            #expect(try await find("library") == ["en-1", "en-2"])
            #expect(try await find("cafe") == ["nl-4"])
            #expect(try await find("een dag") == ["nl-4"])
            #expect(try await find("bibliotheek") == ["nl-5"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func phrasesPrefixesFieldsAndBooleans(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            func find(_ text: String) async throws -> Set<String> { Set(numbers(try await search.search(try SearchQuery.parse(text)))) }
            #expect(try await find("\"de avonden\"") == ["nl-1", "en-3"])
            #expect(try await find("\"avonden de\"").isEmpty)
            #expect(try await find("bibliot*") == ["nl-5"])
            #expect(try await find("author:reve") == ["nl-1"])
            #expect(try await find("title:avonden author:reve") == ["nl-1"])
            #expect(try await find("isbn:90-254-5235-3") == ["nl-1"])
            #expect(try await find("isbn:9789025452353") == ["nl-1"])
            #expect(try await find("avonden -film") == ["nl-1"])
            #expect(try await find("avonden NOT film") == ["nl-1"])
            #expect(try await find("gardening OR fiets") == ["en-2", "nl-2", "nl-3"])
            #expect(try await find("subject:fietstochten") == ["nl-2"])
            #expect(try await find("title:fietstochten").isEmpty)
        }
    }

    @Test(.enabled(if: DutchWordList.compounds != nil, "needs Debian's wdutch word list"), arguments: TestDatabase.all)
    func dutchCompoundsAreFoundByTheirParts(_ database: TestDatabase) async throws {
        try await withCompoundCatalog(database) { app, fixture async throws in
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            func find(_ text: String) async throws -> Set<String> { Set(numbers(try await search.search(try SearchQuery.parse(text)))) }
            #expect(try await find("oorlog") == ["nl-6"])
            #expect(try await find("onderwerp:oorlog") == ["nl-6"])
            #expect(try await find("subject:winter") == ["nl-6"])
            #expect(try await find("winter") == ["nl-1", "nl-6"], "winterverhaal, oorlogswinter")
            #expect(try await find("boek") == ["nl-3"], "Kinderboeken")
            #expect(try await find("tocht") == ["nl-2"], "Fietstochten")
            // The compound itself and phrases across it are found as before.
            #expect(try await find("wereldoorlog") == ["nl-6"])
            #expect(try await find("\"tweede wereldoorlog\"") == ["nl-6"])
            #expect(try await find("title:fietstochten").isEmpty)
            // Precision: "kind" finds the children's books, not the Kindle; English is not split.
            #expect(try await find("kind") == ["nl-3"])
            #expect(try await find("kindle") == ["en-4"])
            #expect(try await find("hand").isEmpty, "handbook is English")
        }
    }

    @Test(.enabled(if: DutchWordList.compounds != nil, "needs Debian's wdutch word list"), arguments: TestDatabase.all)
    func reindexingSplitsTheCompoundsOfTitlesIndexedWhole(_ database: TestDatabase) async throws {
        try await withCompoundCatalog(database) { app, fixture async throws in
            // As a title indexed before compounds were split (or without the word list).
            let title = try #require(try await Title.query(on: app.db).filter(\.$controlNumber == "nl-6").first())
            let record = try #require(title.record)
            try await app.db.transaction { tx in
                try await SearchIndex.write([(try title.requireID(), fixture.city, SearchDocument(record))], replacing: [try title.requireID()], on: tx.sql)
            }
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            #expect(try await search.search(try SearchQuery.parse("oorlog")).total == 0)
            #expect(try await search.search(try SearchQuery.parse("wereldoorlog")).total == 1)

            let versionBefore = try await CatalogChanges.current(organisationID: fixture.city, on: app.db.sql).titlesVersion
            var heard: [(Int, Int)] = []
            let dutch = try await SearchReindex.run(on: app.db, languages: StemLanguage.dutch.marcCodes) { heard.append(($0, $1)) }
            #expect(dutch == 6)
            #expect(heard.last.map { [$0.0, $0.1] } == [6, 6])
            #expect(try await CatalogChanges.current(organisationID: fixture.city, on: app.db.sql).titlesVersion > versionBefore,
                    "cached searches are dropped")
            #expect(numbers(try await search.search(try SearchQuery.parse("oorlog"))) == ["nl-6"])
            // Every title, and nothing lost or doubled on the way.
            #expect(try await SearchReindex.run(on: app.db) == 10)
            #expect(numbers(try await search.search(try SearchQuery.parse("oorlog"))) == ["nl-6"])
            #expect(Set(numbers(try await search.search(try SearchQuery.parse("avonden")))) == ["nl-1", "en-3"])
            #expect(numbers(try await search.search(try SearchQuery.parse("kindle"))) == ["en-4"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func rankingSortingPagingAndIsolation(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            // A title match ranks above a subject-only match.
            let library = numbers(try await search.search(try SearchQuery.parse("library")))
            #expect(library.first == "en-1")
            #expect(library.last == "en-2")
            let newest = numbers(try await search.search(try SearchQuery.parse("library"), sort: .newest))
            #expect(newest == ["en-1", "en-2"])
            let byTitle = numbers(try await search.search(try SearchQuery.parse("library"), sort: .title))
            #expect(byTitle == ["en-2", "en-1"])
            let page = try await search.search(try SearchQuery.parse("library"), sort: .newest, limit: 1, offset: 1)
            #expect(page.total == 2)
            #expect(numbers(page) == ["en-2"])
            // The town's catalogue is empty.
            let town = try await CatalogSearch(app.db, organisationID: fixture.town).search(try SearchQuery.parse("library"))
            #expect(town.total == 0)
        }
    }

    /// PostgreSQL keys the search index by organisation and term
    /// (`IndexSearchByOrganisation`): a word's entries are intersected with
    /// the organisation's in the index, not read for every organisation.
    @Test func postgresKeysTheSearchIndexByOrganisation() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withBieb(.postgres) { app in
            let indexes = try await app.db.sql.raw("""
                SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'title_search' ORDER BY indexname
                """).all().map { (try $0.decode(column: "indexname", as: String.self), try $0.decode(column: "indexdef", as: String.self)) }
            let gin = indexes.filter { $0.1.contains("USING gin") }
            #expect(gin.map(\.0) == ["title_search_org_doc_idx"], "\(indexes)")
            #expect(gin.first?.1.hasSuffix("USING gin (organisation_id, doc)") == true, "\(gin)")
        }
    }
}

@Suite("Search order") struct SearchOrderTests {
    @Test(arguments: TestDatabase.all)
    func whereTheQueryMatchedThenHowMuchOfTheTitleThenHoldingsAndYear(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let branches = try await store.branchesBySlug()
            var barcode = 1_000
            func title(_ number: String, _ text: String, author: String? = nil, year: Int, subjects: [String] = [],
                       at slugs: [String] = []) throws -> IncomingTitle {
                let record = TitleRecord(controlNumber: number, title: text,
                                         contributors: author.map { [Contributor(name: $0, isMain: true)] } ?? [],
                                         year: year, language: "eng", subjects: subjects)
                return try IncomingTitle(marc: MARCMapping.record(for: record), record: record, holdings: slugs.map { slug in
                    barcode += 1
                    return Holding(branch: slug, barcode: String(barcode))
                })
            }
            _ = try await store.upsert([
                try title("subject", "Water", year: 2025, subjects: ["Rivers"], at: ["centrale", "oost"]),
                try title("author", "Stones", author: "River, Anna", year: 2021),
                try title("long", "A short guide to the rivers of the world", year: 2020, at: ["centrale", "oost"]),
                try title("middle", "The river and the sea", year: 2000),
                try title("exact", "Rivers", year: 2024),
                try title("song", "River song", year: 2010, at: ["centrale"]),
                try title("life", "River life", year: 1990, at: ["centrale", "oost"]),
                try title("other", "Mountains", year: 2022, at: ["centrale"]),
            ], branches: branches, defaultBranch: nil)
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            let page = try await search.search(try SearchQuery.parse("river"), withFacets: true)
            // The title is about the query: held at two branches, at one, nowhere; then longer titles; then the
            // author; then a match elsewhere (the subject), however new and widely held.
            #expect(page.titles.compactMap(\.controlNumber) == ["life", "song", "exact", "middle", "long", "author", "subject"])
            #expect(page.titleCount == 7)
            #expect(page.facets?.availableNow == 4, "counts stay exact")
            // Paging walks the same order.
            let second = try await search.search(try SearchQuery.parse("river"), limit: 3, offset: 3)
            #expect(second.titles.compactMap(\.controlNumber) == ["middle", "long", "author"])
            // Two words: both must be in the title for a title match.
            let both = try await search.search(try SearchQuery.parse("river world"))
            #expect(both.titles.compactMap(\.controlNumber) == ["long"])
        }
    }
}

@Suite("Catalogue facets") struct CatalogFacetTests {
    @Test(arguments: TestDatabase.all)
    func facetsAndFiltersAgreeOnBothEngines(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            // Copies: "De avonden" (nl-1) on the shelf at the central library, "The public library" (en-1) on loan in Oost.
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let titles = try await Title.query(on: app.db).all()
            func id(_ number: String) -> Int { titles.first { $0.controlNumber == number }!.id! }
            let branches = try await store.branchesBySlug()
            for (number, slug, barcode) in [("nl-1", "centrale", "100"), ("en-1", "oost", "200"), ("en-3", "oost", "300")] {
                let title = try #require(titles.first { $0.controlNumber == number })
                let incoming = try IncomingTitle(marc: title.marcRecord!, record: title.record!,
                                                 holdings: [Holding(branch: slug, barcode: barcode)])
                _ = try await store.upsert([incoming], branches: branches, defaultBranch: nil)
            }
            let loaned = try #require(try await Item.query(on: app.db).filter(\.$barcode == "200").first())
            try await setItemStatus(app, organisation: fixture.city, .onLoan, due: Date().addingTimeInterval(86400 * 14), items: [loaned.id!])

            let search = CatalogSearch(app.db, organisationID: fixture.city)
            let all = try await search.search(try SearchQuery.parse("avonden OR library OR fiets"), withFacets: true)
            #expect(all.total == 6) // en-2 matches "library" by its subject
            let facets = try #require(all.facets)
            #expect(Dictionary(uniqueKeysWithValues: facets.languages.map { ($0.value, $0.count) }) == ["dut": 3, "eng": 3])
            #expect(facets.formats.first?.value == "book")
            #expect(facets.formats.first?.count == 6)
            #expect(Dictionary(uniqueKeysWithValues: facets.decades.map { ($0.value, $0.count) }) == ["1940": 1, "1990": 1, "2000": 1, "2010": 2, "2020": 1])
            #expect(Dictionary(uniqueKeysWithValues: facets.branches.map { ($0.value, $0.count) })
                    == [fixture.central.uuidString: 1, fixture.district.uuidString: 2])
            #expect(facets.availableNow == 2)

            var filters = SearchFilters()
            filters.languages = ["eng"]
            let english = try await search.search(try SearchQuery.parse("avonden OR library OR fiets"), filters: filters, withFacets: true)
            #expect(Set(english.titles.compactMap(\.controlNumber)) == ["en-1", "en-2", "en-3"])
            // The language facet still shows the other language (counted without its own filter).
            #expect(english.facets?.languages.count == 2)
            #expect(english.facets?.availableNow == 1)

            filters = SearchFilters()
            filters.availableNow = true
            filters.branch = fixture.district
            let onShelfInOost = try await search.search(try SearchQuery.parse("avonden OR library"), filters: filters)
            #expect(onShelfInOost.titles.compactMap(\.controlNumber) == ["en-3"])

            filters = SearchFilters()
            filters.yearFrom = 2000
            filters.yearTo = 2015
            let years = try await search.search(try SearchQuery.parse("avonden OR library OR fiets"), filters: filters, sort: .newest)
            #expect(years.titles.compactMap(\.controlNumber) == ["nl-2", "en-3", "en-1"])
        }
    }
}

@Suite("Work grouping") struct WorkGroupingTests {
    @Test(arguments: TestDatabase.all)
    func editionsAndFormatsOfOneWorkAreOneResult(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let reve = [Contributor(name: "Reve, Gerard", isMain: true)]
            let titles = [
                TitleRecord(controlNumber: "w-book", title: "De avonden", contributors: reve, year: 1947, language: "dut", format: .book),
                TitleRecord(controlNumber: "w-large", title: "De Avonden.", contributors: reve, year: 2005, language: "dut", format: .largePrint),
                TitleRecord(controlNumber: "w-ebook", title: "Avonden", contributors: reve, year: 2012, language: "dut", format: .ebook,
                            link: "https://example.org/avonden"),
                TitleRecord(controlNumber: "w-audio", title: "De avonden", subtitle: "luisterboek", contributors: reve, year: 2016,
                            language: "dut", format: .audiobook),
                TitleRecord(controlNumber: "other", title: "De avonden van Parijs", year: 2001, language: "dut"),
            ]
            let incoming = try titles.map { try IncomingTitle(marc: MARCMapping.record(for: $0), record: $0) }
            _ = try await CatalogStore(app.db, organisationID: fixture.city).upsert(incoming, branches: [:], defaultBranch: nil)
            let page = try await CatalogSearch(app.db, organisationID: fixture.city).search(try SearchQuery.parse("avonden"))
            #expect(page.total == 2)
            #expect(page.titleCount == 5)
            let work = try #require(page.works.first { $0.titles.count > 1 })
            #expect(work.titles.map { $0.format } == ["book", "large_print", "audiobook", "ebook"])
            // A search that matches only one edition still shows the whole work.
            let audio = try await CatalogSearch(app.db, organisationID: fixture.city).search(try SearchQuery.parse("luisterboek"))
            #expect(audio.total == 1)
            #expect(audio.works.first?.titles.count == 4)
        }
    }
}
