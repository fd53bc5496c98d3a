import CoreMetrics
import Foundation
import Prometheus
import Vapor
import BiebStore

/// Process-wide metrics: swift-metrics backed by a Prometheus registry. Vapor
/// records `http_requests_total` and `http_request_duration_seconds` by
/// method, route pattern and status; `/metrics` renders the registry.
enum Metrics {
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped: Bool = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return true
    }()

    /// Safe to call from every application set-up; bootstraps once per process.
    static func bootstrapOnce() { _ = bootstrapped }
}

struct HealthStatus: Content {
    let status: String
    let database: String
    let version: String
}

/// `/health` and `/metrics`.
struct OperationsController: RouteCollection {
    static let version = "0.1.0"

    func boot(routes: any RoutesBuilder) throws {
        routes.get("health", use: health)
        routes.get("metrics", use: metrics)
    }

    func health(req: Request) async throws -> Response {
        let response = Response()
        do {
            try await BiebDatabase.ping(req.db)
            try response.content.encode(HealthStatus(status: "ok", database: "ok", version: Self.version))
        } catch {
            req.logger.error("health check: database unreachable")
            response.status = .serviceUnavailable
            try response.content.encode(HealthStatus(status: "error", database: "unreachable", version: Self.version))
        }
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func metrics(req: Request) async throws -> Response {
        var buffer: [UInt8] = []
        Metrics.registry.emit(into: &buffer)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(data: Data(buffer)))
    }
}

/// One log line per request: method, route pattern (never a raw path with
/// ids or query), status and duration. No personal data.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        request.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: "%.1f", milliseconds)),
        ])
        return response
    }
}
