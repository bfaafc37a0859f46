import ClinicFlowDomain
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct DeliveryJobTests {
    /// Every new delivery gets exactly the job `DeliveryStore.normalizeJob(for:)` describes (on SQLite
    /// the M013 trigger writes it inside the insert; on PostgreSQL the batch's transaction does), and a
    /// retry of a stored delivery gets none.
    @Test(arguments: TestDatabase.available)
    func eachNewDeliveryGetsItsNormalisationJobOnce(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let harness = try await IntakeHarness(store: store)
            let channel = try await harness.channel(.meta)
            func delivery(_ key: String, correlation: String?, at seconds: Double) -> NewDelivery {
                NewDelivery(
                    clinicID: harness.clinic.id, channelID: channel.id, provider: .meta, dedupeKey: key, eventType: "whatsapp_business_account",
                    mediaType: "application/json", body: Array(#"{"k":"\#(key)"}"#.utf8), correlationID: correlation,
                    receivedAt: Date(timeIntervalSince1970: seconds)
                )
            }
            let first = delivery("wamid.1", correlation: "corr-1", at: 1_800_000_000.25)
            let second = delivery("wamid.2", correlation: nil, at: 1_800_000_001.5)
            let retry = delivery("wamid.1", correlation: "corr-retry", at: 1_800_000_009)

            let stored = try await harness.components.deliveries.record([first, second])
            #expect(stored == [.stored(id: first.id), .stored(id: second.id)])
            #expect(try await harness.components.deliveries.record([retry]) == [.duplicate(existingID: first.id)])

            let rows = try await store.sql().raw("""
                SELECT kind, queue, payload, status, attempts, max_attempts, run_at, idempotency_key, clinic_id, correlation_id
                FROM jobs ORDER BY run_at
                """).all()
            #expect(rows.count == 2, "one job per stored delivery, none for the retry")
            for (row, delivery) in zip(rows, [first, second]) {
                let expected = try DeliveryStore.normalizeJob(for: delivery)
                #expect(try row.decode(column: "kind", as: String.self) == expected.kind)
                #expect(try row.decode(column: "queue", as: String.self) == expected.queue)
                let payload = try row.decode(column: "payload", as: String.self)
                #expect(try JSONCoding.decoder.decode(DeliveryStore.NormalizePayload.self, from: Data(payload.utf8)) == .init(deliveryID: delivery.id))
                #expect(try row.decode(column: "status", as: String.self) == "queued")
                #expect(try row.decode(column: "attempts", as: Int.self) == 0)
                #expect(try row.decode(column: "max_attempts", as: Int.self) == expected.maxAttempts)
                #expect(try row.decode(column: "run_at", as: Date.self) == expected.runAt)
                #expect(try row.decode(column: "idempotency_key", as: String.self) == expected.idempotencyKey)
                #expect(try row.decode(column: "clinic_id", as: UUID.self) == expected.clinicID)
                #expect(try row.decode(column: "correlation_id", as: String?.self) == expected.correlationID)
            }
        }
    }
}
