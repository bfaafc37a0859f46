import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// Lists dead letters and replays them, recording each replay in the event store.
public struct DeadLetterOffice: Sendable {
    public let queue: JobQueue
    public let events: EventStore

    public init(queue: JobQueue, events: EventStore) {
        self.queue = queue
        self.events = events
    }

    public func list(queue name: String? = nil, clinicID: UUID? = nil, limit: Int = 100, offset: Int = 0) async throws -> [JobSnapshot] {
        try await queue.deadLetters(queue: name, clinicID: clinicID, limit: limit, offset: offset)
    }

    public enum ReplayResult: Sendable, Equatable {
        case replayed
        case notFound
        /// The job exists but is not dead (it already ran, or was replayed already).
        case notDead(JobStatus)
    }

    /// Puts a dead job back in the queue with fresh attempts.
    public func replay(jobID: UUID, by actor: String? = nil) async throws -> ReplayResult {
        try await queue.store.db.withTransaction { transaction in
            guard let job = try await queue.job(id: jobID, on: transaction) else { return .notFound }
            guard try await queue.replay(id: jobID, on: transaction) else { return .notDead(job.status) }
            try await events.append(
                EventDraft(
                    clinicID: job.clinicID, stream: DeadLetterEvents.stream(jobID), type: "job.replayed",
                    encoding: DeadLetterEvents.Replayed(jobID: jobID, kind: job.kind, replayedBy: actor),
                    correlationID: job.correlationID
                ),
                on: transaction
            )
            return .replayed
        }
    }
}
