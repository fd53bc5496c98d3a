import Fluent
import Foundation
import NIOSSL
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

/// E-mail: the SMTP client against a real server over TCP (plain,
/// STARTTLS, AUTH, refusals), and the outbox: one message per event,
/// retried with back-off, never twice — also with two app servers.
@Suite("Messages") struct MessagesTests {
    static func certificate() throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return (try NIOSSLCertificate.fromPEMFile(fixtures.appendingPathComponent("sip2-test-cert.pem").path)[0],
                try NIOSSLPrivateKey(file: fixtures.appendingPathComponent("sip2-test-key.pem").path, format: .pem))
    }

    /// A mail server on a free port, with STARTTLS and a user when asked.
    static func sink(tls: Bool = false, user: String? = nil, on group: any EventLoopGroup) async throws -> (SMTPSink, SMTPSettings) {
        var options = SMTPSink.Options()
        var trusted: [NIOSSLCertificate] = []
        if tls {
            let (certificate, key) = try certificate()
            options.tls = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
            trusted = [certificate]
        }
        options.user = user
        options.password = user.map { _ in "geheim wachtwoord" }
        let sink = SMTPSink(options: options)
        let port = try await sink.start(on: group)
        let settings = SMTPSettings(host: tls ? "localhost" : "127.0.0.1", port: port, security: tls ? .startTLS : .none, user: user,
                                    password: user.map { _ in "geheim wachtwoord" }, from: "noreply@bieb.test", extraTrustedCertificates: trusted,
                                    timeout: .seconds(5))
        return (sink, settings)
    }

    static func mail(to: String, subject: String = "Je reservering ligt klaar", id: String = UUID().uuidString) -> MailMessage {
        MailMessage(from: .init("noreply@bieb.test", name: "Stadsbibliotheek"), to: .init(to, name: "Anna"), subject: subject,
                    text: "Beste Anna,\n\nHet boek ligt klaar.\n.\nGroet", html: "<p>Beste Anna</p>", messageID: "\(id)@bieb.test")
    }

    static func header(_ name: String, in data: String) -> String? {
        // Unfold (a line starting with a space continues the field), then find the field.
        let unfolded = data.replacingOccurrences(of: "\r\n ", with: " ")
        return unfolded.components(separatedBy: "\r\n").first { $0.hasPrefix("\(name): ") }.map { String($0.dropFirst(name.count + 2)) }
    }

    @Test func smtpClientWithSTARTTLSAuthAndRefusals() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let (sink, settings) = try await Self.sink(tls: true, user: "bieb", on: group)
        defer { Task { await sink.stop() } }
        // STARTTLS, AUTH PLAIN, one message with a Dutch subject and a line that is only a dot.
        let connection = try await SMTPConnection.open(settings, on: group)
        try await connection.send(Self.mail(to: "anna@example.nl", subject: "Één boek ligt klaar in Zürich"))
        // A recipient the server refuses for good, then one it cannot take now: each its own failure; the next still goes.
        sink.refuseRecipients { address in
            address == "weg@example.nl" ? SMTP.Reply(code: 550, lines: ["5.1.1 no such user"])
                : address == "vol@example.nl" ? SMTP.Reply(code: 452, lines: ["4.2.2 mailbox full"]) : nil
        }
        await #expect(throws: SMTPFailure.permanent("RCPT TO: 550 5.1.1 no such user")) { try await connection.send(Self.mail(to: "weg@example.nl")) }
        await #expect(throws: SMTPFailure.transient("RCPT TO: 452 4.2.2 mailbox full")) { try await connection.send(Self.mail(to: "vol@example.nl")) }
        try await connection.send(Self.mail(to: "bram@example.nl"))
        await connection.close()
        let received = sink.received
        #expect(received.count == 2)
        let first = try #require(received.first)
        #expect(first.tls && first.user == "bieb" && first.from == "noreply@bieb.test" && first.to == ["anna@example.nl"])
        #expect(MailFormat.decodeEncodedWords(Self.header("Subject", in: first.data) ?? "") == "Één boek ligt klaar in Zürich")
        #expect(MailFormat.decodeQuotedPrintable(first.data).contains("Het boek ligt klaar.\r\n.\r\nGroet"))
        #expect(received.last?.to == ["bram@example.nl"])

        // A wrong password is a refusal; a server without STARTTLS gets nothing in the clear; nobody listening is worth another try.
        var wrong = settings
        wrong.password = "fout"
        await #expect(throws: SMTPFailure.permanent("AUTH: 535 5.7.8 authentication failed")) { try await SMTPConnection.open(wrong, on: group) }
        let (plain, plainSettings) = try await Self.sink(on: group)
        var insist = plainSettings
        insist.security = .startTLS
        do {
            _ = try await SMTPConnection.open(insist, on: group)
            Issue.record("sent without TLS")
        } catch let failure as SMTPFailure {
            #expect(failure.isPermanent && failure.description.contains("does not offer STARTTLS"))
        }
        #expect(plain.received.isEmpty)
        await plain.stop()
        var nowhere = plainSettings
        nowhere.port = 1
        do {
            _ = try await SMTPConnection.open(nowhere, on: group)
            Issue.record("connected to nothing")
        } catch let failure as SMTPFailure {
            #expect(!failure.isPermanent)
        }
    }

    /// Anna (with an e-mail address) waits for a title whose copies are out; one comes back: "ready" goes in the outbox.
    static func readyHold(_ app: Application) async throws -> (CirculationFixture, Int) {
        let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
        let f = try await CirculationFixture.make(on: app, today: today)
        let sql = app.db as! any SQLDatabase
        try await sql.raw("UPDATE members SET email = 'anna@example.nl' WHERE id = \(bind: f.adult)").run()
        let circulation = Circulation(app.db, organisationID: f.network.city)
        let desk = Circulation.Desk(branch: f.network.central, now: Date())
        _ = try await circulation.checkout(member: f.youth, item: "D4C1", at: desk)
        let hold = try await circulation.placeHold(member: f.adult, title: try #require(f.titles["dvd-4"]), pickup: f.network.central, at: desk)
        _ = try await circulation.checkin(item: "D4C1", at: desk)
        return (f, hold.id!)
    }

    @Test(arguments: TestDatabase.all)
    func theOutboxSendsOnceRetriesAndNeverTwice(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (sink, settings) = try await Self.sink(on: app.eventLoopGroup)
            defer { Task { await sink.stop() } }
            let (f, holdID) = try await Self.readyHold(app)
            let outbox = Outbox(app.db)
            let queued = try await outbox.list(organisation: f.network.city)
            #expect(queued.map(\.kind) == [.holdReady])
            #expect(queued.first?.reference == "hold:\(holdID)")

            let sender = OutboxSender(settings: settings)
            #expect(try await sender.runOnce(app).sent == 1)
            #expect(try await sender.runOnce(app) == OutboxSender.Result())
            #expect(sink.received.count == 1)
            let mail = try #require(sink.received.first).data
            // The subject names the branch, not the book; the text does, in Dutch (Anna's language).
            #expect(MailFormat.decodeEncodedWords(Self.header("Subject", in: mail) ?? "") == "Je reservering ligt klaar in Centrale Bibliotheek")
            let body = MailFormat.decodeQuotedPrintable(mail)
            #expect(body.contains("Film 4") && body.contains("Beste Anna de Vries"))
            #expect(body.contains("/city/mijn/berichten"))
            let sent = try #require(try await outbox.list(organisation: f.network.city, status: .sent).first)
            #expect(sent.recipient == "anna@example.nl" && sent.sentAt != nil)

            // The same notice again is nothing new.
            let sql = app.db as! any SQLDatabase
            #expect(try await Outbox.enqueue(.holdReady, organisation: f.network.city, member: f.adult, reference: "hold:\(holdID)",
                                             dedupe: "hold_ready:\(holdID)", at: Date(), on: sql) == false)

            // A temporary refusal: tried again after a minute, then sent.
            let now = Date()
            try await sql.raw("UPDATE members SET membership_end = \(bind: LocalDate(now, in: BranchCalendar.amsterdam).adding(days: 14).iso) WHERE id = \(bind: f.adult)").run()
            #expect(try await NoticeSchedule.enqueue(organisation: f.network.city, today: LocalDate(now, in: BranchCalendar.amsterdam), now: now, on: app.db) == 1)
            sink.answerData { n in n == 2 ? SMTP.Reply(code: 451, lines: ["4.3.0 try again later"]) : nil }
            let tried = try await sender.runOnce(app, now: now)
            #expect(tried.retrying == 1 && tried.sent == 0)
            let waiting = try #require(try await outbox.list(organisation: f.network.city, status: .pending).first)
            #expect(waiting.attempts == 1 && waiting.lastError?.contains("451") == true)
            #expect(waiting.nextAttemptAt >= now.addingTimeInterval(59))
            #expect(try await sender.runOnce(app, now: now.addingTimeInterval(30)).sent == 0)
            #expect(try await sender.runOnce(app, now: now.addingTimeInterval(61)).sent == 1)
            #expect(sink.received.count == 2)

            // A permanent refusal fails at once, with the reason.
            try await outbox.enqueueWritten(.pinReset, organisation: f.network.city, member: f.adult, recipient: "weg@example.nl",
                                            subject: "Een nieuwe pincode kiezen", text: "Link", html: nil, dedupe: "pin:1", at: now)
            sink.refuseRecipients { $0 == "weg@example.nl" ? SMTP.Reply(code: 550, lines: ["5.1.1 no such user"]) : nil }
            #expect(try await sender.runOnce(app, now: now.addingTimeInterval(62)).failed == 1)
            #expect(try await outbox.list(organisation: f.network.city, status: .failed).first?.lastError?.contains("550") == true)

            // A sender that stops while sending: the message may have gone out, so it fails for staff to look at — never sent again.
            try await outbox.enqueueWritten(.pinReset, organisation: f.network.city, member: f.adult, recipient: "anna@example.nl",
                                            subject: "Een nieuwe pincode kiezen", text: "Link", html: nil, dedupe: "pin:2", at: now)
            let claimed = try await outbox.claim(limit: 10, now: now.addingTimeInterval(63))
            #expect(claimed.count == 1)
            #expect(try await sender.runOnce(app, now: now.addingTimeInterval(64)).sent == 0)
            let later = now.addingTimeInterval(63 + Outbox.lease + 1)
            #expect(try await sender.runOnce(app, now: later).failed == 1)
            // Its claim is gone: a sender still holding it in a long batch does not send it.
            #expect(try await outbox.renewClaim(claimed[0].id, now: later) == false)
            #expect(try await sender.runOnce(app, now: later.addingTimeInterval(86_400)) == OutboxSender.Result())
            let interrupted = try #require(try await outbox.list(organisation: f.network.city, status: .failed).first)
            #expect(interrupted.lastError?.hasPrefix("Interrupted while sending") == true)
            #expect(sink.received.count == 2)
            // Staff who checked it did not arrive send it again.
            try await outbox.retry(interrupted.id, organisation: f.network.city, now: later)
            #expect(try await sender.runOnce(app, now: later.addingTimeInterval(1)).sent == 1)
            // Once sent, a PIN reset keeps no link: its text is gone from the outbox.
            #expect(try await outbox.body(interrupted.id, organisation: f.network.city).map { $0.text == nil && $0.html == nil } == true)

            // Not to be sent: notices switched off, or no address.
            try await Consents(app.db, organisationID: f.network.city).record(member: f.adult, .serviceNotices, granted: false,
                                                                              text: "Geen e-mail over leningen", source: "portal")
            let nextDay = LocalDate(later, in: BranchCalendar.amsterdam).adding(days: 1)
            try await sql.raw("UPDATE members SET membership_end = \(bind: nextDay.adding(days: 14).iso) WHERE id = \(bind: f.adult)").run()
            #expect(try await NoticeSchedule.enqueue(organisation: f.network.city, today: nextDay, now: later, on: app.db) == 1)
            let skipped = try await sender.runOnce(app, now: later.addingTimeInterval(2))
            #expect(skipped.skipped == 1 && skipped.sent == 0)
            #expect(try await outbox.list(organisation: f.network.city, status: .skipped).first?.lastError == "The member switched e-mail notices off.")
        }
    }

    @Test(arguments: TestDatabase.all)
    func twoAppServersSendEachMessageOnce(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (sink, settings) = try await Self.sink(on: app.eventLoopGroup)
            defer { Task { await sink.stop() } }
            let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
            let outbox = Outbox(app.db)
            for n in 0..<40 {
                try await outbox.enqueueWritten(.pinReset, organisation: f.network.city, member: f.adult, recipient: "lid\(n)@example.nl",
                                                subject: "Een nieuwe pincode kiezen", text: "Link \(n)", html: nil, dedupe: "pin:\(n)")
            }
            try await withSecondBieb(like: app) { second in
                let one = OutboxSender(settings: settings, batch: 3), two = OutboxSender(settings: settings, batch: 3)
                async let first: Int = Self.drain(one, app)
                async let other: Int = Self.drain(two, second)
                let (a, b) = try await (first, other)
                #expect(a + b == 40)
            }
            let received = sink.received
            #expect(received.count == 40)
            #expect(Set(received.map { Self.header("Message-ID", in: $0.data) ?? "" }).count == 40)
            #expect(Set(received.flatMap(\.to)).count == 40)
            #expect(try await outbox.counts(organisation: f.network.city) == [.sent: 40])
        }
    }

    @Test(arguments: TestDatabase.all)
    func staffSeeTheOutboxAndAdminsWordTheMessages(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (sink, settings) = try await Self.sink(on: app.eventLoopGroup)
            defer { Task { await sink.stop() } }
            let (f, _) = try await Self.readyHold(app)
            let staff = TestClient(app), admin = TestClient(app), volunteer = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            try await admin.signInAPI(Fixture.admin, password: Fixture.password)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.GET, "/api/v1/outbox").status == .forbidden)

            // An admin words "hold ready" in Dutch; an unknown field is named; staff may read but not change the wording.
            let path = "/api/v1/message-templates/hold_ready/nl"
            let standard = try object(try await staff.send(.GET, path))
            #expect(standard["customised"] as? Bool == false && (standard["placeholders"] as? [String])?.contains("title") == true)
            let own: [String: Any] = ["subject": "Klaar om op te halen: {{branch}}", "text": "Hoi {{name}}, {{title}} ligt klaar tot {{until}}.",
                                      "html": "<p>Hoi {{name}}, <b>{{title}}</b> ligt klaar.</p>"]
            #expect(try await staff.send(.PUT, path, object: own).status == .forbidden)
            var typo = own
            typo["text"] = "Hoi {{naam}}"
            let refused = try await admin.send(.PUT, path, object: typo)
            #expect(refused.status == .badRequest && refused.apiError?.field == "text" && refused.apiError?.message.contains("{{naam}}") == true)
            #expect(try object(try await admin.send(.PUT, path, object: own))["customised"] as? Bool == true)
            // A PIN reset message without its link is refused.
            let noLink = try await admin.send(.PUT, "/api/v1/message-templates/pin_reset/nl",
                                              object: ["subject": "Pincode", "text": "Hoi {{name}}", "html": "<p>{{link}}</p>"])
            #expect(noLink.status == .badRequest && noLink.apiError?.field == "text")

            // The next mail uses it; staff see it in the outbox with the text that went out.
            #expect(try await OutboxSender(settings: settings).runOnce(app).sent == 1)
            #expect(MailFormat.decodeEncodedWords(Self.header("Subject", in: try #require(sink.received.first).data) ?? "") == "Klaar om op te halen: Centrale Bibliotheek")
            let outbox = try object(try await staff.send(.GET, "/api/v1/outbox?status=sent"))
            #expect(outbox["mail_server"] as? Bool == false)
            let sent = try #require((outbox["messages"] as? [[String: Any]])?.first)
            let shown = try object(try await staff.send(.GET, "/api/v1/outbox/\(sent["id"] as? Int ?? 0)"))
            #expect((shown["text"] as? String)?.hasPrefix("Hoi Anna de Vries, Film 4 ligt klaar tot") == true)
            #expect(try await staff.send(.GET, "/api/v1/outbox?status=lost").apiError?.field == "status")
            // Only a failed message can be sent again.
            #expect(try await staff.send(.POST, "/api/v1/outbox/\(sent["id"] as? Int ?? 0)/retry").status == .conflict)
            // Back to the default.
            #expect(try object(try await admin.send(.DELETE, path))["subject"] as? String == "Je reservering ligt klaar in {{branch}}")

            // The staff pages: the outbox, one message, the wording with a preview.
            let browser = TestClient(app)
            try await browser.signInPages(Fixture.admin, password: Fixture.password)
            let list = try await browser.send(.GET, "/staff/messages")
            #expect(list.status == .ok && list.body.string.contains("anna@example.nl"))
            #expect(try await browser.send(.GET, "/staff/messages/\(sent["id"] as? Int ?? 0)").body.string.contains("Film 4"))
            let editor = try await browser.send(.GET, "/staff/messages/templates/due_soon/en")
            #expect(editor.body.string.contains("Please bring this back by Monday 7 December"))
            let preview = try await browser.send(.POST, "/staff/messages/templates/due_soon/en", form: [
                "csrf": try #require(TestClient.csrf(in: editor.body.string)), "action": "preview", "subject": "Soon: {{due}}",
                "text": "Hello {{name}}\r\n{{loans}}", "html": "<p>{{loans}}</p>"])
            #expect(preview.body.string.contains("Soon: Monday 7 December") && preview.body.string.contains("Hello Anna de Vries"))
            #expect(try await MessageTemplates(app.db, organisationID: f.network.city).stored(kind: .dueSoon, language: "en") == nil)
        }
    }

    static func drain(_ sender: OutboxSender, _ app: Application) async throws -> Int {
        var sent = 0
        for _ in 0..<100 {
            let result = try await sender.runOnce(app)
            sent += result.sent
            if result == OutboxSender.Result() { break }
        }
        return sent
    }

    @Test(arguments: TestDatabase.all)
    func noticesComeFromCirculationAndTheCalendar(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let (sink, settings) = try await Self.sink(on: app.eventLoopGroup)
            defer { Task { await sink.stop() } }
            let (f, holdID) = try await Self.readyHold(app)
            let org = f.network.city
            let sql = app.db as! any SQLDatabase
            let outbox = Outbox(app.db)
            // Collected before the mail went: it is no longer true, so it is not sent.
            let circulation = Circulation(app.db, organisationID: org)
            _ = try await circulation.checkout(member: f.adult, item: "D4C1", at: Circulation.Desk(branch: f.network.central, now: Date()))
            let sender = OutboxSender(settings: settings)
            #expect(try await sender.runOnce(app).skipped == 1)
            #expect(try await outbox.list(organisation: org, status: .skipped).first?.lastError?.contains("no longer waiting") == true)

            // The calendar: due in three days, a day and eight days late, membership ending in two weeks — once each.
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            try await sql.raw("UPDATE members SET email = 'bram@example.nl', language = 'en' WHERE id = \(bind: f.youth)").run()
            let desk = Circulation.Desk(branch: f.network.central, now: Date())
            for (barcode, days) in [("B1C1", 3), ("B2C1", -1), ("B3C1", -8)] {
                let loan = try await circulation.checkout(member: f.youth, item: barcode, at: desk)
                try await sql.raw("UPDATE loans SET due_on = \(bind: today.adding(days: days).iso) WHERE id = \(bind: loan.loanID)").run()
            }
            try await sql.raw("UPDATE members SET membership_end = \(bind: today.adding(days: 14).iso) WHERE id = \(bind: f.youth)").run()
            #expect(try await NoticeSchedule.enqueue(organisation: org, today: today, on: app.db) == 4)
            #expect(try await NoticeSchedule.enqueue(organisation: org, today: today, on: app.db) == 0)
            #expect(try await sender.runOnce(app).sent == 4)
            let subjects = sink.received.map { MailFormat.decodeEncodedWords(Self.header("Subject", in: $0.data) ?? "") }
            #expect(Set(subjects) == ["Due back soon", "You have something overdue", "Your membership ends soon"])
            let dueSoon = try #require(sink.received.first { (Self.header("Subject", in: $0.data) ?? "") == "Due back soon" })
            #expect(MailFormat.decodeQuotedPrintable(dueSoon.data).contains("Boek 1"))
            #expect(MailFormat.decodeQuotedPrintable(dueSoon.data).contains("<li>Boek 1</li>"))
            #expect(sink.received.allSatisfy { $0.to == ["bram@example.nl"] })

            // A hold that ends unfilled: "hold expired".
            let book5 = try #require(f.titles["book-5"])
            for barcode in ["B5C1", "B5C2", "B5O1"] { _ = try await circulation.checkout(member: f.youth, item: barcode, at: desk) }
            let waiting = try await circulation.placeHold(member: f.adult, title: book5, pickup: f.network.central,
                                                          expiresOn: today.adding(days: 1), at: desk)
            _ = try await circulation.expireHolds(now: Date().addingTimeInterval(3 * 86_400))
            #expect(try await outbox.list(organisation: org).contains { $0.kind == .holdExpired && $0.reference == "hold:\(waiting.id!)" })
            _ = holdID
        }
    }
}
