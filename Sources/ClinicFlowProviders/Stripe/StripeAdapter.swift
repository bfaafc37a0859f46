import ClinicFlowDomain
import Foundation

/// Stripe events about deposits: checkout sessions, payment intents and refunds become `PaymentEvent`s.
public struct StripeAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .stripe }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let current = try requireCredential("webhook_secret", in: credentials)
        // During a secret roll both the old and the new secret sign.
        let secrets = [current] + [credentials["previous_webhook_secret"]].compactMap { $0 }
        try StripeSignature.verify(
            header: request.headers.first(StripeSignature.header), body: request.body, secrets: secrets, now: request.receivedAt
        )
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let event = try decodeJSON(StripeEvent.self, from: request.body)
        return DeliveryIdentity(dedupeKey: event.id, eventType: event.type)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let event = try decodeJSON(StripeEvent.self, from: delivery.body)
        let object = event.data.object
        guard let state = Self.states[event.type], let objectID = object["id"]?.text else { return [] }
        let details = object["customer_details"] ?? object["billing_details"]
        let amount = event.type == "charge.refunded"
            ? object["amount_refunded"]?.int
            : (object["amount_total"] ?? object["amount_received"] ?? object["amount"])?.int
        let payment = PaymentEvent(
            providerType: event.type, objectID: objectID, state: state, amountMinor: amount,
            currency: object["currency"]?.text?.uppercased(), customerID: object["customer"]?.text,
            email: details?["email"]?.text ?? object["receipt_email"]?.text ?? object["customer_email"]?.text,
            phone: details?["phone"]?.text, name: details?["name"]?.text, metadata: object["metadata"]?.stringMap ?? [:],
            paymentID: event.type.hasPrefix("payment_intent.") ? objectID : object["payment_intent"]?.text
        )
        let occurredAt = event.created.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        return [InboundEvent(provider: provider, providerEventID: event.id, occurredAt: occurredAt, body: .payment(payment))]
    }

    static let states: [String: PaymentEvent.State] = [
        "checkout.session.completed": .succeeded,
        "checkout.session.async_payment_succeeded": .succeeded,
        "checkout.session.async_payment_failed": .failed,
        "checkout.session.expired": .expired,
        "payment_intent.succeeded": .succeeded,
        "payment_intent.payment_failed": .failed,
        "payment_intent.processing": .pending,
        "charge.refunded": .refunded,
    ]
}

/// `{"id":"evt_…","object":"event","type":…,"created":…,"data":{"object":{…}}}`.
struct StripeEvent: Decodable {
    var id: String
    var type: String
    var created: Int?
    var data: DataField

    struct DataField: Decodable { var object: JSONValue }
}
