import ClinicFlowDomain
import Foundation

/// A webhook body with the headers its provider would send, signed with the channel's secret.
public struct SignedWebhook: Sendable {
    public var body: [UInt8]
    public var headers: [(String, String)]

    public enum SimulationError: Error, CustomStringConvertible {
        case unsupported(Provider)
        public var description: String {
            switch self {
            case .unsupported(let provider): "simulating \(provider.rawValue) is not supported; use meta, webform, calcom, chatwoot or stripe"
            }
        }
    }

    public static let simulatedProviders: [Provider] = [.meta, .webform, .calcom, .chatwoot, .stripe]

    /// The `index`-th simulated delivery for `provider`, as that provider would sign it at `now`.
    /// `secret` is the channel's signing secret (Meta app secret, form API key, Cal.com/Chatwoot/Stripe webhook secret).
    /// With `people`, it comes from person `index` mod `people` (the same people write again and
    /// again); by default each delivery is a new person. Its ids follow `index`, so one person's
    /// deliveries are all distinct.
    public static func simulated(
        _ provider: Provider, index: Int, people: Int? = nil, secret: String, businessNumber: String = "5511940028922",
        phoneNumberID: String = "106540352242922", now: Date = Date(), seed: UInt64 = 42
    ) throws -> SignedWebhook {
        let lead = SimulatedLead.make(people.map { index % $0 } ?? index, seed: seed)
        let seconds = Int(now.timeIntervalSince1970)
        switch provider {
        case .meta:
            let body = try json([
                "object": "whatsapp_business_account",
                "entry": [[
                    "id": "102290129340398",
                    "changes": [[
                        "field": "messages",
                        "value": [
                            "messaging_product": "whatsapp",
                            "metadata": ["display_phone_number": businessNumber, "phone_number_id": phoneNumberID],
                            "contacts": [["profile": ["name": lead.name], "wa_id": lead.waID]],
                            "messages": [[
                                "from": lead.waID, "id": "wamid.SIM\(seed).\(index)", "timestamp": String(seconds),
                                "type": "text", "text": ["body": lead.text],
                            ]],
                        ] as [String: Any],
                    ]],
                ]],
            ])
            return SignedWebhook(body: body, headers: [
                ("Content-Type", "application/json"),
                ("X-Hub-Signature-256", "sha256=" + Digest.hmacSHA256Hex(key: secret, message: body)),
            ])
        case .webform:
            let body = try json([
                "submission_id": "sim-\(seed)-\(index)", "name": lead.name, "phone": "+" + lead.waID, "email": lead.email,
                "message": lead.text, "utm_source": index.isMultiple(of: 3) ? "google" : "instagram", "utm_medium": "cpc",
                "utm_campaign": "simulated", "consent": true,
            ])
            return SignedWebhook(body: body, headers: [("Content-Type", "application/json"), ("X-API-Key", secret)])
        case .calcom:
            let start = now.addingTimeInterval(Double(86_400 + index % 40 * 1800))
            let body = try json([
                "triggerEvent": "BOOKING_CREATED", "createdAt": iso(now),
                "payload": [
                    "uid": "sim-\(seed)-\(index)", "title": "Avaliação", "type": "avaliacao-30min",
                    "startTime": iso(start), "endTime": iso(start.addingTimeInterval(1800)),
                    "attendees": [["name": lead.name, "email": lead.email, "timeZone": "America/Sao_Paulo"]],
                    "responses": ["attendeePhoneNumber": ["value": "+" + lead.waID]],
                ] as [String: Any],
            ])
            return SignedWebhook(body: body, headers: [
                ("Content-Type", "application/json"), ("X-Cal-Signature-256", Digest.hmacSHA256Hex(key: secret, message: body)),
            ])
        case .chatwoot:
            let body = try json([
                "event": "message_created", "id": 1_000_000 + index, "content": lead.text, "message_type": "incoming",
                "private": false, "created_at": iso(now), "sender": ["id": 10_000 + index, "name": lead.name, "email": lead.email],
                "inbox": ["id": 1],
                "conversation": ["id": 50_000 + index, "inbox_id": 1, "meta": ["sender": ["id": 10_000 + index, "phone_number": "+" + lead.waID]]],
            ])
            return SignedWebhook(body: body, headers: [
                ("Content-Type", "application/json"), ("X-Chatwoot-Timestamp", String(seconds)),
                ("X-Chatwoot-Signature", "sha256=" + Digest.hmacSHA256Hex(key: secret, message: Array("\(seconds).".utf8) + body)),
                ("X-Chatwoot-Delivery", "sim-\(seed)-\(index)"),
            ])
        case .stripe:
            let body = try json([
                "id": "evt_sim_\(seed)_\(index)", "object": "event", "created": seconds, "type": "checkout.session.completed",
                "data": ["object": [
                    "id": "cs_sim_\(index)", "object": "checkout.session", "amount_total": 15000, "currency": "brl",
                    "customer_details": ["email": lead.email, "name": lead.name, "phone": "+" + lead.waID], "metadata": [:] as [String: String],
                ] as [String: Any]],
            ])
            return SignedWebhook(body: body, headers: [
                ("Content-Type", "application/json"), ("Stripe-Signature", StripeSignature.sign(body: body, secret: secret, timestamp: seconds)),
            ])
        default:
            throw SimulationError.unsupported(provider)
        }
    }

    private static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    private static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
