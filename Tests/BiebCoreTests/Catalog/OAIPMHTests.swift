import Foundation
import Testing
@testable import BiebCore

@Suite struct OAIPMHRequestTests {
    func fails(_ pairs: [(String, String)], _ code: String) {
        do {
            _ = try OAIPMH.parse(pairs)
            Issue.record("\(pairs) should fail with \(code)")
        } catch {
            #expect(error.code == code, "\(pairs): \(error.code)")
        }
    }

    @Test func argumentsFollowTheProtocol() throws {
        #expect(try OAIPMH.parse([("verb", "Identify")]).verb == .identify)
        fails([], "badVerb")
        fails([("verb", "Harvest")], "badVerb")
        fails([("verb", "Identify"), ("set", "x")], "badArgument")
        fails([("verb", "ListRecords")], "badArgument")                                          // metadataPrefix required
        fails([("verb", "GetRecord"), ("metadataPrefix", "oai_dc")], "badArgument")               // identifier required
        fails([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "marcxml")], "badArgument") // repeated
        fails([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-13-01")], "badArgument")
        fails([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-01-01"), ("until", "2026-01-02T00:00:00Z")], "badArgument")
        fails([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-02-01"), ("until", "2026-01-01")], "badArgument")
        fails([("verb", "ListRecords"), ("resumptionToken", "abc"), ("metadataPrefix", "oai_dc")], "badArgument") // exclusive
        fails([("verb", "ListRecords"), ("resumptionToken", "!!!")], "badResumptionToken")
        let day = try OAIPMH.parse([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", "2026-01-01"), ("until", "2026-01-01")])
        #expect(day.until!.timeIntervalSince(day.from!) == 86_399) // a whole day
    }

    @Test func resumptionTokensCarryTheRequest() throws {
        let request = try OAIPMH.parse([("verb", "ListRecords"), ("metadataPrefix", "marcxml"), ("set", "den-haag:book"),
                                        ("from", "2026-01-01T00:00:00Z")])
        let token = OAIPMH.token(for: request, after: 42)
        let resumed = try OAIPMH.parse([("verb", "ListRecords"), ("resumptionToken", token)])
        #expect(resumed.metadataPrefix == "marcxml")
        #expect(resumed.set == "den-haag:book")
        #expect(resumed.from == request.from)
        #expect(resumed.after == 42)
        // A token of another verb does not fit.
        fails([("verb", "ListIdentifiers"), ("resumptionToken", token)], "badResumptionToken")
    }
}
