import Foundation
import Testing
@testable import BiebCore

@Suite struct SIP2CodecTests {
    let amsterdam = TimeZone(identifier: "Europe/Amsterdam")!

    /// The SC status example of the 3M SIP2 Developers Guide (page 26): the
    /// sum covers everything up to and including "AZ".
    @Test func checksumOfTheDevelopersGuideExample() {
        #expect(SIP2.checksum(Array("990 402.00AY1AZ".utf8)) == "FCB4")
        // The defining property: bytes plus checksum sum to zero in 16 bits.
        for line in ["9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZ", "96AZ", String(repeating: "~", count: 4_000)] {
            let sum = line.utf8.reduce(0) { $0 + Int($1) } + Int(SIP2.checksum(Array(line.utf8)), radix: 16)!
            #expect(sum % 65_536 == 0)
        }
    }

    @Test func parsesTheGuidesLoginWithSequenceAndChecksum() throws {
        let request = try SIP2Request.parse(Array("9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZEC7B".utf8))
        #expect(request.command == .login)
        #expect(request.fixed == "00")
        #expect(request.sequence == 5)
        #expect(request.field("CN") == "LoginUserID")
        #expect(request.field("CO") == "LoginPassword")
        #expect(request.field("CP") == "LocationCode")
    }

    @Test func parsesStatusWhoseFixedPartEndsRightBeforeTheTrailer() throws {
        let request = try SIP2Request.parse(Array("990 402.00AY1AZFCB4".utf8))
        #expect(request.command == .status)
        #expect(request.fixed == "0 402.00")
        #expect(request.fixed(4, 4) == "2.00")
        #expect(request.sequence == 1)
        #expect(request.fields.isEmpty)
        // Without error detection, and with a lower-case checksum.
        #expect(try SIP2Request.parse(Array("990 402.00".utf8)).sequence == nil)
        #expect(try SIP2Request.parse(Array("990 402.00AY1AZfcb4".utf8)).sequence == 1)
        // A sequence number without a checksum.
        #expect(try SIP2Request.parse(Array("990 402.00AY3".utf8)).sequence == 3)
    }

    @Test func refusesAWrongChecksum() {
        #expect(throws: SIP2.ParseError.badChecksum) { try SIP2Request.parse(Array("990 402.00AY1AZFCB5".utf8)) }
        // One character changed in transit.
        #expect(throws: SIP2.ParseError.badChecksum) {
            try SIP2Request.parse(Array("9300CNLoginUserID|COLoginPasswort|CPLocationCode|AY5AZEC7B".utf8))
        }
    }

    @Test func refusesTruncatedUnknownAndBinaryInput() {
        #expect(throws: SIP2.ParseError.truncated(command: "11", expected: 38, got: 5)) {
            try SIP2Request.parse(Array("11YN202".utf8))
        }
        #expect(throws: SIP2.ParseError.unknownCommand("XX")) { try SIP2Request.parse(Array("XXhello".utf8)) }
        #expect(throws: SIP2.ParseError.notASCII) { try SIP2Request.parse([0x39, 0x39, 0x00, 0xFF]) }
        #expect(throws: SIP2.ParseError.empty) { try SIP2Request.parse([]) }
        #expect(throws: SIP2.ParseError.empty) { try SIP2Request.parse([0x39]) }
    }

    @Test func readsFieldsWithEmptyValuesRepeatsAndAMissingLastPipe() throws {
        let line = "63001" + "20261122    101500" + "  Y       " + "AOBieb|AA2000000001|AC|AD1234|BP1|BQ5"
        let request = try SIP2Request.parse(Array(line.utf8))
        #expect(request.command == .patronInformation)
        #expect(request.fixed(0, 3) == "001")
        #expect(request.fixed(21, 10) == "  Y       ")
        #expect(request.field("AA") == "2000000001")
        #expect(request.field("AC") == nil)          // sent empty
        #expect(request.field("AD") == "1234")
        #expect(request.field("BQ") == "5")           // no pipe after the last field
        #expect(request.field("AY") == nil)
    }

    @Test func aFieldValueMayLookLikeATrailer() throws {
        // "AY1" inside a value is not the sequence number: fields end with a pipe.
        let line = "17" + "20261122    101500" + "AOBieb|ABAY1|"
        let request = try SIP2Request.parse(Array(line.utf8))
        #expect(request.field("AB") == "AY1")
        #expect(request.sequence == nil)
    }

    @Test func encodesResponsesWithSequenceAndChecksum() throws {
        var response = SIP2Response("94")
        response.fixed("1")
        let line = response.encoded(sequence: 5)
        #expect(line.hasPrefix("941AY5AZ"))
        #expect(line.hasSuffix("\r"))
        let body = Array(line.dropLast().utf8)
        #expect(SIP2.checksum(body.dropLast(4)) == String(decoding: body.suffix(4), as: UTF8.self))
        // No sequence from the client: 0 is sent.
        #expect(SIP2Response("96").encoded(sequence: nil).hasPrefix("96AY0AZ"))
    }

    @Test func fieldValuesAreMadeSafe() {
        var response = SIP2Response("18")
        response.field("AJ", "Één | twee\r\ndrie – café")
        response.field("AF", optional: nil)
        response.field("AF", optional: "")
        #expect(response.text == "18AJEen   twee  drie - cafe|")
        var long = SIP2Response("18")
        long.field("AJ", String(repeating: "x", count: 1_000))
        #expect(long.text.count == 2 + 2 + SIP2.maximumFieldLength + 1)
    }

    @Test func datesAreEighteenCharactersInLocalTime() throws {
        // 2026-11-22 09:15:30 UTC is 10:15:30 in Amsterdam (winter time).
        let instant = Date(timeIntervalSince1970: 1_795_338_930)
        #expect(SIP2.date(instant, in: amsterdam) == "20261122    101530")
        #expect(SIP2.parseDate("20261122    101530", in: amsterdam) == instant)
        #expect(SIP2.parseDate("20261122   Z091530", in: amsterdam) == instant)
        #expect(SIP2.parseDate("20261122 UTC091530", in: amsterdam) == instant)
        #expect(SIP2.parseDate("                  ", in: amsterdam) == nil)
        #expect(SIP2.parseDate("20260231    101530", in: amsterdam) == nil)
        #expect(SIP2.parseDate("2026112210153", in: amsterdam) == nil)
    }

    @Test func moneyAndCounts() {
        #expect(SIP2.amount(250) == "2.50")
        #expect(SIP2.amount(5) == "0.05")
        #expect(SIP2.amount(-1200) == "-12.00")
        #expect(SIP2.cents("2.50") == 250)
        #expect(SIP2.cents("2,5") == 250)
        #expect(SIP2.cents("3") == 300)
        #expect(SIP2.cents(".75") == 75)
        #expect(SIP2.cents("2.505") == nil)
        #expect(SIP2.cents("-1") == nil)
        #expect(SIP2.cents("abc") == nil)
        #expect(SIP2.count(7) == "0007")
        #expect(SIP2.count(123_456) == "9999")
    }

    @Test func everyCommandAnswersWithItsPair() {
        let pairs = Dictionary(uniqueKeysWithValues: SIP2.Command.allCases.map { ($0.rawValue, $0.response) })
        #expect(pairs["93"] == "94" && pairs["99"] == "98" && pairs["63"] == "64" && pairs["23"] == "24")
        #expect(pairs["11"] == "12" && pairs["09"] == "10" && pairs["29"] == "30" && pairs["65"] == "66")
        #expect(pairs["17"] == "18" && pairs["15"] == "16" && pairs["37"] == "38" && pairs["35"] == "36")
    }
}

