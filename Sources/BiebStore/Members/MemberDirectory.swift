import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What staff enter to register a member.
public struct MemberRegistration: Sendable {
    public var details: MemberDraft
    public var homeBranch: UUID
    /// A membership type code.
    public var membershipType: String
    public var card: String
    public var guardian: UUID?
    /// The language of the member's messages ("nl" or "en").
    public var language: String
    /// A password to sign in with (its hash), chosen when joining online.
    public var passwordHash: String?

    public init(details: MemberDraft, homeBranch: UUID, membershipType: String, card: String, guardian: UUID? = nil, language: String = "nl",
                passwordHash: String? = nil) {
        self.details = details
        self.homeBranch = homeBranch
        self.membershipType = membershipType
        self.card = card
        self.guardian = guardian
        self.language = language == "en" ? "en" : "nl"
        self.passwordHash = passwordHash
    }
}

/// Members, their cards and membership types: register, find, change, block.
/// Scoped to an organisation; another organisation's member is "not found".
public struct MemberDirectory: OrganisationStore {
    public let db: any Database, organisationID: UUID

    public init(_ db: any Database, organisationID: UUID) { (self.db, self.organisationID) = (db, organisationID) }

    // MARK: Membership types

    public func types(includeInactive: Bool = false) async throws -> [MembershipType] {
        var query = MembershipType.query(on: db).filter(\.$organisationID == organisationID)
        if !includeInactive { query = query.filter(\.$active == true) }
        return try await query.sort(\.$yearlyFeeCents).sort(\.$code).all()
    }

    public func type(code: String) async throws -> MembershipType? {
        try await MembershipType.query(on: db).filter(\.$organisationID == organisationID).filter(\.$code == code).first()
    }

    /// Saves a new or changed membership type after checking it.
    public func save(_ type: MembershipType) async throws {
        guard type.organisationID == organisationID else { throw BiebError.notFound("membership_type", nl: "Abonnementsvorm niet gevonden.") }
        type.code = type.code.trimmed.lowercased()
        type.nameNL = type.nameNL.trimmed
        type.nameEN = type.nameEN.trimmed
        guard Validate.slug(type.code) else {
            throw BiebError.invalid("code", "The code '\(type.code)' must be 2–64 lower-case letters, digits or hyphens.",
                                    nl: "De code '\(type.code)' mag alleen kleine letters, cijfers en streepjes bevatten (2–64 tekens).")
        }
        guard !type.nameNL.isEmpty, !type.nameEN.isEmpty else {
            throw BiebError.invalid("name_nl", "Give the name in Dutch and in English.", nl: "Geef de naam in het Nederlands en het Engels.")
        }
        guard (0...100_000).contains(type.yearlyFeeCents) else {
            throw BiebError.invalid("yearly_fee_cents", "The yearly fee must be from 0 to 100,000 cents.",
                                    nl: "De jaarprijs moet tussen 0 en 100.000 cent liggen.")
        }
        guard !type.youth || type.yearlyFeeCents == 0 else {
            throw BiebError.invalid("yearly_fee_cents", "A youth membership is free: members under 18 pay no fee (Wsob).",
                                    nl: "Een jeugdabonnement is gratis: leden onder de 18 betalen geen contributie (Wsob).")
        }
        let taken = BiebError(.conflict, code: "code_taken", field: "code", message: "There is already a membership type '\(type.code)'.",
                              nl: "Er is al een abonnementsvorm '\(type.code)'.")
        let others = MembershipType.query(on: db)
            .filter(\.$organisationID == organisationID).filter(\.$code == type.code)
        try await type.save(on: db, unlessTakenBy: others, taken)
    }

    // MARK: Members

