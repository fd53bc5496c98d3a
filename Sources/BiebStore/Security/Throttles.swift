import FluentKit
import Foundation
import SQLKit
import BiebCore

/// The counters behind credential throttling and public rate limits, in the
/// database so that every app server counts the same tries. Keys are made
/// by the caller from hashes (never a plain address, card or name); rows
/// are removed by the hourly privacy job once their window is over
/// (`forgetExpired`). Each change is one statement (an upsert), so two
/// servers counting the same key at once both count.
///
/// Tables: `login_throttle` (failures and locks per key), `known_sign_ins`
/// (an account's addresses that signed in), `rate_counters` (sends of a
/// public form per key and window).
public struct Throttles: Sendable {
    let db: any Database

    public init(_ db: any Database) { self.db = db }

    var sql: any SQLDatabase { db.sql }

    // MARK: Failures and locks

    /// Seconds until `key` may try again, or nil when it may try now.
    public func lockedFor(key: String, now: Date = Date()) async throws -> Int? {
        guard let row = try await sql.raw("SELECT locked_until FROM login_throttle WHERE key = \(bind: key)").first(),
              let until = try row.decode(column: "locked_until", as: Date?.self), until > now else { return nil }
        return Int(until.timeIntervalSince(now).rounded(.up))
    }

    /// Records a failed try and returns the lock that now applies, if any
    /// (`ThrottleRules.lockSeconds`).
    @discardableResult
    public func recordFailure(key: String, freeAttempts: Int, now: Date = Date()) async throws -> Int? {
        let windowStart = now.addingTimeInterval(-ThrottleRules.window)
        return try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let failures = try await sql.raw("""
                INSERT INTO login_throttle (id, key, failures, first_failure_at, locked_until) VALUES (\(bind: UUID()), \(bind: key), 1, \(bind: now), NULL)
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN login_throttle.first_failure_at < \(bind: windowStart) THEN 1 ELSE login_throttle.failures + 1 END,
                    first_failure_at = CASE WHEN login_throttle.first_failure_at < \(bind: windowStart) THEN \(bind: now) ELSE login_throttle.first_failure_at END
                RETURNING failures
                """).first()!.decode(column: "failures", as: Int.self)
            guard let seconds = ThrottleRules.lockSeconds(afterFailures: failures, freeAttempts: freeAttempts) else { return nil }
            try await sql.raw("UPDATE login_throttle SET locked_until = \(bind: now.addingTimeInterval(Double(seconds))) WHERE key = \(bind: key)").run()
            return seconds
        }
    }

    /// Whether `key` has failures counted (so a success need not write when it has none).
    public func hasFailures(key: String) async throws -> Bool {
        try await sql.raw("SELECT 1 AS found FROM login_throttle WHERE key = \(bind: key)").first() != nil
    }

    public func clearFailures(key: String) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM login_throttle WHERE key = \(bind: key)").run()
        }
    }

    /// Clears every counter whose key starts with `prefix` (all addresses of an account).
    public func clearFailures(prefix: String) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("DELETE FROM login_throttle WHERE key LIKE \(bind: Self.likePrefix(prefix))").run()
        }
    }

    static func likePrefix(_ prefix: String) -> String {
        // Keys are hex and separators; a LIKE wildcard in them would be a bug.
        precondition(!prefix.contains("%") && !prefix.contains("_"), "throttle keys hold no LIKE wildcards")
        return prefix + "%"
    }

    // MARK: Known addresses

    /// Marks `key` (an account and an address) as having signed in now.
    public func remember(known key: String, now: Date = Date()) async throws {
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO known_sign_ins (key, last_seen_at) VALUES (\(bind: key), \(bind: now))
                ON CONFLICT (key) DO UPDATE SET last_seen_at = excluded.last_seen_at
                """).run()
        }
    }

    /// Whether `key` signed in within `within` seconds (default: `ThrottleRules.knownFor`).
    public func isKnown(_ key: String, now: Date = Date(), within: TimeInterval = ThrottleRules.knownFor) async throws -> Bool {
        try await sql.raw("""
            SELECT 1 AS found FROM known_sign_ins WHERE key = \(bind: key) AND last_seen_at > \(bind: now.addingTimeInterval(-within))
            """).first() != nil
    }

    // MARK: Rate limits

    /// Counts one send under `limit` for `key`; nil when it is allowed, else
    /// the seconds until the window ends (the send is counted either way, so
    /// hammering keeps the window full).
    public func count(_ limit: RateLimit, key: String, now: Date = Date()) async throws -> Int? {
        let fullKey = limit.name + ":" + key
        let windowStart = now.addingTimeInterval(-limit.window)
        let row = try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("""
                INSERT INTO rate_counters (key, window_start, count) VALUES (\(bind: fullKey), \(bind: now), 1)
                ON CONFLICT (key) DO UPDATE SET
                    count = CASE WHEN rate_counters.window_start <= \(bind: windowStart) THEN 1 ELSE rate_counters.count + 1 END,
                    window_start = CASE WHEN rate_counters.window_start <= \(bind: windowStart) THEN \(bind: now) ELSE rate_counters.window_start END
                RETURNING count, window_start
                """).first()!
        }
        let count = try row.decode(column: "count", as: Int.self)
        guard count > limit.limit else { return nil }
        let started = try row.decode(column: "window_start", as: Date.self)
        return max(1, Int(started.addingTimeInterval(limit.window).timeIntervalSince(now).rounded(.up)))
    }

    /// Takes back one send counted under `limit` for `key` (a send that was
    /// refused for what it said, and changed nothing, does not use up the allowance).
    public func uncount(_ limit: RateLimit, key: String) async throws {
        let fullKey = limit.name + ":" + key
        try await WriteGate.transaction(on: db) { tx in
            try await tx.sql.raw("UPDATE rate_counters SET count = count - 1 WHERE key = \(bind: fullKey) AND count > 0").run()
        }
    }

    // MARK: Clean-up

    /// Removes counters whose window and lock are over, and addresses not
    /// seen for `ThrottleRules.knownFor` (the hourly privacy job). The
    /// longest rate window is a day.
    @discardableResult
    public func forgetExpired(now: Date = Date()) async throws -> Int {
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            let windowStart = now.addingTimeInterval(-ThrottleRules.window)
            var removed = try await sql.raw("""
                DELETE FROM login_throttle WHERE first_failure_at < \(bind: windowStart) AND (locked_until IS NULL OR locked_until < \(bind: now)) RETURNING key
                """).all().count
            removed += try await sql.raw("""
                DELETE FROM known_sign_ins WHERE last_seen_at < \(bind: now.addingTimeInterval(-ThrottleRules.knownFor)) RETURNING key
                """).all().count
            removed += try await sql.raw("""
                DELETE FROM rate_counters WHERE window_start < \(bind: now.addingTimeInterval(-86_400)) RETURNING key
                """).all().count
            return removed
        }
    }
}

struct CreateThrottleTables: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema("known_sign_ins")
            .field("key", .string, .identifier(auto: false))
            .field("last_seen_at", .datetime, .required)
            .create()
        try await database.schema("rate_counters")
            .field("key", .string, .identifier(auto: false))
            .field("window_start", .datetime, .required)
            .field("count", .int, .required)
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema("rate_counters").delete()
        try await database.schema("known_sign_ins").delete()
    }
}
