import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import Foundation
import Vapor

/// `POST /hooks/{provider}/{channelId}` for every provider, and Meta's `GET` subscription handshake.
/// The handler only verifies and stores; processing happens in jobs, so providers get their 200 fast.
struct WebhookController: RouteCollection {
    let services: ClinicFlowServices

    func boot(routes: any RoutesBuilder) throws {
        let hooks = routes.grouped("hooks")
        hooks.on(.POST, ":provider", ":channelId", body: .collect(maxSize: ByteCount(integerLiteral: services.config.maxBodyBytes)), use: receive)
        hooks.get(":provider", ":channelId", use: handshake)
    }

    /// Future-based on purpose (see `WebhookGateway.receive(…on:)`): no hop through the concurrency pool.
    @Sendable func receive(req: Request) throws -> EventLoopFuture<Response> {
        // The route's collect limit stops streamed bodies early; this also covers bodies that arrived whole.
        if let size = req.body.data?.readableBytes, size > services.config.maxBodyBytes {
            throw Abort(.payloadTooLarge, reason: "the body is \(size) bytes; the limit is \(services.config.maxBodyBytes)")
        }
        let request = WebhookRequest(
            method: req.method.rawValue,
            url: publicURL(of: req),
            headers: HeaderFields(req.headers.map { ($0.name, $0.value) }),
            body: req.body.data.map { Array($0.readableBytesView) } ?? [],
            receivedAt: Date()
        )
        let logger = req.logger
        return services.gateway.receive(
            provider: req.parameters.get("provider") ?? "", channelID: req.parameters.get("channelId") ?? "",
            request: request, correlationID: req.correlationID, on: req.eventLoop
        ).flatMapErrorThrowing { error in
            guard let rejection = error as? WebhookRejection else { throw error }
            if rejection.status == 401 {
                // Which check failed, never the secret or the body: forged webhooks are worth seeing in logs.
                logger.warning("webhook refused", metadata: ["reason": .string(rejection.reason)])
            }
            throw Abort(HTTPResponseStatus(statusCode: rejection.status), reason: rejection.reason)
        }.map(Self.acknowledgement)
    }

    /// Meta's verification: reply with the bare `hub.challenge` when the verify token matches.
    @Sendable func handshake(req: Request) async throws -> Response {
        let entry: ChannelDirectory.Entry
        do {
            entry = try await services.gateway.resolve(provider: req.parameters.get("provider") ?? "", channelID: req.parameters.get("channelId") ?? "")
        } catch let rejection as WebhookRejection {
            throw Abort(HTTPResponseStatus(statusCode: rejection.status), reason: rejection.reason)
        }
        guard entry.channel.provider == .meta || entry.channel.provider == .dialog360 else {
            throw Abort(.methodNotAllowed, reason: "\(entry.channel.provider.displayName) webhooks are POST only")
        }
        guard let challenge = MetaAdapter.handshake(
            mode: req.query[String.self, at: "hub.mode"], token: req.query[String.self, at: "hub.verify_token"],
            challenge: req.query[String.self, at: "hub.challenge"], credentials: entry.credentials
        ) else {
            throw Abort(.forbidden, reason: "hub.mode must be subscribe and hub.verify_token must match the channel's verify token")
        }
        return Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .init(string: challenge))
    }

    private static func acknowledgement(_ accepted: WebhookGateway.Accepted) -> Response {
        if accepted.provider == .twilio {
            // Twilio reads the reply as TwiML: an empty <Response/> means "nothing to send back now".
            return Response(
                status: .ok, headers: ["Content-Type": "text/xml; charset=utf-8"],
                body: .init(string: #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#)
            )
        }
        let status: String
        switch accepted.outcome {
        case .stored: status = "accepted"
        case .duplicate: status = "duplicate"
        }
        // Two fixed fields with no user text in them: written directly rather than through JSONEncoder.
        return Response(
            status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"],
            body: .init(string: #"{"status":"\#(status)","delivery_id":"\#(accepted.outcome.id.uuidString)"}"#)
        )
    }

    /// The URL the provider called, which Twilio and HubSpot sign: the configured public base URL
    /// plus the path and query exactly as requested; without one, the Host header and X-Forwarded-Proto.
    private func publicURL(of req: Request) -> String {
        let pathAndQuery = req.requestTarget
        if let base = services.config.publicURL {
            return base.trimmingSuffix("/") + pathAndQuery
        }
        let scheme = req.headers.first(name: "X-Forwarded-Proto") ?? "http"
        let host = req.headers.first(name: "X-Forwarded-Host") ?? req.headers.first(name: .host) ?? "localhost"
        return "\(scheme)://\(host)\(pathAndQuery)"
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
