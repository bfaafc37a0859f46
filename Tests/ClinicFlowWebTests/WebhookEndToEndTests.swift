import AsyncHTTPClient
import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowTestSupport
@testable import ClinicFlowWeb
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting

/// A signed Meta webhook over a real loopback HTTP connection, through the worker, to its event.
@Suite struct WebhookEndToEndTests {
    @Test(arguments: TestDatabase.available)
    func aSignedMetaPayloadOverHTTPBecomesOneDeliveryAndOneMessageEvent(database: TestDatabase) async throws {
        try await withApp(database, environment: ["CLINICFLOW_JOBS_IN_PROCESS": "true", "CLINICFLOW_JOB_POLL_SECONDS": "0.05"]) { app, services in
            let channel = try await app.makeChannel(services, provider: .meta, credentials: ["app_secret": ProviderCase.metaSecret])
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 0  // any free port
            try await app.startup()
            let port = try #require(app.http.server.shared.localAddress?.port)

            let body = ProviderCase.metaMessage(id: "wamid.E2E", text: "Quero marcar uma avaliação")
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hooks/meta/\(channel.id)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Hub-Signature-256", value: "sha256=" + Digest.hmacSHA256Hex(key: ProviderCase.metaSecret, message: Array(body.utf8)))
            request.headers.add(name: "X-Correlation-ID", value: "e2e-1")
            request.body = .bytes(ByteBuffer(string: body))
            var statuses: [UInt] = []
            for _ in 0..<2 {  // Meta retries; the second must change nothing
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                statuses.append(response.status.code)
                _ = try await response.body.collect(upTo: 1 << 16)
            }
            #expect(statuses == [200, 200])

            let stream = NormalizeDeliveryJob.stream(channelID: channel.id)
            // Normalised, then taken in: the intake marker follows the message event.
            let processed = try await poll { try await services.events.events(inStream: stream).map(\.type) == ["inbound.message", "inbound.processed"] }
            #expect(processed)
            let deliveries = try await services.engine.deliveries.list(channelID: channel.id)
            #expect(deliveries.count == 1)
            #expect(deliveries.first?.status == .processed)
            #expect(deliveries.first?.correlationID == "e2e-1")

            let events = try await services.events.events(inStream: stream).filter { $0.type != "inbound.processed" }
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.type == "inbound.message")
            #expect(event.correlationID == "e2e-1")
            #expect(event.causationID == "delivery:\(deliveries[0].id.uuidString.lowercased())")
            let envelope = try event.decodePayload(as: InboundEnvelope.self)
            guard case .message(let message) = envelope.event.body else { Issue.record("not a message"); return }
            #expect(message.providerMessageID == "wamid.E2E")
            #expect(message.text == "Quero marcar uma avaliação")
            #expect(message.senderPhone == "+5511987654321")
            #expect(message.businessAccountID == "106540352242922")

            // And the person is now a contact with an open lead and the message in a conversation.
            let contacts = try await services.engine.contacts.list(clinicID: channel.clinicID, .init())
            #expect(contacts.items.map(\.phone) == ["+5511987654321"])
            #expect(try await services.engine.leads.list(clinicID: channel.clinicID, .init()).items.map(\.stage) == ["NEW"])
        }
    }

    private func poll(_ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }
}
