import ClinicFlowDomain
import ClinicFlowProviders
@testable import ClinicFlowWeb
import Foundation
import NIOCore
import Vapor
import VaporTesting
import Testing


/// One provider's webhook, signed the way that provider signs it.
struct ProviderCase: Sendable, CustomTestStringConvertible {
    var provider: Provider
    var credentials: [String: String]
    var mediaType: String
    /// Two different valid bodies (two distinct deliveries).
    var bodies: [String]
    /// A body that parses as JSON but not as this provider's payload, and the path the error names.
    var malformed: (body: String, reason: String)?
    var sign: @Sendable (_ body: String, _ url: String, _ now: Date) -> [(String, String)]

    var testDescription: String { provider.rawValue }

    static let metaSecret = "meta-app-secret"

    static let all: [ProviderCase] = [
        ProviderCase(
            provider: .meta, credentials: ["app_secret": metaSecret, "verify_token": "vt"], mediaType: "application/json",
            bodies: [metaMessage(id: "wamid.A1", text: "Olá"), metaMessage(id: "wamid.A2", text: "Quanto custa?")],
            malformed: (#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"id":"x"}]}}]}]}"#,
                        "entry[0].changes[0].value.messages[0].from is required"),
            sign: { body, _, _ in [("X-Hub-Signature-256", "sha256=" + Digest.hmacSHA256Hex(key: metaSecret, message: Array(body.utf8)))] }
        ),
        ProviderCase(
            provider: .dialog360, credentials: ["webhook_header_name": "X-Clinic-Key", "webhook_header_value": "d360"],
            mediaType: "application/json",
            bodies: [metaMessage(id: "wamid.D1", text: "Hola"), metaMessage(id: "wamid.D2", text: "Precio?")],
            malformed: (#"{"object":"whatsapp_business_account","entry":"nope"}"#, "entry should be an array"),
            sign: { _, _, _ in [("X-Clinic-Key", "d360")] }
        ),
        ProviderCase(
            provider: .evolution, credentials: ["jwt_key": "evo-jwt"], mediaType: "application/json",
            bodies: [evolutionMessage(id: "EV1"), evolutionMessage(id: "EV2")],
            malformed: (#"{"instance":"c1"}"#, "event is required"),
            sign: { _, _, now in
                [("Authorization", "Bearer " + HS256JWT.sign(["iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970) + 600, "app": "evolution"], key: "evo-jwt"))]
            }
        ),
        ProviderCase(
            provider: .chatwoot, credentials: ["webhook_secret": "cw-secret"], mediaType: "application/json",
            bodies: [chatwootMessage(id: 501), chatwootMessage(id: 502)],
            malformed: (#"{"id":1}"#, "event is required"),
            sign: { body, _, now in
                let ts = String(Int(now.timeIntervalSince1970))
                return [("X-Chatwoot-Timestamp", ts), ("X-Chatwoot-Signature", "sha256=" + Digest.hmacSHA256Hex(key: "cw-secret", message: Array("\(ts).\(body)".utf8)))]
            }
        ),
        ProviderCase(
            provider: .calcom, credentials: ["webhook_secret": "cal-secret"], mediaType: "application/json",
            bodies: [calBooking(uid: "uidA"), calBooking(uid: "uidB")],
            malformed: (#"{"triggerEvent":"BOOKING_CREATED"}"#, "payload is required"),
            sign: { body, _, _ in [("X-Cal-Signature-256", Digest.hmacSHA256Hex(key: "cal-secret", message: Array(body.utf8)))] }
        ),
        ProviderCase(
            provider: .twenty, credentials: ["webhook_secret": "tw-secret"], mediaType: "application/json",
            bodies: [twentyPerson(id: "p-1"), twentyPerson(id: "p-2")],
            malformed: (#"{"eventDate":"2024-01-01"}"#, "eventName is required"),
            sign: { body, _, now in
                let ts = String(Int(now.timeIntervalSince1970 * 1000))
                return [("X-Twenty-Webhook-Timestamp", ts), ("X-Twenty-Webhook-Signature", Digest.hmacSHA256Hex(key: "tw-secret", message: Array("\(ts):\(body)".utf8)))]
            }
        ),
        ProviderCase(
            provider: .stripe, credentials: ["webhook_secret": "whsec_clinic"], mediaType: "application/json",
            bodies: [stripeEvent(id: "evt_1"), stripeEvent(id: "evt_2")],
            malformed: (#"{"id":"evt_3","type":"payment_intent.succeeded","data":{}}"#, "data.object is required"),
            sign: { body, _, now in [("Stripe-Signature", StripeSignature.sign(body: Array(body.utf8), secret: "whsec_clinic", timestamp: Int(now.timeIntervalSince1970)))] }
        ),
        ProviderCase(
            provider: .twilio, credentials: ["auth_token": "tw-token"], mediaType: "application/x-www-form-urlencoded",
            bodies: [twilioMessage(sid: "SM1"), twilioMessage(sid: "SM2")],
            malformed: nil,
            sign: { body, url, _ in
                let params = (try? FormEncoding.parse(Array(body.utf8))) ?? []
                return [("X-Twilio-Signature", TwilioSignature.expected(url: url, params: params, authToken: "tw-token"))]
            }
        ),
        ProviderCase(
            provider: .vapi, credentials: ["secret": "vapi-secret"], mediaType: "application/json",
            bodies: [vapiReport(callID: "call-1"), vapiReport(callID: "call-2")],
            malformed: (#"{"message":{"call":{"id":"c"}}}"#, "message.type is required"),
            sign: { _, _, _ in [("x-vapi-secret", "vapi-secret")] }
        ),
        ProviderCase(
            provider: .hubspot, credentials: ["client_secret": "hs-secret"], mediaType: "application/json",
            bodies: [hubspotEvents(eventID: 11), hubspotEvents(eventID: 12)],
            malformed: (#"{"eventId":1}"#, "the top level should be an array"),
            sign: { body, url, now in
                let ts = String(Int(now.timeIntervalSince1970 * 1000))
                return [("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", HubSpotSignature.v3(secret: "hs-secret", method: "POST", uri: url, body: Array(body.utf8), timestamp: ts))]
            }
        ),
        ProviderCase(
            provider: .webform, credentials: ["api_key": "form-key"], mediaType: "application/json",
            bodies: [#"{"name":"Ana","phone":"+351912345678","utm_source":"google"}"#, #"{"name":"Rui","email":"rui@example.pt"}"#],
            malformed: (#"["not","an","object"]"#, "the form body must be a JSON object"),
            sign: { _, _, _ in [("X-API-Key", "form-key")] }
        ),
    ]

    static func metaMessage(id: String, text: String) -> String {
        #"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"5511940028922","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maria"},"wa_id":"5511987654321"}],"messages":[{"from":"5511987654321","id":"\#(id)","timestamp":"1749416383","type":"text","text":{"body":"\#(text)"}}]},"field":"messages"}]}]}"#
    }

    static func evolutionMessage(id: String) -> String {
        #"{"event":"messages.upsert","instance":"clinic01","data":{"key":{"remoteJid":"5511999999999@s.whatsapp.net","fromMe":false,"id":"\#(id)"},"pushName":"Maria","message":{"conversation":"Quero agendar"},"messageType":"conversation","messageTimestamp":1717000000},"sender":"5511888888888@s.whatsapp.net"}"#
    }

    static func chatwootMessage(id: Int) -> String {
        #"{"id":\#(id),"content":"oi","created_at":"2024-03-01T10:05:00.000Z","message_type":"incoming","private":false,"sender":{"id":14,"name":"Ana"},"inbox":{"id":3},"conversation":{"id":77,"inbox_id":3,"meta":{"sender":{"id":14,"phone_number":"+351912345678"}}},"event":"message_created"}"#
    }

    static func calBooking(uid: String) -> String {
        #"{"triggerEvent":"BOOKING_CREATED","createdAt":"2024-05-24T09:30:00.538Z","payload":{"uid":"\#(uid)","title":"Avaliação","startTime":"2024-06-10T13:00:00Z","endTime":"2024-06-10T13:30:00Z","attendees":[{"email":"maria@example.com","name":"Maria","timeZone":"America/Sao_Paulo"}]}}"#
    }

    static func twentyPerson(id: String) -> String {
        #"{"eventName":"person.created","objectMetadata":{"id":"o","nameSingular":"person"},"workspaceId":"ws","webhookId":"wh","eventDate":"2024-01-01T00:00:00.000Z","record":{"id":"\#(id)","name":{"firstName":"Ioana","lastName":"Pop"}}}"#
    }

    static func stripeEvent(id: String) -> String {
        #"{"id":"\#(id)","object":"event","created":1717000000,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_\#(id)","amount":5000,"currency":"eur","metadata":{}}}}"#
    }

    static func twilioMessage(sid: String) -> String {
        FormEncoding.encode([("MessageSid", sid), ("AccountSid", "AC1"), ("From", "whatsapp:+5215512345678"), ("To", "whatsapp:+14155238886"), ("Body", "Hola"), ("NumMedia", "0"), ("ProfileName", "Carlos")])
    }

    static func vapiReport(callID: String) -> String {
        #"{"message":{"type":"end-of-call-report","endedReason":"hangup","call":{"id":"\#(callID)"},"customer":{"number":"+40721123456"},"artifact":{"transcript":"AI: Bună ziua"}}}"#
    }

    static func hubspotEvents(eventID: Int) -> String {
        #"[{"eventId":\#(eventID),"subscriptionId":1,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":\#(eventID * 10),"changeSource":"CRM","appId":5}]"#
    }
}

extension Application {
    /// A clinic with one channel for `provider`, created through the real repositories.
    func makeChannel(_ services: ClinicFlowServices, provider: Provider, credentials: [String: String], settings: ChannelSettings = .init()) async throws -> ClinicChannel {
        let clinic = try await services.engine.clinics.create(Clinic(name: "Clínica Teste", slug: "clinica-\(UUID().uuidString.prefix(8).lowercased())", timeZone: "America/Sao_Paulo", defaultRegion: "BR"))
        return try await services.engine.channels.create(
            ClinicChannel(clinicID: clinic.id, provider: provider, name: "\(provider.displayName) test", settings: settings),
            credentials: ChannelCredentials(credentials)
        )
    }
}

extension TestingApplicationTester {
    /// Posts `body` to the channel's hook, signed as the provider would sign it.
    func postWebhook(_ testCase: ProviderCase, channel: ClinicChannel, body: String, headers extra: [(String, String)]? = nil, mediaType: String? = nil, signedAt: Date = Date()) async throws -> TestingHTTPResponse {
        let path = "/hooks/\(testCase.provider.rawValue)/\(channel.id.uuidString.lowercased())"
        let url = "http://localhost\(path)"  // in-memory requests carry no Host; the gateway falls back to localhost
        var headers = HTTPHeaders([("Content-Type", mediaType ?? testCase.mediaType)])
        for (name, value) in extra ?? testCase.sign(body, url, signedAt) { headers.add(name: name, value: value) }
        return try await sendRequest(.POST, path, headers: headers, body: ByteBuffer(string: body))
    }
}