    public func member(_ id: UUID) async throws -> Member? {
        try await Member.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id == id).first()
    }

    /// The member a card belongs to, with the card (lost cards too: they block).
    public func member(card barcode: String) async throws -> (member: Member, card: MemberCard)? {
        let code = barcode.trimmed.uppercased()
        guard let card = try await MemberCard.query(on: db).filter(\.$organisationID == organisationID).filter(\.$barcode == code).first(),
              let member = try await member(card.memberID) else { return nil }
        return (member, card)
    }

    public func cards(of memberID: UUID) async throws -> [MemberCard] {
        // The card in use first, then the newest.
        try await MemberCard.query(on: db).filter(\.$memberID == memberID).sort(\.$issuedOn, .descending).all()
            .enumerated().sorted { ($0.element.status == .active ? 0 : 1, $0.offset) < ($1.element.status == .active ? 0 : 1, $1.offset) }
            .map(\.element)
    }

    /// Members by card number (exact), e-mail address (exact) or name (all
    /// words, any order, without regard to case and accents); at most 50.
    public func find(_ text: String) async throws -> [Member] {
        let query = text.trimmed
        guard !query.isEmpty else { return [] }
        if let (member, _) = try await member(card: query) { return [member] }
        if query.contains("@"), let email = Validate.email(query)?.lowercased() {
            return try await Member.query(on: db).filter(\.$organisationID == organisationID).filter(\.$email == email).limit(50).all()
        }
        let words = TextAnalysis.fold(query).split(whereSeparator: { $0 == " " }).prefix(4)
        var search = Member.query(on: db).filter(\.$organisationID == organisationID)
        for word in words { search = search.filter(\.$nameKey ~~ String(word)) }
        return try await search.sort(\.$name).limit(50).all()
    }

    /// Registers a member with a card and a membership starting today; the
    /// yearly fee (none under 18) goes on the ledger.
    /// Registers a member with their first card (and the year's fee, when
    /// there is one); `also` runs in the same transaction, with the new member's id.
    public func register(_ registration: MemberRegistration, today: LocalDate, staff: UUID? = nil, branch: UUID? = nil,
                         also: (@Sendable (any Database, UUID) async throws -> Void)? = nil) async throws -> Member {
        let details = try registration.details.validated(today: today)
        let card = try Membership.cardBarcode(registration.card)
        let type = try await checkedType(registration.membershipType, birthDate: details.birthDate, today: today)
        try await checkBranch(registration.homeBranch)
        if let guardian = registration.guardian {
            guard let parent = try await member(guardian) else {
                throw BiebError.invalid("guardian", "The parent or guardian is not a member here.", nl: "De ouder of voogd is hier geen lid.")
            }
            guard !parent.isYouth(on: today) else {
                throw BiebError.invalid("guardian", "A parent or guardian must be 18 or older.", nl: "Een ouder of voogd moet 18 jaar of ouder zijn.")
            }
        }
        let member = Member()
        member.organisationID = organisationID
        apply(details, to: member)
        member.homeBranchID = registration.homeBranch
        member.membershipTypeID = type.id!
        member.membershipStartText = today.iso
        member.membershipEndText = Membership.end(startingOn: today).iso
        member.guardianID = registration.guardian
        member.balanceCents = 0
        member.language = registration.language
        member.passwordHash = registration.passwordHash
        member.loanCount = 0
        member.holdCount = 0
        member.createdAt = Date()
        member.updatedAt = member.createdAt
        let organisationID = organisationID
        let fee = Membership.fee(yearlyCents: type.yearlyFeeCents, birthDate: details.birthDate, on: today)
        let typeName = type.nameNL
        do {
            try await WriteGate.transaction(on: db) { tx in
                try await member.create(on: tx)
                try await MemberCard(organisationID: organisationID, memberID: member.id!, barcode: card, issuedOn: today).create(on: tx)
                let sql = tx.sql
                if fee > 0 {
                    try await Ledger.post(.membership, cents: fee, member: member.id!, organisation: organisationID,
                                          note: FeeNote.membership(type: typeName, from: today, through: Membership.end(startingOn: today)), staff: staff, branch: branch,
                                          at: member.createdAt, on: sql)
                }
                try await Ledger.event("member_registered", organisation: organisationID, at: member.createdAt, branch: branch,
                                       member: member.id, staff: staff, on: sql)
                try await also?(tx, member.id!)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Self.cardTaken(card)
        }
        member.balanceCents = fee
        return member
    }

    /// Changes a member's details, home branch and membership type.
    public func update(_ id: UUID, details draft: MemberDraft, homeBranch: UUID, membershipType: String, guardian: UUID?,
                       today: LocalDate, staff: UUID? = nil) async throws -> Member {
        guard let member = try await member(id) else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        let details = try draft.validated(today: today)
        let type = try await checkedType(membershipType, birthDate: details.birthDate, today: today)
        try await checkBranch(homeBranch)
        if let guardian {
            guard guardian != id, try await self.member(guardian) != nil else {
                throw BiebError.invalid("guardian", "The parent or guardian is not another member here.",
                                        nl: "De ouder of voogd is geen ander lid hier.")
            }
        }
        apply(details, to: member)
        member.homeBranchID = homeBranch
        member.membershipTypeID = type.id!
        member.guardianID = guardian
        member.updatedAt = Date()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await member.update(on: tx)
            try await Ledger.event("member_changed", organisation: organisationID, at: member.updatedAt, member: member.id, staff: staff,
                                   on: tx.sql)
        }
        return member
    }

    /// Blocks a member by hand (the reason is shown at every desk), or lifts it with nil.
    public func block(_ id: UUID, reason: String?, staff: UUID? = nil) async throws {
        guard let member = try await member(id) else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        let reason = reason?.trimmed
        if let reason {
            guard !reason.isEmpty, reason.count <= 200 else {
                throw BiebError.invalid("reason", "Give the reason for the block (at most 200 characters).",
                                        nl: "Geef de reden van de blokkade (hoogstens 200 tekens).")
            }
        }
        member.blockReason = reason
        member.updatedAt = Date()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await member.update(on: tx)
            try await Ledger.event(reason == nil ? "member_unblocked" : "member_blocked", organisation: organisationID, at: member.updatedAt,
                                   member: member.id, staff: staff, detail: reason ?? "", on: tx.sql)
        }
    }

    /// A new card for a member; the cards they had are marked replaced (or
    /// stay lost), so only the new one lends.
    public func issueCard(_ id: UUID, barcode: String, today: LocalDate, staff: UUID? = nil) async throws -> MemberCard {
        guard try await member(id) != nil else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        let code = try Membership.cardBarcode(barcode)
        let card = MemberCard(organisationID: organisationID, memberID: id, barcode: code, issuedOn: today)
        let organisationID = organisationID
        do {
            try await WriteGate.transaction(on: db) { tx in
                try await tx.sql.update(MemberCard.schema).set("status", to: MemberCard.Status.replaced.rawValue)
                    .where("member_id", .equal, id).where("status", .equal, MemberCard.Status.active.rawValue).run()
                try await card.create(on: tx)
                try await Ledger.event("card_issued", organisation: organisationID, at: Date(), member: id, staff: staff,
                                       on: tx.sql)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Self.cardTaken(code)
        }
        return card
    }

    /// Marks a card lost: it identifies the member but blocks lending.
    public func reportLost(card barcode: String, staff: UUID? = nil) async throws {
        guard let (member, card) = try await member(card: barcode) else { throw BiebError.notFound("card", nl: "Pas niet gevonden.") }
        card.statusRaw = MemberCard.Status.lost.rawValue
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            try await card.update(on: tx)
            try await Ledger.event("card_lost", organisation: organisationID, at: Date(), member: member.id, staff: staff,
                                   on: tx.sql)
        }
    }

    /// Renews a membership for a year (from the end, or from today when it
    /// lapsed), charging the yearly fee of its type (none under 18).
    public func renewMembership(_ id: UUID, today: LocalDate, staff: UUID? = nil, branch: UUID? = nil) async throws -> Member {
        guard let member = try await member(id) else { throw BiebError.notFound("member", nl: "Lid niet gevonden.") }
        guard let type = try await MembershipType.find(member.membershipTypeID, on: db) else {
            throw BiebError.notFound("membership_type", nl: "Abonnementsvorm niet gevonden.")
        }
        if type.youth && !member.isYouth(on: today) {
            throw BiebError(.conflict, code: "youth_membership_ended",
                            message: "The member is 18 or older: choose an adult membership type first.",
                            nl: "Het lid is 18 of ouder: kies eerst een abonnement voor volwassenen.")
        }
        let fee = Membership.fee(yearlyCents: type.yearlyFeeCents, birthDate: member.birthDate, on: today)
        let now = Date()
        let organisationID = organisationID
        let currentEnd = member.membershipEnd
        let end = try await WriteGate.transaction(on: db) { tx in
            try await Self.extendMembership(id, currentEnd: currentEnd, typeName: type.nameNL, feeCents: fee, organisation: organisationID,
                                            today: today, staff: staff, branch: branch, payment: nil, at: now, on: tx.sql)
        }
        member.membershipEndText = end.iso
        member.updatedAt = now
        member.balanceCents += fee
        return member
    }

    /// A year more of membership (from the end of the current one, or today
    /// when it has ended), its fee on the ledger (with the online payment
    /// that paid it, if any) and the event, inside the caller's transaction.
    /// Returns the new last day.
    static func extendMembership(_ id: UUID, currentEnd: LocalDate, typeName: String, feeCents: Int, organisation: UUID, today: LocalDate,
                                 staff: UUID?, branch: UUID?, payment: UUID?, at now: Date, on sql: any SQLDatabase) async throws -> LocalDate {
        let from = currentEnd < today ? today : currentEnd.adding(days: 1)
        let end = Membership.renewedEnd(currentEnd: currentEnd, today: today)
        try await sql.update(Member.schema).set("membership_end", to: end.iso).set("updated_at", to: now).where("id", .equal, id).run()
        if feeCents > 0 {
            try await Ledger.post(.membership, cents: feeCents, member: id, organisation: organisation, note: FeeNote.membership(type: typeName, from: from, through: end),
                                  staff: staff, branch: branch, payment: payment, at: now, on: sql)
        }
        try await Ledger.event("membership_renewed", organisation: organisation, at: now, branch: branch, member: id, staff: staff,
                               detail: end.iso, on: sql)
        return end
    }

    /// Why the member may not borrow now (nothing when they may).
    public func blocks(of member: Member, card: MemberCard?, today: LocalDate, feeLimitCents: Int) -> [MemberBlock] {
        MemberBlock.blocks(cardLost: card.map { $0.status != .active } ?? false, membershipEnd: member.membershipEnd, today: today,
                           balanceCents: member.balanceCents, limitCents: feeLimitCents, manualReason: member.blockReason)
    }

    // MARK: Helpers

    func apply(_ details: ValidMember, to member: Member) {
        member.name = details.name
        member.nameKey = TextAnalysis.fold(details.name)
        member.birthDateText = details.birthDate.iso
        member.email = details.email
        member.phone = details.phone
        member.street = details.street
        member.postcode = details.postcode
        member.city = details.city
    }

    func checkedType(_ code: String, birthDate: LocalDate, today: LocalDate) async throws -> MembershipType {
        guard let type = try await type(code: code.trimmed.lowercased()), type.active else {
            throw BiebError.invalid("membership_type", "There is no membership type '\(code)'.", nl: "Er is geen abonnementsvorm '\(code)'.")
        }
        if type.youth && !Membership.isYouth(birthDate: birthDate, on: today) {
            throw BiebError.invalid("membership_type", "'\(type.nameEN)' is for members under 18.",
                                    nl: "'\(type.nameNL)' is voor leden onder de 18.")
        }
        return type
    }

    func checkBranch(_ id: UUID) async throws {
        guard try await Branch.query(on: db).filter(\.$id == id).filter(\.$organisation.$id == organisationID).first() != nil else {
            throw BiebError.invalid("home_branch", "That branch is not one of this organisation's.",
                                    nl: "Die vestiging hoort niet bij deze organisatie.")
        }
    }

    static func cardTaken(_ code: String) -> BiebError {
        BiebError(.conflict, code: "card_taken", field: "card", message: "Card \(code) belongs to another member.",
                  nl: "Pas \(code) hoort al bij een ander lid.")
    }
}
