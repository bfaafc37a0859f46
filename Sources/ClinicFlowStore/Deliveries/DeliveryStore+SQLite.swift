import ClinicFlowDomain
import Foundation
import NIOCore
import SQLiteKit

/// The SQLite write path for delivery batches: both statements run back to back on SQLite's loop,
/// with values bound as `SQLiteData`, without a hop through the (busy) concurrency pool. Under a
/// webhook burst those hops, not the SQL, were the cost (hence also one statement per batch, with the
/// job written by a trigger).
///
/// Values are bound exactly as Fluent stores them on SQLite (UUIDs as upper-case text, dates as
/// seconds since 1970), so both paths read each other's rows.
extension DeliveryStore {
    struct BatchResult: Sendable {
        var inserted: Set<UUID>
        /// For deliveries already stored: `channel|dedupe key` → the stored id.
        var existing: [String: UUID]
    }

    /// One statement: the deliveries, each new one with its normalisation job (written by the
    /// M013 trigger within the same statement, so atomically). Retries already stored are looked up
    /// afterwards, in a read that only runs when a batch has any.
    static func recordOnSQLite(_ unique: [NewDelivery], on connection: DirectSQLiteConnection) -> EventLoopFuture<BatchResult> {
        connection.exclusively { handle in
            let inserted = try insertDeliveries(unique, on: handle)
            let existing = try existingIDs(unique.filter { !inserted.contains($0.id) }, on: handle)
            return BatchResult(inserted: inserted, existing: existing)
        }
    }

    private static func insertDeliveries(_ deliveries: [NewDelivery], on handle: SQLiteHandle) throws -> Set<UUID> {
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
                .text(delivery.id.text()), .text(delivery.clinicID.text()), .text(delivery.channelID.text()),
                .text(delivery.provider.rawValue), .text(delivery.dedupeKey), delivery.eventType.map(SQLiteData.text) ?? .null,
                delivery.mediaType.map(SQLiteData.text) ?? .null, .blob(ByteBuffer(bytes: delivery.body)),
                delivery.correlationID.map(SQLiteData.text) ?? .null, .float(delivery.receivedAt.timeIntervalSince1970),
                .text(DeliveryStatus.received.rawValue),
            ]
        }
        let result = try handle.run(sql, binds)
        return Set(result.rows.compactMap { $0.first?.string.flatMap { UUID(text: $0) } })
    }

    private static func existingIDs(_ duplicates: [NewDelivery], on handle: SQLiteHandle) throws -> [String: UUID] {
        guard !duplicates.isEmpty else { return [:] }
        let sql = """
            SELECT id, channel_id, dedupe_key FROM deliveries WHERE (channel_id, dedupe_key) IN \
            (VALUES \(Array(repeating: "(?, ?)", count: duplicates.count).joined(separator: ", ")))
            """
        let binds = duplicates.flatMap { [SQLiteData.text($0.channelID.text()), .text($0.dedupeKey)] }
        var out: [String: UUID] = [:]
        for row in try handle.run(sql, binds).rows where row.count == 3 {
            guard let id = row[0].string.flatMap({ UUID(text: $0) }),
                let channel = row[1].string.flatMap({ UUID(text: $0) }),
                let dedupeKey = row[2].string
            else { continue }
            out[key(channelID: channel, dedupeKey: dedupeKey)] = id
        }
        return out
    }
}
