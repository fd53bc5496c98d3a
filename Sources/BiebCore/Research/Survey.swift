import Foundation

/// The kinds of question research needs.
public enum QuestionKind: String, Sendable, Codable, CaseIterable {
    /// "How likely would you recommend…", 0–10 (`NetPromoterScore`).
    case nps
    /// A scale of 1–5 or 1–10 with its ends labelled.
    case scale
    /// One of the options.
    case single
    /// Any of the options.
    case multiple
    /// Open text (shown to researchers after moderation).
    case text
}

/// A question of a survey. Its `key` stays the same across versions and
/// surveys for the same question (the standard questions' keys), so waves,
/// branches and activities compare answer for answer.
public struct SurveyQuestion: Sendable, Hashable, Codable {
    public struct Option: Sendable, Hashable, Codable {
        public var key: String
        public var nl: String
        public var en: String
        public init(key: String, nl: String, en: String) { (self.key, self.nl, self.en) = (key, nl, en) }
    }

    public var key: String
    public var kind: QuestionKind
    public var nl: String
    public var en: String
    /// The section it stands in ("" for none).
    public var section: String
    public var required: Bool
    /// A scale's highest value (5 or 10; from 1) and its ends' labels.
    public var scaleMaximum: Int
    public var lowNL: String, lowEN: String, highNL: String, highEN: String
    /// The options of a single or multiple choice.
    public var options: [Option]

    public init(key: String, kind: QuestionKind, nl: String, en: String, section: String = "", required: Bool = false, scaleMaximum: Int = 5,
                low: (nl: String, en: String) = ("", ""), high: (nl: String, en: String) = ("", ""), options: [Option] = []) {
        (self.key, self.kind, self.nl, self.en, self.section, self.required) = (key, kind, nl, en, section, required)
        self.scaleMaximum = scaleMaximum
        (lowNL, lowEN, highNL, highEN) = (low.nl, low.en, high.nl, high.en)
        self.options = options
    }

    /// The values an answer may take: 0–10 for NPS, 1–max for a scale.
    public var range: ClosedRange<Int>? {
        switch kind {
        case .nps: 0...10
        case .scale: 1...scaleMaximum
        default: nil
        }
    }
}

/// One answer to one question.
public enum SurveyAnswer: Sendable, Hashable, Codable {
    case number(Int)
    case choice(String)
    case choices([String])
    case text(String)
}

/// The rules of a survey's questions and of the answers to them.
public enum SurveyRules {
    public static let maximumQuestions = 60
    public static let maximumText = 2_000
    static let keyCharacters = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "_"))

    /// A survey's questions as they may be published: at least one, keys of lower-case letters, digits and `_`
    /// used once, both languages, a scale of 5 or 10, at least two options (each key once) for a choice.
    /// Throws the first problem, naming the question (`question_3`).
    public static func check(_ questions: [SurveyQuestion]) throws(BiebError) {
        guard !questions.isEmpty, questions.count <= maximumQuestions else {
            throw BiebError.invalid("questions", "A survey has 1 to \(maximumQuestions) questions.", nl: "Een enquête heeft 1 tot \(maximumQuestions) vragen.")
        }
        var keys: Set<String> = []
        for (index, question) in questions.enumerated() {
            let field = "question_\(index + 1)"
            guard !question.key.isEmpty, question.key.count <= 60, question.key.unicodeScalars.allSatisfy(keyCharacters.contains),
                  keys.insert(question.key).inserted else {
                throw BiebError.invalid(field, "Each question needs its own key (lower-case letters, digits, _).",
                                        nl: "Elke vraag heeft een eigen sleutel nodig (kleine letters, cijfers, _).")
            }
            guard !question.nl.trimmingCharacters(in: .whitespaces).isEmpty, !question.en.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw BiebError.invalid(field, "Give the question in Dutch and in English.", nl: "Geef de vraag in het Nederlands en in het Engels.")
            }
            if question.kind == .scale, ![5, 10].contains(question.scaleMaximum) {
                throw BiebError.invalid(field, "A scale runs from 1 to 5 or from 1 to 10.", nl: "Een schaal loopt van 1 tot 5 of van 1 tot 10.")
            }
            if [.single, .multiple].contains(question.kind) {
                let optionKeys = question.options.map(\.key)
                guard optionKeys.count >= 2, Set(optionKeys).count == optionKeys.count, optionKeys.allSatisfy({ !$0.isEmpty }) else {
                    throw BiebError.invalid(field, "A choice has at least two options, each with its own key.",
                                            nl: "Een keuzevraag heeft ten minste twee opties, elk met een eigen sleutel.")
                }
            }
        }
    }

    /// The answers as they may be stored: each one fits its question (an NPS 0–10, a scale within its range, a
    /// choice among the options, open text trimmed and at most `maximumText` characters); a required question
    /// answered; answers to questions the survey does not have refused. Throws the first problem on `q_<key>`.
    public static func check(_ answers: [String: SurveyAnswer], to questions: [SurveyQuestion]) throws(BiebError) -> [String: SurveyAnswer] {
        let byKey = Dictionary(uniqueKeysWithValues: questions.map { ($0.key, $0) })
        for key in answers.keys.sorted() where byKey[key] == nil {
            throw BiebError.invalid("q_\(key)", "This survey has no such question.", nl: "Deze enquête heeft zo'n vraag niet.")
        }
        var kept: [String: SurveyAnswer] = [:]
        for question in questions {
            let field = "q_\(question.key)"
            guard let answer = answers[question.key], !isEmpty(answer) else {
                if question.required { throw BiebError.invalid(field, "Please answer this question.", nl: "Beantwoord deze vraag alstublieft.") }
                continue
            }
            switch (question.kind, answer) {
            case (.nps, .number(let value)), (.scale, .number(let value)):
                guard let range = question.range, range.contains(value) else {
                    throw BiebError.invalid(field, "Choose a value on the scale.", nl: "Kies een waarde op de schaal.")
                }
                kept[question.key] = answer
            case (.single, .choice(let option)):
                guard question.options.contains(where: { $0.key == option }) else {
                    throw BiebError.invalid(field, "Choose one of the options.", nl: "Kies een van de opties.")
                }
                kept[question.key] = answer
            case (.multiple, .choices(let chosen)):
                guard chosen.allSatisfy({ option in question.options.contains { $0.key == option } }) else {
                    throw BiebError.invalid(field, "Choose among the options.", nl: "Kies uit de opties.")
                }
                kept[question.key] = .choices(question.options.map(\.key).filter(chosen.contains))
            case (.text, .text(let text)):
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard trimmed.count <= maximumText else {
                    throw BiebError.invalid(field, "An answer has at most \(maximumText) characters.", nl: "Een antwoord heeft hoogstens \(maximumText) tekens.")
                }
                kept[question.key] = .text(trimmed)
            default:
                throw BiebError.invalid(field, "This answer does not fit the question.", nl: "Dit antwoord past niet bij de vraag.")
            }
        }
        return kept
    }

    static func isEmpty(_ answer: SurveyAnswer) -> Bool {
        switch answer {
        case .number: false
        case .choice(let option): option.isEmpty
        case .choices(let options): options.isEmpty
        case .text(let text): text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
    }
}

