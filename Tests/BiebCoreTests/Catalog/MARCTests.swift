import Foundation
import Testing
@testable import BiebCore

func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/marc/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

func readAll(_ data: Data, chunkSize: Int = 1 << 16) -> [Result<MARCReadRecord, MARCReadError>] {
    Array(ISO2709Reader(DataByteSource(data), chunkSize: chunkSize))
}

extension Result {
    var value: Success? { if case .success(let v) = self { v } else { nil } }
    var error: Failure? { if case .failure(let e) = self { e } else { nil } }
}

@Suite struct ISO2709Tests {
    /// A record built by hand as the MARC 21 specification lays it out.
    @Test func readsAHandBuiltRecordByTheStandardsLayout() throws {
        // Leader, directory (tag, length, start), data; 0x1E ends fields, 0x1F starts subfields, 0x1D ends the record.
        let f001 = "12345\u{1E}"
        let f245 = "10\u{1F}aDe avonden :\u{1F}been verhaal /\u{1F}cGerard Reve.\u{1E}"
        let directory = "001" + String(format: "%04d%05d", f001.utf8.count, 0)
            + "245" + String(format: "%04d%05d", f245.utf8.count, f001.utf8.count) + "\u{1E}"
        let base = 24 + directory.utf8.count
        let length = base + f001.utf8.count + f245.utf8.count + 1
        let leader = String(format: "%05d", length) + "nam a22" + String(format: "%05d", base) + " i 4500"
        let bytes = Data((leader + directory + f001 + f245 + "\u{1D}").utf8)
        let results = readAll(bytes)
        #expect(results.count == 1)
        let record = try #require(results.first?.value?.record)
        #expect(record.controlNumber == "12345")
        #expect(record.value("245", "a") == "De avonden :")
        #expect(record.value("245", "c") == "Gerard Reve.")
        #expect(record.first("245")?.indicator1 == "1")
        #expect(record.leader.typeOfRecord == "a")
        // Writing gives the same bytes back.
        #expect(try ISO2709Writer.encode(record) == [UInt8](bytes))
    }

    @Test func readsRealLibraryOfCongressRecordsAndWritesThemBackIdentically() throws {
        let data = try fixture("loc-books-100.mrc")
        for chunk in [64, 1 << 16] {
            let results = readAll(data, chunkSize: chunk)
            #expect(results.count == 100)
            #expect(results.allSatisfy { $0.value != nil })
        }
        let records = readAll(data).compactMap { $0.value?.record }
        #expect(records[0].controlNumber == "00000002")
        #expect(records[0].value("100", "a")?.isEmpty == false)
        // Round trip: every record writes back to exactly its original bytes.
        var written: [UInt8] = []
        for record in records { written += try ISO2709Writer.encode(record) }
        #expect(written == [UInt8](data))
    }

    @Test func convertsMARC8Diacritics() throws {
        let results = readAll(try fixture("marc8.dat"))
        let record = try #require(results.first?.value?.record)
        #expect(record.value("240", "a") == "De la solitude \u{E0} la communaut\u{E9}.")
        #expect(record.leader.characterCoding == " ")
    }

    @Test func refusesUnsupportedMARC8EscapesWithAReason() throws {
        let results = readAll(try fixture("bad_marc8_escape.dat"))
        let error = try #require(results.first?.error)
        #expect(error.reason.contains("MARC-8 escape to an unknown character set (ESC 74)"))
        #expect(error.reason.hasPrefix("field 222 $a"))
        #expect(error.controlNumber != nil)
    }

    @Test func readsUTF8LabelledAsMARC8AsUTF8WithAWarning() throws {
        let with = try #require(readAll(try fixture("utf8_with_leader_flag.dat")).first?.value)
        let without = try #require(readAll(try fixture("utf8_without_leader_flag.dat")).first?.value)
        #expect(with.warnings.isEmpty)
        #expect(without.warnings.count == 1)
        #expect(with.record.fields == without.record.fields)
        #expect(without.record.value("240", "a")?.contains("\u{E9}") == true || without.record.fields.contains { $0.subfields.contains { !$0.value.allSatisfy(\.isASCII) } })
    }

    @Test func invalidUTF8IsRejectedNotGarbled() throws {
        // A real UTF-8 record with one byte of its title replaced by a lone lead byte.
        var bytes = [UInt8](try fixture("loc-books-100.mrc"))
        let first = try #require(readAll(Data(bytes)).first?.value?.record)
        let title = try #require(first.value("245", "a"))
        let titleBytes = Array(title.utf8)
        let at = try #require((0..<bytes.count - titleBytes.count).first { Array(bytes[$0..<$0 + titleBytes.count]) == titleBytes })
        bytes[at + 1] = 0xC3
        let results = readAll(Data(bytes))
        #expect(results.count == 100)
        let error = try #require(results.first?.error)
        #expect(error.reason == "field 245 $a is not valid UTF-8")
        #expect(error.controlNumber == "00000002")
        #expect(results.dropFirst().allSatisfy { $0.value != nil })
    }

