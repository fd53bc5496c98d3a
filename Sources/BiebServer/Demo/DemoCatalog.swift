import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The demo catalogue: well-known Dutch titles (public facts: title,
/// author, year; NUR, AVI and age groups as a library would give them;
/// no ISBNs, which were not checked) in several formats, and 600 real
/// Library of Congress records from the pymarc 5.4.0 source distribution
/// (public domain), with copies spread over the branches (lent out by
/// `DemoCirculation`).
enum DemoCatalog {
    static func dutch() -> [TitleRecord] {
        func t(_ title: String, _ author: String?, _ year: Int, nur: Int, subjects: [String], format: MaterialFormat = .book,
               audience: Audience = .adult, ages: (Int, Int?)? = nil, avi: String? = nil, summary: String? = nil,
               subtitle: String? = nil, series: String? = nil) -> TitleRecord {
            TitleRecord(title: title, subtitle: subtitle, contributors: author.map { [Contributor(name: $0, isMain: true)] } ?? [],
                        publisher: nil, year: year, language: "dut", format: format, series: series, subjects: subjects,
                        summary: summary, audience: audience, ageMin: ages?.0, ageMax: ages?.1, aviLevel: avi, nur: nur)
        }
        var list = [
            t("De avonden", "Reve, Gerard", 1947, nur: 301, subjects: ["Naoorlogse literatuur", "Amsterdam"],
              summary: "De laatste tien dagen van 1946 in het leven van Frits van Egters, een jonge kantoorklerk die zich verveelt.",
              subtitle: "een winterverhaal"),
            t("Max Havelaar", "Multatuli", 1860, nur: 301, subjects: ["Koloniale geschiedenis", "Nederlands-Indië"],
              subtitle: "of de koffieveilingen der Nederlandsche Handel-Maatschappy"),
            t("Het diner", "Koch, Herman", 2009, nur: 301, subjects: ["Families", "Schuld"]),
            t("Turks fruit", "Wolkers, Jan", 1969, nur: 301, subjects: ["Liefde", "Rouw"]),
            t("De aanslag", "Mulisch, Harry", 1982, nur: 301, subjects: ["Tweede Wereldoorlog", "Verzet", "Schuld"]),
            t("De ontdekking van de hemel", "Mulisch, Harry", 1992, nur: 301, subjects: ["Vriendschap", "Religie"]),
            t("Het achterhuis", "Frank, Anne", 1947, nur: 320, subjects: ["Tweede Wereldoorlog", "Jodenvervolging", "Dagboeken"],
              subtitle: "dagboekbrieven 14 juni 1942 – 1 augustus 1944"),
            t("Het gouden ei", "Krabbé, Tim", 1984, nur: 330, subjects: ["Vermissingen", "Thrillers"]),
            t("Tonio", "Heijden, A.F.Th. van der", 2011, nur: 320, subjects: ["Rouw", "Ouders en kinderen"], subtitle: "een requiemroman"),
            t("Kruistocht in spijkerbroek", "Beckman, Thea", 1973, nur: 284, subjects: ["Middeleeuwen", "Tijdreizen", "Kruistochten"],
              audience: .youngAdult, ages: (12, 15)),
            t("Oorlogswinter", "Terlouw, Jan", 1972, nur: 284, subjects: ["Tweede Wereldoorlog", "Verzet"], audience: .youngAdult, ages: (12, 15)),
            t("Koning van Katoren", "Terlouw, Jan", 1971, nur: 283, subjects: ["Sprookjes", "Avontuur"], audience: .children, ages: (10, 12)),
            t("Pluk van de Petteflet", "Schmidt, Annie M.G.", 1971, nur: 282, subjects: ["Vriendschap", "Dieren"], audience: .children,
              ages: (6, 9), avi: "M4"),
            t("Jip en Janneke", "Schmidt, Annie M.G.", 1953, nur: 281, subjects: ["Vriendschap", "Spelen"], audience: .preschool, ages: (3, 6)),
            t("Dolfje Weerwolfje", "Loon, Paul van", 1996, nur: 282, subjects: ["Weerwolven", "Verjaardagen", "Humor"], audience: .children,
              ages: (7, 10), avi: "E4", series: "Dolfje Weerwolfje"),
            t("Nijntje", "Bruna, Dick", 1955, nur: 281, subjects: ["Konijnen", "Prentenboeken"], audience: .preschool, ages: (1, 4)),
            t("Fietsen in Nederland", "Jansen, Pieter", 2019, nur: 502, subjects: ["Fietstochten", "Nederland"],
              summary: "Veertig fietstochten langs rivieren, duinen en dorpen, met kaarten."),
            t("De fiets", "Vries, Anna de", 2021, nur: 282, subjects: ["Fietsen", "Verkeer"], audience: .children, ages: (6, 8), avi: "M3"),
            t("Geschiedenis van Den Haag", "Bakker, Marieke", 2015, nur: 680, subjects: ["Den Haag", "Stadsgeschiedenis"]),
            t("Bibliotheken van de toekomst", "Smit, Eva", 2021, nur: 757, subjects: ["Openbare bibliotheken", "Innovatie"]),
            t("Leren programmeren met Swift", "Groot, Bram de", 2023, nur: 980, subjects: ["Programmeren", "Swift (programmeertaal)"]),
            t("Digitaal zaken doen met de overheid", nil, 2024, nur: 600, subjects: ["Digitale overheid", "DigiD"],
              summary: "Uitleg in eenvoudige taal over DigiD, de Berichtenbox en online aangifte doen."),
            t("Taal voor het leven", nil, 2020, nur: 400, subjects: ["Nederlands als tweede taal", "Basisvaardigheden"],
              summary: "Oefenboek voor volwassenen die beter willen lezen en schrijven."),
        ]
        // "De avonden" also in large print, as e-book and as audiobook: one work, four formats.
        var large = list[0]; large.format = .largePrint; large.year = 2005
        var ebook = list[0]; ebook.format = .ebook; ebook.year = 2012; ebook.link = "https://www.onlinebibliotheek.nl"; ebook.accessRule = .fromHome
        var audio = list[0]; audio.format = .audiobook; audio.year = 2016; audio.subtitle = "luisterboek"
        list += [large, ebook, audio]
        // Digital resources without copies.
        list.append(TitleRecord(title: "Delpher", subtitle: "historische kranten, boeken en tijdschriften", year: 2013, language: "dut",
                                format: .database, subjects: ["Kranten", "Geschiedenis"], accessRule: .fromHome, link: "https://www.delpher.nl"))
        list.append(TitleRecord(title: "PressReader", subtitle: "kranten en tijdschriften uit de hele wereld", year: 2020, language: "eng",
                                format: .database, subjects: ["Kranten", "Tijdschriften"], accessRule: .inBranch, link: "https://www.pressreader.com"))
        return list.enumerated().map { index, record in
            var record = record
            record.controlNumber = String(format: "bieb-demo-%03d", index + 1)
            return record
        }
    }

    /// Fills an organisation's catalogue: the Dutch titles with copies, the
    /// LoC records with one or two copies each; about one in four copies on loan.
    static func seed(app: Application, organisation: UUID, loc: Bool, today: LocalDate) async throws {
        let store = CatalogStore(app.db, organisationID: organisation)
        let branches = try await store.branchesBySlug()
        let slugs = branches.keys.sorted()
        guard !slugs.isEmpty else { return }
        var incoming: [IncomingTitle] = []
        for (index, record) in dutch().enumerated() {
            var holdings: [Holding] = []
            if !record.format.isDigital {
                let copies = 2 + index % 4
                // Titles of recent years came in during the last weeks (so every
                // branch holding one shows it under "new"); the others years ago.
                let acquired = (record.year ?? 0) >= 2019 ? today.adding(days: -(3 + (index * 11) % 70))
                                                          : today.adding(days: -(400 + index * 97))
                for copy in 0..<copies {
                    holdings.append(Holding(branch: slugs[(index * 5 + copy * 3) % slugs.count], barcode: String(format: "2%06d%02d", index + 1, copy),
                                            callNumber: record.audience == .adult ? "ROMA \(String(record.mainAuthor?.prefix(4) ?? "").uppercased())" : "JEUGD",
                                            priceCents: 1999, acquired: acquired.adding(days: -copy)))
                }
            }
            incoming.append(try IncomingTitle(marc: MARCMapping.record(for: record), record: record, holdings: holdings))
        }
        _ = try await store.upsert(incoming, branches: branches, defaultBranch: nil)
        if loc {
            let path = Resources.directory.appendingPathComponent("Demo/loc-books-600.mrc").path
            let central = try await BranchDirectory(app.db).branches(of: organisation).first { $0.kind == .central }?.id
            _ = try await CatalogImporter(store: store).importFile(path: path, defaultBranch: central, itemsPerTitle: 1)
            // The Library of Congress copies were bought over the last ten years, one in thirty in the last ten weeks.
            let sql = app.db.sql
            for month in 0..<120 {
                let acquired = month < 4 ? today.adding(days: -(5 + month * 20)) : today.adding(days: -120 - month * 30)
                try await sql.update(Item.schema).set("acquired_on", to: acquired.iso)
                    .where("organisation_id", .equal, organisation).where("acquired_on", .is, SQLLiteral.null)
                    .where(SQLRaw("id % 120 = \(month)")).run()
            }
        }
        try await seedLists(app: app, organisation: organisation, loc: loc)
    }

    /// Curated lists as staff would make them: a theme, a reading club's
    /// list with notes, picture books for one branch, and a draft.
    static func seedLists(app: Application, organisation: UUID, loc: Bool) async throws {
        let titles = try await Title.query(on: app.db).filter(\.$organisationID == organisation)
            .filter(\.$controlNumber ~~ "bieb-demo-").all()
        var byName: [String: Int] = [:]
        for title in titles where byName[title.title] == nil || title.format == MaterialFormat.book.rawValue { byName[title.title] = title.id! }
        let branches = try await BranchDirectory(app.db).branches(of: organisation)
        let lists = TitleLists(app.db, organisationID: organisation)
        func make(_ slug: String, _ name: String, _ description: String, branch: UUID? = nil, isPublic: Bool = true,
                  _ entries: [(String, String)]) async throws {
            let list = TitleList(organisationID: organisation, slug: slug, name: name, description: description, branchID: branch, isPublic: isPublic)
            try await lists.save(list)
            for (title, note) in entries {
                if let id = byName[title] { try await lists.add(id, note: note, to: list.id!) }
            }
        }
        try await make("oorlog-en-verzet", "Oorlog en verzet",
                       "Romans, jeugdboeken en een dagboek over de Tweede Wereldoorlog — voor 4 en 5 mei en de Maand van de Geschiedenis.", [
            ("Het achterhuis", "Het dagboek van Anne Frank, ook voor scholieren."),
            ("De aanslag", ""), ("Oorlogswinter", "Vanaf 12 jaar."), ("Max Havelaar", "Koloniale geschiedenis: ander verleden, zelfde vragen."),
        ])
        try await make("leesclub-klassiekers", "Leesclub: Nederlandse klassiekers",
                       "De leesclub op donderdagavond leest dit seizoen vier klassiekers. Exemplaren liggen een week voor elke bijeenkomst klaar.", [
            ("De avonden", "September — ook als luisterboek en in grote letters."), ("Turks fruit", "Oktober"),
            ("Het diner", "November"), ("Tonio", "December"),
        ])
        let central = branches.first { $0.kind == .central } ?? branches.first
        try await make("voorlezen-kleintjes", "Voorlezen aan de kleintjes",
                       "Prentenboeken en voorleesboeken voor kinderen tot zeven jaar.", branch: central?.id, [
            ("Nijntje", ""), ("Jip en Janneke", ""), ("Pluk van de Petteflet", "Om voor te lezen, of zelf te lezen vanaf AVI M4."),
            ("Dolfje Weerwolfje", "Voor wie al zelf leest."),
        ])
        try await make("digitaal-meedoen", "Digitaal meedoen",
                       "Bij het spreekuur Digitale Overheid en de cursus Klik & Tik: boeken in eenvoudige taal.", isPublic: false, [
            ("Digitaal zaken doen met de overheid", ""), ("Taal voor het leven", ""),
        ])
    }
}
