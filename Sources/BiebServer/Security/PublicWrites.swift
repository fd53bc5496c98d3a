import Crypto
import Foundation
import Metrics
import Vapor
import BiebCore
import BiebStore

/// Rate limits on forms anyone may send without signing in (guest
/// registrations, appointments, PIN-reset requests, …): each `RateLimit`
/// counts per client network (IPv6 by its /64) or per key the caller names,
/// in the database (`Throttles.count`), so every app server counts. A send
/// over the limit is a 429 with Retry-After, logged and counted in
/// `bieb_rate_limited_total` (no address in either).
struct PublicWrites {
    let request: Request

    init(_ request: Request) { self.request = request }

    /// The client's network, hashed: the key of a per-address limit.
    var client: String {
        CredentialThrottle.hash(ThrottleRules.network(of: request.clientAddress ?? "unknown"))
    }

    /// Runs `body` as one send under each of `limits` (a limit and its key,
    /// nil: the client): counted first, so racing sends cannot slip past; a
    /// send refused for what it said (a `BiebError`: a wrong address, a full
    /// slot) is taken back, so a person who corrects a form is not stopped.
    func counting<T>(_ limits: [(RateLimit, String?)], _ body: () async throws -> T) async throws -> T {
        var counted: [(RateLimit, String)] = []
        do {
            for (limit, key) in limits {
                try await allow(limit, key: key)
                counted.append((limit, key ?? client))
            }
            return try await body()
        } catch let error as BiebError {
            for (limit, key) in counted { try await Throttles(request.db).uncount(limit, key: key) }
            throw error
        }
    }

    /// Counts this send under `limit` for the client (or for `key`); a 429 when over.
    func allow(_ limit: RateLimit, key: String? = nil) async throws {
        guard let seconds = try await Throttles(request.db).count(limit, key: key ?? client) else { return }
        Counter(label: "bieb_rate_limited_total", dimensions: [("limit", limit.name)]).increment()
        request.logger.notice("rate limited", metadata: ["limit": .string(limit.name), "seconds": .stringConvertible(seconds)])
        let minutes = max(1, (seconds + 59) / 60)
        throw BiebError(.tooManyRequests, code: "rate_limited",
                        message: "Too many at once. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
                        nl: "Te veel tegelijk. Probeer het over \(minutes) minu\(minutes == 1 ? "ut" : "ten") opnieuw.", retryAfter: seconds)
    }
}
