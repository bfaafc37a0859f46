import FluentKit
import Foundation
import SQLKit

/// The durable job queue in the `jobs` table, on SQLite or PostgreSQL.
///
/// Workers lease jobs for a while; a job whose lease runs out (its worker crashed) is leased again.
/// Every method that changes a job takes an optional `database` so it can join the caller's transaction:
/// a webhook's raw delivery and the job that processes it commit together or not at all.
public struct JobQueue: Sendable {
    public let store: Store
    public let defaultMaxAttempts: Int
    let clock: @Sendable () -> Date

    /// Errors longer than this are cut; the head of an error says what went wrong.
    static let maxErrorLength = 4000

    static let insertColumns = ColumnList([
        "id", "queue", "kind", "payload", "status", "attempts", "max_attempts", "run_at",
        "idempotency_key", "clinic_id", "correlation_id", "created_at", "updated_at",
    ])

    public init(store: Store, defaultMaxAttempts: Int = 8, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.defaultMaxAttempts = max(1, defaultMaxAttempts)
        self.clock = clock
    }

    public var now: Date { clock() }

    @discardableResult
    public func enqueue(_ request: JobRequest, on database: (any Database)? = nil) async throws -> EnqueueOutcome {
        let sql = (database ?? store.db).sql
        let now = clock()
        let id = UUID.timeOrdered(at: now)
        let inserted = try await Self.insertOne.bind(row(request, id: id, at: now), on: sql).changes()
        // Idle workers in every process wake at commit (the table's trigger on PostgreSQL, M015).
        if inserted.count == 1 { return .enqueued(id: id) }
        guard let key = request.idempotencyKey,
            let existing = try await sql.select().column("id").from("jobs")
                .where("idempotency_key", .equal, key)
                .first(decodingColumn: "id", as: UUID.self)
        else {
            throw StoreError.unexpectedResult("job insert ignored without a matching idempotency key")
        }
        return .duplicate(existingID: existing)
    }

    /// Marks a leased job done. Returns false when the lease was lost (another worker owns the job now).
    @discardableResult
    public func complete(_ job: LeasedJob, on database: (any Database)? = nil) async throws -> Bool {
        let now = clock()
        return try await finishLeased(job, on: database, Self.completing, [JobStatus.done.rawValue, now])
    }

    /// Puts a failed job back in the queue to run again at `runAt`, keeping the error.
    @discardableResult
    public func retry(_ job: LeasedJob, at runAt: Date, error: String, on database: (any Database)? = nil) async throws -> Bool {
        try await finishLeased(job, on: database, Self.retrying, [JobStatus.queued.rawValue, runAt, Self.truncated(error)])
    }

    /// Moves a job to the dead-letter queue with its last error.
    @discardableResult
    public func deadLetter(_ job: LeasedJob, error: String, on database: (any Database)? = nil) async throws -> Bool {
        let now = clock()
        return try await finishLeased(job, on: database, Self.deadLettering, [JobStatus.dead.rawValue, Self.truncated(error), now])
    }

    /// Keeps a long-running job leased. Returns false when the lease was already lost.
    public func extendLease(_ job: LeasedJob, until expiry: Date) async throws -> Bool {
        let row = try await store.db.sql.update("jobs")
            .set("lease_expires_at", to: expiry)
            .set("updated_at", to: clock())
            .where("id", .equal, job.id)
            .where("lease_token", .equal, job.leaseToken)
            .where("status", .equal, JobStatus.running.rawValue)
            .returning("id")
            .first()
        return row != nil
    }

    /// Sends a dead job back to the queue with a fresh set of attempts. Returns false if it is not dead.
    @discardableResult
    public func replay(id: UUID, on database: (any Database)? = nil) async throws -> Bool {
        let now = clock()
        let row = try await (database ?? store.db).sql.update("jobs")
            .set("status", to: JobStatus.queued.rawValue)
            .set("attempts", to: 0)
            .set("run_at", to: now)
            .set("updated_at", to: now)
            .set("finished_at", to: SQLLiteral.null)
            .where("id", .equal, id)
            .where("status", .equal, JobStatus.dead.rawValue)
            .returning("id")
            .first()
        return row != nil
    }

