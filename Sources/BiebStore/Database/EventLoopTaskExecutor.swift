import Foundation
import NIOCore

/// Runs Swift tasks on a NIO event loop (a task executor preference,
/// SE-0417), so that work awaiting futures of that loop — above all the
/// loop's database connection — continues on the thread where the answer
/// arrives instead of hopping to the global executor and back.
///
/// On SQLite every statement goes from the event loop to a thread of the
/// pool and back; work that runs on the global executor adds two more
/// thread wake-ups per statement (docs/PERFORMANCE.md#sip2-self-service-machines). One executor
/// per event loop, kept for the process's life (event loops live as long
/// as their application).
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    public let loop: any EventLoop

    private init(_ loop: any EventLoop) {
        self.loop = loop
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var executors: [ObjectIdentifier: EventLoopTaskExecutor] = [:]

    /// The executor of `loop`.
    public static func of(_ loop: any EventLoop) -> EventLoopTaskExecutor {
        lock.withLock {
            if let known = executors[ObjectIdentifier(loop)] { return known }
            let executor = EventLoopTaskExecutor(loop)
            executors[ObjectIdentifier(loop)] = executor
            return executor
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
