import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

/// `delivery.normalize` takes its events in itself; an event whose intake fails falls back to an
/// `inbound.process` job of its own, so it retries and dead-letters alone. Real databases.
@Suite struct NormalizeIntakeTests {
    static func twoPeople(poisoned: String) -> String {
        #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"5511940028922","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511911111111"},{"profile":{"name":"\#(poisoned)"},"wa_id":"5511922222222"}],"messages":[{"from":"5511911111111","id":"wamid.ana","timestamp":"1749416383","type":"text","text":{"body":"Oi"}},{"from":"5511922222222","id":"wamid.other","timestamp":"1749416384","type":"text","text":{"body":"Olá"}}]}}]}]}"#
    }

    /// A real trigger that makes inserting a contact named "Poison" fail, as a bug or a broken row would.
    static func poisonContacts(_ store: Store, on: Bool) async throws {
        let sql = store.sql()
        switch (store.kind, on) {
        case (.sqlite, true):
            try await sql.raw("CREATE TRIGGER poison BEFORE INSERT ON contacts WHEN NEW.name = 'Poison' BEGIN SELECT RAISE(ABORT, 'poisoned for the test'); END").run()
        case (.sqlite, false):
            try await sql.raw("DROP TRIGGER poison").run()
        case (.postgres, true):
            try await sql.raw("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.name = 'Poison' THEN RAISE EXCEPTION 'poisoned for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql").run()
            try await sql.raw("CREATE TRIGGER poison BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION poison()").run()
        case (.postgres, false):
            try await sql.raw("DROP TRIGGER poison ON contacts").run()
        }
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
            #expect(!kinds.contains("lead.assign"))  // lead.score assigns in its own transaction
            #expect(kinds.filter { $0 == LeadScoringJob.kind }.count == 2)
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
}
