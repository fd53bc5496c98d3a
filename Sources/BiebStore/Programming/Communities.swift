import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A group around an interest, a life stage or a topic (a book club, an
/// LGBTI community, a chess club). Its meetings are activities with the
/// community set; members follow it.
public struct Community: Sendable, Equatable, Codable {
    public let id: UUID
    public let branchID: UUID?
    public let name: String
    public let description: String
    /// How to reach the group (an e-mail address, a phone number, a name).
    public let contact: String
    public let followers: Int
}

public struct Communities: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    static func community(_ row: any SQLRow) throws -> Community {
        Community(id: try row.decode(column: "id", as: UUID.self), branchID: try row.decode(column: "branch_id", as: UUID?.self),
                  name: try row.decode(column: "name", as: String.self), description: try row.decode(column: "description", as: String.self),
                  contact: try row.decode(column: "contact", as: String.self), followers: try row.decode(column: "followers", as: Int.self))
    }

    static let columns: SQLQueryString = """
        c.id, c.branch_id, c.name, c.description, c.contact, (SELECT COUNT(*) FROM community_followers f WHERE f.community_id = c.id) AS followers
        """

    public func all() async throws -> [Community] {
        try await sql.raw("SELECT \(Self.columns) FROM communities c WHERE c.organisation_id = \(bind: organisationID) ORDER BY c.name").all().map(Self.community)
    }

    public func community(_ id: UUID) async throws -> Community? {
        try await sql.raw("SELECT \(Self.columns) FROM communities c WHERE c.id = \(bind: id) AND c.organisation_id = \(bind: organisationID)")
            .first().map(Self.community)
    }

    /// Creates a community, or changes one (`id`).
    public func save(id: UUID? = nil, name: String, description: String, contact: String, branch: UUID?, now: Date = Date()) async throws -> Community {
        let name = name.trimmed, description = description.trimmed, contact = contact.trimmed
        guard (1...200).contains(name.count) else { throw BiebError.invalid("name", "Give the group a name (at most 200 characters).", nl: "Geef de groep een naam (hoogstens 200 tekens).") }
        guard description.count <= 4000 else { throw BiebError.invalid("description", "At most 4000 characters.", nl: "Hoogstens 4000 tekens.") }
        guard contact.count <= 300 else { throw BiebError.invalid("contact", "At most 300 characters.", nl: "Hoogstens 300 tekens.") }
        if let branch, try await Branch.query(on: db).filter(\.$id == branch).filter(\.$organisation.$id == organisationID).first() == nil {
            throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.")
        }
        if let id, try await community(id) == nil { throw BiebError.notFound("community", nl: "Groep niet gevonden.") }
        let key = id ?? UUID()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            if id != nil {
                try await sql.raw("""
                    UPDATE communities SET name = \(bind: name), description = \(bind: description), contact = \(bind: contact), branch_id = \(bind: branch)
                    WHERE id = \(bind: key)
                    """).run()
            } else {
                try await sql.raw("""
                    INSERT INTO communities (id, organisation_id, branch_id, name, description, contact, created_at)
                    VALUES (\(bind: key), \(bind: organisationID), \(bind: branch), \(bind: name), \(bind: description), \(bind: contact), \(bind: now))
                    """).run()
            }
        }
        return try await community(key)!
    }

    /// A member follows a community (again is harmless).
    public func follow(_ id: UUID, member: UUID, now: Date = Date()) async throws {
        guard try await community(id) != nil else { throw BiebError.notFound("community", nl: "Groep niet gevonden.") }
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO community_followers (community_id, member_id, created_at) VALUES (\(bind: id), \(bind: member), \(bind: now))
                ON CONFLICT (community_id, member_id) DO NOTHING
                """).run()
        }
    }

    public func unfollow(_ id: UUID, member: UUID) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM community_followers WHERE community_id = \(bind: id) AND member_id = \(bind: member)").run()
        }
    }

    /// The communities a member follows.
    public func followed(by member: UUID) async throws -> [Community] {
        try await sql.raw("""
            SELECT \(Self.columns) FROM communities c JOIN community_followers f0 ON f0.community_id = c.id
            WHERE f0.member_id = \(bind: member) AND c.organisation_id = \(bind: organisationID) ORDER BY c.name
            """).all().map(Self.community)
    }
}
