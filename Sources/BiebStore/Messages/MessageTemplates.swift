import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An organisation's own wording of its messages (per kind and language);
/// without one, the message uses Bieb's default text.
public struct MessageTemplates: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    public struct Stored: Sendable {
        public let template: MessageTemplate
        public let updatedAt: Date
        public let updatedBy: UUID?
    }

    public func stored(kind: NoticeKind, language: String) async throws -> Stored? {
        guard let row = try await sql.raw("""
            SELECT subject, text, html, updated_at, updated_by FROM message_templates
            WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: kind.rawValue) AND language = \(bind: language)
            """).first() else { return nil }
        return Stored(template: MessageTemplate(subject: try row.decode(column: "subject", as: String.self), text: try row.decode(column: "text", as: String.self),
                                                html: try row.decode(column: "html", as: String.self)),
                      updatedAt: try row.decode(column: "updated_at", as: Date.self), updatedBy: try row.decode(column: "updated_by", as: UUID?.self))
    }

    /// Saves the organisation's wording (already validated against the kind's placeholders).
    public func save(_ template: MessageTemplate, kind: NoticeKind, language: String, staff: UUID?, now: Date = Date()) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO message_templates (organisation_id, kind, language, subject, text, html, updated_at, updated_by)
                VALUES (\(bind: organisationID), \(bind: kind.rawValue), \(bind: language), \(bind: template.subject), \(bind: template.text),
                        \(bind: template.html), \(bind: now), \(bind: staff))
                ON CONFLICT (organisation_id, kind, language) DO UPDATE SET subject = excluded.subject, text = excluded.text, html = excluded.html,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """).run()
        }
    }

    /// Back to Bieb's default text.
    public func reset(kind: NoticeKind, language: String) async throws {
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                DELETE FROM message_templates WHERE organisation_id = \(bind: organisationID) AND kind = \(bind: kind.rawValue) AND language = \(bind: language)
                """).run()
        }
    }
}

struct CreateMessageTemplates: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("message_templates")
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("language", .string, .required)
            .field("subject", .string, .required)
            .field("text", .string, .required)
            .field("html", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .uuid, .references(StaffUser.schema, "id", onDelete: .setNull))
            .unique(on: "organisation_id", "kind", "language")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema("message_templates").delete()
    }
}
