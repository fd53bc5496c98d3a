import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Issue 22, customer research through the API and the pages: a researcher builds a survey from standard questions,
/// a member joins the panel from their account, a panel wave is invited, answers come in by personal link and at a
/// branch link, staff moderate open answers, and the results, rates and CSV say what they may.
@Suite("Customer research") struct ResearchTests {
    static let pin = "4321"

    struct World {
        let f: CirculationFixture
        let carla: UUID
    }

    static func world(_ app: Application) async throws -> World {
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        let f = try await CirculationFixture.make(on: app, today: today)
        let carla = try await MemberDirectory(app.db, organisationID: f.network.city).register(MemberRegistration(
            details: MemberDraft(name: "Carla Bos", birthDate: "1979-09-09", email: "carla@example.nl", street: "Plein 1", postcode: "2511 CR",
                                 city: "Den Haag"),
            homeBranch: f.network.central, membershipType: "volledig", card: "C0001"), today: today)
        try await SelfServiceStore(app.db, organisationID: f.network.city).setPIN(member: carla.id!, hash: try app.password.hash(pin))
        _ = try await AccountAdmin.create(email: "onderzoek@city.test", name: "Olga Onderzoek", role: .manager, organisation: "city",
                                          branch: nil, password: Fixture.password, app: app)
        return World(f: f, carla: carla.id!)
    }

