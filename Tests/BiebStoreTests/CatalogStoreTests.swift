import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

func storeFixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)).path
}

@Suite("Catalogue store") struct CatalogStoreTests {
    /// A full disk is no record's fault: the import stops with the database's error (it used to reject every
    /// record after it, one by one), keeps what it stored whole, and run again with room it completes.
    @Test func aFullDiskStopsTheImportInsteadOfRejectingEveryRecord() async throws {
        try await withBieb(.sqlite) { app in
            let fixture = try await Fixture.make(on: app)
            let sql = app.db as! any SQLDatabase
            try await fillTheDisk(app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let error = await #expect(throws: (any Error).self) {
                _ = try await CatalogImporter(store: store).importFile(path: try storeFixture("loc-books-100.mrc"),
                                                                      defaultBranch: fixture.central, itemsPerTitle: 2)
            }
            #expect(error.map(DatabaseFull.matches) == true, "\(String(describing: error))")
            #expect(try await sql.raw("PRAGMA integrity_check").first()!.decode(column: "integrity_check", as: String.self) == "ok")
            try await room(app)
            let report = try await CatalogImporter(store: store).importFile(path: try storeFixture("loc-books-100.mrc"),
                                                                           defaultBranch: fixture.central, itemsPerTitle: 2)
            #expect(report.rejected.isEmpty)
            #expect(try await store.titleCount() == report.inserted + report.updated)
        }
    }

    @Test(arguments: TestDatabase.all)
    func importsRealRecordsIdempotently(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let importer = CatalogImporter(store: store)
            let first = try await importer.importFile(path: try storeFixture("loc-books-100.mrc"), defaultBranch: fixture.central, itemsPerTitle: 2)
            #expect(first.read == 100)
            #expect(first.inserted + first.updated == 100)
            #expect(first.rejected.isEmpty)
            let titles = try await store.titleCount()
            #expect(titles == first.inserted)
            #expect(try await Item.query(on: app.db).count() == 2 * titles)
            let sql = app.db as! any SQLDatabase
            let indexed = try await sql.raw("SELECT count(*) AS n FROM title_search").first()?.decode(column: "n", as: Int.self)
            #expect(indexed == titles)

            // The same file again changes nothing but the update times.
            let second = try await importer.importFile(path: try storeFixture("loc-books-100.mrc"), defaultBranch: fixture.central, itemsPerTitle: 2)
            #expect(second.inserted == 0)
            #expect(second.updated == 100)
            #expect(try await store.titleCount() == titles)
            #expect(try await Item.query(on: app.db).count() == 2 * titles)
            let indexedAgain = try await sql.raw("SELECT count(*) AS n FROM title_search").first()?.decode(column: "n", as: Int.self)
            #expect(indexedAgain == titles)

            // Another organisation's catalogue is separate.
            #expect(try await CatalogStore(app.db, organisationID: fixture.town).titleCount() == 0)

            // Generated copies for an organisation without branches: refused before reading, nothing stored.
            let empty = Organisation(slug: "empty", name: "Zonder vestigingen")
            try await empty.save(on: app.db)
            let emptyStore = CatalogStore(app.db, organisationID: empty.id!)
            let refused = await #expect(throws: BiebError.self) {
                _ = try await CatalogImporter(store: emptyStore).importFile(path: try storeFixture("loc-books-100.mrc"), defaultBranch: nil,
                                                                           itemsPerTitle: 1)
            }
            #expect(refused?.field == "--items")
            #expect(try await emptyStore.titleCount() == 0)