@Suite struct SelfServiceRuleTests {
    let today = LocalDate(year: 2026, month: 11, day: 22)!
    let conditions = SelfServiceConditions(minimumAge: 16, minimumMembershipDays: 90, requiresTermsAccepted: true)

    func door(_ level: ServiceLevel = .selfService, born: LocalDate = LocalDate(year: 1990, month: 5, day: 1)!,
              since: LocalDate = LocalDate(year: 2024, month: 1, day: 1)!, terms: Bool = true, blocks: [MemberBlock] = []) -> DoorDecision {
        SelfServiceAccess.door(level: level, conditions: conditions, birthDate: born, memberSince: since, termsAccepted: terms,
                               blocks: blocks, today: today)
    }

    @Test func selfServiceHoursApplyTheBranchConditions() {
        #expect(door() == .allowed)
        #expect(door(born: LocalDate(year: 2011, month: 1, day: 1)!) == .refused(.tooYoung(minimumAge: 16)))
        #expect(door(born: LocalDate(year: 2010, month: 11, day: 22)!) == .allowed)   // sixteen today
        #expect(door(since: LocalDate(year: 2026, month: 10, day: 1)!) ==
                .refused(.memberTooShort(since: LocalDate(year: 2026, month: 10, day: 1)!, minimumDays: 90)))
        #expect(door(since: today.adding(days: -90)) == .allowed)
        #expect(door(terms: false) == .refused(.termsNotAccepted))
        #expect(door(blocks: [.manual("damage")]) == .refused(.blocked(.manual("damage"))))
    }

    @Test func staffedHoursLetEveryoneInAndClosedHoursNoOne() {
        #expect(door(.staffed, born: LocalDate(year: 2020, month: 1, day: 1)!, terms: false, blocks: [.manual("x")]) == .allowed)
        #expect(door(.closed) == .refused(.closed))
    }

    @Test func conditionsCanBeLifted() {
        let open = SelfServiceConditions(minimumAge: 0, minimumMembershipDays: 0, requiresTermsAccepted: false)
        #expect(SelfServiceAccess.door(level: .selfService, conditions: open, birthDate: LocalDate(year: 2020, month: 1, day: 1)!,
                                       memberSince: today, termsAccepted: false, blocks: [], today: today) == .allowed)
        #expect(throws: BiebError.self) { try SortBins(holds: "A|B").validate() }
        #expect(throws: Never.self) { try SortBins(holds: "H1", transit: "T", shelf: "3").validate() }
    }

    @Test func refusalsSayWhyInBothLanguages() {
        #expect(DoorRefusal.tooYoung(minimumAge: 16).message(dutch: true) == "Zonder personeel mag je binnen vanaf 16 jaar.")
        #expect(DoorRefusal.closed.message(dutch: false) == "The library is closed now.")
        #expect(DoorRefusal.termsNotAccepted.code == "terms_not_accepted")
    }

    @Test func pinsAreFourToSixDigits() throws {
        #expect(try MemberPIN.validate("4821") == "4821")
        #expect(try MemberPIN.validate(" 482193 ") == "482193")
        for bad in ["123", "1234567", "12a4", "0000", ""] {
            #expect(throws: BiebError.self) { try MemberPIN.validate(bad) }
        }
    }

    @Test func ageBandsForVisitorStatistics() {
        #expect(SelfServiceAccess.ageBand(birthDate: LocalDate(year: 2010, month: 11, day: 23)!, on: today) == "12-17")
        #expect(SelfServiceAccess.ageBand(birthDate: LocalDate(year: 2008, month: 11, day: 22)!, on: today) == "18-24")
        #expect(SelfServiceAccess.ageBand(birthDate: LocalDate(year: 1950, month: 1, day: 1)!, on: today) == "65+")
    }
}
