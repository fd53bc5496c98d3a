import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
@testable import BiebStore
import BiebTestSupport

/// Issue 22: the panel by consent, waves by quota, one-use invitations, the
/// branch link, after-activity invitations, and the promises about privacy —
/// each proven on the database itself.
@Suite("Customer research: panel, waves and private answers") struct ResearchFieldworkTests {
    static let zone = BranchCalendar.amsterdam
    static let now = noon("2026-11-23")

    static let letters = ResearchFieldwork.Letters(
        invitation: ["nl": MessageTemplate(subject: "Je mening", text: "Beste {{name}}, {{link}} tot {{until}}", html: "<a href=\"{{link}}\">{{survey}}</a>"),
                     "en": MessageTemplate(subject: "Your opinion", text: "Dear {{name}}, {{link}} until {{until}}", html: "<a href=\"{{link}}\">{{survey}}</a>")],
        reminder: ["nl": MessageTemplate(subject: "Herinnering", text: "Beste {{name}}, {{link}}", html: "{{link}}"),
                   "en": MessageTemplate(subject: "Reminder", text: "Dear {{name}}, {{link}}", html: "{{link}}")],
        library: "Stadsbibliotheek", surveyTitle: ["nl": "Panel", "en": "Panel"], until: { date, _ in date.ISO8601Format() },
        link: { "https://bieb.test/city/enquete/t/\($0)" })

    /// A member with an e-mail address (copied from the fixture's adult).
    static func member(_ app: Application, _ f: CirculationFixture, _ name: String, born: String, branch: UUID, email: String? = nil) async throws -> UUID {
        let id = UUID()
        try await (app.db as! any SQLDatabase).raw("""
            INSERT INTO members (id, organisation_id, name, name_key, birth_date, email, street, postcode, city, home_branch_id, membership_type_id,
                membership_start, membership_end, balance_cents, loan_count, hold_count, created_at, updated_at)
            SELECT \(bind: id), organisation_id, \(bind: name), \(bind: name.lowercased()), \(bind: born), \(bind: email ?? name.lowercased() + "@example.nl"),
                'Spui 1', '2511 BT', 'Den Haag', \(bind: branch), membership_type_id, membership_start, membership_end, 0, 0, 0, created_at, updated_at
            FROM members WHERE id = \(bind: f.adult)
            """).run()
        return id
    }

    static func join(_ app: Application, _ org: UUID, _ member: UUID, _ granted: Bool = true) async throws {
        try await Consents(app.db, organisationID: org).record(member: member, .researchPanel, granted: granted, text: "Ik doe mee met het panel.",
                                                               source: "portal", at: now)
    }

    /// A published survey of the standard questions; anonymous unless said.
    static func survey(_ app: Application, _ org: UUID, slug: String = "panel", anonymous: Bool = true) async throws -> (survey: Int, version: Int) {
        let surveys = Surveys(app.db, organisationID: org)
        let made = try await surveys.create(slug: slug, .init(titleNL: "Panel", titleEN: "Panel", anonymous: anonymous, questions: StandardQuestions.all))
        try await surveys.publish(version: made.version, now: now)
        return made
    }

