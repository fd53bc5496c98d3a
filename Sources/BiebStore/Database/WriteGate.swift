import FluentKit
import Foundation
import Logging
import NIOCore
import SQLKit

/// One write transaction at a time on SQLite, waiting in turn (first come,
/// first served) instead of spinning on SQLite's lock. SQLite has a single
/// writer anyway; without the gate a second connection would busy-wait a
/// CPU for the lock, or fail when its read snapshot went stale. PostgreSQL
/// needs no gate: its row locks order concurrent writers.
///
/// A lock and a queue of continuations rather than an actor: entering a
/// free gate costs no hop to another executor, and leaving hands the gate
/// straight to the next in line.
///
/// While a server runs (`watch`), a holder that kept the gate `slowHold` or
/// longer is logged with the place in the code that took it: every write
/// behind it waited that long (a notice; a warning from a second on).
public final class WriteGate: @unchecked Sendable {
    public static let shared = WriteGate()

    /// Who holds the gate: where in the code it was taken, and since when.
    struct Holder {
        var file: StaticString
        var line: UInt
        var since: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var busy = false
    private var waiting = CircularBuffer<CheckedContinuation<Void, Never>>()
    private var holder: Holder?
    private var logger: Logger?
    /// A hold this long is a notice; `warningHold` and longer a warning.
    let slowHold: Duration, warningHold: Duration

    init(slowHold: Duration = .milliseconds(250), warningHold: Duration = .seconds(1)) {
        (self.slowHold, self.warningHold) = (slowHold, warningHold)
    }

    /// Logs holders that kept the gate too long to `logger` (nil: stops). A
    /// server turns it on; a command's own bulk work holds the gate as long as it must.
    public func watch(_ logger: Logger?) {
        lock.withLock { self.logger = logger }
    }

    public func enter(file: StaticString = #fileID, line: UInt = #line) async {
        if lock.withLock({ () -> Bool in
            if busy { return false }
            busy = true
            holder = Holder(file: file, line: line, since: .now)
            return true
        }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = lock.withLock { () -> Bool in
                if busy {
                    waiting.append(continuation)
                    return false
                }
                busy = true
                return true
            }
            if admitted { continuation.resume() }
        }
        lock.withLock { holder = Holder(file: file, line: line, since: .now) }
    }

    public func leave() {
        // The gate stays busy when handed to the next in line.
        let (next, held, watcher) = lock.withLock { () -> (CheckedContinuation<Void, Never>?, Holder?, Logger?) in
            let held = holder
            holder = nil
            if let first = waiting.popFirst() { return (first, held, logger) }
            busy = false
            return (nil, held, logger)
        }
        next?.resume()
        guard let watcher, let held else { return }
        let duration = ContinuousClock.now - held.since
        guard duration >= slowHold else { return }
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        watcher.log(level: duration >= warningHold ? .warning : .notice,
                   "A write transaction held the database for \(milliseconds) ms (taken at \(held.file):\(held.line)); the writes behind it waited",
                   metadata: ["held_ms": "\(milliseconds)", "at": "\(held.file):\(held.line)"])
    }

    /// True inside the body of a write transaction on SQLite (of this task).
    @TaskLocal static var inside = false

    /// Runs `body` in a transaction; on SQLite after the writes before it,
    /// and on the writer (`SQLiteLane`) when the work opted in.
    ///
    /// Elsewhere the body runs on the event loop of the transaction's
    /// connection: Fluent starts a transaction in a task of its own, on the
    /// global executor, and every statement would otherwise cross two more
    /// threads (`EventLoopTaskExecutor`). On SQLite, called inside another
    /// write transaction of the same task, `body` becomes part of that one
    /// (a second transaction would wait for the first for ever). On
    /// PostgreSQL the transaction is Bieb's own (`PostgresTransaction`: one
    /// whose connection broke closes that connection instead of waiting for
    /// a ROLLBACK), and inside another transaction `body` is part of it.
    ///
    /// A transaction that meets a busy database (`DatabaseBusy`: a lock not
    /// had in time, a deadlock, a serialization failure) is run again, up to
    /// `attempts` times in all with a short pause between; after that the
    /// error goes to the caller (and the client gets a 503 with Retry-After).
    /// Not inside another transaction: that one is retried as a whole.
    public static func transaction<T: Sendable>(on db: any Database, attempts: Int = 3, file: StaticString = #fileID, line: UInt = #line,
                                                _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await once(on: db, file: file, line: line, body)
            } catch where attempt < attempts && !inside && !db.inTransaction && DatabaseBusy.matches(error) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(20 * attempt + Int.random(in: 0..<20)))
            }
        }
    }

    static func once<T: Sendable>(on db: any Database, file: StaticString, line: UInt,
                                  _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else {
            if db.inTransaction { return try await body(db) }
            return try await PostgresTransaction.run(on: db) { tx in
                try await withTaskExecutorPreference(EventLoopTaskExecutor.of(tx.eventLoop)) { try await body(tx) }
            }
        }
        if inside { return try await body(db) }
        let marked: @Sendable (any Database) async throws -> T = { tx in try await $inside.withValue(true) { try await body(tx) } }
        let onLoop: @Sendable (any Database) async throws -> T = { tx in
            try await withTaskExecutorPreference(EventLoopTaskExecutor.of(tx.eventLoop)) { try await marked(tx) }
        }
        // On the writer the gate is taken on the writer's thread, so from one of its transactions to the next the
        // gate never waits for another thread to wake up.
        if let lane = SQLiteLane.current { return try await lane.transaction(file: file, line: line, marked) }
        await shared.enter(file: file, line: line)
        do {
            let result = try await db.transaction(onLoop)
            shared.leave()
            return result
        } catch {
            shared.leave()
            throw error
        }
    }
}
