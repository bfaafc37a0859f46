import ClinicFlowDomain
import FluentKit
import Foundation
import NIOCore
import SQLiteNIO

/// The SQLite write path for delivery batches, on the connection directly and chained as event-loop
/// futures: the same statements the portable path issues, with values bound as `SQLiteData`, and no
/// hop through the (busy) concurrency pool between them. Under a webhook burst those hops, not the SQL,
/// were the cost: every `await` waited behind the request handlers for a pool thread.
///
/// Values are bound exactly as Fluent stores them on SQLite (UUIDs as upper-case text, dates as
/// seconds since 1970), so both paths read each other's rows.
extension DeliveryStore {
    struct BatchResult: Sendable {
        var inserted: Set<UUID>
        /// For deliveries already stored: `channel|dedupe key` → the stored id.
        var existing: [String: UUID]
    }

    func recordOnSQLite(
        _ unique: [NewDelivery], jobs: @escaping @Sendable (Set<UUID>) throws -> [JobRequest], on database: any SQLiteDatabase
    ) -> EventLoopFuture<BatchResult> {
        let queue = self.queue
        return database.withConnection { connection in
            connection.query("BEGIN IMMEDIATE").flatMap { _ in
                Self.insertDeliveries(unique, on: connection)
            }.flatMap { inserted in
                do {
                    let requests = try jobs(inserted)
                    return (requests.isEmpty ? connection.eventLoop.makeSucceededVoidFuture() : Self.insertJobs(requests, queue: queue, on: connection))
                        .flatMap { Self.existingIDs(unique.filter { !inserted.contains($0.id) }, on: connection) }
                        .map { BatchResult(inserted: inserted, existing: $0) }
                } catch {
                    return connection.eventLoop.makeFailedFuture(error)
                }
            }.flatMap { result in
                connection.query("COMMIT").map { _ in result }
            }.flatMapError { error in
                connection.query("ROLLBACK").flatMapThrowing { _ in throw error }
                    .flatMapErrorThrowing { _ in throw error }
            }
        }
    }

    private static func insertDeliveries(_ deliveries: [NewDelivery], on connection: SQLiteConnection) -> EventLoopFuture<Set<UUID>> {
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        let sql = """
            INSERT INTO deliveries (id, clinic_id, channel_id, provider, dedupe_key, event_type, media_type, body, correlation_id, received_at, status) \
            VALUES \(Array(repeating: row, count: deliveries.count).joined(separator: ", ")) \
            ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id
            """
        var binds: [SQLiteData] = []
        binds.reserveCapacity(deliveries.count * 11)
        for delivery in deliveries {
            binds += [
                .text(delivery.id.uuidString), .text(delivery.clinicID.uuidString), .text(delivery.channelID.uuidString),
                .text(delivery.provider.rawValue), .text(delivery.dedupeKey), delivery.eventType.map(SQLiteData.text) ?? .null,
                delivery.mediaType.map(SQLiteData.text) ?? .null, .blob(ByteBuffer(bytes: delivery.body)),
                delivery.correlationID.map(SQLiteData.text) ?? .null, .float(delivery.receivedAt.timeIntervalSince1970),
                .text(DeliveryStatus.received.rawValue),
            ]
        }
        return connection.query(sql, binds).map { rows in
            Set(rows.compactMap { $0.column("id")?.string.flatMap(UUID.init(uuidString:)) })
        }
    }

    private static func insertJobs(_ requests: [JobRequest], queue: JobQueue, on connection: SQLiteConnection) -> EventLoopFuture<Void> {
        let now = queue.now.timeIntervalSince1970
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        let sql = """
            INSERT INTO jobs (id, queue, kind, payload, status, attempts, max_attempts, run_at, idempotency_key, clinic_id, correlation_id, created_at, updated_at) \
            VALUES \(Array(repeating: row, count: requests.count).joined(separator: ", ")) \
            ON CONFLICT (idempotency_key) DO NOTHING
            """
        var binds: [SQLiteData] = []
        binds.reserveCapacity(requests.count * 13)
        for request in requests {
            binds += [
                .text(UUID.timeOrdered().uuidString), .text(request.queue), .text(request.kind),
                .text(String(decoding: request.payload, as: UTF8.self)), .text(JobStatus.queued.rawValue), .integer(0),
                .integer(max(1, request.maxAttempts ?? queue.defaultMaxAttempts)),
                .float(request.runAt?.timeIntervalSince1970 ?? now), request.idempotencyKey.map(SQLiteData.text) ?? .null,
                request.clinicID.map { .text($0.uuidString) } ?? .null, request.correlationID.map(SQLiteData.text) ?? .null,
                .float(now), .float(now),
            ]
        }
        return connection.query(sql, binds).map { _ in }
    }

    private static func existingIDs(_ duplicates: [NewDelivery], on connection: SQLiteConnection) -> EventLoopFuture<[String: UUID]> {
        guard !duplicates.isEmpty else { return connection.eventLoop.makeSucceededFuture([:]) }
        let sql = """
            SELECT id, channel_id, dedupe_key FROM deliveries WHERE (channel_id, dedupe_key) IN \
            (VALUES \(Array(repeating: "(?, ?)", count: duplicates.count).joined(separator: ", ")))
            """
        let binds = duplicates.flatMap { [SQLiteData.text($0.channelID.uuidString), .text($0.dedupeKey)] }
        return connection.query(sql, binds).map { rows in
            var out: [String: UUID] = [:]
            for row in rows {
                guard let id = row.column("id")?.string.flatMap(UUID.init(uuidString:)),
                    let channel = row.column("channel_id")?.string.flatMap(UUID.init(uuidString:)),
                    let key = row.column("dedupe_key")?.string
                else { continue }
                out["\(channel.uuidString)|\(key)"] = id
            }
            return out
        }
    }
}
