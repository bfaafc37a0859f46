import ClinicFlowDomain
import Foundation

/// Audit events for the dead-letter queue, on the stream `job-<id>`.
public enum DeadLetterEvents {
    public struct DeadLettered: Codable, Sendable, Equatable {
        public var jobID: UUID
        public var kind: String
        public var attempts: Int
        /// `attempts_exhausted`, `permanent_error`, `unknown_kind` or `lease_expired`; the error text stays on the job.
        public var reason: String
    }

    public struct Replayed: Codable, Sendable, Equatable {
        public var jobID: UUID
        public var kind: String
        public var replayedBy: String?
    }

    public static func stream(_ jobID: UUID) -> String { "job-\(jobID.text(lowercase: true))" }

    static func deadLettered(
        _ jobID: UUID, kind: String, attempts: Int, clinicID: UUID?, correlationID: String?, reason: String
    ) throws -> EventDraft {
        try EventDraft(
            clinicID: clinicID, stream: stream(jobID), type: "job.dead_lettered",
            encoding: DeadLettered(jobID: jobID, kind: kind, attempts: attempts, reason: reason),
            correlationID: correlationID,
            // One dead-lettering per attempt count: a repeated sweep cannot record it twice.
            idempotencyKey: "job.dead_lettered:\(jobID.uuidString):\(attempts)"
        )
    }
}