            // What was stored reads back as the same title.
            let stored = try #require(try await store.titles(after: 0, limit: 1).first)
            #expect(stored.record?.title == stored.title)
            #expect(stored.marcRecord?.controlNumber == stored.controlNumber)
        }
    }

    @Test(arguments: TestDatabase.all)
    func recordsOfOneTitleInABatchAreMerged(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let isbn = ISBN("9789025452353")!, other = ISBN("9789044625974")!
            func incoming(_ number: String, _ title: String, isbns: [ISBN], barcode: String? = nil) throws -> IncomingTitle {
                let record = TitleRecord(controlNumber: number, title: title, isbns: isbns, language: "dut")
                return try IncomingTitle(marc: MARCMapping.record(for: record), record: record,
                                         holdings: barcode.map { [Holding(branch: "centrale", barcode: $0)] } ?? [])
            }
            // In one batch: two new records sharing an ISBN, two with one control number, each with a copy.
            let outcomes = try await store.upsert([
                try incoming("a", "Eerste druk", isbns: [isbn], barcode: "A1"),
                try incoming("b", "Tweede druk", isbns: [isbn], barcode: "B1"),
                try incoming("c", "Los", isbns: [], barcode: "C1"),
                try incoming("c", "Los, herzien", isbns: [other], barcode: "C2"),
            ], branches: try await store.branchesBySlug(), defaultBranch: nil)
            #expect(outcomes.map { if case .inserted = $0 { "i" } else if case .updated = $0 { "u" } else { "r" } } == ["i", "u", "i", "u"])
            let titles = try await Title.query(on: app.db).sort(\.$id).all()
            #expect(titles.map(\.title) == ["Tweede druk", "Los, herzien"])
            #expect(try await Item.query(on: app.db).count() == 4)
            #expect(try await store.items(of: titles[1].id!).map(\.barcode) == ["C1", "C2"])
            // Later: two records that both match the first title update it once, without clashes.
            let again = try await store.upsert([try incoming("x", "Derde druk", isbns: [isbn]), try incoming("y", "Vierde druk", isbns: [isbn])],
                                               branches: [:], defaultBranch: nil)
            #expect(again == [.updated(titles[0].id!), .updated(titles[0].id!)])
            #expect(try await store.title(titles[0].id!)?.title == "Vierde druk")
            #expect(try await Title.query(on: app.db).count() == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func badRecordsAreReportedAndGoodOnesStored(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let report = try await CatalogImporter(store: store).importFile(path: try storeFixture("bad_records.mrc"), defaultBranch: nil)
            #expect(report.rejected.count == 7)
            #expect(report.rejected.map(\.position.record) == [2, 3, 4, 5, 6, 7, 9])
            // The two good records have no 001 and no ISBN, so nothing matches them: two titles.
            #expect(report.inserted == 2)
            #expect(try await store.titleCount() == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func copiesComeFromHoldingsAndAreCheckedFirst(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let branches = try await store.branchesBySlug()
            func record(_ number: String, _ holdings: [MARCField]) throws -> IncomingTitle {
                try IncomingTitle(marc: MARCRecord(fields: [.control("001", number), .data("245", "1", "0", [MARCSubfield("a", "Titel \(number)")])] + holdings))
            }
            let good = try record("a1", [.data("852", " ", " ", [MARCSubfield("b", "oost"), MARCSubfield("h", "NED REVE"), MARCSubfield("p", "1001"), MARCSubfield("9", "19,95")])])
            let unknownBranch = try record("a2", [.data("852", " ", " ", [MARCSubfield("b", "mars"), MARCSubfield("p", "1002")])])
            let reused = try record("a3", [.data("949", " ", " ", [MARCSubfield("a", "centrale"), MARCSubfield("b", "1001")])])
            let outcomes = try await store.upsert([good, unknownBranch, reused], branches: branches, defaultBranch: nil)
            guard case .inserted(let id) = outcomes[0] else { Issue.record("not inserted: \(outcomes[0])"); return }
            #expect(outcomes[1] == .rejected("copy 1002: 'mars' is not a branch of this organisation"))
            #expect(outcomes[2] == .rejected("copy barcode 1001 is also used by another record in this file"))
            let items = try await store.items(of: id)
            #expect(items.map(\.barcode) == ["1001"])
            #expect(items.first?.owningBranchID == fixture.district)
            #expect(items.first?.callNumber == "NED REVE")
            #expect(items.first?.priceCents == 1995)
            #expect(try await Title.query(on: app.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func sameISBNUpdatesInsteadOfDuplicating(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let first = try IncomingTitle(marc: MARCRecord(fields: [.data("020", " ", " ", [MARCSubfield("a", "90-254-5235-3")]),
                                                                   .data("245", "1", "0", [MARCSubfield("a", "Eerste versie")])]))
            let second = try IncomingTitle(marc: MARCRecord(fields: [.data("020", " ", " ", [MARCSubfield("a", "9789025452353")]),
                                                                    .data("245", "1", "0", [MARCSubfield("a", "Tweede versie")])]))
            _ = try await store.upsert([first], branches: [:], defaultBranch: nil)
            let outcomes = try await store.upsert([second], branches: [:], defaultBranch: nil)
            guard case .updated = outcomes[0] else { Issue.record("expected an update: \(outcomes)"); return }
            let titles = try await Title.query(on: app.db).all()
            #expect(titles.map(\.title) == ["Tweede versie"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func exportRoundTripsRecordsWithCurrentCopies(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            _ = try await CatalogImporter(store: store).importFile(path: try storeFixture("loc-books-100.mrc"), defaultBranch: fixture.central, itemsPerTitle: 1)
            for format in CatalogExporter.Format.allCases {
                var data = Data()
                let count = try await CatalogExporter(store: store).export(format: format, to: { data.append($0) })
                #expect(count == (try await store.titleCount()))
                switch format {
                case .iso2709:
                    let records = Array(ISO2709Reader(DataByteSource(data))).compactMap { try? $0.get().record }
                    #expect(records.count == count)
                    #expect(records.allSatisfy { $0.fields("852").count == 1 && $0.value("852", "b") == "centrale" })
                    // Apart from the holdings, every field as imported.
                    let original = Array(ISO2709Reader(DataByteSource(try Data(contentsOf: URL(fileURLWithPath: try storeFixture("loc-books-100.mrc"))))))
                        .compactMap { try? $0.get().record }
                    let byNumber = Dictionary(original.map { ($0.controlNumber ?? "", $0) }, uniquingKeysWith: { $1 })
                    for record in records {
                        var stripped = record
                        stripped.fields.removeAll { $0.tag == "852" }
                        #expect(stripped.fields == byNumber[record.controlNumber ?? ""]?.fields)
                    }
                case .marcxml:
                    #expect(try MARCXML.records(from: data).count == count)
                case .dc:
                    #expect(String(decoding: data, as: UTF8.self).contains("<dc:title>"))
                }
            }
        }
    }
}

