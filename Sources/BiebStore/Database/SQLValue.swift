import Foundation
import SQLKit

/// A bound parameter for the bulk writes of the import. On SQLite, a value
/// is bound as the plain type SQLite stores (text, integer, real, blob) and
/// an absent one as a literal NULL: SQLiteKit's generic encoder is slow for
/// optionals and UUIDs, which adds up to seconds at ten thousand titles a
/// second. PostgreSQL gets the values as they are.
enum SQLValue: Sendable {
    case text(String)
    case int(Int)
    case data(Data)
    case bool(Bool)
    case uuid(UUID)
    case date(Date)
    /// A PostgreSQL `tsvector` in its text form (`TSVectorText`); PostgreSQL only.
    case tsvector(String)
    case null

    static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    static func int(_ value: Int?) -> SQLValue { value.map { .int($0) } ?? .null }
    static func uuid(_ value: UUID?) -> SQLValue { value.map { .uuid($0) } ?? .null }

    /// The expression for a statement on `sql`: a bind, or NULL.
    func expression(sqlite: Bool) -> any SQLExpression {
        switch self {
        case .text(let value): SQLBind(value)
        case .int(let value): SQLBind(value)
        case .data(let value): SQLBind(value)
        case .bool(let value): SQLBind(value)
        // Fluent stores UUIDs in SQLite as their upper-case text.
        case .uuid(let value): sqlite ? SQLBind(value.uuidString) : SQLBind(value)
        case .date(let value): SQLBind(value)
        case .tsvector(let value): SQLQueryString("CAST(\(bind: value) AS tsvector)")
        case .null: SQLLiteral.null
        }
    }
}

extension SQLQueryString {
    /// Appends "(v1, v2, …)".
    mutating func appendRow(_ values: [SQLValue], sqlite: Bool) {
        appendLiteral("(")
        for (index, value) in values.enumerated() {
            if index > 0 { appendLiteral(", ") }
            appendInterpolation(value.expression(sqlite: sqlite))
        }
        appendLiteral(")")
    }
}

extension SQLQueryString {
    /// `INSERT INTO table (columns) VALUES (…), (…)`: one statement for a chunk of rows.
    static func insert(into table: String, columns: [String], rows: some Collection<[SQLValue]>, sqlite: Bool) -> SQLQueryString {
        var query = SQLQueryString("INSERT INTO \(ident: table) (\(unsafeRaw: columns.joined(separator: ", "))) VALUES ")
        for (index, row) in rows.enumerated() {
            if index > 0 { query.appendLiteral(", ") }
            query.appendRow(row, sqlite: sqlite)
        }
        return query
    }
}
