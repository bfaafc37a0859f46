import ClinicFlowDomain
@testable import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Synchronization
import Testing

/// Jobs of a kind with a batch handler run together, the batch filled up from the queue when there
/// is a backlog; each job keeps its own outcome (done, retried, dead-lettered). Real databases.
@Suite struct JobBatchTests {
    struct Work: Codable, Sendable { var n: Int }
    struct Flaky: Error {}

    @Test(arguments: TestDatabase.available)
    func dueJobsOfABatchKindRunTogetherAndEachKeepsItsOwnOutcome(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let batches = Mutex<[[Int]]>([])
            let singles = Mutex<[Int]>([])
            var registry = JobRegistry()
            registry.register("batched", payload: Work.self) { work, _ in singles.withLock { $0.append(work.n) } }
            registry.registerBatch("batched", payload: Work.self, limit: 8) { jobs in
                batches.withLock { $0.append(jobs.map(\.0.n)) }
                return jobs.map { work, _ in
                    switch work.n {
                    case 3: .failure(PermanentJobError("cannot ever work"))
                    case 4: .failure(Flaky())
                    default: .success(())
                    }
                }
            }
            registry.register("other") { _ in }
            let (worker, queue, _) = makeWorker(store: store, registry: registry, configuration: WorkerConfiguration(
                concurrency: 2, leaseDuration: 30, pollInterval: 0.05, retryPolicy: .init(maxAttempts: 3, baseDelay: 60, maxDelay: 60, jitter: 0)
            ))
            var ids: [Int: UUID] = [:]
            for n in 0..<6 {
                ids[n] = try await queue.enqueue(try JobRequest(kind: "batched", encoding: Work(n: n), idempotencyKey: "w\(n)")).id
            }
            try await queue.enqueue(JobRequest(kind: "other", idempotencyKey: "o"))
            // A payload that is not a `Work`: its own job fails for good, the batch runs on.
            let broken = try await queue.enqueue(JobRequest(kind: "batched", payload: Data("[]".utf8), idempotencyKey: "broken")).id

            await worker.drain()
            // The lease of two came back full: the worker leased the rest of the kind into one batch.
            #expect(batches.withLock { $0 }.map { $0.sorted() } == [[0, 1, 2, 3, 4, 5]])
            #expect(singles.withLock { $0 }.isEmpty)
            func status(_ n: Int) async throws -> JobStatus? { try await queue.job(id: ids[n]!)?.status }
            for n in [0, 1, 2, 5] { #expect(try await status(n) == .done) }
            #expect(try await status(3) == .dead)
            let retried = try #require(try await queue.job(id: ids[4]!))
            #expect(retried.status == .queued)
            #expect(retried.lastError?.contains("Flaky") == true)
            let brokenJob = try #require(try await queue.job(id: broken))
            #expect(brokenJob.status == .dead)
            #expect(brokenJob.lastError?.contains("does not decode") == true)
            #expect(try await queue.count(status: .done) == 5)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLoneJobOfABatchKindRunsOnItsOwn(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let calls = Mutex<[String]>([])
            var registry = JobRegistry()
            registry.register("batched", payload: Work.self) { _, _ in calls.withLock { $0.append("single") } }
            registry.registerBatch("batched", payload: Work.self, limit: 8) { jobs in
                calls.withLock { $0.append("batch") }
                return jobs.map { _ in .success(()) }
            }
            let (worker, queue, _) = makeWorker(store: store, registry: registry)
            try await queue.enqueue(try JobRequest(kind: "batched", encoding: Work(n: 1), idempotencyKey: "alone"))
            await worker.drain()
            #expect(calls.withLock { $0 } == ["single"])
            #expect(try await queue.count(status: .done) == 1)
        }
    }
}
