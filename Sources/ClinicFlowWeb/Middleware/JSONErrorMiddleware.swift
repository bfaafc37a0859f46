import ClinicFlowEngine
import Foundation
import Vapor

/// The one error shape every endpoint returns:
/// `{"error": "not_found", "reason": "…", "correlation_id": "…"}`.
///
/// Client errors say what was wrong; server errors say only that something failed (the log has the
/// error type under the same correlation id), so internals never leak into responses.
struct JSONErrorMiddleware: Middleware {
    struct Body: Content {
        var error: String
        var reason: String
        var correlation_id: String?
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in
            Self.response(for: error, request: request)
        }
    }

    static func response(for error: any Error, request: Request) -> Response {
        let status: HTTPResponseStatus
        let reason: String
        var headers = HTTPHeaders()
        switch error {
        case let abort as any AbortError:
            status = abort.status
            headers = abort.headers
            if status == .notFound, request.route == nil {
                reason = "no route for \(request.method.rawValue) \(request.url.path)"
            } else {
                reason = status.code >= 500 ? "internal error" : abort.reason
            }
        case let decoding as DecodingError:
            status = .badRequest
            reason = "malformed body: " + decoding.clientReason
        default:
            status = .internalServerError
            reason = "internal error"
        }
        if status.code >= 500 {
            request.logger.error("request failed", metadata: ["error_type": .string(String(reflecting: type(of: error)))])
        }
        let body = Body(error: code(for: status), reason: reason, correlation_id: request.correlationID)
        let response = Response(status: status, headers: headers)
        do {
            try response.content.encode(body, as: .json)
        } catch {
            response.body = .init(string: #"{"error":"internal_error","reason":"internal error"}"#)
        }
        return response
    }

    static func code(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "unprocessable_entity"
        case 429: "too_many_requests"
        case 503: "unavailable"
        case 500...599: "internal_error"
        default: "error"
        }
    }
}
