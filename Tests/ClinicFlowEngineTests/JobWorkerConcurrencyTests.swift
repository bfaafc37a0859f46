import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

@Suite struct JobWorkerConcurrencyTests {
    /// Two worker processes (two stores, two pools) on one database: every job runs exactly once.
    @Test(arguments: TestDatabase.available)
    func twoConcurrentWorkersNeverRunTheSameJob(database: TestDatabase) async throws {
        try await withTestStore(database) { store, location in
            let runs = RunLog()
            var registry = JobRegistry()
            registry.register("work") { context in
                _ = runs.record(context.job.id)
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...3)))
            }
            let otherStore = try await location.openStore(migrate: false)
            let config = WorkerConfiguration(concurrency: 6, leaseDuration: 30, pollInterval: 0.02, workerID: "A")
            let (workerA, queue, _) = makeWorker(store: store, registry: registry, configuration: config)
            var configB = config
            configB.workerID = "B"
            let (workerB, _, _) = makeWorker(store: otherStore, registry: registry, configuration: configB)

            let total = 400
            let tasks = [Task { await workerA.run() }, Task { await workerB.run() }]
            for index in 0..<total {
                try await queue.enqueue(JobRequest(kind: "work", idempotencyKey: "job-\(index)"))
                if index.isMultiple(of: 50) { workerA.wake() }
            }
            // Stop both workers even when waiting fails: a worker left polling a closed store would
            // take the whole test process down with it.
            let finished: Result<Bool, any Error>
            do {
                finished = .success(try await eventually(timeout: .seconds(60)) { try await queue.count(status: .done) == total })
            } catch {
                finished = .failure(error)
            }
            workerA.stop()
            workerB.stop()
            for task in tasks { await task.value }
            await otherStore.shutdown()
            #expect(try finished.get())

            #expect(runs.counts.count == total)
            #expect(runs.counts.values.allSatisfy { $0 == 1 })
            let leasedBy = try await store.sql().raw("SELECT COUNT(*) AS n FROM jobs WHERE status = 'done'").first(decodingColumn: "n", as: Int.self)
            #expect(leasedBy == total)
        }
    }

    /// A worker crashed mid-job (its lease simply stops being renewed); once the lease expires the
    /// job is picked up again and finished by another worker.
    @Test(arguments: TestDatabase.available)
    func anAbandonedLeaseIsRecoveredAfterItExpires(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let runs = RunLog()
            var registry = JobRegistry()
            registry.register("work") { context in _ = runs.record(context.job.id) }
            let (worker, queue, _) = makeWorker(store: store, clock: clock, registry: registry)
            let id = try await queue.enqueue(JobRequest(kind: "work")).id

            // The crashed process: it leased the job for 30 s and then vanished.
            let abandoned = try #require(try await queue.lease(limit: 1, for: 30, workerID: "crashed").first)
            #expect(await worker.drain() == 0)  // still leased: nobody else may run it
            clock.advance(by: 29)
            #expect(await worker.drain() == 0)
            clock.advance(by: 2)
            #expect(await worker.drain() == 1)

            let job = try #require(try await queue.job(id: id))
            #expect(job.status == .done)
            #expect(job.attempts == 2)  // the crashed run counts
            #expect(runs.counts[id] == 1)
            // The crashed worker, should it come back, cannot overwrite the outcome.
            #expect(try await queue.retry(abandoned, at: clock.now(), error: "late") == false)
            #expect(try await queue.job(id: id)?.status == .done)
        }
    }

    /// A job running longer than its lease keeps it by heartbeat, so no second worker starts it.
    @Test(arguments: TestDatabase.available)
    func aLongJobKeepsItsLeaseByHeartbeat(database: TestDatabase) async throws {
        try await withTestStore(database) { store, location in
            let runs = RunLog()
            var registry = JobRegistry()
            registry.register("slow") { context in
                _ = runs.record(context.job.id)
                try await Task.sleep(for: .milliseconds(2500))
            }
            let config = WorkerConfiguration(concurrency: 1, leaseDuration: 1, pollInterval: 0.05)
            let (worker, queue, _) = makeWorker(store: store, registry: registry, configuration: config)
            let otherStore = try await location.openStore(migrate: false)
            let rival = JobQueue(store: otherStore)
            let id = try await queue.enqueue(JobRequest(kind: "slow")).id

            let running = Task { await worker.drain() }
            #expect(try await eventually { try await queue.job(id: id)?.status == .running })
            var stolen: [LeasedJob] = []
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(100))
                stolen += try await rival.lease(limit: 1, for: 30, workerID: "rival")
            }
            #expect(await running.value == 1)
            await otherStore.shutdown()
            #expect(stolen.isEmpty)
            #expect(try await queue.job(id: id)?.status == .done)
            #expect(runs.counts[id] == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theRunLoopPicksUpNewJobsAndStopsGracefully(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let runs = RunLog()
            var registry = JobRegistry()
            registry.register("quick") { context in _ = runs.record(context.job.id) }
            registry.register("endless") { _ in try await Task.sleep(for: .seconds(600)) }
            var config = WorkerConfiguration(concurrency: 2, leaseDuration: 30, pollInterval: 5, shutdownGrace: 0.3)
            config.retryPolicy = .init(maxAttempts: 3)
            let (worker, queue, _) = makeWorker(store: store, registry: registry, configuration: config)
            let loop = Task { await worker.run() }

            // The poll interval is 5 s; wake() makes the idle worker look at once.
            let quick = try await queue.enqueue(JobRequest(kind: "quick")).id
            worker.wake()
            #expect(try await eventually(timeout: .seconds(3)) { runs.counts[quick] == 1 })

            let endless = try await queue.enqueue(JobRequest(kind: "endless")).id
            worker.wake()
            #expect(try await eventually(timeout: .seconds(3)) { try await queue.job(id: endless)?.status == .running })
            worker.stop()
            await loop.value

            // Past the grace period the job was handed back without losing an attempt.
            let job = try #require(try await queue.job(id: endless))
            #expect(job.status == .queued)
            #expect(job.attempts == 0)
        }
    }
}
