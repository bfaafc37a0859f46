import ClinicFlowDomain
import Foundation

/// Twenty CRM: `X-Twenty-Webhook-Signature: <hex HMAC-SHA256(secret, "{timestamp}:{body}")>` with
/// `X-Twenty-Webhook-Timestamp` in milliseconds. Twenty does not enforce an age, so the channel's
/// tolerance (5 minutes by default) does.
public struct TwentyAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .twenty }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let secret = try requireCredential("webhook_secret", in: credentials)
        guard let signature = request.headers.first("X-Twenty-Webhook-Signature") else {
            throw WebhookRejection.unauthorized("missing X-Twenty-Webhook-Signature header")
        }
        let timestamp = try SignedTimestamp.check(
            request.headers.first("X-Twenty-Webhook-Timestamp"), header: "X-Twenty-Webhook-Timestamp",
            unit: .milliseconds, tolerance: channel.settings.tolerance, now: request.receivedAt
        )
        let expected = Digest.hmacSHA256(key: secret, message: Array("\(timestamp):".utf8) + request.body)
        guard Digest.matchesHex(signature, expected) else {
            throw WebhookRejection.unauthorized("X-Twenty-Webhook-Signature does not match the timestamp and body")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let webhook = try decodeJSON(TwentyWebhook.self, from: request.body)
        let ids = webhook.records.compactMap { $0.record["id"]?.text }.map { "\(webhook.eventName):\($0):\(webhook.eventDate ?? "")" }
        return .ids(ids, eventType: webhook.eventName, body: request.body)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let webhook = try decodeJSON(TwentyWebhook.self, from: delivery.body)
        let parts = webhook.eventName.split(separator: ".")
        guard parts.count == 2, parts[0] == "person" else { return [] }
        let occurredAt = Timestamps.iso8601(webhook.eventDate)
        return webhook.records.compactMap { item in
            guard let id = item.record["id"]?.text else { return nil }
            let name = [item.record["name"]?["firstName"]?.text, item.record["name"]?["lastName"]?.text]
                .compactMap { $0 }.joined(separator: " ")
            let phones = item.record["phones"]
            let phone = phones?["primaryPhoneNumber"]?.text.map { number in
                (phones?["primaryPhoneCallingCode"]?.text ?? "") + number
            }
            let contact = ContactUpsert(
                system: .twenty, externalID: id, name: name.isEmpty ? nil : name,
                email: item.record["emails"]?["primaryEmail"]?.text, phone: phone,
                deleted: parts[1] == "deleted" || parts[1] == "destroyed", changedFields: item.updatedFields ?? []
            )
            return InboundEvent(
                provider: provider, providerEventID: "\(webhook.eventName):\(id):\(webhook.eventDate ?? "")",
                occurredAt: occurredAt, body: .contactUpsert(contact)
            )
        }
    }
}

/// `{eventName, objectMetadata, workspaceId, webhookId, eventDate, record, updatedFields}`, or the newer
/// batched form with `items: [{record, updatedFields}]`.
struct TwentyWebhook: Decodable {
    var eventName: String
    var eventDate: String?
    var record: JSONValue?
    var updatedFields: [String]?
    var items: [Item]?

    struct Item: Decodable {
        var record: JSONValue
        var updatedFields: [String]?
    }

    var records: [Item] {
        if let items { return items }
        if let record { return [Item(record: record, updatedFields: updatedFields)] }
        return []
    }
}