/// The library's standard questions, worded the same in every survey so
/// waves and branches compare: recommendation (NPS) and satisfaction with
/// the collection, the opening hours, the staff, the study places and the
/// activities (1–5, "very dissatisfied" to "very satisfied").
public enum StandardQuestions {
    static let satisfied = (low: (nl: "Zeer ontevreden", en: "Very dissatisfied"), high: (nl: "Zeer tevreden", en: "Very satisfied"))

    static func satisfaction(_ key: String, nl: String, en: String) -> SurveyQuestion {
        SurveyQuestion(key: key, kind: .scale, nl: nl, en: en, scaleMaximum: 5, low: satisfied.low, high: satisfied.high)
    }

    public static let all: [SurveyQuestion] = [
        SurveyQuestion(key: "nps", kind: .nps, nl: "Hoe waarschijnlijk is het dat u de bibliotheek aanbeveelt bij vrienden of familie?",
                       en: "How likely is it that you would recommend the library to a friend or relative?", required: true,
                       low: ("Zeer onwaarschijnlijk", "Not at all likely"), high: ("Zeer waarschijnlijk", "Extremely likely")),
        satisfaction("satisfaction_collection", nl: "Hoe tevreden bent u over de collectie?", en: "How satisfied are you with the collection?"),
        satisfaction("satisfaction_hours", nl: "Hoe tevreden bent u over de openingstijden?", en: "How satisfied are you with the opening hours?"),
        satisfaction("satisfaction_staff", nl: "Hoe tevreden bent u over de medewerkers?", en: "How satisfied are you with the staff?"),
        satisfaction("satisfaction_study_places", nl: "Hoe tevreden bent u over de studieplekken?", en: "How satisfied are you with the study places?"),
        satisfaction("satisfaction_activities", nl: "Hoe tevreden bent u over de activiteiten?", en: "How satisfied are you with the activities?"),
        SurveyQuestion(key: "learned_something", kind: .single, nl: "Heeft u iets geleerd dat u kunt gebruiken?",
                       en: "Did you learn something you can use?",
                       options: [.init(key: "yes", nl: "Ja", en: "Yes"), .init(key: "a_little", nl: "Een beetje", en: "A little"),
                                 .init(key: "no", nl: "Nee", en: "No")]),
        SurveyQuestion(key: "remarks", kind: .text, nl: "Wilt u nog iets kwijt?", en: "Anything else you would like to tell us?"),
    ]
}
