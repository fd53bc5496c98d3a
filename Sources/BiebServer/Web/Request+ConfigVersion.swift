import Vapor
import BiebStore

struct ConfigVersionReaderKey: StorageKey { typealias Value = ConfigVersionReader }

extension Request {
    /// The organisation's `ConfigVersion`, read at most once in this request:
    /// the caches of tokens, branch names, settings, calendars and sort bins
    /// use what they hold only when it was made at this number.
    func configVersion(of organisationID: UUID) async throws -> Int {
        let reader = storage[ConfigVersionReaderKey.self] ?? {
            let reader = ConfigVersionReader(db)
            storage[ConfigVersionReaderKey.self] = reader
            return reader
        }()
        return try await reader.version(of: organisationID)
    }
}
