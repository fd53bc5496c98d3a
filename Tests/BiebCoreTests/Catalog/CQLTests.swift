import Foundation
import Testing
@testable import BiebCore

@Suite struct CQLTests {
    @Test func searchClausesAndBooleans() throws {
        #expect(try CQL.parse("avonden") == .word("avonden", .any))
        #expect(try CQL.parse("dc.title = \"de avonden\"") == .phrase(["de", "avonden"], .title))
        #expect(try CQL.parse("dc.creator=reve and dc.title=avonden") == .and([.word("reve", .author), .word("avonden", .title)]))
        #expect(try CQL.parse("title all \"fiets reis\"") == .and([.word("fiets", .title), .word("reis", .title)]))
        #expect(try CQL.parse("subject any \"oorlog verzet\"") == .or([.word("oorlog", .subject), .word("verzet", .subject)]))
        #expect(try CQL.parse("bath.isbn = 90-254-5235-3") == .word("9789025452353", .isbn))
        #expect(try CQL.parse("cql.serverChoice = fiets*") == .prefix("fiets", .any))
        #expect(try CQL.parse("(a or b) not c") == .and([.or([.word("a", .any), .word("b", .any)]), .not(.word("c", .any))]))
        #expect(try CQL.parse("title adj \"de aanslag\"") == .phrase(["de", "aanslag"], .title))
    }

    @Test func diagnosticsForWhatIsNotSupported() {
        func diagnostic(_ query: String) -> Int? {
            do { _ = try CQL.parse(query); return nil } catch { return error.diagnostic }
        }
        #expect(diagnostic("dc.publisher = x") == 16)
        #expect(diagnostic("title < x") == 19)
        #expect(diagnostic("\"open") == 10)
        #expect(diagnostic("(a or b") == 10)
        #expect(diagnostic("a prox b") == 37)
        #expect(diagnostic("") == 10)
    }
}
