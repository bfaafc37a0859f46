import Vapor

/// Refuses bodies over the configured size with 413 before any handler sees them. Vapor's streaming
/// collector enforces the same limit on the wire; this also covers bodies that arrive already
/// collected (and a Content-Length that announces too much, before reading any of it).
struct BodyLimitMiddleware: Middleware {
    let maxBytes: Int

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let announced = request.headers.first(name: .contentLength).flatMap(Int.init) ?? 0
        let collected = request.body.data?.readableBytes ?? 0
        guard max(announced, collected) <= maxBytes else {
            return request.eventLoop.makeFailedFuture(Abort(.payloadTooLarge, reason: "the body is larger than \(maxBytes) bytes"))
        }
        return next.respond(to: request)
    }
}
