import FluentKit
import SQLKit

extension Database {
    /// Creates an index in a migration, on SQLite and PostgreSQL alike:
    /// `try await database.createIndex("payments_member_idx", on: "payments", "member_id", "status")`.
    func createIndex(_ name: String, on table: String, _ columns: String..., unique: Bool = false) async throws {
        var create = sql.create(index: name).on(table)
        for column in columns { create = create.column(column) }
        if unique { create = create.unique() }
        try await create.run()
    }

    /// The columns a table has: for a migration that must be able to run again after it was stopped halfway.
    func columns(of table: String) async throws -> Set<String> {
        let query: SQLQueryString = sql.dialect.name == "postgresql"
            ? "SELECT column_name AS name FROM information_schema.columns WHERE table_name = \(bind: table) AND table_schema = current_schema()"
            : "SELECT name FROM pragma_table_info(\(bind: table))"
        return Set(try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) })
    }
}
