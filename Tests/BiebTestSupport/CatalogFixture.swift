import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A small catalogue with Dutch and English titles, the same on both engines.
public func seedSearchCatalog(_ app: Application, organisation: UUID) async throws {
    let titles: [TitleRecord] = [
        TitleRecord(controlNumber: "nl-1", title: "De avonden", subtitle: "een winterverhaal",
                    contributors: [Contributor(name: "Reve, Gerard", isMain: true)], year: 1947,
                    isbns: [ISBN("9789025452353")!], language: "dut", subjects: ["Naoorlogse literatuur"]),
        TitleRecord(controlNumber: "nl-2", title: "Fietsen in Nederland", year: 2015, language: "dut", subjects: ["Fietstochten"]),
        TitleRecord(controlNumber: "nl-3", title: "De fiets", contributors: [Contributor(name: "Vries, Anna de", isMain: true)],
                    year: 2020, language: "dut", subjects: ["Kinderboeken"]),
        TitleRecord(controlNumber: "nl-4", title: "Één dag in het Café", year: 2019, language: "dut"),
        TitleRecord(controlNumber: "nl-5", title: "Bibliotheken van de toekomst", year: 2021, language: "dut",
                    subjects: ["Openbare bibliotheken"]),
        TitleRecord(controlNumber: "en-1", title: "The public library", subtitle: "a history",
                    contributors: [Contributor(name: "Smith, John", isMain: true)], year: 2001, language: "eng"),
        TitleRecord(controlNumber: "en-2", title: "Gardening for everyone", year: 1999, language: "eng",
                    subjects: ["Libraries -- Gardens"]),
        TitleRecord(controlNumber: "en-3", title: "De avonden", year: 2010, language: "eng",
                    summary: "English study of a Dutch novel (film edition)"),
    ]
    let incoming = try titles.map { try IncomingTitle(marc: MARCMapping.record(for: $0), record: $0) }
    _ = try await CatalogStore(app.db, organisationID: organisation).upsert(incoming, branches: [:], defaultBranch: nil)
}

/// Two titles besides the search catalogue: Dutch compounds ("nl-6",
/// "Kinderen in de Tweede Wereldoorlog", subject "Oorlogswinter") and an
/// English title a naive part match would flood in ("en-4", "The Kindle handbook").
public func seedCompoundTitles(_ app: Application, organisation: UUID) async throws {
    let titles = [
        TitleRecord(controlNumber: "nl-6", title: "Kinderen in de Tweede Wereldoorlog", language: "dut", subjects: ["Oorlogswinter"]),
        TitleRecord(controlNumber: "en-4", title: "The Kindle handbook", language: "eng"),
    ]
    _ = try await CatalogStore(app.db, organisationID: organisation)
        .upsert(try titles.map { try IncomingTitle(marc: MARCMapping.record(for: $0), record: $0) }, branches: [:], defaultBranch: nil)
}

/// A Bieb on `database` with the search catalogue and the compound titles in the city's catalogue.
/// Splitting needs Debian's Dutch word list (`wdutch`); without it this throws, saying so.
public func withCompoundCatalog<T>(_ database: TestDatabase, _ body: (Application, Fixture) async throws -> T) async throws -> T {
    guard DutchWordList.compounds != nil else {
        throw BiebError.invalid("word_list", "install Debian's wdutch: the Dutch word list splits compounds (\(DutchWordList.path ?? "switched off"))")
    }
    return try await withBieb(database) { app in
        let fixture = try await Fixture.make(on: app)
        try await seedSearchCatalog(app, organisation: fixture.city)
        try await seedCompoundTitles(app, organisation: fixture.city)
        return try await body(app, fixture)
    }
}


/// The search catalogue (`seedSearchCatalog`) with one copy of "Avonden"
/// (control number nl-1, barcode 900) on the shelf at the central branch;
/// returns "Avonden".
@discardableResult
public func seedSearchCatalogWithACopy(_ app: Application, organisation: UUID) async throws -> Title {
    try await seedSearchCatalog(app, organisation: organisation)
    let store = CatalogStore(app.db, organisationID: organisation)
    guard let avonden = try await Title.query(on: app.db).filter(\.$controlNumber == "nl-1").first(),
          let marc = avonden.marcRecord, let record = avonden.record else {
        throw BiebError.notFound("title", nl: "Titel nl-1 ontbreekt in de zoekcatalogus.")
    }
    _ = try await store.upsert([try IncomingTitle(marc: marc, record: record, holdings: [Holding(branch: "centrale", barcode: "900")])],
                               branches: try await store.branchesBySlug(), defaultBranch: nil)
    return avonden
}
