import FluentKit
import SQLKit

/// On SQLite, a received delivery's normalisation job is written by a trigger inside the very
/// statement that inserts the delivery. The webhook batcher then commits a batch with one statement
/// instead of four (BEGIN, deliveries, jobs, COMMIT): each statement is a round trip to SQLite's
/// thread and back, and on a busy two-core machine those round trips, not the SQL, were what held the
/// single writer back (about 30 % more webhooks per second, measured in docs/benchmarks.md).
/// The statement is atomic on its own, so a delivery is never stored without its job. PostgreSQL,
/// with several writers, keeps the explicit transaction.
///
/// The job is the one `DeliveryStore.normalizeJob(for:)` describes (StoreTests compare the two):
/// it takes the delivery's id as its own id, which is unique and time-ordered.
struct M013EnqueueNormalisationOnSQLite: AsyncMigration {
    var name: String { "013-enqueue-normalisation-on-sqlite" }

    static let trigger = "deliveries_enqueue_normalisation"

    func prepare(on database: any Database) async throws {
        guard database.sql.dialect.name == "sqlite" else { return }
        let kind = DeliveryStore.normalizeJobKind
        try await database.sql.raw(SQLQueryString("""
            CREATE TRIGGER \(unsafeRaw: Self.trigger) AFTER INSERT ON deliveries WHEN NEW.status = 'received'
            BEGIN
              INSERT OR IGNORE INTO jobs (id, queue, kind, payload, status, attempts, max_attempts, run_at,
                idempotency_key, clinic_id, correlation_id, created_at, updated_at)
              VALUES (NEW.id, '\(unsafeRaw: DeliveryStore.ingestQueue)', '\(unsafeRaw: kind)', '{"deliveryID":"' || NEW.id || '"}',
                'queued', 0, \(unsafeRaw: String(DeliveryStore.normalizeMaxAttempts)), NEW.received_at,
                '\(unsafeRaw: kind):' || NEW.id, NEW.clinic_id, NEW.correlation_id, NEW.received_at, NEW.received_at);
            END
            """)).run()
    }

    func revert(on database: any Database) async throws {
        guard database.sql.dialect.name == "sqlite" else { return }
        try await database.sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: Self.trigger)").run()
    }
}
