import ClinicFlowDomain
import Foundation
import SQLKit

/// A job a worker holds until `leaseExpiresAt`. Only the holder of `leaseToken` can finish it,
/// so a worker that stalled past its lease cannot overwrite the outcome of the worker that took over.
public struct LeasedJob: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var queue: String
    public var kind: String
    public var payload: Data
    /// 1-based number of this run, counting runs that crashed.
    public var attempt: Int
    public var maxAttempts: Int
    public var clinicID: UUID?
    public var correlationID: String?
    public var leaseToken: UUID
    public var leaseExpiresAt: Date
    public var runAt: Date
    public var createdAt: Date

    public var isLastAttempt: Bool { attempt >= maxAttempts }

    public func decodePayload<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONCoding.decoder.decode(T.self, from: payload)
    }
}

extension LeasedJob {
    static let columns = ColumnList([
        "id", "queue", "kind", "payload", "attempts", "max_attempts", "clinic_id", "correlation_id",
        "lease_token", "lease_expires_at", "run_at", "created_at",
    ])

    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: UUID.self),
            queue: try row.decode(column: "queue", as: String.self),
            kind: try row.decode(column: "kind", as: String.self),
            payload: Data(try row.decode(column: "payload", as: String.self).utf8),
            attempt: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
            clinicID: try row.decode(column: "clinic_id", as: UUID?.self),
            correlationID: try row.decode(column: "correlation_id", as: String?.self),
            leaseToken: try row.decode(column: "lease_token", as: UUID.self),
            leaseExpiresAt: try row.decode(column: "lease_expires_at", as: Date.self),
            runAt: try row.decode(column: "run_at", as: Date.self),
            createdAt: try row.decode(column: "created_at", as: Date.self)
        )
    }
}
