import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Logging

/// Another worker holds the job now: the heartbeat or the completion in the handler's transaction found out.
struct LeaseLostError: Error {}

extension JobWorker {
    /// Runs one leased job and records its outcome. Never throws: every failure is an outcome.
    func execute(_ job: LeasedJob) async {
        let logger = jobLogger(job)

        let started = ContinuousClock.now
        let outcome: JobOutcome
        do {
            outcome = try await runAndRecord(job, logger: logger)
        } catch {
            // The outcome could not be written (database down). The lease will expire and the job
            // run again, which is why handlers are idempotent.
            logger.error("could not record job outcome", metadata: ["error_type": "\(type(of: error))"])
            outcome = .leaseLost
        }
        observer.jobFinished(kind: job.kind, outcome: outcome, duration: ContinuousClock.now - started)
    }

    /// Runs jobs of one kind in one call of its batch handler, and records each one's outcome.
    func execute(batch jobs: [LeasedJob], handler: @escaping JobBatchHandler) async {
        let started = ContinuousClock.now
        let contexts = jobs.map { JobContext(job: $0, logger: jobLogger($0), queue: queue, events: events) }
        let results = await withHeartbeat(batch: jobs) { await handler(contexts) }
        let duration = (ContinuousClock.now - started) / max(1, jobs.count)
        for (context, result) in zip(contexts, results) {
            let outcome: JobOutcome
            do {
                outcome = try await record(result, of: context)
            } catch {
                context.logger.error("could not record job outcome", metadata: ["error_type": "\(type(of: error))"])
                outcome = .leaseLost
            }
            observer.jobFinished(kind: context.job.kind, outcome: outcome, duration: duration)
        }
    }

    private func jobLogger(_ job: LeasedJob) -> Logger {
        var logger = self.logger
        logger[metadataKey: "job_id"] = .string(job.id.uuidString)
        logger[metadataKey: "job_kind"] = .string(job.kind)
        logger[metadataKey: "attempt"] = .stringConvertible(job.attempt)
        if let correlationID = job.correlationID { logger[metadataKey: "correlation_id"] = .string(correlationID) }
        return logger
    }

    private func runAndRecord(_ job: LeasedJob, logger: Logger) async throws -> JobOutcome {
        guard let handler = registry.handler(for: job.kind) else {
            return try await deadLetter(job, error: "no handler is registered for job kind \(job.kind)", reason: "unknown_kind", logger: logger)
        }
        let context = JobContext(job: job, logger: logger, queue: queue, events: events)
        let result = await withHeartbeat(job) { try await handler(context) }
        return try await record(result, of: context)
    }

    /// Completes, retries, dead-letters or hands back the job after its handler returned `result`.
    private func record(_ result: Result<Void, any Error>, of context: JobContext) async throws -> JobOutcome {
        let (job, logger) = (context.job, context.logger)
        switch result {
        case .success:
            // A handler that completed the job in its own transaction has committed that already.
            if !context.completion.recorded.load(ordering: .relaxed) {
                guard try await queue.complete(job) else { return leaseLost(logger) }
            }
            logger.debug("job succeeded")
            return .succeeded
        case .failure(let error) where error is LeaseLostError:
            return leaseLost(logger)
        case .failure(let error) where error is CancellationError && isStopping:
            try await queue.release(job)
            logger.info("job handed back at shutdown")
            return .released
        case .failure(let error as PermanentJobError):
            return try await deadLetter(job, error: error.reason, reason: "permanent_error", logger: logger)
        case .failure(let error):
            let decision = configuration.retryPolicy.decision(
                afterFailedAttempt: job.attempt, maxAttempts: job.maxAttempts, random: random()
            )
            switch decision {
            case .deadLetter:
                return try await deadLetter(job, error: String(describing: error), reason: "attempts_exhausted", logger: logger)
            case .retry(let delay):
                guard try await queue.retry(job, at: queue.now.addingTimeInterval(delay), error: String(describing: error)) else {
                    return leaseLost(logger)
                }
                // The error text stays in the database (it may quote patient data); logs get its type.
                logger.warning("job failed; will retry", metadata: [
                    "error_type": "\(type(of: error))", "retry_in_seconds": "\(Int(delay.rounded()))",
                ])
                return .retried
            }
        }
    }

    private func deadLetter(_ job: LeasedJob, error: String, reason: String, logger: Logger) async throws -> JobOutcome {
        let (queue, events) = (self.queue, self.events)
        let moved = try await queue.store.db.withTransaction { transaction in
            guard try await queue.deadLetter(job, error: error, on: transaction) else { return false }
            try await events.append(
                DeadLetterEvents.deadLettered(
                    job.id, kind: job.kind, attempts: job.attempt, clinicID: job.clinicID,
                    correlationID: job.correlationID, reason: reason
                ),
                on: transaction
            )
            return true
        }
        guard moved else { return leaseLost(logger) }
        logger.error("job moved to dead letters", metadata: ["reason": .string(reason)])
        return .deadLettered
    }

    private func leaseLost(_ logger: Logger) -> JobOutcome {
        logger.warning("job lease was lost to another worker; result discarded")
        return .leaseLost
    }

    /// Runs a batch while renewing its jobs' leases every third of their duration. A lease found lost
    /// does not stop the others' work: the handler finds out when it completes that job.
    private func withHeartbeat(batch jobs: [LeasedJob], _ body: @escaping @Sendable () async -> [Result<Void, any Error>]) async -> [Result<Void, any Error>] {
        let interval = configuration.leaseDuration / 3
        let duration = configuration.leaseDuration
        let queue = self.queue
        return await withTaskGroup(of: [Result<Void, any Error>]?.self) { group in
            group.addTask { await body() }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    if Task.isCancelled { return nil }
                    for job in jobs { _ = try? await queue.extendLease(job, until: queue.now.addingTimeInterval(duration)) }
                }
                return nil
            }
            var results: [Result<Void, any Error>] = jobs.map { _ in .failure(CancellationError()) }
            while let next = await group.next() {
                if let next {
                    results = next
                    break
                }
            }
            group.cancelAll()
            return results
        }
    }

    /// Runs `body` while renewing the lease every third of its duration. If renewal finds the lease
    /// gone, the body is cancelled and the result is `LeaseLostError`.
    private func withHeartbeat(_ job: LeasedJob, _ body: @escaping @Sendable () async throws -> Void) async -> Result<Void, any Error> {
        let interval = configuration.leaseDuration / 3
        let duration = configuration.leaseDuration
        let queue = self.queue
        return await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await body()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    if Task.isCancelled { return nil }
                    // A failed renewal (database hiccup) is not proof the lease is lost; try again next beat.
                    let renewed = (try? await queue.extendLease(job, until: queue.now.addingTimeInterval(duration))) ?? true
                    if !renewed { return .failure(LeaseLostError()) }
                }
                return nil
            }
            var result: Result<Void, any Error> = .failure(CancellationError())
            if let first = await group.next(), let value = first { result = value }
            group.cancelAll()
            return result
        }
    }
}
