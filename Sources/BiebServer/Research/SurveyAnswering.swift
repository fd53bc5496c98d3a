import Foundation
import Vapor
import BiebCore
import BiebStore

/// Answering a survey without signing in — by a personal link's token or at a branch's open link — the same for
/// the answer page and the public API: rate-limited per client address (and a branch link per link), every send
/// counted (a wrong token too); at a branch link the browser's own random mark (cookie `bieb_enquete`) allows one answer a day.
struct SurveyAnswering {
    let req: Request
    let organisation: Organisation

    static let deviceCookie = "bieb_enquete"

    var answers: ResearchAnswers { ResearchAnswers(req.db, organisationID: organisation.id!) }

    func questionnaire(token: String) async throws -> ResearchAnswers.Questionnaire {
        try await answers.questionnaire(token: token)
    }

    func questionnaire(code: String) async throws -> ResearchAnswers.Questionnaire {
        try await answers.questionnaire(code: code)
    }

    func answer(token: String, _ fields: AnswerFields) async throws {
        // Counted whatever comes of it: a wrong token counts too, so nobody tries tokens by the thousand.
        try await PublicWrites(req).allow(.surveyAnswersPerAddress)
        try await answers.answer(token: token, link: fields.link ?? false, timeZone: organisation.zone, decoding: fields.answers(to:))
    }

    /// The browser's mark: the cookie, or a new one (set on the response by `remember`).
    var device: (value: String, isNew: Bool) {
        if let value = req.cookies[Self.deviceCookie]?.string, value.count >= 16, value.count <= 64 { return (value, false) }
        return (Tokens.generate(), true)
    }

    func remember(_ device: (value: String, isNew: Bool), on response: Response) {
        guard device.isNew else { return }
        // Path "/": the answer page and the API for answering (an app at a kiosk) send it back alike.
        response.cookies[Self.deviceCookie] = HTTPCookies.Value(string: device.value, maxAge: 365 * 86_400, path: "/",
                                                               isSecure: req.bieb.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    func answer(code: String, device: String, _ fields: AnswerFields) async throws {
        let writes = PublicWrites(req)
        try await writes.allow(.branchAnswersPerAddress)
        try await writes.allow(.branchAnswersPerLink, key: "link:" + code)
        try await answers.answer(code: code, device: device, timeZone: organisation.zone, decoding: fields.answers(to:))
    }
}

/// The public API for answering (`/api/v1/organisations/{org}/surveys/…`): the questions, and the answers sent as
/// `{"answers": {"nps": 9, "remarks": "…"}, "link": false}`.
struct SurveyAnswerAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1", "organisations", ":org", "surveys")
        api.get("invitations", ":token", use: invitation)
        api.post("invitations", ":token", use: answerInvitation)
        api.get("links", ":code", use: link)
        api.post("links", ":code", use: answerLink)
    }

    func answering(_ req: Request) async throws -> SurveyAnswering { SurveyAnswering(req: req, organisation: try await req.organisation()) }

    func invitation(req: Request) async throws -> ResearchDTO.Questionnaire {
        ResearchDTO.Questionnaire(try await answering(req).questionnaire(token: req.parameters.get("token") ?? ""))
    }

    func answerInvitation(req: Request) async throws -> HTTPStatus {
        try await answering(req).answer(token: req.parameters.get("token") ?? "", try req.content.decode(AnswerFields.self))
        return .noContent
    }

    func link(req: Request) async throws -> ResearchDTO.Questionnaire {
        ResearchDTO.Questionnaire(try await answering(req).questionnaire(code: req.parameters.get("code") ?? ""))
    }

    func answerLink(req: Request) async throws -> Response {
        let answering = try await answering(req)
        let device = answering.device
        try await answering.answer(code: req.parameters.get("code") ?? "", device: device.value, try req.content.decode(AnswerFields.self))
        let response = Response(status: .noContent)
        answering.remember(device, on: response)
        return response
    }
}
