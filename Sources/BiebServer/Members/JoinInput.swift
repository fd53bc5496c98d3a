import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// What a person sends to join online: the public API
/// (`POST /api/v1/organisations/{org}/members`) and the "Lid worden" form
/// decode the same fields the same way. The member's details are
/// `MemberInput`'s, read from the same body (the desk's names and
/// decoding; its card and guardian are not taken from a stranger), and
/// `OnlineJoining` checks them with the rules the desk uses.
struct JoinInput: Content {
    var details: MemberInput
    var password: String?
    /// The password again (the form asks twice; the API may leave it out).
    var password_repeated: String?
    /// "nl" or "en": the language of the member's messages.
    var language: String?

    enum CodingKeys: String, CodingKey { case password, password_repeated, language }

    init(from decoder: any Decoder) throws {
        details = try MemberInput(from: decoder)
        details.card = nil
        details.guardian_id = nil
        details.guardian_card = nil
        let container = try decoder.container(keyedBy: CodingKeys.self)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        password_repeated = try container.decodeIfPresent(String.self, forKey: .password_repeated)
        language = try container.decodeIfPresent(String.self, forKey: .language)
    }

    func encode(to encoder: any Encoder) throws {
        try details.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(language, forKey: .language)
    }

    var draft: MemberDraft { details.details() }

    /// The home branch among the organisation's open branches.
    func homeBranch(among branches: [Branch]) throws -> Branch {
        let text = details.home_branch?.trimmed ?? ""
        guard let branch = branches.first(where: { $0.slug == text || $0.id?.uuidString.lowercased() == text.lowercased() }) else {
            throw BiebError.invalid("home_branch", "Choose the branch you will visit most.", nl: "Kies de vestiging waar je het vaakst komt.")
        }
        return branch
    }
}

/// Joining online for the pages and the API: rate-limited per client
/// address (a refused form does not count, so a person who corrects it is
/// not stopped), the details checked as at the desk, a password to sign in
/// with, then `OnlineJoins.join`. An address already in use is said as
/// such (the person may simply have forgotten), and those answers are
/// limited per client address on their own, so nobody learns by the
/// hundred who is a member.
struct OnlineJoining {
    let request: Request
    let organisation: Organisation

    func join(_ input: JoinInput, language: Language) async throws -> (member: Member, card: String) {
        let writes = PublicWrites(request)
        return try await writes.counting([(.onlineJoinsPerAddress, nil)]) {
            let today = LocalDate(Date(), in: organisation.zone)
            let details = try input.draft.validated(today: today)
            let branches = try await request.branches.branches(of: try organisation.requireID()).filter(\.active)
            let branch = try input.homeBranch(among: branches)
            let password = try MemberPassword.validated(input.password ?? "", email: details.email, cards: [])
            if let repeated = input.password_repeated, repeated != password {
                throw BiebError.invalid("password_repeated", "The two passwords are not the same.", nl: "De twee wachtwoorden zijn niet gelijk.")
            }
            let hash = try await request.password.async.hash(password)
            let registration = MemberRegistration(details: input.draft, homeBranch: try branch.requireID(), membershipType: input.details.membership_type ?? "",
                                                  card: "", language: (input.language.flatMap(Language.init(rawValue:)) ?? language).rawValue)
            do {
                return try await OnlineJoins(request.db, organisationID: try organisation.requireID()).join(registration, passwordHash: hash, today: today)
            } catch let error as BiebError where error.code == "email_taken" {
                try await writes.allow(.onlineJoinEmailTakenPerAddress)
                throw error
            }
        }
    }

    /// The membership types a person may choose online, cheapest first.
    static func types(_ db: any Database, organisation: UUID) async throws -> [MembershipType] {
        try await MemberDirectory(db, organisationID: organisation).types().sorted {
            ($0.youth ? 0 : 1, $0.yearlyFeeCents, $0.nameNL) < ($1.youth ? 0 : 1, $1.yearlyFeeCents, $1.nameNL)
        }
    }
}
