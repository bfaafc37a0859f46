import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// WhatsApp in an outage (503s, then silence), then back: sends back off, the channel's circuit
/// opens so nobody hammers it, what used up its attempts waits in dead letters, and after recovery
/// and a replay every message has gone out exactly once; timeouts are never resent.
@Suite struct OutageTests {
    @Test(arguments: TestDatabase.available)
    func anOutageBacksOffOpensTheCircuitDeadLettersAndRecoversWithoutDoubles(database: TestDatabase) async throws {
        let whatsapp = try await WhatsAppServer.start()
        defer { Task { await whatsapp.stop() } }
        try await withTestStore(database) { store, _ in
            let clock = ManualClock(Date())
            let harness = try await IntakeHarness(
                // 3 s: long enough that a loaded machine's loopback send never reads as a hang.
                store: store, sendTimeout: 3, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 10, maxDelay: 600, jitter: 0), clock: clock.function
            )
            let channel = try await harness.sendingChannel(whatsapp)
            try await harness.components.scoring.saveAssistantSettings(AssistantSettings(quietHours: nil), clinicID: harness.clinic.id)
            try await harness.say("Oi", id: "wamid.outage", on: channel, at: clock.now())
            let conversation = try #require(try await harness.conversation())
            let components = harness.components
            func queue(_ count: Int, from: Int = 0) async throws {
                for index in from..<(from + count) {
                    try await components.store.db.withTransaction { database in
                        try await Outbox(components: components).enqueue(
                            .init(conversation: conversation, text: "Mensagem \(index)", purpose: .reply, author: "user:test", key: "outage-\(index)"), on: database
                        )
                    }
                }
            }

            // 503s: five calls fail, then the circuit is open and the rest wait without a call.
            whatsapp.mode = .serverError
            try await queue(12)
            await harness.worker.drain()
            // Five failures open it (sends already past the check on the other worker slots still go).
            #expect((5...8).contains(whatsapp.server.requests.count), "the open circuit spares the provider: \(whatsapp.server.requests.count) calls for 12 messages")
            var messages = try await harness.outbound()
            #expect(messages.count == 12 && messages.allSatisfy { $0.status == "queued" })
            #expect(messages.contains { $0.error?.contains("circuit is open") == true })
            #expect(messages.contains { $0.error?.contains("HTTP 503") == true })
            #expect(try await components.queue.count(status: .dead) == 0, "a failure waits with backoff, not straight to dead letters")

            // Still down: each try backs off (10 s, 20 s…), the circuit lets one call test it after its cooldown.
            for _ in 0..<12 {
                clock.advance(by: 31)
                await harness.worker.drain()
            }
            let tried = whatsapp.server.requests.count
            #expect(tried > 5 && tried < 20, "probing, not hammering: \(tried) calls")
            let dead = try await components.queue.deadLetters()
            #expect(!dead.isEmpty && dead.allSatisfy { $0.kind == MessageSendJob.kind && ($0.lastError?.contains("HTTP 503") == true || $0.lastError?.contains("circuit is open") == true) })
            messages = try await harness.outbound()
            #expect(messages.filter { $0.status == "failed" }.count == dead.count)
            #expect(whatsapp.sent.isEmpty)

            // A send that hangs: after the timeout it is unconfirmed, never sent again.
            whatsapp.mode = .hang
            clock.advance(by: 31)
            try await queue(1, from: 100)
            await harness.worker.drain()

            // Back up: the circuit closes on the first success; replaying the dead letters finishes the rest.
            whatsapp.mode = .accept
            for _ in 0..<6 {
                clock.advance(by: 61)
                await harness.worker.drain()
            }
            for job in try await components.queue.deadLetters() { #expect(try await components.queue.replay(id: job.id)) }
            // The first send probes the circuit; the ones refused meanwhile follow after their backoff.
            for _ in 0..<8 {
                await harness.worker.drain()
                clock.advance(by: 31)
                if try await harness.outbound().allSatisfy({ $0.status != "queued" }) { break }
            }
            messages = try await harness.outbound()
            let sent = messages.filter { $0.status == "sent" }.compactMap(\.body)
            #expect(Set(sent) == Set((0..<12).map { "Mensagem \($0)" }), "\(messages.map { "\($0.body ?? ""): \($0.status)" })")
            #expect(whatsapp.sent.filter { $0.hasPrefix("Mensagem") && $0 != "Mensagem 100" }.count == 12, "each exactly once")
            #expect(Set(whatsapp.sent).count == whatsapp.sent.count)
            #expect(messages.first { $0.body == "Mensagem 100" }?.status == "unconfirmed")
            #expect(try await components.queue.count(status: .dead) == 0)
        }
    }
}
