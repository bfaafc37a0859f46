import ClinicFlowDomain
@testable import ClinicFlowProviders
import Foundation
import Testing

/// The providers' official signature vectors (../shared/providers.md), plus the derived ones where a
/// provider publishes none. Each is checked to pass, and to fail once a single byte changes.
@Suite struct SignatureVectorTests {
    static let channel = ClinicChannel(clinicID: UUID(), provider: .meta, name: "test")

    func request(_ body: String, headers: [(String, String)], url: String = "https://clinic.example/hooks/x/y", method: String = "POST", at now: Date = Date()) -> WebhookRequest {
        WebhookRequest(method: method, url: url, headers: HeaderFields(headers + [("Content-Type", "application/json")]), body: Array(body.utf8), receivedAt: now)
    }

    func rejection(_ body: () throws -> Void) -> WebhookRejection? {
        do {
            try body()
            return nil
        } catch let rejection as WebhookRejection {
            return rejection
        } catch {
            return WebhookRejection(status: 0, reason: "unexpected \(error)")
        }
    }

    // MARK: Meta (WhatsApp-Nodejs-SDK src/__tests__/utils.test.ts)

    @Test func metaSDKVector() throws {
        let credentials = ChannelCredentials(["app_secret": "TEST_APP_SECRET"])
        let signature = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"
        #expect(Digest.hmacSHA256Hex(key: "TEST_APP_SECRET", message: Array("test".utf8)) == String(signature.dropFirst(7)))
        try MetaAdapter().verify(request("test", headers: [("X-Hub-Signature-256", signature)]), channel: Self.channel, credentials: credentials)
        let forged = rejection {
            try MetaAdapter().verify(request("tesT", headers: [("X-Hub-Signature-256", signature)]), channel: Self.channel, credentials: credentials)
        }
        #expect(forged?.status == 401)
        #expect(forged?.reason.contains("does not match") == true)
    }

    @Test func metaOfficialSamplePayloadDerivedVector() throws {
        let credentials = ChannelCredentials(["app_secret": "TEST_APP_SECRET"])
        let body = try Fixtures.text("meta-text-message.json")
        let header = "sha256=964f50820adcc03228037724153dd41dcd72d72113a4659d63916721028e0c23"
        try MetaAdapter().verify(request(body, headers: [("X-Hub-Signature-256", header)]), channel: Self.channel, credentials: credentials)
        // Upper-case hex is the same MAC.
        try MetaAdapter().verify(request(body, headers: [("x-hub-signature-256", "sha256=" + header.dropFirst(7).uppercased())]), channel: Self.channel, credentials: credentials)
        #expect(rejection { try MetaAdapter().verify(request(body, headers: []), channel: Self.channel, credentials: credentials) }?.reason == "missing X-Hub-Signature-256 header")
        #expect(rejection { try MetaAdapter().verify(request(body, headers: [("X-Hub-Signature-256", String(header.dropFirst(7)))]), channel: Self.channel, credentials: credentials) }?.reason == "X-Hub-Signature-256 must start with sha256=")
        #expect(rejection { try MetaAdapter().verify(request(body, headers: [("X-Hub-Signature-256", header)]), channel: Self.channel, credentials: ChannelCredentials()) }?.reason.contains("no app_secret") == true)
    }

    @Test func metaHandshake() {
        let credentials = ChannelCredentials(["verify_token": "meatyhamhock"])
        #expect(MetaAdapter.handshake(mode: "subscribe", token: "meatyhamhock", challenge: "1158201444", credentials: credentials) == "1158201444")
        #expect(MetaAdapter.handshake(mode: "subscribe", token: "wrong", challenge: "1158201444", credentials: credentials) == nil)
        #expect(MetaAdapter.handshake(mode: "unsubscribe", token: "meatyhamhock", challenge: "1", credentials: credentials) == nil)
        #expect(MetaAdapter.handshake(mode: "subscribe", token: "meatyhamhock", challenge: "1", credentials: ChannelCredentials()) == nil)
    }

    // MARK: Twilio (twilio-python tests/unit/test_request_validator.py)

