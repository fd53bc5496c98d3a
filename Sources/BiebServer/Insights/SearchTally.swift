import Fluent
import Foundation
import Synchronization
import Vapor
import BiebCore
import BiebStore

/// This server's catalogue searches since they were last handed in, per
/// organisation, day and channel — counts only (`SearchCounts`). A search
/// is counted when its first page is asked for (turning pages is not a new
/// search). The background loop of every server hands the tally in about
/// once a minute, and on shutdown.
final class SearchTally: Sendable {
    private let counts = Mutex<[UUID: [SearchCounts.Tally: Int]]>([:])

    /// Counts one search.
    func add(organisation: UUID, day: LocalDate, channel: String) {
        counts.withLock { $0[organisation, default: [:]][SearchCounts.Tally(day: day, channel: channel), default: 0] += 1 }
    }

    /// Writes the tally as facts; a tally that could not be written is kept for the next time.
    func flush(on db: any Database) async throws {
        let taken = counts.withLock { counts in
            defer { counts = [:] }
            return counts
        }
        for (index, (organisation, tallies)) in taken.sorted(by: { $0.key.uuidString < $1.key.uuidString }).enumerated() {
            do {
                try await SearchCounts(db, organisationID: organisation).record(tallies)
            } catch {
                // Put back what was not written (this organisation's and the rest), then report.
                let rest = taken.sorted(by: { $0.key.uuidString < $1.key.uuidString })[index...]
                counts.withLock { counts in
                    for (organisation, tallies) in rest {
                        for (tally, count) in tallies { counts[organisation, default: [:]][tally, default: 0] += count }
                    }
                }
                throw error
            }
        }
    }
}

struct SearchTallyKey: StorageKey {
    typealias Value = SearchTally
}

extension Application {
    /// This server's tally of catalogue searches; set up in `configure`.
    var searchTally: SearchTally { storage[SearchTallyKey.self]! }
}