    public func job(id: UUID, on database: (any Database)? = nil) async throws -> JobSnapshot? {
        try await (database ?? store.db).sql.select()
            .column(JobSnapshot.columns)
            .from("jobs")
            .where("id", .equal, id)
            .first()
            .map(JobSnapshot.init(row:))
    }

    /// Dead letters, newest first.
    public func deadLetters(queue: String? = nil, clinicID: UUID? = nil, limit: Int = 100, offset: Int = 0) async throws -> [JobSnapshot] {
        var query = store.db.sql.select()
            .column(JobSnapshot.columns)
            .from("jobs")
            .where("status", .equal, JobStatus.dead.rawValue)
        if let queue { query = query.where("queue", .equal, queue) }
        if let clinicID { query = query.where("clinic_id", .equal, clinicID) }
        return try await query
            .orderBy("updated_at", .descending)
            .limit(limit)
            .offset(offset)
            .all()
            .map(JobSnapshot.init(row:))
    }

    /// Counts of queued, running and dead jobs per queue, for the queue-depth metric and `/health`.
    /// Done jobs are not counted: they pile up, and counting them would scan the table.
    public func depth() async throws -> [QueueDepth] {
        let rows = try await store.db.sql.select()
            .column("queue")
            .column("status")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count")
            .from("jobs")
            .where("status", .in, [JobStatus.queued, .running, .dead].map(\.rawValue))
            .groupBy("queue")
            .groupBy("status")
            .all()
        return try rows.compactMap { row in
            guard let status = JobStatus(rawValue: try row.decode(column: "status", as: String.self)) else { return nil }
            return QueueDepth(
                queue: try row.decode(column: "queue", as: String.self),
                status: status,
                count: try row.decode(column: "count", as: Int.self)
            )
        }
    }

    /// Deletes done jobs finished before `date`, of one clinic or (nil) those of no clinic; returns
    /// how many. Their idempotency keys go with them, so `date` must lie well before anything could
    /// enqueue the same work again (the nightly retention keeps them a week at least). Dead jobs stay
    /// for replay. Deletes in chunks, each its own short statement, so the writer is never held long.
    @discardableResult
    public func deleteDone(clinicID: UUID?, finishedBefore date: Date, chunk: Int = 500) async throws -> Int {
        let sql = store.db.sql
        var deleted = 0
        while true {
            var due = sql.select().column("id").from("jobs")
                .where("status", .equal, JobStatus.done.rawValue)
                // Implied by the next line (a job runs after its run_at), and it makes the scan a
                // range of the (status, run_at) index instead of every done job.
                .where("run_at", .lessThan, date)
                .where("finished_at", .lessThan, date)
                .limit(chunk)
            if let clinicID { due = due.where("clinic_id", .equal, clinicID) } else { due = due.where(SQLColumn("clinic_id"), .is, SQLLiteral.null) }
            let rows = try await sql.delete(from: "jobs").where("id", .in, SQLGroupExpression(due.query)).returning("id").all()
            deleted += rows.count
            if rows.count < chunk { return deleted }
        }
    }

    /// How many jobs have `status` (all queues). Counting done jobs scans them: for tests and tools.
    public func count(status: JobStatus) async throws -> Int {
        try await store.db.sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count")
            .from("jobs")
            .where("status", .equal, status.rawValue)
            .first(decodingColumn: "count", as: Int.self) ?? 0
    }

