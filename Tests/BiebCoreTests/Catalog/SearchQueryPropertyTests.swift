import Foundation
import PropertyBased
import Testing
@testable import BiebCore

/// Random garbage never crashes the parsers: each answers with a query or
/// its own error. (The store's `SearchPropertyTests` generate queries from
/// the grammar and run them against SQLite and PostgreSQL.)
@Suite struct SearchQueryPropertyTests {
    @Test func garbageNeverCrashesTheParsers() async {
        await propertyCheck(count: 1_000, input: Gen<Character>.latin1.string(of: 0...200)) { text in
            do {
                let query = try SearchQuery.parse(text)
                #expect(query.isExpressible, "\(text)")
            } catch let error as BiebError {
                #expect(error.field == "q", "\(text): \(error)")
            } catch {
                Issue.record("\(text): \(error)")
            }
            _ = try? CQL.parse(text)
        }
    }
}
