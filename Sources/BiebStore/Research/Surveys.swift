import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An organisation's surveys and their versions. A version is a draft
/// until it is published; from then on it is never edited — a change is a
/// new version, copied from the last, so the answers to each version stay
/// comparable with each other and with other surveys' answers to the same
/// standard questions (by key). Whether a version's answers are anonymous
/// (the default) or linked by consent is part of the version, frozen with it.
/// Publishing a version closes the one published before.
public struct Surveys: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    static let schema = "research_surveys"
    static let versionSchema = "research_survey_versions"

    public enum Status: String, Sendable, Codable, CaseIterable {
        case draft, published, closed
    }

    public struct Version: Sendable, Equatable {
        public var id: Int
        public var survey: Int
        public var number: Int
        public var status: Status
        public var titleNL: String
        public var titleEN: String
        /// Answers kept without any link to who gave them (the default), or linked by the person's consent.
        public var anonymous: Bool
        public var questions: [SurveyQuestion]
        public var publishedAt: Date?
    }

    public struct Summary: Sendable, Equatable {
        public var id: Int
        public var slug: String
        public var latest: Version
    }

    /// What a version holds, as the forms and the API give it.
    public struct Draft: Sendable, Equatable {
        public var titleNL: String
        public var titleEN: String
        public var anonymous: Bool
        public var questions: [SurveyQuestion]
        public init(titleNL: String, titleEN: String, anonymous: Bool = true, questions: [SurveyQuestion]) {
            (self.titleNL, self.titleEN, self.anonymous, self.questions) = (titleNL, titleEN, anonymous, questions)
        }
    }

    static func checkTitles(_ draft: Draft) throws {
        for (field, title) in [("title_nl", draft.titleNL), ("title_en", draft.titleEN)] where title.trimmed.isEmpty || title.count > 200 {
            throw BiebError.invalid(field, "Give the survey a title (at most 200 characters).", nl: "Geef de enquête een titel (hoogstens 200 tekens).")
        }
    }

    static func encoded(_ questions: [SurveyQuestion]) throws -> String {
        String(decoding: try JSONEncoder().encode(questions), as: UTF8.self)
    }

    /// Creates a survey with its first version as a draft. Its questions are checked when it is published.
    public func create(slug: String, _ draft: Draft, now: Date = Date()) async throws -> (survey: Int, version: Int) {
        guard Validate.slug(slug) else {
            throw BiebError.invalid("slug", "A short name of lower-case letters, digits and hyphens.", nl: "Een korte naam van kleine letters, cijfers en streepjes.")
        }
        try Self.checkTitles(draft)
        let organisationID = organisationID
        let questions = try Self.encoded(draft.questions)
        return try await WriteGate.transaction(on: db) { tx in
            guard try await tx.sql.select().column("id").from(Self.schema).where("organisation_id", .equal, organisationID)
                .where("slug", .equal, slug).first() == nil else {
                throw BiebError(.conflict, code: "survey_exists", field: "slug", message: "There is a survey with this short name.",
                                nl: "Er is al een enquête met deze korte naam.")
            }
            guard let survey = try await tx.sql.raw("""
                INSERT INTO research_surveys (organisation_id, slug, created_at) VALUES (\(bind: organisationID), \(bind: slug), \(bind: now)) RETURNING id
                """).first()?.decode(column: "id", as: Int.self),
                  let version = try await tx.sql.raw("""
                    INSERT INTO research_survey_versions (survey_id, number, status, title_nl, title_en, anonymous, questions, created_at)
                    VALUES (\(bind: survey), 1, 'draft', \(bind: draft.titleNL.trimmed), \(bind: draft.titleEN.trimmed), \(bind: draft.anonymous),
                            \(bind: questions), \(bind: now)) RETURNING id
                    """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("survey", nl: "Enquête niet gevonden.") }
            return (survey, version)
        }
    }

    /// Changes a draft. A published or closed version is never edited (409 `survey_version_frozen`).
    public func edit(version id: Int, _ draft: Draft) async throws {
        try Self.checkTitles(draft)
        let questions = try Self.encoded(draft.questions)
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await Self.requireDraft(id, organisationID: organisationID, on: tx.sql)
            try await tx.sql.update(Self.versionSchema).set("title_nl", to: draft.titleNL.trimmed).set("title_en", to: draft.titleEN.trimmed)
                .set("anonymous", to: draft.anonymous).set("questions", to: questions).where("id", .equal, id).run()
        }
    }

    /// Publishes a draft whose questions pass `SurveyRules`; the version published before is closed.
    public func publish(version id: Int, now: Date = Date()) async throws {
        let organisationID = organisationID
        try SurveyRules.check(try await version(id).questions)
        try await WriteGate.transaction(on: db) { tx in
            let survey = try await Self.requireDraft(id, organisationID: organisationID, on: tx.sql)
            try await tx.sql.update(Self.versionSchema).set("status", to: Status.closed.rawValue).where("survey_id", .equal, survey)
                .where("status", .equal, Status.published.rawValue).run()
            try await tx.sql.update(Self.versionSchema).set("status", to: Status.published.rawValue).set("published_at", to: now)
                .where("id", .equal, id).run()
        }
    }

    /// A new draft copied from the survey's latest version: the way to change a published survey. Refused while a
    /// draft is open (409 `survey_draft_open`).
    public func newVersion(of survey: Int, now: Date = Date()) async throws -> Int {
        let organisationID = organisationID
        return try await WriteGate.transaction(on: db) { tx in
            guard let latest = try await tx.sql.raw("""
                SELECT v.id, v.number, v.status FROM research_survey_versions v JOIN research_surveys s ON s.id = v.survey_id
                WHERE s.id = \(bind: survey) AND s.organisation_id = \(bind: organisationID) ORDER BY v.number DESC LIMIT 1
                """).first() else { throw BiebError.notFound("survey", nl: "Enquête niet gevonden.") }
            guard try latest.decode(column: "status", as: String.self) != Status.draft.rawValue else {
                throw BiebError(.conflict, code: "survey_draft_open", field: nil, message: "This survey has a draft version: change that one.",
                                nl: "Deze enquête heeft een conceptversie: wijzig die.")
            }
            let from = try latest.decode(column: "id", as: Int.self), number = try latest.decode(column: "number", as: Int.self) + 1
            guard let id = try await tx.sql.raw("""
                INSERT INTO research_survey_versions (survey_id, number, status, title_nl, title_en, anonymous, questions, created_at)
                SELECT survey_id, \(bind: number), 'draft', title_nl, title_en, anonymous, questions, \(bind: now)
                FROM research_survey_versions WHERE id = \(bind: from) RETURNING id
                """).first()?.decode(column: "id", as: Int.self) else { throw BiebError.notFound("survey", nl: "Enquête niet gevonden.") }
            return id
        }
    }

    /// Locks a version's row (PostgreSQL) and checks it is this organisation's draft; returns its survey.
    @discardableResult
    static func requireDraft(_ id: Int, organisationID: UUID, on sql: any SQLDatabase) async throws -> Int {
        guard let row = try await sql.raw("""
            UPDATE research_survey_versions SET status = status
            WHERE id = \(bind: id) AND survey_id IN (SELECT id FROM research_surveys WHERE organisation_id = \(bind: organisationID))
            RETURNING status, survey_id
            """).first() else { throw BiebError.notFound("survey version", nl: "Versie van de enquête niet gevonden.") }
        guard try row.decode(column: "status", as: String.self) == Status.draft.rawValue else {
            throw BiebError(.conflict, code: "survey_version_frozen", field: nil,
                            message: "A published version is not changed: make a new version.", nl: "Een gepubliceerde versie verandert niet: maak een nieuwe versie.")
        }
        return try row.decode(column: "survey_id", as: Int.self)
    }

    static let versionColumns = "v.id, v.survey_id, v.number, v.status, v.title_nl, v.title_en, v.anonymous, v.questions, v.published_at"

    static func version(_ row: any SQLRow) throws -> Version {
        let questions = try JSONDecoder().decode([SurveyQuestion].self, from: Data(try row.decode(column: "questions", as: String.self).utf8))
        return Version(id: try row.decode(column: "id", as: Int.self), survey: try row.decode(column: "survey_id", as: Int.self),
                       number: try row.decode(column: "number", as: Int.self),
                       status: Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .closed,
                       titleNL: try row.decode(column: "title_nl", as: String.self), titleEN: try row.decode(column: "title_en", as: String.self),
                       anonymous: try row.decode(column: "anonymous", as: Bool.self), questions: questions,
                       publishedAt: try row.decode(column: "published_at", as: Date?.self))
    }

    public func version(_ id: Int) async throws -> Version {
        guard let row = try await sql.raw("""
            SELECT \(unsafeRaw: Self.versionColumns) FROM research_survey_versions v JOIN research_surveys s ON s.id = v.survey_id
            WHERE v.id = \(bind: id) AND s.organisation_id = \(bind: organisationID)
            """).first() else { throw BiebError.notFound("survey version", nl: "Versie van de enquête niet gevonden.") }
        return try Self.version(row)
    }

    /// The versions of a survey, newest first.
    public func versions(of survey: Int) async throws -> [Version] {
        try await sql.raw("""
            SELECT \(unsafeRaw: Self.versionColumns) FROM research_survey_versions v JOIN research_surveys s ON s.id = v.survey_id
            WHERE s.id = \(bind: survey) AND s.organisation_id = \(bind: organisationID) ORDER BY v.number DESC
            """).all().map(Self.version)
    }

    /// Every survey with its latest version, by short name.
    public func all() async throws -> [Summary] {
        let rows = try await sql.raw("""
            SELECT s.slug, \(unsafeRaw: Self.versionColumns) FROM research_surveys s JOIN research_survey_versions v ON v.survey_id = s.id
            WHERE s.organisation_id = \(bind: organisationID)
              AND v.number = (SELECT MAX(x.number) FROM research_survey_versions x WHERE x.survey_id = s.id)
            ORDER BY s.slug
            """).all()
        return try rows.map { Summary(id: try $0.decode(column: "survey_id", as: Int.self), slug: try $0.decode(column: "slug", as: String.self),
                                      latest: try Self.version($0)) }
    }
}

/// Customer research's tables (the surveys so far).
struct CreateResearchSurveys: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Surveys.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("slug", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "organisation_id", "slug")
            .create()
        try await database.schema(Surveys.versionSchema)
            .field("id", .int64, .identifier(auto: true))
            .field("survey_id", .int64, .required, .references(Surveys.schema, "id", onDelete: .cascade))
            .field("number", .int, .required)
            .field("status", .string, .required)
            .field("title_nl", .string, .required)
            .field("title_en", .string, .required)
            .field("anonymous", .bool, .required)
            .field("questions", .string, .required)
            .field("created_at", .datetime, .required)
            .field("published_at", .datetime)
            .unique(on: "survey_id", "number")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema(Surveys.versionSchema).delete()
        try await database.schema(Surveys.schema).delete()
    }
}
