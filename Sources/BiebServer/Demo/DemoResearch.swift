import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// Customer research in the demo. The Hague: a library panel (members who joined from their account, older members
/// more keen, as real panels are), an autumn wave drawn by quota three weeks ago with its answers coming in over two
/// weeks, and surveys after the debate series and the computer course (past sessions with attendees who agreed when
/// registering), some open answers moderated and some waiting; the NPS of the central library as a measurement.
/// Heemstede: a survey in the branch by its open link, answered on visitors' phones over the last two weeks.
/// Every answer goes in the way a person's would (by its link), so nothing about privacy is written around.
enum DemoResearch {
    /// A score from 0 to 10 with a spread like the national panel's (NPS around 40), nudged per branch.
    static func score(_ n: Int, nudge: Int) -> Int {
        let table = [10, 9, 8, 10, 7, 9, 10, 6, 8, 9, 10, 5, 9, 8, 10, 7, 9, 3, 10, 8]
        return max(0, min(10, table[(n * 7 + nudge) % table.count] + (nudge % 3 == 0 ? 0 : (n % 5 == 0 ? -1 : 0))))
    }

    static let remarks = [
        "Meer stille studieplekken in de centrale bibliotheek, het is vaak vol.",
        "De medewerkers zijn altijd vriendelijk en helpen goed.",
        "Graag langer open op zaterdag.",
        "Fijne collectie, maar de nieuwe romans zijn vaak uitgeleend.",
        "De activiteiten voor kinderen zijn erg leuk.",
        "Het debat was boeiend, graag meer tijd voor vragen uit de zaal.",
        "Ik heb eindelijk leren mailen met mijn kleinkinderen!",
        "Meer studieplekken met stopcontact graag.",
    ]

    /// Answers every invitation in the outbox whose token the wave's messages carry, for `share` of them (by their order).
    static func answerInvitations(app: Application, organisation: Organisation, wave: Int, share: Int, firstDay: LocalDate, days: Int,
                                  answers: (Int) -> [String: SurveyAnswer]) async throws -> Int {
        let rows = try await app.db.sql.raw("""
            SELECT body_text FROM outbox_messages WHERE organisation_id = \(bind: organisation.id!) AND kind = 'survey_invitation'
              AND dedupe_key LIKE \(bind: "survey:\(wave):%") ORDER BY id
            """).all()
        let store = ResearchAnswers(app.db, organisationID: organisation.id!)
        var answered = 0
        for (n, row) in rows.enumerated() where (n * 37) % 100 < share {
            guard let text = try row.decode(column: "body_text", as: String?.self),
                  let token = text.components(separatedBy: "/enquete/t/").last?.prefix(while: { $0.isHexDigit }), !token.isEmpty else { continue }
            let day = firstDay.adding(days: (n * 3) % max(1, days))
            try await store.answer(token: String(token), answers(n), now: LocalClock.instant(of: day, minute: 600 + (n * 53) % 600, in: organisation.zone),
                                   timeZone: organisation.zone)
            answered += 1
        }
        return answered
    }

