import Foundation

/// What a provider's webhook means, in ClinicFlow's terms. One delivery can hold several
/// (Meta batches messages and statuses; HubSpot sends arrays).
public struct InboundEvent: Sendable, Equatable, Codable {
    public var provider: Provider
    /// Stable across retries of the same provider event: `wamid…`, `status:<id>:<state>`, `<booking uid>:<trigger>`.
    /// The event store's idempotency key is built from it, so a re-delivered event is recorded once.
    public var providerEventID: String
    public var occurredAt: Date?
    public var body: Body

    public init(provider: Provider, providerEventID: String, occurredAt: Date?, body: Body) {
        self.provider = provider
        self.providerEventID = providerEventID
        self.occurredAt = occurredAt
        self.body = body
    }

    public enum Body: Sendable, Equatable {
        case message(InboundMessage)
        case messageStatus(MessageStatusUpdate)
        case contactUpsert(ContactUpsert)
        case booking(BookingEvent)
        case payment(PaymentEvent)
        case call(CallEvent)
        case formLead(FormLead)
    }

    /// `message`, `message_status`, … : the event-store type is `inbound.<kind>`.
    public var kind: String {
        switch body {
        case .message: "message"
        case .messageStatus: "message_status"
        case .contactUpsert: "contact_upsert"
        case .booking: "booking"
        case .payment: "payment"
        case .call: "call"
        case .formLead: "form_lead"
        }
    }
}

extension InboundEvent.Body: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, message, messageStatus, contactUpsert, booking, payment, call, formLead
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "message": self = .message(try container.decode(InboundMessage.self, forKey: .message))
        case "message_status": self = .messageStatus(try container.decode(MessageStatusUpdate.self, forKey: .messageStatus))
        case "contact_upsert": self = .contactUpsert(try container.decode(ContactUpsert.self, forKey: .contactUpsert))
        case "booking": self = .booking(try container.decode(BookingEvent.self, forKey: .booking))
        case "payment": self = .payment(try container.decode(PaymentEvent.self, forKey: .payment))
        case "call": self = .call(try container.decode(CallEvent.self, forKey: .call))
        case "form_lead": self = .formLead(try container.decode(FormLead.self, forKey: .formLead))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown inbound kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .message(let value):
            try container.encode("message", forKey: .kind)
            try container.encode(value, forKey: .message)
        case .messageStatus(let value):
            try container.encode("message_status", forKey: .kind)
            try container.encode(value, forKey: .messageStatus)
        case .contactUpsert(let value):
            try container.encode("contact_upsert", forKey: .kind)
            try container.encode(value, forKey: .contactUpsert)
        case .booking(let value):
            try container.encode("booking", forKey: .kind)
            try container.encode(value, forKey: .booking)
        case .payment(let value):
            try container.encode("payment", forKey: .kind)
            try container.encode(value, forKey: .payment)
        case .call(let value):
            try container.encode("call", forKey: .kind)
            try container.encode(value, forKey: .call)
        case .formLead(let value):
            try container.encode("form_lead", forKey: .kind)
            try container.encode(value, forKey: .formLead)
        }
    }
}
