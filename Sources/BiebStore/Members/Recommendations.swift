import FluentKit
import Foundation
import SQLKit
import BiebCore

/// A title suggested to a member, and why.
public struct Suggestion: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        /// Members who borrowed what you borrowed also borrowed this.
        case alsoBorrowed = "also_borrowed"
        /// New, by an author you borrowed.
        case author
        /// New, in a series you borrowed from.
        case series
        /// New, in a genre (NUR) you borrowed.
        case genre
    }

    public let titleID: Int
    public let title: String
    public let author: String?
    public let reason: Reason
    /// For `alsoBorrowed`: how many other members (at least `Recommendations.minimumOtherMembers`).
    public let members: Int
}

/// Personal reading tips, only for members who agreed (the consent
/// `recommendations`), from what they borrow now and their loan history:
///
/// - "also borrowed": titles other members borrowed along with the
///   member's titles — only from members who agreed to recommendations
///   themselves and keep a history, and only where at least
///   `minimumOtherMembers` others did, so that no tip gives away one
///   person's reading;
/// - new titles (added in the last `newDays` days) by the member's
///   authors, in their series, or in their genres.
public struct Recommendations: Sendable {
    let db: any Database
    public let organisationID: UUID

    public static let minimumOtherMembers = 2
    public static let newDays = 90

    public init(_ db: any Database, organisationID: UUID) {
        self.db = db
        self.organisationID = organisationID
    }

    var sql: any SQLDatabase { db.sql }

    /// Tips for a member; nil when they did not agree to recommendations.
    public func suggestions(for member: UUID, now: Date = Date(), limit: Int = 8) async throws -> (alsoBorrowed: [Suggestion], new: [Suggestion])? {
        guard try await Consents.isOn(.recommendations, member: member, on: sql) else { return nil }
        let mine = try await sql.raw("""
            SELECT title_id FROM loan_history WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID)
            UNION SELECT title_id FROM loans WHERE member_id = \(bind: member) AND organisation_id = \(bind: organisationID)
            """).all().map { try $0.decode(column: "title_id", as: Int.self) }
        guard !mine.isEmpty else { return ([], []) }
        let titles = SQLBind.group(mine)
        let also = try await sql.raw("""
            SELECT t.id, t.title, t.main_author, COUNT(DISTINCT h2.member_id) AS n
            FROM loan_history h1
            JOIN loan_history h2 ON h2.member_id = h1.member_id
            JOIN titles t ON t.id = h2.title_id
            WHERE h1.organisation_id = \(bind: organisationID) AND h1.title_id IN \(titles) AND h1.member_id <> \(bind: member)
              AND h2.title_id NOT IN \(titles) AND t.deleted = \(bind: false) AND
            """ + Consents.grantedCondition(.recommendations, memberColumn: "h1.member_id") + """
             GROUP BY t.id, t.title, t.main_author HAVING COUNT(DISTINCT h2.member_id) >= \(bind: Self.minimumOtherMembers)
            ORDER BY n DESC, t.id LIMIT \(literal: limit)
            """).all().map { row in
            Suggestion(titleID: try row.decode(column: "id", as: Int.self), title: try row.decode(column: "title", as: String.self),
                       author: try row.decode(column: "main_author", as: String?.self), reason: .alsoBorrowed,
                       members: try row.decode(column: "n", as: Int.self))
        }
        // What the member borrows: authors, series, genres.
        var authors = Set<String>(), series = Set<String>(), genres = Set<Int>()
        for row in try await sql.raw("SELECT main_author, series, nur FROM titles WHERE id IN \(titles)").all() {
            if let author = try row.decode(column: "main_author", as: String?.self) { authors.insert(author) }
            if let name = try row.decode(column: "series", as: String?.self) { series.insert(name) }
            if let nur = try row.decode(column: "nur", as: Int?.self) { genres.insert(nur) }
        }
        var conditions: [SQLQueryString] = []
        if !authors.isEmpty { conditions.append("t.main_author IN \(SQLBind.group(Array(authors)))") }
        if !series.isEmpty { conditions.append("t.series IN \(SQLBind.group(Array(series)))") }
        if !genres.isEmpty { conditions.append("t.nur IN \(SQLBind.group(Array(genres)))") }
        guard !conditions.isEmpty else { return (also, []) }
        var any: SQLQueryString = "(" + conditions[0]
        for condition in conditions.dropFirst() { any += " OR " + condition }
        any += ")"
        let since = now.addingTimeInterval(-Double(Self.newDays) * 86_400)
        let shown = Set(also.map(\.titleID))
        let candidates = try await sql.raw("""
            SELECT t.id, t.title, t.main_author, t.series, t.nur FROM titles t
            WHERE t.organisation_id = \(bind: organisationID) AND t.deleted = \(bind: false) AND t.created_at >= \(bind: since)
              AND t.id NOT IN \(titles) AND
            """ + " " + any + " ORDER BY t.created_at DESC, t.id DESC LIMIT \(literal: limit * 3)").all()
        var new: [Suggestion] = []
        for row in candidates {
            let id = try row.decode(column: "id", as: Int.self)
            guard !shown.contains(id) else { continue }
            let author = try row.decode(column: "main_author", as: String?.self)
            let reason: Suggestion.Reason
            if let author, authors.contains(author) {
                reason = .author
            } else if let name = try row.decode(column: "series", as: String?.self), series.contains(name) {
                reason = .series
            } else {
                reason = .genre
            }
            new.append(Suggestion(titleID: id, title: try row.decode(column: "title", as: String.self), author: author, reason: reason, members: 0))
        }
        // Authors first, then series, then genres; newest first within each.
        let order: [Suggestion.Reason: Int] = [.author: 0, .series: 1, .genre: 2]
        new = new.enumerated().sorted { (order[$0.element.reason]!, $0.offset) < (order[$1.element.reason]!, $1.offset) }.map(\.element)
        return (also, Array(new.prefix(limit)))
    }

    /// Members who agreed to recommendations and have an e-mail address (for the monthly e-mail).
    static func recipients(organisation: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.raw("""
            SELECT m.id FROM members m WHERE m.organisation_id = \(bind: organisation) AND m.email IS NOT NULL AND
            """ + Consents.grantedCondition(.recommendations, memberColumn: "m.id")).all().map { try $0.decode(column: "id", as: UUID.self) }
    }
}
