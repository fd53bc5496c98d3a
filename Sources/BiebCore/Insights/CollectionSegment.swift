import Foundation

/// The segment a title counts in for the national library statistics, which
/// report collection and loans as adult fiction, adult non-fiction, youth
/// fiction, youth non-fiction, sheet music and audiovisual material.
///
/// The rules (the one place they are written; tests cover every edge):
/// 1. Format first. `sheet_music` is sheet music; `dvd`, `music` (CDs) and
///    `game` are audiovisual — whatever their audience or NUR code.
/// 2. Youth or adult. Youth when the audience is a youth one (`preschool`,
///    `children`, `young_adult`); otherwise youth when the NUR code is in
///    the children's and youth books, **200–299** (the publisher's code then
///    overrides an audience of `adult`); otherwise adult.
/// 3. Fiction or non-fiction, by NUR code:
///    - **200–269**: children's non-fiction ("informatief"); **270–299**:
///      children's fiction (picture books, reading books by age, first
///      readers, poetry);
///    - **300–399**: fiction (literary fiction, suspense, popular fiction,
///      comics, humour) — except **320–329**, literary non-fiction
///      (biography, essays), which is non-fiction;
///    - every other code (1–199, 400–999): non-fiction.
///    The NUR range decides the genre for adult and youth titles alike: a
///    youth title with NUR 301 is youth fiction, with NUR 500 youth non-fiction.
/// 4. Without a NUR code: fiction for the book-like formats (`book`,
///    `large_print`, `audiobook`, `ebook`, and `other`: most of what a
///    public library lends without a NUR is novels, often in other
///    languages), non-fiction for `magazine` and `database`.
///
/// Audiobooks and e-books count as books of their kind (rule 3), not as
/// audiovisual: they are read, and they carry NUR codes like printed books.
///
/// Not verified: the KB's questionnaire itself was not found, nor an
/// official NUR list to check where children's non-fiction ends; 269/270 is
/// the boundary between the informative and the fiction headings of the
/// 200s as understood here — one constant (`youthFictionNUR`) to change.
public enum CollectionSegment: String, Sendable, Codable, CaseIterable {
    case adultFiction = "adult_fiction"
    case adultNonFiction = "adult_non_fiction"
    case youthFiction = "youth_fiction"
    case youthNonFiction = "youth_non_fiction"
    case sheetMusic = "sheet_music"
    case audiovisual

    /// NUR codes of children's and youth books.
    public static let youthNUR = 200...299
    /// NUR codes of children's fiction, within `youthNUR`; the rest of it is informative.
    public static let youthFictionNUR = 270...299
    /// NUR codes of adult fiction, less `literaryNonFictionNUR`.
    public static let adultFictionNUR = 300...399
    /// NUR codes of literary non-fiction, within `adultFictionNUR`.
    public static let literaryNonFictionNUR = 320...329

    /// The segment of a title.
    public static func of(format: MaterialFormat, audience: Audience?, nur: Int?) -> CollectionSegment {
        switch format {
        case .sheetMusic: return .sheetMusic
        case .dvd, .music, .game: return .audiovisual
        case .book, .largePrint, .audiobook, .ebook, .magazine, .database, .other: break
        }
        let fiction = isFiction(nur: nur, format: format)
        if isYouth(audience: audience, nur: nur) { return fiction ? .youthFiction : .youthNonFiction }
        return fiction ? .adultFiction : .adultNonFiction
    }

    /// The segment of a title whose format is stored as text ("sheet_music"); an unknown format counts as `other`.
    public static func of(formatCode: String, audience: Audience?, nur: Int?) -> CollectionSegment {
        of(format: MaterialFormat(rawValue: formatCode) ?? .other, audience: audience, nur: nur)
    }

    /// Rule 2: a youth audience, else a NUR code of children's and youth books.
    public static func isYouth(audience: Audience?, nur: Int?) -> Bool {
        switch audience {
        case .preschool, .children, .youngAdult: return true
        case .adult, nil: return nur.map(youthNUR.contains) ?? false
        }
    }

    /// Rules 3 and 4.
    public static func isFiction(nur: Int?, format: MaterialFormat) -> Bool {
        guard let nur else { return format != .magazine && format != .database }
        if youthNUR.contains(nur) { return youthFictionNUR.contains(nur) }
        return adultFictionNUR.contains(nur) && !literaryNonFictionNUR.contains(nur)
    }

    /// Whether the segment is one of the youth ones (sheet music and audiovisual are not split by age).
    public var isYouth: Bool { self == .youthFiction || self == .youthNonFiction }

    /// The name as the statistics use it, in Dutch or English.
    public func name(english: Bool = false) -> String {
        switch self {
        case .adultFiction: english ? "Adult fiction" : "Volwassenen fictie"
        case .adultNonFiction: english ? "Adult non-fiction" : "Volwassenen non-fictie"
        case .youthFiction: english ? "Youth fiction" : "Jeugd fictie"
        case .youthNonFiction: english ? "Youth non-fiction" : "Jeugd non-fictie"
        case .sheetMusic: english ? "Sheet music" : "Bladmuziek"
        case .audiovisual: english ? "Audiovisual" : "Audiovisueel"
        }
    }
}

extension CollectionSegment {
    /// "youth" or "adult", as the census and the roll-ups name an audience.
    public var audience: String { isYouth ? "youth" : "adult" }

    /// The part of a title as the store keeps it: format and audience as their raw values (an unknown audience: none).
    public static func of(formatCode: String, audienceCode: String?, nur: Int?) -> CollectionSegment {
        of(formatCode: formatCode, audience: audienceCode.flatMap(Audience.init(rawValue:)), nur: nur)
    }
}
