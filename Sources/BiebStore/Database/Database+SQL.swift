import Foundation
import FluentKit
import SQLKit

extension Database {
    /// The SQL side of a Fluent database. Bieb runs only on SQL databases
    /// (SQLite and PostgreSQL), so every `Database` it is given has one: the
    /// one place that says so, instead of a cast in every store. Inside `PreparedStatements.scope`, on PostgreSQL,
    /// its statements run prepared.
    public var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            preconditionFailure("Bieb runs on SQL databases (SQLite, PostgreSQL); \(type(of: self)) is not one")
        }
        return PreparedStatements.wrap(sql, held: inTransaction)
    }
}

extension SQLDatabase {
    /// `column` is one of `ids`, with the ids as one parameter however many there are (an `IN` list would need one
    /// each, and SQLite allows 32,766): an array on PostgreSQL, a JSON array read by `json_each` on SQLite.
    func isOne(of ids: [Int], _ column: SQLQueryString) -> SQLQueryString {
        if dialect.name == "postgresql" { return "\(column) = ANY(\(bind: ids))" }
        return "\(column) IN (SELECT value FROM json_each(\(bind: "[" + ids.map(String.init).joined(separator: ",") + "]")))"
    }

    /// `column` is the organisation, in a walk through one organisation's rows after a cursor that is ordered by
    /// `organisation_id, id` over an index on both (the hourly jobs; loading the search columns). On PostgreSQL written
    /// `= ANY(…)`: given a plain `=`, the planner takes the organisation for a constant, drops it from the order, and
    /// may walk the primary key from the cursor over every other organisation's newer rows instead, filtering them
    /// out one by one — 4 million rows for one batch of the statistics at 7 organisations.
    func isOrganisation(_ organisation: UUID, _ column: SQLQueryString) -> SQLQueryString {
        if dialect.name == "postgresql" { return "\(column) = ANY(\(bind: [organisation]))" }
        return "\(column) = \(bind: organisation)"
    }
}
