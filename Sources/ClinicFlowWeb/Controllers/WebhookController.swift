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

    struct Acknowledgement: Content {
        var status: String
        var delivery_id: UUID
    }

    @Sendable func receive(req: Request) async throws -> Response {
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
        let accepted: WebhookGateway.Accepted
        do {
            accepted = try await services.gateway.receive(
                provider: req.parameters.get("provider") ?? "", channelID: req.parameters.get("channelId") ?? "",
                request: request, correlationID: req.correlationID, on: req.eventLoop
            )
        } catch let rejection as WebhookRejection {
            if rejection.status == 401 {
                // Which check failed, never the secret or the body: forged webhooks are worth seeing in logs.
                req.logger.warning("webhook refused", metadata: ["reason": .string(rejection.reason)])
            }
            throw Abort(HTTPResponseStatus(statusCode: rejection.status), reason: rejection.reason)
        }
        return try acknowledgement(accepted, for: req)
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

    private func acknowledgement(_ accepted: WebhookGateway.Accepted, for req: Request) throws -> Response {
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
        let response = Response(status: .ok)
        try response.content.encode(Acknowledgement(status: status, delivery_id: accepted.outcome.id))
        return response
    }

    /// The URL the provider called, which Twilio and HubSpot sign: the configured public base URL
    /// plus the request path and query; without one, the Host header and X-Forwarded-Proto.
    private func publicURL(of req: Request) -> String {
        let pathAndQuery = req.url.query.map { "\(req.url.path)?\($0)" } ?? req.url.path
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
