import Foundation

/// A part of a branch's collection as the collection plan looks at it:
/// material format × part (youth or adult, fiction or non-fiction, as the
/// national statistics split it: `CollectionSegment`) × NUR heading.
///
/// The rules (the one place they are written):
/// 1. The part is `CollectionSegment.of(format:audience:nur:)` — the same
///    rule the annual report counts with, so the plan and the statistics
///    never disagree on what is youth fiction.
/// 2. The NUR heading is the code's tens: 301 and 305 are both under 300
///    ("Literaire fictie"), 282 under 280. Publishers give the sub-headings,
///    libraries plan by heading; a title without a NUR code has no heading
///    (shown as "without NUR").
/// 3. The branch a copy counts at is its owning branch, or — when the
///    organisation floats its collection — the branch where it is now: a
///    floating copy belongs where it was returned.
public struct ShelfSegment: Hashable, Sendable, Codable, Comparable {
    public var format: MaterialFormat
    public var part: CollectionSegment
    /// The NUR heading (300, 280, …), nil without a NUR code.
    public var heading: Int?

    public init(format: MaterialFormat, part: CollectionSegment, heading: Int?) {
        self.format = format
        self.part = part
        self.heading = heading
    }

    /// The segment of a title.
    public init(format: MaterialFormat, audience: Audience?, nur: Int?) {
        self.init(format: format, part: CollectionSegment.of(format: format, audience: audience, nur: nur), heading: Self.heading(nur: nur))
    }

    /// The segment of a title as the store keeps it (format and audience as raw values).
    public init(formatCode: String, audienceCode: String?, nur: Int?) {
        let format = MaterialFormat(rawValue: formatCode) ?? .other
        self.init(format: format, part: CollectionSegment.of(format: format, audience: audienceCode.flatMap(Audience.init(rawValue:)), nur: nur),
                  heading: Self.heading(nur: nur))
    }

    /// Rule 2: the NUR heading of a code.
    public static func heading(nur: Int?) -> Int? {
        guard let nur, (1...999).contains(nur) else { return nil }
        return nur / 10 * 10
    }

    /// A stable text key ("book.adult_fiction.300", "dvd.audiovisual.-") for URLs, CSV and the API.
    public var key: String { "\(format.rawValue).\(part.rawValue).\(heading.map(String.init) ?? "-")" }

    public init?(key: String) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let format = MaterialFormat(rawValue: parts[0]), let part = CollectionSegment(rawValue: parts[1]) else { return nil }
        if parts[2] == "-" {
            self.init(format: format, part: part, heading: nil)
        } else {
            guard let heading = Int(parts[2]), Self.heading(nur: heading) == heading else { return nil }
            self.init(format: format, part: part, heading: heading)
        }
    }

    /// The heading's name ("NUR 300 Literaire fictie", "zonder NUR").
    public static func headingName(_ heading: Int?, english: Bool = false) -> String {
        guard let heading else { return english ? "without NUR" : "zonder NUR" }
        let name = NUR.name(heading, english: english)
        return name.hasPrefix("NUR ") ? name : "NUR \(heading) \(name)"
    }

    /// A format as a heading ("Boeken", "Dvd's").
    public static func formatName(_ format: MaterialFormat, english: Bool = false) -> String {
        let plural = format.plural(dutch: !english)
        return plural.prefix(1).uppercased() + plural.dropFirst()
    }

    public static func < (lhs: ShelfSegment, rhs: ShelfSegment) -> Bool {
        (lhs.part.order, lhs.format.rawValue, lhs.heading ?? 1000) < (rhs.part.order, rhs.format.rawValue, rhs.heading ?? 1000)
    }
}

extension CollectionSegment {
    /// The order the statistics list the parts in.
    public var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// How a rolled-up view groups segments: by part, format, NUR heading, or all three.
public enum SegmentLevel: String, Sendable, Codable, CaseIterable {
    case part, format, heading, full

    /// The segment as this level sees it: the parts it does not look at are blanked.
    public func project(_ segment: ShelfSegment) -> ShelfSegment {
        switch self {
        case .full: segment
        case .part: ShelfSegment(format: .other, part: segment.part, heading: nil)
        case .format: ShelfSegment(format: segment.format, part: .adultFiction, heading: nil)
        case .heading: ShelfSegment(format: .other, part: .adultFiction, heading: segment.heading)
        }
    }

    /// What a row of this level is called.
    public func name(_ segment: ShelfSegment, english: Bool = false) -> String {
        switch self {
        case .part: segment.part.name(english: english)
        case .format: ShelfSegment.formatName(segment.format, english: english)
        case .heading: ShelfSegment.headingName(segment.heading, english: english)
        case .full: "\(segment.part.name(english: english)) · \(ShelfSegment.formatName(segment.format, english: english)) · \(ShelfSegment.headingName(segment.heading, english: english))"
        }
    }
}