@Suite("Availability") struct AvailabilityTests {
    @Test(arguments: TestDatabase.all)
    func countsCopiesPerBranchAndStatus(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let marc = MARCMapping.record(for: TitleRecord(controlNumber: "t1", title: "Titel"))
            let incoming = try IncomingTitle(marc: marc, holdings: [
                Holding(branch: "centrale", barcode: "1"), Holding(branch: "centrale", barcode: "2"),
                Holding(branch: "oost", barcode: "3"), Holding(branch: "oost", barcode: "4"), Holding(branch: "oost", barcode: "5"),
            ])
            guard case .inserted(let id) = try await store.upsert([incoming], branches: try await store.branchesBySlug(), defaultBranch: nil)[0] else {
                Issue.record("not inserted")
                return
            }
            let due1 = Date(timeIntervalSince1970: 1_900_000_000), due2 = Date(timeIntervalSince1970: 1_800_000_000)
            for (barcode, status, due) in [("2", ItemStatus.onLoan, due1), ("3", .onLoan, due1), ("4", .onLoan, due2)] {
                let item = try #require(try await Item.query(on: app.db).filter(\.$barcode == barcode).first())
                item.status = status
                item.dueAt = due
                try await item.save(on: app.db)
            }
            let lost = try #require(try await Item.query(on: app.db).filter(\.$barcode == "5").first())
            lost.status = .lost
            try await lost.save(on: app.db)

            let availability = try #require(try await store.availability(of: [id])[id])
            let central = try #require(availability.first { $0.branchID == fixture.central })
            let oost = try #require(availability.first { $0.branchID == fixture.district })
            #expect(central.onShelf == 1)
            #expect(central.onLoan == 1)
            #expect(oost.onShelf == 0)
            #expect(oost.onLoan == 2)
            #expect(oost.earliestDue == due2)
            #expect(oost.total == 2) // the lost copy does not count
        }
    }
}
