import ClinicFlowDomain
import Foundation

/// A unit of work to run later, at least once, by some worker.
public struct JobRequest: Sendable, Equatable {
    public var kind: String
    /// JSON bytes handed to the handler for `kind`.
    public var payload: Data
    public var queue: String
    /// Earliest time to run; now when nil.
    public var runAt: Date?
    /// Enqueuing the same key twice keeps the first job: a retried webhook enqueues once.
    public var idempotencyKey: String?
    /// Overrides the queue's default attempt limit.
    public var maxAttempts: Int?
    public var clinicID: UUID?
    public var correlationID: String?

    public init(
        kind: String,
        payload: Data = Data("{}".utf8),
        queue: String = JobRequest.defaultQueue,
        runAt: Date? = nil,
        idempotencyKey: String? = nil,
        maxAttempts: Int? = nil,
        clinicID: UUID? = nil,
        correlationID: String? = nil
    ) {
        self.kind = kind
        self.payload = payload
        self.queue = queue
        self.runAt = runAt
        self.idempotencyKey = idempotencyKey
        self.maxAttempts = maxAttempts
        self.clinicID = clinicID
        self.correlationID = correlationID
    }

    public init<Payload: Encodable>(
        kind: String,
        encoding payload: Payload,
        queue: String = JobRequest.defaultQueue,
        runAt: Date? = nil,
        idempotencyKey: String? = nil,
        maxAttempts: Int? = nil,
        clinicID: UUID? = nil,
        correlationID: String? = nil
    ) throws {
        self.init(
            kind: kind, payload: try JSONCoding.encode(payload), queue: queue, runAt: runAt,
            idempotencyKey: idempotencyKey, maxAttempts: maxAttempts, clinicID: clinicID, correlationID: correlationID
        )
    }

    public static let defaultQueue = "default"
}

public enum EnqueueOutcome: Sendable, Equatable {
    case enqueued(id: UUID)
    /// A job with the same idempotency key exists; it was left as it is.
    case duplicate(existingID: UUID)

    public var id: UUID {
        switch self {
        case .enqueued(let id), .duplicate(let id): id
        }
    }
}
