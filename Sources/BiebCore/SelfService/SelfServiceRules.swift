import Foundation

/// Which sort bin a return sorter drops a copy into, per destination.
public struct SortBins: Equatable, Sendable, Codable {
    /// Copies that fill a hold here (for the hold shelf).
    public var holds: String
    /// Copies that go to another branch (a hold there, or home).
    public var transit: String
    /// Copies that go back on the shelf here.
    public var shelf: String

    public init(holds: String = "1", transit: String = "2", shelf: String = "3") {
        self.holds = holds
        self.transit = transit
        self.shelf = shelf
    }

    public func validate() throws {
        for (field, value) in [("bin_holds", holds), ("bin_transit", transit), ("bin_shelf", shelf)] {
            guard !value.isEmpty, value.count <= 8, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw BiebError.invalid(field, "A sort bin is 1 to 8 letters or digits.", nl: "Een sorteerbak is 1 tot 8 letters of cijfers.")
            }
        }
    }
}

/// The door's answer for a member at a branch at a moment.
public enum DoorDecision: Equatable, Sendable {
    case allowed
    case refused(DoorRefusal)

    public var allowed: Bool { self == .allowed }
}

public enum DoorRefusal: Equatable, Sendable {
    case closed
    case tooYoung(minimumAge: Int)
    case memberTooShort(since: LocalDate, minimumDays: Int)
    case termsNotAccepted
    case blocked(MemberBlock)
    case pinRequired
    case wrongPIN
    case pinLocked

    public var code: String {
        switch self {
        case .closed: "branch_closed"
        case .tooYoung: "too_young"
        case .memberTooShort: "membership_too_recent"
        case .termsNotAccepted: "terms_not_accepted"
        case .blocked(let block): block.code
        case .pinRequired: "pin_required"
        case .wrongPIN: "wrong_pin"
        case .pinLocked: "pin_locked"
        }
    }

    public func message(dutch: Bool) -> String {
        switch self {
        case .closed:
            dutch ? "De bibliotheek is nu gesloten." : "The library is closed now."
        case .tooYoung(let age):
            dutch ? "Zonder personeel mag je binnen vanaf \(age) jaar." : "Without staff, entry is from age \(age)."
        case .memberTooShort(let since, let days):
            dutch ? "Zelfservice kan na \(days) dagen lidmaatschap (lid sinds \(since.dutchText))."
                  : "Self-service is open after \(days) days of membership (member since \(since.iso))."
        case .termsNotAccepted:
            dutch ? "Accepteer eerst de voorwaarden voor zelfservice (aan de balie of online)."
                  : "Accept the self-service terms first (at the desk or online)."
        case .blocked(let block):
            block.message(dutch: dutch)
        case .pinRequired:
            dutch ? "Voer je pincode in." : "Enter your PIN."
        case .wrongPIN:
            dutch ? "Pincode onjuist." : "Wrong PIN."
        case .pinLocked:
            dutch ? "Te vaak een verkeerde pincode: vraag aan de balie een nieuwe." : "Too many wrong PINs: ask the desk for a new one."
        }
    }
}

public enum SelfServiceAccess {
    /// Decides the door: open to every member while the branch is staffed,
    /// only to members who meet the branch's conditions (see
    /// `SelfServiceConditions`, set per branch) and are not blocked during
    /// self-service hours, to no one while it is closed.
    public static func door(level: ServiceLevel, conditions: SelfServiceConditions, birthDate: LocalDate, memberSince: LocalDate,
                            termsAccepted: Bool, blocks: [MemberBlock], today: LocalDate) -> DoorDecision {
        switch level {
        case .closed:
            return .refused(.closed)
        case .staffed:
            // Staff are there: a blocked member may still come in (to settle up at the desk).
            return .allowed
        case .selfService:
            if let block = blocks.first { return .refused(.blocked(block)) }
            if birthDate.age(on: today) < conditions.minimumAge {
                return .refused(.tooYoung(minimumAge: conditions.minimumAge))
            }
            if memberSince.days(until: today) < conditions.minimumMembershipDays {
                return .refused(.memberTooShort(since: memberSince, minimumDays: conditions.minimumMembershipDays))
            }
            if conditions.requiresTermsAccepted && !termsAccepted { return .refused(.termsNotAccepted) }
            return .allowed
        }
    }

    /// An age band for visitor statistics (no birth dates kept).
    public static func ageBand(birthDate: LocalDate, on date: LocalDate) -> String {
        switch birthDate.age(on: date) {
        case ..<12: "0-11"
        case 12..<18: "12-17"
        case 18..<25: "18-24"
        case 25..<45: "25-44"
        case 45..<65: "45-64"
        default: "65+"
        }
    }
}

/// A member's PIN for kiosks and the door: 4 to 6 digits, kept hashed;
/// after `maximumFailures` wrong tries in a row it is locked for
/// `lockMinutes` (or until staff set a new one).
public enum MemberPIN {
    public static let maximumFailures = 5
    public static let lockMinutes = 60

    public static func validate(_ pin: String, field: String = "pin") throws -> String {
        let value = pin.trimmingCharacters(in: .whitespaces)
        guard (4...6).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw BiebError.invalid(field, "A PIN is 4 to 6 digits.", nl: "Een pincode bestaat uit 4 tot 6 cijfers.", code: "invalid_pin")
        }
        guard Set(value).count > 1 else {
            throw BiebError.invalid(field, "A PIN of one repeated digit is too easy to guess.",
                                    nl: "Een pincode van steeds hetzelfde cijfer is te makkelijk te raden.", code: "invalid_pin")
        }
        return value
    }
}
