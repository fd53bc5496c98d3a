import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What a survey's answers say: per question its distribution (and the NPS
/// with its parts, n and 95 % interval), comparisons between waves,
/// branches, activity kinds and core functions (groups under five
/// answers show nothing but "<5"), answers per day, and the words of the open
/// answers staff approved. Worked out by the database: counts grouped by the
/// breakdowns and the value, a few thousand rows for tens of thousands of answers.
public struct ResearchResults: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// Which answers: a survey's (all its versions), optionally one wave, branch, channel or period.
    public struct Scope: Sendable, Equatable {
        public var survey: Int
        public var wave: Int?
        public var branch: UUID?
        public var channel: ResearchChannel?
        public var from: LocalDate?
        public var through: LocalDate?
        public init(survey: Int, wave: Int? = nil, branch: UUID? = nil, channel: ResearchChannel? = nil, from: LocalDate? = nil, through: LocalDate? = nil) {
            (self.survey, self.wave, self.branch, self.channel, self.from, self.through) = (survey, wave, branch, channel, from, through)
        }
    }

    public struct QuestionResult: Sendable, Equatable {
        public let question: SurveyQuestion
        public let answered: Int
        /// Answers per value on the scale or per option, in the question's order (all values, also those nobody chose).
        public let counts: [Count]
        public let mean: Double?
        /// For an NPS question.
        public let nps: NetPromoterScore?
        public struct Count: Sendable, Equatable { public let value: String, count: Int }
    }

    /// The breakdowns results compare.
    public enum Dimension: String, Sendable, CaseIterable { case wave, branch, activityKind = "activity_kind", coreFunction = "core_function" }

    public struct Report: Sendable, Equatable {
        public let answers: Int
        public let questions: [QuestionResult]
        public let groups: [Dimension: [ResearchGroup]]
        public let perDay: [Day]
        /// The words of approved open answers, with how many answers use each.
        public let words: [Word]
        public let approvedTexts: Int
        public struct Day: Sendable, Equatable { public let day: LocalDate, answers: Int }
        public struct Word: Sendable, Equatable { public let word: String, answers: Int }
    }

    func filter(_ scope: Scope) -> SQLQueryString {
        var where_: SQLQueryString = """
             r.organisation_id = \(bind: organisationID)
              AND r.version_id IN (SELECT id FROM research_survey_versions WHERE survey_id = \(bind: scope.survey))
            """
        if let wave = scope.wave { where_ += " AND r.wave_id = \(bind: wave)" }
        if let branch = scope.branch { where_ += " AND r.branch_id = \(bind: branch)" }
        if let channel = scope.channel { where_ += " AND r.channel = \(bind: channel.rawValue)" }
        if let from = scope.from { where_ += " AND r.answered_on >= \(bind: from.iso)" }
        if let through = scope.through { where_ += " AND r.answered_on <= \(bind: through.iso)" }
        return where_
    }

    /// The questions answers may have: the newest version's, then those only older versions asked.
    public func questions(survey: Int) async throws -> [SurveyQuestion] {
        var seen: Set<String> = [], result: [SurveyQuestion] = []
        for version in try await Surveys(db, organisationID: organisationID).versions(of: survey) where version.status != .draft {
            for question in version.questions where seen.insert(question.key).inserted { result.append(question) }
        }
        return result
    }

    static func key(_ dimension: Dimension, _ row: any SQLRow) throws -> String? {
        switch dimension {
        case .wave: try row.decode(column: "wave_id", as: Int?.self).map(String.init)
        case .branch: try row.decode(column: "branch_id", as: UUID?.self)?.uuidString.lowercased()
        case .activityKind: try row.decode(column: "activity_kind", as: String?.self)
        case .coreFunction: try row.decode(column: "core_function", as: String?.self)
        }
    }

    public func report(_ scope: Scope) async throws -> Report {
        let questions = try await questions(survey: scope.survey)
        let byKey = Dictionary(uniqueKeysWithValues: questions.map { ($0.key, $0) })
        let filter = filter(scope)
        let groupColumns = "r.wave_id, r.branch_id, r.activity_kind, r.core_function"
        // Answers per breakdown and day.
        var perDay: [String: Int] = [:], total = 0
        var groupAnswers: [Dimension: [String: Int]] = [:]
        for row in try await sql.raw("""
            SELECT \(unsafeRaw: groupColumns), r.answered_on, COUNT(*) AS n FROM research_responses r WHERE
            """ + filter + " GROUP BY \(unsafeRaw: groupColumns), r.answered_on").all() {
            let n = try row.decode(column: "n", as: Int.self)
            total += n
            perDay[try row.decode(column: "answered_on", as: String.self), default: 0] += n
            for dimension in Dimension.allCases {
                if let key = try Self.key(dimension, row) { groupAnswers[dimension, default: [:]][key, default: 0] += n }
            }
        }
        // Values per breakdown.
        var counts: [String: [String: Int]] = [:]
        var npsAnswers: [Dimension: [String: [Int]]] = [:]
        var sums: [Dimension: [String: [String: (sum: Int, n: Int)]]] = [:]
        var npsAll: [Int] = []
        for row in try await sql.raw("""
            SELECT \(unsafeRaw: groupColumns), v.question_key, v.number, v.choice, COUNT(*) AS n
            FROM research_values v JOIN research_responses r ON r.id = v.response_id WHERE
            """ + filter + " GROUP BY \(unsafeRaw: groupColumns), v.question_key, v.number, v.choice").all() {
            let key = try row.decode(column: "question_key", as: String.self), n = try row.decode(column: "n", as: Int.self)
            guard let question = byKey[key] else { continue }
            let number = try row.decode(column: "number", as: Int?.self)
            let choice = try row.decode(column: "choice", as: String?.self)
            let value = number.map(String.init) ?? choice ?? ""
            counts[key, default: [:]][value, default: 0] += n
            guard let number else { continue }
            if question.kind == .nps {
                npsAll += Array(repeating: number, count: n)
                for dimension in Dimension.allCases {
                    if let group = try Self.key(dimension, row) { npsAnswers[dimension, default: [:]][group, default: []] += Array(repeating: number, count: n) }
                }
            } else if question.kind == .scale {
                for dimension in Dimension.allCases {
                    if let group = try Self.key(dimension, row) {
                        let old = sums[dimension]?[group]?[key] ?? (0, 0)
                        sums[dimension, default: [:]][group, default: [:]][key] = (old.sum + number * n, old.n + n)
                    }
                }
            }
        }
        // A multiple-choice question: the answers that chose anything (each option counts apart).
        var answeredMultiple: [String: Int] = [:]
        let multiple = questions.filter { $0.kind == .multiple }.map(\.key)
        if !multiple.isEmpty {
            for row in try await sql.raw("""
                SELECT v.question_key, COUNT(DISTINCT v.response_id) AS n FROM research_values v JOIN research_responses r ON r.id = v.response_id
                WHERE v.question_key IN \(SQLBind.group(multiple)) AND
                """ + filter + " GROUP BY v.question_key").all() {
                answeredMultiple[try row.decode(column: "question_key", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
        }
        let results = questions.map { question -> QuestionResult in
            let found = counts[question.key] ?? [:]
            let values: [String] = question.range.map { $0.map(String.init) } ?? question.options.map(\.key)
            let answered = question.kind == .multiple ? (answeredMultiple[question.key] ?? 0) : found.values.reduce(0, +)
            let numbers = found.compactMap { key, n in Int(key).map { (value: $0, n: n) } }
            let mean = question.kind == .scale && answered > 0
                ? Double(numbers.reduce(0) { $0 + $1.value * $1.n }) / Double(answered) : nil
            return QuestionResult(question: question, answered: answered, counts: values.map { .init(value: $0, count: found[$0] ?? 0) },
                                  mean: mean, nps: question.kind == .nps ? NetPromoterScore(answers: npsAll) : nil)
        }
        var groups: [Dimension: [ResearchGroup]] = [:]
        for dimension in Dimension.allCases {
            groups[dimension] = (groupAnswers[dimension] ?? [:]).sorted { $0.key < $1.key }.map { key, answers in
                let means = (sums[dimension]?[key] ?? [:]).mapValues { Double($0.sum) / Double(max(1, $0.n)) }
                return ResearchGroup(key: key, answers: answers, nps: npsAnswers[dimension]?[key].map(NetPromoterScore.init(answers:)), means: means)
            }
        }
        let texts = try await sql.raw("""
            SELECT o.text FROM research_open_answers o JOIN research_responses r ON r.id = o.response_id WHERE o.status = 'approved' AND
            """ + filter).all().map { try $0.decode(column: "text", as: String.self) }
        return Report(answers: total, questions: results, groups: groups,
                      perDay: perDay.compactMap { key, n in LocalDate(iso: key).map { Report.Day(day: $0, answers: n) } }.sorted { $0.day < $1.day },
                      words: WordFrequency.top(texts).map { Report.Word(word: $0.word, answers: $0.answers) }, approvedTexts: texts.count)
    }

    // MARK: The answers, one by one

    /// An answer as an export gives it: its facts, its day, the member only when linked by consent, and per question
    /// the value (options joined by ";", open text only once approved).
    public struct AnswerRow: Sendable, Equatable {
        public let waveID: Int?
        public let channel: String
        public let branchID: UUID?
        public let activityKind: String?
        public let coreFunction: String?
        public let theme: String?
        public let answeredOn: String
        public let memberID: UUID?
        public var values: [String: String]
    }

    public func rows(_ scope: Scope) async throws -> [AnswerRow] {
        let filter = filter(scope)
        var rows: [Int: AnswerRow] = [:], order: [Int] = []
        for row in try await sql.raw("""
            SELECT r.id, r.wave_id, r.channel, r.branch_id, r.activity_kind, r.core_function, r.theme, r.answered_on, r.member_id
            FROM research_responses r WHERE
            """ + filter + " ORDER BY r.answered_on, r.id").all() {
            let id = try row.decode(column: "id", as: Int.self)
            order.append(id)
            rows[id] = AnswerRow(waveID: try row.decode(column: "wave_id", as: Int?.self), channel: try row.decode(column: "channel", as: String.self),
                                 branchID: try row.decode(column: "branch_id", as: UUID?.self),
                                 activityKind: try row.decode(column: "activity_kind", as: String?.self),
                                 coreFunction: try row.decode(column: "core_function", as: String?.self), theme: try row.decode(column: "theme", as: String?.self),
                                 answeredOn: try row.decode(column: "answered_on", as: String.self), memberID: try row.decode(column: "member_id", as: UUID?.self),
                                 values: [:])
        }
        for row in try await sql.raw("""
            SELECT v.response_id, v.question_key, v.number, v.choice FROM research_values v JOIN research_responses r ON r.id = v.response_id WHERE
            """ + filter + " ORDER BY v.response_id").all() {
            let id = try row.decode(column: "response_id", as: Int.self), key = try row.decode(column: "question_key", as: String.self)
            let value = try row.decode(column: "number", as: Int?.self).map(String.init) ?? (try row.decode(column: "choice", as: String?.self) ?? "")
            let old = rows[id]?.values[key]
            rows[id]?.values[key] = old.map { $0 + ";" + value } ?? value
        }
        for row in try await sql.raw("""
            SELECT o.response_id, o.question_key, o.text FROM research_open_answers o JOIN research_responses r ON r.id = o.response_id
            WHERE o.status = 'approved' AND
            """ + filter).all() {
            rows[try row.decode(column: "response_id", as: Int.self)]?.values[try row.decode(column: "question_key", as: String.self)]
                = try row.decode(column: "text", as: String.self)
        }
        return order.compactMap { rows[$0] }
    }

    // MARK: The effect measurement

    /// A research figure over the 365 days up to and including `day`, for a branch or the organisation.
    public func reading(_ measure: ResearchMeasure, on day: LocalDate, branch: UUID?) async throws -> IndicatorReading {
        var query: SQLQueryString = """
            SELECT v.number, v.choice, COUNT(*) AS n FROM research_values v JOIN research_responses r ON r.id = v.response_id
            WHERE r.organisation_id = \(bind: organisationID) AND r.answered_on >= \(bind: day.adding(days: -364).iso)
              AND r.answered_on <= \(bind: day.iso) AND v.question_key = \(bind: measure == .nps ? "nps" : "learned_something")
            """
        if let branch { query += " AND r.branch_id = \(bind: branch)" }
        if measure == .learnedSomething { query += " AND r.channel = \(bind: ResearchChannel.activity.rawValue)" }
        let rows = try await sql.raw(query + " GROUP BY v.number, v.choice").all()
        var numbers: [Int] = [], yes = 0, all = 0
        for row in rows {
            let n = try row.decode(column: "n", as: Int.self)
            if let number = try row.decode(column: "number", as: Int?.self) { numbers += Array(repeating: number, count: n) }
            if let choice = try row.decode(column: "choice", as: String?.self) {
                all += n
                if choice == "yes" || choice == "a_little" { yes += n }
            }
        }
        switch measure {
        case .nps:
            let nps = NetPromoterScore(answers: numbers)
            return IndicatorReading(value: nps.score, numerator: nps.promoters, denominator: nps.n)
        case .learnedSomething:
            return IndicatorReading(value: all < SmallCells.threshold ? nil : Double(yes) / Double(all), numerator: yes, denominator: all)
        }
    }
}
