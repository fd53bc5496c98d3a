import Foundation

/// The forms a title comes in.
public enum MaterialFormat: String, Codable, Sendable, CaseIterable {
    case book
    case largePrint = "large_print"
    case audiobook
    case ebook
    case dvd
    case music
    case game
    case magazine
    case sheetMusic = "sheet_music"
    case database
    case other

    /// Digital formats have no physical copies.
    public var isDigital: Bool { self == .ebook || self == .database }
}

/// Who a title is for.
public enum Audience: String, Codable, Sendable, CaseIterable {
    /// 0–5: picture books, first books.
    case preschool
    /// 6–12.
    case children
    /// 13–17.
    case youngAdult = "young_adult"
    case adult
}

/// The part a person or body played.
public enum ContributorRole: String, Codable, Sendable, CaseIterable {
    case author, editor, illustrator, translator, narrator, composer, performer, director, other

    /// From a MARC relator code ($4) or term ($e), in English or Dutch.
    public init(relator: String) {
        let text = relator.lowercased().trimmingCharacters(in: CharacterSet.punctuationCharacters.union(.whitespaces))
        switch text {
        case "aut", "author", "auteur", "schrijver", "cre", "creator": self = .author
        case "edt", "editor", "ed", "redacteur", "samensteller", "comp", "compiler": self = .editor
        case "ill", "illustrator", "illustrations", "illustraties", "art", "artist": self = .illustrator
        case "trl", "translator", "tr", "vertaler", "vertaling": self = .translator
        case "nrt", "narrator", "voorlezer", "verteller", "spr", "speaker": self = .narrator
        case "cmp", "composer", "componist": self = .composer
        case "prf", "performer", "act", "actor", "mus", "musician", "uitvoerder": self = .performer
        case "drt", "director", "fmd", "film director", "regisseur": self = .director
        default: self = .other
        }
    }
}

public struct Contributor: Hashable, Codable, Sendable {
    /// As catalogued: "Reve, Gerard".
    public var name: String
    public var role: ContributorRole
    /// The main entry (1XX) rather than an added entry (7XX).
    public var isMain: Bool

    public init(name: String, role: ContributorRole = .author, isMain: Bool = false) {
        self.name = name
        self.role = role
        self.isMain = isMain
    }
}

/// How a digital resource may be used.
public enum AccessRule: String, Codable, Sendable, CaseIterable {
    /// Members can use it anywhere, signing in with their card.
    case fromHome = "from_home"
    /// Only on the library's own network or computers.
    case inBranch = "in_branch"
}

/// A title (bibliographic record): what members search for. Copies (items)
/// hang under it; digital titles have none and carry an access rule and link.
public struct TitleRecord: Hashable, Codable, Sendable {
    public var controlNumber: String?
    public var title: String
    public var subtitle: String?
    public var responsibility: String?
    public var contributors: [Contributor]
    public var publisher: String?
    public var placeOfPublication: String?
    public var year: Int?
    public var edition: String?
    public var isbns: [ISBN]
    /// ISO 639-2/B code ("dut", "eng").
    public var language: String?
    public var format: MaterialFormat
    public var series: String?
    public var seriesNumber: String?
    public var subjects: [String]
    public var summary: String?
    public var audience: Audience?
    public var ageMin: Int?
    public var ageMax: Int?
    /// AVI reading level of children's books ("Start", "M3", "E4", "Plus").
    public var aviLevel: String?
    /// NUR genre code (Nederlandstalige Uniforme Rubrieksindeling), e.g. 301 for Dutch literary novels.
    public var nur: Int?
    /// SISO class (Dutch non-fiction classification), e.g. "914.3".
    public var siso: String?
    public var coverReference: String?
    public var accessRule: AccessRule?
    public var link: String?

    public init(controlNumber: String? = nil, title: String, subtitle: String? = nil, responsibility: String? = nil,
                contributors: [Contributor] = [], publisher: String? = nil, placeOfPublication: String? = nil, year: Int? = nil,
                edition: String? = nil, isbns: [ISBN] = [], language: String? = nil, format: MaterialFormat = .book,
                series: String? = nil, seriesNumber: String? = nil, subjects: [String] = [], summary: String? = nil,
                audience: Audience? = nil, ageMin: Int? = nil, ageMax: Int? = nil, aviLevel: String? = nil, nur: Int? = nil,
                siso: String? = nil, coverReference: String? = nil, accessRule: AccessRule? = nil, link: String? = nil) {
        self.controlNumber = controlNumber
        self.title = title
        self.subtitle = subtitle
        self.responsibility = responsibility
        self.contributors = contributors
        self.publisher = publisher
        self.placeOfPublication = placeOfPublication
        self.year = year
        self.edition = edition
        self.isbns = isbns
        self.language = language
        self.format = format
        self.series = series
        self.seriesNumber = seriesNumber
        self.subjects = subjects
        self.summary = summary
        self.audience = audience
        self.ageMin = ageMin
        self.ageMax = ageMax
        self.aviLevel = aviLevel
        self.nur = nur
        self.siso = siso
        self.coverReference = coverReference
        self.accessRule = accessRule
        self.link = link
    }

    /// The main author: the main entry, else the first author.
    public var mainAuthor: String? {
        contributors.first(where: \.isMain)?.name ?? contributors.first { $0.role == .author }?.name
    }
}

/// Validation of a title record entered by staff, naming the field.
public enum TitleValidation {
    public static func validate(_ record: TitleRecord) throws(BiebError) {
        if record.title.trimmed.isEmpty {
            throw .invalid("title", "A title is required.", nl: "Een titel is verplicht.")
        }
        if let year = record.year, !(1450...2100).contains(year) {
            throw .invalid("year", "Year \(year) is out of range (1450–2100).", nl: "Jaar \(year) valt buiten 1450–2100.")
        }
        if let language = record.language, !(language.count == 3 && language.allSatisfy { $0.isASCII && $0.isLowercase }) {
            throw .invalid("language", "Give the language as a three-letter code such as dut or eng.",
                           nl: "Geef de taal als code van drie letters, zoals dut of eng.")
        }
        if let nur = record.nur, !(1...999).contains(nur) {
            throw .invalid("nur", "A NUR code has three digits.", nl: "Een NUR-code heeft drie cijfers.")
        }
        if let min = record.ageMin, let max = record.ageMax, min > max {
            throw .invalid("age_max", "The highest age is below the lowest.", nl: "De hoogste leeftijd ligt onder de laagste.")
        }
        if let avi = record.aviLevel, AVI.normalise(avi) == nil {
            throw .invalid("avi", "'\(avi)' is not an AVI level (Start, M3, E3 … E7, Plus).",
                           nl: "'\(avi)' is geen AVI-niveau (Start, M3, E3 … E7, Plus).")
        }
        if record.format.isDigital, record.link == nil {
            throw .invalid("link", "A digital resource needs a link.", nl: "Een digitale bron heeft een link nodig.")
        }
    }
}

/// AVI reading levels (the Dutch scale since 2009): Start, M3, E3, M4, E4,
/// M5, E5, M6, E6, M7, E7, Plus.
public enum AVI {
    public static let levels = ["Start", "M3", "E3", "M4", "E4", "M5", "E5", "M6", "E6", "M7", "E7", "Plus"]

    /// "avi-m4", "AVI M4", "m4" → "M4"; nil when not a level.
    public static func normalise(_ text: String) -> String? {
        var t = text.trimmed.uppercased()
        if t.hasPrefix("AVI") { t = String(t.dropFirst(3)).trimmingCharacters(in: CharacterSet(charactersIn: " -:")) }
        return levels.first { $0.uppercased() == t }
    }
}
