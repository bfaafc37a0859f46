import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// The outbox: at most once to the provider, never lost, retried when the provider says so, and
/// WhatsApp's window, templates and consent applied at send time.
@Suite struct OutboxTests {
    func withOutbox(
        _ database: TestDatabase, sendTimeout: TimeInterval = 15, templates: Bool = true,
        _ body: (IntakeHarness, WhatsAppServer, ClinicChannel) async throws -> Void
    ) async throws {
        let whatsapp = try await WhatsAppServer.start()
        do {
            try await withTestStore(database) { store, _ in
                let harness = try await IntakeHarness(store: store, sendTimeout: sendTimeout, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0, jitter: 0))
                let channel = try await harness.sendingChannel(whatsapp)
                var settings = AssistantSettings(quietHours: nil)
                if templates { settings.templates = ["pt": WhatsAppTemplate(name: "retomar_conversa", languageCode: "pt_BR", parameters: ["{name}"])] }
                try await harness.components.scoring.saveAssistantSettings(settings, clinicID: harness.clinic.id)
                try await body(harness, whatsapp, channel)
            }
        } catch {
            await whatsapp.stop()
            throw error
        }
        await whatsapp.stop()
    }

    /// Queues a consultant's message in its own transaction, as the API does.
    @discardableResult
    func queue(_ harness: IntakeHarness, _ text: String, purpose: MessagePurpose = .reply, key: String = UUID().uuidString, runAt: Date? = nil) async throws -> Message? {
        let conversation = try #require(try await harness.conversation())
        let components = harness.components
        return try await components.store.db.withTransaction { database in
            try await Outbox(components: components).enqueue(
                .init(conversation: conversation, text: text, purpose: purpose, author: "user:test", key: key, runAt: runAt), on: database
            )
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCrashBetweenEnqueueAndSendSendsOnceLater(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.c1", on: channel)
            let message = try #require(try await queue(harness, "Olá Maria, aqui é a Júlia da clínica.", key: "k1"))
            #expect(try await queue(harness, "Olá Maria, aqui é a Júlia da clínica.", key: "k1") == nil, "the same key queues once")
            #expect(whatsapp.sent.isEmpty)
            // The process dies here; a new worker over the same database picks the job up.
            let restarted = JobWorker(
                queue: harness.components.queue, events: harness.components.events, registry: ClinicFlowJobs.registry(harness.components),
                configuration: WorkerConfiguration(concurrency: 2), logger: .quiet
            )
            await restarted.drain()
            await restarted.drain()
            #expect(whatsapp.sent == ["Olá Maria, aqui é a Júlia da clínica."])
            #expect(try await harness.components.conversations.message(id: message.id)?.status == "sent")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCrashDuringTheProviderCallIsNeverResent(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.c2", on: channel)
            let message = try #require(try await queue(harness, "Confirmado para amanhã às 10h."))
            // A worker leases the job, marks the message `sending`, and dies before it hears back.
            let leased = try await harness.components.queue.lease(limit: 10, for: 0.2, workerID: "doomed", queues: nil)
            #expect(leased.contains { $0.kind == MessageSendJob.kind })
            #expect(try await harness.components.conversations.claimForSending(message.id))
            try await Task.sleep(for: .milliseconds(400))
            await harness.worker.drain()
            let after = try #require(try await harness.components.conversations.message(id: message.id))
            #expect(after.status == "unconfirmed")
            #expect(after.error?.contains("interrupted") == true)
            #expect(whatsapp.sent.isEmpty, "maybe-sent messages are not sent again")
            let tasks = try await harness.components.scoring.tasks(clinicID: harness.clinic.id)
            #expect(tasks.contains { $0.kind == "check_message" })
        }
    }

    @Test(arguments: TestDatabase.available)
    func aProviderOutageIsRetriedThenSent(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.c3", on: channel)
            whatsapp.failNext(2)
            let message = try #require(try await queue(harness, "Temos horário amanhã."))
            await harness.worker.drain()
            #expect(whatsapp.server.requests.count == 3)
            #expect(whatsapp.sent == ["Temos horário amanhã."])
            #expect(try await harness.components.conversations.message(id: message.id)?.status == "sent")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLongOutageEndsInDeadLettersWithTheMessageFailed(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.c4", on: channel)
            whatsapp.failNext(100)
            let message = try #require(try await queue(harness, "Temos horário amanhã."))
            await harness.worker.drain()
            let failed = try #require(try await harness.components.conversations.message(id: message.id))
            #expect(failed.status == "failed")
            #expect(failed.error?.contains("HTTP 503") == true)
            #expect(try await harness.components.queue.count(status: .dead) == 1)

            // WhatsApp is back: replaying the dead letter sends the message, once.
            whatsapp.failNext(0)
            let office = DeadLetterOffice(queue: harness.components.queue, events: harness.components.events)
            let dead = try #require(try await office.list().first)
            _ = try await office.replay(jobID: dead.id, by: "test")
            await harness.worker.drain()
            #expect(whatsapp.sent == ["Temos horário amanhã."])
            #expect(try await harness.components.conversations.message(id: message.id)?.status == "sent")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aProviderThatDoesNotAnswerLeavesTheMessageUnconfirmed(database: TestDatabase) async throws {
        try await withOutbox(database, sendTimeout: 1) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.c5", on: channel)
            whatsapp.mode = .hang
            let message = try #require(try await queue(harness, "Olá!"))
            await harness.worker.drain()
            #expect(whatsapp.server.requests.count == 1)
            #expect(try await harness.components.conversations.message(id: message.id)?.status == "unconfirmed")
            try await Task.sleep(for: .seconds(2.5))  // let the slow answer arrive, then make sure nothing resends
            await harness.worker.drain()
            #expect(whatsapp.server.requests.count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func outsideTheWindowOnlyATemplateGoesOut(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.w1", on: channel, at: Date().addingTimeInterval(-25 * 3600))
            let message = try #require(try await queue(harness, "Olá Maria, ainda tem interesse no implante?", purpose: .proactive))
            await harness.worker.drain()
            #expect(whatsapp.sent == ["template:retomar_conversa"])
            let request = try #require(whatsapp.server.requests.last?.json)
            let template = try #require(request["template"] as? [String: Any])
            #expect((template["language"] as? [String: Any])?["code"] as? String == "pt_BR")
            let parameters = ((template["components"] as? [[String: Any]])?.first?["parameters"] as? [[String: Any]])?.compactMap { $0["text"] as? String }
            #expect(parameters == ["Maria"])
            let sent = try #require(try await harness.components.conversations.message(id: message.id))
            #expect(sent.status == "sent" && sent.templateName == "retomar_conversa")
        }
    }

    @Test(arguments: TestDatabase.available)
    func outsideTheWindowWithoutATemplateNothingIsSent(database: TestDatabase) async throws {
        try await withOutbox(database, templates: false) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.w2", on: channel, at: Date().addingTimeInterval(-25 * 3600))
            let message = try #require(try await queue(harness, "Olá Maria!", purpose: .proactive))
            await harness.worker.drain()
            #expect(whatsapp.server.requests.isEmpty)
            let failed = try #require(try await harness.components.conversations.message(id: message.id))
            #expect(failed.status == "failed")
            #expect(failed.error?.contains("24-hour window") == true)
        }
    }

    @Test(arguments: TestDatabase.available)
    func error131047FallsBackToTheTemplate(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            try await harness.say("Oi", id: "wamid.w3", on: channel)
            whatsapp.mode = .reEngagement
            let message = try #require(try await queue(harness, "Olá Maria!"))
            await harness.worker.drain()
            #expect(whatsapp.server.requests.count == 2)
            #expect(whatsapp.sent.last == "template:retomar_conversa")
            #expect(try await harness.components.conversations.message(id: message.id)?.templateName == "retomar_conversa")
        }
    }

    @Test(arguments: TestDatabase.available)
    func anOptOutStopsEverythingButItsConfirmation(database: TestDatabase) async throws {
        try await withOutbox(database) { harness, whatsapp, channel in
            var settings = try await harness.components.scoring.assistantSettings(clinicID: harness.clinic.id)
            settings.enabled = true
            try await harness.components.scoring.saveAssistantSettings(settings, clinicID: harness.clinic.id)
            try await harness.say("Oi, quero saber do implante", id: "wamid.o1", on: channel)
            #expect(whatsapp.sent.count == 1)  // the assistant's greeting
            let followUp = try #require(try await queue(harness, "Ainda tem interesse?", purpose: .proactive, runAt: Date().addingTimeInterval(3600)))

            try await harness.say("PARAR", id: "wamid.o2", on: channel)
            #expect(whatsapp.sent.count == 2)
            #expect(whatsapp.sent.last?.hasPrefix("Pronto, você não receberá mais mensagens") == true)
            #expect(try await harness.components.conversations.message(id: followUp.id)?.status == "cancelled")
            let contactID = try #require(try await harness.conversation()?.contactID)
            #expect(try await harness.components.consent.isOptedOut(contactID: contactID))
            let ledger = try await harness.components.consent.ledger(contactID: contactID, clinicID: harness.clinic.id)
            #expect(ledger.map(\.kind) == [.optOut])
            #expect(ledger.first?.evidence.contains("PARAR") == true)

            // Neither the assistant nor a reply goes out now; a transactional message still does.
            try await harness.say("Quanto custa?", id: "wamid.o3", on: channel)
            let reply = try #require(try await queue(harness, "Custa R$ 3.500"))
            try await queue(harness, "Sua consulta é amanhã às 10h.", purpose: .transactional)
            await harness.worker.drain()
            #expect(whatsapp.sent.count == 3)
            #expect(whatsapp.sent.last == "Sua consulta é amanhã às 10h.")
            #expect(try await harness.components.conversations.message(id: reply.id)?.status == "cancelled")

            try await harness.say("Voltar", id: "wamid.o4", on: channel)
            #expect(!(try await harness.components.consent.isOptedOut(contactID: contactID)))
            #expect(whatsapp.sent.last?.hasPrefix("Obrigado! Você voltará") == true)
        }
    }
}
