import Foundation
import Vapor
import BiebCore
import BiebStore

/// Customer research as the API gives it. Counts broken down by anything (a value, a group, a day, a word, a
/// quota cell's answers) leave as text, "<5" under five (`SmallCells`); an answer never carries who gave it.
enum ResearchDTO {
    struct Version: Content {
        let id: Int
        let number: Int
        let status: Surveys.Status
        let title_nl: String
        let title_en: String
        let anonymous: Bool
        let questions: [QuestionFields]
        let published_at: Date?
        init(_ version: Surveys.Version) {
            (id, number, status, title_nl, title_en, anonymous) = (version.id, version.number, version.status, version.titleNL, version.titleEN, version.anonymous)
            questions = version.questions.map(QuestionFields.init)
            published_at = version.publishedAt
        }
    }

    struct Survey: Content {
        let id: Int
        let slug: String
        /// Newest first.
        let versions: [Version]
    }

    struct Cell: Content {
        let cell: String
        let age_band: String?
        let branch: String?
        let invited: Int
        let answered: String
        let share: Double?
    }

    struct Wave: Content {
        let id: Int
        let survey_id: Int
        let version_id: Int
        let channel: ResearchChannel
        let name: String
        let branch: String?
        let activity_id: UUID?
        let series_id: Int?
        /// A branch wave's open link.
        let link: String?
        let size: Int
        let reminder_days: Int
        let open_days: Int
        let status: ResearchFieldwork.WaveStatus
        let created_at: Date
        let invited: Int
        let answered: Int
        let cells: [Cell]

        init(_ wave: ResearchFieldwork.Wave, rates: ResearchFieldwork.Rates, service: ResearchService) {
            (id, survey_id, version_id, channel, name) = (wave.id, wave.surveyID, wave.versionID, wave.channel, wave.name)
            branch = service.branches.first { $0.id == wave.branchID }?.slug
            (activity_id, series_id) = (wave.activityID, wave.seriesID)
            link = wave.linkCode.map { ResearchService.branchLink(base: service.baseURL, organisation: service.organisation, code: $0) }
            (size, reminder_days, open_days, status, created_at) = (wave.size, wave.reminderDays, wave.openDays, wave.status, wave.createdAt)
            (invited, answered) = (rates.total.invited, rates.total.answered)
            cells = rates.cells.sorted { $0.key < $1.key }.map { key, rate in
                let parts: (ageBand: String?, branch: UUID?) = wave.channel == .panel ? PanelRules.parts(ofCell: key) : (nil, nil)
                return Cell(cell: key, age_band: parts.ageBand, branch: service.branches.first { $0.id == parts.branch }?.slug, invited: rate.invited,
                            answered: SmallCells.text(rate.answered), share: rate.answered >= SmallCells.threshold ? rate.share : nil)
            }
        }
    }

    struct NPS: Content {
        let score: Double?
        let low: Double?
        let high: Double?
        let promoters: String
        let passives: String
        let detractors: String
        let n: Int
        init?(_ nps: NetPromoterScore?) {
            guard let nps else { return nil }
            (score, low, high) = (nps.score, nps.interval?.lowerBound, nps.interval?.upperBound)
            (promoters, passives, detractors, n) = (SmallCells.text(nps.promoters), SmallCells.text(nps.passives), SmallCells.text(nps.detractors), nps.n)
        }
    }

    struct Count: Content { let value: String, count: String }

    struct Question: Content {
        let key: String
        let kind: QuestionKind
        let nl: String
        let en: String
        let answered: Int
        let counts: [Count]
        let mean: Double?
        let nps: NPS?
    }

    struct Group: Content {
        let key: String
        let label: String
        let answers: String
        let nps: NPS?
        let means: [String: Double]
    }

    struct Day: Content { let day: String, answers: String }
    struct Word: Content { let word: String, answers: String }

    struct Results: Content {
        let survey_id: Int
        let answers: Int
        let questions: [Question]
        let groups: [String: [Group]]
        let per_day: [Day]
        let words: [Word]
        let approved_texts: Int
    }

    struct OpenAnswer: Content {
        let id: Int
        let survey_id: Int
        let question_key: String
        let text: String
        let status: ResearchAnswers.Moderation
        let answered_on: String
        init(_ answer: ResearchAnswers.OpenAnswer) {
            (id, survey_id, question_key, text, status, answered_on) = (answer.id, answer.surveyID, answer.questionKey, answer.text, answer.status,
                                                                       answer.answeredOn.iso)
        }
    }

