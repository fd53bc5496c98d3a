import Foundation

/// The audiences an activity is for (the children's age range is the
/// activity's own `age_min`–`age_max`).
public enum ActivityAudience: String, Codable, Sendable, CaseIterable {
    case children
    case youth
    case adults
    case seniors
    /// Newcomers learning Dutch (NT2).
    case newcomers
}

/// The five core functions of a public library under the Public Library
/// Act (Wsob, article 5), used for reporting what activities serve.
public enum CoreFunction: String, Codable, Sendable, CaseIterable {
    case knowledge = "knowledge_information"
    case development = "development_education"
    case reading = "reading_literature"
    case meeting = "meeting_debate"
    case culture = "art_culture"
}

/// Where people take part: in a room, online, or both at once (the
/// national statistics count activities in each form since 2020).
public enum ActivityPresence: String, Codable, Sendable, CaseIterable {
    case physical
    case online
    case hybrid

    public func name(english: Bool) -> String {
        switch self {
        case .physical: english ? "Physical" : "Fysiek"
        case .online: "Online"
        case .hybrid: english ? "Hybrid" : "Hybride"
        }
    }
}

/// How people take part in an activity.
public enum RegistrationMode: String, Codable, Sendable, CaseIterable {
    /// Walk in; no registration.
    case none
    case free
    /// Paid: members only, the price is added to their fees and paid online or at the desk.
    case paid
}

/// The two lists an organisation keeps for its programme: kinds of
/// activity and themes. Each starts with Bieb's defaults; an organisation
/// adds its own.
public enum Vocabulary: String, Codable, Sendable, CaseIterable {
    case kind
    case theme

    public struct Term: Sendable, Equatable, Codable {
        public let code: String
        public let nl: String
        public let en: String
        public init(_ code: String, nl: String, en: String) {
            self.code = code
            self.nl = nl
            self.en = en
        }
    }

    public var defaults: [Term] {
        switch self {
        case .kind:
            return [Term("lecture", nl: "Lezing", en: "Lecture"), Term("debate", nl: "Debat", en: "Debate"),
                    Term("course", nl: "Cursus", en: "Course"), Term("exhibition", nl: "Tentoonstelling", en: "Exhibition"),
                    Term("workshop", nl: "Workshop", en: "Workshop"), Term("language_cafe", nl: "Taalcafé", en: "Language café"),
                    Term("homework_help", nl: "Huiswerkbegeleiding", en: "Homework help"),
                    Term("reading_aloud", nl: "Voorlezen", en: "Reading aloud"),
                    Term("reading_programme", nl: "Leesprogramma", en: "Reading programme"),
                    Term("consultation_hour", nl: "Spreekuur", en: "Consultation hour")]
        case .theme:
            return [Term("justice", nl: "Rechtvaardigheid", en: "Justice"), Term("health", nl: "Gezondheid", en: "Health"),
                    Term("gender_equality", nl: "Gendergelijkheid", en: "Gender equality"),
                    Term("sustainability", nl: "Duurzaamheid", en: "Sustainability"),
                    Term("urban_issues", nl: "Stedelijke vraagstukken", en: "Urban issues"),
                    Term("basic_skills_language", nl: "Basisvaardigheden: taal", en: "Basic skills: language"),
                    Term("basic_skills_numeracy", nl: "Basisvaardigheden: rekenen", en: "Basic skills: numeracy"),
                    Term("basic_skills_digital", nl: "Basisvaardigheden: digitaal", en: "Basic skills: digital")]
        }
    }

    /// A code an organisation may give a term of its own: lower-case letters, digits and underscores, 2–40.
    public static func isValidCode(_ code: String) -> Bool {
        (2...40).contains(code.count) && code.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
    }
}
