import Foundation
import SQLKit
import Vapor
import BiebStore

/// Loads every organisation's search columns (`FacetIndex`) in the
/// background as the server starts, so the first member to search after a
/// restart does not wait for them (about 6 s for a million titles). Searches
/// that arrive meanwhile wait for the load that is running, as they would
/// without the warm-up. Stopping the server stops the warm-up between
/// organisations.
struct SearchWarmup: LifecycleHandler {
    private let task = TaskBox()

    func didBootAsync(_ app: Application) async throws {
        let logger = app.logger
        task.set(Task.detached {
            do {
                try await Self.warm(app)
            } catch is CancellationError {
            } catch {
                logger.warning("search warm-up stopped: \(String(reflecting: error))")
            }
        })
    }

    func shutdownAsync(_ app: Application) async {
        guard let running = task.take() else { return }
        running.cancel()
        _ = await running.result
    }

    /// Loads the search columns of every organisation, one after another.
    static func warm(_ app: Application) async throws {
        if DutchWordList.compounds == nil, let path = DutchWordList.path {
            app.logger.warning("No Dutch word list at \(path): compound words are indexed whole, so \"oorlog\" does not find \"Wereldoorlog\". Install wdutch, then run `bieb reindex`.")
        }
        // On a connection of its own (`BackgroundDatabase`): the requests of the event loops go on meanwhile.
        let db = app.backgroundDB
        let sql = db.sql
        for organisation in try await BranchDirectory(db).organisations() {
            try Task.checkCancellation()
            let start = ContinuousClock.now
            _ = try await app.searchMemory.facets.refresh(organisationID: organisation.id!, on: sql)
            let elapsed = ContinuousClock.now - start
            app.logger.info("search columns of \(organisation.slug) loaded in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds])))")
        }
    }

    /// The running task, set once at boot and taken once at shutdown.
    final class TaskBox: @unchecked Sendable {
        private let lock = NSLock()
        private var task: Task<Void, Never>?
        func set(_ task: Task<Void, Never>) { lock.withLock { self.task = task } }
        func take() -> Task<Void, Never>? { lock.withLock { defer { task = nil }; return task } }
    }
}