    struct Settings: Content {
        let retention_months: Int
        let reminder_days: Int
        let open_days: Int
        init(_ settings: ResearchFieldwork.Settings) {
            (retention_months, reminder_days, open_days) = (settings.retentionMonths, settings.reminderDays, settings.openDays)
        }
    }

    struct PanelCell: Content { let age_band: String?, branch: String?, members: String }
    struct Panel: Content { let members: Int, cells: [PanelCell] }

    /// A survey as the person answering it gets it (the API for answering).
    struct Questionnaire: Content {
        let title_nl: String
        let title_en: String
        let anonymous: Bool
        let may_link: Bool
        let questions: [QuestionFields]
        init(_ questionnaire: ResearchAnswers.Questionnaire) {
            (title_nl, title_en, anonymous, may_link) = (questionnaire.version.titleNL, questionnaire.version.titleEN, questionnaire.version.anonymous,
                                                         questionnaire.mayLink)
            questions = questionnaire.version.questions.map(QuestionFields.init)
        }
    }
}

extension ResearchService {
    func survey(_ id: Int) async throws -> ResearchDTO.Survey {
        let versions = try await surveys.versions(of: id)
        guard !versions.isEmpty, let summary = try await surveys.all().first(where: { $0.id == id }) else {
            throw BiebError.notFound("survey", nl: "Enquête niet gevonden.")
        }
        return ResearchDTO.Survey(id: id, slug: summary.slug, versions: versions.map(ResearchDTO.Version.init))
    }

    func waveDTO(_ id: Int) async throws -> ResearchDTO.Wave {
        ResearchDTO.Wave(try await fieldwork.wave(id), rates: try await fieldwork.rates(wave: id), service: self)
    }

    /// A group's name: a wave's, a branch's, a kind's or core function's in the language asked for, an age band as it is.
    func label(_ dimension: ResearchResults.Dimension, _ key: String, waves: [ResearchFieldwork.Wave], kinds: [ProgrammeTerm], english: Bool) -> String {
        switch dimension {
        case .wave: return waves.first { String($0.id) == key }?.name ?? key
        case .branch: return branches.first { $0.id.uuidString.lowercased() == key }?.name ?? key
        case .coreFunction: return CoreFunction(rawValue: key).map { english ? $0.nameEN : $0.nameNL } ?? key
        case .activityKind: return kinds.first { $0.code == key }?.name(english: english) ?? key
        }
    }

    /// The results as the API gives them; `report` when the caller worked it out already (the results page).
    func resultsDTO(_ scope: ResearchResults.Scope, english: Bool, report given: ResearchResults.Report? = nil) async throws -> ResearchDTO.Results {
        _ = try await survey(scope.survey)
        let report: ResearchResults.Report
        if let given { report = given } else { report = try await results.report(scope) }
        let waves = try await fieldwork.waves(survey: scope.survey)
        let kinds = try await Programme(db, organisationID: organisationID, timeZone: organisation.zone).terms(.kind)
        var groups: [String: [ResearchDTO.Group]] = [:]
        for (dimension, list) in report.groups {
            groups[dimension.rawValue] = list.map {
                .init(key: $0.key, label: label(dimension, $0.key, waves: waves, kinds: kinds, english: english), answers: $0.answersText, nps: ResearchDTO.NPS($0.nps),
                      means: $0.means)
            }
        }
        return ResearchDTO.Results(
            survey_id: scope.survey, answers: report.answers,
            questions: report.questions.map { result in
                ResearchDTO.Question(key: result.question.key, kind: result.question.kind, nl: result.question.nl, en: result.question.en,
                                     answered: result.answered, counts: result.counts.map { .init(value: $0.value, count: SmallCells.text($0.count)) },
                                     mean: result.answered >= SmallCells.threshold ? result.mean : nil, nps: ResearchDTO.NPS(result.nps))
            },
            groups: groups, per_day: report.perDay.map { .init(day: $0.day.iso, answers: SmallCells.text($0.answers)) },
            words: report.words.map { .init(word: $0.word, answers: SmallCells.text($0.answers)) }, approved_texts: report.approvedTexts)
    }

    func panelDTO() async throws -> ResearchDTO.Panel {
        let cells = try await panel.cells()
        return ResearchDTO.Panel(members: cells.map(\.members).reduce(0, +), cells: cells.map { cell, members in
            let parts = PanelRules.parts(ofCell: cell)
            return ResearchDTO.PanelCell(age_band: parts.ageBand, branch: branches.first { $0.id == parts.branch }?.slug, members: SmallCells.text(members))
        })
    }
}
