import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Answering a survey — by a personal invitation's one-use link, or at a
/// branch's open link — and what happens to answers after: moderation of
/// open text, removal after the retention period.
///
/// An anonymous answer is stored without any link to its invitation: the
/// invitation is marked answered in one transaction (the conditional update
/// that lets exactly one of two racing submissions through), the answer is
/// written in another, so not even the database's own bookkeeping (a
/// PostgreSQL row's `xmin`) ties the two together; the answer carries its
/// day, never a time. Should writing the answer fail, the invitation is
/// opened again.
public struct ResearchAnswers: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    /// A survey as a person about to answer it sees it.
    public struct Questionnaire: Sendable, Equatable {
        public let wave: ResearchFieldwork.Wave
        public let version: Surveys.Version
        /// The version asks for answers linked by consent, and the person has an account to link them to.
        public let mayLink: Bool
    }

    static let answered = BiebError(.conflict, code: "survey_answered", field: nil, message: "This survey was answered with this link already. Thank you!",
                                    nl: "Deze enquête is met deze link al ingevuld. Dank je wel!")
    static let closed = BiebError(.notFound, code: "survey_closed", field: nil, message: "This survey is closed, or the link no longer works.",
                                  nl: "Deze enquête is gesloten, of de link werkt niet meer.")

    struct Invitation {
        let id: Int
        let wave: ResearchFieldwork.Wave
        let panelID: Int?
        let registrationID: Int?
        let answered: Bool
        let expiresAt: Date
    }

    func invitation(token: String) async throws -> Invitation {
        guard let row = try await sql.raw("""
            SELECT i.id AS invitation_id, i.panel_id, i.registration_id, i.answered, i.expires_at, \(unsafeRaw: ResearchFieldwork.waveColumns)
            FROM research_invitations i JOIN research_waves w ON w.id = i.wave_id JOIN research_survey_versions v ON v.id = w.version_id
            WHERE i.token_hash = \(bind: ResearchFieldwork.hash(token)) AND w.organisation_id = \(bind: organisationID)
            """).first() else { throw Self.closed }
        return Invitation(id: try row.decode(column: "invitation_id", as: Int.self), wave: try ResearchFieldwork.wave(row),
                          panelID: try row.decode(column: "panel_id", as: Int?.self), registrationID: try row.decode(column: "registration_id", as: Int?.self),
                          answered: try row.decode(column: "answered", as: Bool.self), expiresAt: try row.decode(column: "expires_at", as: Date.self))
    }

    func open(_ invitation: Invitation, now: Date) throws {
        guard invitation.wave.status == .open, invitation.expiresAt > now else { throw Self.closed }
        guard !invitation.answered else { throw Self.answered }
    }

    /// The member an invitation reaches (a panel member, or a member who registered), for an answer linked by consent.
    func member(of invitation: Invitation) async throws -> UUID? {
        if let panel = invitation.panelID {
            return try await sql.raw("SELECT member_id FROM research_panel WHERE id = \(bind: panel)").first()?.decode(column: "member_id", as: UUID.self)
        }
        if let registration = invitation.registrationID {
            return try await sql.raw("SELECT member_id FROM registrations WHERE id = \(bind: registration)").first()?.decode(column: "member_id", as: UUID?.self)
        }
        return nil
    }

    public func questionnaire(token: String, now: Date = Date()) async throws -> Questionnaire {
        let invitation = try await invitation(token: token)
        try open(invitation, now: now)
        let version = try await Surveys(db, organisationID: organisationID).version(invitation.wave.versionID)
        let member = try await member(of: invitation)
        return Questionnaire(wave: invitation.wave, version: version, mayLink: !version.anonymous && member != nil)
    }

    func branchWave(code: String) async throws -> ResearchFieldwork.Wave {
        guard code.count <= 40, let row = try await sql.raw("""
            SELECT \(unsafeRaw: ResearchFieldwork.waveColumns) FROM research_waves w JOIN research_survey_versions v ON v.id = w.version_id
            WHERE w.link_code = \(bind: code) AND w.organisation_id = \(bind: organisationID) AND w.channel = 'branch'
            """).first() else { throw Self.closed }
        let wave = try ResearchFieldwork.wave(row)
        guard wave.status == .open else { throw Self.closed }
        return wave
    }

    public func questionnaire(code: String) async throws -> Questionnaire {
        let wave = try await branchWave(code: code)
        return Questionnaire(wave: wave, version: try await Surveys(db, organisationID: organisationID).version(wave.versionID), mayLink: false)
    }

    // MARK: Answering

    /// What is kept with an answer besides the answers: coarse facts for breakdowns, never who.
    struct Facts {
        var waveID: Int
        var versionID: Int
        var channel: ResearchChannel
        var branchID: UUID?
        var activityKind: String?
        var coreFunction: String?
        var theme: String?
        var memberID: UUID?
    }

    /// Answers a survey by its personal link, once. `link`: the person ticked to link their answers to their account
    /// (only kept for a version that asks for it).
    public func answer(token: String, _ answers: [String: SurveyAnswer], link: Bool = false, now: Date = Date(), timeZone: TimeZone) async throws {
        try await answer(token: token, link: link, now: now, timeZone: timeZone) { _ in answers }
    }

    /// The same, with the answers read from what was sent once the survey's questions are known (`decode`: a form's or
    /// the API's fields read by each question's kind), so the survey is looked up once.
    public func answer(token: String, link: Bool = false, now: Date = Date(), timeZone: TimeZone,
                       decoding decode: ([SurveyQuestion]) throws -> [String: SurveyAnswer]) async throws {
        let invitation = try await invitation(token: token)
        try open(invitation, now: now)
        let version = try await Surveys(db, organisationID: organisationID).version(invitation.wave.versionID)
        let kept = try SurveyRules.check(try decode(version.questions), to: version.questions)
        var facts = Facts(waveID: invitation.wave.id, versionID: version.id, channel: invitation.wave.channel, branchID: invitation.wave.branchID)
        // A panel member's answer keeps their branch, not their age band: who answered is known per quota cell (the
        // invitations' response rates), so an answer carrying the cell could be told apart where few in a cell answered.
        if let panel = invitation.panelID, let row = try await sql.raw("SELECT branch_id FROM research_panel WHERE id = \(bind: panel)").first() {
            facts.branchID = try row.decode(column: "branch_id", as: UUID?.self)
        }
        if let registration = invitation.registrationID, let row = try await sql.raw("""
            SELECT a.branch_id, a.kind, a.core_function,
                   (SELECT MIN(t.code) FROM activity_tags t WHERE t.activity_id = a.id AND t.vocabulary = 'theme') AS theme
            FROM registrations r JOIN activities a ON a.id = r.activity_id WHERE r.id = \(bind: registration)
            """).first() {
            facts.branchID = try row.decode(column: "branch_id", as: UUID.self)
            facts.activityKind = try row.decode(column: "kind", as: String.self)
            facts.coreFunction = try row.decode(column: "core_function", as: String.self)
            facts.theme = try row.decode(column: "theme", as: String?.self)
        }
        if link, !version.anonymous { facts.memberID = try await member(of: invitation) }
        // First the invitation, on its own: of two racing submissions one finds it unanswered.
        let claimed = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                UPDATE research_invitations SET answered = \(bind: true) WHERE id = \(bind: invitation.id) AND answered = \(bind: false) RETURNING id
                """).first() != nil
        }
        guard claimed else { throw Self.answered }
        do {
            try await store(facts, kept, questions: version.questions, on: LocalDate(now, in: timeZone))
        } catch {
            try await WriteGate.transaction(on: db) { tx in
                try await tx.sql.raw("UPDATE research_invitations SET answered = \(bind: false) WHERE id = \(bind: invitation.id)").run()
            }
            throw error
        }
    }

    /// Answers at a branch's open link. `device`: the browser's own random mark (a cookie); one answer per device
    /// per day (409 `survey_answered_today`). Only its hash with the wave is kept, for two days.
    public func answer(code: String, device: String, _ answers: [String: SurveyAnswer], now: Date = Date(), timeZone: TimeZone) async throws {
        try await answer(code: code, device: device, now: now, timeZone: timeZone) { _ in answers }
    }

    /// The same, with the answers read once the survey's questions are known (see `answer(token:decoding:)`).
    public func answer(code: String, device: String, now: Date = Date(), timeZone: TimeZone,
                       decoding decode: ([SurveyQuestion]) throws -> [String: SurveyAnswer]) async throws {
        let wave = try await branchWave(code: code)
        let version = try await Surveys(db, organisationID: organisationID).version(wave.versionID)
        let kept = try SurveyRules.check(try decode(version.questions), to: version.questions)
        let day = LocalDate(now, in: timeZone)
        let mark = ResearchFieldwork.hash("\(wave.id):\(device)")
        let first = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO research_device_days (wave_id, device, day) VALUES (\(bind: wave.id), \(bind: mark), \(bind: day.iso))
                ON CONFLICT (wave_id, device, day) DO NOTHING RETURNING wave_id
                """).first() != nil
        }
        guard first else {
            throw BiebError(.conflict, code: "survey_answered_today", field: nil, message: "This device answered this survey today already. Thank you!",
                            nl: "Op dit apparaat is deze enquête vandaag al ingevuld. Dank je wel!")
        }
        do {
            try await store(Facts(waveID: wave.id, versionID: version.id, channel: .branch, branchID: wave.branchID), kept,
                            questions: version.questions, on: day)
        } catch {
            try await WriteGate.transaction(on: db) { tx in
                try await tx.sql.raw("""
                    DELETE FROM research_device_days WHERE wave_id = \(bind: wave.id) AND device = \(bind: mark) AND day = \(bind: day.iso)
                    """).run()
            }
            throw error
        }
    }

    /// Writes one answer: the response with its facts and day, a value per number or option, open text for moderation.
    func store(_ facts: Facts, _ answers: [String: SurveyAnswer], questions: [SurveyQuestion], on day: LocalDate) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            var values: [SQLQueryString] = [], texts: [(String, String)] = []
            guard let id = try await tx.sql.raw("""
                INSERT INTO research_responses (organisation_id, wave_id, version_id, channel, branch_id, activity_kind, core_function, theme,
                    answered_on, member_id)
                VALUES (\(bind: organisationID), \(bind: facts.waveID), \(bind: facts.versionID), \(bind: facts.channel.rawValue), \(bind: facts.branchID),
                    \(bind: facts.activityKind), \(bind: facts.coreFunction), \(bind: facts.theme), \(bind: day.iso), \(bind: facts.memberID))
                RETURNING id
                """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("response", nl: "Antwoord niet gevonden.") }
            for question in questions {
                switch answers[question.key] {
                case .number(let n): values.append("(\(bind: id), \(bind: question.key), \(bind: n), NULL)")
                case .choice(let option): values.append("(\(bind: id), \(bind: question.key), NULL, \(bind: option))")
                case .choices(let options): for option in options { values.append("(\(bind: id), \(bind: question.key), NULL, \(bind: option))") }
                case .text(let text): texts.append((question.key, text))
                case nil: break
                }
            }
            if !values.isEmpty {
                try await tx.sql.raw("INSERT INTO research_values (response_id, question_key, number, choice) VALUES " + values.joined(separator: ", ")).run()
            }
            for (key, text) in texts {
                try await tx.sql.raw("""
                    INSERT INTO research_open_answers (response_id, question_key, text, status) VALUES (\(bind: id), \(bind: key), \(bind: text), 'pending')
                    """).run()
            }
        }
    }

    // MARK: Moderation

    public enum Moderation: String, Sendable, Codable, CaseIterable { case pending, approved, rejected }

    public struct OpenAnswer: Sendable, Equatable {
        public let id: Int
        public let surveyID: Int
        public let questionKey: String
        public let text: String
        public let status: Moderation
        public let answeredOn: LocalDate
    }

    /// Open answers of one moderation status, oldest first (for staff who moderate), or of a survey.
    public func openAnswers(status: Moderation, survey: Int? = nil, limit: Int = 100, offset: Int = 0) async throws -> [OpenAnswer] {
        var query: SQLQueryString = """
            SELECT o.id, v.survey_id, o.question_key, o.text, o.status, r.answered_on
            FROM research_open_answers o JOIN research_responses r ON r.id = o.response_id JOIN research_survey_versions v ON v.id = r.version_id
            WHERE r.organisation_id = \(bind: organisationID) AND o.status = \(bind: status.rawValue)
            """
        if let survey { query += " AND v.survey_id = \(bind: survey)" }
        return try await sql.raw(query + " ORDER BY o.id LIMIT \(literal: max(1, min(limit, 500))) OFFSET \(literal: max(0, offset))").all().map { row in
            OpenAnswer(id: try row.decode(column: "id", as: Int.self), surveyID: try row.decode(column: "survey_id", as: Int.self),
                       questionKey: try row.decode(column: "question_key", as: String.self), text: try row.decode(column: "text", as: String.self),
                       status: Moderation(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
                       answeredOn: LocalDate(iso: try row.decode(column: "answered_on", as: String.self)) ?? LocalDate(year: 2000, month: 1, day: 1)!)
        }
    }

    /// How many open answers wait for moderation.
    public func pendingCount() async throws -> Int {
        try await sql.raw("""
            SELECT COUNT(*) AS n FROM research_open_answers o JOIN research_responses r ON r.id = o.response_id
            WHERE r.organisation_id = \(bind: organisationID) AND o.status = 'pending'
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Approves (shown to researchers) or rejects (never shown: a name, an address, abuse) an open answer.
    public func moderate(_ id: Int, approve: Bool, now: Date = Date()) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            guard try await tx.sql.raw("""
                UPDATE research_open_answers SET status = \(bind: approve ? Moderation.approved.rawValue : Moderation.rejected.rawValue), moderated_at = \(bind: now)
                WHERE id = \(bind: id) AND response_id IN (SELECT id FROM research_responses WHERE organisation_id = \(bind: organisationID))
                RETURNING id
                """).first() != nil else { throw BiebError.notFound("open answer", nl: "Open antwoord niet gevonden.") }
        }
    }

    // MARK: Retention

    /// Removes answers older than the organisation's retention period, waves (with their invitations) started
    /// before it, and the device marks of branch links after two days. Returns the answers removed.
    public func removeOld(now: Date = Date(), timeZone: TimeZone) async throws -> Int {
        let months = try await ResearchFieldwork(db, organisationID: organisationID).settings().retentionMonths
        let today = LocalDate(now, in: timeZone)
        let from = ResearchRetention.keptFrom(today: today, months: months)
        let organisationID = organisationID
        let cutoff = LocalClock.instant(of: from, minute: 0, in: timeZone)
        return try await WriteGate.transaction(on: db) { tx in
            let old: SQLQueryString = "SELECT id FROM research_responses WHERE organisation_id = \(bind: organisationID) AND answered_on < \(bind: from.iso)"
            try await tx.sql.raw("DELETE FROM research_values WHERE response_id IN (" + old + ")").run()
            try await tx.sql.raw("DELETE FROM research_open_answers WHERE response_id IN (" + old + ")").run()
            let removed = try await tx.sql.raw("""
                DELETE FROM research_responses WHERE organisation_id = \(bind: organisationID) AND answered_on < \(bind: from.iso) RETURNING id
                """).all().count
            try await tx.sql.raw("""
                DELETE FROM research_invitations WHERE wave_id IN
                    (SELECT id FROM research_waves WHERE organisation_id = \(bind: organisationID) AND created_at < \(bind: cutoff))
                """).run()
            try await tx.sql.raw("""
                DELETE FROM research_device_days WHERE day < \(bind: today.adding(days: -1).iso)
                  AND wave_id IN (SELECT id FROM research_waves WHERE organisation_id = \(bind: organisationID))
                """).run()
            return removed
        }
    }
}
