import Foundation
import Vapor
import BiebCore
import BiebStore

/// The answer page, for anyone with a personal link (`/{org}/enquete/t/{token}`) or at a branch's open link
/// (`/{org}/enquete/{code}`): the questions in the page's language, no sign-in, no JavaScript; a refused answer shows
/// its error next to its question and in a summary, with everything chosen kept.
struct SurveyPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.publicPages().grouped(":org", "enquete")
        pages.get("t", ":token", use: invitationForm)
        pages.post("t", ":token", use: answerInvitation)
        pages.get(":code", use: linkForm)
        pages.post(":code", use: answerLink)
    }

    struct Option: Encodable { let id: String, value: String, label: String, checked: Bool }

    /// A question as the page shows it.
    struct Question: Encodable {
        let field: String
        let kind: String
        let text: String
        let section: String?
        let required: Bool
        let low: String?
        let high: String?
        let options: [Option]
        let value: String
        let error: String?
    }

    struct Context: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let action: String
        let anonymous: Bool
        let mayLink: Bool
        let linkChecked: Bool
        let questions: [Question]
        let errors: FormErrors?
        /// The survey cannot be answered (any more): why.
        let closed: String?
        let thanks: Bool
    }

    static func questions(_ version: Surveys.Version, lang: Language, typed: FormValues, errors: FormErrors?) -> [Question] {
        var lastSection = ""
        return version.questions.map { question in
            let field = "q_\(question.key)"
            let english = lang == .en
            let chosen = typed.values[field] ?? []
            var options: [Option] = []
            if let range = question.range {
                options = range.map { Option(id: "\(field)_\($0)", value: String($0), label: String($0), checked: chosen.contains(String($0))) }
            } else if [.single, .multiple].contains(question.kind) {
                options = question.options.map { Option(id: "\(field)_\($0.key)", value: $0.key, label: english ? $0.en : $0.nl, checked: chosen.contains($0.key)) }
            }
            let section = question.section.isEmpty || question.section == lastSection ? nil : question.section
            lastSection = question.section
            let low = english ? question.lowEN : question.lowNL, high = english ? question.highEN : question.highNL
            return Question(field: field, kind: question.kind.rawValue, text: english ? question.en : question.nl, section: section,
                            required: question.required, low: low.isEmpty ? nil : low, high: high.isEmpty ? nil : high, options: options,
                            value: chosen.first ?? "", error: errors?.fields[field])
        }
    }

    func render(_ req: Request, _ org: Organisation, action: String, questionnaire: ResearchAnswers.Questionnaire?, typed: FormValues = FormValues(),
                error: BiebError? = nil, closed: BiebError? = nil, thanks: Bool = false) async throws -> Response {
        let lang = Language.of(req)
        let version = questionnaire?.version
        let title = version.map { lang == .en ? $0.titleEN : $0.titleNL } ?? Locales.text("survey_title", lang)
        let known = Set(version?.questions.map { "q_\($0.key)" } ?? [])
        let errors = error.map { FormErrors($0, lang: lang, known: known) }
        let response = try await PublicPages().render(req, "research/answer", Context(
            page: PageContext.organisation(req, org, title: title), organisation: org.name, orgURL: "/\(org.slug)", action: action,
            anonymous: version?.anonymous ?? true, mayLink: questionnaire?.mayLink ?? false, linkChecked: typed["link"] == "on",
            questions: version.map { Self.questions($0, lang: lang, typed: typed, errors: errors) } ?? [], errors: errors,
            closed: closed?.message(dutch: lang == .nl), thanks: thanks))
        if let refusal = error ?? closed { response.refused(by: refusal) }
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func invitationForm(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let token = req.parameters.get("token") ?? ""
        let action = "/\(org.slug)/enquete/t/\(token)"
        do {
            return try await render(req, org, action: action, questionnaire: try await SurveyAnswering(req: req, organisation: org).questionnaire(token: token))
        } catch let error as BiebError {
            return try await render(req, org, action: action, questionnaire: nil, closed: error)
        }
    }

    func answerInvitation(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let token = req.parameters.get("token") ?? ""
        let action = "/\(org.slug)/enquete/t/\(token)"
        let answering = SurveyAnswering(req: req, organisation: org)
        let questionnaire: ResearchAnswers.Questionnaire
        do { questionnaire = try await answering.questionnaire(token: token) } catch let error as BiebError {
            return try await render(req, org, action: action, questionnaire: nil, closed: error)
        }
        do {
            try await answering.answer(token: token, try AnswerFields.form(req, questions: questionnaire.version.questions))
            return try await render(req, org, action: action, questionnaire: nil, thanks: true)
        } catch let error as BiebError where error.kind == .invalid || error.kind == .tooManyRequests {
            return try await render(req, org, action: action, questionnaire: questionnaire, typed: FormValues(req), error: error)
        } catch let error as BiebError {
            return try await render(req, org, action: action, questionnaire: nil, closed: error)
        }
    }

    func linkForm(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let code = req.parameters.get("code") ?? ""
        let answering = SurveyAnswering(req: req, organisation: org)
        let action = "/\(org.slug)/enquete/\(code)"
        let response: Response
        do {
            response = try await render(req, org, action: action, questionnaire: try await answering.questionnaire(code: code))
        } catch let error as BiebError {
            return try await render(req, org, action: action, questionnaire: nil, closed: error)
        }
        // The mark is set with the form, so the answer comes with it.
        answering.remember(answering.device, on: response)
        return response
    }

    func answerLink(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let code = req.parameters.get("code") ?? ""
        let action = "/\(org.slug)/enquete/\(code)"
        let answering = SurveyAnswering(req: req, organisation: org)
        let questionnaire: ResearchAnswers.Questionnaire
        do { questionnaire = try await answering.questionnaire(code: code) } catch let error as BiebError {
            return try await render(req, org, action: action, questionnaire: nil, closed: error)
        }
        let device = answering.device
        do {
            try await answering.answer(code: code, device: device.value, try AnswerFields.form(req, questions: questionnaire.version.questions))
            let response = try await render(req, org, action: action, questionnaire: nil, thanks: true)
            answering.remember(device, on: response)
            return response
        } catch let error as BiebError where error.kind == .invalid || error.kind == .tooManyRequests {
            return try await render(req, org, action: action, questionnaire: questionnaire, typed: FormValues(req), error: error)
        } catch let error as BiebError {
            return try await render(req, org, action: action, questionnaire: nil, closed: error)
        }
    }
}
