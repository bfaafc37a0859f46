import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// `delivery.normalize` takes its events in itself, and scores and answers them when that needs no
/// network; an event whose intake fails falls back to an `inbound.process` job of its own, so it
/// retries and dead-letters alone, and so does a failing follow-up. Real databases.
@Suite struct NormalizeIntakeTests {
    /// Ana and another person in one delivery; the messages were sent at `timestamp` (Unix seconds).
    static func twoPeople(poisoned: String, timestamp: Int = 1_749_416_383) -> String {
        #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"5511940028922","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511911111111"},{"profile":{"name":"\#(poisoned)"},"wa_id":"5511922222222"}],"messages":[{"from":"5511911111111","id":"wamid.ana","timestamp":"\#(timestamp)","type":"text","text":{"body":"Oi, quero um implante"}},{"from":"5511922222222","id":"wamid.other","timestamp":"\#(timestamp + 1)","type":"text","text":{"body":"Olá"}}]}}]}]}"#
    }

    /// A real trigger that makes inserts into `table` fail when `condition` (on `NEW`) holds, as a
    /// bug or a broken row would.
    static func poison(_ store: Store, _ table: String, when condition: String = "TRUE", on: Bool) async throws {
        let sql = store.sql()
        let name = "poison_\(table)"
        switch (store.kind, on) {
        case (.sqlite, true):
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: name) BEFORE INSERT ON \(unsafeRaw: table) WHEN \(unsafeRaw: condition) BEGIN SELECT RAISE(ABORT, 'poisoned for the test'); END").run()
        case (.sqlite, false):
            try await sql.raw("DROP TRIGGER \(unsafeRaw: name)").run()
        case (.postgres, true):
            try await sql.raw("CREATE FUNCTION \(unsafeRaw: name)() RETURNS trigger AS $$ BEGIN IF \(unsafeRaw: condition) THEN RAISE EXCEPTION 'poisoned for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql").run()
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: name) BEFORE INSERT ON \(unsafeRaw: table) FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: name)()").run()
        case (.postgres, false):
            try await sql.raw("DROP TRIGGER \(unsafeRaw: name) ON \(unsafeRaw: table)").run()
        }
    }

    static func poisonContacts(_ store: Store, on: Bool) async throws {
        try await poison(store, "contacts", when: "NEW.name = 'Poison'", on: on)
    }

    func kinds(_ store: Store) async throws -> [String] {
        try await store.sql().raw("SELECT kind FROM jobs ORDER BY created_at").all().map { try $0.decode(column: "kind", as: String.self) }
    }

    @Test(arguments: TestDatabase.available)
    func aDeliveryIsTakenInByItsNormalisationJob(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            try await harness.deliver(Self.twoPeople(poisoned: "Bruno"), to: whatsapp)

            #expect(try await harness.count("contacts") == 2)
            #expect(try await harness.count("messages") >= 2)
            let kinds = try await kinds(store)
            #expect(kinds.first == DeliveryStore.normalizeJobKind)
            #expect(!kinds.contains(InboundIntakeJob.kind))
            // Scored, routed and pooled in the same job (the clinic has no LLM and nobody to assign).
            #expect(kinds == [DeliveryStore.normalizeJobKind])
            #expect(try await harness.count("lead_scores") == 2)
            #expect(try await store.sql().raw("SELECT COUNT(*) AS n FROM leads WHERE scored_at IS NULL").first(decodingColumn: "n", as: Int.self) == 0)
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anEventWhoseIntakeFailsRetriesAloneAndIsReplayedOnceFixed(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0, jitter: 0))
            let whatsapp = try await harness.channel(.meta)
            try await Self.poisonContacts(store, on: true)
            try await harness.deliver(Self.twoPeople(poisoned: "Poison"), to: whatsapp)

            // Ana is in; the poisoned event was recorded with its own intake job, which failed
            // on every attempt and waits in the dead letters. The delivery itself is done.
            #expect(try await harness.count("contacts") == 1)
            let dead = try await harness.components.queue.deadLetters()
            #expect(dead.map(\.kind) == [InboundIntakeJob.kind])
            #expect(try await harness.components.queue.count(status: .queued) == 0)
            let delivery = try #require(try await store.sql().raw("SELECT status FROM deliveries").first(decodingColumn: "status", as: String.self))
            #expect(delivery == "processed")

            try await Self.poisonContacts(store, on: false)
            _ = try await DeadLetterOffice(queue: harness.components.queue, events: harness.components.events).replay(jobID: try #require(dead.first?.id))
            await harness.worker.drain()
            #expect(try await harness.count("contacts") == 2)
            #expect(try await harness.count("leads") == 2)
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }

    /// The assistant on (templates), replies going to a loopback WhatsApp Cloud API.
    func withAssistant(
        _ database: TestDatabase, retryPolicy: RetryPolicy = .default, _ body: (Store, IntakeHarness, ClinicChannel, WhatsAppServer) async throws -> Void
    ) async throws {
        try await withWhatsApp(database, retryPolicy: retryPolicy) { harness, whatsapp, channel in
            _ = try await harness.setUpAssistant()
            try await body(harness.components.store, harness, channel, whatsapp)
        }
    }

    @Test(arguments: TestDatabase.available)
    func withoutAnLLMTheNormalisationJobAlsoScoresAndAnswers(database: TestDatabase) async throws {
        try await withAssistant(database) { store, harness, channel, whatsapp in
            try await harness.deliver(Self.twoPeople(poisoned: "Bruno", timestamp: Int(Date().timeIntervalSince1970)), to: channel)

            // No scoring or reply jobs: only the sends the replies queued.
            #expect(try await kinds(store) == [DeliveryStore.normalizeJobKind, MessageSendJob.kind, MessageSendJob.kind])
            #expect(try await harness.count("lead_scores") == 2)
            #expect(whatsapp.sent.count == 2)
            let ana = try #require(try await store.sql().raw("SELECT id FROM contacts WHERE phone = '+5511911111111'").first(decodingColumn: "id", as: UUID.self))
            let events = try await harness.components.events.events(inStream: Contact.stream(ana))
            let scored = try #require(events.first { $0.type == "lead.scored" })
            // Keyed and caused by the inbound event, as a job's would be by the job.
            let eventKey = "inbound:\(channel.id.uuidString.lowercased()):message:wamid.ana"
            #expect(scored.idempotencyKey == "lead.scored:\(eventKey)")
            #expect(scored.causationID == eventKey)
            #expect(events.contains { $0.type == "assistant.answered" })
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func withAnLLMScoringAndLLMAnswersAreQueuedAsJobs(database: TestDatabase) async throws {
        // A model that is down: the jobs fall back to the rules and templates, at once.
        let llm = try await LoopbackServer.start([(.POST, "v1/chat/completions", { _ in LoopbackServer.json(["error": ["message": "down"]], status: .serviceUnavailable) })])
        do {
            try await withAssistant(database) { store, harness, channel, whatsapp in
                try await harness.components.scoring.save(
                    ClinicSettings(llm: LLMSettings(enabled: true, baseURL: llm.baseURL + "/v1", model: "m", timeoutSeconds: 5)), llmAPIKey: "sk-clinic", clinicID: harness.clinic.id
                )
                let now = Int(Date().timeIntervalSince1970)
                try await harness.deliver(Self.twoPeople(poisoned: "Bruno", timestamp: now), to: channel)
                var kinds = try await kinds(store)
                // Scoring asks the model; the templates still answer at once.
                #expect(kinds.filter { $0 == LeadScoringJob.kind }.count == 2)
                #expect(!kinds.contains(AssistantReplyJob.kind))
                #expect(try await harness.count("lead_scores") == 2)
                #expect(whatsapp.sent.count == 2)

                var settings = try await harness.components.scoring.assistantSettings(clinicID: harness.clinic.id)
                settings.useLLM = true
                try await harness.components.scoring.saveAssistantSettings(settings, clinicID: harness.clinic.id)
                try await harness.say("Quanto custa?", id: "wamid.llm", on: channel)
                kinds = try await self.kinds(store)
                #expect(kinds.filter { $0 == AssistantReplyJob.kind }.count == 1)
                #expect(whatsapp.sent.count == 3)
            }
        } catch {
            await llm.stop()
            throw error
        }
        await llm.stop()
    }

    @Test(arguments: TestDatabase.available)
    func aFailingFollowUpRetriesAsItsOwnJobAndTheRestGoesThrough(database: TestDatabase) async throws {
        let retry = RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0, jitter: 0)
        try await withAssistant(database, retryPolicy: retry) { store, harness, channel, whatsapp in
            try await Self.poison(store, "lead_scores", on: true)
            try await harness.deliver(Self.twoPeople(poisoned: "Bruno", timestamp: Int(Date().timeIntervalSince1970)), to: channel)

            // Both people, leads and replies are in; each scoring waits in the dead letters on its own.
            #expect(try await harness.count("contacts") == 2)
            #expect(try await harness.count("leads") == 2)
            #expect(whatsapp.sent.count == 2)
            let dead = try await harness.components.queue.deadLetters()
            #expect(dead.map(\.kind) == [LeadScoringJob.kind, LeadScoringJob.kind])
            let delivery = try #require(try await store.sql().raw("SELECT status FROM deliveries").first(decodingColumn: "status", as: String.self))
            #expect(delivery == "processed")

            try await Self.poison(store, "lead_scores", on: false)
            for job in dead { _ = try await DeadLetterOffice(queue: harness.components.queue, events: harness.components.events).replay(jobID: job.id) }
            await harness.worker.drain()
            #expect(try await harness.count("lead_scores") == 2)
            #expect(whatsapp.sent.count == 2)
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }

    /// Scoring and answering in the normalisation start from what the intake just wrote instead of
    /// reading it back: for a returning person, the lead as it now is (its first inbound time kept)
    /// and their other leads.
    @Test(arguments: TestDatabase.available)
    func theFollowUpsWorkFromWhatTheIntakeJustWrote(database: TestDatabase) async throws {
        try await withAssistant(database) { store, harness, channel, whatsapp in
            let leads = harness.components.leads
            try await harness.say("Oi, quero um implante", id: "wamid.r1", on: channel)
            let contactID = try #require(try await harness.conversation()?.contactID)
            var first = try #require(try await leads.openLead(contactID: contactID))
            first.status = .won
            first.closedAt = Date()
            try await leads.save(first)
            // Opened by someone at the desk: no first inbound time yet.
            let open = try await leads.create(Lead(clinicID: harness.clinic.id, contactID: contactID, stage: "NEW", source: "manual"))

            let sentAt = Date()
            try await harness.say("Quero voltar para fazer clareamento", id: "wamid.r2", on: channel, at: sentAt)
            let lead = try #require(try await leads.find(id: open.id, clinicID: harness.clinic.id))
            let firstInbound = try #require(lead.firstInboundAt, "scoring saved the lead without the first inbound time the intake had just set")
            #expect(abs(firstInbound.timeIntervalSince(sentAt)) < 1)
            #expect(lead.scoredAt != nil)
            let scored = try await harness.components.events.events(inStream: Contact.stream(contactID)).filter { $0.type == "lead.scored" }
            #expect(scored.count == 2)
            // The won lead counted: it was read, not assumed away.
            #expect(String(decoding: try #require(scored.last).payload, as: UTF8.self).contains("returning patient"))
            #expect(whatsapp.sent.count == 2, "both messages were answered")
            #expect(try await harness.components.queue.count(status: .dead) == 0)
        }
    }
}
