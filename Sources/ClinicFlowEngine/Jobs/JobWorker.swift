import ClinicFlowDomain
import ClinicFlowStore
import Foundation
import Logging
import Synchronization

/// Leases jobs from the queue and runs them with bounded concurrency, until stopped.
///
/// Delivery is at least once: a job runs again if its worker dies before recording the outcome,
/// so handlers make their writes idempotent (event idempotency keys, upserts).
public final class JobWorker: Sendable {
    public let configuration: WorkerConfiguration
    let queue: JobQueue
    let events: EventStore
    let registry: JobRegistry
    let observer: any JobObserver
    let logger: Logger
    let random: @Sendable () -> Double
    /// Runs with each expired-lease sweep (a few times a minute): schedules that enqueue daily jobs.
    let housekeeping: @Sendable () async throws -> Void
    private let doorbell = Doorbell()
    private let state = Mutex(State())
    private let wakePending = Atomic<Bool>(false)

    private struct State {
        var stopping = false
        var inFlight = 0
    }

    public init(
        queue: JobQueue,
        events: EventStore,
        registry: JobRegistry,
        configuration: WorkerConfiguration = .init(),
        observer: any JobObserver = NoJobObserver(),
        logger: Logger = Logger(label: "clinicflow.worker"),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        housekeeping: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.housekeeping = housekeeping
        self.queue = queue
        self.events = events
        self.registry = registry
        self.configuration = configuration
        self.observer = observer
        var logger = logger
        logger[metadataKey: "worker_id"] = .string(configuration.workerID)
        self.logger = logger
        self.random = random
    }

    /// Runs until `stop()`; then waits up to the shutdown grace for running jobs and hands the rest back.
    public func run() async {
        logger.info("worker started", metadata: ["concurrency": "\(configuration.concurrency)"])
        await withDiscardingTaskGroup { group in
            var lastSweep = ContinuousClock.now - .seconds(3600)
            // Expired leases are looked for a few times per lease, so a crashed worker's jobs wait
            // at most about a lease and a quarter before running again.
            let sweepInterval = Duration.seconds(min(configuration.leaseDuration / 4, 15))
            while !isStopping {
                if ContinuousClock.now - lastSweep > sweepInterval {
                    await sweepExpiredLeases()
                    lastSweep = .now
                }
                let free = configuration.concurrency - state.withLock { $0.inFlight }
                var leased: [LeasedJob] = []
                if free > 0 {
                    do {
                        leased = try await queue.lease(
                            limit: free, for: configuration.leaseDuration,
                            workerID: configuration.workerID, queues: configuration.queues
                        )
                    } catch {
                        logger.error("could not lease jobs; retrying", metadata: ["error_type": "\(type(of: error))"])
                    }
                }
                let units = await batched(leased, backlog: free > 0 && leased.count == free)
                for unit in units {
                    state.withLock { $0.inFlight += 1 }
                    // On SQLite the job runs on the connection's loop (see EventLoopTaskExecutor).
                    group.addTask(executorPreference: queue.store.preferredExecutor) {
                        await self.execute(unit)
                        self.state.withLock { $0.inFlight -= 1 }
                        await self.doorbell.ring()
                    }
                }
                // A full batch means more may be due: lease again at once. Otherwise wait for a
                // free slot, an enqueue in this process, or the poll interval.
                if free == 0 || leased.count < free {
                    await doorbell.wait(upTo: .seconds(configuration.pollInterval))
                }
            }
            await waitForRunningJobs()
            group.cancelAll()
        }
        logger.info("worker stopped")
    }

    /// Asks `run()` to return; jobs already running get the shutdown grace to finish.
    public func stop() {
        state.withLock { $0.stopping = true }
        Task { await doorbell.ring() }
    }

    /// Tells an idle worker that a job was just enqueued, so it does not wait for the next poll.
    /// Cheap enough to call after every enqueue: wakes that arrive while one is on its way are merged.
    public func wake() {
        guard wakePending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        Task {
            wakePending.store(false, ordering: .releasing)
            await doorbell.ring()
        }
    }

    public var isStopping: Bool { state.withLock { $0.stopping } }

