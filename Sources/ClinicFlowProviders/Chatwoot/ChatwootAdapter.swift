import ClinicFlowDomain
import Foundation

/// Chatwoot: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>` with
/// `X-Chatwoot-Timestamp` (seconds) and a stable `X-Chatwoot-Delivery` id. Installs older than the
/// signing feature send unsigned webhooks; a channel accepts those only with `requireSignature` off.
public struct ChatwootAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .chatwoot }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let signature = request.headers.first("X-Chatwoot-Signature")
        if signature == nil, !channel.settings.requireSignature { return }
        let secret = try requireCredential("webhook_secret", in: credentials)
        guard let signature else { throw WebhookRejection.unauthorized("missing X-Chatwoot-Signature header") }
        let timestamp = try SignedTimestamp.check(
            request.headers.first("X-Chatwoot-Timestamp"), header: "X-Chatwoot-Timestamp", unit: .seconds,
            tolerance: channel.settings.tolerance, now: request.receivedAt
        )
        let expected = Digest.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + request.body)
        let hex = Digest.withoutAlgorithmPrefix(signature)
        guard Digest.matchesHex(hex, expected) else {
            throw WebhookRejection.unauthorized("X-Chatwoot-Signature does not match the timestamp and body")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let payload = try decodeJSON(ChatwootPayload.self, from: request.body)
        if let delivery = request.headers.first("X-Chatwoot-Delivery"), !delivery.isEmpty {
            return DeliveryIdentity(dedupeKey: "delivery:\(delivery)", eventType: payload.event)
        }
        guard let id = payload.id?.value else { return .bodyHash(request.body, eventType: payload.event) }
        // Updates of the same record differ by their time stamp; creations are unique by id.
        let version = payload.updated_at?.value ?? ""
        return DeliveryIdentity(dedupeKey: "\(payload.event):\(id):\(version)", eventType: payload.event)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let payload = try decodeJSON(ChatwootPayload.self, from: delivery.body)
        switch payload.event {
        case "message_created":
            // Loop guard: only what a contact wrote; our own and agents' messages come back as outgoing.
            guard payload.message_type?.isIncoming == true, payload.private != true, let id = payload.id?.value else { return [] }
            let sender = payload.conversation?.meta?.sender
            let sentAt = payload.created_at.flatMap { Timestamps.iso8601($0.value) ?? Timestamps.unixSeconds($0.value) }
            let message = InboundMessage(
                providerMessageID: id,
                senderPhone: Phones.international(sender?.phone_number ?? payload.sender?.phone_number),
                senderName: payload.sender?.name ?? sender?.name,
                senderExternalID: (payload.sender?.id ?? sender?.id)?.value,
                senderEmail: payload.sender?.email ?? sender?.email,
                text: payload.content,
                mediaKind: (payload.attachments?.isEmpty == false) ? .document : nil,
                businessAccountID: (payload.inbox?.id ?? payload.conversation?.inbox_id)?.value,
                conversationID: payload.conversation?.id?.value,
                sentAt: sentAt
            )
            return [InboundEvent(provider: provider, providerEventID: "message:\(id)", occurredAt: sentAt, body: .message(message))]
        case "contact_created", "contact_updated":
            guard let id = payload.id?.value else { return [] }
            let contact = ContactUpsert(
                system: .chatwoot, externalID: id, name: payload.name, email: payload.email,
                phone: Phones.international(payload.phone_number),
                changedFields: payload.changed_attributes?.object.map { Array($0.keys).sorted() } ?? []
            )
            let version = payload.updated_at?.value ?? payload.event
            return [InboundEvent(provider: provider, providerEventID: "contact:\(id):\(version)", occurredAt: nil, body: .contactUpsert(contact))]
        default:
            return []
        }
    }
}

/// The parts of Chatwoot's webhook bodies ClinicFlow reads. Top-level `message_type` is a string
/// (`incoming`), inside conversations an integer (0 = incoming): both are accepted.
struct ChatwootPayload: Decodable {
    var event: String
    var id: LenientString?
    var content: String?
    var created_at: LenientString?
    var updated_at: LenientString?
    var message_type: MessageType?
    var `private`: Bool?
    var sender: Person?
    var inbox: Inbox?
    var conversation: Conversation?
    var attachments: [JSONValue]?
    var name: String?
    var email: String?
    var phone_number: String?
    var changed_attributes: JSONValue?

    struct Person: Decodable {
        var id: LenientString?
        var name: String?
        var email: String?
        var phone_number: String?
    }

    struct Inbox: Decodable { var id: LenientString? }

    struct Conversation: Decodable {
        var id: LenientString?
        var inbox_id: LenientString?
        var meta: Meta?
        struct Meta: Decodable { var sender: Person? }
    }

    struct MessageType: Decodable {
        var isIncoming: Bool

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                isIncoming = text == "incoming"
            } else {
                isIncoming = try container.decode(Int.self) == 0
            }
        }
    }
}
