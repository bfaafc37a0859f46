import Vapor

/// Counts and times every request, and logs one line per request when access logging is on.
/// Paths are logged without the query string (Meta's handshake carries its verify token there).
struct AccessLogMiddleware: Middleware {
    let metrics: AppMetrics
    let logLines: Bool

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let started = ContinuousClock.now
        return next.respond(to: request).map { response in
            let elapsed = ContinuousClock.now - started
            let route = request.routePattern
            metrics.recordRequest(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
            if logLines {
                let millis = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                request.logger.info("request", metadata: [
                    "method": .string(request.method.rawValue),
                    "path": .string(request.url.path),
                    "route": .string(route),
                    "status": .stringConvertible(response.status.code),
                    "duration_ms": .string(String(format: "%.2f", millis)),
                ])
            }
            return response
        }
    }
}
