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
}
