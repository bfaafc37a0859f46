import ClinicFlowDomain
import Foundation

/// Meta WhatsApp Cloud API: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
/// No timestamp is signed, so replays are stopped by deduplicating on message and status ids.
public struct MetaAdapter: WebhookAdapter {
    public static let signatureHeader = "X-Hub-Signature-256"

    public init() {}

    public var provider: Provider { .meta }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let secret = try requireCredential("app_secret", in: credentials)
        guard let header = request.headers.first(Self.signatureHeader) else {
            throw WebhookRejection.unauthorized("missing \(Self.signatureHeader) header")
        }
        guard header.hasPrefix("sha256=") else {
            throw WebhookRejection.unauthorized("\(Self.signatureHeader) must start with sha256=")
        }
        let expected = Digest.hmacSHA256(key: secret, message: request.body)
        guard Digest.matchesHex(String(header.dropFirst("sha256=".count)), expected) else {
            throw WebhookRejection.unauthorized("\(Self.signatureHeader) does not match the body (check the channel's app secret)")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        if let identity = MetaIdentityScanner.scan(request.body) {
            return .ids(identity.ids, eventType: identity.object, body: request.body)
        }
        let webhook = try decodeJSON(MetaWebhookIdentity.self, from: request.body)
        return .ids(webhook.ids, eventType: webhook.object, body: request.body)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        MetaNormalizer.events(from: try decodeJSON(MetaWebhook.self, from: delivery.body), provider: provider)
    }

    /// Meta's subscription handshake: echo `hub.challenge` when the mode is `subscribe` and the token matches.
    public static func handshake(mode: String?, token: String?, challenge: String?, credentials: ChannelCredentials) -> String? {
        guard mode == "subscribe", let token, let expected = credentials["verify_token"], let challenge,
            ConstantTime.equals(token, expected)
        else { return nil }
        return challenge
    }
}
