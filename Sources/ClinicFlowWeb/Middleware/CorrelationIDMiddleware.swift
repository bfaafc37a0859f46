import ClinicFlowDomain
import Foundation
import Vapor

/// Gives every request a correlation id (the caller's `X-Correlation-ID`/`X-Request-ID` when sane, else a
/// new one), puts it on the request's logger and echoes it in the response, so one id follows a
/// webhook from its log line to the jobs it enqueues.
///
/// The middlewares on every request are future-based rather than `AsyncMiddleware`: each async
/// middleware costs a hop between the event loop and the concurrency pool, measurable at webhook rates.
struct CorrelationIDMiddleware: Middleware {
    static let header = "X-Correlation-ID"

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let id = Self.acceptable(request.headers.first(name: Self.header))
            ?? Self.acceptable(request.headers.first(name: "X-Request-ID"))
            ?? UUID.random().text(lowercase: true)
        request.correlationID = id
        request.logger[metadataKey: "correlation_id"] = .string(id)
        return next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: Self.header, value: id)
            return response
        }
    }

    /// Caller-supplied ids end up in logs, so only short, plain ones are taken.
    static func acceptable(_ candidate: String?) -> String? {
        guard let candidate, (1...128).contains(candidate.count),
            candidate.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.:".unicodeScalars.contains($0) })
        else { return nil }
        return candidate
    }
}

extension Request {
    private struct CorrelationIDKey: StorageKey { typealias Value = String }

    /// Set by `CorrelationIDMiddleware` for every request.
    public var correlationID: String? {
        get { storage[CorrelationIDKey.self] }
        set { storage[CorrelationIDKey.self] = newValue }
    }

    /// The matched route pattern (`/hooks/:provider/:channelId`), or `unmatched`: a metrics label
    /// that cannot explode in cardinality the way raw paths would.
    var routePattern: String {
        guard let route else { return "unmatched" }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}
