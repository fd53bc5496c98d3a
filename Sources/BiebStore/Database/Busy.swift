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

/// A database that cannot be reached for now — PostgreSQL restarting, its connection cut, connections refused —
/// as opposed to one that refused a statement. Answered as 503 with Retry-After, never a 500; unlike `DatabaseBusy`
/// never retried by itself, since a transaction cut during its commit may have been carried out.
public enum DatabaseUnreachable {
    public static let retryAfter = 1

    public static func matches(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        // Refused or reset connections, the server closing one, and one closed on Bieb's side after it broke.
        if [PSQLError.Code.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(error.code) { return true }
        // A connection the server ends while a statement runs ("terminating connection due to administrator command"):
        // PostgresNIO reports the server's goodbye as an unexpected message, its state only in the description.
        if error.code == .unexpectedBackendMessage, String(reflecting: error).contains("57P0") { return true }
        guard let state = error.serverInfo?[.sqlState] else { return false }
        // admin_shutdown, crash_shutdown, and the connection exceptions (class 08)
        return ["57P01", "57P02"].contains(state) || state.hasPrefix("08")
    }
}

/// A database whose disk is full: SQLite's `SQLITE_FULL` ("database or disk is full"), or a write that failed for want
/// of space, and PostgreSQL's `disk_full`. The write is not carried out and the database stays whole (SQLite rolls the
/// transaction back; its journal keeps the file consistent); reads go on. Answered as 503 with Retry-After and logged
/// as an error for the operator, never a 500.
public enum DatabaseFull {
    public static let retryAfter = 60

    public static func matches(_ error: any Error) -> Bool {
        switch error {
        case let error as SQLiteError:
            switch error.reason {
            // Full, a write short of space, and the shared-memory file (WAL index) that could not be grown.
            case .full, .ioErrorFailedWrite, .ioErrorFailedSharedMemSize: return true
            default: return false
            }
        case let error as PSQLError:
            return error.serverInfo?[.sqlState] == "53100"
        default:
            return false
        }
    }
}
