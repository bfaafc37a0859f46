import ClinicFlowDomain
@testable import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// On SQLite, due deliveries are normalised together in one transaction, each in a savepoint: one
/// whose intake fails is rolled back alone and falls back to its own intake job, the others are
/// taken in; if SQLite ends the whole transaction, each delivery runs again alone.
@Suite struct NormalizeBatchTests {
    static func message(_ id: String, from waID: String, name: String) -> String {
        IntakeHarness.metaMessage(id: id, from: waID, name: name, text: "Oi, quero um implante")
    }

    /// Ana, Poison and Bruno write in, each in a delivery of their own, all due at once.
    func deliverThree(_ harness: IntakeHarness, on channel: ClinicChannel) async throws {
        try await harness.store(Self.message("wamid.b1", from: "5511911111111", name: "Ana"), to: channel)
        try await harness.store(Self.message("wamid.b2", from: "5511922222222", name: "Poison"), to: channel)
        try await harness.store(Self.message("wamid.b3", from: "5511933333333", name: "Bruno"), to: channel)
        await harness.worker.drain()
    }

    func expectOnlyPoisonFellBack(_ harness: IntakeHarness, _ store: Store, channel: ClinicChannel) async throws {
        let names = try await store.sql().raw("SELECT name FROM contacts ORDER BY name").all().map { try $0.decode(column: "name", as: String.self) }
        #expect(names == ["Ana", "Bruno"])
        #expect(try await harness.count("lead_scores") == 2)
        let statuses = try await store.sql().raw("SELECT status FROM deliveries").all().map { try $0.decode(column: "status", as: String.self) }
        #expect(statuses == ["processed", "processed", "processed"])
        // Poison's event alone was recorded again with an intake job of its own, which failed on
        // every attempt; Ana's and Bruno's were taken in by the batch.
        let intakeJobs = try await store.sql().raw("SELECT payload, status FROM jobs WHERE kind = \(bind: InboundIntakeJob.kind)").all()
        #expect(intakeJobs.count == 1)
        let payload = try #require(intakeJobs.first).decode(column: "payload", as: String.self)
        #expect(payload.contains("wamid.b2"))
        #expect(try #require(intakeJobs.first).decode(column: "status", as: String.self) == "dead")
        let events = try await harness.components.events.events(inStream: NormalizeDeliveryJob.stream(channelID: channel.id)).filter { $0.type == "inbound.message" }
        #expect(events.count == 3, "each event recorded once")
        #expect(try await harness.components.queue.count(status: .done) >= 3)
    }

