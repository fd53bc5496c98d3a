import Foundation

/// What staff (or a member online) enter to register or change a member,
/// checked and normalised by `validated(today:)`: every error names its field.
public struct MemberDraft: Equatable, Sendable, Codable {
    public var name: String
    public var birthDate: String
    public var email: String?
    public var phone: String?
    public var street: String
    public var postcode: String
    public var city: String

    public init(name: String, birthDate: String, email: String? = nil, phone: String? = nil, street: String, postcode: String, city: String) {
        self.name = name
        self.birthDate = birthDate
        self.email = email
        self.phone = phone
        self.street = street
        self.postcode = postcode
        self.city = city
    }

    /// The checked values: name and address required, a real birth date
    /// (not in the future, at most 120 years ago), a Dutch postcode, a
    /// plausible e-mail address and phone number when given.
    public func validated(today: LocalDate) throws -> ValidMember {
        let name = name.trimmed
        guard !name.isEmpty, name.count <= 120 else {
            throw BiebError.invalid("name", "Give the member's name (at most 120 characters).",
                                    nl: "Vul de naam van het lid in (hoogstens 120 tekens).")
        }
        guard let birth = LocalDate(iso: birthDate.trimmed) else {
            throw BiebError.invalid("birth_date", "'\(birthDate)' is not a date; write it as YYYY-MM-DD.",
                                    nl: "'\(birthDate)' is geen datum; schrijf hem als JJJJ-MM-DD.")
        }
        guard birth <= today else {
            throw BiebError.invalid("birth_date", "The birth date is in the future.", nl: "De geboortedatum ligt in de toekomst.")
        }
        guard birth.age(on: today) <= 120 else {
            throw BiebError.invalid("birth_date", "The birth date is more than 120 years ago.", nl: "De geboortedatum ligt meer dan 120 jaar terug.")
        }
        var mail: String?
        if let email, !email.trimmed.isEmpty {
            guard let valid = Validate.email(email) else {
                throw BiebError.invalid("email", "'\(email)' is not an e-mail address.", nl: "'\(email)' is geen e-mailadres.")
            }
            // Lower case whole: members type their address in any case, and are found by it.
            mail = valid.lowercased()
        }
        var phoneNumber: String?
        if let phone, !phone.trimmed.isEmpty {
            let digits = phone.filter { $0.isNumber }
            let allowed = phone.allSatisfy { $0.isNumber || " +-()".contains($0) }
            guard allowed, (9...15).contains(digits.count) else {
                throw BiebError.invalid("phone", "'\(phone)' is not a phone number.", nl: "'\(phone)' is geen telefoonnummer.")
            }
            phoneNumber = phone.trimmed
        }
        let street = street.trimmed, city = city.trimmed
        guard !street.isEmpty, street.count <= 120 else {
            throw BiebError.invalid("street", "Give street and house number.", nl: "Vul straat en huisnummer in.")
        }
        guard let postcode = Validate.dutchPostcode(postcode) else {
            throw BiebError.invalid("postcode", "'\(postcode)' is not a Dutch postcode (1234 AB).",
                                    nl: "'\(postcode)' is geen geldige postcode (1234 AB).")
        }
        guard !city.isEmpty, city.count <= 80 else {
            throw BiebError.invalid("city", "Give the town or city.", nl: "Vul de woonplaats in.")
        }
        return ValidMember(name: name, birthDate: birth, email: mail, phone: phoneNumber, street: street, postcode: postcode, city: city)
    }
}

/// A member's checked personal details.
public struct ValidMember: Equatable, Sendable {
    public let name: String
    public let birthDate: LocalDate
    public let email: String?
    public let phone: String?
    public let street: String
    public let postcode: String
    public let city: String
}

/// Memberships: a year at a time; free for members under 18 (the Dutch
/// Public Library Act, Wsob art. 7, forbids a fee for them), whatever the type.
public enum Membership {
    public static let youthAge = 18

    public static func isYouth(birthDate: LocalDate, on date: LocalDate) -> Bool {
        birthDate.age(on: date) < youthAge
    }

    /// The fee to charge on a start or renewal on `date`.
    public static func fee(yearlyCents: Int, birthDate: LocalDate, on date: LocalDate) -> Int {
        isYouth(birthDate: birthDate, on: date) ? 0 : yearlyCents
    }

    /// The last day of a membership that starts (or is renewed from) `start`: a year later, the day before.
    public static func end(startingOn start: LocalDate) -> LocalDate {
        let year = start.year + 1
        // 29 February: the anniversary is 1 March in a common year.
        let anniversary = LocalDate(year: year, month: start.month, day: start.day) ?? LocalDate(year: year, month: start.month + 1, day: 1)!
        return anniversary.adding(days: -1)
    }

    /// Renewing: from the day after the current end, or from today when it has lapsed.
    public static func renewedEnd(currentEnd: LocalDate, today: LocalDate) -> LocalDate {
        end(startingOn: currentEnd < today ? today : currentEnd.adding(days: 1))
    }

    /// A card barcode: 4 to 20 letters and digits (what scanners read from Dutch library cards).
    public static func cardBarcode(_ text: String, field: String = "card") throws -> String {
        let code = text.trimmed.uppercased()
        guard (4...20).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw BiebError.invalid(field, "'\(text)' is not a card number (4–20 letters and digits).",
                                    nl: "'\(text)' is geen pasnummer (4–20 letters en cijfers).")
        }
        return code
    }
}
