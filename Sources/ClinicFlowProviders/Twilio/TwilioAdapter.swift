import ClinicFlowDomain
import Foundation

/// Twilio messages (SMS and WhatsApp), their status callbacks, and voice call status callbacks.
public struct TwilioAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .twilio }
    public var acceptedMediaTypes: Set<String> { ["application/x-www-form-urlencoded", "application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let token = try requireCredential("auth_token", in: credentials)
        guard let signature = request.headers.first(TwilioSignature.header) else {
            throw WebhookRejection.unauthorized("missing \(TwilioSignature.header) header")
        }
        var params: [(name: String, value: String)] = []
        if request.mediaType == "application/json" {
            // The URL's bodySHA256 must be the hash of these exact bytes, and the URL alone is signed.
            let query = URLComponents(string: request.url)?.queryItems ?? []
            guard let claimed = query.first(where: { $0.name == "bodySHA256" })?.value else {
                throw WebhookRejection.unauthorized("a JSON request from Twilio must carry bodySHA256 in its URL")
            }
            guard ConstantTime.equals(claimed.lowercased(), Digest.sha256Hex(request.body)) else {
                throw WebhookRejection.unauthorized("bodySHA256 does not match the body")
            }
        } else {
            params = try FormEncoding.parse(request.body)
        }
        guard TwilioSignature.isValid(signature: signature, url: request.url, params: params, authToken: token) else {
            throw WebhookRejection.unauthorized("\(TwilioSignature.header) does not match the URL and parameters (check the auth token and the public URL)")
        }
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let fields = try Self.fields(request.body, mediaType: request.mediaType)
        if let sid = fields["MessageSid"] ?? fields["SmsSid"] {
            let status = fields["MessageStatus"] ?? fields["SmsStatus"] ?? "received"
            return DeliveryIdentity(dedupeKey: "\(sid):\(status)", eventType: "message")
        }
        if let sid = fields["CallSid"] {
            let status = fields["CallStatus"] ?? fields["TranscriptionStatus"] ?? "call"
            return DeliveryIdentity(dedupeKey: "\(sid):\(status)", eventType: "call")
        }
        throw WebhookRejection.badRequest("MessageSid or CallSid is required")
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let fields = try Self.fields(delivery.body, mediaType: delivery.mediaType)
        if let sid = fields["MessageSid"] ?? fields["SmsSid"] {
            let status = fields["MessageStatus"] ?? fields["SmsStatus"]
            if let status, status != "received" {
                guard let state = Self.messageStates[status] else { return [] }
                let update = MessageStatusUpdate(
                    providerMessageID: sid, state: state, recipient: Phones.international(fields["To"]),
                    at: delivery.receivedAt, errorCode: fields["ErrorCode"], errorTitle: fields["ErrorMessage"]
                )
                return [InboundEvent(provider: provider, providerEventID: "status:\(sid):\(status)", occurredAt: delivery.receivedAt, body: .messageStatus(update))]
            }
            let mediaCount = Int(fields["NumMedia"] ?? "0") ?? 0
            let message = InboundMessage(
                providerMessageID: sid, senderPhone: Phones.international(fields["From"]), senderName: fields["ProfileName"],
                senderExternalID: fields["WaId"], text: fields["Body"].flatMap { $0.isEmpty ? nil : $0 },
                mediaKind: mediaCount > 0 ? Self.mediaKind(fields["MediaContentType0"]) : nil,
                businessNumber: Phones.international(fields["To"]), businessAccountID: fields["AccountSid"],
                sentAt: delivery.receivedAt
            )
            return [InboundEvent(provider: provider, providerEventID: sid, occurredAt: delivery.receivedAt, body: .message(message))]
        }
        if let sid = fields["CallSid"] {
            let status = fields["CallStatus"] ?? "completed"
            guard let phase = Self.callPhases[status] else { return [] }
            let call = CallEvent(
                callID: sid, phase: phase, from: Phones.international(fields["From"] ?? fields["Caller"]),
                to: Phones.international(fields["To"] ?? fields["Called"]), direction: fields["Direction"],
                durationSeconds: fields["CallDuration"].flatMap { Int($0) }, transcript: fields["TranscriptionText"],
                recordingURL: fields["RecordingUrl"]
            )
            return [InboundEvent(provider: provider, providerEventID: "call:\(sid):\(status)", occurredAt: delivery.receivedAt, body: .call(call))]
        }
        return []
    }

    /// Form fields, or a flat JSON object's scalar members.
    static func fields(_ body: [UInt8], mediaType: String?) throws -> [String: String] {
        if mediaType == "application/json" {
            return try JSONCoding.plainDecoder.decode(JSONValue.self, from: Data(body)).stringMap
        }
        return FormEncoding.dictionary(try FormEncoding.parse(body))
    }

    static func mediaKind(_ contentType: String?) -> MediaKind {
        switch contentType?.split(separator: "/").first {
        case "image": .image
        case "audio": .audio
        case "video": .video
        default: .document
        }
    }

    static let messageStates: [String: MessageStatusUpdate.State] = [
        "accepted": .accepted, "queued": .accepted, "sending": .accepted, "sent": .sent, "delivered": .delivered,
        "read": .read, "failed": .failed, "undelivered": .failed,
    ]

    static let callPhases: [String: CallEvent.Phase] = [
        "queued": .started, "initiated": .started, "ringing": .ringing, "in-progress": .inProgress, "completed": .ended,
        "busy": .missed, "no-answer": .missed, "failed": .missed, "canceled": .missed,
    ]
}
