import Vapor
import BiebCore

extension Response {
    /// A page shown again for a refusal: the error's status, and its Retry-After when it has one (a rate limit, a lock).
    func refused(by error: BiebError?) {
        guard let error else { return }
        status = error.httpStatus
        if let seconds = error.retryAfter { headers.replaceOrAdd(name: .retryAfter, value: String(seconds)) }
    }
}