    /// A record of one 245 whose data and directory entry are given as they are.
    func handBuilt(_ f245: String, entry: String? = nil) -> Data {
        let directory = "245" + (entry ?? String(format: "%04d%05d", f245.utf8.count, 0)) + "\u{1E}"
        let base = 24 + directory.utf8.count
        let leader = String(format: "%05d", base + f245.utf8.count + 1) + "nam a22" + String(format: "%05d", base) + " i 4500"
        return Data((leader + directory + f245 + "\u{1D}").utf8)
    }

    @Test func emptySubfieldsAreSkippedAndABadCodeOrNumberIsAnError() throws {
        // Two delimiters in a row and one at the end: nothing between them is a subfield.
        let record = try #require(readAll(handBuilt("10\u{1F}aDe avonden\u{1F}\u{1F}cGerard Reve\u{1F}\u{1E}")).first?.value)
        #expect(record.record.first("245")?.subfields == [MARCSubfield("a", "De avonden"), MARCSubfield("c", "Gerard Reve")])
        #expect(record.warnings.isEmpty)
        // A control character as a subfield code.
        let badCode = try #require(readAll(handBuilt("10\u{1F}\u{09}x\u{1E}")).first?.error)
        #expect(badCode.reason == "field 245 has an invalid subfield code (byte 0x09)")
        // A sign in the directory's numbers is not a digit.
        let f245 = "10\u{1F}aX\u{1E}"
        let signed = try #require(readAll(handBuilt(f245, entry: "+" + String(format: "%03d%05d", f245.utf8.count, 0))).first?.error)
        #expect(signed.reason == "field 245: its directory entry points outside the record")
    }

    @Test func badRecordsAreReportedAndReadingGoesOn() throws {
        let results = readAll(try fixture("bad_records.mrc"))
        // pymarc's file: a good record; bad base addresses (2), a bad
        // directory, a non-ASCII tag, a letter in the base address; a record
        // without fields; a good record; a truncated one.
        #expect(results.count == 9)
        for good in [0, 7] {
            #expect(results[good].value?.record.value("245", "a") == "The pragmatic programmer : ")
        }
        let errors = results.compactMap(\.error)
        #expect(errors.map(\.position.record) == [2, 3, 4, 5, 6, 7, 9])
        #expect(errors[0].reason.contains("base address"))
        #expect(errors[1].reason.contains("base address"))
        #expect(errors[2].reason.contains("multiple of 12"))
        #expect(errors[3].reason.contains("not a multiple of 12")) // a two-byte character in a tag
        #expect(errors[4].reason.contains("base address"))
        #expect(errors[5].reason == "the record has no fields")
        #expect(errors[6].reason.contains("ends inside"))
    }

    @Test func truncatedFileEndsWithAnError() throws {
        var data = try fixture("one.dat")
        data.removeLast(40)
        let results = readAll(data)
        #expect(results.count == 1)
        #expect(results[0].error?.reason.contains("ends inside") == true)
    }

    @Test func wrongLeaderLengthIsCorrectedWhenTheRecordIsSound() throws {
        var bytes = [UInt8](try fixture("one.dat"))
        bytes.replaceSubrange(0..<5, with: Array("00999".utf8))
        let results = readAll(Data(bytes + [UInt8](try fixture("one.dat"))))
        #expect(results.count == 2)
        #expect(results[0].value?.warnings.first?.contains("record length") == true)
        #expect(results[1].value != nil)
    }

    @Test func garbageBetweenRecordsIsOneErrorNotTheEnd() throws {
        let good = [UInt8](try fixture("one.dat"))
        let results = readAll(Data(good + Array("this is not marc at all\u{1D}".utf8) + good))
        #expect(results.count == 3)
        #expect(results[1].error != nil)
        #expect(results[2].value?.record == results[0].value?.record)
    }

    @Test func tenRecordsOfPymarcsTestFile() throws {
        let records = readAll(try fixture("test.dat")).compactMap { $0.value?.record }
        #expect(records.count == 10)
        // pymarc issue 45: a stray byte before the first subfield of a 752.
        let regression = try #require(readAll(try fixture("regression45.dat")).first?.value)
        #expect(regression.record.value("752", "a") == "Russian Federation")
        #expect(regression.record.value("752", "b") == "Kostroma Oblast")
        #expect(regression.record.value("752", "d") == "Kostroma")
        #expect(regression.warnings == ["field 752: 1 stray byte(s) before the first subfield left out"])
    }

    @Test func writerRefusesWhatISO2709CannotHold() {
        let long = MARCRecord(fields: [.data("520", " ", " ", [MARCSubfield("a", String(repeating: "x", count: 10_000))])])
        #expect(throws: ISO2709Writer.EncodingError.self) { try ISO2709Writer.encode(long) }
        let badTag = MARCRecord(fields: [.control("1", "x")])
        #expect(throws: ISO2709Writer.EncodingError.self) { try ISO2709Writer.encode(badTag) }
    }
}

