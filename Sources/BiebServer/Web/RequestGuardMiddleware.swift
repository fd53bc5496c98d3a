import Foundation
import RoutingKit
import Vapor
import BiebCore

/// Refuses requests no route should see, before static files and routes:
/// a request target longer than `ServerOptions.maximumURLLength` (414) and
/// a path with a control character once decoded (400: `/css/bieb.css%00.html`
/// would otherwise open `bieb.css` and be served as HTML). Where the router
/// finds no route (`BiebErrorMiddleware`, through `AllowedMethods`): a path
/// that takes other methods is a 405 with `Allow` (TRACE, PROPFIND, …); a
/// method Bieb does not implement anywhere on a path it does not have, a
/// 501; anything else a 404.
struct RequestGuardMiddleware: AsyncMiddleware {
    static let implemented: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.url.string.utf8.count > request.application.bieb.maximumURLLength {
            throw BiebError(.uriTooLong, code: "uri_too_long",
                            message: "The address is longer than \(request.application.bieb.maximumURLLength) bytes.",
                            nl: "Het adres is langer dan \(request.application.bieb.maximumURLLength) bytes.")
        }
        let decoded = request.url.path.removingPercentEncoding ?? request.url.path
        if decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw BiebError.invalid("path", "The address holds a control character.", nl: "Het adres bevat een stuurteken.", code: "invalid_path")
        }
        return try await next.respond(to: request)
    }
}

/// Which methods each path has, from the application's routes (built at
/// the first request that needs it, when every route is registered).
final class AllowedMethods: @unchecked Sendable {
    private let lock = NSLock()
    private var router: TrieRouter<Set<String>>?

    func methods(for request: Request) -> Set<String> {
        let router = lock.withLock { () -> TrieRouter<Set<String>> in
            if let router = self.router { return router }
            var byPath: [String: (path: [PathComponent], methods: Set<String>)] = [:]
            for route in request.application.routes.all {
                let key = route.path.map(\.description).joined(separator: "/")
                byPath[key, default: (route.path, [])].methods.insert(route.method.rawValue)
            }
            let built = TrieRouter<Set<String>>()
            // The root has no components to register (it takes GET and HEAD alone).
            for entry in byPath.values where !entry.path.isEmpty {
                built.register(entry.methods.union(entry.methods.contains("GET") ? ["HEAD"] : []), at: entry.path)
            }
            self.router = built
            return built
        }
        var parameters = Parameters()
        let components = request.url.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        if components.isEmpty { return ["GET", "HEAD"] }
        return router.route(path: components, parameters: &parameters) ?? []
    }
}

struct AllowedMethodsKey: StorageKey { typealias Value = AllowedMethods }
