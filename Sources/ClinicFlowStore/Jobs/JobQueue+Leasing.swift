import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

extension JobQueue {
    /// Leases up to `limit` queued jobs whose `run_at` has come, oldest first, for `duration` seconds;
    /// only of `kinds` when given (a worker filling a batch).
    ///
    /// One statement claims the rows: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent workers
    /// claim disjoint rows without waiting; on SQLite the statement holds the single write lock, so two
    /// workers can never claim the same row either. Jobs whose worker died are made due again by
    /// `requeueExpiredLeases()`, which keeps this query a plain index seek on `(status, run_at)`.
    public func lease(
        limit: Int,
        for duration: TimeInterval,
        workerID: String,
        queues: [String]? = nil,
        kinds: [String]? = nil
    ) async throws -> [LeasedJob] {
        guard limit > 0 else { return [] }
        let sql = store.db.sql
        let now = clock()
        let token = UUID.random()
        var query: SQLQueryString = """
            UPDATE jobs SET status = \(bind: JobStatus.running.rawValue), attempts = attempts + 1,
                lease_token = \(bind: token), leased_by = \(bind: workerID),
                lease_expires_at = \(bind: now.addingTimeInterval(duration)), updated_at = \(bind: now)
            WHERE id IN (
                SELECT id FROM jobs WHERE status = \(bind: JobStatus.queued.rawValue) AND run_at <= \(bind: now)
            """
        if let queues, !queues.isEmpty {
            query.appendInterpolation(unsafeRaw: " AND queue IN (")
            query.appendInterpolation(binds: queues)
            query.appendInterpolation(unsafeRaw: ")")
        }
        if let kinds, !kinds.isEmpty {
            query.appendInterpolation(unsafeRaw: " AND kind IN (")
            query.appendInterpolation(binds: kinds)
            query.appendInterpolation(unsafeRaw: ")")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY run_at LIMIT ")
        query.appendInterpolation(bind: limit)
        if sql.isPostgres { query.appendInterpolation(unsafeRaw: " FOR UPDATE SKIP LOCKED") }
        query.appendInterpolation(unsafeRaw: ") RETURNING ")
        query.appendInterpolation(LeasedJob.columns)
        let rows = try await sql.raw(query).all()
        return try rows.map(LeasedJob.init(row:)).sorted { ($0.runAt, $0.createdAt) < ($1.runAt, $1.createdAt) }
    }

    /// Makes jobs whose lease expired (their worker crashed or was killed) due again, keeping the
    /// attempt they used. Returns how many.
    @discardableResult
    public func requeueExpiredLeases() async throws -> Int {
        let now = clock()
        let rows = try await store.db.sql.update("jobs")
            .set("status", to: JobStatus.queued.rawValue)
            .set("run_at", to: now)
            .set("updated_at", to: now)
            .set("last_error", to: "lease expired: the worker stopped (crash or kill) before finishing")
            .set("lease_token", to: SQLLiteral.null)
            .set("lease_expires_at", to: SQLLiteral.null)
            .set("leased_by", to: SQLLiteral.null)
            .where("status", .equal, JobStatus.running.rawValue)
            .where("lease_expires_at", .lessThan, now)
            .where(SQLColumn("attempts"), .lessThan, SQLColumn("max_attempts"))
            .returning("id")
            .all()
        return rows.count
    }

    /// Dead-letters running jobs whose lease expired on their last attempt: their worker died
    /// (or the job crashes its worker every time), so running them again would not help.
    /// Returns the jobs it moved.
    public func deadLetterExhaustedLeases() async throws -> [JobSnapshot] {
        let now = clock()
        let error = "lease expired on the last attempt: the worker stopped (crash or kill) before finishing"
        let rows = try await store.db.sql.update("jobs")
            .set("status", to: JobStatus.dead.rawValue)
            .set("last_error", to: error)
            .set("finished_at", to: now)
            .set("updated_at", to: now)
            .set("lease_token", to: SQLLiteral.null)
            .set("lease_expires_at", to: SQLLiteral.null)
            .set("leased_by", to: SQLLiteral.null)
            .where("status", .equal, JobStatus.running.rawValue)
            .where("lease_expires_at", .lessThan, now)
            .where(SQLColumn("attempts"), .greaterThanOrEqual, SQLColumn("max_attempts"))
            .returning(JobSnapshot.columns)
            .all()
        return try rows.map(JobSnapshot.init(row:))
    }
}
