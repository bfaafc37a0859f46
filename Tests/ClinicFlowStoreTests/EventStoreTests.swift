import ClinicFlowDomain
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

@Suite struct EventStoreTests {
    @Test(arguments: TestDatabase.available)
    func appendingTheSameIdempotencyKeyTwiceIsANoOp(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            let clinic = UUID()
            let draft = EventDraft(
                clinicID: clinic, stream: "lead-1", type: "lead.created", payload: Data(#"{"source":"whatsapp"}"#.utf8),
                correlationID: "corr-1", idempotencyKey: "delivery-42:lead.created"
            )

            let first = try await events.append(draft)
            var changed = draft
            changed.payload = Data(#"{"source":"web"}"#.utf8)
            let second = try await events.append(changed)

            guard case .appended(let position) = first else { Issue.record("first append was \(first)"); return }
            #expect(second == .duplicate(existingPosition: position))
            let stored = try await events.events(inStream: "lead-1")
            #expect(stored.count == 1)
            // The first write wins; the repeat did not overwrite it.
            #expect(String(decoding: stored[0].payload, as: UTF8.self) == #"{"source":"whatsapp"}"#)
            #expect(stored[0].clinicID == clinic)
            #expect(stored[0].correlationID == "corr-1")
            #expect(stored[0].causationID == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func positionsGrowAndFeedsResumeAfterAPosition(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            let clinicA = UUID()
            let clinicB = UUID()
            var positions: [Int64] = []
            for index in 0..<6 {
                let outcome = try await events.append(EventDraft(
                    clinicID: index.isMultiple(of: 2) ? clinicA : clinicB,
                    stream: "lead-\(index % 3)", type: "test.happened", idempotencyKey: "k\(index)"
                ))
                positions.append(outcome.position)
            }
            #expect(positions == positions.sorted())
            #expect(Set(positions).count == 6)

            let afterSecond = try await events.events(after: positions[1])
            #expect(afterSecond.map(\.position) == Array(positions[2...]))
            let clinicAOnly = try await events.events(after: 0, clinicID: clinicA)
            #expect(clinicAOnly.map(\.idempotencyKey) == ["k0", "k2", "k4"])
            let stream = try await events.events(inStream: "lead-1")
            #expect(stream.map(\.idempotencyKey) == ["k1", "k4"])
            #expect(try await events.event(idempotencyKey: "k3")?.stream == "lead-0")
        }
    }

    @Test(arguments: TestDatabase.available)
    func datesAndPayloadsRoundTrip(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let recordedAt = Date(timeIntervalSince1970: 1_800_000_000.25)
            let events = EventStore(store: store, clock: { recordedAt })
            let occurred = Date(timeIntervalSince1970: 1_700_000_000.5)
            let payload = Data(#"{"name":"José Ávila","text":"Olá, dor de dente? 😬"}"#.utf8)
            try await events.append(EventDraft(stream: "s", type: "t", payload: payload, occurredAt: occurred, causationID: "c"))
            let stored = try #require(try await events.events(inStream: "s").first)
            #expect(stored.payload == payload)
            #expect(abs(stored.occurredAt.timeIntervalSince(occurred)) < 0.001)
            #expect(abs(stored.recordedAt.timeIntervalSince(recordedAt)) < 0.001)
            #expect(stored.causationID == "c")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aBatchSkipsDuplicatesAndKeepsTheRest(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            try await events.append(EventDraft(stream: "s", type: "t", idempotencyKey: "existing"))
            let outcomes = try await events.append(contentsOf: [
                EventDraft(stream: "s", type: "t", idempotencyKey: "new-1"),
                EventDraft(stream: "s", type: "t", idempotencyKey: "existing"),
                EventDraft(stream: "s", type: "t", idempotencyKey: "new-2"),
            ])
            #expect(outcomes.map { if case .appended = $0 { true } else { false } } == [true, false, true])
            #expect(try await events.events(inStream: "s").count == 3)
        }
    }

    struct Rollback: Error {}

    @Test(arguments: TestDatabase.available)
    func anAppendInsideAFailedTransactionLeavesNothing(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let events = EventStore(store: store)
            await #expect(throws: Rollback.self) {
                try await store.db.withTransaction { transaction in
                    try await events.append(EventDraft(stream: "s", type: "t", idempotencyKey: "a"), on: transaction)
                    try await events.append(EventDraft(stream: "s", type: "t", idempotencyKey: "b"), on: transaction)
                    throw Rollback()
                }
            }
            #expect(try await events.events(inStream: "s").isEmpty)
            // The rolled-back key is free again.
            let again = try await events.append(EventDraft(stream: "s", type: "t", idempotencyKey: "a"))
            guard case .appended = again else { Issue.record("expected a fresh append, got \(again)"); return }
            #expect(try await events.events(inStream: "s").map(\.idempotencyKey) == ["a"])
        }
    }
}
