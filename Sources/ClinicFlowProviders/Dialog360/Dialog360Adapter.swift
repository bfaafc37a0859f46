import ClinicFlowDomain
import Foundation

/// 360dialog: Cloud API numbers forward Meta's body unchanged; the legacy On-Premise API posts a flat
/// `{contacts, messages, statuses}`. 360dialog owns the Meta app, so no Meta signature reaches us:
/// the channel authenticates with a custom header it configured at 360dialog (`webhook_header_name` /
/// `webhook_header_value`), or with the partner signature `x-360dialog-signature` (HMAC-SHA256 of the
/// body with `signature_secret`; hex or base64, as the encoding is not documented).
public struct Dialog360Adapter: WebhookAdapter {
    public static let signatureHeader = "x-360dialog-signature"

    public init() {}

    public var provider: Provider { .dialog360 }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        if let secret = credentials["signature_secret"] {
            guard let header = request.headers.first(Self.signatureHeader) else {
                throw WebhookRejection.unauthorized("missing \(Self.signatureHeader) header")
            }
            let expected = Digest.hmacSHA256(key: secret, message: request.body)
            let value = Digest.withoutAlgorithmPrefix(header)
            guard Digest.matchesHex(value, expected) || Digest.matchesBase64(value, expected) else {
                throw WebhookRejection.unauthorized("\(Self.signatureHeader) does not match the body")
            }
            return
        }
        guard let name = credentials["webhook_header_name"], let value = credentials["webhook_header_value"] else {
            throw WebhookRejection.unauthorized("the channel has no webhook_header_name/webhook_header_value or signature_secret configured")
        }
        guard let received = request.headers.first(name) else {
            throw WebhookRejection.unauthorized("missing \(name) header")
        }
        guard ConstantTime.equals(received, value) else {
            throw WebhookRejection.unauthorized("\(name) header does not match the channel's value")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let webhook = try decode(request.body)
        return .ids(MetaNormalizer.ids(in: webhook), eventType: "messages", body: request.body)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        MetaNormalizer.events(from: try decode(delivery.body), provider: provider)
    }

    /// Either shape, presented as Meta's.
    private func decode(_ body: [UInt8]) throws -> MetaWebhook {
        let probe = try decodeJSON(JSONValue.self, from: body)
        if probe["object"] != nil { return try decodeJSON(MetaWebhook.self, from: body) }
        let flat = try decodeJSON(MetaWebhook.Value.self, from: body)
        return MetaWebhook(object: "whatsapp_business_account", entry: [.init(id: "", changes: [.init(field: "messages", value: flat)])])
    }
}
