import ClinicFlowDomain
@testable import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// On SQLite, sends due together are claimed in one transaction, sent side by side and recorded in
/// another, each in a savepoint: every message still goes out at most once and is never lost, and
/// one that cannot be claimed or recorded takes the single run's way. Against a loopback Cloud API.
@Suite struct MessageSendBatchTests {
    /// Maria, Bruno and Carla have written in; Maria gets two messages, the others one each, all
    /// queued and due at once. Returns the messages by text.
    func queueFour(_ harness: IntakeHarness, on channel: ClinicChannel) async throws -> [String: Message] {
        try await harness.say("Oi", id: "wamid.sb1", on: channel)
        let now = Int(Date().timeIntervalSince1970)
        try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.sb2", from: "5511922222222", name: "Bruno", text: "Oi", timestamp: now), to: channel)
        try await harness.deliver(IntakeHarness.metaMessage(id: "wamid.sb3", from: "5511933333333", name: "Carla", text: "Oi", timestamp: now), to: channel)
        func conversation(of name: String) async throws -> Conversation {
            let id = try await harness.components.store.sql().raw("""
                SELECT conversations.id AS id FROM conversations JOIN contacts ON contacts.id = conversations.contact_id WHERE contacts.name = \(bind: name)
                """).first(decodingColumn: "id", as: UUID.self)
            let conversationID = try #require(id)
            return try #require(try await harness.components.conversations.find(id: conversationID, clinicID: harness.clinic.id))
        }
        let plan = [("Maria", "Maria, primeira"), ("Bruno", "Bruno, única"), ("Maria", "Maria, segunda"), ("Carla", "Carla, única")]
        var queued: [String: Message] = [:]
        for (name, text) in plan {
            let draft = Outbox.Draft(conversation: try await conversation(of: name), text: text, purpose: .reply, author: "user:test", key: text)
            let components = harness.components
            let message: Message? = try await components.store.db.withTransaction { database in
                try await Outbox(components: components).enqueue(draft, on: database)
            }
            queued[text] = try #require(message)
        }
        return queued
    }

    /// Leases the four sends and runs them as the worker groups them; they must form one batch.
    func runAsOneBatch(_ harness: IntakeHarness) async throws {
        let leased = try await harness.components.queue.lease(limit: 10, for: 30, workerID: harness.worker.configuration.workerID, queues: nil)
        #expect(leased.count == 4 && leased.allSatisfy { $0.kind == MessageSendJob.kind })
        let units = await harness.worker.batched(leased, backlog: false)
        guard units.count == 1, case .batch(let jobs, _) = units[0] else {
            Issue.record("the four sends were not grouped into one batch: \(units.count) units")
            return
        }
        #expect(jobs.count == 4)
        await harness.worker.execute(units[0])
    }

