import ClinicFlowDomain
import Foundation
import Testing

@Suite struct EventDraftTests {
    struct Payload: Codable, Equatable {
        var zeta: Int
        var alpha: String
        var at: Date
    }

    @Test func encodedPayloadsHaveStableSortedKeys() throws {
        let value = Payload(zeta: 1, alpha: "a/b", at: Date(timeIntervalSince1970: 0))
        let draft = try EventDraft(stream: "lead-1", type: "lead.created", encoding: value, idempotencyKey: "k")
        #expect(String(decoding: draft.payload, as: UTF8.self) == #"{"alpha":"a/b","at":"1970-01-01T00:00:00Z","zeta":1}"#)
        let again = try EventDraft(stream: "lead-1", type: "lead.created", encoding: value, idempotencyKey: "k")
        #expect(draft.payload == again.payload)
    }

    @Test func draftsWithoutAKeyGetDistinctOnes() {
        let first = EventDraft(stream: "s", type: "t")
        let second = EventDraft(stream: "s", type: "t")
        #expect(first.idempotencyKey != second.idempotencyKey)
    }

    @Test func recordedPayloadsDecodeBack() throws {
        let value = Payload(zeta: 9, alpha: "x", at: Date(timeIntervalSince1970: 1_700_000_000))
        let draft = try EventDraft(stream: "s", type: "t", encoding: value)
        let recorded = RecordedEvent(
            position: 1, clinicID: nil, stream: draft.stream, type: draft.type, payload: draft.payload,
            occurredAt: draft.occurredAt, recordedAt: draft.occurredAt, correlationID: nil, causationID: nil,
            idempotencyKey: draft.idempotencyKey
        )
        #expect(try recorded.decodePayload(as: Payload.self) == value)
    }
}
