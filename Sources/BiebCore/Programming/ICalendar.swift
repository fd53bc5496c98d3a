import Foundation

/// An iCalendar (RFC 5545) calendar of events, written as text: CRLF line
/// ends, lines folded at 75 octets without splitting a UTF-8 character,
/// TEXT values escaped (backslash, semicolon, comma, newline), times in
/// UTC. What calendar apps subscribe to.
public struct ICalendar: Sendable, Equatable {
    public struct Event: Sendable, Equatable {
        /// Globally unique and stable for the event (e.g. "activity-…-session-12@bieb.example").
        public var uid: String
        public var start: Date
        public var end: Date
        public var summary: String
        public var description: String
        public var location: String
        public var url: String?
        public var categories: [String]
        public var cancelled: Bool
        /// When the event last changed (the feed's `LAST-MODIFIED`), if known.
        public var lastModified: Date?

        public init(uid: String, start: Date, end: Date, summary: String, description: String = "", location: String = "",
                    url: String? = nil, categories: [String] = [], cancelled: Bool = false, lastModified: Date? = nil) {
            self.uid = uid
            self.start = start
            self.end = end
            self.summary = summary
            self.description = description
            self.location = location
            self.url = url
            self.categories = categories
            self.cancelled = cancelled
            self.lastModified = lastModified
        }
    }

    /// The calendar's name, as apps show it (`X-WR-CALNAME`; `NAME` of RFC 7986).
    public var name: String
    public var events: [Event]
    /// Identifies the writer (`PRODID`).
    public var productID: String

    public init(name: String, events: [Event], productID: String = "-//Bieb//Bieb programme//NL") {
        self.name = name
        self.events = events
        self.productID = productID
    }

    /// The calendar as RFC 5545 text; `stamp` is the `DTSTAMP` of every event (when the feed was made).
    public func text(stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + Self.escape(productID), "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "NAME:" + Self.escape(name), "X-WR-CALNAME:" + Self.escape(name)]
        for event in events {
            lines.append("BEGIN:VEVENT")
            lines.append("UID:" + Self.escape(event.uid))
            lines.append("DTSTAMP:" + Self.utc(stamp))
            lines.append("DTSTART:" + Self.utc(event.start))
            lines.append("DTEND:" + Self.utc(event.end))
            lines.append("SUMMARY:" + Self.escape(event.summary))
            if !event.description.isEmpty { lines.append("DESCRIPTION:" + Self.escape(event.description)) }
            if !event.location.isEmpty { lines.append("LOCATION:" + Self.escape(event.location)) }
            if let url = event.url { lines.append("URL:" + url) }
            if !event.categories.isEmpty { lines.append("CATEGORIES:" + event.categories.map(Self.escape).joined(separator: ",")) }
            if let modified = event.lastModified { lines.append("LAST-MODIFIED:" + Self.utc(modified)) }
            lines.append("STATUS:" + (event.cancelled ? "CANCELLED" : "CONFIRMED"))
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// A UTC date-time (FORM #2 of RFC 5545 3.3.5): 19980119T070000Z.
    public static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// A TEXT value escaped (RFC 5545 3.3.11): `\\`, `\;`, `\,`, `\n`; carriage returns dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            default:
                // Other control characters are not allowed in TEXT.
                if scalar.value < 0x20 && scalar != "\t" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Folds a content line (RFC 5545 3.1): at most 75 octets per line, each
    /// continuation starting with one space; never inside a UTF-8 character.
    public static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var parts: [String] = []
        var current = ""
        var octets = 0
        var limit = 75
        for character in line {
            let size = String(character).utf8.count
            if octets + size > limit {
                parts.append(current)
                current = ""
                octets = 0
                limit = 74  // the leading space counts
            }
            current.append(character)
            octets += size
        }
        parts.append(current)
        return parts.joined(separator: "\r\n ")
    }
}
