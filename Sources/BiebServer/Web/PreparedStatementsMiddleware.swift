import BiebStore
import Vapor

/// Requests whose statements run prepared on PostgreSQL (`PreparedStatements`): the desk's API, where a
/// request is a dozen short statements by key, parsed and planned at every run when unnamed. Outermost on its
/// routes, so the bearer token's check is prepared too.
struct PreparedStatementsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await PreparedStatements.scope { try await next.respond(to: request) }
    }
}
