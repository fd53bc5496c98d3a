import Foundation

/// How guessing a credential is slowed down, for every kind of credential
/// Bieb checks: staff passwords, members' cards with PIN or e-mail with
/// password, SIP2 and door terminals' logins.
///
/// Rules:
/// - A failed try counts on three counters (`ThrottleCounter`): the account
///   *from this address*, the address (whatever account it tries), and the
///   account from all addresses.
/// - Within `window` the first `freeAttempts` failures of a counter are free;
///   each one after that locks the counter for a doubling time (15 s, 30 s,
///   1 min, …) up to `maximumLock`. A window starts at a counter's first
///   failure; after it the counter starts again.
/// - A locked account-from-this-address or address stops tries at once. So
///   one stranger who types someone's card number wrong five times locks
///   only themself, never the owner on their own device.
/// - The account from all addresses gets many more free tries than one
///   address can make in a window (after five free tries an address has
///   about six more, as its own lock doubles), so only tries from many
///   addresses at once (a distributed attack) lock it — and even then not
///   for an address that signed in to the account before (`known`).
/// - An address is counted by its network: IPv4 whole, IPv6 by its /64
///   (a home or a phone gets a whole /64 and can pick any address in it).
/// - A right credential clears the account-from-this-address counter and
///   marks the address as known for the account.
public enum ThrottleCounter: String, Sendable, CaseIterable {
    case accountFromAddress = "pair"
    case address = "addr"
    case account = "acct"

    public var freeAttempts: Int {
        switch self {
        case .accountFromAddress: 5
        case .address: 25
        case .account: 30
        }
    }
}

public enum ThrottleRules {
    public static let window: TimeInterval = 15 * 60
    public static let maximumLock = 15 * 60
    /// How long an address that signed in stays known for the account.
    public static let knownFor: TimeInterval = 90 * 86_400

    /// Seconds the counter is locked after this many failures in the window, or nil.
    public static func lockSeconds(afterFailures failures: Int, freeAttempts: Int) -> Int? {
        guard failures >= freeAttempts else { return nil }
        let exponent = min(failures - freeAttempts, 10)
        return min(15 * (1 << exponent), maximumLock)
    }

    /// The part of a client address that counts: an IPv4 address whole, an
    /// IPv6 address by its first 64 bits (an IPv4-mapped IPv6 address as
    /// IPv4). Anything that is not an address counts as itself.
    public static func network(of address: String) -> String {
        var text = address
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        guard text.contains(":") else { return text }
        guard let groups = expandIPv6(text) else { return text }
        if groups[0..<5].allSatisfy({ $0 == 0 }), groups[5] == 0xFFFF {
            return "\(groups[6] >> 8).\(groups[6] & 0xFF).\(groups[7] >> 8).\(groups[7] & 0xFF)"
        }
        return groups[0..<4].map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
    }

    /// The eight 16-bit groups of an IPv6 address, or nil when it is not one.
    static func expandIPv6(_ text: String) -> [UInt16]? {
        var head = text, tail = ""
        if let range = text.range(of: "::") {
            head = String(text[..<range.lowerBound])
            tail = String(text[range.upperBound...])
            if tail.contains("::") { return nil }
        }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    let octets = piece.split(separator: ".").compactMap { UInt8($0) }
                    guard octets.count == 4 else { return nil }
                    result.append(UInt16(octets[0]) << 8 | UInt16(octets[1]))
                    result.append(UInt16(octets[2]) << 8 | UInt16(octets[3]))
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let first = groups(head), let last = groups(tail) else { return nil }
        let compressed = text.contains("::")
        let missing = 8 - first.count - last.count
        guard compressed ? missing >= 1 : missing == 0 else { return nil }
        return first + [UInt16](repeating: 0, count: missing) + last
    }
}

/// How often a public form may be sent (no credential, anyone can send it:
/// guest registrations, appointments, surveys): at most `limit` within
/// `window` per key, counted in the database so every app server counts.
public struct RateLimit: Sendable, Equatable {
    public let name: String
    public let limit: Int
    public let window: TimeInterval

    public init(_ name: String, limit: Int, window: TimeInterval) {
        self.name = name
        self.limit = limit
        self.window = window
    }

    /// Guest registrations for activities from one client address.
    public static let guestRegistrationsPerAddress = RateLimit("guest_registration_address", limit: 10, window: 3_600)
    /// Guest registrations for one activity from one client address (a
    /// household registers once or twice; a stranger cannot empty it).
    public static let guestRegistrationsPerActivityAndAddress = RateLimit("guest_registration_activity_address", limit: 2, window: 86_400)
    /// Guest registrations for one activity, from anywhere: thirty a minute
    /// on average (a popular evening fills at that pace; a flood of
    /// provisional registrations from many addresses does not).
    public static let guestRegistrationsPerActivity = RateLimit("guest_registration_activity", limit: 300, window: 600)
    /// Appointments without an account from one client address.
    public static let guestAppointmentsPerAddress = RateLimit("guest_appointment_address", limit: 10, window: 3_600)
    /// PIN-reset requests from one client address.
    public static let pinResetsPerAddress = RateLimit("pin_reset_address", limit: 5, window: 900)
    /// Memberships joined online from one client address (a household joins two or three).
    public static let onlineJoinsPerAddress = RateLimit("online_join_address", limit: 3, window: 86_400)
    /// Joins refused because the e-mail address has a membership, per client
    /// address: the answer tells that the address is a member's, so it is not for asking by the hundred.
    public static let onlineJoinEmailTakenPerAddress = RateLimit("online_join_email_taken_address", limit: 5, window: 3_600)
    /// Survey answers by personal link from one client address (a household answers its few invitations; nobody
    /// tries tokens by the thousand).
    public static let surveyAnswersPerAddress = RateLimit("survey_answer_address", limit: 30, window: 3_600)
    /// Answers at a branch's open link from one client address: generous, since a branch's public Wi-Fi or its
    /// tablet is one address for everyone there.
    public static let branchAnswersPerAddress = RateLimit("branch_answer_address", limit: 300, window: 3_600)
    /// Answers at one branch link from anywhere: a flood from many addresses stops at five a second on average.
    public static let branchAnswersPerLink = RateLimit("branch_answer_link", limit: 3_000, window: 600)
}
