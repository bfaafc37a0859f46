import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Logging

/// Everything one ClinicFlow process shares: the database, queue, event store, worker and metrics.
/// Built once at start-up; HTTP routes, lifecycle handlers and commands receive it explicitly.
public final class ClinicFlowServices: Sendable {
    public let config: AppConfig
    public let engine: EngineComponents
    public let metrics: AppMetrics
    public let gateway: WebhookGateway
    public let worker: JobWorker
    public let deadLetters: DeadLetterOffice
    /// Rings when events are committed anywhere (PostgreSQL); live feeds wait on it.
    let changes = ChangeBell()
    /// PostgreSQL only: LISTEN for other processes' events and jobs.
    let listener: ChangeListener?
    let passwordHasher: PasswordHasher
    public let startedAt: Date
    let logger: Logger

    /// Opens the database and, unless `migrate` is false, brings its schema up to date.
    public static func start(
        config: AppConfig,
        logger: Logger,
        migrate: Bool = true,
        jobs: JobRegistry = JobRegistry(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> ClinicFlowServices {
        let store = try await Store.open(config.database, logger: logger)
        do {
            let services = ClinicFlowServices(config: config, store: store, jobs: jobs, logger: logger, clock: clock)
            // Only processes that migrate apply clinicflow.yml, under the migration lock: servers
            // starting together would otherwise both create the same clinic.
            if migrate {
                try await store.migrate { try await SeedApplier.apply(config.seeds, engine: services.engine, logger: logger) }
            }
            return services
        } catch {
            await store.shutdown()
            throw error
        }
    }

    /// - Parameter jobs: handlers added to the product's own (tests register theirs here).
    private init(config: AppConfig, store: Store, jobs: JobRegistry, logger: Logger, clock: @escaping @Sendable () -> Date) {
        self.config = config
        self.logger = logger
        let engine = EngineComponents(
            store: store, secretBox: SecretBox(key: config.secrets.encryptionKey),
            defaultMaxAttempts: config.jobs.defaultMaxAttempts, clock: clock
        )
        self.engine = engine
        self.metrics = AppMetrics()
        var registry = ClinicFlowJobs.registry(engine)
        registry.merge(jobs)
        let schedule = DailySchedule.standard(queue: engine.queue)
        let worker = JobWorker(
            queue: engine.queue, events: engine.events, registry: registry, configuration: config.jobs.worker,
            observer: metrics, logger: logger, housekeeping: { try await schedule.tick() }
        )
        self.worker = worker
        let wakeWorkers = config.jobs.runInProcess
        self.gateway = WebhookGateway(channels: engine.channelDirectory, batcher: engine.batcher) {
            if wakeWorkers { worker.wake() }
        }
        self.deadLetters = DeadLetterOffice(queue: engine.queue, events: engine.events)
        self.passwordHasher = PasswordHasher(cost: config.bcryptCost)
        self.startedAt = clock()
        let changes = self.changes
        self.listener = ChangeListener(store: store)
        listener?.start(onEvents: { changes.ring() }, onJobs: { worker.wake() })
    }

    public var store: Store { engine.store }
    public var queue: JobQueue { engine.queue }
    public var events: EventStore { engine.events }

    public func shutdown() async {
        listener?.stop()
        await store.shutdown()
    }
}
