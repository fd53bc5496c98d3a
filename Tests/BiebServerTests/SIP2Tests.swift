import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

/// Fixed-part widths of the responses, from the SIP2 message layouts
/// (reference/sip2.md), written out here independently of the server.
enum Layout {
    static let login = 1                      // 94: ok
    static let status = 6 + 3 + 3 + 18 + 4    // 98: six flags, timeout, retries, date, version
    static let patronInformation = 14 + 3 + 18 + 6 * 4
    static let patronStatus = 14 + 3 + 18
    static let checkout = 4 + 18              // 12 and 30: ok, renewal ok, magnetic, desensitize, date
    static let checkin = 4 + 18               // 10: ok, resensitize, magnetic, alert, date
    static let renewAll = 1 + 4 + 4 + 18
    static let itemInformation = 2 + 2 + 2 + 18
    static let hold = 2 + 18
    static let feePaid = 1 + 18
    static let endSession = 1 + 18
}

@Suite("SIP2 listener") struct SIP2Tests {
    let date = SIP2Setup.dateField

    @Test(arguments: TestDatabase.all)
    func aKioskSessionFromLoginToEndSession(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            let kiosk = try await s.terminal()
            // 99 → 98: online, open (staffed hour), the supported messages of a kiosk.
            let status = try SIP2Answer(try await kiosk.request("990 402.00"), fixedLength: Layout.status)
            #expect(status.code == "98")
            #expect(status.fixed(0, 6) == "YYYYNN")
            #expect(status.fixed(12, 18).count == 18 && status.fixed(30, 4) == "2.00")
            #expect(status.field("AO") == "city")
            #expect(status.field("AM") == "Stadsbibliotheek")
            #expect(status.field("AN") == "Centrale Bibliotheek")
            // 23 Patron status, 11 checkout, 09 checkin, 01 block, 99 status, 97 resend, 93 login, 63 info, 35 end, 37 fee, 17 item,
            // 19 item update, 25 patron enable, 15 hold, 29 renew, 65 renew all.
            #expect(status.field("BX") == "YYYNYYYYYYYNNYYY")

            // 63 → 64 with the charged items list asked for.
            let info = try SIP2Answer(try await kiosk.request("63001\(date)  Y       AOcity|AA\(CirculationFixture.adultCard)|AC|"),
                                      fixedLength: Layout.patronInformation)
            #expect(info.code == "64")
            #expect(info.fixed(0, 14) == "  Y           ")   // nothing denied (no recalls in Bieb)
            #expect(info.fixed(14, 3) == "001")
            #expect(info.fixed(43, 4) == "0000")             // charged items
            #expect(info.field("AE") == "Anna de Vries")
            #expect(info.field("BL") == "Y")
            #expect(info.field("CQ") == nil)                  // no PIN sent
            #expect(info.field("BH") == "EUR")
            #expect(info.field("BV") == "0.00")
            #expect(info.field("CB") == "0005")
            #expect(info.field("AF") == "Welcome Anna.")

            // 11 → 12: borrow two copies.
            for barcode in ["B1C1", "D1C1"] {
                let out = try SIP2Answer(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|AB\(barcode)|AC|"),
                                         fixedLength: Layout.checkout)
                #expect(out.code == "12")
                #expect(out.fixed(0, 4) == "1NNY")
                #expect(out.field("AB") == barcode)
                #expect(out.field("AH")?.count == 18)
            }
            let book = try SIP2Answer(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB2C1|"),
                                      fixedLength: Layout.checkout)
            // Loan period 21 days from Monday 23 November: due Monday 14 December.
            #expect(book.field("AH") == "20261214    235959")
            #expect(book.field("AJ") == "Boek 2")
            #expect(book.field("CK") == "001")
            #expect(book.field("AF") == "Borrowed. Due back by 2026-12-14.")
            // The same copy again with renewal allowed (SC renewal policy Y), the same day: that would not
            // move the due date, so it is refused and no renewal is used up.
            let sameDay = try SIP2Answer(try await kiosk.request("11YN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB2C1|"),
                                         fixedLength: Layout.checkout)
            #expect(sameDay.fixed(0, 1) == "0")
            #expect(sameDay.field("AF") == "Renewing now would not change the due date: it stays 2026-12-14. Renew closer to that date.")
            // A week into the loan: renewed.
            try await backdateOpenLoans(s.app, days: 7, barcodes: ["B2C1"])
            let again = try SIP2Answer(try await kiosk.request("11YN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB2C1|"),
                                       fixedLength: Layout.checkout)
            #expect(again.fixed(0, 4) == "1YNY")
            // A copy lent to someone else: refused with the reason, nothing changed.
            let taken = try SIP2Answer(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.youthCard)|ABB1C1|"),
                                       fixedLength: Layout.checkout)
            #expect(taken.fixed(0, 4) == "0NNN")
            #expect(taken.field("AF")?.isEmpty == false)

