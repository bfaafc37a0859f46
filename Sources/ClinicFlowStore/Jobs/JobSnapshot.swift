import Foundation
import SQLKit

/// A job as stored, for listings (dead letters, the console) and tests.
public struct JobSnapshot: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var queue: String
    public var kind: String
    public var status: JobStatus
    public var attempts: Int
    public var maxAttempts: Int
    public var runAt: Date
    public var lastError: String?
    public var idempotencyKey: String?
    public var clinicID: UUID?
    public var correlationID: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    static let columns = ColumnList([
        "id", "queue", "kind", "status", "attempts", "max_attempts", "run_at", "last_error", "idempotency_key",
        "clinic_id", "correlation_id", "created_at", "updated_at", "finished_at",
    ])

    init(row: any SQLRow) throws {
        let status = try row.decode(column: "status", as: String.self)
        guard let parsed = JobStatus(rawValue: status) else {
            throw StoreError.unexpectedResult("unknown job status \(status)")
        }
        self.id = try row.decode(column: "id", as: UUID.self)
        self.queue = try row.decode(column: "queue", as: String.self)
        self.kind = try row.decode(column: "kind", as: String.self)
        self.status = parsed
        self.attempts = try row.decode(column: "attempts", as: Int.self)
        self.maxAttempts = try row.decode(column: "max_attempts", as: Int.self)
        self.runAt = try row.decode(column: "run_at", as: Date.self)
        self.lastError = try row.decode(column: "last_error", as: String?.self)
        self.idempotencyKey = try row.decode(column: "idempotency_key", as: String?.self)
        self.clinicID = try row.decode(column: "clinic_id", as: UUID?.self)
        self.correlationID = try row.decode(column: "correlation_id", as: String?.self)
        self.createdAt = try row.decode(column: "created_at", as: Date.self)
        self.updatedAt = try row.decode(column: "updated_at", as: Date.self)
        self.finishedAt = try row.decode(column: "finished_at", as: Date?.self)
    }
}

/// How many jobs sit in one queue with one status: the queue-depth metric.
public struct QueueDepth: Sendable, Equatable {
    public var queue: String
    public var status: JobStatus
    public var count: Int

    public init(queue: String, status: JobStatus, count: Int) {
        self.queue = queue
        self.status = status
        self.count = count
    }
}
