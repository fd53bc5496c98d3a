import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Customer research for one organisation, shared by its staff pages and API: who asks (`research`, or
/// `moderateAnswers` for the moderation of open answers), the stores, the organisation's branches, and the
/// letters invitations go out with.
struct ResearchService {
    let user: StaffUser
    let organisation: Organisation
    let db: any Database
    let branches: [BranchLabel]
    let baseURL: String

    static func make(_ req: Request, _ permission: Permission = .research) async throws -> ResearchService {
        let user = try req.staff(permission)
        guard let organisation = try await req.branches.organisation(id: user.organisationID) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        return ResearchService(user: user, organisation: organisation, db: req.db, branches: try await req.branches.labels(of: user.organisationID),
                               baseURL: req.bieb.baseURL)
    }

    var organisationID: UUID { organisation.id! }
    var surveys: Surveys { Surveys(db, organisationID: organisationID) }
    var fieldwork: ResearchFieldwork { ResearchFieldwork(db, organisationID: organisationID) }
    var answers: ResearchAnswers { ResearchAnswers(db, organisationID: organisationID) }
    var results: ResearchResults { ResearchResults(db, organisationID: organisationID) }
    var panel: ResearchPanel { ResearchPanel(db, organisationID: organisationID) }

    func branchName(_ id: UUID?) -> String? { id.flatMap { id in branches.first { $0.id == id }?.name } }

    /// The public address of a branch link.
    static func branchLink(base: String, organisation: Organisation, code: String) -> String { base + "/\(organisation.slug)/enquete/\(code)" }

    /// What invitations to a version say: the organisation's wording of the two messages (or the default), in Dutch and English.
    static func letters(for version: Surveys.Version, organisation: Organisation, base: String, db: any Database) async throws -> ResearchFieldwork.Letters {
        var invitation: [String: MessageTemplate] = [:], reminder: [String: MessageTemplate] = [:]
        for language in ["nl", "en"] {
            invitation[language] = try await Notices.template(.surveyInvitation, language: language, organisation: organisation.id!, on: db)
            reminder[language] = try await Notices.template(.surveyReminder, language: language, organisation: organisation.id!, on: db)
        }
        let zone = organisation.zone
        let site = base + "/\(organisation.slug)/enquete/t/"
        return ResearchFieldwork.Letters(invitation: invitation, reminder: reminder, library: organisation.name,
                                         surveyTitle: ["nl": version.titleNL, "en": version.titleEN],
                                         until: { date, language in Formats(lang: language == "en" ? .en : .nl, timeZone: zone).dateWithYear(LocalDate(date, in: zone)) },
                                         link: { site + $0 })
    }

    func letters(for version: Surveys.Version) async throws -> ResearchFieldwork.Letters {
        try await Self.letters(for: version, organisation: organisation, base: baseURL, db: db)
    }

    /// Starts a wave as `fields` say: a panel wave (queued at once), following an activity or series, or a branch link.
    func start(_ fields: WaveFields) async throws -> Int {
        guard let versionID = fields.version_id else {
            throw BiebError.invalid("version_id", "Choose the survey version.", nl: "Kies de versie van de enquête.")
        }
        switch fields.channel {
        case .panel:
            guard let size = fields.size else { throw BiebError.invalid("size", "How many panel members to invite?", nl: "Hoeveel panelleden uitnodigen?") }
            let version = try await surveys.version(versionID)
            return try await fieldwork.invitePanel(version: versionID, name: fields.name ?? "", size: size, seed: fields.seed ?? UInt64.random(in: 1...UInt64.max),
                                                   letters: try await letters(for: version)).wave
        case .activity:
            return try await fieldwork.followActivities(version: versionID, name: fields.name ?? "", activity: fields.activity_id, series: fields.series_id)
        case .branch:
            guard let branch = try branches.named(fields.branch, field: "branch") else {
                throw BiebError.invalid("branch", "Choose a branch.", nl: "Kies een vestiging.")
            }
            return try await fieldwork.openBranchLink(version: versionID, name: fields.name ?? "", branch: branch.id).id
        case nil:
            throw BiebError.invalid("channel", "Choose how to ask: panel, activity or branch.", nl: "Kies hoe u vraagt: panel, activity of branch.")
        }
    }

    /// Invites the attendees of followed activities that ended, for every organisation (the research job).
    static func inviteAttendees(_ app: Application, now: Date = Date()) async throws -> Int {
        var total = 0
        for organisation in try await Organisation.query(on: app.db).all() {
            let fieldwork = ResearchFieldwork(app.db, organisationID: organisation.id!)
            let surveys = Surveys(app.db, organisationID: organisation.id!)
            total += try await fieldwork.inviteAttendees(letters: { wave in
                try await letters(for: try await surveys.version(wave.versionID), organisation: organisation, base: app.bieb.baseURL, db: app.db)
            }, now: now)
        }
        return total
    }
}
