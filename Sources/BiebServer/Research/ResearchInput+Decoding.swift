import Foundation
import Vapor
import BiebCore
import BiebStore

/// A question as the API gives and takes it (snake_case), and as the survey form builds it.
struct QuestionFields: Content, Equatable {
    var key: String
    var kind: QuestionKind
    var nl: String
    var en: String
    var section: String?
    var required: Bool?
    var scale_maximum: Int?
    var low_nl: String?, low_en: String?, high_nl: String?, high_en: String?
    var options: [OptionFields]?

    struct OptionFields: Content, Equatable { var key: String, nl: String, en: String }

    init(_ question: SurveyQuestion) {
        (key, kind, nl, en, section, required) = (question.key, question.kind, question.nl, question.en, question.section, question.required)
        scale_maximum = question.kind == .scale ? question.scaleMaximum : nil
        (low_nl, low_en, high_nl, high_en) = (question.lowNL, question.lowEN, question.highNL, question.highEN)
        options = question.options.isEmpty ? nil : question.options.map { .init(key: $0.key, nl: $0.nl, en: $0.en) }
    }

    var question: SurveyQuestion {
        SurveyQuestion(key: key.trimmed, kind: kind, nl: nl.trimmed, en: en.trimmed, section: section?.trimmed ?? "", required: required ?? false,
                       scaleMaximum: scale_maximum ?? 5, low: (low_nl ?? "", low_en ?? ""), high: (high_nl ?? "", high_en ?? ""),
                       options: (options ?? []).map { .init(key: $0.key.trimmed, nl: $0.nl.trimmed, en: $0.en.trimmed) })
    }
}

/// A survey version's content — the one decoding of the API's JSON and the survey form: titles, anonymous (the
/// default) or linked by consent, the standard questions by key (in the library's order), then its own questions.
struct SurveyFields: Content {
    var slug: String?
    var title_nl: String?
    var title_en: String?
    var anonymous: Bool?
    var standard: [String]?
    var questions: [QuestionFields]?

    func draft() throws -> Surveys.Draft {
        let standard = standard ?? []
        for key in standard where !StandardQuestions.all.contains(where: { $0.key == key }) {
            throw BiebError.invalid("standard", "There is no standard question \(key).", nl: "Er is geen standaardvraag \(key).")
        }
        let chosen = StandardQuestions.all.filter { standard.contains($0.key) }
        return Surveys.Draft(titleNL: title_nl ?? "", titleEN: title_en ?? "", anonymous: anonymous ?? true,
                             questions: chosen + (questions ?? []).map(\.question))
    }

    /// The survey form: its boxes and rows turned into the API's fields. Own questions are rows `own_N_…` (N from
    /// 1): a kind, the question in both languages, and for a choice its options, one a line as "Nederlands | English".
    static func form(_ req: Request) throws -> SurveyFields {
        let values = FormValues(req)
        var own: [QuestionFields] = []
        for n in 1...ResearchForms.ownRows {
            let nl = values["own_\(n)_nl"]?.trimmed ?? "", en = values["own_\(n)_en"]?.trimmed ?? ""
            guard !nl.isEmpty || !en.isEmpty else { continue }
            let kind = QuestionKind(rawValue: values["own_\(n)_kind"] ?? "") ?? .text
            let lines = (values["own_\(n)_options"] ?? "").split(whereSeparator: \.isNewline).map { String($0).trimmed }.filter { !$0.isEmpty }
            let options = lines.enumerated().map { index, line in
                let parts = line.split(separator: "|", maxSplits: 1).map { String($0).trimmed }
                return QuestionFields.OptionFields(key: "o\(index + 1)", nl: parts[0], en: parts.count > 1 ? parts[1] : parts[0])
            }
            var question = QuestionFields(SurveyQuestion(key: "own_\(n)", kind: kind, nl: nl, en: en,
                                                         required: values["own_\(n)_required"] == "on",
                                                         scaleMaximum: values["own_\(n)_scale"] == "10" ? 10 : 5))
            question.options = [.single, .multiple].contains(kind) ? options : nil
            own.append(question)
        }
        return SurveyFields(slug: values["slug"], title_nl: values["title_nl"], title_en: values["title_en"],
                            anonymous: values["anonymous"] == "on", standard: (values.values["standard"] ?? []), questions: own)
    }
}

