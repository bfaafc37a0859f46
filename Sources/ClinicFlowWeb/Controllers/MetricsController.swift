import Vapor

/// Prometheus text exposition. Queue depth is counted at scrape time, so it is never stale.
struct MetricsController: RouteCollection {
    let services: ClinicFlowServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("metrics", use: metrics)
    }

    @Sendable func metrics(req: Request) async throws -> Response {
        if let depth = try? await services.queue.depth() {
            services.metrics.recordQueueDepth(depth)
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(data: Data(services.metrics.exposition())))
    }
}
