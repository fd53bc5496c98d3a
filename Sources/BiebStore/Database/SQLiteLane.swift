import BiebCore
import FluentKit
import FluentSQLiteDriver
import Foundation
import NIOCore
import NIOPosix
import SQLKit

/// The writer of a SQLite file: one connection on a thread of its own that
/// runs the application's write transactions one after another.
///
/// SQLite has a single writer anyway (`WriteGate` lets writers take turns).
/// Through the ordinary connections every statement of a transaction
/// travels from an event loop to a thread of the pool and back — two
/// thread wake-ups per statement, a dozen statements per checkout, and on
/// a virtual machine a wake-up costs tens of microseconds, with the write
/// lock held all the while. On the lane the transaction's own code runs on
/// the connection's thread (`ThreadPoolTaskExecutor`): each statement is
/// queued behind the code that sent it, runs as soon as that code waits,
/// and the code goes on right after it on the same thread — no wake-up at
/// all inside a transaction, one to enter the lane and one to leave it.
/// The writer's page cache stays warm, too: the writes are its own
/// (docs/PERFORMANCE.md#sip2-self-service-machines).
///
/// The lane changes where a transaction runs, not what it does. Work opts
/// in with the task-local `SQLiteLane.current` (set per SIP2 message and
/// per HTTP request when the database is a SQLite file); reads, password
/// checks and everything else stay on the ordinary connections.
public final class SQLiteLane: @unchecked Sendable {
    /// The lane of the current work, if it opted in.
    @TaskLocal public static var current: SQLiteLane?

    typealias Job = @Sendable ((any Database)?) async -> Void

    public let executor: ThreadPoolTaskExecutor
    private let threadPool: NIOThreadPool
    private let databases: Databases
    private let loop: any EventLoop
    private let logger: Logger
    private let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation
    private let lock = NSLock()
    private var worker: Task<Void, Never>?

    /// Opens the lane on the SQLite file at `path` (already migrated) and
    /// starts taking work.
    public init(path: String, on eventLoopGroup: any EventLoopGroup, logger: Logger, checkpointer: Bool,
                busyTimeout: Int = BiebDatabase.defaultBusyTimeout) {
        threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        executor = ThreadPoolTaskExecutor(threadPool)
        loop = eventLoopGroup.next()
        databases = Databases(threadPool: threadPool, on: eventLoopGroup)
        databases.use(BiebDatabase.sqliteFile(path), as: .sqlite)
        self.logger = logger
        (jobs, queue) = AsyncStream.makeStream(of: Job.self)
        let database = databases.database(.sqlite, logger: logger, on: loop)
        let jobs = jobs
        let log = logger
        worker = Task(executorPreference: executor) { [executor] in
            do {
                guard let database else { throw BiebError(.invalid, code: "no_database", message: "The SQLite lane has no database.") }
                // One connection for the lane's life: taken once, kept until the queue ends.
                try await database.withConnection { connection in
                    try await withTaskExecutorPreference(executor) {
                        try await BiebDatabase.tune(connection: connection.sql, checkpointer: checkpointer, busyTimeout: busyTimeout)
                        for await job in jobs { await job(connection) }
                    }
                }
            } catch {
                log.error("The SQLite writer stopped: \(String(describing: error))")
                for await job in jobs { await job(nil) }
            }
        }
    }

    /// Runs `body` as a transaction on the lane, after the transactions
    /// queued before it, taking its turn at `WriteGate` on the lane's own
    /// thread. Call through `WriteGate.transaction`.
    func transaction<T: Sendable>(file: StaticString, line: UInt,
                                  _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: Job = { connection in
                guard let connection else {
                    continuation.resume(throwing: BiebError(.invalid, code: "database_unavailable",
                                                            message: "The database cannot take changes now; try again."))
                    return
                }
                // BEGIN and COMMIT by hand: Fluent's transaction would run the body in a task of its own, off this thread.
                // IMMEDIATE takes the write lock at once, so a writer outside the gate cannot leave this one a stale snapshot.
                let sql = connection.sql
                await WriteGate.shared.enter(file: file, line: line)
                defer { WriteGate.shared.leave() }
                do {
                    try await sql.raw("BEGIN IMMEDIATE").run()
                    do {
                        let result = try await body(connection)
                        try await sql.raw("COMMIT").run()
                        continuation.resume(returning: result)
                    } catch {
                        try? await sql.raw("ROLLBACK").run()
                        throw error
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            if case .terminated = queue.yield(job) {
                continuation.resume(throwing: BiebError(.invalid, code: "database_unavailable",
                                                        message: "The database is shutting down; try again."))
            }
        }
    }

    /// Finishes the transactions queued, closes the connection and stops the thread.
    public func shutdown() async {
        queue.finish()
        let worker = lock.withLock { () -> Task<Void, Never>? in
            defer { self.worker = nil }
            return self.worker
        }
        await worker?.value
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
    }
}

/// Runs Swift tasks on the thread of a one-thread `NIOThreadPool`: a task
/// executor preference (SE-0417) for code whose every statement runs on
/// that pool.
public final class ThreadPoolTaskExecutor: TaskExecutor, @unchecked Sendable {
    let pool: NIOThreadPool

    init(_ pool: NIOThreadPool) {
        self.pool = pool
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        // After shutdown the pool calls this at once on the caller's thread: the job still runs (a task never hangs).
        pool.submit { _ in job.runSynchronously(on: executor) }
    }
}

/// The application's writer for a SQLite file, opened on first use (after
/// migrations) and closed with the application.
public final class SQLiteLaneHolder: @unchecked Sendable {
    private let path: String
    private let group: any EventLoopGroup
    private let logger: Logger
    private let checkpointer: Bool
    private let busyTimeout: Int
    private let lock = NSLock()
    private var lane: SQLiteLane?
    private var closed = false

    public init(path: String, on group: any EventLoopGroup, logger: Logger, checkpointer: Bool, busyTimeout: Int = BiebDatabase.defaultBusyTimeout) {
        self.path = path
        self.group = group
        self.logger = logger
        self.checkpointer = checkpointer
        self.busyTimeout = busyTimeout
    }

    /// The writer (nil once closed: work falls back to the ordinary connections).
    public var current: SQLiteLane? {
        lock.withLock {
            if closed { return nil }
            if let lane { return lane }
            let made = SQLiteLane(path: path, on: group, logger: logger, checkpointer: checkpointer, busyTimeout: busyTimeout)
            lane = made
            return made
        }
    }

    public func shutdown() async {
        let lane = lock.withLock { () -> SQLiteLane? in
            closed = true
            defer { self.lane = nil }
            return self.lane
        }
        await lane?.shutdown()
    }
}