    static func member(_ app: Application, card: String = "C0001") async throws -> TestClient {
        let client = TestClient(app)
        let response = try await client.send(.POST, "/api/v1/my/token", object: ["organisation": "city", "card": card, "pin": pin])
        client.headers.bearerAuthorization = BearerAuthorization(token: try #require(try object(response)["token"] as? String))
        return client
    }

    /// The one-use link's token in the newest invitation to `address`.
    static func token(_ app: Application, to address: String) async throws -> String {
        let body = try #require(try await app.db.sql.raw("""
            SELECT body_text FROM outbox_messages WHERE kind = 'survey_invitation' AND recipient = \(bind: address) ORDER BY id DESC LIMIT 1
            """).first()?.decode(column: "body_text", as: String.self))
        return String(try #require(body.components(separatedBy: "/enquete/t/").last?.prefix { !$0.isWhitespace }))
    }

    @Test(arguments: TestDatabase.all)
    func aResearcherInvitesThePanelAndABranchAndReadsHonestResults(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            // Desk staff moderate, but do not run research.
            let desk = TestClient(app)
            try await desk.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await desk.send(.GET, "/api/v1/research/surveys").status == .forbidden)
            let api = TestClient(app)
            try await api.signInAPI("onderzoek@city.test", password: Fixture.password)

            // A survey from the standard questions; published, then frozen.
            let keys = StandardQuestions.all.map(\.key)
            #expect(try await api.send(.POST, "/api/v1/research/surveys", object: ["slug": "Panel!", "title_nl": "Panel", "title_en": "Panel",
                                                                                   "standard": keys]).apiError?.field == "slug")
            #expect(try await api.send(.POST, "/api/v1/research/surveys", object: ["slug": "panel", "title_nl": "Panel", "title_en": "Panel",
                                                                                   "standard": ["nps", "colour"]]).apiError?.field == "standard")
            let made = try await api.send(.POST, "/api/v1/research/surveys", object: [
                "slug": "panel-najaar", "title_nl": "Bibliotheekpanel najaar", "title_en": "Library panel autumn", "standard": keys])
            #expect(made.status == .created)
            let survey = try #require(try object(made)["id"] as? Int)
            let version = try #require((try object(made)["versions"] as? [[String: Any]])?.first?["id"] as? Int)
            #expect(try await api.send(.POST, "/api/v1/research/waves", object: ["version_id": version, "channel": "panel", "name": "Te vroeg", "size": 5])
                .apiError?.code == "survey_not_published")
            #expect(try object(try await api.send(.POST, "/api/v1/research/versions/\(version)/publish"))["status"] as? String == "published")
            let listed = try list(try await api.send(.GET, "/api/v1/research/surveys"))
            #expect(listed.map { $0["slug"] as? String } == ["panel-najaar"]
                    && (listed.first?["versions"] as? [[String: Any]])?.first?["status"] as? String == "published")
            #expect(try await api.send(.PUT, "/api/v1/research/versions/\(version)", object: ["title_nl": "x", "title_en": "x", "standard": ["nps"]])
                .apiError?.code == "survey_version_frozen")

            // Carla joins the panel from her account; the profile holds an age band, a branch and an area.
            let carla = try await Self.member(app)
            let joined = try object(try await carla.send(.PUT, "/api/v1/my/accounts/\(w.carla)/panel", object: ["member": true]))
            #expect(joined["member"] as? Bool == true && joined["age_band"] as? String == "45-64" && joined["branch"] as? String == "centrale")
            #expect(joined["area"] as? String == "2511")
            // A guardian cannot sign a child up (here: Carla for the fixture's youth member is not even hers to manage).
            #expect(try await carla.send(.PUT, "/api/v1/my/accounts/\(w.f.youth)/panel", object: ["member": true]).status == .notFound)

            // A panel wave by quota: Carla's cell (45–64 at the central library) gets places.
            let wave = try await api.send(.POST, "/api/v1/research/waves", object: ["version_id": version, "channel": "panel", "name": "Najaar 2026",
                                                                                    "size": 20, "seed": 7])
            #expect(wave.status == .created)
            let waveID = try #require(try object(wave)["id"] as? Int)
            #expect(try object(wave)["invited"] as? Int == 1)
            let token = try await Self.token(app, to: "carla@example.nl")
            let public_ = TestClient(app)
            let questionnaire = try object(try await public_.send(.GET, "/api/v1/organisations/city/surveys/invitations/\(token)"))
            #expect((questionnaire["questions"] as? [[String: Any]])?.count == keys.count && questionnaire["anonymous"] as? Bool == true)
            let path = "/api/v1/organisations/city/surveys/invitations/\(token)"
            #expect(try await public_.send(.POST, path, object: ["answers": ["nps": 11]]).apiError?.field == "q_nps")
            #expect(try await public_.send(.POST, path, object: ["answers": ["satisfaction_staff": 4]]).apiError?.field == "q_nps")
            let answered = try await public_.send(.POST, path, object: ["answers": ["nps": 9, "learned_something": "yes",
                                                                                    "remarks": "Carla Bos: <b>meer studieplekken</b>"]])
            #expect(answered.status == .noContent)
            #expect(try await public_.send(.POST, path, object: ["answers": ["nps": 9]]).apiError?.code == "survey_answered")
            #expect(try await public_.send(.GET, path).apiError?.code == "survey_answered")

            // A branch link: one answer per device a day.
            let link = try object(try await api.send(.POST, "/api/v1/research/waves", object: ["version_id": version, "channel": "branch",
                                                                                               "name": "In Oost", "branch": "oost"]))
            let url = try #require(link["link"] as? String)
            let code = try #require(url.components(separatedBy: "/enquete/").last)
            let linkPath = "/api/v1/organisations/city/surveys/links/\(code)"
            for (i, score) in [10, 9, 8, 3, 10].enumerated() {
                let device = TestClient(app)
                device.headers.replaceOrAdd(name: .cookie, value: "bieb_enquete=device-\(i)-abcdefghijklmnop")
                #expect(try await device.send(.POST, linkPath, object: ["answers": ["nps": score]]).status == .noContent)
                if i == 0 {
                    #expect(try await device.send(.POST, linkPath, object: ["answers": ["nps": score]]).apiError?.code == "survey_answered_today")
                }
            }

            // Results: six answers; the central library's group (one answer) shows nothing but "<5".
            let results = try object(try await api.send(.GET, "/api/v1/research/surveys/\(survey)/results"))
            #expect(results["answers"] as? Int == 6)
            let nps = try #require((results["questions"] as? [[String: Any]])?.first { $0["key"] as? String == "nps" })
            #expect((nps["nps"] as? [String: Any])?["n"] as? Int == 6)
            let branches = try #require((results["groups"] as? [String: Any])?["branch"] as? [[String: Any]])
            let central = try #require(branches.first { $0["label"] as? String == "Centrale Bibliotheek" })
            #expect(central["answers"] as? String == "<5" && central["nps"] == nil)
            let oost = try #require(branches.first { $0["label"] as? String == "Bibliotheek Oost" })
            #expect(oost["answers"] as? String == "5" && (oost["nps"] as? [String: Any])?["score"] as? Double == 40)
            #expect(try await api.send(.GET, "/api/v1/research/surveys/\(survey)/results?from=gisteren").apiError?.field == "from")
            #expect(try await api.send(.GET, "/api/v1/research/surveys/\(survey)/results?channel=branch").status == .ok)
            // Rates: one invited, answered "<5".
            let rates = try object(try await api.send(.GET, "/api/v1/research/waves/\(waveID)"))
            #expect(rates["invited"] as? Int == 1 && (rates["cells"] as? [[String: Any]])?.first?["answered"] as? String == "<5")

            // Open text: nothing until moderated; staff moderate.
            #expect((results["words"] as? [Any])?.isEmpty == true)
            let pending = try list(try await desk.send(.GET, "/api/v1/research/open-answers"))
            #expect(pending.count == 1 && pending.first?["text"] as? String == "Carla Bos: <b>meer studieplekken</b>")
            // Escaped on the moderation page.
            let moderationPage = TestClient(app)
            try await moderationPage.signInPages(Fixture.staff, password: Fixture.password)
            let moderationHTML = try await moderationPage.send(.GET, "/staff/onderzoek/moderatie").body.string
            #expect(moderationHTML.contains("Carla Bos: &lt;b&gt;meer studieplekken&lt;/b&gt;") && !moderationHTML.contains("<b>meer"))
            let answerID = try #require(pending.first?["id"] as? Int)
            #expect(try await desk.send(.PUT, "/api/v1/research/open-answers/\(answerID)", object: ["approve": true]).status == .noContent)
            let words = try object(try await api.send(.GET, "/api/v1/research/surveys/\(survey)/results"))["words"] as? [[String: Any]]
            #expect(words?.contains { $0["word"] as? String == "studieplekken" && $0["answers"] as? String == "<5" } == true)

            // The CSV: six lines, no identifier, no name; the open text as approved.
            let csv = try await api.send(.GET, "/api/v1/research/surveys/\(survey)/answers.csv")
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(csv.status == .ok && lines.count == 7)
            #expect(!csv.body.string.contains(w.carla.uuidString.lowercased()) && !csv.body.string.contains(token))
            #expect(lines.contains { $0.contains("Najaar 2026,panel,Centrale Bibliotheek,") })

            // The pages: the researcher's overview, results (in English too), the round with its link.
            let pages = TestClient(app)
            try await pages.signInPages("onderzoek@city.test", password: Fixture.password)
            let overview = try await pages.send(.GET, "/staff/onderzoek")
            #expect(overview.status == .ok && overview.body.string.contains("Bibliotheekpanel najaar"))
            let english = try await pages.send(.GET, "/staff/onderzoek/\(survey)/resultaten?lang=en")
            #expect(english.status == .ok && english.body.string.contains("Results: Library panel autumn") && english.body.string.contains("<svg"))
            let round = try await pages.send(.GET, "/staff/onderzoek/rondes/\(try #require(link["id"] as? Int))")
            #expect(round.status == .ok && round.body.string.contains(url))
            if LinkQRCode.available {
                let qr = try await pages.send(.GET, "/staff/onderzoek/rondes/\(try #require(link["id"] as? Int))/qr.svg")
                #expect(qr.status == .ok && qr.headers.contentType?.subType == "svg+xml" && qr.body.string.contains("<svg"))
            }
            // The effect measurement reads the NPS of the branch (five answers there).
            let measured = try await IndicatorValues(app.db, organisationID: w.f.network.city)
                .reading(Indicator.named("research_nps")!, on: LocalDate(Date(), in: BranchCalendar.amsterdam), branch: w.f.network.district)
            #expect(measured.value == 40)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theAnswerPageKeepsWhatWasChosenAndTheMemberJoinsThePanelOnTheirPage(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let w = try await Self.world(app)
            let org = w.f.network.city
            let surveys = Surveys(app.db, organisationID: org)
            let made = try await surveys.create(slug: "in-de-vestiging", .init(titleNL: "Uw mening", titleEN: "Your opinion", questions: StandardQuestions.all))
            try await surveys.publish(version: made.version)
            let code = try #require(try await ResearchFieldwork(app.db, organisationID: org).openBranchLink(version: made.version, name: "Centrale",
                                                                                                          branch: w.f.network.central).linkCode)
            let visitor = TestClient(app)
            let form = try await visitor.send(.GET, "/city/enquete/\(code)")
            #expect(form.status == .ok && form.body.string.contains("Hoe waarschijnlijk is het dat u de bibliotheek aanbeveelt"))
            #expect(form.headers.setCookie?["bieb_enquete"] != nil)
            // Without the required recommendation: the error next to its question and in the summary; the choice kept.
            let refused = try await visitor.send(.POST, "/city/enquete/\(code)", form: ["q_satisfaction_staff": "4", "q_remarks": "Prima <script>"])
            #expect(refused.status == .badRequest)
            let html = refused.body.string
            #expect(TestClient.errorSummary(in: html).contains("Beantwoord deze vraag"))
            #expect(html.contains("id=\"q_nps-error\"") && html.contains("id=\"q_satisfaction_staff_4\" name=\"q_satisfaction_staff\" value=\"4\" checked"))
            #expect(html.contains("Prima &lt;script&gt;") && !html.contains("Prima <script>"))
            let thanks = try await visitor.send(.POST, "/city/enquete/\(code)", form: ["q_nps": "8", "q_satisfaction_staff": "4"])
            #expect(thanks.status == .ok && thanks.body.string.contains("Dank je wel"))
            let again = try await visitor.send(.POST, "/city/enquete/\(code)", form: ["q_nps": "8"])
            #expect(again.status == .conflict && again.body.string.contains("vandaag al ingevuld"))
            #expect(try await visitor.send(.GET, "/city/enquete/onbekend").status == .notFound)
            // Trying tokens: every send counts, a wrong one too; the 31st within the hour from one address is refused.
            let guesser = TestClient(app)
            guesser.headers.replaceOrAdd(name: .xForwardedFor, value: "198.51.100.7")
            for n in 0..<30 {
                #expect(try await guesser.send(.POST, "/api/v1/organisations/city/surveys/invitations/gok\(n)", object: ["answers": ["nps": 9]])
                    .status == .notFound)
            }
            let refusedGuess = try await guesser.send(.POST, "/api/v1/organisations/city/surveys/invitations/gok", object: ["answers": ["nps": 9]])
            #expect(refusedGuess.status == .tooManyRequests && refusedGuess.headers.first(name: .retryAfter) != nil)

            // The member's panel page: join with the words shown; leave again.
            let portal = TestClient(app)
            let login = try await portal.send(.GET, "/city/mijn/inloggen")
            _ = try await portal.send(.POST, "/city/mijn/inloggen", form: ["csrf": try #require(TestClient.csrf(in: login.body.string)), "card": "C0001",
                                                                         "pin": Self.pin])
            let page = try await portal.send(.GET, "/city/mijn/panel")
            #expect(page.status == .ok && page.body.string.contains(Locales.text("consent_text_research_panel", .nl)))
            let csrf = try #require(TestClient.csrf(in: page.body.string))
            #expect(try await portal.send(.POST, "/city/mijn/panel", form: ["csrf": csrf, "research_panel": "on"]).status == .seeOther)
            #expect(try await ResearchPanel(app.db, organisationID: org).profile(member: w.carla)?.ageBand == "45-64")
            let history = try await Consents(app.db, organisationID: org).history(member: w.carla)
            #expect(history.first?.purpose == .researchPanel && history.first?.source == "portal"
                    && history.first?.text == Locales.text("consent_text_research_panel", .nl))
            #expect(try await portal.send(.POST, "/city/mijn/panel", form: ["csrf": csrf]).status == .seeOther)
            #expect(try await ResearchPanel(app.db, organisationID: org).profile(member: w.carla) == nil)

            // The staff survey form: a refused one shows the error at its field and keeps what was typed.
            let staff = TestClient(app)
            try await staff.signInPages("onderzoek@city.test", password: Fixture.password)
            let new = try await staff.send(.GET, "/staff/onderzoek/nieuw")
            let staffCSRF = try #require(TestClient.csrf(in: new.body.string))
            let bad = try await staff.send(.POST, "/staff/onderzoek/nieuw", form: ["csrf": staffCSRF, "slug": "mijn-enquete", "title_nl": "",
                                                                                  "title_en": "Mine", "standard": "nps", "own_1_kind": "single",
                                                                                  "own_1_nl": "Hoe kwam u hier?", "own_1_en": "How did you come?",
                                                                                  "own_1_options": "Fiets | Bike\nLopend | On foot"])
            #expect(bad.status == .badRequest && bad.body.string.contains("id=\"title_nl-error\"") && bad.body.string.contains("Hoe kwam u hier?"))
            let good = try await staff.send(.POST, "/staff/onderzoek/nieuw", form: ["csrf": staffCSRF, "slug": "mijn-enquete", "title_nl": "Mijn enquête",
                                                                                   "title_en": "Mine", "standard": "nps", "own_1_kind": "single",
                                                                                   "own_1_nl": "Hoe kwam u hier?", "own_1_en": "How did you come?",
                                                                                   "own_1_options": "Fiets | Bike\nLopend | On foot"])
            #expect(good.status == .seeOther)
            let created = try #require(try await surveys.all().first { $0.slug == "mijn-enquete" })
            #expect(created.latest.questions.map(\.key) == ["nps", "own_1"] && created.latest.questions[1].options.map(\.en) == ["Bike", "On foot"])
            #expect(!created.latest.anonymous)
        }
    }
}