/// A new wave — the one decoding of the API's JSON and the wave forms: the channel and what it needs.
struct WaveFields: Content {
    var version_id: Int?
    var channel: ResearchChannel?
    var name: String?
    /// A panel wave: how many to invite, and the draw's seed (random when left out).
    var size: Int?
    var seed: UInt64?
    /// After an activity: the activity, or the series.
    var activity_id: UUID?
    var series_id: Int?
    /// In a branch: which (by slug or id).
    var branch: String?

    static func form(_ req: Request, version: Int) throws -> WaveFields {
        let values = FormValues(req)
        return WaveFields(version_id: version, channel: ResearchChannel(rawValue: values["channel"] ?? ""), name: values["name"],
                          size: try LooseText.whole(values["size"], field: "size"), seed: nil,
                          activity_id: (values["activity_id"]).flatMap { UUID(uuidString: $0) },
                          series_id: (values["series_id"]).flatMap { Int($0) }, branch: values["branch"])
    }
}

/// The research settings (both the API and the settings form; fields left out stay).
struct ResearchSettingsFields: Content {
    var retention_months: Int?
    var reminder_days: Int?
    var open_days: Int?

    func decoded(current: ResearchFieldwork.Settings) -> ResearchFieldwork.Settings {
        .init(retentionMonths: retention_months ?? current.retentionMonths, reminderDays: reminder_days ?? current.reminderDays,
              openDays: open_days ?? current.openDays)
    }

    static func form(_ req: Request) throws -> ResearchSettingsFields {
        let values = FormValues(req)
        return ResearchSettingsFields(retention_months: try LooseText.whole(values["retention_months"], field: "retention_months"),
                                      reminder_days: try LooseText.whole(values["reminder_days"], field: "reminder_days"),
                                      open_days: try LooseText.whole(values["open_days"], field: "open_days"))
    }
}

/// Answers to a survey: the one decoding of the API's JSON (`{"answers": {"nps": 9, "remarks": "…", "topics": ["a","b"]}, "link": true}`)
/// and the answer form (a field `q_<key>` per question, several for a multiple choice).
struct AnswerFields: Content {
    var answers: [String: AnswerValue]?
    var link: Bool?

    enum AnswerValue: Codable, Equatable {
        case number(Int), text(String), list([String])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .number(number) }
            else if let text = try? container.decode(String.self) { self = .text(text) }
            else { self = .list(try container.decode([String].self)) }
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .number(let n): try container.encode(n)
            case .text(let t): try container.encode(t)
            case .list(let l): try container.encode(l)
            }
        }
    }

    /// The answers as the survey's questions read them (a number for NPS and scales, an option for a single choice).
    func answers(to questions: [SurveyQuestion]) throws -> [String: SurveyAnswer] {
        let byKey = Dictionary(uniqueKeysWithValues: questions.map { ($0.key, $0) })
        var result: [String: SurveyAnswer] = [:]
        for (key, value) in answers ?? [:] {
            guard let question = byKey[key] else {
                throw BiebError.invalid("q_\(key)", "This survey has no such question.", nl: "Deze enquête heeft zo'n vraag niet.")
            }
            switch (question.kind, value) {
            case (.nps, .number(let n)), (.scale, .number(let n)): result[key] = .number(n)
            case (.nps, .text(let t)), (.scale, .text(let t)):
                if t.trimmed.isEmpty { continue }
                guard let n = Int(t.trimmed) else { throw BiebError.invalid("q_\(key)", "Choose a value on the scale.", nl: "Kies een waarde op de schaal.") }
                result[key] = .number(n)
            case (.single, .text(let t)): result[key] = .choice(t)
            case (.multiple, .list(let l)): result[key] = .choices(l)
            case (.multiple, .text(let t)): result[key] = .choices([t])
            case (.text, .text(let t)): result[key] = .text(t)
            default: throw BiebError.invalid("q_\(key)", "This answer does not fit the question.", nl: "Dit antwoord past niet bij de vraag.")
            }
        }
        return result
    }

    static func form(_ req: Request, questions: [SurveyQuestion]) throws -> AnswerFields {
        let values = FormValues(req)
        var answers: [String: AnswerValue] = [:]
        for question in questions {
            let sent = (values.values["q_\(question.key)"] ?? [])
            if question.kind == .multiple { if !sent.isEmpty { answers[question.key] = .list(sent) } }
            else if let first = sent.first, !first.trimmed.isEmpty { answers[question.key] = .text(first) }
        }
        return AnswerFields(answers: answers, link: values["link"] == "on")
    }
}

enum ResearchForms {
    /// Rows for own questions on the survey form.
    static let ownRows = 3
}
