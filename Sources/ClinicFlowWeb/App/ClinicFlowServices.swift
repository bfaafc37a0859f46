import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Logging

/// Everything one ClinicFlow process shares: the database, queue, event store, worker and metrics.
/// Built once at start-up; HTTP routes, lifecycle handlers and commands receive it explicitly.
public final class ClinicFlowServices: Sendable {
    public let config: AppConfig
    public let store: Store
    public let queue: JobQueue
    public let events: EventStore
    public let metrics: AppMetrics
    public let worker: JobWorker
    public let deadLetters: DeadLetterOffice
    public let startedAt: Date
    let logger: Logger

    /// Opens the database and, unless `migrate` is false, brings its schema up to date.
    public static func start(
        config: AppConfig,
        logger: Logger,
        migrate: Bool = true,
        jobs: JobRegistry = ClinicFlowJobs.registry(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> ClinicFlowServices {
        let store = try await Store.open(config.database, logger: logger)
        do {
            if migrate { try await store.migrate() }
        } catch {
            await store.shutdown()
            throw error
        }
        return ClinicFlowServices(config: config, store: store, jobs: jobs, logger: logger, clock: clock)
    }

    private init(config: AppConfig, store: Store, jobs: JobRegistry, logger: Logger, clock: @escaping @Sendable () -> Date) {
        self.config = config
        self.store = store
        self.logger = logger
        self.queue = JobQueue(store: store, defaultMaxAttempts: config.jobs.defaultMaxAttempts, clock: clock)
        self.events = EventStore(store: store, clock: clock)
        self.metrics = AppMetrics()
        self.worker = JobWorker(
            queue: queue, events: events, registry: jobs, configuration: config.jobs.worker,
            observer: metrics, logger: logger
        )
        self.deadLetters = DeadLetterOffice(queue: queue, events: events)
        self.startedAt = clock()
    }

    public func shutdown() async {
        await store.shutdown()
    }
}