    /// Runs due jobs one batch after another until none is due; returns how many ran.
    /// For `clinicflow worker --drain`, tests and benchmarks; `run()` is the long-lived loop.
    @discardableResult
    public func drain() async -> Int {
        var total = 0
        while true {
            await sweepExpiredLeases()
            let batch: [LeasedJob]
            do {
                batch = try await queue.lease(
                    limit: configuration.concurrency, for: configuration.leaseDuration,
                    workerID: configuration.workerID, queues: configuration.queues
                )
            } catch {
                logger.error("could not lease jobs", metadata: ["error_type": "\(type(of: error))"])
                return total
            }
            if batch.isEmpty { return total }
            let units = await batched(batch, backlog: batch.count == configuration.concurrency)
            await withDiscardingTaskGroup { group in
                for unit in units { group.addTask(executorPreference: queue.store.preferredExecutor) { await self.execute(unit) } }
            }
            total += units.reduce(0) { $0 + $1.jobs.count }
        }
    }

    /// What runs as one task, taking one of the worker's `concurrency` slots.
    enum Unit: Sendable {
        case single(LeasedJob)
        /// Jobs of one kind for its batch handler.
        case batch([LeasedJob], JobBatchHandler)

        var jobs: [LeasedJob] {
            switch self {
            case .single(let job): [job]
            case .batch(let jobs, _): jobs
            }
        }
    }

    /// Groups leased jobs of kinds with a batch handler. With a `backlog` (the lease came back
    /// full) it leases more of those kinds to fill their batches: under load, a batch of deliveries
    /// costs one transaction instead of one each.
    func batched(_ leased: [LeasedJob], backlog: Bool) async -> [Unit] {
        var units: [Unit] = []
        var byKind: [String: [LeasedJob]] = [:]
        for job in leased {
            if registry.batchHandler(for: job.kind) != nil { byKind[job.kind, default: []].append(job) } else { units.append(.single(job)) }
        }
        for kind in byKind.keys.sorted() {
            guard var jobs = byKind[kind], let (limit, handler) = registry.batchHandler(for: kind) else { continue }
            if backlog, jobs.count < limit {
                do {
                    jobs += try await queue.lease(
                        limit: limit - jobs.count, for: configuration.leaseDuration, workerID: configuration.workerID,
                        queues: configuration.queues, kinds: [kind]
                    )
                } catch {
                    logger.error("could not lease more jobs for a batch", metadata: ["error_type": "\(type(of: error))"])
                }
            }
            var start = 0
            while start < jobs.count {
                let chunk = Array(jobs[start..<min(start + limit, jobs.count)])
                units.append(chunk.count == 1 ? .single(chunk[0]) : .batch(chunk, handler))
                start += limit
            }
        }
        return units
    }

    func execute(_ unit: Unit) async {
        switch unit {
        case .single(let job): await execute(job)
        case .batch(let jobs, let handler): await execute(batch: jobs, handler: handler)
        }
    }

    private func waitForRunningJobs() async {
        let deadline = ContinuousClock.now + .seconds(configuration.shutdownGrace)
        while state.withLock({ $0.inFlight }) > 0, ContinuousClock.now < deadline {
            await doorbell.wait(upTo: min(.milliseconds(200), deadline - .now))
        }
        let left = state.withLock { $0.inFlight }
        if left > 0 {
            logger.warning("shutdown grace over; handing running jobs back", metadata: ["jobs": "\(left)"])
        }
    }

    /// Requeues jobs whose worker died, or dead-letters them if that was their last attempt.
    private func sweepExpiredLeases() async {
        do {
            try await housekeeping()
        } catch {
            logger.error("housekeeping failed", metadata: ["error_type": "\(type(of: error))"])
        }
        do {
            let requeued = try await queue.requeueExpiredLeases()
            if requeued > 0 {
                logger.warning("requeued jobs whose lease expired", metadata: ["jobs": "\(requeued)"])
            }
            for job in try await queue.deadLetterExhaustedLeases() {
                logger.warning("job dead-lettered after its lease expired on the last attempt", metadata: [
                    "job_id": "\(job.id)", "job_kind": "\(job.kind)",
                ])
                try await events.append(DeadLetterEvents.deadLettered(job.id, kind: job.kind, attempts: job.attempts, clinicID: job.clinicID, correlationID: job.correlationID, reason: "lease_expired"))
                observer.jobFinished(kind: job.kind, outcome: .deadLettered, duration: .zero)
            }
        } catch {
            logger.error("could not sweep expired leases", metadata: ["error_type": "\(type(of: error))"])
        }
    }
}
