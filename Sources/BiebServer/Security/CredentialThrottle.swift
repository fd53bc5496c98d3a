import Crypto
import Fluent
import Foundation
import Logging
import Metrics
import BiebCore
import BiebStore

/// Throttling of one credential check — staff sign-in, member sign-in, a
/// SIP2 or door terminal's login — by the rules of `ThrottleRules`: the
/// account from this address, the address, and the account from all
/// addresses (which does not lock an address that signed in to the account
/// before). Counted in the database (`Throttles`), so every app server
/// counts the same tries. Keys hold SHA-256 hashes, never the account name
/// or the address itself. A lock that starts is logged (kind and counter,
/// no personal data) and counted in `bieb_sign_in_locks_total`; every
/// failure in `bieb_sign_in_failures_total`.
struct CredentialThrottle: Sendable {
    enum Kind: String, Sendable {
        case staff, member, terminal
    }

    let throttles: Throttles
    let kind: Kind
    let account: String
    let network: String
    let logger: Logger

    /// `scope` keeps accounts of different organisations apart (a member's
    /// card number is unique per organisation only); `address` is the
    /// client's IP address.
    init(_ db: any Database, kind: Kind, account identifier: String, scope: String = "", address: String?, logger: Logger) {
        throttles = Throttles(db)
        self.kind = kind
        account = Self.accountHash(identifier, scope: scope)
        network = Self.hash(ThrottleRules.network(of: address ?? "unknown"))
        self.logger = logger
    }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func accountHash(_ identifier: String, scope: String) -> String {
        hash(scope + ":" + identifier.trimmingCharacters(in: .whitespaces).lowercased())
    }

    func key(_ counter: ThrottleCounter) -> String {
        switch counter {
        case .accountFromAddress: "\(counter.rawValue):\(kind.rawValue):\(account):\(network)"
        case .address: "\(counter.rawValue):\(kind.rawValue):\(network)"
        case .account: "\(counter.rawValue):\(kind.rawValue):\(account)"
        }
    }

    var knownKey: String { "\(kind.rawValue):\(account):\(network)" }

    /// Seconds this caller must wait before trying, or nil when it may try now.
    func lockedFor(now: Date = Date()) async throws -> Int? {
        var wait: Int?
        for counter in [ThrottleCounter.accountFromAddress, .address] {
            if let seconds = try await throttles.lockedFor(key: key(counter), now: now) { wait = max(wait ?? 0, seconds) }
        }
        if wait == nil, let seconds = try await throttles.lockedFor(key: key(.account), now: now),
           try await !throttles.isKnown(knownKey, now: now) {
            wait = seconds
        }
        return wait
    }

    /// Counts a failed try; returns the lock that now applies to this caller, if any.
    @discardableResult
    func failed(now: Date = Date()) async throws -> Int? {
        Counter(label: "bieb_sign_in_failures_total", dimensions: [("kind", kind.rawValue)]).increment()
        var wait: Int?
        var accountLock: Int?
        for counter in ThrottleCounter.allCases {
            guard let seconds = try await throttles.recordFailure(key: key(counter), freeAttempts: counter.freeAttempts, now: now) else { continue }
            Counter(label: "bieb_sign_in_locks_total", dimensions: [("kind", kind.rawValue), ("counter", counter.rawValue)]).increment()
            logger.notice("sign-in locked", metadata: ["kind": .string(kind.rawValue), "counter": .string(counter.rawValue),
                                                       "seconds": .stringConvertible(seconds)])
            if counter == .account { accountLock = seconds } else { wait = max(wait ?? 0, seconds) }
        }
        if let accountLock, wait == nil, try await !throttles.isKnown(knownKey, now: now) { wait = accountLock }
        return wait
    }

    /// A right credential: this address starts again for the account, and is
    /// known from now on. Reads first, so an ordinary sign-in (no failures,
    /// known since today) writes nothing.
    func succeeded(now: Date = Date()) async throws {
        if try await throttles.hasFailures(key: key(.accountFromAddress)) {
            try await throttles.clearFailures(key: key(.accountFromAddress))
        }
        if try await !throttles.isKnown(knownKey, now: now, within: 86_400) {
            try await throttles.remember(known: knownKey, now: now)
        }
    }

    /// Lifts every lock of an account (a member who chose a new PIN by the
    /// link in their mail): the account from each address, and from all.
    static func clear(_ db: any Database, kind: Kind, account identifier: String, scope: String = "") async throws {
        let account = accountHash(identifier, scope: scope)
        let throttles = Throttles(db)
        try await throttles.clearFailures(prefix: "\(ThrottleCounter.accountFromAddress.rawValue):\(kind.rawValue):\(account):")
        try await throttles.clearFailures(key: "\(ThrottleCounter.account.rawValue):\(kind.rawValue):\(account)")
    }

    /// The refusal when a caller is locked.
    static func tooMany(_ seconds: Int) -> BiebError {
        BiebError(.tooManyRequests, code: "too_many_attempts",
                  message: "Too many failed sign-ins. Try again in \(seconds) seconds.",
                  nl: "Te vaak mislukt. Probeer het over \(seconds) seconden opnieuw.", retryAfter: seconds)
    }
}
