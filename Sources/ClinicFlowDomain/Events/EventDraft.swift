import Foundation

/// An event about to be appended to the event store: the audit trail of every state change.
///
/// `idempotencyKey` makes appends safe to repeat: a retried job that appends the same
/// key again leaves the store unchanged. Derive it from what caused the event
/// (a delivery id, a job id plus a step) rather than from a fresh UUID whenever a retry is possible.
public struct EventDraft: Sendable, Equatable {
    public var clinicID: UUID?
    /// The aggregate the event belongs to, e.g. `lead-<uuid>` or `job-<uuid>`.
    public var stream: String
    /// Dotted, past tense: `lead.stage_changed`, `job.dead_lettered`.
    public var type: String
    /// JSON object bytes.
    public var payload: Data
    public var occurredAt: Date
    public var correlationID: String?
    public var causationID: String?
    public var idempotencyKey: String

    public init(
        clinicID: UUID? = nil,
        stream: String,
        type: String,
        payload: Data = Data("{}".utf8),
        occurredAt: Date = Date(),
        correlationID: String? = nil,
        causationID: String? = nil,
        idempotencyKey: String? = nil
    ) {
        self.clinicID = clinicID
        self.stream = stream
        self.type = type
        self.payload = payload
        self.occurredAt = occurredAt
        self.correlationID = correlationID
        self.causationID = causationID
        self.idempotencyKey = idempotencyKey ?? UUID().uuidString
    }

    /// Builds a draft whose payload is `value` encoded as JSON with sorted keys, so equal
    /// values always produce equal bytes.
    public init<Payload: Encodable>(
        clinicID: UUID? = nil,
        stream: String,
        type: String,
        encoding value: Payload,
        occurredAt: Date = Date(),
        correlationID: String? = nil,
        causationID: String? = nil,
        idempotencyKey: String? = nil
    ) throws {
        self.init(
            clinicID: clinicID, stream: stream, type: type, payload: try JSONCoding.encode(value),
            occurredAt: occurredAt, correlationID: correlationID, causationID: causationID,
            idempotencyKey: idempotencyKey
        )
    }
}

/// An event as stored: its draft plus the position the store gave it.
public struct RecordedEvent: Sendable, Equatable {
    /// Monotonic per database; a consumer resumes a feed from the last position it saw.
    public var position: Int64
    public var clinicID: UUID?
    public var stream: String
    public var type: String
    public var payload: Data
    public var occurredAt: Date
    public var recordedAt: Date
    public var correlationID: String?
    public var causationID: String?
    public var idempotencyKey: String

    public init(
        position: Int64, clinicID: UUID?, stream: String, type: String, payload: Data, occurredAt: Date,
        recordedAt: Date, correlationID: String?, causationID: String?, idempotencyKey: String
    ) {
        self.position = position
        self.clinicID = clinicID
        self.stream = stream
        self.type = type
        self.payload = payload
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.correlationID = correlationID
        self.causationID = causationID
        self.idempotencyKey = idempotencyKey
    }

    public func decodePayload<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONCoding.decoder.decode(T.self, from: payload)
    }
}
