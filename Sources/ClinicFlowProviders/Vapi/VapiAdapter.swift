import ClinicFlowDomain
import Foundation

/// Vapi server messages. Vapi has changed its scheme over time, so the channel says which it uses:
/// `hmac_secret` → `x-signature: <hex HMAC-SHA256(secret, "{x-timestamp}.{body}")>` (Vapi's default
/// HMAC credential); `secret` → the legacy `x-vapi-secret` header carrying the secret itself.
public struct VapiAdapter: WebhookAdapter {
    public init() {}

    public var provider: Provider { .vapi }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        if let secret = credentials["hmac_secret"] {
            guard let signature = request.headers.first("x-signature") else {
                throw WebhookRejection.unauthorized("missing x-signature header")
            }
            let timestamp = try SignedTimestamp.check(
                request.headers.first("x-timestamp"), header: "x-timestamp",
                unit: Self.timestampUnit(request.headers.first("x-timestamp")), tolerance: channel.settings.tolerance,
                now: request.receivedAt
            )
            let expected = Digest.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + request.body)
            let hex = Digest.withoutAlgorithmPrefix(signature)
            guard Digest.matchesHex(hex, expected) else {
                throw WebhookRejection.unauthorized("x-signature does not match the timestamp and body")
            }
            return
        }
        let secret = try requireCredential("secret", in: credentials)
        guard let presented = request.headers.first("x-vapi-secret") ?? request.headers.first("x-vapi-signature") else {
            throw WebhookRejection.unauthorized("missing x-vapi-secret header")
        }
        guard ConstantTime.equals(presented, secret) else {
            throw WebhookRejection.unauthorized("x-vapi-secret does not match the channel's secret")
        }
    }

    /// Vapi does not document the unit; 13-digit values are milliseconds.
    static func timestampUnit(_ text: String?) -> SignedTimestamp.Unit {
        (text?.count ?? 0) >= 13 ? .milliseconds : .seconds
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let envelope = try decodeJSON(VapiEnvelope.self, from: request.body)
        let message = envelope.message
        guard let callID = message.call?.id else { return .bodyHash(request.body, eventType: message.type) }
        let suffix = message.type == "status-update" ? ":\(message.status ?? "")" : ""
        if message.type == "end-of-call-report" || message.type == "status-update" {
            return DeliveryIdentity(dedupeKey: "\(message.type):\(callID)\(suffix)", eventType: message.type)
        }
        return .bodyHash(request.body, eventType: message.type)
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let message = try decodeJSON(VapiEnvelope.self, from: delivery.body).message
        guard let callID = message.call?.id else { return [] }
        let customer = message.customer?.number ?? message.call?.customer?.number
        let clinicNumber = message.phoneNumber?.number
        switch message.type {
        case "end-of-call-report":
            let started = Timestamps.iso8601(message.startedAt ?? message.call?.startedAt)
            let ended = Timestamps.iso8601(message.endedAt ?? message.call?.endedAt)
            let duration = message.durationSeconds.map { Int($0.rounded()) }
                ?? zip2(started, ended).map { Int($1.timeIntervalSince($0).rounded()) }
            let call = CallEvent(
                callID: callID, phase: .ended, from: Phones.international(customer), to: Phones.international(clinicNumber),
                direction: message.call?.type, durationSeconds: duration,
                transcript: message.artifact?.transcript ?? message.transcript,
                summary: message.analysis?.summary ?? message.summary, endedReason: message.endedReason,
                recordingURL: message.artifact?.recordingUrl ?? message.recordingUrl
            )
            return [InboundEvent(provider: provider, providerEventID: "call:\(callID):ended", occurredAt: ended, body: .call(call))]
        case "status-update" where message.status == "in-progress":
            let call = CallEvent(
                callID: callID, phase: .started, from: Phones.international(customer), to: Phones.international(clinicNumber),
                direction: message.call?.type
            )
            return [InboundEvent(provider: provider, providerEventID: "call:\(callID):started", occurredAt: nil, body: .call(call))]
        default:
            return []
        }
    }

    private func zip2(_ a: Date?, _ b: Date?) -> (Date, Date)? {
        guard let a, let b else { return nil }
        return (a, b)
    }
}

/// `{"message": {"type": …, "call": {…}, "artifact": {…}, …}}` (VapiAI/docs fern/server-url/events.mdx).
struct VapiEnvelope: Decodable {
    var message: Message

    struct Message: Decodable {
        var type: String
        var status: String?
        var endedReason: String?
        var call: Call?
        var customer: Number?
        var phoneNumber: Number?
        var artifact: Artifact?
        var analysis: Analysis?
        var transcript: String?
        var summary: String?
        var recordingUrl: String?
        var startedAt: String?
        var endedAt: String?
        var durationSeconds: Double?
    }

    struct Call: Decodable {
        var id: String?
        var type: String?
        var customer: Number?
        var startedAt: String?
        var endedAt: String?
    }

    struct Number: Decodable { var number: String? }
    struct Artifact: Decodable { var transcript: String?; var recordingUrl: String? }
    struct Analysis: Decodable { var summary: String? }
}