    /// Ends `job`'s lease with `statement` (`finishing`), setting its columns to `values`; false when
    /// the lease was lost.
    private func finishLeased(
        _ job: LeasedJob,
        on database: (any Database)?,
        _ statement: FixedStatement,
        _ values: [any Encodable & Sendable]
    ) async throws -> Bool {
        try await statement.bind(
            [clock()] + values + [job.id, job.leaseToken, JobStatus.running.rawValue], on: (database ?? store.db).sql
        ).changes().count == 1
    }

    /// The statement that ends a lease and sets `columns` (then `also`): every job runs one, so its
    /// text is written once (`FixedStatement`). Values: `updated_at`, the columns', then the job's id,
    /// lease token and `running`.
    private static func finishing(_ columns: [String], also: @escaping @Sendable (SQLUpdateBuilder) -> SQLUpdateBuilder = { $0 }) -> FixedStatement {
        FixedStatement(arity: columns.count + 4) { sql, values in
            var update = sql.update("jobs")
                .set("updated_at", to: values[0])
                .set("lease_token", to: SQLLiteral.null)
                .set("lease_expires_at", to: SQLLiteral.null)
                .set("leased_by", to: SQLLiteral.null)
            for (index, column) in columns.enumerated() { update = update.set(column, to: values[1 + index]) }
            return also(update)
                .where("id", .equal, values[columns.count + 1])
                .where("lease_token", .equal, values[columns.count + 2])
                .where("status", .equal, values[columns.count + 3])
                .queryReturningOnPostgres("id")
        }
    }

    private static let completing = finishing(["status", "finished_at"])
    private static let retrying = finishing(["status", "run_at", "last_error"])
    private static let deadLettering = finishing(["status", "last_error", "finished_at"])
    private static let releasing = finishing(["status", "run_at"]) { update in
        update.set(SQLColumn("attempts"), to: SQLBinaryExpression(SQLColumn("attempts"), .subtract, SQLLiteral.numeric("1")))
    }

    static func truncated(_ error: String) -> String {
        error.count <= maxErrorLength ? error : String(error.prefix(maxErrorLength)) + "…"
    }
}

extension JobQueue {
    /// Hands a leased job back untouched, without spending an attempt: for a worker shutting down
    /// mid-job. Returns false when the lease was already lost.
    @discardableResult
    public func release(_ job: LeasedJob) async throws -> Bool {
        try await finishLeased(job, on: nil, Self.releasing, [JobStatus.queued.rawValue, clock()])
    }
}

extension JobQueue {
    /// Enqueues several jobs in one statement; jobs whose idempotency key exists are skipped.
    public func enqueue(contentsOf requests: [JobRequest], on database: (any Database)? = nil) async throws {
        guard !requests.isEmpty else { return }
        let now = clock()
        let rows = requests.map { row($0, id: UUID.timeOrdered(at: now), at: now) }
        try await Self.insertMany.run(rows: rows, on: database ?? store.db)
    }

    /// A job's row, in `insertColumns`' order.
    private func row(_ request: JobRequest, id: UUID, at now: Date) -> [any Encodable & Sendable] {
        [
            id, request.queue, request.kind, String(decoding: request.payload, as: UTF8.self), JobStatus.queued.rawValue, 0,
            max(1, request.maxAttempts ?? defaultMaxAttempts), request.runAt ?? now, request.idempotencyKey, request.clinicID,
            request.correlationID, now, now,
        ]
    }

    // Most leads queue a job or two: their inserts are written once (`FixedStatement`, `FixedInsert`).
    private static let insertOne = FixedStatement(arity: insertColumns.names.count) { sql, values in
        sql.insert(into: "jobs").columns(insertColumns).values(values).ignoringConflicts(with: ["idempotency_key"]).queryReturningOnPostgres("id")
    }
    private static let insertMany = FixedInsert(columns: insertColumns.names.count) { sql, rows in
        rows.reduce(sql.insert(into: "jobs").columns(insertColumns)) { $0.values($1) }.ignoringConflicts(with: ["idempotency_key"]).query
    }
}
