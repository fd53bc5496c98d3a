import FluentKit
import SQLKit

extension Database {
    /// The SQL side of a Fluent database. Bieb runs only on SQL databases
    /// (SQLite and PostgreSQL), so every `Database` it is given has one: the
    /// one place that says so, instead of a cast in every store.
    public var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            preconditionFailure("Bieb runs on SQL databases (SQLite, PostgreSQL); \(type(of: self)) is not one")
        }
        return sql
    }
}
