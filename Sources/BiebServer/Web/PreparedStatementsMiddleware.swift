import BiebStore
import Vapor

/// Requests whose statements run prepared on PostgreSQL (`PreparedStatements`): the desk's API and the desk page's
/// actions, where a request is a dozen short statements by key, parsed and planned at every run when unnamed. On
/// the API outermost, so the bearer token's check is prepared too.
struct PreparedStatementsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await PreparedStatements.scope { try await next.respond(to: request) }
    }
}
