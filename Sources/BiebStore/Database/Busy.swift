import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation

/// A database that is busy for now, as opposed to one that refused: SQLite
/// still locked after its busy timeout (or a read snapshot gone stale when
/// a transaction began to write), PostgreSQL giving up on a lock, a
/// deadlock, a serialization failure, too many connections, or no pooled
/// connection free in time. A write that meets one is tried again a few
/// times (`WriteGate.transaction`); one that still fails becomes a 503 with
/// Retry-After, never a 500 (`BiebErrorMiddleware`).
public enum DatabaseBusy {
    /// Seconds a client is told to wait before trying again.
    public static let retryAfter = 2

    public static func matches(_ error: any Error) -> Bool {
        switch error {
        case let error as SQLiteError:
            switch error.reason {
            case .busy, .locked, .busyInRecovery, .busyInSnapshot, .busyTimeout, .lockedBySharedCache, .lockedVirtualTable: return true
            default: return false
            }
        case let error as PSQLError:
            guard let state = error.serverInfo?[.sqlState] else { return false }
            // serialization_failure, deadlock_detected, lock_not_available, too_many_connections, cannot_connect_now
            return ["40001", "40P01", "55P03", "53300", "57P03"].contains(state)
        case is ConnectionPoolTimeoutError:
            return true
        default:
            return false
        }
    }
}
