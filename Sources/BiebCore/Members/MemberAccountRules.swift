import Foundation

/// Whose account a signed-in member may see and manage: their own, and
/// those of the youth members (under 18) linked to them as guardian. A
/// child who turns 18 manages their own account from that day.
public enum AccountAccess {
    /// A member account as far as access is concerned.
    public struct Account: Sendable, Equatable {
        public let id: UUID
        public let guardianID: UUID?
        public let birthDate: LocalDate

        public init(id: UUID, guardianID: UUID?, birthDate: LocalDate) {
            self.id = id
            self.guardianID = guardianID
            self.birthDate = birthDate
        }
    }

    /// How the signed-in member relates to an account they may manage.
    public enum Relation: String, Sendable, Codable, CaseIterable {
        case own = "self"
        case child
    }

    /// Nil when `member` may not see `account` at all.
    public static func relation(of member: UUID, to account: Account, today: LocalDate) -> Relation? {
        if account.id == member { return .own }
        if account.guardianID == member, Membership.isYouth(birthDate: account.birthDate, on: today) { return .child }
        return nil
    }
}

/// Passwords members choose for signing in with their e-mail address.
public enum MemberPassword {
    public static let minimumLength = 10
    public static let maximumLength = 200

    /// The password when it will do; otherwise an error naming field
    /// `password` and why. Long enough, not the e-mail address or card
    /// number, not one character over and over.
    public static func validated(_ password: String, email: String?, cards: [String]) throws -> String {
        guard password.count >= minimumLength else {
            throw BiebError.invalid("password", "Choose a password of at least \(minimumLength) characters.",
                                    nl: "Kies een wachtwoord van minstens \(minimumLength) tekens.")
        }
        guard password.count <= maximumLength else {
            throw BiebError.invalid("password", "A password has at most \(maximumLength) characters.",
                                    nl: "Een wachtwoord heeft hoogstens \(maximumLength) tekens.")
        }
        let folded = password.lowercased()
        if let email, folded == email.lowercased() || cards.contains(password) {
            throw BiebError.invalid("password", "Choose a password that is not your e-mail address or card number.",
                                    nl: "Kies een wachtwoord dat niet je e-mailadres of pasnummer is.")
        }
        if Set(password).count < 4 {
            throw BiebError.invalid("password", "Choose a password with more different characters.",
                                    nl: "Kies een wachtwoord met meer verschillende tekens.")
        }
        return password
    }
}

/// What a member may change about themselves online: contact details. A
/// new name or birth date goes through staff (they check an ID).
public struct ContactChange: Sendable, Equatable, Codable {
    public var email: String?
    public var phone: String?
    public var street: String
    public var postcode: String
    public var city: String

    public init(email: String?, phone: String?, street: String, postcode: String, city: String) {
        self.email = email
        self.phone = phone
        self.street = street
        self.postcode = postcode
        self.city = city
    }

    /// Checked against the same rules as at registration, with the name
    /// and birth date the member has now.
    public func validated(name: String, birthDate: LocalDate, today: LocalDate) throws -> ValidMember {
        try MemberDraft(name: name, birthDate: birthDate.iso, email: email, phone: phone, street: street, postcode: postcode, city: city)
            .validated(today: today)
    }
}
