import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// A new PIN by e-mail link, for the member pages and the API. Asked with
/// a card number or an e-mail address; the answer is the same whether or
/// not the library knows them (nobody learns who is a member), and at most
/// one mail per member per ten minutes goes out. The link's code works
/// once, for an hour; using it sets the PIN and lifts a lock-out.
struct PINReset {
    let request: Request
    let organisation: Organisation

    /// Asks for a link; returns nothing either way.
    func ask(card: String?, email: String?) async throws {
        let card = card?.trimmed ?? "", email = email?.trimmed.lowercased() ?? ""
        guard !card.isEmpty || !email.isEmpty else {
            throw BiebError.invalid("card", "Give your card number or your e-mail address.", nl: "Vul je pasnummer of je e-mailadres in.")
        }
        // Rate-limited per client address: nobody mails the library's members by the hundred.
        try await PublicWrites(request).allow(.pinResetsPerAddress)
        let sql = request.db.sql
        var members: [Member] = []
        if !card.isEmpty {
            if let found = try await MemberDirectory(request.db, organisationID: organisation.id!).member(card: card), found.card.status == .active {
                members = [found.member]
            }
        } else {
            let ids = try await sql.raw("""
                SELECT id FROM members WHERE organisation_id = \(bind: organisation.id!) AND email = \(bind: email)
                """).all().map { try $0.decode(column: "id", as: UUID.self) }
            for id in ids { if let member = try await Member.find(id, on: request.db) { members.append(member) } }
        }
        let now = Date()
        for member in members {
            guard let address = member.email else { continue }
            let code = Tokens.generate()
            // One per member per ten minutes: the outbox's key for this window.
            let window = Int(now.timeIntervalSince1970 / 600)
            let link = request.bieb.baseURL + "/\(organisation.slug)/mijn/pincode-kiezen?code=\(code)"
            let language = member.language == "en" ? "en" : "nl"
            let formats = Formats(lang: language == "en" ? .en : .nl, timeZone: organisation.zone)
            let text = ["name": member.name, "library": organisation.name, "link": link, "account_url": request.bieb.baseURL + "/\(organisation.slug)/mijn",
                        "preferences_url": request.bieb.baseURL + "/\(organisation.slug)/mijn/berichten",
                        "valid_until": formats.time(now.addingTimeInterval(PINResets.lifetime))]
            let template = try await Notices.template(.pinReset, language: language, organisation: organisation.id!, on: request.db)
            let rendered = template.render(text: text, html: text.mapValues(MessageTemplate.escape))
            let outbox = Outbox(request.db)
            // Ten minutes since the last code, whatever the clock's window (the key above stops two at once within one).
            let recent = try await sql.raw("""
                SELECT 1 AS found FROM pin_reset_codes WHERE member_id = \(bind: member.id!) AND created_at > \(bind: now.addingTimeInterval(-600))
                """).first()
            guard recent == nil else { continue }
            let before = try await outbox.countOf(dedupe: "pin_reset:\(member.id!):\(window)", organisation: organisation.id!)
            guard before == 0 else { continue }
            try await PINResets(request.db, organisationID: organisation.id!).create(member: member.id!, codeHash: Tokens.hash(code), now: now)
            try await outbox.enqueueWritten(.pinReset, organisation: organisation.id!, member: member.id!, recipient: address,
                                            subject: rendered.subject, text: rendered.text, html: rendered.html,
                                            dedupe: "pin_reset:\(member.id!):\(window)", at: now)
        }
    }

    /// Whether a code still works (the form is shown only then).
    func valid(_ code: String) async throws -> Bool {
        try await PINResets(request.db, organisationID: organisation.id!).member(codeHash: Tokens.hash(code)) != nil
    }

    /// Sets the new PIN with a code; refused when the PIN will not do or the code is used or past its hour.
    func choose(code: String, pin: String) async throws {
        let valid = try MemberPIN.validate(pin)
        let hash = try await request.password.async.hash(valid)
        guard let memberID = try await PINResets(request.db, organisationID: organisation.id!).redeem(codeHash: Tokens.hash(code), pinHash: hash) else {
            throw BiebError(.invalid, code: "code_invalid", field: "code",
                            message: "This link has been used already or is more than an hour old. Ask for a new one.",
                            nl: "Deze link is al gebruikt of ouder dan een uur. Vraag een nieuwe aan.")
        }
        // The mailed link proves the member: their sign-in locks go too (the kiosks' PIN lock went with the new PIN).
        if let member = try await Member.find(memberID, on: request.db) {
            let directory = MemberDirectory(request.db, organisationID: organisation.id!)
            try await MemberSignIn.clearLocks(member: member, cards: try await directory.cards(of: memberID).map(\.barcode), on: request.db)
        }
    }
}