    static func seed(app: Application, organisation: Organisation, today: LocalDate) async throws {
        let orgID = organisation.id!
        let zone = organisation.zone
        func noon(_ day: LocalDate) -> Date { LocalClock.instant(of: day, minute: 12 * 60, in: zone) }
        let surveys = Surveys(app.db, organisationID: orgID)
        let fieldwork = ResearchFieldwork(app.db, organisationID: orgID)
        let branches = try await BranchDirectory(app.db).branches(of: orgID)

        // The panel survey: the standard questions and one of the library's own.
        let visits = SurveyQuestion(key: "visits", kind: .single, nl: "Hoe vaak komt u in de bibliotheek?", en: "How often do you come to the library?",
                                    options: [.init(key: "weekly", nl: "Elke week", en: "Every week"), .init(key: "monthly", nl: "Elke maand", en: "Every month"),
                                              .init(key: "less", nl: "Minder vaak", en: "Less often")])
        let panelSurvey = try await surveys.create(slug: "bibliotheekpanel", .init(
            titleNL: "Bibliotheekpanel najaar \(today.year)", titleEN: "Library panel autumn \(today.year)",
            questions: StandardQuestions.all.filter { $0.key != "learned_something" } + [visits]), now: noon(today.adding(days: -40)))
        try await surveys.publish(version: panelSurvey.version, now: noon(today.adding(days: -30)))
        let afterSurvey = try await surveys.create(slug: "na-de-activiteit", .init(
            titleNL: "Hoe was het?", titleEN: "How was it?",
            questions: StandardQuestions.all.filter { ["nps", "satisfaction_activities", "learned_something", "remarks"].contains($0.key) }),
            now: noon(today.adding(days: -60)))
        try await surveys.publish(version: afterSurvey.version, now: noon(today.adding(days: -60)))

        // The panel: adults with an e-mail address; of those under 45 one in three joined, of the older ones nearly all.
        let consents = Consents(app.db, organisationID: orgID)
        let words = MemberAccountService.consentText(.researchPanel, dutch: true)
        let adults = try await app.db.sql.raw("""
            SELECT id, birth_date FROM members WHERE organisation_id = \(bind: orgID) AND email IS NOT NULL ORDER BY id
            """).all()
        for (n, row) in adults.enumerated() {
            guard let birth = LocalDate(iso: try row.decode(column: "birth_date", as: String.self)) else { continue }
            let age = birth.days(until: today) / 365
            guard age > PanelRules.minimumAge, age >= 45 ? n % 8 != 0 : n % 3 == 0 else { continue }
            try await consents.record(member: try row.decode(column: "id", as: UUID.self), .researchPanel, granted: true, text: words, source: "portal",
                                      at: noon(today.adding(days: -120 + n % 80)))
        }

        // The autumn wave, three weeks ago; answers over the two weeks after.
        let panelVersion = try await surveys.version(panelSurvey.version)
        let letters = try await ResearchService.letters(for: panelVersion, organisation: organisation, base: app.bieb.baseURL, db: app.db)
        let wave = try await fieldwork.invitePanel(version: panelVersion.id, name: "Najaar \(today.year)", size: 150, seed: 2026, letters: letters,
                                                   now: noon(today.adding(days: -21)))
        _ = try await answerInvitations(app: app, organisation: organisation, wave: wave.wave, share: 62, firstDay: today.adding(days: -21), days: 14) { n in
            var answers: [String: SurveyAnswer] = ["nps": .number(score(n, nudge: n % 4)), "satisfaction_collection": .number(3 + n % 3),
                                                   "satisfaction_hours": .number(2 + n % 4), "satisfaction_staff": .number(4 + n % 2),
                                                   "visits": .choice(["weekly", "monthly", "less"][n % 3])]
            if n % 3 == 0 { answers["satisfaction_study_places"] = .number(2 + n % 3) }
            if n % 4 == 0 { answers["remarks"] = .text(remarks[n % remarks.count]) }
            return answers
        }

        // After the debate series and the computer course: earlier sessions, with attendees who agreed to be asked.
        let programme = Programme(app.db, organisationID: orgID, timeZone: zone)
        let registrations = Registrations(app.db, organisationID: orgID)
        let afterVersion = try await surveys.version(afterSurvey.version)
        let afterLetters = try await ResearchService.letters(for: afterVersion, organisation: organisation, base: app.bieb.baseURL, db: app.db)
        let members = try await app.db.sql.raw("""
            SELECT id FROM members WHERE organisation_id = \(bind: orgID) AND email IS NOT NULL ORDER BY id LIMIT 40
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        var followed: [(activity: UUID, end: Date)] = []
        for (title, weeksBack, people) in [("Stadsgesprek: wie bouwt de wijk van morgen?", 4, 24), ("Klik & Tik: beginnen met de computer", 8, 10)] {
            guard let id = try await app.db.sql.raw("SELECT id FROM activities WHERE organisation_id = \(bind: orgID) AND title = \(bind: title)")
                    .first()?.decode(column: "id", as: UUID.self),
                  let listing = try await programme.listing(id) else { continue }
            let shift = -Double(weeksBack * 7) * 86_400
            let past = listing.activity
            var input = ActivityInput(branchID: past.branchID, kind: past.kind, title: past.title,
                                      sessions: listing.sessions.map { TimeRange(start: $0.range.start.addingTimeInterval(shift), end: $0.range.end.addingTimeInterval(shift)) })
            input.coreFunction = past.coreFunction
            input.seriesID = past.seriesID
            input.capacity = past.capacity
            input.description = past.description
            input.themes = try await app.db.sql.raw("SELECT code FROM activity_tags WHERE activity_id = \(bind: id) AND vocabulary = 'theme'").all()
                .map { try $0.decode(column: "code", as: String.self) }
            let planned = noon(today.adding(days: -7 * weeksBack - 30))
            guard let made = try? await programme.create(input, staff: nil, now: planned).activity.id else { continue }
            _ = try await programme.publish(made, staff: nil, now: planned)
            guard let sessions = try await programme.listing(made)?.sessions, let first = sessions.first, let last = sessions.last else { continue }
            for (n, member) in members.prefix(people).enumerated() {
                let registration = try await registrations.register(for: made, RegistrationRequest(member: member, researchConsent: n % 4 != 3),
                                                                    now: planned.addingTimeInterval(Double(n) * 3_600))
                if n % 6 != 5 && registration.status == .registered {
                    try await registrations.checkIn(registration: registration.id, session: first.id, staff: nil, now: first.range.start)
                }
            }
            followed.append((made, last.range.end))
            if past.seriesID == nil {
                _ = try await fieldwork.followActivities(version: afterVersion.id, name: "Na \(title)", activity: made, series: nil, now: planned)
            }
        }
        if let series = try await app.db.sql.raw("SELECT id FROM activity_series WHERE organisation_id = \(bind: orgID) AND title = 'Haagse Stadsgesprekken'")
            .first()?.decode(column: "id", as: Int.self) {
            _ = try await fieldwork.followActivities(version: afterVersion.id, name: "Na de Haagse Stadsgesprekken", activity: nil, series: series,
                                                     now: noon(today.adding(days: -60)))
        }
        for (_, end) in followed.sorted(by: { $0.end < $1.end }) {
            _ = try await fieldwork.inviteAttendees(letters: { _ in afterLetters }, now: end.addingTimeInterval(3_600))
        }
        for wave in try await fieldwork.waves(survey: afterSurvey.survey) {
            let end = followed.map(\.end).max() ?? noon(today)
            _ = try await answerInvitations(app: app, organisation: organisation, wave: wave.id, share: 75,
                                            firstDay: LocalDate(end, in: zone).adding(days: 1), days: 3) { n in
                var answers: [String: SurveyAnswer] = ["nps": .number(score(n, nudge: 2)), "satisfaction_activities": .number(3 + n % 3),
                                                       "learned_something": .choice(["yes", "yes", "a_little", "no"][n % 4])]
                if n % 3 == 0 { answers["remarks"] = .text(remarks[(n + 5) % remarks.count]) }
                return answers
            }
        }

        // The invitations of the past went out (the demo's outbox starts with today's mail); reminders of answered ones did not.
        try await app.db.sql.raw("""
            UPDATE outbox_messages SET status = 'skipped', last_error = 'The survey was answered.'
            WHERE organisation_id = \(bind: orgID) AND kind = 'survey_reminder'
              AND SUBSTR(reference, 12) IN (SELECT token_hash FROM research_invitations WHERE answered = \(bind: true))
            """).run()
        try await app.db.sql.raw("""
            UPDATE outbox_messages SET status = 'sent', sent_at = next_attempt_at
            WHERE organisation_id = \(bind: orgID) AND kind IN ('survey_invitation', 'survey_reminder') AND status = 'pending'
              AND next_attempt_at <= \(bind: Date())
            """).run()

        // Moderation: most open answers read and approved; the newest few wait.
        let answers = ResearchAnswers(app.db, organisationID: orgID)
        let open = try await answers.openAnswers(status: .pending, limit: 500)
        for answer in open.dropLast(3) { try await answers.moderate(answer.id, approve: true, now: noon(today.adding(days: -1))) }

        // The effect measurement: the central library's NPS, from today to the end of next year.
        if let central = branches.first(where: { $0.slug == "centrale-bibliotheek" }) {
            _ = try await Measurements(app.db, organisationID: orgID).create(.init(
                indicator: "research_nps", branchID: central.id, title: "NPS Centrale Bibliotheek", start: today,
                end: LocalDate(year: today.year + 1, month: 12, day: 31)!, target: 45), today: today)
        }
    }

    /// Heemstede: "Uw mening" at the branch's open link, answered on visitors' own phones over the last two weeks.
    static func seedHeemstede(app: Application, organisation: Organisation, today: LocalDate) async throws {
        let orgID = organisation.id!
        let surveys = Surveys(app.db, organisationID: orgID)
        let keys: Set<String> = ["nps", "satisfaction_collection", "satisfaction_hours", "satisfaction_staff", "satisfaction_study_places", "remarks"]
        let made = try await surveys.create(slug: "uw-mening", .init(titleNL: "Uw mening over Bibliotheek Heemstede", titleEN: "Your opinion of Heemstede Library",
                                                                       questions: StandardQuestions.all.filter { keys.contains($0.key) }))
        try await surveys.publish(version: made.version, now: LocalClock.instant(of: today.adding(days: -15), minute: 600, in: organisation.zone))
        guard let branch = try await BranchDirectory(app.db).branches(of: orgID).first else { return }
        let link = try await ResearchFieldwork(app.db, organisationID: orgID).openBranchLink(
            version: made.version, name: "In de bibliotheek (QR-code bij de balie)", branch: branch.id!,
            now: LocalClock.instant(of: today.adding(days: -15), minute: 600, in: organisation.zone))
        guard let code = link.linkCode else { return }
        let answers = ResearchAnswers(app.db, organisationID: orgID)
        for n in 0..<46 {
            var given: [String: SurveyAnswer] = ["nps": .number(score(n, nudge: 5)), "satisfaction_collection": .number(3 + n % 3),
                                                 "satisfaction_hours": .number(3 + n % 3), "satisfaction_staff": .number(4 + n % 2)]
            if n % 2 == 0 { given["satisfaction_study_places"] = .number(3 + n % 3) }
            if n % 7 == 0 { given["remarks"] = .text(["Gezellige bibliotheek!", "Meer tijdschriften graag.", "Fijn dat jullie op zondag open zijn."][n % 3]) }
            let day = today.adding(days: -14 + n % 14)
            try await answers.answer(code: code, device: "demo-\(n)", given,
                                     now: LocalClock.instant(of: day, minute: 600 + (n * 41) % 420, in: organisation.zone), timeZone: organisation.zone)
        }
    }
}
