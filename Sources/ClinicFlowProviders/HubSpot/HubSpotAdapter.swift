import ClinicFlowDomain
import Foundation

/// HubSpot webhook subscriptions: a JSON array of events; contact events become `ContactUpsert`s.
public struct HubSpotAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .hubspot }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let secret = try requireCredential("client_secret", in: credentials)
        try HubSpotSignature.verify(
            headers: request.headers, method: request.method, uri: request.url, body: request.body, secret: secret,
            now: request.receivedAt
        )
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let events = try decodeJSON([HubSpotEvent].self, from: request.body)
        return .ids(events.map { "event:\($0.eventId.value)" }, eventType: events.first?.subscriptionType, body: request.body)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        try decodeJSON([HubSpotEvent].self, from: delivery.body).compactMap { event in
            guard event.subscriptionType.hasPrefix("contact."), let objectID = event.objectId?.value else { return nil }
            var contact = ContactUpsert(
                system: .hubspot, externalID: objectID, deleted: event.subscriptionType == "contact.deletion",
                changedFields: event.propertyName.map { [$0] } ?? []
            )
            switch event.propertyName {
            case "email": contact.email = event.propertyValue
            case "phone", "mobilephone": contact.phone = event.propertyValue
            case "firstname", "lastname": contact.name = event.propertyValue
            default: break
            }
            let occurredAt = event.occurredAt.map { Date(timeIntervalSince1970: $0 / 1000) }
            return InboundEvent(provider: provider, providerEventID: "event:\(event.eventId.value)", occurredAt: occurredAt, body: .contactUpsert(contact))
        }
    }
}

struct HubSpotEvent: Decodable {
    var eventId: LenientString
    var subscriptionType: String
    var objectId: LenientString?
    var occurredAt: Double?
    var propertyName: String?
    var propertyValue: String?
}
