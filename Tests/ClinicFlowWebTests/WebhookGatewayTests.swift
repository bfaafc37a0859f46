import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import Testing
import Vapor
import VaporTesting

/// Every provider through the real HTTP stack and database: accepted, replayed, forged, oversized,
/// wrongly typed, malformed and misaddressed webhooks.
@Suite struct WebhookGatewayTests {
    @Test(arguments: ProviderCase.all)
    func aSignedWebhookIsStoredOnceAndProcessed(testCase: ProviderCase) async throws {
        try await withApp(.sqlite) { app, services in
            let channel = try await app.makeChannel(services, provider: testCase.provider, credentials: testCase.credentials)
            let tester = try app.testing()

            let first = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[0])
            #expect(first.status == .ok, "\(first.body.string)")
            // The provider retries the same delivery (new signature, same content): acknowledged, not stored again.
            let retry = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[0])
            #expect(retry.status == .ok)
            let second = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[1])
            #expect(second.status == .ok)
            if testCase.provider != .twilio {
                let firstBody = try first.json()
                #expect(firstBody["status"] as? String == "accepted")
                #expect(try retry.json()["status"] as? String == "duplicate")
                #expect(try retry.json()["delivery_id"] as? String == firstBody["delivery_id"] as? String)
            } else {
                #expect(first.headers.contentType?.description.hasPrefix("text/xml") == true)
                #expect(first.body.string.contains("<Response></Response>"))
            }

            let deliveries = try await services.engine.deliveries.list(channelID: channel.id)
            #expect(deliveries.count == 2)
            #expect(deliveries.allSatisfy { $0.status == .received && $0.clinicID == channel.clinicID })
            #expect(Set(deliveries.map { String(decoding: $0.body, as: UTF8.self) }) == Set(testCase.bodies))

            // Processing: each delivery becomes its events, once.
            await services.worker.drain()
            let processed = try await services.engine.deliveries.list(channelID: channel.id)
            #expect(processed.allSatisfy { $0.status == .processed }, "\(processed.map(\.error))")
            let stream = try await services.events.events(inStream: NormalizeDeliveryJob.stream(channelID: channel.id))
            let events = stream.filter { $0.type != "inbound.processed" }
            #expect(events.count == processed.compactMap(\.eventCount).reduce(0, +))
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0.type.hasPrefix("inbound.") && $0.clinicID == channel.clinicID })
            // Each event went through intake once.
            let dead = try await services.engine.store.sql().raw("SELECT kind, status, last_error FROM jobs").all().map { "\(try $0.decode(column: "kind", as: String.self)) \(try $0.decode(column: "status", as: String.self)) \(try $0.decode(column: "last_error", as: String?.self) ?? "")" }
            #expect(stream.count == 2 * events.count, "\(dead)")
        }
    }

    @Test(arguments: ProviderCase.all)
    func forgedAndUnsignedWebhooksAreRefusedAndNotStored(testCase: ProviderCase) async throws {
        try await withApp(.sqlite) { app, services in
            let channel = try await app.makeChannel(services, provider: testCase.provider, credentials: testCase.credentials)
            let tester = try app.testing()
            let body = testCase.bodies[0]
            // Signed for one body, sent with another: the signature covers the exact bytes.
            let headers = testCase.sign(body, "http://localhost/hooks/\(testCase.provider.rawValue)/\(channel.id.uuidString.lowercased())", Date())
            let unsigned = try await tester.postWebhook(testCase, channel: channel, body: body, headers: [])
            // Static-secret schemes cannot tell a changed body; their forgeries are a wrong secret instead.
            let wrongSecret = try await tester.postWebhook(testCase, channel: channel, body: body, headers: headers.map { ($0.0, $0.1 + "x") })

            #expect(unsigned.status == .unauthorized, "\(unsigned.body.string)")
            #expect(try unsigned.json()["error"] as? String == "unauthorized")
            #expect((try unsigned.json()["reason"] as? String)?.isEmpty == false)
            #expect(wrongSecret.status == .unauthorized, "\(wrongSecret.body.string)")
            // Schemes that sign the body also refuse a changed body under a valid signature. (Static
            // shared-secret schemes — 360dialog headers, Evolution, Vapi's legacy secret, form keys — cannot.)
            if ![.dialog360, .evolution, .vapi, .webform].contains(testCase.provider) {
                let tampered = body.replacingOccurrences(of: "a", with: "e", options: [], range: body.range(of: "a", options: .backwards))
                let forged = try await tester.postWebhook(testCase, channel: channel, body: tampered, headers: headers)
                #expect(forged.status == .unauthorized, "\(forged.body.string)")
            }
            #expect(try await services.engine.deliveries.list(channelID: channel.id).isEmpty)
        }
    }

    @Test(arguments: ProviderCase.all)
    func badRequestsGetAClear4xx(testCase: ProviderCase) async throws {
        try await withApp(.sqlite, environment: ["CLINICFLOW_MAX_BODY_BYTES": "4096"]) { app, services in
            let channel = try await app.makeChannel(services, provider: testCase.provider, credentials: testCase.credentials)
            let tester = try app.testing()

            let huge = String(repeating: " ", count: 5000) + testCase.bodies[0]
            let oversize = try await tester.postWebhook(testCase, channel: channel, body: huge)
            #expect(oversize.status == .payloadTooLarge)
            #expect(try oversize.json()["error"] as? String == "payload_too_large")

            let wrongType = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[0], mediaType: "text/plain")
            #expect(wrongType.status == .unsupportedMediaType)
            #expect((try wrongType.json()["reason"] as? String)?.contains("must be") == true)

            if testCase.mediaType == "application/json" {
                let notJSON = try await tester.postWebhook(testCase, channel: channel, body: #"{"object": "whatsapp_business_account", "entry": ["#)
                #expect(notJSON.status == .badRequest, "\(notJSON.body.string)")
                #expect((try notJSON.json()["reason"] as? String)?.contains("is not valid JSON") == true)
            }
            if let malformed = testCase.malformed {
                let response = try await tester.postWebhook(testCase, channel: channel, body: malformed.body)
                #expect(response.status == .badRequest, "\(response.body.string)")
                #expect((try response.json()["reason"] as? String)?.hasSuffix(malformed.reason) == true, "\(response.body.string)")
            }

            let unknown = try await tester.sendRequest(.POST, "/hooks/\(testCase.provider.rawValue)/\(UUID())", headers: ["Content-Type": testCase.mediaType], body: ByteBuffer(string: testCase.bodies[0]))
            #expect(unknown.status == .notFound)
            #expect((try unknown.json()["reason"] as? String)?.hasPrefix("no \(testCase.provider.rawValue) channel") == true)
            let notAUUID = try await tester.sendRequest(.POST, "/hooks/\(testCase.provider.rawValue)/abc", headers: ["Content-Type": testCase.mediaType], body: ByteBuffer(string: "{}"))
            #expect(notAUUID.status == .notFound)

            #expect(try await services.engine.deliveries.list(channelID: channel.id).isEmpty)
        }
    }

    @Test func aChannelAnswersOnlyForItsOwnProviderAndWhileActive() async throws {
        try await withApp(.sqlite) { app, services in
            let meta = ProviderCase.all[0]
            var channel = try await app.makeChannel(services, provider: .meta, credentials: meta.credentials)
            let tester = try app.testing()
            let asStripe = try await tester.sendRequest(.POST, "/hooks/stripe/\(channel.id)", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: "{}"))
            #expect(asStripe.status == .notFound)
            let unknownProvider = try await tester.sendRequest(.POST, "/hooks/telegram/\(channel.id)", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: "{}"))
            #expect(unknownProvider.status == .notFound)
            #expect((try unknownProvider.json()["reason"] as? String)?.hasPrefix("unknown provider telegram") == true)

            channel.active = false
            try await services.engine.channels.update(channel)
            services.engine.channelDirectory.invalidate(channel.id)
            let disabled = try await tester.postWebhook(meta, channel: channel, body: meta.bodies[0])
            #expect(disabled.status == .forbidden)
        }
    }

    @Test func staleSignedTimestampsAreRefusedAsReplays() async throws {
        try await withApp(.sqlite) { app, services in
            let tester = try app.testing()
            for testCase in ProviderCase.all where [.chatwoot, .twenty, .stripe, .hubspot].contains(testCase.provider) {
                let channel = try await app.makeChannel(services, provider: testCase.provider, credentials: testCase.credentials)
                let replayed = try await tester.postWebhook(testCase, channel: channel, body: testCase.bodies[0], signedAt: Date().addingTimeInterval(-3600))
                #expect(replayed.status == .unauthorized, "\(testCase.provider): \(replayed.body.string)")
                #expect(try await services.engine.deliveries.list(channelID: channel.id).isEmpty)
            }
        }
    }

    @Test func metaHandshake() async throws {
        try await withApp(.sqlite) { app, services in
            let channel = try await app.makeChannel(services, provider: .meta, credentials: ["app_secret": "s", "verify_token": "meatyhamhock"])
            let tester = try app.testing()
            let path = "/hooks/meta/\(channel.id)"
            let ok = try await tester.sendRequest(.GET, path + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock")
            #expect(ok.status == .ok)
            #expect(ok.body.string == "1158201444")
            let wrong = try await tester.sendRequest(.GET, path + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess")
            #expect(wrong.status == .forbidden)
            #expect(try wrong.json()["error"] as? String == "forbidden")
            let unknown = try await tester.sendRequest(.GET, "/hooks/meta/\(UUID())?hub.mode=subscribe&hub.challenge=1&hub.verify_token=meatyhamhock")
            #expect(unknown.status == .notFound)
        }
    }

    @Test func concurrentDeliveriesAreGroupCommittedAndEachStoredOnce() async throws {
        try await withApp(.sqlite) { app, services in
            let meta = ProviderCase.all[0]
            let channel = try await app.makeChannel(services, provider: .meta, credentials: meta.credentials)
            let tester = try app.testing()
            // 60 distinct messages, each sent twice at the same moment.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for index in 0..<120 {
                    group.addTask {
                        try await tester.postWebhook(meta, channel: channel, body: ProviderCase.metaMessage(id: "wamid.C\(index % 60)", text: "m")).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(try await services.engine.deliveries.list(channelID: channel.id, limit: 500).count == 60)
            let jobs = try await services.queue.depth().filter { $0.queue == DeliveryStore.ingestQueue }.map(\.count).reduce(0, +)
            #expect(jobs == 60)
        }
    }
}

extension ByteBuffer {
    var string: String { String(buffer: self) }
}