@Suite struct MARC8Tests {
    @Test func anselAndCombiningMarks() throws {
        // "Gödel" with the umlaut before the o, "Łódź", "Ærø", "café".
        #expect(try MARC8.decode([0x47, 0xE8, 0x6F, 0x64, 0x65, 0x6C]) == "G\u{F6}del")
        #expect(try MARC8.decode([0xA1, 0xE2, 0x6F, 0x64, 0xE2, 0x7A]) == "\u{141}\u{F3}d\u{17A}")
        #expect(try MARC8.decode([0xA5, 0x72, 0xB2]) == "\u{C6}r\u{F8}")
        #expect(try MARC8.decode(Array("caf".utf8) + [0xE2, 0x65]) == "caf\u{E9}")
        // Two marks on one letter: Vietnamese ệ (dot below and circumflex).
        #expect(try MARC8.decode([0xF2, 0xE3, 0x65]) == "\u{1EC7}")
        // Superscript via escape, then back to ASCII.
        #expect(try MARC8.decode([0x45, 0x3D, 0x6D, 0x63, 0x1B, 0x70, 0x32, 0x1B, 0x73]) == "E=mc\u{B2}")
    }

    @Test func refusesWhatItCannotConvert() {
        #expect(throws: MARC8.DecodingError.self) { try MARC8.decode([0x1B, 0x28, 0x4E, 0x41]) } // Cyrillic
        #expect(throws: MARC8.DecodingError.self) { try MARC8.decode([0x1B, 0x24, 0x31, 0x21, 0x30, 0x21]) } // EACC
        #expect(throws: MARC8.DecodingError.self) { try MARC8.decode([0x41, 0xBF]) } // unassigned
    }
}

@Suite struct MARCXMLTests {
    @Test func readsPymarcsBatchAndUTF8Documents() throws {
        let batch = try MARCXML.records(from: try fixture("batch.xml"))
        #expect(batch.count == 2)
        #expect(batch[0].first("245") != nil)
        let utf8 = try MARCXML.records(from: try fixture("utf8.xml"))
        #expect(utf8.count == 1)
        #expect(utf8[0].fields.contains { $0.subfields.contains { !$0.value.allSatisfy(\.isASCII) } })
    }

    @Test func aBadTagIsAnErrorForThatRecord() throws {
        var results: [Result<MARCReadRecord, MARCReadError>] = []
        let error = MARCXML.read(InputStream(data: try fixture("bad_tag.xml"))) { results.append($0) }
        #expect(error == nil)
        #expect(results.contains { $0.error?.reason.contains("tag") == true })
    }

    @Test func roundTripsRealRecordsThroughXML() throws {
        let records = readAll(try fixture("loc-books-100.mrc")).compactMap { $0.value?.record }
        let xml = MARCXML.document(records)
        let back = try MARCXML.records(from: Data(xml.utf8))
        #expect(back == records)
        // And back to ISO 2709, byte for byte.
        var bytes: [UInt8] = []
        for record in back { bytes += try ISO2709Writer.encode(record) }
        #expect(bytes == [UInt8](try fixture("loc-books-100.mrc")))
    }

    @Test func escapesMarkupAndDropsCharactersXMLCannotCarry() throws {
        let record = MARCRecord(fields: [
            .control("001", "a&b"),
            .data("245", "1", "0", [MARCSubfield("a", "<Titel> \"met\" 'quotes' & \u{7}bel")]),
        ])
        let xml = MARCXML.record(record, namespaced: true)
        #expect(xml.contains("&lt;Titel&gt; &quot;met&quot; &apos;quotes&apos; &amp; bel"))
        let back = try MARCXML.records(from: Data(xml.utf8))
        #expect(back.first?.value("245", "a") == "<Titel> \"met\" 'quotes' & bel")
    }

    /// Issue 16: every parser of outside input has a depth limit, tested at twice it.
    @Test func nestingBeyondTheLimitStopsTheReadingWithTheReason() throws {
        let twice = MARCXML.maximumDepth * 2
        let deep = "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n<record>\n<leader>00000nam a2200000 i 4500</leader>\n"
            + String(repeating: "<x>", count: twice) + String(repeating: "</x>", count: twice) + "</record></collection>"
        let error = #expect(throws: MARCReadError.self) { try MARCXML.records(from: Data(deep.utf8)) }
        #expect(error?.reason.contains("nested deeper than \(MARCXML.maximumDepth)") == true)
        // A real document is far from the limit.
        #expect(try MARCXML.records(from: try fixture("batch.xml")).count == 2)
    }

    @Test func malformedXMLNamesTheLine() {
        let xml = "<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n<record>\n<leader>00000nam a2200000 i 4500</leader>\n<controlfield tag=\"001\">1</controlfield\n</record></collection>"
        #expect(throws: MARCReadError.self) { try MARCXML.records(from: Data(xml.utf8)) }
    }
}