            // 17 → 18 item information.
            let item = try SIP2Answer(try await kiosk.request("17\(date)AOcity|ABD1C1|"), fixedLength: Layout.itemInformation)
            #expect(item.fixed(0, 2) == "04")
            #expect(item.field("AJ") == "Film 1")
            #expect(item.field("CK") == "005")
            #expect(item.field("AQ") == "Centrale Bibliotheek")
            #expect(item.field("AH")?.hasPrefix("20261130") == true)   // DVDs: 7 days
            let unknown = try SIP2Answer(try await kiosk.request("17\(date)AOcity|ABNOPE|"), fixedLength: Layout.itemInformation)
            #expect(unknown.fixed(0, 2) == "01")
            #expect(unknown.field("AF") == "No copy with barcode NOPE.")

            // 29 → 30 renew one; 65 → 66 renew all (the DVD has one renewal, the book two), a week on.
            try await backdateOpenLoans(s.app, days: 7)
            let renewed = try SIP2Answer(try await kiosk.request("29NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABD1C1|"),
                                         fixedLength: Layout.checkout)
            #expect(renewed.code == "30")
            #expect(renewed.fixed(0, 2) == "1Y")
            let all = try SIP2Answer(try await kiosk.request("65\(date)AOcity|AA\(CirculationFixture.adultCard)|"), fixedLength: Layout.renewAll)
            #expect(all.code == "66")
            #expect(all.fixed(0, 1) == "1")
            #expect(all.fixed(1, 4) == "0002" && all.fixed(5, 4) == "0001")
            #expect(all.all("BN") == ["D1C1"])

            // Patron information again: three loans, listed.
            let info2 = try SIP2Answer(try await kiosk.request("63001\(date)  Y       AOcity|AA\(CirculationFixture.adultCard)|"),
                                       fixedLength: Layout.patronInformation)
            #expect(info2.fixed(43, 4) == "0003")
            #expect(Set(info2.all("AU")) == ["B1C1", "D1C1", "B2C1"])