    @Test func deliveriesDueTogetherAreNormalisedInOneBatchAndAFailingOneFallsBackAlone() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let harness = try await IntakeHarness(store: store, retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0, maxDelay: 0, jitter: 0))
            #expect(harness.worker.registry.batchHandler(for: DeliveryStore.normalizeJobKind)?.limit == NormalizeDeliveryJob.batchLimit)
            let whatsapp = try await harness.channel(.meta)
            try await NormalizeIntakeTests.poisonContacts(store, on: true)
            try await deliverThree(harness, on: whatsapp)
            try await expectOnlyPoisonFellBack(harness, store, channel: whatsapp)
        }
    }

    @Test func whenSQLiteEndsTheBatchsTransactionEachDeliveryRunsAlone() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let harness = try await IntakeHarness(store: store, retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0, maxDelay: 0, jitter: 0))
            let whatsapp = try await harness.channel(.meta)
            // RAISE(ROLLBACK) ends the whole transaction, savepoints and all (as a full disk would).
            try await store.sql().raw("""
                CREATE TRIGGER poison_contacts BEFORE INSERT ON contacts WHEN NEW.name = 'Poison' BEGIN SELECT RAISE(ROLLBACK, 'poisoned for the test'); END
                """).run()
            try await deliverThree(harness, on: whatsapp)
            try await expectOnlyPoisonFellBack(harness, store, channel: whatsapp)
        }
    }

    /// The bodies are parsed off SQLite's loop; one the normaliser cannot read (here `contacts`,
    /// which the gateway's look at the ids does not read) is marked failed with the reason, its job
    /// is dead, and the others of the batch are taken in.
    @Test func aBodyTheNormaliserCannotReadFailsAloneWithItsReason() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            let unreadable = #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"contacts":"broken","messages":[{"from":"5511922222222","id":"wamid.c2","type":"text","text":{"body":"Oi"}}]}}]}]}"#
            let start = Date().addingTimeInterval(-3)
            try await harness.store(Self.message("wamid.c1", from: "5511911111111", name: "Ana"), to: whatsapp, at: start)
            try await harness.store(unreadable, to: whatsapp, at: start.addingTimeInterval(1))
            try await harness.store(Self.message("wamid.c3", from: "5511933333333", name: "Bruno"), to: whatsapp, at: start.addingTimeInterval(2))
            await harness.worker.drain()

            let names = try await store.sql().raw("SELECT name FROM contacts ORDER BY name").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names == ["Ana", "Bruno"])
            let deliveries = try await store.sql().raw("SELECT status, error FROM deliveries ORDER BY received_at").all()
            #expect(try deliveries.map { try $0.decode(column: "status", as: String.self) } == ["processed", "failed", "processed"])
            #expect(try deliveries[1].decode(column: "error", as: String?.self)?.isEmpty == false, "the reason is kept")
            let normalizeJobs = try await store.sql().raw("SELECT status FROM jobs WHERE kind = \(bind: DeliveryStore.normalizeJobKind)").all()
                .map { try $0.decode(column: "status", as: String.self) }
            #expect(normalizeJobs.sorted() == ["dead", "done", "done"])
        }
    }

    /// Leads taken in by a batch are scored as scoring their texts gives (score, temperature,
    /// language, urgency): new people's, and a returning person's from both her messages.
    @Test func leadsTakenInByABatchAreScoredAsTheirTextsAre() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let whatsapp = try await harness.channel(.meta)
            let texts = [
                ("5511911111111", "Ana", "Olá, quanto custa um implante dentário? Quero fazer ainda este mês"),
                ("5511922222222", "Bia", "estou com muita dor e sangramento na gengiva, urgente"),
                ("5511933333333", "Caio", "Hi, do you do whitening? what's the price"),
                ("5511911111111", "Ana", "Posso pagar em 10x no cartão?"),
            ]
            let start = Date().addingTimeInterval(-10)
            for (index, (waID, name, text)) in texts.enumerated() {
                let body = IntakeHarness.metaMessage(id: "wamid.s\(index)", from: waID, name: name, text: text)
                try await harness.store(body, to: whatsapp, at: start.addingTimeInterval(Double(index)))
            }
            await harness.worker.drain()

            let settings = try await harness.components.scoring.settings(clinicID: harness.clinic.id).0
            let scoring = LeadScoring(components: harness.components)
            let leads = try await store.sql().raw("SELECT id FROM leads ORDER BY created_at").all().map { try $0.decode(column: "id", as: UUID.self) }
            #expect(leads.count == 3)
            for leadID in leads {
                let reading = try #require(try await scoring.read(leadID: leadID, clinicID: harness.clinic.id, on: store.db))
                let lead = try #require(try await harness.components.leads.find(id: leadID, clinicID: harness.clinic.id))
                let triage = Triage().assess(reading.texts.prefix(3).joined(separator: "\n"))
                let score = LeadAssessment(score: LeadScoring.rules(settings).score(reading.input), triage: triage).score
                #expect(lead.score == score.score && lead.temperature == score.temperature, "\(reading.input.text)")
                #expect(lead.language == LanguageGuess.guess(reading.input.text))
                #expect(lead.urgent == triage.isUrgent)
                #expect(reading.texts.count == (reading.contact.name == "Ana" ? 2 : 1))
            }
            #expect(try await store.sql().raw("SELECT urgent FROM leads WHERE urgent = 1").all().count == 1, "Bia's red flag")
        }
    }

    @Test func onPostgreSQLDeliveriesAreNotBatched() async throws {
        guard TestDatabase.available.contains(.postgres) else { return }
        try await withTestStore(.postgres) { store, _ in
            let harness = try await IntakeHarness(store: store)
            // Jobs there run side by side on several connections; a batch would serialise them.
            #expect(harness.worker.registry.batchHandler(for: DeliveryStore.normalizeJobKind) == nil)
        }
    }
}
