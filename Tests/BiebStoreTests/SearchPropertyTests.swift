import Foundation
import PropertyBased
import Testing
import BiebCore
import BiebStore
import BiebTestSupport

/// Issue 16: `a NOT NOT b` and the like compiled to FTS5 that SQLite
/// refused (a 500). Here random searches from the grammar's pieces, and
/// random CQL, run against the real engines: each is refused by the parser
/// with its own error, or searched without an error from the database —
/// on SQLite and PostgreSQL alike.
@Suite("Search: every accepted query compiles") struct SearchPropertyTests {
    @Test(arguments: TestDatabase.all)
    func everyAcceptedQueryRunsOnTheDatabase(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let search = CatalogSearch(app.db, organisationID: fixture.city)
            let accepted = Counter()
            await propertyCheck(count: 600, input: SearchGrammar.query) { text in
                let query: SearchQuery
                do {
                    query = try SearchQuery.parse(text)
                } catch {
                    #expect((error as? BiebError)?.field == "q", "\(text): \(error)")
                    return
                }
                await accepted.add()
                do {
                    _ = try await search.search(query)
                } catch {
                    Issue.record("'\(text)' was accepted but the database refused it: \(String(reflecting: error))")
                }
            }
            await propertyCheck(count: 300, input: SearchGrammar.cql) { text in
                guard let query = try? CQL.parse(text) else { return }
                do {
                    _ = try await search.search(query)
                } catch {
                    Issue.record("CQL '\(text)' was accepted but the database refused it: \(String(reflecting: error))")
                }
            }
            // The generator must reach the database often enough to prove anything.
            #expect(await accepted.value > 100)
            // The queries that were found from outside.
            // And words longer than PostgreSQL takes as a lexeme (2,046 bytes; here 2,700), whole and as a prefix.
            let long = String(repeating: "界", count: 900)
            for text in ["a NOT NOT b", "a --b", "a -(-b)", "a NOT -b", "oorlog NOT NOT (verzet OR fiets)", long, long + "*", "\"x² \(long)\""] {
                _ = try await search.search(try SearchQuery.parse(text))
            }
        }
    }

    actor Counter {
        var value = 0
        func add() { value += 1 }
    }
}
