import Vapor

/// Headers every response carries: no MIME sniffing, no framing, no referrer; API answers are never
/// cached (they hold patient data); HTTPS deployments pin HTTPS.
struct SecurityHeadersMiddleware: Middleware {
    /// Strict-Transport-Security, only when the public URL is https (a plain-http dev server must not send it).
    var strictTransport: Bool

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            Self.apply(to: response, request: request, strictTransport: strictTransport)
            return response
        }
    }

    static func apply(to response: Response, request: Request, strictTransport: Bool) {
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        if request.url.path.hasPrefix("/api/") || request.url.path.hasPrefix("/console/api/") {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        if strictTransport { response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000") }
    }
}

/// Cross-origin access to `/api/` for the origins the operator lists (a separate front end); none by default.
struct APICORSMiddleware: Middleware {
    let cors: CORSMiddleware

    init(origins: [String]) {
        cors = CORSMiddleware(configuration: .init(
            allowedOrigin: .any(origins), allowedMethods: [.GET, .POST, .PUT, .PATCH, .DELETE, .OPTIONS],
            allowedHeaders: [.authorization, .contentType, .accept, "Idempotency-Key", "X-Correlation-ID"],
            allowCredentials: false, cacheExpiration: 600, exposedHeaders: ["X-Correlation-ID", "Retry-After"]
        ))
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.url.path.hasPrefix("/api/") else { return next.respond(to: request) }
        return cors.respond(to: request, chainingTo: next)
    }
}
