import ClinicFlowDomain
import Foundation

/// Evolution API (a Baileys WhatsApp bridge). It signs nothing: with `jwt_key` set on the instance it
/// sends `Authorization: Bearer <HS256 JWT>` (10-minute expiry); otherwise the body carries the
/// instance's `apikey`. The channel verifies whichever of `jwt_key` / `api_key` it has.
public struct EvolutionAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .evolution }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        if let key = credentials["jwt_key"] {
            guard let authorization = request.headers.first("Authorization"), authorization.lowercased().hasPrefix("bearer ") else {
                throw WebhookRejection.unauthorized("missing Authorization: Bearer header (Evolution's jwt_key token)")
            }
            _ = try HS256JWT.verify(String(authorization.dropFirst(7)), key: key, now: request.receivedAt)
            return
        }
        guard let apiKey = credentials["api_key"] else {
            throw WebhookRejection.unauthorized("the channel has no jwt_key or api_key configured, so the webhook cannot be verified")
        }
        let presented = request.headers.first("apikey") ?? (try? decodeJSON(EvolutionWebhook.self, from: request.body))?.apikey
        guard let presented else { throw WebhookRejection.unauthorized("missing apikey (header or body field)") }
        guard ConstantTime.equals(presented, apiKey) else {
            throw WebhookRejection.unauthorized("apikey does not match the channel's api_key")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let webhook = try decodeJSON(EvolutionWebhook.self, from: request.body)
        let ids = messageRecords(webhook).compactMap { $0["key"]?["id"]?.text ?? $0["keyId"]?.text }
            .map { "\(webhook.event):\($0)\(statusSuffix(webhook))" }
        return .ids(ids, eventType: webhook.event, body: request.body)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let webhook = try decodeJSON(EvolutionWebhook.self, from: delivery.body)
        switch webhook.event.lowercased() {
        case "messages.upsert":
            return try messageRecords(webhook).compactMap { record in
                let data = try JSONEncoder().encode(record)
                return message(try JSONCoding.plainDecoder.decode(EvolutionMessage.self, from: data), webhook: webhook)
            }
        case "messages.update":
            return messageRecords(webhook).compactMap { status($0) }
        default:
            return []
        }
    }

    /// `data` is one record, or a list of them in some versions.
    private func messageRecords(_ webhook: EvolutionWebhook) -> [JSONValue] {
        switch webhook.data {
        case .array(let records): records
        case .object: [webhook.data!]
        default: []
        }
    }

    private func statusSuffix(_ webhook: EvolutionWebhook) -> String {
        guard webhook.event == "messages.update", let status = messageRecords(webhook).first?["status"]?.text else { return "" }
        return ":\(status)"
    }

    private func message(_ record: EvolutionMessage, webhook: EvolutionWebhook) -> InboundEvent? {
        // Our own sends echo back with fromMe; groups and broadcasts are not leads.
        guard record.key.fromMe != true, !record.key.remoteJid.hasSuffix("@g.us"), !record.key.remoteJid.hasSuffix("@broadcast") else {
            return nil
        }
        // Hidden numbers (addressing mode "lid") carry the phone JID in remoteJidAlt.
        let phoneJid = record.key.addressingMode == "lid" || record.key.remoteJid.hasSuffix("@lid")
            ? record.key.remoteJidAlt : record.key.remoteJid
        let content = record.message
        let text = content?.conversation ?? content?.extendedTextMessage?.text ?? content?.imageMessage?.caption
            ?? content?.videoMessage?.caption ?? content?.documentMessage?.caption ?? content?.reactionMessage?.text
        let media: MediaKind? =
            content?.imageMessage != nil ? .image : content?.videoMessage != nil ? .video
            : content?.documentMessage != nil ? .document : content?.audioMessage != nil ? .audio
            : content?.stickerMessage != nil ? .sticker : content?.locationMessage != nil ? .location
            : content?.contactMessage != nil ? .contacts : content?.reactionMessage != nil ? .reaction : nil
        let sentAt = Timestamps.unixSeconds(record.messageTimestamp?.value)
        let inbound = InboundMessage(
            providerMessageID: record.key.id,
            senderPhone: phoneJid.flatMap(Phones.international),
            senderName: record.pushName,
            senderExternalID: record.key.remoteJid,
            text: text,
            mediaKind: media,
            businessNumber: Phones.international(webhook.sender),
            businessAccountID: webhook.instance,
            sentAt: sentAt
        )
        return InboundEvent(provider: provider, providerEventID: record.key.id, occurredAt: sentAt, body: .message(inbound))
    }

    private func status(_ record: JSONValue) -> InboundEvent? {
        guard let id = record["key"]?["id"]?.text ?? record["keyId"]?.text, let raw = record["status"]?.text else { return nil }
        let state: MessageStatusUpdate.State? = switch raw.uppercased() {
        case "PENDING": .accepted
        case "SERVER_ACK": .sent
        case "DELIVERY_ACK": .delivered
        case "READ", "PLAYED": .read
        case "ERROR": .failed
        default: nil
        }
        guard let state else { return nil }
        let update = MessageStatusUpdate(providerMessageID: id, state: state, recipient: Phones.international(record["remoteJid"]?.text))
        return InboundEvent(provider: provider, providerEventID: "status:\(id):\(raw)", occurredAt: nil, body: .messageStatus(update))
    }
}
