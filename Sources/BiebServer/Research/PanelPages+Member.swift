import Foundation
import Vapor
import BiebCore
import BiebStore

/// Joining and leaving the library panel from the member's own account: the page `/{org}/mijn/panel` and the API
/// `/api/v1/my/accounts/{member}/panel`. The choice is the consent `research_panel`, recorded with the words shown
/// (in the member's language) like every consent; only the member themself decides (not a guardian for a child).
struct PanelPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let mine = routes.memberPages()
        mine.get("panel", use: page)
        mine.post("panel", use: save)
        let api = routes.grouped("api", "v1", "my").grouped(MemberBearerAuthenticator()).grouped("accounts", ":member")
        api.get("panel", use: state)
        api.put("panel", use: choose)
    }

    struct Body: Encodable {
        let member: Bool
        let since: String?
        let words: String
        let profile: [String]
        let history: [MemberPortalPages.HistoryRow]
    }

    func page(req: Request) async throws -> Response { try await render(req, error: nil) }

    func render(_ req: Request, error: BiebError?) async throws -> Response {
        let (org, service, account) = try await MemberPageFrame().setUp(req)
        let lang = Language.of(req)
        let state = try await service.panel(account: account)
        let formats = Formats(lang: lang, timeZone: org.zone)
        let profile = state.profile.map { profile in
            [Locales.text("panel_profile_age", lang, ["band": profile.ageBand ?? "?"]),
             Locales.text("panel_profile_branch", lang, ["branch": service.branches.first { $0.id == profile.branchID }?.name ?? "?"]),
             Locales.text("panel_profile_area", lang, ["area": profile.area ?? "?"])]
        } ?? []
        let body = Body(member: state.profile != nil, since: state.profile.map { formats.dateWithYear($0.joinedOn) },
                        words: MemberAccountService.consentText(.researchPanel, dutch: lang == .nl), profile: profile,
                        history: state.history.map { record in
                            MemberPortalPages.HistoryRow(when: formats.dateWithYear(LocalDate(record.at, in: org.zone)) + " " + formats.time(record.at),
                                                         what: Locales.text(record.granted ? "panel_joined" : "panel_left", lang), text: record.text)
                        })
        return try await MemberPageFrame().render(req, "portal/panel", title: Locales.text("panel_title", lang), org: org, service: service,
                                                  account: account, body: body,
                                                  errors: error.map { FormErrors($0, lang: lang, known: ["research_panel"]) },
                                                  status: error?.httpStatus ?? .ok)
    }

    func save(req: Request) async throws -> Response {
        let (org, service, account) = try await MemberPageFrame().setUp(req)
        let join = (try? req.content.get(String.self, at: "research_panel")) == "on"
        do {
            try await service.setPanel(account: account, join: join, source: "portal", dutch: Language.of(req) == .nl)
            return MemberPageFrame().back(req, org, "/panel", account, service, Locales.text(join ? "panel_joined_done" : "panel_left_done", Language.of(req)))
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, error: error)
        }
    }

    struct StateDTO: Content {
        let member: Bool
        let joined_on: String?
        let age_band: String?
        let branch: String?
        let area: String?
        /// The words a choice now is recorded with (the member's language).
        let words: String
    }

    struct Choice: Content { var member: Bool? }

    func stateDTO(_ service: MemberAccountService, _ account: UUID) async throws -> StateDTO {
        let state = try await service.panel(account: account)
        let member = try await service.record(account)
        return StateDTO(member: state.profile != nil, joined_on: state.profile?.joinedOn.iso, age_band: state.profile?.ageBand,
                        branch: service.branches.first { $0.id == state.profile?.branchID }?.slug, area: state.profile?.area,
                        words: MemberAccountService.consentText(.researchPanel, dutch: member.language != "en"))
    }

    func state(req: Request) async throws -> StateDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        return try await stateDTO(service, account)
    }

    func choose(req: Request) async throws -> StateDTO {
        let (service, account) = try await MemberAccountService.authorized(req)
        guard let join = try req.content.decode(Choice.self).member else {
            throw BiebError.invalid("member", "Join (true) or leave (false).", nl: "Doe mee (true) of stop (false).")
        }
        let member = try await service.record(account)
        try await service.setPanel(account: account, join: join, source: "api", dutch: member.language != "en")
        return try await stateDTO(service, account)
    }
}

extension MemberAccountService {
    struct PanelState {
        let profile: ResearchPanel.Profile?
        let history: [ConsentRecord]
    }

    /// The member's panel profile and their choices about the panel, newest first; only for their own account.
    func panel(account: UUID) async throws -> PanelState {
        try await ownAccount(account)
        return PanelState(profile: try await ResearchPanel(req.db, organisationID: organisation.id!).profile(member: account),
                          history: try await Consents(req.db, organisationID: organisation.id!).history(member: account).filter { $0.purpose == .researchPanel })
    }

    /// Joins or leaves the panel: the consent with the words shown (under 16 refused on `research_panel`).
    func setPanel(account: UUID, join: Bool, source: String, dutch: Bool) async throws {
        try await ownAccount(account)
        try await Consents(req.db, organisationID: organisation.id!)
            .record(member: account, .researchPanel, granted: join, text: Self.consentText(.researchPanel, dutch: dutch), source: source, at: now)
    }

    /// Taking part in research is the member's own choice: a guardian cannot decide it for a child.
    func ownAccount(_ account: UUID) async throws {
        try await authorize(account)
        guard account == signedIn.id else {
            throw BiebError(.forbidden, code: "own_choice", message: "Only the member themself can join the panel.",
                            nl: "Alleen het lid zelf kan meedoen met het panel.")
        }
    }
}