    func status(_ harness: IntakeHarness, _ message: Message?) async throws -> String? {
        try await harness.components.conversations.message(id: try #require(message).id)?.status
    }

    func sentEvents(_ harness: IntakeHarness) async throws -> Int {
        try await harness.components.store.sql().raw("SELECT COUNT(*) AS n FROM events WHERE type = 'message.sent' AND clinic_id = \(bind: harness.clinic.id)")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    @Test func sendsDueTogetherGoOutOnceInOneBatchAndInOrderWithinAConversation() async throws {
        try await withWhatsApp(.sqlite) { harness, whatsapp, channel in
            #expect(harness.worker.registry.batchHandler(for: MessageSendJob.kind)?.limit == MessageSendJob.batchLimit)
            let queued = try await queueFour(harness, on: channel)
            try await runAsOneBatch(harness)

            let sent = whatsapp.sent
            #expect(sent.sorted() == queued.keys.sorted(), "each message reached WhatsApp once")
            let first = try #require(sent.firstIndex(of: "Maria, primeira"))
            let second = try #require(sent.firstIndex(of: "Maria, segunda"))
            #expect(first < second, "Maria reads her messages in the order they were written")
            for message in queued.values {
                let stored = try #require(try await harness.components.conversations.message(id: message.id))
                #expect(stored.status == "sent")
                #expect(stored.providerMessageID?.hasPrefix("wamid.out.") == true)
            }
            #expect(try await sentEvents(harness) == 4)
            #expect(try await harness.components.queue.count(status: .queued) == 0)
            #expect(try await harness.components.store.sql().raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = \(bind: MessageSendJob.kind) AND status = 'done'")
                .first(decodingColumn: "n", as: Int.self) == 4)
        }
    }

    @Test func aMessageInterruptedEarlierIsMarkedUnconfirmedAndTheOthersGoOut() async throws {
        try await withWhatsApp(.sqlite) { harness, whatsapp, channel in
            let queued = try await queueFour(harness, on: channel)
            // An earlier worker claimed Bruno's message and died during the provider call.
            let bruno = try #require(queued["Bruno, única"])
            #expect(try await harness.components.conversations.claimForSending(bruno.id))
            try await runAsOneBatch(harness)

            #expect(whatsapp.sent.sorted() == ["Carla, única", "Maria, primeira", "Maria, segunda"])
            #expect(try await status(harness, bruno) == "unconfirmed")
            #expect(try await harness.components.scoring.tasks(clinicID: harness.clinic.id).contains { $0.kind == "check_message" })
            #expect(try await sentEvents(harness) == 3)
        }
    }

    /// Bruno's message reaches WhatsApp but its record cannot be written: it is never sent again,
    /// and the next run marks it for a person to check. The others are recorded as sent.
    func expectOnlyBrunoUnrecorded(_ harness: IntakeHarness, _ whatsapp: WhatsAppServer, _ queued: [String: Message]) async throws {
        #expect(whatsapp.sent.sorted() == queued.keys.sorted())
        for text in ["Maria, primeira", "Maria, segunda", "Carla, única"] { #expect(try await status(harness, queued[text]) == "sent") }
        #expect(try await status(harness, queued["Bruno, única"]) == "sending")
        #expect(try await sentEvents(harness) == 3)

        try await harness.components.store.sql().raw("DROP TRIGGER poison_sent").run()
        await harness.worker.drain()
        #expect(try await status(harness, queued["Bruno, única"]) == "unconfirmed")
        #expect(whatsapp.sent.filter { $0 == "Bruno, única" }.count == 1, "never sent twice")
    }

    /// ABORT fails the statement, so the savepoint rolls back alone and the record is tried again
    /// alone; ROLLBACK ends the whole transaction, savepoints and all (as a full disk would), so
    /// every message is recorded alone.
    @Test(arguments: ["ABORT", "ROLLBACK"])
    func aRecordThatFailsLeavesThatMessageUnrecordedAndNeverSentTwice(raise: String) async throws {
        try await withWhatsApp(.sqlite, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0, jitter: 0)) { harness, whatsapp, channel in
            let queued = try await queueFour(harness, on: channel)
            try await harness.components.store.sql().raw("""
                CREATE TRIGGER poison_sent BEFORE UPDATE OF status ON messages WHEN NEW.status = 'sent' AND NEW.body = 'Bruno, única'
                BEGIN SELECT RAISE(\(unsafeRaw: raise), 'poisoned for the test'); END
                """).run()
            try await runAsOneBatch(harness)
            try await expectOnlyBrunoUnrecorded(harness, whatsapp, queued)
        }
    }

    @Test func whenTheClaimsTransactionFailsEachMessageRunsAlone() async throws {
        try await withWhatsApp(.sqlite, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0, jitter: 0)) { harness, whatsapp, channel in
            let queued = try await queueFour(harness, on: channel)
            try await harness.components.store.sql().raw("""
                CREATE TRIGGER poison_claim BEFORE UPDATE OF status ON messages WHEN NEW.status = 'sending' AND NEW.body = 'Bruno, única'
                BEGIN SELECT RAISE(ROLLBACK, 'poisoned for the test'); END
                """).run()
            try await runAsOneBatch(harness)
            #expect(whatsapp.sent.sorted() == ["Carla, única", "Maria, primeira", "Maria, segunda"])
            #expect(try await status(harness, queued["Bruno, única"]) == "queued", "not claimed, so nothing was sent")

            try await harness.components.store.sql().raw("DROP TRIGGER poison_claim").run()
            await harness.worker.drain()
            #expect(whatsapp.sent.sorted() == queued.keys.sorted())
            #expect(try await status(harness, queued["Bruno, única"]) == "sent")
        }
    }

    @Test func onPostgreSQLSendsAreNotBatched() async throws {
        guard TestDatabase.available.contains(.postgres) else { return }
        try await withTestStore(.postgres) { store, _ in
            let harness = try await IntakeHarness(store: store)
            #expect(harness.worker.registry.batchHandler(for: MessageSendJob.kind) == nil)
        }
    }
}
