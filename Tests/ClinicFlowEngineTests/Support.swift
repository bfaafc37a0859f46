import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Synchronization

/// Counts handler runs per job id, across tasks and workers.
final class RunLog: Sendable {
    private let runs = Mutex<[UUID: Int]>([:])

    func record(_ id: UUID) -> Int {
        runs.withLock { runs in
            runs[id, default: 0] += 1
            return runs[id]!
        }
    }

    var counts: [UUID: Int] { runs.withLock { $0 } }
    var total: Int { counts.values.reduce(0, +) }
}

struct FlakyError: Error, CustomStringConvertible {
    var attempt: Int
    var description: String { "provider unavailable on attempt \(attempt)" }
}

/// A test worker over `store`; jitter off (random 0) so backoff delays are exact.
func makeWorker(
    store: Store,
    clock: ManualClock? = nil,
    registry: JobRegistry,
    configuration: WorkerConfiguration = WorkerConfiguration(
        concurrency: 4, leaseDuration: 30, pollInterval: 0.05, shutdownGrace: 2,
        retryPolicy: .init(maxAttempts: 3, baseDelay: 10, maxDelay: 100, jitter: 0.25)
    )
) -> (JobWorker, JobQueue, EventStore) {
    let now: @Sendable () -> Date
    if let clock { now = clock.function } else { now = { Date() } }
    let queue = JobQueue(store: store, defaultMaxAttempts: configuration.retryPolicy.maxAttempts, clock: now)
    let events = EventStore(store: store, clock: now)
    let worker = JobWorker(
        queue: queue, events: events, registry: registry, configuration: configuration, logger: .quiet, random: { 0 }
    )
    return (worker, queue, events)
}

/// Polls `condition` until it holds or `timeout` passes; for tests of the long-running loop.
func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
