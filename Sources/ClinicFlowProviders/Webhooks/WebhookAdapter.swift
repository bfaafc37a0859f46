import ClinicFlowDomain
import Foundation

/// One provider's webhook dialect: how to verify it, how to tell retries apart, and what it means.
public protocol WebhookAdapter: Sendable {
    var provider: Provider { get }
    /// Media types this provider posts.
    var acceptedMediaTypes: Set<String> { get }
    /// Throws a 401 `WebhookRejection` when the request is not provably from the provider.
    func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws
    /// Parses the body to validate it and to find the key that identifies this delivery across retries.
    /// Throws `WebhookRejection` or `DecodingError` (reported as 400 with the failing path).
    func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity
    /// The events in a stored delivery. Called by the normalisation job, never on the request path.
    func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent]
}

/// What identifies one delivery: a retry carries the same key, so it is stored once.
public struct DeliveryIdentity: Sendable, Equatable {
    public var dedupeKey: String
    /// The provider's event name (`messages`, `BOOKING_CREATED`), for listings.
    public var eventType: String?

    public init(dedupeKey: String, eventType: String? = nil) {
        self.dedupeKey = dedupeKey
        self.eventType = eventType
    }

    /// For deliveries without a provider id: the same bytes are the same delivery.
    public static func bodyHash(_ body: [UInt8], eventType: String? = nil) -> Self {
        .init(dedupeKey: "sha256:" + Digest.sha256Hex(body), eventType: eventType)
    }

    /// Several provider ids (a Meta batch) folded into one bounded key.
    public static func ids(_ ids: [String], eventType: String? = nil, body: [UInt8]) -> Self {
        let unique = Array(Set(ids)).sorted()
        guard !unique.isEmpty else { return bodyHash(body, eventType: eventType) }
        let joined = unique.joined(separator: ",")
        return .init(dedupeKey: joined.utf8.count <= 128 ? joined : "ids-sha256:" + Digest.sha256Hex(Array(joined.utf8)), eventType: eventType)
    }
}

/// A delivery as stored, handed to `normalize`.
public struct DeliveryContent: Sendable {
    public var body: [UInt8]
    public var mediaType: String?
    public var receivedAt: Date

    public init(body: [UInt8], mediaType: String?, receivedAt: Date) {
        self.body = body
        self.mediaType = mediaType
        self.receivedAt = receivedAt
    }
}

extension WebhookAdapter {
    /// Decodes JSON with ClinicFlow's conventions; failures surface as `DecodingError` with their path.
    func decodeJSON<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        try JSONCoding.plainDecoder.decode(T.self, from: Data(body))
    }

    func requireCredential(_ name: String, in credentials: ChannelCredentials) throws -> String {
        guard let value = credentials[name] else {
            throw WebhookRejection.unauthorized("the channel has no \(name) configured, so the webhook cannot be verified")
        }
        return value
    }
}
