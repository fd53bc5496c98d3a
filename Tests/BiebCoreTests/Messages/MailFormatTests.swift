import Foundation
import Testing
@testable import BiebCore

@Suite("E-mail format and SMTP") struct MailFormatTests {
    // MARK: RFC 2047 encoded words

    /// The examples of RFC 2047 §8.
    @Test func decodesTheEncodedWordsOfRFC2047() {
        #expect(MailFormat.decodeEncodedWords("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>") == "Keith Moore <moore@cs.utk.edu>")
        #expect(MailFormat.decodeEncodedWords("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>") == "Keld Jørn Simonsen <keld@dkuug.dk>")
        #expect(MailFormat.decodeEncodedWords("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>") == "André Pirard <PIRARD@vm1.ulg.ac.be>")
        #expect(MailFormat.decodeEncodedWords(
            "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=")
            == "If you can read this you understand the example.")
        // The table of §8: white space between adjacent encoded words is not shown.
        for (encoded, shown) in [
            ("(=?ISO-8859-1?Q?a?=)", "(a)"),
            ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"),
            ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"),
        ] {
            #expect(MailFormat.decodeEncodedWords(encoded) == shown, "\(encoded)")
        }
    }

    @Test func encodesHeadersSoTheyComeBackAndStayShort() {
        for text in ["Je reservering ligt klaar: Één dag in Zürich", "Café “De Boekenwurm” – €5,00 te betalen, ðe œuvre",
                     String(repeating: "Hé lezer, ", count: 12) + "🙂"] {
            let encoded = MailFormat.encodedWords(text, used: "Subject: ".count)
            #expect(MailFormat.decodeEncodedWords(encoded) == text)
            let words = encoded.split(separator: " ")
            #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?Q?") && $0.hasSuffix("?=") })
            // Folded into the Subject field, every line stays within 76 characters (§2).
            let field = MailFormat.field("Subject", encoded)
            #expect(field.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 }, "\(field)")
        }
        // ASCII stays readable; non-ASCII names are encoded, names with specials quoted.
        #expect(MailFormat.encodedHeaderText("Your hold is ready", nameLength: 7) == "Your hold is ready")
        #expect(MailFormat.address(.init("anna@example.nl", name: "Anna de Vries")) == "Anna de Vries <anna@example.nl>")
        #expect(MailFormat.address(.init("info@bieb.nl", name: "Bibliotheek Den Haag, Centrale")) == "\"Bibliotheek Den Haag, Centrale\" <info@bieb.nl>")
        #expect(MailFormat.decodeEncodedWords(MailFormat.address(.init("l@x.nl", name: "Loïs Çelik"))) == "Loïs Çelik <l@x.nl>")
        #expect(MailFormat.address(.init("a@b.nl")) == "<a@b.nl>")
    }

    // MARK: RFC 2045 quoted-printable

    @Test func quotedPrintableFollowsRFC2045() {
        // §6.7 rule 5's example of soft line breaks.
        #expect(MailFormat.decodeQuotedPrintable("Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.")
                == "Now's the time for all folk to come to the aid of their country.")
        // Rule 1: "=" and bytes outside printable ASCII as =XX (upper case); rule 3: a space at the end of a line too.
        #expect(MailFormat.quotedPrintable("a=b") == "a=3Db")
        #expect(MailFormat.quotedPrintable("Één") == "=C3=89=C3=A9n")
        #expect(MailFormat.quotedPrintable("eind \nvolgende") == "eind=20\r\nvolgende")
        // Lines at most 76 characters, never cutting an =XX, and the text comes back.
        for text in [String(repeating: "abcdefghij", count: 20), String(repeating: "é", count: 60) + "\nok", "€ 1,25 = één euro\r\n\r\nGroet,\nBieb "] {
            let encoded = MailFormat.quotedPrintable(text)
            #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
            let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            #expect(MailFormat.decodeQuotedPrintable(encoded) == expected)
        }
    }

    // MARK: RFC 5322 and MIME

    @Test func rendersAMessageWithTextAndHTML() {
        let message = MailMessage(from: .init("noreply@bieb.example", name: "Bibliotheek Den Haag"), to: .init("anna@example.nl", name: "Anna"),
                                  subject: "Je reservering ligt klaar", text: "Beste Anna,\n\n.Ligt klaar.\n", html: "<p>Beste Anna,</p>",
                                  messageID: "42.outbox@bieb.example", date: Date(timeIntervalSince1970: 1_795_618_800),
                                  headers: [("Auto-Submitted", "auto-generated")])
        let text = MailFormat.render(message, boundary: "BOUNDARY")
        #expect(text.hasPrefix("Date: Wed, 25 Nov 2026 16:00:00 +0100\r\nFrom: Bibliotheek Den Haag <noreply@bieb.example>\r\n"))
        #expect(text.contains("\r\nMessage-ID: <42.outbox@bieb.example>\r\n"))
        #expect(text.contains("\r\nAuto-Submitted: auto-generated\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative; boundary=\"BOUNDARY\"\r\n\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8"))
        #expect(text.contains("--BOUNDARY\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Beste Anna,</p>"))
        #expect(text.hasSuffix("--BOUNDARY--\r\n"))
        #expect(!text.contains("\n\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // Summer time: +0200.
        #expect(MailFormat.date(Date(timeIntervalSince1970: 1_782_900_000)) == "Wed, 1 Jul 2026 12:00:00 +0200")
    }

    // MARK: RFC 5321 SMTP

    /// The EHLO of RFC 5321 Appendix D.1 and a server that offers STARTTLS and AUTH.
    @Test func readsRepliesAndExtensions() throws {
        var reader = SMTP.ReplyReader()
        #expect(try reader.read("220 foo.com Simple Mail Transfer Service Ready") == SMTP.Reply(code: 220, lines: ["foo.com Simple Mail Transfer Service Ready"]))
        for line in ["250-foo.com greets bar.com", "250-8BITMIME", "250-SIZE", "250-DSN"] { #expect(try reader.read(line) == nil) }
        let ehlo = try #require(try reader.read("250 HELP"))
        #expect(ehlo.code == 250 && ehlo.lines.count == 5)
        let d1 = SMTP.Extensions(ehlo: ehlo)
        #expect(d1.eightBitMIME && !d1.startTLS && d1.authMechanisms.isEmpty && d1.maximumSize == nil)
        for line in ["250-mail.example greets you", "250-SIZE 35882577", "250-STARTTLS", "250-AUTH PLAIN LOGIN"] { _ = try reader.read(line) }
        let offered = SMTP.Extensions(ehlo: try #require(try reader.read("250 SMTPUTF8")))
        #expect(offered.startTLS && offered.authMechanisms == ["PLAIN", "LOGIN"] && offered.smtpUTF8 && offered.maximumSize == 35_882_577)
        // A reply that changes its code half-way, or is no reply at all, is an error, not a guess.
        var broken = SMTP.ReplyReader()
        _ = try broken.read("250-one")
        #expect(throws: SMTP.ProtocolError.self) { try broken.read("251 two") }
        var junk = SMTP.ReplyReader()
        #expect(throws: SMTP.ProtocolError.self) { try junk.read("HTTP/1.1 400 Bad Request") }
        #expect(throws: SMTP.ProtocolError.self) { try junk.read(String(repeating: "2", count: 600)) }
        #expect(SMTP.Reply(code: 451, lines: []).isTransient && SMTP.Reply(code: 550, lines: []).isPermanent && SMTP.Reply(code: 354, lines: []).isPositive)
    }

    /// RFC 5321 §4.5.2: a line beginning with "." gets one more, and the receiver takes it off.
    @Test func transparencyOfTheMessageText() {
        let data = SMTP.data("First\n.Second\n..Third\nLast")
        #expect(data == "First\r\n..Second\r\n...Third\r\nLast\r\n.\r\n")
        let received = data.components(separatedBy: "\r\n").dropLast(2)
        #expect(SMTP.undoTransparency(Array(received)) == "First\r\n.Second\r\n..Third\r\nLast\r\n")
    }

    /// RFC 4616 §4: "tim" with password "tanstaaftanstaaf".
    @Test func authPlainAsInRFC4616() throws {
        #expect(SMTP.plainCredentials(user: "tim", password: "tanstaaftanstaaf") == "AHRpbQB0YW5zdGFhZnRhbnN0YWFm")
        #expect(try SMTP.path("anna@example.nl") == "<anna@example.nl>")
        #expect(throws: BiebError.self) { try SMTP.path("anna@example.nl>\r\nRCPT TO:<x@y.z") }
    }
}
