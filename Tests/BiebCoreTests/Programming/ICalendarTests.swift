import Foundation
import Testing
@testable import BiebCore

/// The iCalendar writer against RFC 5545's own examples: content-line
/// folding (3.1), TEXT escaping (3.3.11), UTC date-time (3.3.5), and a
/// whole calendar's required properties (3.6.1, 3.7).
@Suite struct ICalendarTests {
    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func dateTimeInUTCIsFormTwo() {
        // RFC 5545 3.3.5: "19980119T070000Z" — 7:00 AM UTC on January 19, 1998.
        #expect(ICalendar.utc(Self.date("1998-01-19T07:00:00Z")) == "19980119T070000Z")
        // A Dutch evening in winter (UTC+1) and in summer (UTC+2).
        #expect(ICalendar.utc(Self.date("2026-12-03T19:30:00+01:00")) == "20261203T183000Z")
        #expect(ICalendar.utc(Self.date("2027-06-03T19:30:00+02:00")) == "20270603T173000Z")
    }

    @Test func textIsEscapedAsInTheStandard() {
        // RFC 5545 3.3.11: backslash, semicolon, comma escaped; a line break becomes \n.
        #expect(ICalendar.escape("Project XYZ Final Review\nConference Room - 3B\nCome Prepared.")
                == #"Project XYZ Final Review\nConference Room - 3B\nCome Prepared."#)
        #expect(ICalendar.escape(#"a\b;c,d"#) == #"a\\b\;c\,d"#)
        #expect(ICalendar.escape("line\r\nbreak") == #"line\nbreak"#)
        #expect(ICalendar.escape("bell\u{07}gone") == "bellgone")
    }

    @Test func longLinesAreFoldedAt75Octets() {
        // RFC 5545 3.1: a long line is split with CRLF followed by one space; unfolding removes exactly that.
        let line = "DESCRIPTION:" + String(repeating: "This is a long description that exists on a long line. ", count: 3)
        let folded = ICalendar.fold(line)
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.utf8.count <= 75 })
        #expect(parts.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == line)
        // Never inside a UTF-8 sequence: "é" (2 octets) and "€" (3 octets) stay whole.
        let accented = "SUMMARY:" + String(repeating: "café € ", count: 30)
        let pieces = ICalendar.fold(accented).components(separatedBy: "\r\n")
        #expect(pieces.allSatisfy { $0.utf8.count <= 75 && String(decoding: Array($0.utf8), as: UTF8.self) == $0 })
        #expect(ICalendar.fold(accented).replacingOccurrences(of: "\r\n ", with: "") == accented)
        #expect(ICalendar.fold("SUMMARY:short") == "SUMMARY:short")
    }

    @Test func aCalendarHasTheRequiredPropertiesAndCRLF() {
        let stamp = Self.date("2026-11-25T12:00:00Z")
        let calendar = ICalendar(name: "Agenda, Centrale Bibliotheek", events: [
            ICalendar.Event(uid: "activity-1-7@bieb.example", start: Self.date("2026-12-03T18:30:00Z"), end: Self.date("2026-12-03T20:00:00Z"),
                            summary: "Debat: wonen; wie beslist?", description: "Regel 1\nRegel 2", location: "Theaterzaal, Spui 68",
                            url: "https://bieb.example/den-haag/agenda/1", categories: ["Debat", "Stedelijke vraagstukken"]),
            ICalendar.Event(uid: "activity-2-8@bieb.example", start: Self.date("2026-12-04T09:00:00Z"), end: Self.date("2026-12-04T10:00:00Z"),
                            summary: "Afgelast", cancelled: true),
        ])
        let text = calendar.text(stamp: stamp)
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.prefix(3) == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bieb//Bieb programme//NL"])
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 2)
        #expect(lines.filter { $0 == "END:VEVENT" }.count == 2)
        // Each event has UID and DTSTAMP (required, 3.6.1) and DTSTART.
        #expect(lines.filter { $0.hasPrefix("UID:") }.count == 2)
        #expect(lines.filter { $0 == "DTSTAMP:20261125T120000Z" }.count == 2)
        #expect(lines.contains("DTSTART:20261203T183000Z"))
        #expect(lines.contains(#"SUMMARY:Debat: wonen\; wie beslist?"#))
        #expect(lines.contains(#"DESCRIPTION:Regel 1\nRegel 2"#))
        #expect(lines.contains(#"LOCATION:Theaterzaal\, Spui 68"#))
        #expect(lines.contains("CATEGORIES:Debat,Stedelijke vraagstukken"))
        #expect(lines.contains("X-WR-CALNAME:Agenda\\, Centrale Bibliotheek"))
        #expect(lines.contains("STATUS:CANCELLED"))
        #expect(lines.contains("STATUS:CONFIRMED"))
    }
}
