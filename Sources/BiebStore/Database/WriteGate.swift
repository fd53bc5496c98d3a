import Fluent
import Foundation
import SQLKit

/// One write transaction at a time on SQLite, waiting in turn (first come,
/// first served) instead of spinning on SQLite's lock. SQLite has a single
/// writer anyway; without the gate a second connection would busy-wait a
/// CPU for the lock, or fail when its read snapshot went stale. PostgreSQL
/// needs no gate: its row locks order concurrent writers.
public actor WriteGate {
    public static let shared = WriteGate()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` in a transaction; on SQLite after the writes before it.
    public static func transaction<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else {
            return try await db.transaction { try await body($0) }
        }
        await shared.enter()
        do {
            let result = try await db.transaction { try await body($0) }
            await shared.leave()
            return result
        } catch {
            await shared.leave()
            throw error
        }
    }
}
