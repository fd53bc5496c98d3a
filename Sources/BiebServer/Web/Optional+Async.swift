import Foundation

/// `map` for an async transform (the agenda pages and the demo read a related record only when there is one).
extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): return try await transform(value)
        case .none: return nil
        }
    }
}
