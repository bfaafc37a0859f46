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
        if request.isAPIRequest {
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
        guard request.requestTarget.hasPrefix("/api/") else { return next.respond(to: request) }
        return cors.respond(to: request, chainingTo: next)
    }
}

extension Request {
    /// The path and query as the client sent them (`url.string`), not percent-decoded: `url.path`
    /// decodes on every call, a few microseconds each, and the middlewares ask on every request.
    /// Good for prefix checks; handlers that need the decoded path use `url.path`.
    var requestTarget: String { url.string }

    /// API answers (bearer or console session) hold patient data and are never cached. (Vapor does not
    /// route percent-encoded names, so `/%61pi/…` is a 404 without data, not an API answer.)
    var isAPIRequest: Bool {
        let target = requestTarget
        return target.hasPrefix("/api/") || target.hasPrefix("/console/api/")
    }
}
