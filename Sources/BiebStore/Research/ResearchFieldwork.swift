import Crypto
import FluentKit
import Foundation
import SQLKit
import BiebCore

/// Fieldwork: putting a published survey version to people. A wave is one
/// round through one channel — a quota sample of the panel, the attendees of
/// an activity or a series, or an open link in a branch. Personal invitations
/// carry a one-use link whose token is kept only as a hash; the invitation and
/// its one reminder go into the outbox together (the reminder due
/// `reminderDays` later, and not sent once the invitation is answered).
public struct ResearchFieldwork: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    // MARK: Settings

    public struct Settings: Sendable, Equatable {
        /// Answers older than this many months are removed by the privacy job.
        public var retentionMonths: Int
        /// Days from an invitation to its reminder.
        public var reminderDays: Int
        /// Days an invitation's link works.
        public var openDays: Int
        public static let standard = Settings(retentionMonths: ResearchRetention.defaultMonths, reminderDays: 7, openDays: 21)
        public init(retentionMonths: Int, reminderDays: Int, openDays: Int) {
            (self.retentionMonths, self.reminderDays, self.openDays) = (retentionMonths, reminderDays, openDays)
        }

        func validated() throws -> Settings {
            guard ResearchRetention.months.contains(retentionMonths) else {
                throw BiebError.invalid("retention_months", "Keep answers 3 to 120 months.", nl: "Bewaar antwoorden 3 tot 120 maanden.")
            }
            guard PanelRules.openDays.contains(openDays) else {
                throw BiebError.invalid("open_days", "A link works 1 to 90 days.", nl: "Een link werkt 1 tot 90 dagen.")
            }
            guard PanelRules.reminderDays.contains(reminderDays), reminderDays < openDays else {
                throw BiebError.invalid("reminder_days", "The reminder goes 1 to 30 days after the invitation, before the link stops working.",
                                        nl: "De herinnering gaat 1 tot 30 dagen na de uitnodiging, voordat de link niet meer werkt.")
            }
            return self
        }
    }

    public func settings() async throws -> Settings {
        guard let row = try await sql.raw("""
            SELECT retention_months, reminder_days, open_days FROM research_settings WHERE organisation_id = \(bind: organisationID)
            """).first() else { return .standard }
        return Settings(retentionMonths: try row.decode(column: "retention_months", as: Int.self),
                        reminderDays: try row.decode(column: "reminder_days", as: Int.self), openDays: try row.decode(column: "open_days", as: Int.self))
    }

    public func save(_ settings: Settings, now: Date = Date()) async throws {
        let valid = try settings.validated()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO research_settings (organisation_id, retention_months, reminder_days, open_days, updated_at)
                VALUES (\(bind: organisationID), \(bind: valid.retentionMonths), \(bind: valid.reminderDays), \(bind: valid.openDays), \(bind: now))
                ON CONFLICT (organisation_id) DO UPDATE SET retention_months = \(bind: valid.retentionMonths),
                    reminder_days = \(bind: valid.reminderDays), open_days = \(bind: valid.openDays), updated_at = \(bind: now)
                """).run()
        }
    }

    // MARK: Waves

    public enum WaveStatus: String, Sendable, Codable, CaseIterable { case open, closed }

    public struct Wave: Sendable, Equatable {
        public let id: Int
        public let versionID: Int
        public let surveyID: Int
        public let channel: ResearchChannel
        public let name: String
        public let branchID: UUID?
        public let activityID: UUID?
        public let seriesID: Int?
        /// The open link's code (a branch wave).
        public let linkCode: String?
        /// Invitations sent (a panel wave's drawn size).
        public let size: Int
        public let reminderDays: Int
        public let openDays: Int
        public let status: WaveStatus
        public let createdAt: Date
    }

    static let waveColumns = """
        w.id, w.version_id, v.survey_id, w.channel, w.name, w.branch_id, w.activity_id, w.series_id, w.link_code, w.size, w.reminder_days,
        w.open_days, w.status, w.created_at
        """

    static func wave(_ row: any SQLRow) throws -> Wave {
        Wave(id: try row.decode(column: "id", as: Int.self), versionID: try row.decode(column: "version_id", as: Int.self),
             surveyID: try row.decode(column: "survey_id", as: Int.self),
             channel: ResearchChannel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .panel,
             name: try row.decode(column: "name", as: String.self), branchID: try row.decode(column: "branch_id", as: UUID?.self),
             activityID: try row.decode(column: "activity_id", as: UUID?.self), seriesID: try row.decode(column: "series_id", as: Int?.self),
             linkCode: try row.decode(column: "link_code", as: String?.self), size: try row.decode(column: "size", as: Int.self),
             reminderDays: try row.decode(column: "reminder_days", as: Int.self), openDays: try row.decode(column: "open_days", as: Int.self),
             status: WaveStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .closed,
             createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    public func wave(_ id: Int) async throws -> Wave {
        guard let row = try await sql.raw("""
            SELECT \(unsafeRaw: Self.waveColumns) FROM research_waves w JOIN research_survey_versions v ON v.id = w.version_id
            WHERE w.id = \(bind: id) AND w.organisation_id = \(bind: organisationID)
            """).first() else { throw BiebError.notFound("wave", nl: "Ronde niet gevonden.") }
        return try Self.wave(row)
    }

    /// The waves of a survey (all versions), newest first; or every wave.
    public func waves(survey: Int? = nil) async throws -> [Wave] {
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: Self.waveColumns) FROM research_waves w JOIN research_survey_versions v ON v.id = w.version_id
            WHERE w.organisation_id = \(bind: organisationID)
            """
        if let survey { query += " AND v.survey_id = \(bind: survey)" }
        return try await sql.raw(query + " ORDER BY w.id DESC").all().map(Self.wave)
    }

    /// Stops a wave: its links stop working, reminders not sent yet are not sent.
    public func close(wave id: Int) async throws {
        _ = try await wave(id)
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("UPDATE research_waves SET status = 'closed' WHERE id = \(bind: id)").run()
        }
    }

    /// A published version of this organisation, to start a wave with.
    func publishedVersion(_ id: Int) async throws -> Surveys.Version {
        let version = try await Surveys(db, organisationID: organisationID).version(id)
        guard version.status == .published else {
            throw BiebError(.conflict, code: "survey_not_published", field: "version_id",
                            message: "Only the published version of a survey is put to people.", nl: "Alleen de gepubliceerde versie van een enquête gaat naar mensen.")
        }
        return version
    }

    static func checkName(_ name: String) throws -> String {
        let name = name.trimmed
        guard !name.isEmpty, name.count <= 200 else {
            throw BiebError.invalid("name", "Give the round a name (at most 200 characters).", nl: "Geef de ronde een naam (hoogstens 200 tekens).")
        }
        return name
    }

    func insertWave(version: Int, channel: ResearchChannel, name: String, branch: UUID? = nil, activity: UUID? = nil, series: Int? = nil,
                    code: String? = nil, settings: Settings, now: Date, on sql: any SQLDatabase) async throws -> Int {
        guard let id = try await sql.raw("""
            INSERT INTO research_waves (organisation_id, version_id, channel, name, branch_id, activity_id, series_id, link_code, size,
                reminder_days, open_days, status, created_at)
            VALUES (\(bind: organisationID), \(bind: version), \(bind: channel.rawValue), \(bind: name), \(bind: branch), \(bind: activity),
                \(bind: series), \(bind: code), 0, \(bind: settings.reminderDays), \(bind: settings.openDays), 'open', \(bind: now))
            RETURNING id
            """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("wave", nl: "Ronde niet gevonden.") }
        return id
    }

    // MARK: Letters

    /// What an invitation says, in each language: the templates (`{{name}}`, `{{link}}`, `{{until}}`, `{{survey}}`,
    /// `{{library}}`), the survey's title per language, and how a token becomes a link.
    public struct Letters: Sendable {
        public var invitation: [String: MessageTemplate]
        public var reminder: [String: MessageTemplate]
        public var library: String
        public var surveyTitle: [String: String]
        public var until: @Sendable (_ expires: Date, _ language: String) -> String
        public var link: @Sendable (_ token: String) -> String
        public init(invitation: [String: MessageTemplate], reminder: [String: MessageTemplate], library: String, surveyTitle: [String: String],
                    until: @escaping @Sendable (Date, String) -> String, link: @escaping @Sendable (String) -> String) {
            (self.invitation, self.reminder, self.library, self.surveyTitle, self.until, self.link) = (invitation, reminder, library, surveyTitle, until, link)
        }
    }

    /// One person to invite.
    struct Invitee {
        var panelID: Int?
        var registrationID: Int?
        var memberID: UUID?
        var cell: String
        var name: String
        var email: String
        var language: String
    }

    /// A new one-use token and the hash that is kept of it.
    public static func newToken() -> (token: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return (token, hash(token))
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes the invitations and their messages (invitation now, reminder later) in batches of 400, each batch one transaction.
    func invite(_ invitees: [Invitee], wave: Int, settings: Settings, letters: Letters, now: Date) async throws {
        let expires = now.addingTimeInterval(Double(settings.openDays) * 86_400)
        let remindAt = now.addingTimeInterval(Double(settings.reminderDays) * 86_400)
        let organisationID = organisationID
        var start = 0
        while start < invitees.count {
            let batch = invitees[start..<min(start + 400, invitees.count)]
            start += 400
            var invitationRows: [SQLQueryString] = [], messageRows: [SQLQueryString] = []
            for invitee in batch {
                let (token, hash) = Self.newToken()
                invitationRows.append("""
                    (\(bind: wave), \(bind: invitee.panelID), \(bind: invitee.registrationID), \(bind: invitee.cell), \(bind: hash), \(bind: false), \(bind: expires))
                    """)
                let language = invitee.language == "en" ? "en" : "nl"
                let values = ["name": invitee.name, "library": letters.library, "survey": letters.surveyTitle[language] ?? "",
                              "link": letters.link(token), "until": letters.until(expires, language)]
                let escaped = values.mapValues(MessageTemplate.escape)
                let who = invitee.panelID.map { "p\($0)" } ?? invitee.registrationID.map { "r\($0)" } ?? hash
                for (kind, template, due) in [(NoticeKind.surveyInvitation, letters.invitation[language], now),
                                              (NoticeKind.surveyReminder, letters.reminder[language], remindAt)] {
                    guard let template else { continue }
                    let message = template.render(text: values, html: escaped)
                    messageRows.append("""
                        (\(bind: organisationID), \(bind: invitee.memberID), \(bind: kind.rawValue), \(bind: "invitation:" + hash),
                         \(bind: "survey:\(wave):\(who):\(kind.rawValue)"), 'pending', 0, \(bind: due), \(bind: now), \(bind: invitee.email),
                         \(bind: message.subject), \(bind: message.text), \(bind: message.html))
                        """)
                }
            }
            let invitations = invitationRows.joined(separator: ", "), messages = messageRows.joined(separator: ", ")
            try await WriteGate.transaction(on: db) { tx in
                try await tx.sql.raw("""
                    INSERT INTO research_invitations (wave_id, panel_id, registration_id, cell, token_hash, answered, expires_at) VALUES
                    """ + invitations).run()
                try await tx.sql.raw("""
                    INSERT INTO outbox_messages (organisation_id, member_id, kind, reference, dedupe_key, status, attempts, next_attempt_at, created_at,
                        recipient, subject, body_text, body_html) VALUES
                    """ + messages + " ON CONFLICT (organisation_id, dedupe_key) DO NOTHING").run()
                try await tx.sql.raw("UPDATE research_waves SET size = size + \(bind: batch.count) WHERE id = \(bind: wave)").run()
            }
        }
    }

    // MARK: The panel

    /// A panel member is not asked again within this many days of an invitation.
    public static let restDays = 60

    public struct PanelWave: Sendable, Equatable {
        public let wave: Int
        public let invited: Int
        /// Per quota cell (age band × branch): what it should have had and what the panel could give.
        public let cells: [String: Cell]
        public struct Cell: Sendable, Equatable { public let quota: Int, drawn: Int }
    }

    /// Draws a wave of `size` from the panel by quota — the membership's spread over age band × branch — with a
    /// seeded draw (the same panel and seed give the same wave), skipping members without an e-mail address and those
    /// invited in the last `restDays`, and queues the invitations with their reminders.
    public func invitePanel(version id: Int, name: String, size: Int, seed: UInt64, letters: Letters, now: Date = Date()) async throws -> PanelWave {
        let name = try Self.checkName(name)
        guard (1...PanelRules.maximumWaveSize).contains(size) else {
            throw BiebError.invalid("size", "A wave invites 1 to \(PanelRules.maximumWaveSize) panel members.",
                                    nl: "Een ronde nodigt 1 tot \(PanelRules.maximumWaveSize) panelleden uit.")
        }
        let version = try await publishedVersion(id)
        let settings = try await settings()
        let today = LocalDate(now, in: BranchCalendar.amsterdam)
        let panel = ResearchPanel(db, organisationID: organisationID)
        let quotas = QuotaSample.quotas(total: size, shares: try await panel.targetShares(today: today))
        let rested = now.addingTimeInterval(-Double(Self.restDays) * 86_400)
        let rows = try await sql.raw("""
            SELECT p.id, p.age_band, p.branch_id, m.id AS member_id, m.name, m.email, m.language FROM research_panel p JOIN members m ON m.id = p.member_id
            WHERE p.organisation_id = \(bind: organisationID) AND m.email IS NOT NULL AND m.email <> ''
              AND NOT EXISTS (SELECT 1 FROM research_invitations i JOIN research_waves w ON w.id = i.wave_id
                              WHERE i.panel_id = p.id AND w.created_at > \(bind: rested))
            ORDER BY p.id
            """).all()
        var people: [Int: Invitee] = [:]
        var pool: [(member: Int, cell: String)] = []
        for row in rows {
            let panelID = try row.decode(column: "id", as: Int.self)
            let cell = PanelRules.cell(ageBand: try row.decode(column: "age_band", as: String?.self), branch: try row.decode(column: "branch_id", as: UUID?.self))
            people[panelID] = Invitee(panelID: panelID, memberID: try row.decode(column: "member_id", as: UUID.self), cell: cell,
                                      name: try row.decode(column: "name", as: String.self), email: try row.decode(column: "email", as: String.self),
                                      language: try row.decode(column: "language", as: String.self))
            pool.append((panelID, cell))
        }
        let draw = QuotaSample.draw(pool, quotas: quotas, seed: seed)
        let wave = try await WriteGate.transaction(on: db) { tx in
            try await insertWave(version: version.id, channel: .panel, name: name, settings: settings, now: now, on: tx.sql)
        }
        try await invite(draw.members.compactMap { people[$0] }, wave: wave, settings: settings, letters: letters, now: now)
        return PanelWave(wave: wave, invited: draw.members.count,
                         cells: draw.cells.mapValues { PanelWave.Cell(quota: $0.quota, drawn: $0.drawn) })
    }

    // MARK: After an activity

    /// Follows an activity, or every activity of a series: after it ends, its attendees who agreed at registration
    /// are invited (`inviteAttendees`, run by the research job).
    public func followActivities(version id: Int, name: String, activity: UUID?, series: Int?, now: Date = Date()) async throws -> Int {
        let name = try Self.checkName(name)
        guard (activity == nil) != (series == nil) else {
            throw BiebError.invalid("activity_id", "Choose an activity or a series.", nl: "Kies een activiteit of een reeks.")
        }
        let version = try await publishedVersion(id)
        let organisationID = organisationID
        if let activity, try await sql.raw("SELECT 1 AS x FROM activities WHERE id = \(bind: activity) AND organisation_id = \(bind: organisationID)").first() == nil {
            throw BiebError.invalid("activity_id", "No such activity.", nl: "Die activiteit bestaat niet.")
        }
        if let series, try await sql.raw("SELECT 1 AS x FROM activity_series WHERE id = \(bind: series) AND organisation_id = \(bind: organisationID)").first() == nil {
            throw BiebError.invalid("series_id", "No such series.", nl: "Die reeks bestaat niet.")
        }
        let settings = try await settings()
        return try await WriteGate.transaction(on: db) { tx in
            try await insertWave(version: version.id, channel: .activity, name: name, activity: activity, series: series, settings: settings,
                                 now: now, on: tx.sql)
        }
    }

    /// Invites the attendees of followed activities that ended (within the wave's open days): registrations that
    /// agreed to be asked, checked in at a session, not invited yet. Returns how many.
    public func inviteAttendees(letters: (Wave) async throws -> Letters, now: Date = Date()) async throws -> Int {
        let settings = try await settings()
        var total = 0
        for wave in try await waves() where wave.channel == .activity && wave.status == .open {
            let since = now.addingTimeInterval(-Double(wave.openDays) * 86_400)
            let follow: SQLQueryString
            if let activity = wave.activityID { follow = "a.id = \(bind: activity)" } else { follow = "a.series_id = \(bind: wave.seriesID ?? -1)" }
            let rows = try await sql.raw("""
                SELECT r.id, r.activity_id, r.member_id, COALESCE(m.name, r.guest_name) AS name, COALESCE(m.email, r.guest_email) AS email,
                       COALESCE(m.language, r.language) AS language
                FROM registrations r JOIN activities a ON a.id = r.activity_id LEFT JOIN members m ON m.id = r.member_id
                WHERE a.organisation_id = \(bind: organisationID) AND (
                """ + follow + """
                )
                 AND r.research_consent = \(bind: true) AND a.ends_at <= \(bind: now) AND a.ends_at > \(bind: since)
                  AND EXISTS (SELECT 1 FROM attendance t WHERE t.registration_id = r.id)
                  AND NOT EXISTS (SELECT 1 FROM research_invitations i WHERE i.registration_id = r.id AND i.wave_id = \(bind: wave.id))
                ORDER BY r.id
                """).all()
            let invitees = try rows.compactMap { row -> Invitee? in
                guard let email = try row.decode(column: "email", as: String?.self), !email.isEmpty else { return nil }
                return Invitee(registrationID: try row.decode(column: "id", as: Int.self), memberID: try row.decode(column: "member_id", as: UUID?.self),
                               cell: try row.decode(column: "activity_id", as: UUID.self).uuidString.lowercased(),
                               name: try row.decode(column: "name", as: String?.self) ?? "", email: email,
                               language: try row.decode(column: "language", as: String?.self) ?? "nl")
            }
            guard !invitees.isEmpty else { continue }
            var waveSettings = settings
            (waveSettings.reminderDays, waveSettings.openDays) = (wave.reminderDays, wave.openDays)
            try await invite(invitees, wave: wave.id, settings: waveSettings, letters: try await letters(wave), now: now)
            total += invitees.count
        }
        return total
    }

    // MARK: In the branch

    /// Opens a link for answering in a branch (no sign-in); its code goes in the link and the QR code.
    public func openBranchLink(version id: Int, name: String, branch: UUID, now: Date = Date()) async throws -> Wave {
        let name = try Self.checkName(name)
        let version = try await publishedVersion(id)
        guard try await sql.raw("SELECT 1 AS x FROM branches WHERE id = \(bind: branch) AND organisation_id = \(bind: organisationID)").first() != nil else {
            throw BiebError.invalid("branch_id", "No such branch.", nl: "Die vestiging bestaat niet.")
        }
        let settings = try await settings()
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        let code = String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        let id = try await WriteGate.transaction(on: db) { tx in
            try await insertWave(version: version.id, channel: .branch, name: name, branch: branch, code: code, settings: settings, now: now, on: tx.sql)
        }
        return try await wave(id)
    }

    // MARK: Response rates

    public struct Rates: Sendable, Equatable {
        public let total: ResponseRate
        /// Per quota cell (a panel wave: age band × branch; after an activity: the activity).
        public let cells: [String: ResponseRate]
    }

    public func rates(wave id: Int) async throws -> Rates {
        _ = try await wave(id)
        var cells: [String: ResponseRate] = [:]
        for row in try await sql.raw("""
            SELECT cell, COUNT(*) AS invited, CAST(SUM(CASE WHEN answered THEN 1 ELSE 0 END) AS BIGINT) AS answered
            FROM research_invitations WHERE wave_id = \(bind: id) GROUP BY cell
            """).all() {
            cells[try row.decode(column: "cell", as: String.self)] = ResponseRate(invited: try row.decode(column: "invited", as: Int.self),
                                                                                  answered: try row.decode(column: "answered", as: Int.self))
        }
        return Rates(total: ResponseRate(invited: cells.values.map(\.invited).reduce(0, +), answered: cells.values.map(\.answered).reduce(0, +)),
                     cells: cells)
    }
}