    static let twilioURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let twilioParams: [(name: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212"), ("Caller", "+14158675309"),
    ]

    @Test func twilioComputeSignature() {
        #expect(TwilioSignature.expected(url: Self.twilioURL, params: Self.twilioParams, authToken: "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(TwilioSignature.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.twilioURL, params: Self.twilioParams, authToken: "12345"))
        #expect(!TwilioSignature.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.twilioURL, params: Self.twilioParams, authToken: "12346"))
    }

    @Test func twilioDuplicateKeys() throws {
        let params = try FormEncoding.parse(Array("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234".utf8))
        #expect(TwilioSignature.expected(url: Self.twilioURL, params: params, authToken: "12345") == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    }

    @Test func twilioPortVariants() {
        let https1234 = Self.twilioURL.replacingOccurrences(of: ".com", with: ".com:1234")
        #expect(TwilioSignature.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: https1234, params: Self.twilioParams, authToken: "12345"))
        let http1234 = https1234.replacingOccurrences(of: "https", with: "http")
        #expect(TwilioSignature.isValid(signature: "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", url: http1234, params: Self.twilioParams, authToken: "12345"))
        #expect(TwilioSignature.isValid(signature: "kvajT1Ptam85bY51eRf/AJRuM3w=", url: Self.twilioURL, params: Self.twilioParams, authToken: "12345"))
        let http = Self.twilioURL.replacingOccurrences(of: "https", with: "http")
        #expect(TwilioSignature.isValid(signature: "0ZXoZLH/DfblKGATFgpif+LLRf4=", url: http, params: Self.twilioParams, authToken: "12345"))
    }

    @Test func twilioJSONBodyWithBodySHA256() throws {
        let body = #"{"property": "value", "boolean": true}"#
        #expect(Digest.sha256Hex(Array(body.utf8)) == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        let url = Self.twilioURL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        let credentials = ChannelCredentials(["auth_token": "12345"])
        try TwilioAdapter().verify(request(body, headers: [("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")], url: url), channel: Self.channel, credentials: credentials)
        let tampered = rejection {
            try TwilioAdapter().verify(request(body + " ", headers: [("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")], url: url), channel: Self.channel, credentials: credentials)
        }
        #expect(tampered?.reason == "bodySHA256 does not match the body")
    }

    @Test func twilioFormRequestThroughTheAdapter() throws {
        let body = FormEncoding.encode(Self.twilioParams.map { ($0.name, $0.value) })
        var form = request(body, headers: [("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")], url: Self.twilioURL)
        form.headers = HeaderFields([("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="), ("Content-Type", "application/x-www-form-urlencoded")])
        try TwilioAdapter().verify(form, channel: Self.channel, credentials: ChannelCredentials(["auth_token": "12345"]))
        form.body = Array(body.replacingOccurrences(of: "Digits=1234", with: "Digits=1235").utf8)
        #expect(rejection { try TwilioAdapter().verify(form, channel: Self.channel, credentials: ChannelCredentials(["auth_token": "12345"])) }?.status == 401)
    }

    // MARK: HubSpot (hubspot-api-python tests/spec/utils/test_signature.py)

    static let hubSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
    static let hubBody = Array("{'example_field':'example_value'}".utf8)
    static let hubURL = "https://www.example.com/webhook_uri"

    @Test func hubSpotVectors() {
        #expect(HubSpotSignature.v1(secret: Self.hubSecret, body: Self.hubBody) == "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750")
        #expect(HubSpotSignature.v2(secret: Self.hubSecret, method: "POST", uri: Self.hubURL, body: Self.hubBody) == "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383")
        #expect(HubSpotSignature.v2(secret: Self.hubSecret, method: "GET", uri: Self.hubURL, body: []) == "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e")
        #expect(HubSpotSignature.v3(secret: Self.hubSecret, method: "POST", uri: Self.hubURL, body: Self.hubBody, timestamp: "15000000") == "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=")
    }

    @Test func hubSpotNodeSDKVectors() throws {
        let events = #"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#
        #expect(HubSpotSignature.v1(secret: Self.hubSecret, body: Array(events.utf8)) == "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de")
        #expect(HubSpotSignature.v2(secret: Self.hubSecret, method: "POST", uri: Self.hubURL, body: Array(#"{"example_field":"example_value"}"#.utf8)) == "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900")
    }

    @Test func hubSpotV3TimestampWindow() throws {
        let now = Date(timeIntervalSince1970: 15000)  // 15000000 ms
        let headers = HeaderFields([("X-HubSpot-Signature-v3", "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="), ("X-HubSpot-Request-Timestamp", "15000000")])
        try HubSpotSignature.verify(headers: headers, method: "POST", uri: Self.hubURL, body: Self.hubBody, secret: Self.hubSecret, now: now)
        let stale = rejection {
            try HubSpotSignature.verify(headers: headers, method: "POST", uri: Self.hubURL, body: Self.hubBody, secret: Self.hubSecret, now: now.addingTimeInterval(301))
        }
        #expect(stale?.reason.contains("old") == true)
        let legacy = HeaderFields([("X-HubSpot-Signature", "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"), ("X-HubSpot-Signature-Version", "v1")])
        try HubSpotSignature.verify(headers: legacy, method: "POST", uri: Self.hubURL, body: Self.hubBody, secret: Self.hubSecret, now: now)
        #expect(rejection { try HubSpotSignature.verify(headers: legacy, method: "POST", uri: Self.hubURL, body: Self.hubBody + [0x20], secret: Self.hubSecret, now: now) }?.status == 401)
    }

    @Test func hubSpotURIDecoding() {
        #expect(HubSpotSignature.decodedURI("https://x.example/hook%3Fa%3Db%2Fc%40d") == "https://x.example/hook?a%3Db/c@d")
    }

    // MARK: Stripe (stripe-python tests/test_webhook.py, with a fixed timestamp)

    static let stripeSecret = "whsec_test_secret"
    static let stripePayload = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n  \"data\": { \"object\": { \"id\": \"rdr_123\", \"object\": \"terminal.reader\" } }\n}"

    @Test func stripeFixedTimestampVector() throws {
        let header = StripeSignature.sign(body: Array(Self.stripePayload.utf8), secret: Self.stripeSecret, timestamp: 1492774577)
        #expect(header == "t=1492774577,v1=d21d91b425674689e03346536b8fec6384a8721d43ebe269a1689a3ad22cba9c")
        try StripeSignature.verify(header: header, body: Array(Self.stripePayload.utf8), secrets: [Self.stripeSecret], tolerance: nil, now: Date())
    }

    @Test func stripePythonCases() throws {
        let body = Array(Self.stripePayload.utf8)
        let now = Date()
        let t = Int(now.timeIntervalSince1970)
        let valid = StripeSignature.sign(body: body, secret: Self.stripeSecret, timestamp: t)
        func verify(_ header: String?, tolerance: TimeInterval? = 300, at date: Date = now) -> WebhookRejection? {
            rejection { try StripeSignature.verify(header: header, body: body, secrets: [Self.stripeSecret], tolerance: tolerance, now: date) }
        }
        #expect(verify("bad_header")?.reason == "Stripe-Signature has no timestamp")
        #expect(verify("t=\(t),v0=" + valid.split(separator: "=").last!)?.reason == "Stripe-Signature has no v1 signature")
        #expect(verify(valid + ",v1=bad_signature") == nil)  // one good v1 among several is enough
        #expect(verify(valid, tolerance: 10, at: now.addingTimeInterval(15))?.reason.contains("older than 10 s") == true)
        #expect(verify(StripeSignature.sign(body: body, secret: Self.stripeSecret, timestamp: 12345), tolerance: nil) == nil)
        #expect(verify(nil)?.reason == "missing Stripe-Signature header")
        #expect(verify(valid.replacingOccurrences(of: "t=\(t)", with: "t=\(t + 1)"))?.reason == "no v1 signature in Stripe-Signature matches the body")
    }

    @Test func stripeAcceptsThePreviousSecretDuringARoll() throws {
        let body = Array(Self.stripePayload.utf8)
        let header = StripeSignature.sign(body: body, secret: "whsec_old", timestamp: Int(Date().timeIntervalSince1970))
        let credentials = ChannelCredentials(["webhook_secret": "whsec_new", "previous_webhook_secret": "whsec_old"])
        try StripeAdapter().verify(request(Self.stripePayload, headers: [("Stripe-Signature", header)]), channel: Self.channel, credentials: credentials)
        #expect(rejection { try StripeAdapter().verify(request(Self.stripePayload, headers: [("Stripe-Signature", header)]), channel: Self.channel, credentials: ChannelCredentials(["webhook_secret": "whsec_new"])) }?.status == 401)
    }

    // MARK: Derived vectors (providers.md appendix)

    @Test func chatwootDerivedVector() throws {
        let body = #"{"event":"message_created","id":118,"content":"hi","message_type":"incoming"}"#
        let headers = [("X-Chatwoot-Signature", "sha256=56cecdeafd06493e06dab40b4d1aac4ef144b2ecd0ecd8986c51463375d99e24"), ("X-Chatwoot-Timestamp", "1700000000")]
        let credentials = ChannelCredentials(["webhook_secret": "chatwoot_test_secret"])
        let at = Date(timeIntervalSince1970: 1_700_000_100)
        try ChatwootAdapter().verify(request(body, headers: headers, at: at), channel: Self.channel, credentials: credentials)
        #expect(rejection { try ChatwootAdapter().verify(request(body, headers: headers, at: at.addingTimeInterval(300)), channel: Self.channel, credentials: credentials) }?.reason.contains("X-Chatwoot-Timestamp is 400 s old") == true)
        #expect(rejection { try ChatwootAdapter().verify(request(body.replacingOccurrences(of: "hi", with: "ho"), headers: headers, at: at), channel: Self.channel, credentials: credentials) }?.status == 401)
    }

    @Test func chatwootUnsignedOnlyWhenTheChannelAllowsIt() throws {
        let body = #"{"event":"message_created","id":118}"#
        var channel = Self.channel
        #expect(rejection { try ChatwootAdapter().verify(request(body, headers: []), channel: channel, credentials: ChannelCredentials(["webhook_secret": "s"])) }?.reason == "missing X-Chatwoot-Signature header")
        channel.settings.requireSignature = false
        try ChatwootAdapter().verify(request(body, headers: []), channel: channel, credentials: ChannelCredentials())
    }

    @Test func calcomDerivedVector() throws {
        let body = #"{"triggerEvent":"BOOKING_CREATED","createdAt":"2023-05-24T09:30:00.538Z","payload":{"uid":"bFJeNb2uX8ANpT3JL5EfXw","startTime":"2023-05-25T09:30:00Z","endTime":"2023-05-25T10:30:00Z"}}"#
        let credentials = ChannelCredentials(["webhook_secret": "cal_test_secret"])
        try CalcomAdapter().verify(request(body, headers: [("X-Cal-Signature-256", "bbbda4873cccaed89a1a53add4dfcfef11925dacbdea17119faacb335888dd02")]), channel: Self.channel, credentials: credentials)
        #expect(rejection { try CalcomAdapter().verify(request(body, headers: [("X-Cal-Signature-256", "no-secret-provided")]), channel: Self.channel, credentials: credentials) }?.reason.contains("set a secret") == true)
        #expect(rejection { try CalcomAdapter().verify(request(body + "\n", headers: [("X-Cal-Signature-256", "bbbda4873cccaed89a1a53add4dfcfef11925dacbdea17119faacb335888dd02")]), channel: Self.channel, credentials: credentials) }?.status == 401)
    }

    @Test func twentyDerivedVector() throws {
        let body = #"{"targetUrl":"https://example.com/hook","eventName":"person.created","objectMetadata":{"id":"obj-1","nameSingular":"person"},"workspaceId":"ws-1","webhookId":"wh-1","eventDate":"2024-01-01T00:00:00.000Z","record":{"id":"p-1"}}"#
        let headers = [("X-Twenty-Webhook-Signature", "dea8e00498ae2b41d7bd8f740e813a0d3f1cd2f88b25937f45661b339774bf33"), ("X-Twenty-Webhook-Timestamp", "1700000000000")]
        let credentials = ChannelCredentials(["webhook_secret": "twenty_test_secret"])
        let at = Date(timeIntervalSince1970: 1_700_000_010)
        try TwentyAdapter().verify(request(body, headers: headers, at: at), channel: Self.channel, credentials: credentials)
        #expect(rejection { try TwentyAdapter().verify(request(body, headers: headers, at: at.addingTimeInterval(3600)), channel: Self.channel, credentials: credentials) }?.status == 401)
    }

    // MARK: Schemes without published vectors

    @Test func evolutionJWTAndAPIKey() throws {
        let body = try Fixtures.text("evolution-messages-upsert.json")
        let now = Date()
        let token = HS256JWT.sign(["iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970) + 600, "app": "evolution", "action": "webhook"], key: "jwt-key")
        let jwtChannel = ChannelCredentials(["jwt_key": "jwt-key"])
        try EvolutionAdapter().verify(request(body, headers: [("Authorization", "Bearer \(token)")], at: now), channel: Self.channel, credentials: jwtChannel)
        #expect(rejection { try EvolutionAdapter().verify(request(body, headers: [("Authorization", "Bearer \(token)")], at: now.addingTimeInterval(700)), channel: Self.channel, credentials: jwtChannel) }?.reason == "the bearer token expired")
        #expect(rejection { try EvolutionAdapter().verify(request(body, headers: [("Authorization", "Bearer \(token)")], at: now), channel: Self.channel, credentials: ChannelCredentials(["jwt_key": "other"])) }?.reason.contains("does not match") == true)
        // The body's apikey when no JWT key is configured.
        try EvolutionAdapter().verify(request(body, headers: []), channel: Self.channel, credentials: ChannelCredentials(["api_key": "B6D711FCDE4D4FD5936544120E713976"]))
        #expect(rejection { try EvolutionAdapter().verify(request(body, headers: []), channel: Self.channel, credentials: ChannelCredentials(["api_key": "nope"])) }?.status == 401)
    }

    @Test func vapiHMACAndLegacySecret() throws {
        let body = try Fixtures.text("vapi-end-of-call-report.json")
        let now = Date()
        let ts = String(Int(now.timeIntervalSince1970))
        let signature = Digest.hmacSHA256Hex(key: "vapi-hmac", message: Array("\(ts).".utf8) + Array(body.utf8))
        try VapiAdapter().verify(request(body, headers: [("x-signature", signature), ("x-timestamp", ts)], at: now), channel: Self.channel, credentials: ChannelCredentials(["hmac_secret": "vapi-hmac"]))
        #expect(rejection { try VapiAdapter().verify(request(body, headers: [("x-signature", signature), ("x-timestamp", ts)], at: now.addingTimeInterval(900)), channel: Self.channel, credentials: ChannelCredentials(["hmac_secret": "vapi-hmac"])) }?.status == 401)
        try VapiAdapter().verify(request(body, headers: [("x-vapi-secret", "s3cret")]), channel: Self.channel, credentials: ChannelCredentials(["secret": "s3cret"]))
        #expect(rejection { try VapiAdapter().verify(request(body, headers: [("x-vapi-secret", "guess")]), channel: Self.channel, credentials: ChannelCredentials(["secret": "s3cret"])) }?.status == 401)
    }

    @Test func dialog360HeaderOrPartnerSignature() throws {
        let body = try Fixtures.text("meta-text-message.json")
        try Dialog360Adapter().verify(request(body, headers: [("X-Clinic-Token", "tok")]), channel: Self.channel, credentials: ChannelCredentials(["webhook_header_name": "X-Clinic-Token", "webhook_header_value": "tok"]))
        #expect(rejection { try Dialog360Adapter().verify(request(body, headers: [("X-Clinic-Token", "tik")]), channel: Self.channel, credentials: ChannelCredentials(["webhook_header_name": "X-Clinic-Token", "webhook_header_value": "tok"])) }?.status == 401)
        let mac = Digest.hmacSHA256(key: "partner", message: Array(body.utf8))
        for encoded in [Hex.encode(mac), Data(mac).base64EncodedString()] {
            try Dialog360Adapter().verify(request(body, headers: [("x-360dialog-signature", encoded)]), channel: Self.channel, credentials: ChannelCredentials(["signature_secret": "partner"]))
        }
    }

    @Test func webFormKeyOrSignature() throws {
        let body = #"{"name":"Ana","phone":"+351912345678"}"#
        let credentials = ChannelCredentials(["api_key": "form-key", "signing_secret": "form-secret"])
        try WebFormAdapter().verify(request(body, headers: [("X-API-Key", "form-key")]), channel: Self.channel, credentials: credentials)
        try WebFormAdapter().verify(request(body, headers: [("Authorization", "Bearer form-key")]), channel: Self.channel, credentials: credentials)
        let now = Date()
        let ts = String(Int(now.timeIntervalSince1970))
        let signature = "sha256=" + Digest.hmacSHA256Hex(key: "form-secret", message: Array("\(ts).\(body)".utf8))
        try WebFormAdapter().verify(request(body, headers: [("X-ClinicFlow-Signature", signature), ("X-ClinicFlow-Timestamp", ts)], at: now), channel: Self.channel, credentials: credentials)
        #expect(rejection { try WebFormAdapter().verify(request(body, headers: [("X-API-Key", "wrong")]), channel: Self.channel, credentials: credentials) }?.status == 401)
        #expect(rejection { try WebFormAdapter().verify(request(body, headers: []), channel: Self.channel, credentials: credentials) }?.reason == "missing X-API-Key header")
    }
}