            // 35 → 36 end session.
            let end = try SIP2Answer(try await kiosk.request("35\(date)AOcity|AA\(CirculationFixture.adultCard)|"), fixedLength: Layout.endSession)
            #expect(end.code == "36" && end.fixed(0, 1) == "Y")
            await kiosk.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func aReturnTrapsAHoldWithAlertSortBinAndSlip(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            let store = SelfServiceStore(s.app.db, organisationID: s.fixture.network.city)
            try await store.setSortBins(SortBins(holds: "H", transit: "T", shelf: "K"), branch: s.fixture.network.central)
            let kiosk = try await s.terminal()
            let sorter = try await s.terminal("sorter1")
            // The adult borrows B3C1 and B3C2 and B3O1 is lent too, so the youth's hold must wait for a return.
            for barcode in ["B3C1", "B3C2", "B3O1"] {
                #expect(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|AB\(barcode)|").hasPrefix("121"))
            }
            let hold = try SIP2Answer(try await kiosk.request("15+\(date)BScentrale|AOcity|AA\(CirculationFixture.youthCard)|ABB3C1|"),
                                      fixedLength: Layout.hold)
            #expect(hold.code == "16")
            #expect(hold.fixed(0, 2) == "1N")
            #expect(hold.field("BR") == "1")
            #expect(hold.field("BS") == "Centrale Bibliotheek")
            #expect(hold.field("BW")?.count == 18)

            // The sorter takes B3C2 in: it fills the hold here.
            let back = try SIP2Answer(try await sorter.request("09N\(date)\(date)APcentrale|AOcity|ABB3C2|AC|"), fixedLength: Layout.checkin)
            #expect(back.code == "10")
            #expect(back.fixed(0, 4) == "1YNY")                // ok, resensitize, not magnetic, alert
            #expect(back.field("CL") == "H")
            #expect(back.field("CV") == "01")
            #expect(back.field("CT") == "Centrale Bibliotheek")
            #expect(back.field("CY") == CirculationFixture.youthCard)
            #expect(back.field("DA") == "Bram J.")
            #expect(back.field("AQ") == "Centrale Bibliotheek")
            #expect(back.field("AA") == nil)                  // who returned it is not told
            // The next return goes to the shelf: no alert.
            let shelf = try SIP2Answer(try await sorter.request("09N\(date)\(date)APcentrale|AOcity|ABB3C1|"), fixedLength: Layout.checkin)
            #expect(shelf.fixed(3, 1) == "N")
            #expect(shelf.field("CL") == "K")
            #expect(shelf.field("CV") == nil)
            // A copy of the district library returned here travels home.
            let home = try SIP2Answer(try await sorter.request("09N\(date)\(date)APcentrale|AOcity|ABB3O1|"), fixedLength: Layout.checkin)
            #expect(home.fixed(3, 1) == "Y")
            #expect(home.field("CL") == "T")
            #expect(home.field("CV") == "04")
            #expect(home.field("CT") == "Bibliotheek Oost")
            // The sorter may not lend.
            let refused = try SIP2Answer(try await sorter.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB3C1|"),
                                         fixedLength: Layout.checkout)
            #expect(refused.fixed(0, 1) == "0")
            #expect(refused.field("AF") == "Dit kan niet op deze terminal.")
            // The youth collects at the kiosk: the hold is fulfilled.
            #expect(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.youthCard)|ABB3C2|").hasPrefix("121"))
            let collected = try await Hold.query(on: s.app.db).filter(\.$memberID == s.fixture.youth).first()
            #expect(collected?.status == .fulfilled)
        }
    }

    @Test(arguments: TestDatabase.all)
    func feesArePaidOncePerTransaction(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            let circulation = Circulation(s.app.db, organisationID: s.fixture.network.city)
            try await circulation.charge(member: s.fixture.adult, cents: 450, note: "Beschadigd omslag",
                                         at: Circulation.Desk(branch: s.fixture.network.central, now: SIP2Setup.staffedHour))
            let kiosk = try await s.terminal()
            // The member chooses English (language 001) for this session.
            let info = try SIP2Answer(try await kiosk.request("63001\(date)   Y      AOcity|AA\(CirculationFixture.adultCard)|"),
                                      fixedLength: Layout.patronInformation)
            #expect(info.field("BV") == "4.50")
            #expect(info.fixed(47, 4) == "0001")
            #expect(info.all("AV") == ["4.50 Beschadigd omslag"])
            // Wrong currency, nonsense amount, more than is open: refused, nothing booked.
            for (fixed, amount) in [("USD", "1.00"), ("EUR", "abc"), ("EUR", "9.00")] {
                let no = try SIP2Answer(try await kiosk.request("37\(date)0100\(fixed)BV\(amount)|AOcity|AA\(CirculationFixture.adultCard)|BKT-1|"),
                                        fixedLength: Layout.feePaid)
                #expect(no.fixed(0, 1) == "N")
            }
            #expect(try await circulation.member(s.fixture.adult).balanceCents == 450)
            let paid = try SIP2Answer(try await kiosk.request("37\(date)0100EURBV2.50|AOcity|AA\(CirculationFixture.adultCard)|BKT-1|"),
                                      fixedLength: Layout.feePaid)
            #expect(paid.code == "38" && paid.fixed(0, 1) == "Y")
            #expect(paid.field("BK") == "T-1")
            #expect(paid.field("AF") == "Paid: EUR 2,50. Still open: EUR 2,00.")   // ASCII on the wire
            // The kiosk did not hear the answer and sends the payment again: booked once.
            let repeated = try SIP2Answer(try await kiosk.request("37\(date)0100EURBV2.50|AOcity|AA\(CirculationFixture.adultCard)|BKT-1|"),
                                          fixedLength: Layout.feePaid)
            #expect(repeated.fixed(0, 1) == "Y")
            #expect(repeated.field("AF")?.hasPrefix("This payment was already booked") == true)
            #expect(try await circulation.member(s.fixture.adult).balanceCents == 200)
        }
    }

    @Test(arguments: TestDatabase.all)
    func loginIsRequiredAndWrongLoginsCloseTheConnection(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            let client = try await s.client()
            let early = try SIP2Answer(try await client.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB1C1|"),
                                       fixedLength: Layout.checkout)
            #expect(early.fixed(0, 1) == "0")
            #expect(early.field("AF") == "Deze terminal is niet aangemeld.")
            #expect(try await client.request("9300CNkiosk1|COwrong|CPcentrale|").hasPrefix("940"))
            #expect(try await client.request("9300CNnobody|COwrong|").hasPrefix("940"))
            #expect(try await client.request("9300CNkiosk1|CO\(SIP2Setup.password)|CPelders|").hasPrefix("940"))  // wrong location
            #expect(await client.closedByServer())
            // A deactivated terminal cannot log in.
            let store = SelfServiceStore(s.app.db, organisationID: s.fixture.network.city)
            let kiosk = try #require(try await SelfServiceStore.terminal(login: "kiosk1", on: s.app.db))
            _ = try await store.update(kiosk.id!, TerminalDraft(name: "kiosk1", login: "kiosk1", kind: .kiosk, branch: s.fixture.network.central,
                                                                active: false), passwordHash: nil)
            let other = try await s.client()
            #expect(try await other.request("9300CNkiosk1|CO\(SIP2Setup.password)|").hasPrefix("940"))
            // Nothing was lent.
            #expect(try await Loan.query(on: s.app.db).count() == 0)
        }
    }

    @Test func framingCRLFSplitPacketsSeveralInOnePacketAndSlowWriters() async throws {
        try await withSIP2(.sqlite) { s in
            let kiosk = try await s.terminal()
            // CRLF and bare LF end a message too.
            try await kiosk.send("990 402.00AY1AZFCB4\r\n")
            #expect(await kiosk.line()?.hasPrefix("98YYYYNN") == true)
            try await kiosk.send("990 402.00\n")
            #expect(await kiosk.line()?.hasPrefix("98") == true)
            // One message in three packets.
            let message = Array("17\(date)AOcity|ABB1C1|AY2AZ".utf8)
            let whole = message + Array(SIP2.checksum(message).utf8) + [13]
            try await kiosk.send(Array(whole[0..<5]))
            try await Task.sleep(for: .milliseconds(50))
            try await kiosk.send(Array(whole[5..<30]))
            try await Task.sleep(for: .milliseconds(50))
            try await kiosk.send(Array(whole[30...]))
            let item = try #require(await kiosk.line())
            #expect(item.hasPrefix("1803"))
            #expect(item.contains("AY2AZ"))
            // Two messages in one packet: two answers, in order.
            try await kiosk.send("17\(date)AOcity|ABD1C1|\r990 402.00\r")
            #expect(await kiosk.line()?.hasPrefix("18") == true)
            #expect(await kiosk.line()?.hasPrefix("98") == true)
            // A slow writer: a byte every 5 ms.
            for byte in whole {
                try await kiosk.send([byte])
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(await kiosk.line()?.hasPrefix("1803") == true)
        }
    }

    @Test func malformedInputIsAnsweredOrClosedAndHarmsNoOtherConnection() async throws {
        try await withSIP2(.sqlite) { s in
            let kiosk = try await s.terminal()
            // A bad checksum: 96, please resend; nothing done.
            try await kiosk.send("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB1C1|AY1AZ0000\r")
            let resend = try #require(await kiosk.line())
            #expect(resend.hasPrefix("96AY0AZ"))
            #expect(SIP2.checksum(Array(resend.dropLast(4).utf8)) == String(resend.suffix(4)))
            #expect(try await Loan.query(on: s.app.db).count() == 0)
            // Truncated, unknown, binary: 96 each; the third in a row closes the connection.
            let attacker = try await s.terminal()
            try await attacker.send("11YN\r")
            #expect(await attacker.line()?.hasPrefix("96") == true)
            try await attacker.send([0x00, 0xFF, 0xFE, 0x13, 0x10, 0x0D])
            #expect(await attacker.line()?.hasPrefix("96") == true)
            try await attacker.send("ZZgarbage\r")
            #expect(await attacker.line()?.hasPrefix("96") == true)
            #expect(await attacker.closedByServer())
            // A very long line: 96 once, the rest of it skipped, and the connection still works.
            let long = try await s.terminal()
            try await long.send(String(repeating: "A", count: 10_000))
            try await long.send(String(repeating: "B", count: 10_000) + "\r")
            #expect(await long.line()?.hasPrefix("96") == true)
            #expect(try await long.request("990 402.00").hasPrefix("98"))
            // A client that connects and disconnects mid-message.
            let quitter = try await s.client()
            try await quitter.send("9300CNkio")
            await quitter.close()
            // Meanwhile the first kiosk goes on as if nothing happened.
            let out = try SIP2Answer(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB1C1|"),
                                     fixedLength: Layout.checkout)
            #expect(out.fixed(0, 1) == "1")
        }
    }

    @Test func resendAndRetriedRequestsAreNotCarriedOutTwice() async throws {
        try await withSIP2(.sqlite) { s in
            let kiosk = try await s.terminal()
            let body = "11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB1C1|AY7AZ"
            let line = body + SIP2.checksum(Array(body.utf8)) + "\r"
            try await kiosk.send(line)
            let first = try #require(await kiosk.line())
            #expect(first.hasPrefix("121"))
            // 97: the last answer again, byte for byte.
            try await kiosk.send("97\r")
            #expect(await kiosk.line() == first)
            // The same request with the same sequence number (the kiosk missed the answer): the same answer, one loan.
            try await kiosk.send(line)
            #expect(await kiosk.line() == first)
            #expect(try await Loan.query(on: s.app.db).count() == 1)
        }
    }

    @Test func idleConnectionsAreClosedAfterTheTimeout() async throws {
        try await withSIP2(.sqlite, options: SIP2Options(host: "127.0.0.1", port: 0, idleSeconds: 2)) { s in
            // A machine that connects and says nothing: closed when the timeout has passed, not before.
            let started = ContinuousClock.now
            let silent = try await s.client()
            #expect(await silent.closedByServer(timeout: 10))
            #expect(ContinuousClock.now - started >= .milliseconds(1_900))
            for _ in 0..<100 where s.listener.connectionCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(s.listener.connectionCount == 0)
        }
    }

    @Test func fiveHundredIdleConnectionsDoNotSlowAKiosk() async throws {
        // All from one address here: allow them (the cap per address has a test of its own).
        try await withSIP2(.sqlite, options: SIP2Options(host: "127.0.0.1", port: 0, maximumConnectionsPerAddress: 1_000)) { s in
            var idle: [SIP2Client] = []
            for _ in 0..<500 { idle.append(try await s.client()) }
            // Half of them said half a message and went quiet.
            for client in idle.prefix(250) { try await client.send("9300CN") }
            let kiosk = try await s.terminal()
            #expect(s.listener.connectionCount == 501)
            let started = ContinuousClock.now
            for _ in 0..<20 { #expect(try await kiosk.request("17\(date)AOcity|ABB1C1|").hasPrefix("1803")) }
            // Generous bound: this is not a benchmark, only a check that idle connections cost nothing per message.
            #expect(ContinuousClock.now - started < .seconds(10))
            for client in idle { await client.close() }
        }
    }

    @Test func tlsWhenACertificateIsGiven() async throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let options = SIP2Options(host: "127.0.0.1", port: 0, certificatePath: fixtures.appendingPathComponent("sip2-test-cert.pem").path,
                                  keyPath: fixtures.appendingPathComponent("sip2-test-key.pem").path)
        try await withSIP2(.sqlite, options: options) { s in
            let client = try await s.client(tls: true)
            #expect(try await client.request("9300CNkiosk1|CO\(SIP2Setup.password)|CPcentrale|").hasPrefix("941"))
            #expect(try await client.request("990 402.00").hasPrefix("98"))
            // Plain text on a TLS port is not understood, and the listener lives on.
            let plain = try await s.client()
            try await plain.send("9300CNkiosk1|CO\(SIP2Setup.password)|\r")
            #expect(await plain.closedByServer())
            #expect(try await client.request("990 402.00").hasPrefix("98"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func closedHoursRefuseLendingButTakeReturnsDated(_ database: TestDatabase) async throws {
        try await withSIP2(database) { s in
            // Lend during opening hours, then close.
            let kiosk = try await s.terminal()
            #expect(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB1C1|").hasPrefix("121"))
            #expect(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB2C1|").hasPrefix("121"))
            s.app.selfService.setClock { SIP2Setup.closedHour }
            let status = try SIP2Answer(try await kiosk.request("990 402.00"), fixedLength: Layout.status)
            #expect(status.fixed(0, 3) == "YYN")              // online, returns yes, lending no
            #expect(status.field("AF") == "Gesloten. Inleveren kan wel.")
            let out = try SIP2Answer(try await kiosk.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB3C1|"),
                                     fixedLength: Layout.checkout)
            #expect(out.fixed(0, 1) == "0")
            #expect(out.field("AF")?.hasPrefix("De bibliotheek is gesloten") == true)
            // A return in the night is accepted and dated now.
            #expect(try await kiosk.request("09N\(date)\(SIP2.date(SIP2Setup.closedHour, in: BranchCalendar.amsterdam))APcentrale|AOcity|ABB1C1|")
                .hasPrefix("101"))
            // A return the machine kept offline is dated when it happened.
            let earlier = SIP2Setup.instant(2026, 11, 23, 18, 30)
            #expect(try await kiosk.request("09N\(date)\(SIP2.date(earlier, in: BranchCalendar.amsterdam))APcentrale|AOcity|ABB2C1|")
                .hasPrefix("101"))
            let returns = try await Loan.query(on: s.app.db).sort(\.$id).all()
            #expect(returns.map(\.returnedAt) == [SIP2Setup.closedHour, earlier])
        }
    }

    @Test(arguments: TestDatabase.all)
    func twoKiosksRacingForOneCopyExactlyOneWins(_ database: TestDatabase) async throws {
        try await withSIP2(database, sqliteFile: true) { s in
            let one = try await s.terminal()
            let two = try await s.terminal()
            let date = date
            for round in 0..<6 {
                async let first = one.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.adultCard)|ABB1C1|")
                async let second = two.request("11NN\(date)\(date)AOcity|AA\(CirculationFixture.youthCard)|ABB1C1|")
                let answers = try await [first, second]
                #expect(answers.filter { $0.hasPrefix("121") }.count == 1, "round \(round): \(answers)")
                #expect(answers.filter { $0.hasPrefix("120") }.count == 1, "round \(round): \(answers)")
                #expect(try await Loan.query(on: s.app.db).filter(\.$open == true).count() == 1)
                #expect(try await one.request("09N\(date)\(date)APcentrale|AOcity|ABB1C1|").hasPrefix("101"))
            }
            let circulation = Circulation(s.app.db, organisationID: s.fixture.network.city)
            #expect(try await circulation.member(s.fixture.adult).loanCount + circulation.member(s.fixture.youth).loanCount == 0)
        }
    }
}
