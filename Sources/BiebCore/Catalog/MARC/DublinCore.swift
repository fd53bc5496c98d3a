import Foundation

/// Simple Dublin Core from MARC 21, after the Library of Congress MARC to
/// Dublin Core crosswalk, and its `oai_dc` XML form (OAI-PMH, SRU).
public enum DublinCore {
    public struct Element: Hashable, Sendable {
        public let name: String
        public let value: String
    }

    public static func elements(from record: MARCRecord) -> [Element] {
        var out: [Element] = []
        func add(_ name: String, _ value: String?) {
            guard let value = value.map(MARCMapping.clean), !value.isEmpty,
                  !out.contains(Element(name: name, value: value)) else { return }
            out.append(Element(name: name, value: value))
        }
        func join(_ field: MARCField, _ codes: String) -> String {
            field.subfields.filter { codes.contains($0.code) }.map(\.value).joined(separator: " ")
        }
        for field in record.fields("245") { add("title", join(field, "abfgknps")) }
        for field in record.fields("246") { add("title", join(field, "ab")) }
        for tag in ["100", "110", "111", "700", "710", "711", "720"] {
            for field in record.fields(tag) where field.first("t") == nil { add("creator", join(field, "abcdq")) }
        }
        for tag in ["600", "610", "611", "630", "650", "651", "653"] {
            for field in record.fields(tag) {
                add("subject", field.subfields.filter { "abcdqtvxyz".contains($0.code) }.map { MARCMapping.clean($0.value) }
                    .joined(separator: " -- "))
            }
        }
        for field in record.fields("050") { add("subject", join(field, "ab")) }
        for field in record.fields("082") { add("subject", field.first("a")) }
        for field in record.fields where field.tag.hasPrefix("5") && !["506", "530", "540", "546"].contains(field.tag) {
            add("description", field.first("a"))
        }
        for tag in ["260", "264"] {
            for field in record.fields(tag) {
                add("publisher", field.values("b").map(MARCMapping.clean).joined(separator: ", ").nonEmptyValue)
                add("date", field.first("c"))
            }
        }
        add("type", type(record))
        for field in record.fields("655") { add("type", field.first("a")) }
        for field in record.fields("340") { add("format", join(field, "abcde")) }
        for field in record.fields("856") { add("format", field.first("q")) }
        for field in record.fields("020") { if let isbn = field.first("a").flatMap(ISBN.init(_:)) { add("identifier", "URN:ISBN:\(isbn.isbn13)") } }
        for field in record.fields("022") { add("identifier", field.first("a").map { "URN:ISSN:\($0)" }) }
        for field in record.fields("024") { add("identifier", field.first("a")) }
        for field in record.fields("856") { add("identifier", field.first("u")) }
        if let f008 = record.control("008"), f008.count >= 38 {
            let code = String(Array(f008)[35..<38])
            if code.allSatisfy({ $0.isLetter }) { add("language", code) }
        }
        for field in record.fields("041") { for code in field.values("a") { add("language", code) } }
        for field in record.fields("530") { add("relation", field.first("a")) }
        for field in record.fields where ("760"..."787").contains(field.tag) { add("relation", join(field, "ot")) }
        for field in record.fields("651") { add("coverage", field.first("a")) }
        for field in record.fields("752") { add("coverage", join(field, "abcd")) }
        for tag in ["506", "540"] { for field in record.fields(tag) { add("rights", field.first("a")) } }
        return out
    }

    static func type(_ record: MARCRecord) -> String? {
        switch record.leader.typeOfRecord {
        case "a", "c", "d", "t": "Text"
        case "e", "f", "k": "Image"
        case "g": "MovingImage"
        case "i", "j": "Sound"
        case "m": "Software, multimedia"
        case "o", "p": "Collection"
        case "r": "PhysicalObject"
        default: nil
        }
    }

    /// `<oai_dc:dc>` for a record.
    public static func oaiDC(_ record: MARCRecord) -> String {
        var out = "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
            + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            + "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n"
        for element in elements(from: record) {
            out += "  <dc:\(element.name)>\(MARCXML.escape(element.value))</dc:\(element.name)>\n"
        }
        out += "</oai_dc:dc>\n"
        return out
    }
}

extension DublinCore {
    /// The SRU Dublin Core record (`info:srw/schema/1/dc-v1.1`).
    public static func srwDC(_ record: MARCRecord) -> String {
        var out = "<srw_dc:dc xmlns:srw_dc=\"info:srw/schema/1/dc-schema\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        for element in elements(from: record) {
            out += "  <dc:\(element.name)>\(MARCXML.escape(element.value))</dc:\(element.name)>\n"
        }
        return out + "</srw_dc:dc>\n"
    }
}
