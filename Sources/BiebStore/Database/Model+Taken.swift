import FluentKit
import BiebCore

extension Model {
    /// Saves the row unless another row already has what must be unique (a slug, a code, an e-mail
    /// address): `others` selects the rows with the same value, this row itself is left out. The check
    /// gives the answer; when two saves race past it, the unique index decides and the loser gets the
    /// same answer (`taken`).
    func save(on db: any Database, unlessTakenBy others: QueryBuilder<Self>, _ taken: BiebError) async throws {
        var others = others
        if let id { others = others.filter(\._$id != id) }
        if try await others.first() != nil { throw taken }
        do {
            try await save(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw taken
        }
    }
}
