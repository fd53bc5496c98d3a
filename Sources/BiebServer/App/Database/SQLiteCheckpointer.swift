import BiebStore
import Foundation
import Logging
import SQLiteNIO
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// Copies the write-ahead log of a SQLite file back into the database in
/// the background, on a connection and a thread of its own, so that the
/// writers never do it inside a commit.
///
/// Left to SQLite, the commit that fills the log past 1,000 pages copies
/// it back, with the write lock held: now and then one transaction takes
/// milliseconds longer, and every transaction queued behind it waits too
/// (docs/PERFORMANCE.md#sip2-self-service-machines). Here, every `busyInterval` while there are
/// writes:
///
/// 1. A PASSIVE checkpoint copies what the log holds — it takes no write
///    lock, writers go on meanwhile — and the database file is synced
///    right after (SQLite syncs it only after a checkpoint that finished
///    the whole log, which under a steady stream of writes never happens,
///    and the sync would then have thousands of scattered pages to write).
/// 2. Once the log holds `restartFrames` frames, a second checkpoint runs
///    with the writers paused (`WriteGate`): it copies the few frames
///    written since step 1 and finishes the log, so the next write starts
///    it again from the beginning. The pause lasts a millisecond or a few.
///
/// The writers' own checkpoint threshold is raised to `BiebDatabase.walFallbackPages`, in
/// case this falls behind; a log file that grew is cut back to
/// `BiebDatabase.journalLimitBytes` when it starts over. Syncs follow `synchronous`
/// (NORMAL): a crash never damages the database.
public final class SQLiteCheckpointer: LifecycleHandler, @unchecked Sendable {
    /// Between checkpoints while the log grows.
    public static let busyInterval: Duration = .milliseconds(20)
    /// Between looks at a log that did not grow.
    public static let idleInterval: Duration = .milliseconds(500)
    /// Log frames after which the log is finished with the writers paused (about 8 MB).
    public static let restartFrames: Int64 = 2_000
    /// A checkpoint longer than this is logged (a warning: the disk did not keep up).
    static let slow: Duration = .milliseconds(250)

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    let path: String
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var connection: SQLiteConnection?
    private var file: Int32 = -1
    /// A thread of its own: a checkpoint blocks its thread while it copies and syncs.
    private let thread = NIOThreadPool(numberOfThreads: 1)

    public init(path: String) {
        self.path = path
    }

    public func didBootAsync(_ application: Application) async throws {
        thread.start()
        let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: thread,
                                                         logger: application.logger, on: application.eventLoopGroup.any())
        _ = try await connection.query("PRAGMA busy_timeout = 10000")
        // A descriptor of our own for syncing the database file (a sync through any descriptor writes the file's pages).
        let file = open(path, O_RDONLY)
        let logger = application.logger
        // While the server runs, a write transaction that keeps the others waiting is logged with its place in the code.
        WriteGate.shared.watch(logger)
        let thread = thread
        let task = Task {
            var lastFrames: Int64 = 0
            var wait = Self.idleInterval
            while !Task.isCancelled {
                try? await Task.sleep(for: wait)
                if Task.isCancelled { break }
                do {
                    let started = ContinuousClock.now
                    let frames = try await Self.checkpoint(connection)
                    if frames > 0, file >= 0 { try await thread.runIfActive { Self.sync(file) } }
                    let copied = ContinuousClock.now
                    if copied - started > Self.slow {
                        logger.warning("SQLite checkpoint of \(frames) pages and its sync took \(Self.milliseconds(copied - started)) ms")
                    }
                    if frames >= Self.restartFrames {
                        await WriteGate.shared.enter()
                        let paused = ContinuousClock.now
                        do {
                            _ = try await Self.checkpoint(connection)
                        } catch {
                            WriteGate.shared.leave()
                            throw error
                        }
                        WriteGate.shared.leave()
                        let resumed = ContinuousClock.now
                        if resumed - paused > Self.slow {
                            logger.warning("SQLite checkpoint held the writers for \(Self.milliseconds(resumed - paused)) ms")
                        }
                    }
                    wait = frames != lastFrames ? Self.busyInterval : Self.idleInterval
                    lastFrames = frames
                } catch is CancellationError {
                    break  // the server is stopping
                } catch {
                    logger.warning("SQLite checkpoint failed: \(String(describing: error))")
                    wait = Self.idleInterval
                }
            }
        }
        lock.withLock {
            self.connection = connection
            self.file = file
            self.task = task
        }
    }

    /// Writes the file's changed pages to the disk.
    static func sync(_ file: Int32) {
        #if os(Linux)
        _ = fdatasync(file)
        #else
        _ = fsync(file)
        #endif
    }

    /// A PASSIVE checkpoint; returns the frames in the log.
    static func checkpoint(_ connection: SQLiteConnection) async throws -> Int64 {
        let rows = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)")
        return rows.first?.column("log")?.integer.map(Int64.init) ?? 0
    }

    public func shutdownAsync(_ application: Application) async {
        let (task, connection, file) = lock.withLock { (self.task, self.connection, self.file) }
        WriteGate.shared.watch(nil)
        task?.cancel()
        await task?.value
        try? await connection?.close()
        if file >= 0 { close(file) }
        try? await thread.shutdownGracefully()
    }
}