    /// The tokens of the invitation messages in the outbox, by recipient.
    static func tokens(_ app: Application) async throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try await (app.db as! any SQLDatabase).raw("""
            SELECT recipient, body_text FROM outbox_messages WHERE kind = 'survey_invitation'
            """).all() {
            let text = try row.decode(column: "body_text", as: String.self)
            let token = text.components(separatedBy: "/t/")[1].prefix { $0.isHexDigit }
            result[try row.decode(column: "recipient", as: String.self)] = String(token)
        }
        return result
    }

    static let answers: [String: SurveyAnswer] = ["nps": .number(9), "satisfaction_staff": .number(4), "remarks": .text("Fijne studieplekken")]

    @Test(arguments: TestDatabase.all)
    func membersJoinThePanelByConsentAndLeavingTakesEverythingThatLeadsToThem(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let sql = app.db as! any SQLDatabase
            let panel = ResearchPanel(app.db, organisationID: org)
            // Under 16: no.
            let young = try await Self.member(app, f, "Tijn", born: "2012-05-01", branch: f.network.central)
            #expect(await refusal { try await Self.join(app, org, young) }?.field == "research_panel")
            #expect(try await Consents(app.db, organisationID: org).current(member: young)[.researchPanel] == false)
            // The profile: age band, branch, area — nothing else of the member.
            let anna = try await Self.member(app, f, "Anna", born: "1985-03-02", branch: f.network.district)
            try await Self.join(app, org, anna)
            #expect(try await panel.profile(member: anna) == .init(ageBand: "25-44", branchID: f.network.district, area: "2511",
                                                                   joinedOn: LocalDate(iso: "2026-11-23")!))
            let columns = try await Self.columns(sql, database, "research_panel")
            #expect(columns == ["age_band", "area", "branch_id", "id", "joined_on", "member_id", "organisation_id"])
            // Invited: the invitation now, its one reminder a week later, to her address.
            let (_, version) = try await Self.survey(app, org)
            let wave = try await ResearchFieldwork(app.db, organisationID: org).invitePanel(version: version, name: "Najaar", size: 50, seed: 7,
                                                                                          letters: Self.letters, now: Self.now)
            #expect(wave.invited == 1)
            let messages = try await sql.raw("""
                SELECT kind, recipient, next_attempt_at FROM outbox_messages WHERE member_id = \(bind: anna) ORDER BY next_attempt_at
                """).all()
            #expect(try messages.map { try $0.decode(column: "kind", as: String.self) } == ["survey_invitation", "survey_reminder"])
            #expect(try messages.map { try $0.decode(column: "recipient", as: String.self) } == ["anna@example.nl", "anna@example.nl"])
            let reminderAt = try messages[1].decode(column: "next_attempt_at", as: Date.self)
            #expect(abs(reminderAt.timeIntervalSince(Self.now) - 7 * 86_400) < 1)
            // Not asked again within the rest period.
            #expect(try await ResearchFieldwork(app.db, organisationID: org).invitePanel(version: version, name: "Te snel", size: 50, seed: 8,
                                                                                       letters: Self.letters, now: Self.now).invited == 0)
            // Leaving: the profile, the open invitation and the messages not sent go, with the consent's record of it.
            try await Self.join(app, org, anna, false)
            #expect(try await panel.profile(member: anna) == nil)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_invitations") == 0)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM outbox_messages WHERE member_id = \(bind: anna)") == 0)
            #expect(try await Consents(app.db, organisationID: org).history(member: anna).map(\.granted) == [false, true])
        }
    }

    @Test(arguments: TestDatabase.all)
    func aWaveIsDrawnByQuotaAndAnAnonymousAnswerHasNoPathToItsInvitation(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let sql = app.db as! any SQLDatabase
            // The membership: 65+ at the central library and 25–44 in the district, the panel older than the membership.
            var panelists: [UUID] = []
            for i in 0..<8 { panelists.append(try await Self.member(app, f, "Oud\(i)", born: "1950-01-0\(i + 1)", branch: f.network.central)) }
            for i in 0..<3 { panelists.append(try await Self.member(app, f, "Jong\(i)", born: "1990-01-0\(i + 1)", branch: f.network.district)) }
            for i in 0..<21 { _ = try await Self.member(app, f, "Lid\(i)", born: "1991-02-\(10 + i)", branch: f.network.district) }
            for member in panelists { try await Self.join(app, org, member) }
            let (survey, version) = try await Self.survey(app, org)
            let fieldwork = ResearchFieldwork(app.db, organisationID: org)
            // Not a draft.
            let draft = try await Surveys(app.db, organisationID: org).newVersion(of: survey)
            #expect(await refusal { _ = try await fieldwork.invitePanel(version: draft, name: "x", size: 4, seed: 1, letters: Self.letters) }?.code
                    == "survey_not_published")
            let wave = try await fieldwork.invitePanel(version: version, name: "Najaar 2026", size: 11, seed: 42, letters: Self.letters, now: Self.now)
            // 11 by the membership's spread (the fixture's members count too): the young cell asks for more than the panel has.
            let young = PanelRules.cell(ageBand: "25-44", branch: f.network.district), old = PanelRules.cell(ageBand: "65+", branch: f.network.central)
            let quotas = QuotaSample.quotas(total: 11, shares: try await ResearchPanel(app.db, organisationID: org).targetShares(today: monday))
            let youngQuota = try #require(quotas[young]), oldQuota = try #require(quotas[old])
            #expect(youngQuota > 3 && oldQuota > 0 && oldQuota < 8)
            #expect(wave.cells[young] == .init(quota: youngQuota, drawn: 3))
            #expect(wave.cells[old] == .init(quota: oldQuota, drawn: oldQuota))
            #expect(wave.invited == 3 + oldQuota)

            let tokens = try await Self.tokens(app)
            #expect(tokens.count == 3 + oldQuota)
            let answers = ResearchAnswers(app.db, organisationID: org)
            let token = try #require(tokens["jong0@example.nl"])
            let questionnaire = try await answers.questionnaire(token: token, now: Self.now)
            #expect(questionnaire.version.id == version && !questionnaire.mayLink)
            #expect(await refusal { try await answers.answer(token: token, ["nps": .number(11)], timeZone: Self.zone) }?.field == "q_nps")
            try await answers.answer(token: token, Self.answers, now: Self.now.addingTimeInterval(3_600), timeZone: Self.zone)
            #expect(await refusal { try await answers.answer(token: token, Self.answers, timeZone: Self.zone) }?.code == "survey_answered")
            // Another token: its first character changed (to one it is not, or the "other" token would be this one).
            let unknown = (token.first == "0" ? "1" : "0") + token.dropFirst()
            #expect(await refusal { _ = try await answers.questionnaire(token: unknown, now: Self.now) }?.code == "survey_closed")
            // Two tabs sending one link at once: one answer.
            let other = try #require(tokens.values.first { $0 != token })
            async let a: Bool = { do { try await answers.answer(token: other, Self.answers, now: Self.now, timeZone: Self.zone); return true } catch { return false } }()
            async let b: Bool = { do { try await answers.answer(token: other, Self.answers, now: Self.now, timeZone: Self.zone); return true } catch { return false } }()
            #expect(await [a, b].filter { $0 }.count == 1)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_responses") == 2)
            // Expired: the link stops working after its open days.
            let third = try #require(tokens.values.first { $0 != token && $0 != other })
            #expect(await refusal { try await answers.answer(token: third, Self.answers, now: Self.now.addingTimeInterval(22 * 86_400), timeZone: Self.zone) }?
                .code == "survey_closed")

            // The privacy promise, on the database: an answer's columns name no invitation, token, registration,
            // panel member or time; its member is empty; its day is a date; an invitation keeps no time of answering.
            #expect(try await Self.columns(sql, database, "research_responses") == [
                "activity_kind", "answered_on", "branch_id", "channel", "core_function", "id", "member_id", "organisation_id", "theme",
                "version_id", "wave_id"])
            #expect(try await Self.columns(sql, database, "research_invitations") == [
                "answered", "cell", "expires_at", "id", "panel_id", "registration_id", "token_hash", "wave_id"])
            #expect(try await Self.columns(sql, database, "research_values") == ["choice", "number", "question_key", "response_id"])
            #expect(try await Self.columns(sql, database, "research_open_answers") == ["id", "moderated_at", "question_key", "response_id", "status", "text"])
            let rows = try await sql.raw("SELECT member_id, answered_on FROM research_responses").all()
            #expect(try rows.allSatisfy { try $0.decode(column: "member_id", as: UUID?.self) == nil })
            #expect(try rows.map { try $0.decode(column: "answered_on", as: String.self) } == ["2026-11-23", "2026-11-23"])
            // No foreign key from an answer leads anywhere but its wave, version, branch and organisation (and a member only by consent).
            if database == .postgres {
                let keys = try await sql.raw("""
                    SELECT kcu.column_name FROM information_schema.table_constraints tc
                    JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
                    WHERE tc.table_name = 'research_responses' AND tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()
                    ORDER BY 1
                    """).all().map { try $0.decode(column: "column_name", as: String.self) }
                #expect(keys == ["branch_id", "member_id", "organisation_id", "version_id", "wave_id"])
                // Not even PostgreSQL's own bookkeeping: the answer was written by another transaction than the invitation's mark.
                let answerTransactions = Set(try await sql.raw("SELECT xmin::text AS x FROM research_responses").all().map { try $0.decode(column: "x", as: String.self) })
                let markTransactions = Set(try await sql.raw("SELECT xmin::text AS x FROM research_invitations WHERE answered").all()
                    .map { try $0.decode(column: "x", as: String.self) })
                #expect(answerTransactions.isDisjoint(with: markTransactions))
            }
            // Response rates per wave and cell.
            let rates = try await fieldwork.rates(wave: wave.wave)
            #expect(rates.total == ResponseRate(invited: 3 + oldQuota, answered: 2))
            #expect(rates.cells[young]?.invited == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func answersLinkedByConsentLoseTheirLinkWhenTheMemberIsErased(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let sql = app.db as! any SQLDatabase
            let anna = try await Self.member(app, f, "Anna", born: "1985-03-02", branch: f.network.central)
            let bert = try await Self.member(app, f, "Bert", born: "1975-03-02", branch: f.network.central)
            for member in [anna, bert] { try await Self.join(app, org, member) }
            let (_, version) = try await Self.survey(app, org, slug: "gekoppeld", anonymous: false)
            _ = try await ResearchFieldwork(app.db, organisationID: org).invitePanel(version: version, name: "Gekoppeld", size: 2, seed: 1,
                                                                                   letters: Self.letters, now: Self.now)
            let tokens = try await Self.tokens(app)
            let answers = ResearchAnswers(app.db, organisationID: org)
            #expect(try await answers.questionnaire(token: tokens["anna@example.nl"]!, now: Self.now).mayLink)
            try await answers.answer(token: tokens["anna@example.nl"]!, Self.answers, link: true, now: Self.now, timeZone: Self.zone)
            try await answers.answer(token: tokens["bert@example.nl"]!, Self.answers, link: false, now: Self.now, timeZone: Self.zone)
            let linked = try await sql.raw("SELECT member_id FROM research_responses WHERE member_id IS NOT NULL").all()
            #expect(try linked.map { try $0.decode(column: "member_id", as: UUID.self) } == [anna])
            // Erased: out of the panel, the answer stays without her; the answered invitation is a count only.
            try await app.db.transaction { tx in try await Erasure.erase(member: anna, organisation: org, timeZone: Self.zone, on: tx as! any SQLDatabase) }
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_responses WHERE member_id IS NOT NULL") == 0)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_responses") == 2)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_panel") == 1)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_invitations WHERE panel_id IS NULL AND answered") == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theBranchLinkTakesOneAnswerPerDevicePerDay(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let (_, version) = try await Self.survey(app, org, slug: "in-de-vestiging")
            let fieldwork = ResearchFieldwork(app.db, organisationID: org)
            #expect(await refusal { _ = try await fieldwork.openBranchLink(version: version, name: "Oost", branch: f.network.townMain) }?.field == "branch_id")
            let link = try await fieldwork.openBranchLink(version: version, name: "Oost", branch: f.network.district, now: Self.now)
            let code = try #require(link.linkCode)
            let answers = ResearchAnswers(app.db, organisationID: org)
            #expect(try await answers.questionnaire(code: code).wave.id == link.id)
            try await answers.answer(code: code, device: "tablet-1", Self.answers, now: Self.now, timeZone: Self.zone)
            #expect(await refusal { try await answers.answer(code: code, device: "tablet-1", Self.answers, now: Self.now, timeZone: Self.zone) }?.code
                    == "survey_answered_today")
            try await answers.answer(code: code, device: "phone-2", Self.answers, now: Self.now, timeZone: Self.zone)
            try await answers.answer(code: code, device: "tablet-1", Self.answers, now: Self.now.addingTimeInterval(86_400), timeZone: Self.zone)
            // A refused answer leaves no mark: the device may try again.
            #expect(await refusal { try await answers.answer(code: code, device: "phone-3", ["nps": .number(12)], now: Self.now, timeZone: Self.zone) }?
                .field == "q_nps")
            try await answers.answer(code: code, device: "phone-3", Self.answers, now: Self.now, timeZone: Self.zone)
            let report = try await ResearchResults(app.db, organisationID: org).report(.init(survey: link.surveyID))
            #expect(report.answers == 4)
            #expect(report.groups[.branch]?.first?.key == f.network.district.uuidString.lowercased())
            try await fieldwork.close(wave: link.id)
            #expect(await refusal { _ = try await answers.questionnaire(code: code) }?.code == "survey_closed")
            #expect(await refusal { _ = try await ResearchAnswers(app.db, organisationID: f.network.town).questionnaire(code: code) }?.code == "survey_closed")
        }
    }

    @Test(arguments: TestDatabase.all)
    func attendeesWhoAgreedAreInvitedOnceAfterTheActivityAndItsCoreFunctionStaysWithTheAnswers(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let programme = Programme(app.db, organisationID: org, timeZone: Self.zone)
            let registrations = Registrations(app.db, organisationID: org)
            let day = LocalDate(iso: "2026-11-20")!
            var course = ActivityInput(branchID: f.network.district, kind: "course", title: "Computercursus",
                                       sessions: [TimeRange(start: LocalClock.instant(of: day, minute: 600, in: Self.zone),
                                                            end: LocalClock.instant(of: day, minute: 720, in: Self.zone))])
            course.coreFunction = .development
            course.capacity = 10
            let planned = noon("2026-11-01")
            let id = try await programme.create(course, staff: nil, now: planned).activity.id
            _ = try await programme.publish(id, staff: nil, now: planned)
            let anna = try await Self.member(app, f, "Anna", born: "1985-03-02", branch: f.network.central)
            let bert = try await Self.member(app, f, "Bert", born: "1975-03-02", branch: f.network.central)
            let agreed = try await registrations.register(for: id, RegistrationRequest(member: anna, researchConsent: true), now: planned)
            let guest = try await registrations.register(for: id, RegistrationRequest(name: "Gijs Gast", email: "gijs@example.nl", language: "en",
                                                                                       researchConsent: true), now: planned)
            let declined = try await registrations.register(for: id, RegistrationRequest(member: bert), now: planned)
            let session = try #require(try await programme.listing(id)?.sessions.first)
            for registration in [agreed, guest, declined] {
                try await registrations.checkIn(registration: registration.id, session: session.id, staff: nil, now: noon("2026-11-20"))
            }
            let (_, version) = try await Self.survey(app, org, slug: "na-de-cursus")
            let fieldwork = ResearchFieldwork(app.db, organisationID: org)
            #expect(await refusal { _ = try await fieldwork.followActivities(version: version, name: "x", activity: nil, series: nil) }?.field == "activity_id")
            let wave = try await fieldwork.followActivities(version: version, name: "Na de computercursus", activity: id, series: nil, now: planned)
            // Before it ends nobody; after, the two who agreed, once.
            #expect(try await fieldwork.inviteAttendees(letters: { _ in Self.letters }, now: noon("2026-11-19")) == 0)
            #expect(try await fieldwork.inviteAttendees(letters: { _ in Self.letters }, now: Self.now) == 2)
            #expect(try await fieldwork.inviteAttendees(letters: { _ in Self.letters }, now: Self.now) == 0)
            let tokens = try await Self.tokens(app)
            #expect(Set(tokens.keys) == ["anna@example.nl", "gijs@example.nl"])
            try await ResearchAnswers(app.db, organisationID: org).answer(token: tokens["gijs@example.nl"]!, ["nps": .number(10), "learned_something": .choice("yes")],
                                                                          now: Self.now, timeZone: Self.zone)
            let row = try #require(try await (app.db as! any SQLDatabase).raw("""
                SELECT channel, branch_id, activity_kind, core_function, wave_id FROM research_responses
                """).first())
            #expect(try row.decode(column: "channel", as: String.self) == "activity")
            #expect(try row.decode(column: "branch_id", as: UUID.self) == f.network.district)
            #expect(try row.decode(column: "activity_kind", as: String.self) == "course")
            #expect(try row.decode(column: "core_function", as: String.self) == CoreFunction.development.rawValue)
            #expect(try row.decode(column: "wave_id", as: Int.self) == wave)
            #expect(try await fieldwork.rates(wave: wave).cells[id.uuidString.lowercased()] == ResponseRate(invited: 2, answered: 1))
        }
    }

    @Test(arguments: TestDatabase.all)
    func resultsGiveTheNPSPerBranchSuppressSmallGroupsAndShowOnlyModeratedWords(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let org = f.network.city
            let (survey, version) = try await Self.survey(app, org, slug: "in-de-vestiging")
            let fieldwork = ResearchFieldwork(app.db, organisationID: org)
            let central = try #require(try await fieldwork.openBranchLink(version: version, name: "Centrale", branch: f.network.central, now: Self.now).linkCode)
            let district = try #require(try await fieldwork.openBranchLink(version: version, name: "Oost", branch: f.network.district, now: Self.now).linkCode)
            let answers = ResearchAnswers(app.db, organisationID: org)
            // Central: 10 answers — 6 promoters, 2 passives, 2 detractors (NPS 40); the district: 3 answers.
            let scores = [10, 9, 9, 10, 9, 10, 7, 8, 3, 6]
            for (i, score) in scores.enumerated() {
                try await answers.answer(code: central, device: "c\(i)", ["nps": .number(score), "satisfaction_staff": .number(i % 2 == 0 ? 5 : 4),
                                                                         "remarks": .text(i < 3 ? "Meer studieplekken graag" : "")],
                                         now: Self.now, timeZone: Self.zone)
            }
            for i in 0..<3 { try await answers.answer(code: district, device: "d\(i)", ["nps": .number(2)], now: Self.now, timeZone: Self.zone) }
            let results = ResearchResults(app.db, organisationID: org)
            let report = try await results.report(.init(survey: survey))
            #expect(report.answers == 13)
            let nps = try #require(report.questions.first { $0.question.key == "nps" })
            #expect(nps.answered == 13 && nps.counts.count == 11 && nps.counts.first { $0.value == "2" }?.count == 3)
            #expect(nps.nps == NetPromoterScore(promoters: 6, passives: 2, detractors: 5))
            let staff = try #require(report.questions.first { $0.question.key == "satisfaction_staff" })
            #expect(staff.mean == 4.5 && staff.answered == 10)
            let branches = try #require(report.groups[.branch])
            let centralGroup = try #require(branches.first { $0.key == f.network.central.uuidString.lowercased() })
            #expect(centralGroup.nps?.score == 40 && centralGroup.means["satisfaction_staff"] == 4.5)
            let districtGroup = try #require(branches.first { $0.key == f.network.district.uuidString.lowercased() })
            #expect(districtGroup.nps == nil && districtGroup.means.isEmpty && districtGroup.answersText == "<5")
            // Open answers: nothing for researchers until moderated.
            #expect(report.words.isEmpty)
            let pending = try await answers.openAnswers(status: .pending)
            #expect(pending.count == 3 && pending.allSatisfy { $0.text == "Meer studieplekken graag" })
            try await answers.moderate(pending[0].id, approve: true)
            try await answers.moderate(pending[1].id, approve: false)
            let moderated = try await results.report(.init(survey: survey))
            #expect(moderated.approvedTexts == 1 && moderated.words.map(\.word) == ["graag", "studieplekken"])
            // The effect measurement reads the NPS of the central library.
            let reading = try await IndicatorValues(app.db, organisationID: org).reading(Indicator.named("research_nps")!, on: monday,
                                                                                         branch: f.network.central)
            #expect(reading.value == 40 && reading.denominator == 10)
            #expect(try await IndicatorValues(app.db, organisationID: org).reading(Indicator.named("research_nps")!, on: monday,
                                                                                   branch: f.network.district).value == nil)
            // Retention: answers older than the period go (with their values and open answers).
            try await fieldwork.save(.init(retentionMonths: 3, reminderDays: 7, openDays: 21))
            #expect(await refusal { try await fieldwork.save(.init(retentionMonths: 1, reminderDays: 7, openDays: 21)) }?.field == "retention_months")
            #expect(try await answers.removeOld(now: noon("2027-02-22"), timeZone: Self.zone) == 0)
            #expect(try await answers.removeOld(now: noon("2027-02-24"), timeZone: Self.zone) == 13)
            let sql = app.db as! any SQLDatabase
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_values") == 0)
            #expect(try await Self.count(sql, "SELECT COUNT(*) AS n FROM research_open_answers") == 0)
        }
    }

    static func columns(_ sql: any SQLDatabase, _ database: TestDatabase, _ table: String) async throws -> [String] {
        switch database {
        case .sqlite:
            return try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }.sorted()
        case .postgres:
            return try await sql.raw("""
                SELECT column_name FROM information_schema.columns WHERE table_name = \(bind: table) AND table_schema = current_schema()
                """).all().map { try $0.decode(column: "column_name", as: String.self) }.sorted()
        }
    }

    static func count(_ sql: any SQLDatabase, _ query: SQLQueryString) async throws -> Int {
        try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? -1
    }
}
