import Foundation
import Testing
@testable import BiebCore
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct MARCMappingTests {
    func loc(_ index: Int) throws -> MARCRecord {
        let records = readAll(try fixture("loc-books-100.mrc")).compactMap { $0.value?.record }
        return records[index]
    }

    @Test func mapsARealLibraryOfCongressRecord() throws {
        let title = MARCMapping.title(from: try loc(0))
        #expect(title.controlNumber == "00000002")
        #expect(title.title == "Botanical materia medica and pharmacology")
        #expect(title.subtitle?.hasPrefix("drugs considered from a botanical") == true)
        #expect(title.responsibility == "By S. H. Aurand")
        #expect(title.contributors == [Contributor(name: "Aurand, Samuel Herbert", role: .author, isMain: true)])
        #expect(title.publisher == "P. H. Mallen Company")
        #expect(title.placeOfPublication == "Chicago")
        #expect(title.year == 1899)
        #expect(title.language == "eng")
        #expect(title.format == .book)
        #expect(title.subjects == ["Botany, Medical", "Homeopathy -- Materia medica and therapeutics"])
    }

    @Test func seriesAndQualifiedNames() throws {
        let title = MARCMapping.title(from: try loc(1))
        #expect(title.series == "Home law school series")
        #expect(title.seriesNumber == "[v. 1] no. 3")
        #expect(title.contributors.first?.name == "Chadman, Charles E. (Charles Erehart)")
        #expect(title.subjects.first == "Persons (Law) -- United States")
    }

    @Test func aPrintBookWithADigitalCopyIsStillABook() throws {
        // Has 007 "cr" and an 856 with ind2 1 (a version of the resource).
        let title = MARCMapping.title(from: try loc(5))
        #expect(title.format == .book)
        #expect(title.link == nil)
    }

    @Test func everyFixtureRecordMapsToATitle() throws {
        let records = readAll(try fixture("loc-books-100.mrc")).compactMap { $0.value?.record }
        let titles = records.map(MARCMapping.title(from:))
        #expect(titles.allSatisfy { !$0.title.isEmpty && !$0.title.hasSuffix("/") && !$0.title.hasSuffix(":") })
        #expect(titles.filter { $0.year != nil }.count >= 95)
    }

    @Test func dutchFieldsRoundTripThroughMARC() throws {
        let title = TitleRecord(
            controlNumber: "bieb-1", title: "Dolfje Weerwolfje", subtitle: "Een griezelig verhaal",
            contributors: [Contributor(name: "Kromhout, Paul van", isMain: true),
                           Contributor(name: "Ingen, Hugo van", role: .illustrator)],
            publisher: "Zwijsen", placeOfPublication: "Tilburg", year: 2012, edition: "15e dr.",
            isbns: [ISBN("9789027672834")!], language: "dut", format: .book,
            series: "Dolfje Weerwolfje", seriesNumber: "1", subjects: ["Weerwolven", "Vriendschap -- Humor"],
            summary: "Dolfje ontdekt op zijn zevende verjaardag dat hij een weerwolf is.",
            audience: .children, ageMin: 7, ageMax: 9, aviLevel: "E4", nur: 282, siso: nil,
            coverReference: "https://covers.example.org/9789027672834.jpg")
        let marc = MARCMapping.record(for: title, now: Date(timeIntervalSince1970: 1_800_000_000))
        let back = MARCMapping.title(from: marc)
        var expected = title
        expected.responsibility = nil
        #expect(back == expected)
        // And through ISO 2709 bytes.
        let bytes = try ISO2709Writer.encode(marc)
        let reread = try #require(readAll(Data(bytes)).first?.value?.record)
        #expect(MARCMapping.title(from: reread) == expected)
        #expect(marc.fields("084").map { $0.first("2") } == ["nur"])
        #expect(marc.fields("521").contains { $0.first("b") == "AVI" && $0.first("a") == "AVI E4" })
    }

    @Test func editingKeepsFieldsBiebDoesNotMap() throws {
        let original = try loc(0)
        var title = MARCMapping.title(from: original)
        title.title = "Botanical materia medica"
        let edited = MARCMapping.record(for: title, base: original)
        #expect(edited.value("245", "a") == "Botanical materia medica")
        #expect(edited.value("050", "a") == "RX671")     // classification kept
        #expect(edited.value("500", "a") == "Homeopathic formulae.")
        #expect(edited.control("008")?.prefix(6) == original.control("008")?.prefix(6)) // date entered kept
        #expect(edited.controlNumber == "00000002")
    }

    @Test func digitalResourcesAndFormats() {
        let database = TitleRecord(title: "Delpher", format: .database, accessRule: .fromHome, link: "https://www.delpher.nl")
        let marc = MARCMapping.record(for: database)
        let back = MARCMapping.title(from: marc)
        #expect(back.format == .database)
        #expect(back.accessRule == .fromHome)
        #expect(back.link == "https://www.delpher.nl")
        for format in MaterialFormat.allCases where format != .other {
            let record = MARCMapping.record(for: TitleRecord(title: "x", format: format, link: format.isDigital ? "https://x.nl" : nil))
            #expect(MARCMapping.format(of: record) == format, "\(format)")
        }
        let inBranch = MARCMapping.title(from: MARCMapping.record(for: TitleRecord(title: "Pressreader", format: .database, accessRule: .inBranch, link: "https://p.example")))
        #expect(inBranch.accessRule == .inBranch)
    }

    @Test func cleaningISBDPunctuation() {
        #expect(MARCMapping.clean("Personal rights and the domestic relations /") == "Personal rights and the domestic relations")
        #expect(MARCMapping.clean("Tabb, John B.") == "Tabb, John B.")
        #expect(MARCMapping.clean("Aurand, Samuel Herbert,") == "Aurand, Samuel Herbert")
        #expect(MARCMapping.clean("Chicago,") == "Chicago")
        #expect(MARCMapping.clean("Homeopathy.") == "Homeopathy")
        #expect(MARCMapping.clean("[Amsterdam]") == "Amsterdam")
        #expect(MARCMapping.firstYear("c1999.") == 1999)
        #expect(MARCMapping.firstYear("[2003?]") == 2003)
        #expect(MARCMapping.firstYear("s.a.") == nil)
    }

    @Test func validationNamesFields() {
        #expect(throws: BiebError.self) { try TitleValidation.validate(TitleRecord(title: " ")) }
        do {
            try TitleValidation.validate(TitleRecord(title: "x", aviLevel: "Z9"))
            Issue.record("expected an error")
        } catch { #expect(error.field == "avi") }
        #expect(AVI.normalise("avi-m4") == "M4")
        #expect(AVI.normalise("AVI Plus") == "Plus")
        #expect(throws: BiebError.self) { try TitleValidation.validate(TitleRecord(title: "x", format: .ebook)) }
    }
}

@Suite struct DublinCoreTests {
    @Test func crosswalkOfARealRecord() throws {
        let record = readAll(try fixture("loc-books-100.mrc")).compactMap { $0.value?.record }[0]
        let elements = DublinCore.elements(from: record)
        func values(_ name: String) -> [String] { elements.filter { $0.name == name }.map(\.value) }
        #expect(values("title").first?.hasPrefix("Botanical materia medica and pharmacology") == true)
        #expect(values("creator") == ["Aurand, Samuel Herbert, 1854-"])
        #expect(values("publisher") == ["P. H. Mallen Company"])
        #expect(values("date") == ["1899"])
        #expect(values("type") == ["Text"])
        #expect(values("language") == ["eng"])
        #expect(values("subject").contains("Homeopathy -- Materia medica and therapeutics"))
        #expect(values("description") == ["Homeopathic formulae"])
        let xml = DublinCore.oaiDC(record)
        #expect(xml.hasPrefix("<oai_dc:dc "))
        #expect(xml.contains("<dc:date>1899</dc:date>"))
        // Well-formed.
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse())
    }
}
