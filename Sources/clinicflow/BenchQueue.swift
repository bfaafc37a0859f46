import ArgumentParser
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowWeb
import Foundation
import Synchronization

/// `clinicflow bench-queue`: throughput of the durable queue on the configured database.
/// Used by `scripts/bench-queue`; hidden from help because it writes thousands of jobs.
struct BenchQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-queue",
        abstract: "Measure jobs/s enqueued and completed on the configured database.",
        shouldDisplay: false
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Jobs per phase.")
    var jobs = 10_000

    @Option(help: "Concurrent producers enqueuing.")
    var producers = 4

    @Option(help: "Jobs a worker runs at once.")
    var concurrency = 8

    @Option(help: "Enqueue rate (jobs/s) of the paced phase that measures pickup latency.")
    var pacedRate = 500

    func run() async throws {
        let (config, logger) = try Bootstrap.load(options) { config in
            config.logLevel = .warning
            config.jobs.worker.concurrency = concurrency
            config.jobs.worker.pollInterval = 0.05
        }
        var registry = JobRegistry()
        let latencies = Mutex<[Double]>([])
        registry.register("bench.noop") { context in
            let waited = context.queue.now.timeIntervalSince(context.job.createdAt)
            latencies.withLock { $0.append(waited) }
        }
        let services = try await ClinicFlowServices.start(config: config, logger: logger, jobs: registry)
        let queue = services.queue

        // Phase 1: enqueue only.
        let enqueueSeconds = try await timed { try await enqueue(jobs, on: queue, tag: "a") }
        // Completions are counted by the worker's observer, so the bench adds no queries of its own.
        let completed = CompletionCounter()
        func makeWorker() -> JobWorker {
            JobWorker(
                queue: queue, events: services.events, registry: registry,
                configuration: services.worker.configuration, observer: completed, logger: logger
            )
        }
        // Phase 2: drain what phase 1 queued with the long-running worker loop.
        let drainSeconds = try await timed {
            let worker = makeWorker()
            let loop = Task { await worker.run() }
            try await completed.wait(for: jobs)
            worker.stop()
            await loop.value
        }
        latencies.withLock { $0.removeAll() }
        // Phase 3: producers and the worker at once, as in production.
        let mixedSeconds = try await timed {
            let worker = makeWorker()
            let loop = Task { await worker.run() }
            try await enqueue(jobs, on: queue, tag: "b") { worker.wake() }
            try await completed.wait(for: 2 * jobs)
            worker.stop()
            await loop.value
        }
        // Phase 4: a steady rate well below capacity; pickup latency = enqueue → handler start.
        latencies.withLock { $0.removeAll() }
        let pacedJobs = max(1, min(jobs, pacedRate * 10))
        try await {
            let worker = makeWorker()
            let loop = Task { await worker.run() }
            let start = ContinuousClock.now
            for index in 0..<pacedJobs {
                try await ContinuousClock().sleep(until: start + .seconds(Double(index) / Double(pacedRate)))
                try await queue.enqueue(JobRequest(kind: "bench.noop", idempotencyKey: "bench-c-\(index)"))
                worker.wake()
            }
            try await completed.wait(for: 2 * jobs + pacedJobs)
            worker.stop()
            await loop.value
        }()
        let sorted = latencies.withLock { $0.sorted() }
        await services.shutdown()

        func rate(_ seconds: Double) -> String { String(format: "%.0f", Double(jobs) / seconds) }
        func ms(_ quantile: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            return String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))] * 1000)
        }
        print("| \(config.database.location.kind.rawValue) | \(jobs) | \(producers) | \(concurrency) | \(rate(enqueueSeconds)) | \(rate(drainSeconds)) | \(rate(mixedSeconds)) | \(pacedRate) | \(ms(0.5)) | \(ms(0.99)) |")
    }

    private func enqueue(_ count: Int, on queue: JobQueue, tag: String, afterEach: @escaping @Sendable () -> Void = {}) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for index in stride(from: producer, to: count, by: producers) {
                        try await queue.enqueue(JobRequest(kind: "bench.noop", idempotencyKey: "bench-\(tag)-\(index)"))
                        afterEach()
                    }
                }
            }
            try await group.waitForAll()
        }
    }


    private func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

private final class CompletionCounter: JobObserver {
    private let count = Atomic<Int>(0)

    func jobFinished(kind: String, outcome: JobOutcome, duration: Duration) {
        if outcome == .succeeded { count.add(1, ordering: .relaxed) }
    }

    func wait(for target: Int) async throws {
        while count.load(ordering: .relaxed) < target { try await Task.sleep(for: .milliseconds(5)) }
    }
}
