import ClinicFlowDomain
import Foundation

/// Cal.com: `X-Cal-Signature-256: <hex HMAC-SHA256(secret, raw body)>`, or the literal
/// `no-secret-provided` when the webhook has no secret (refused: anyone could post it).
public struct CalcomAdapter: WebhookAdapter {
    public static let signatureHeader = "X-Cal-Signature-256"

    public init() {}

    public var provider: Provider { .calcom }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let secret = try requireCredential("webhook_secret", in: credentials)
        guard let header = request.headers.first(Self.signatureHeader) else {
            throw WebhookRejection.unauthorized("missing \(Self.signatureHeader) header")
        }
        if header == "no-secret-provided" {
            throw WebhookRejection.unauthorized("Cal.com sent no signature: set a secret on the Cal.com webhook")
        }
        guard Digest.matchesHex(header, Digest.hmacSHA256(key: secret, message: request.body)) else {
            throw WebhookRejection.unauthorized("\(Self.signatureHeader) does not match the body (check the webhook secret)")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let webhook = try decodeJSON(CalcomWebhook.self, from: request.body)
        guard let uid = webhook.payload.bookingUID else { return .bodyHash(request.body, eventType: webhook.triggerEvent) }
        return DeliveryIdentity(dedupeKey: "\(uid):\(webhook.triggerEvent)", eventType: webhook.triggerEvent)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let webhook = try decodeJSON(CalcomWebhook.self, from: delivery.body)
        let payload = webhook.payload
        let occurredAt = Timestamps.iso8601(webhook.createdAt)
        if webhook.triggerEvent == "FORM_SUBMITTED" {
            let fields = payload.responses?.object?.compactMapValues { $0["value"]?.text ?? $0.text } ?? [:]
            let lead = FormLead(
                formID: payload.formId, name: fields["name"], email: fields["email"],
                phone: fields["attendeePhoneNumber"] ?? fields["phone"], message: fields["notes"], fields: fields
            )
            return [InboundEvent(provider: provider, providerEventID: "form:\(payload.responseId?.value ?? Digest.sha256Hex(delivery.body))", occurredAt: occurredAt, body: .formLead(lead))]
        }
        guard let action = Self.actions[webhook.triggerEvent], let uid = payload.bookingUID else { return [] }
        let attendee = payload.attendees?.first
        let booking = BookingEvent(
            bookingUID: uid, action: action, title: payload.title,
            startsAt: Timestamps.iso8601(payload.startTime), endsAt: Timestamps.iso8601(payload.endTime),
            timeZone: attendee?.timeZone ?? payload.organizer?.timeZone,
            attendeeName: attendee?.name, attendeeEmail: attendee?.email,
            attendeePhone: payload.responses?["attendeePhoneNumber"]?["value"]?.text ?? attendee?.phoneNumber,
            organizerEmail: payload.organizer?.email, eventType: payload.type,
            previousBookingUID: payload.rescheduleUid, cancellationReason: payload.cancellationReason
        )
        return [InboundEvent(provider: provider, providerEventID: "\(uid):\(webhook.triggerEvent)", occurredAt: occurredAt, body: .booking(booking))]
    }

    static let actions: [String: BookingEvent.Action] = [
        "BOOKING_CREATED": .created, "BOOKING_RESCHEDULED": .rescheduled, "BOOKING_CANCELLED": .cancelled,
        "BOOKING_REQUESTED": .requested, "BOOKING_REJECTED": .rejected, "BOOKING_PAID": .paid,
        "BOOKING_NO_SHOW_UPDATED": .noShow, "MEETING_ENDED": .meetingEnded,
    ]
}

/// Cal.com's `{triggerEvent, createdAt, payload}` envelope (docs/developing/guides/automation/webhooks.mdx).
struct CalcomWebhook: Decodable {
    var triggerEvent: String
    var createdAt: String?
    var payload: Payload

    struct Payload: Decodable {
        var uid: String?
        var bookingUid: String?
        var title: String?
        var type: String?
        var startTime: String?
        var endTime: String?
        var organizer: Person?
        var attendees: [Person]?
        var responses: JSONValue?
        var rescheduleUid: String?
        var cancellationReason: String?
        var formId: String?
        var responseId: LenientString?

        /// No-show updates name the booking `bookingUid`; the others `uid`.
        var bookingUID: String? { uid ?? bookingUid }
    }

    struct Person: Decodable {
        var name: String?
        var email: String?
        var timeZone: String?
        var phoneNumber: String?
    }
}
