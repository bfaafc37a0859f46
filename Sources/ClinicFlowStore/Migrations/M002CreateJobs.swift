import FluentKit
import SQLKit

/// The durable job queue. Dead letters are rows with status `dead`, so replay is one UPDATE
/// and a job's whole history stays in one place.
struct M002CreateJobs: AsyncMigration {
    var name: String { "002-create-jobs" }

    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("queue", .string, .required)
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .datetime, .required)
            .field("lease_token", .uuid)
            .field("leased_by", .string)
            .field("lease_expires_at", .datetime)
            .field("last_error", .string)
            .field("idempotency_key", .string)
            .field("clinic_id", .uuid)
            .field("correlation_id", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .unique(on: "idempotency_key", name: "jobs_idempotency_key")
            .create()
        let sql = database.sql
        // One index serves every hot query: each starts with `status = ?`, so a seek skips the done
        // rows however many pile up. Leasing ranges over `run_at`; the expired-lease sweep and the
        // dead-letter list read the few running or dead rows under their prefix. Every extra index
        // costs a page write per enqueued job, which is the price of a webhook burst on SQLite.
        // (Partial indexes would be smaller, but SQLite cannot match a bound `status = ?` against a
        // partial index's literal condition.)
        try await sql.raw("CREATE INDEX jobs_status_run_at ON jobs (status, run_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("jobs").delete()
    }
}
