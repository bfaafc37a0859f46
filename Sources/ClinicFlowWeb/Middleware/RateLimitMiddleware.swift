import Foundation
import Synchronization
import Vapor

/// Token buckets per key, refilled continuously: `limit` requests a minute, bursts up to `limit`.
/// Bounded: when it holds too many keys, full (idle) buckets are forgotten first.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let limit: Int
    private let buckets = Mutex<[String: Bucket]>([:])
    static let maxKeys = 50_000

    init(perMinute limit: Int) { self.limit = limit }

    /// Takes a token; nil when allowed, else the seconds until one is available.
    func take(_ key: String, now: Date = Date()) -> Int? {
        let rate = Double(limit) / 60
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit), updated: now)
            bucket.tokens = min(Double(limit), bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
            bucket.updated = now
            if buckets.count >= Self.maxKeys, buckets[key] == nil {
                buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < 60 }
            }
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }
}

/// Per client address, and per API token or console session: a flood from one address or one
/// leaked token gets 429 with Retry-After instead of the database's time. Webhooks have their own,
/// larger per-address budget (providers deliver in bursts from few addresses).
struct RateLimitMiddleware: Middleware {
    let perAddress: RateLimiter?
    let perToken: RateLimiter?
    let webhooksPerAddress: RateLimiter?
    var trustForwardedFor = false

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let address = (trustForwardedFor ? request.peerAddress : request.remoteAddress)?.ipAddress ?? "unknown"
        let path = request.requestTarget.prefix { $0 != "?" }
        // Health checks come from the orchestrator; never throttle them.
        if path == "/live" || path == "/ready" || path == "/health" || path == "/metrics" { return next.respond(to: request) }
        if path.hasPrefix("/hooks/") {
            if let wait = webhooksPerAddress?.take(address) { return tooMany(request, wait: wait, limit: webhooksPerAddress!.limit, what: "webhooks from this address") }
            return next.respond(to: request)
        }
        if let wait = perAddress?.take(address) { return tooMany(request, wait: wait, limit: perAddress!.limit, what: "requests from this address") }
        if let perToken, let credential = Self.credential(request), let wait = perToken.take(credential) {
            return tooMany(request, wait: wait, limit: perToken.limit, what: "requests with this token")
        }
        return next.respond(to: request)
    }

    /// A key for the caller's token or session, not the token itself (it stays out of memory dumps of the map).
    static func credential(_ request: Request) -> String? {
        let token = request.headers.bearerAuthorization?.token ?? request.cookies[ConsoleSession.cookieName]?.string
        guard let token else { return nil }
        var hasher = Hasher()
        hasher.combine(token)
        return "t:\(hasher.finalize())"
    }

    private func tooMany(_ request: Request, wait: Int, limit: Int, what: String) -> EventLoopFuture<Response> {
        let error = Abort(.tooManyRequests, headers: ["Retry-After": String(wait)], reason: "more than \(limit) \(what) a minute; retry after \(wait) s")
        return request.eventLoop.makeFailedFuture(error)
    }
}
