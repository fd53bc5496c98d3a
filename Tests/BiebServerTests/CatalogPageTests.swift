import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct CatalogPageTests {
    @Test(arguments: TestDatabase.all)
    func searchPageWithFacetsAndRecordPage(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let avonden = try await seedSearchCatalogWithACopy(app, organisation: fixture.city)
            let client = TestClient(app)
            let empty = try await client.send(.GET, "/city/catalogus")
            #expect(empty.status == .ok)
            #expect(empty.body.string.contains(#"<label for="q">"#))

            let page = try await client.send(.GET, "/city/catalogus?q=avonden")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("2 resultaten voor ‘avonden’"))
            #expect(html.contains("Op de plank in Centrale Bibliotheek"))
            #expect(html.contains("/city/catalogus/\(avonden.id!)"))
            #expect(html.contains("Nederlands"))
            #expect(html.contains("language=dut"))
            #expect(!html.contains("<script src"))
            // On a phone the results come first: the facets fold away behind a disclosure (closed while no
            // filter is chosen, no JavaScript needed), and a link skips straight to the results.
            #expect(html.contains(#"<details class="facets">"#))
            #expect(html.contains(##"<a class="to-results" href="#results-h">Naar de resultaten</a>"##))
            #expect(html.contains(#"<h2 id="results-h" class="visually-hidden" tabindex="-1">"#))
            let skip = try #require(html.range(of: "to-results"))
            let facets = try #require(html.range(of: #"<details class="facets""#))
            #expect(skip.lowerBound < facets.lowerBound)

            let filtered = try await client.send(.GET, "/city/catalogus?q=avonden&language=eng")
            #expect(filtered.body.string.contains("1 resultaat voor ‘avonden’"))
            #expect(filtered.body.string.contains("aria-current=\"true\""))
            #expect(filtered.body.string.contains(#"<details class="facets" open>"#))

            let english = try await TestClient(app).send(.GET, "/city/catalogus?q=avonden&lang=en")
            #expect(english.body.string.contains("2 results for ‘avonden’"))

            // Nothing found: tips instead of empty facet headings, and a way out of the filters.
            let nothing = try await client.send(.GET, "/city/catalogus?q=avonden&format=dvd")
            #expect(nothing.status == .ok)
            #expect(nothing.body.string.contains("0 resultaten voor ‘avonden’"))
            #expect(nothing.body.string.contains("Controleer de spelling"))
            #expect(nothing.body.string.contains(#"<a href="/city/catalogus?q=avonden">Zoek zonder filters</a>"#))
            // The chosen format stays in its facet (count 0) to be switched off; the others show what would match.
            #expect(nothing.body.string.contains(#"<a href="/city/catalogus?q=avonden" aria-current="true" class="selected">✓ "#))
            #expect(nothing.body.string.contains(#"<a href="/city/catalogus?q=avonden&amp;format=dvd&amp;format=book">boek</a> <span class="count">(2)</span>"#))
            #expect(!nothing.body.string.contains("Nu op de plank"))
            let unknownWord = try await client.send(.GET, "/city/catalogus?q=zwartwitfoto")
            #expect(unknownWord.body.string.contains("Controleer de spelling"))
            #expect(!unknownWord.body.string.contains("Zoek zonder filters"))
            #expect(!unknownWord.body.string.contains(#"class="facets""#))

            let bad = try await client.send(.GET, "/city/catalogus?q=%22open")
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("aanhalingsteken"))

            // A second copy with a shelf mark: the title page says where to look on the shelf.
            _ = try await CatalogStore(app.db, organisationID: fixture.city).addItem(
                to: avonden.id!, ItemDraft(barcode: "901", branchID: fixture.central, callNumber: "R REVE", shelfLocation: "Romans"))
            let record = try await client.send(.GET, "/city/catalogus/\(avonden.id!)")
            #expect(record.status == .ok)
            let recordHTML = record.body.string
            #expect(recordHTML.contains("Plaats in de kast"))
            #expect(recordHTML.contains("<td>R REVE (Romans)</td>"))
            #expect(recordHTML.contains("De avonden"))
            #expect(recordHTML.contains("Reve, Gerard"))
            #expect(recordHTML.contains("2 op de plank"))
            #expect(recordHTML.contains("9789025452353"))
            let start = try #require(recordHTML.range(of: #"<script type="application/ld+json">"#))
            let end = try #require(recordHTML.range(of: "</script>", range: start.upperBound..<recordHTML.endIndex))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(recordHTML[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
            #expect(json["@type"] as? String == "Book")
            #expect(json["isbn"] as? String == "9789025452353")
            #expect((json["offers"] as? [[String: Any]])?.first?["availability"] as? String == "https://schema.org/InStock")

            #expect(try await client.send(.GET, "/city/catalogus/999999").status == .notFound)
            #expect(try await client.send(.GET, "/town/catalogus/\(avonden.id!)").status == .notFound)
        }
    }

    /// A copy on loan says when it is back; once that day has passed, that it is overdue — not a date
    /// in the past as if it were still to come.
    @Test(arguments: TestDatabase.all)
    func anOverdueCopySaysItIsOverdue(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let avonden = try await seedSearchCatalogWithACopy(app, organisation: fixture.city)
            let copy = try #require(try await Item.query(on: app.db).filter(\.$titleID == avonden.id!).first())
            let client = TestClient(app)
            let zone = BranchCalendar.amsterdam
            func dayText(_ date: Date) -> String {
                let day = LocalDate(date, in: zone)
                let months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]
                return "\(day.day) \(months[day.month - 1])"
            }

            let coming = Date().addingTimeInterval(5 * 86_400)
            try await setItemStatus(app, organisation: fixture.city, .onLoan, due: coming, items: [copy.id!])
            let record = try await client.send(.GET, "/city/catalogus/\(avonden.id!)").body.string
            #expect(record.contains("terug vanaf"))
            #expect(record.contains(dayText(coming)))
            #expect(!record.contains("te laat"))

            let passed = Date().addingTimeInterval(-3 * 86_400)
            try await setItemStatus(app, organisation: fixture.city, .onLoan, due: passed, items: [copy.id!])
            let late = try await client.send(.GET, "/city/catalogus/\(avonden.id!)").body.string
            #expect(late.contains("te laat, had"))
            #expect(late.contains(dayText(passed)))
            #expect(!late.contains("terug vanaf"))
            let results = try await client.send(.GET, "/city/catalogus?q=avonden").body.string
            #expect(results.contains("Uitgeleend en te laat: het had"))
            let english = try await TestClient(app).send(.GET, "/city/catalogus/\(avonden.id!)?lang=en").body.string
            #expect(english.contains("overdue, was due back"))
        }
    }
}
