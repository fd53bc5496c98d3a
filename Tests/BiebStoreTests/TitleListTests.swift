import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

@Suite("Curated lists") struct TitleListTests {
    @Test(arguments: TestDatabase.all)
    func listsHoldTitlesInOrder(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let titles = try await Title.query(on: app.db).filter(\.$organisationID == fixture.city).sort(\.$id).all()
            let lists = TitleLists(app.db, organisationID: fixture.city)
            let list = TitleList(organisationID: fixture.city, slug: "", name: "Boekenweek 2027", description: "Tips van de leesclub")
            try await lists.save(list)
            #expect(list.slug == "boekenweek-2027")

            for title in titles.prefix(3) { try await lists.add(title.id!, note: title.id == titles[0].id ? "Aanrader" : "", to: list.id!) }
            var entries = try await lists.entries(of: list.id!)
            #expect(entries.map(\.titleID) == titles.prefix(3).map { $0.id! })
            #expect(entries.first?.note == "Aanrader")

            // Twice the same title, a title of another organisation, an unknown one: refused, the list unchanged.
            await #expect(throws: BiebError.self) { try await lists.add(titles[0].id!, to: list.id!) }
            await #expect(throws: BiebError.self) { try await lists.add(999_999, to: list.id!) }
            await #expect(throws: BiebError.self) {
                try await TitleLists(app.db, organisationID: fixture.town).add(titles[3].id!, to: list.id!)
            }
            #expect(try await lists.entries(of: list.id!).count == 3)

            try await lists.move(titles[2].id!, in: list.id!, by: -1)
            entries = try await lists.entries(of: list.id!)
            #expect(entries.map(\.titleID) == [titles[0].id!, titles[2].id!, titles[1].id!])
            try await lists.move(titles[0].id!, in: list.id!, by: -1) // already first: stays
            try await lists.remove(titles[2].id!, from: list.id!)
            #expect(try await lists.entries(of: list.id!).map(\.titleID) == [titles[0].id!, titles[1].id!])
            #expect(try await lists.entryCounts()[list.id!] == 2)

            // Slugs are unique in the organisation; bad names are named.
            let twin = TitleList(organisationID: fixture.city, slug: "boekenweek-2027", name: "Andere lijst")
            do {
                try await lists.save(twin)
                Issue.record("a second list with the same slug was saved")
            } catch let error as BiebError {
                #expect(error.field == "slug")
            }
            do {
                try await lists.save(TitleList(organisationID: fixture.city, slug: "x", name: "  "))
                Issue.record("a list without a name was saved")
            } catch let error as BiebError {
                #expect(error.field == "name")
            }
            // The other organisation sees none of it.
            #expect(try await TitleLists(app.db, organisationID: fixture.town).all(publicOnly: false).isEmpty)
            #expect(try await TitleLists(app.db, organisationID: fixture.town).list(list.id!) == nil)

            try await lists.delete(list.id!)
            #expect(try await lists.all(publicOnly: false).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func newInTheCollectionPerBranch(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let today = LocalDate(year: 2026, month: 11, day: 20)!
            func record(_ number: String, _ title: String) -> TitleRecord {
                TitleRecord(controlNumber: number, title: title, year: 2026, language: "dut")
            }
            let incoming = [
                try IncomingTitle(marc: MARCMapping.record(for: record("n1", "Vers van de pers")), record: record("n1", "Vers van de pers"),
                                  holdings: [Holding(branch: "centrale", barcode: "N1", acquired: today.adding(days: -3))]),
                try IncomingTitle(marc: MARCMapping.record(for: record("n2", "Vorige maand")), record: record("n2", "Vorige maand"),
                                  holdings: [Holding(branch: "centrale", barcode: "N2", acquired: today.adding(days: -30)),
                                             Holding(branch: "oost", barcode: "N2b", acquired: today.adding(days: -1))]),
                try IncomingTitle(marc: MARCMapping.record(for: record("o1", "Oud bezit")), record: record("o1", "Oud bezit"),
                                  holdings: [Holding(branch: "centrale", barcode: "O1", acquired: today.adding(days: -400))]),
                try IncomingTitle(marc: MARCMapping.record(for: record("u1", "Onbekende datum")), record: record("u1", "Onbekende datum"),
                                  holdings: [Holding(branch: "centrale", barcode: "U1")]),
            ]
            _ = try await store.upsert(incoming, branches: try await store.branchesBySlug(), defaultBranch: nil)
            let titles = Dictionary(uniqueKeysWithValues: try await Title.query(on: app.db).all().map { ($0.controlNumber!, $0.id!) })
            let lists = TitleLists(app.db, organisationID: fixture.city)
            let central = try await lists.newInCollection(branchID: fixture.central, since: today.adding(days: -90))
            #expect(central.map(\.titleID) == [titles["n1"]!, titles["n2"]!])
            #expect(central.first?.acquired == today.adding(days: -3))
            let oost = try await lists.newInCollection(branchID: fixture.district, since: today.adding(days: -90))
            #expect(oost.map(\.titleID) == [titles["n2"]!])
            // A withdrawn copy is no longer new.
            let copy = try #require(try await Item.query(on: app.db).filter(\.$barcode == "N1").first())
            try await store.setStatus(.withdrawn, ofItems: [copy.id!])
            #expect(try await lists.newInCollection(branchID: fixture.central, since: today.adding(days: -90)).map(\.titleID) == [titles["n2"]!])
        }
    }
}
