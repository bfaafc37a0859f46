import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct JobQueueTests {
    @Test(arguments: TestDatabase.available)
    func enqueueingTheSameIdempotencyKeyKeepsOneJob(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let queue = JobQueue(store: store)
            let first = try await queue.enqueue(JobRequest(kind: "normalize", idempotencyKey: "meta:wamid.1"))
            let second = try await queue.enqueue(JobRequest(kind: "normalize", idempotencyKey: "meta:wamid.1"))
            let unkeyed1 = try await queue.enqueue(JobRequest(kind: "normalize"))
            let unkeyed2 = try await queue.enqueue(JobRequest(kind: "normalize"))

            guard case .enqueued(let id) = first else { Issue.record("first was \(first)"); return }
            #expect(second == .duplicate(existingID: id))
            // Jobs without a key never collide (NULLs are distinct in a unique index).
            #expect(unkeyed1.id != unkeyed2.id)
            #expect(try await queue.depth() == [QueueDepth(queue: "default", status: .queued, count: 3)])
        }
    }

    /// Many jobs at once: several statements, one outcome; every column as asked, keys once.
    @Test(arguments: TestDatabase.available)
    func enqueueingManyAtOnceWritesEveryColumnAndSkipsKnownKeys(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let now = Date(timeIntervalSince1970: 1_764_590_400)
            let queue = JobQueue(store: store, clock: { now })
            guard case .enqueued(let existing) = try await queue.enqueue(JobRequest(kind: "a", idempotencyKey: "k-7")) else {
                Issue.record("the first job was not enqueued"); return
            }
            let clinic = UUID()
            let requests = (0..<150).map { index in
                JobRequest(
                    kind: "bulk", payload: Data(#"{"n":\#(index)}"#.utf8), queue: index.isMultiple(of: 2) ? "default" : "sync",
                    runAt: index < 3 ? now.addingTimeInterval(60) : nil, idempotencyKey: "k-\(index % 140)",
                    maxAttempts: index == 0 ? 9 : nil, clinicID: index.isMultiple(of: 3) ? clinic : nil, correlationID: "c-\(index)"
                )
            }
            try await queue.enqueue(contentsOf: requests)
            #expect(try await queue.depth().reduce(0) { $0 + $1.count } == 140, "k-7 was there, k-140… repeat k-0…")
            #expect(try await queue.job(id: existing)?.kind == "a")
            for request in requests[0..<140] where request.idempotencyKey != "k-7" {
                let leased = try await store.db.sql.select().column("id").from("jobs").where("idempotency_key", .equal, request.idempotencyKey!)
                    .first(decodingColumn: "id", as: UUID.self)
                let job = try await queue.job(id: #require(leased))
                #expect(job?.kind == "bulk" && job?.queue == request.queue && job?.status == .queued && job?.attempts == 0)
                #expect(job?.maxAttempts == (request.maxAttempts ?? queue.defaultMaxAttempts))
                #expect(job?.runAt == (request.runAt ?? now) && job?.clinicID == request.clinicID && job?.correlationID == request.correlationID)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyDueJobsAreLeasedOldestFirst(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let queue = JobQueue(store: store, clock: clock.function)
            let later = try await queue.enqueue(JobRequest(kind: "k", runAt: clock.now().addingTimeInterval(60)))
            clock.advance(by: 1)
            let first = try await queue.enqueue(JobRequest(kind: "k", payload: Data(#"{"n":1}"#.utf8)))
            clock.advance(by: 1)
            let second = try await queue.enqueue(JobRequest(kind: "k", queue: "outbox", clinicID: UUID(), correlationID: "c-2"))

            let leased = try await queue.lease(limit: 10, for: 30, workerID: "w1")
            #expect(leased.map(\.id) == [first.id, second.id])
            #expect(leased.allSatisfy { $0.attempt == 1 && $0.maxAttempts == 8 })
            #expect(leased[0].payload == Data(#"{"n":1}"#.utf8))
            #expect(leased[1].correlationID == "c-2")
            #expect(leased[1].clinicID != nil)
            #expect(leased.allSatisfy { abs($0.leaseExpiresAt.timeIntervalSince(clock.now()) - 30) < 0.01 })
            #expect(try await queue.lease(limit: 10, for: 30, workerID: "w2").isEmpty)

            for job in leased { #expect(try await queue.complete(job)) }
            clock.advance(by: 60)
            #expect(try await queue.lease(limit: 10, for: 30, workerID: "w2").map(\.id) == [later.id])
        }
    }

    @Test(arguments: TestDatabase.available)
    func leasingCanBeLimitedToQueues(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let queue = JobQueue(store: store)
            try await queue.enqueue(JobRequest(kind: "a", queue: "ingest"))
            let outbox = try await queue.enqueue(JobRequest(kind: "b", queue: "outbox"))
            let leased = try await queue.lease(limit: 5, for: 30, workerID: "w", queues: ["outbox", "sync"])
            #expect(leased.map(\.id) == [outbox.id])
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyTheLeaseHolderCanFinishAJob(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let queue = JobQueue(store: store, clock: clock.function)
            try await queue.enqueue(JobRequest(kind: "k"))
            let stale = try #require(try await queue.lease(limit: 1, for: 10, workerID: "slow").first)

            // The slow worker's lease runs out and another worker takes the job over.
            clock.advance(by: 9)
            #expect(try await queue.requeueExpiredLeases() == 0)
            clock.advance(by: 2)
            #expect(try await queue.requeueExpiredLeases() == 1)
            #expect(try await queue.job(id: stale.id)?.lastError?.hasPrefix("lease expired") == true)
            let fresh = try #require(try await queue.lease(limit: 1, for: 10, workerID: "fast").first)
            #expect(fresh.id == stale.id)
            #expect(fresh.attempt == 2)
            #expect(fresh.leaseToken != stale.leaseToken)

            #expect(try await queue.complete(stale) == false)
            #expect(try await queue.extendLease(stale, until: clock.now().addingTimeInterval(60)) == false)
            #expect(try await queue.job(id: fresh.id)?.status == .running)
            #expect(try await queue.complete(fresh) == true)
            let done = try #require(try await queue.job(id: fresh.id))
            #expect(done.status == .done)
            #expect(done.finishedAt != nil)
            // Completing twice is refused too.
            #expect(try await queue.complete(fresh) == false)
        }
    }

    @Test(arguments: TestDatabase.available)
    func retryKeepsTheErrorAndWaitsUntilRunAt(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let queue = JobQueue(store: store, clock: clock.function)
            try await queue.enqueue(JobRequest(kind: "k"))
            let job = try #require(try await queue.lease(limit: 1, for: 30, workerID: "w").first)
            #expect(try await queue.retry(job, at: clock.now().addingTimeInterval(5), error: "provider said 503"))

            let snapshot = try #require(try await queue.job(id: job.id))
            #expect(snapshot.status == .queued)
            #expect(snapshot.lastError == "provider said 503")
            #expect(snapshot.attempts == 1)
            #expect(try await queue.lease(limit: 1, for: 30, workerID: "w").isEmpty)
            clock.advance(by: 5)
            #expect(try await queue.lease(limit: 1, for: 30, workerID: "w").first?.attempt == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func deadLettersKeepTheLastErrorAndCanBeReplayed(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let queue = JobQueue(store: store)
            try await queue.enqueue(JobRequest(kind: "send", maxAttempts: 1))
            let job = try #require(try await queue.lease(limit: 1, for: 30, workerID: "w").first)
            #expect(try await queue.deadLetter(job, error: String(repeating: "x", count: 10_000)))

            let dead = try await queue.deadLetters()
            #expect(dead.map(\.id) == [job.id])
            #expect(dead[0].lastError?.count == 4001)  // cut to the limit plus an ellipsis
            #expect(try await queue.lease(limit: 1, for: 30, workerID: "w").isEmpty)

            #expect(try await queue.replay(id: job.id))
            #expect(try await queue.replay(id: job.id) == false)  // not dead any more
            #expect(try await queue.deadLetters().isEmpty)
            let again = try #require(try await queue.lease(limit: 1, for: 30, workerID: "w").first)
            #expect(again.attempt == 1)  // a replay gets a fresh set of attempts
        }
    }

    @Test(arguments: TestDatabase.available)
    func anExpiredLeaseOnTheLastAttemptIsDeadLettered(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let queue = JobQueue(store: store, clock: clock.function)
            let id = try await queue.enqueue(JobRequest(kind: "crashes-its-worker", maxAttempts: 2)).id
            _ = try await queue.lease(limit: 1, for: 10, workerID: "w1")
            clock.advance(by: 11)
            #expect(try await queue.deadLetterExhaustedLeases().isEmpty)  // one attempt left
            #expect(try await queue.requeueExpiredLeases() == 1)
            #expect(try await queue.lease(limit: 1, for: 10, workerID: "w2").first?.attempt == 2)
            clock.advance(by: 11)
            #expect(try await queue.requeueExpiredLeases() == 0)  // no attempts left: not requeued
            #expect(try await queue.lease(limit: 1, for: 10, workerID: "w3").isEmpty)
            let swept = try await queue.deadLetterExhaustedLeases()
            #expect(swept.map(\.id) == [id])
            #expect(swept.first?.lastError?.contains("lease expired") == true)
            #expect(try await queue.job(id: id)?.status == .dead)
        }
    }

    @Test(arguments: TestDatabase.available)
    func releaseHandsAJobBackWithoutSpendingAnAttempt(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let queue = JobQueue(store: store)
            try await queue.enqueue(JobRequest(kind: "k"))
            let job = try #require(try await queue.lease(limit: 1, for: 30, workerID: "w").first)
            #expect(try await queue.release(job))
            let snapshot = try #require(try await queue.job(id: job.id))
            #expect(snapshot.status == .queued)
            #expect(snapshot.attempts == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anEnqueueInsideAFailedTransactionLeavesNoJob(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let queue = JobQueue(store: store)
            await #expect(throws: Rollback.self) {
                try await store.db.withTransaction { transaction in
                    try await queue.enqueue(JobRequest(kind: "k", idempotencyKey: "once"), on: transaction)
                    throw Rollback()
                }
            }
            #expect(try await queue.depth().isEmpty)
            let retried = try await queue.enqueue(JobRequest(kind: "k", idempotencyKey: "once"))
            guard case .enqueued = retried else { Issue.record("the rolled-back key was still taken: \(retried)"); return }
            #expect(try await queue.depth().first?.count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentLeasesFromSeveralProcessesNeverOverlap(database: TestDatabase) async throws {
        try await withTestStore(database) { store, location in
            let queue = JobQueue(store: store)
            for index in 0..<300 { try await queue.enqueue(JobRequest(kind: "k", idempotencyKey: "job-\(index)")) }
            // Three stores: three connection pools, as three processes would have.
            let others = [try await location.openStore(migrate: false), try await location.openStore(migrate: false)]
            let queues = [queue] + others.map { JobQueue(store: $0) }
            let leasedIDs = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for (index, queue) in queues.enumerated() {
                    for lane in 0..<3 {
                        group.addTask {
                            var mine: [UUID] = []
                            while true {
                                let batch = try await queue.lease(limit: 7, for: 60, workerID: "p\(index)-\(lane)")
                                if batch.isEmpty { return mine }
                                mine += batch.map(\.id)
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            for other in others { await other.shutdown() }
            #expect(leasedIDs.count == 300)
            #expect(Set(leasedIDs).count == 300)
        }
    }

    struct Rollback: Error {}

    @Test(arguments: TestDatabase.available)
    func oldDoneJobsOfOneClinicAreDeletedAndNothingElse(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let queue = JobQueue(store: store, defaultMaxAttempts: 1, clock: clock.function)
            let (clinic, other) = (UUID(), UUID())
            /// Enqueues and leases one job and finishes it with `outcome`; returns its id.
            func job(_ clinicID: UUID?, _ outcome: (LeasedJob) async throws -> Void) async throws -> UUID {
                let id = try await queue.enqueue(JobRequest(kind: "k", idempotencyKey: UUID().uuidString, clinicID: clinicID)).id
                let leased = try #require(try await queue.lease(limit: 1, for: 30, workerID: "w").first)
                try await outcome(leased)
                return id
            }
            var old: [UUID] = []
            for _ in 0..<5 { old.append(try await job(clinic) { _ = try await queue.complete($0) }) }
            let oldDead = try await job(clinic) { _ = try await queue.deadLetter($0, error: "broken") }
            let otherClinic = try await job(other) { _ = try await queue.complete($0) }
            let noClinic = try await job(nil) { _ = try await queue.complete($0) }
            clock.advance(by: 10 * 86_400)
            let recent = try await job(clinic) { _ = try await queue.complete($0) }
            let waiting = try await queue.enqueue(JobRequest(kind: "k", clinicID: clinic)).id

            // Chunks of two: the five old ones go in three statements.
            #expect(try await queue.deleteDone(clinicID: clinic, finishedBefore: clock.now().addingTimeInterval(-86_400), chunk: 2) == 5)
            for id in old { #expect(try await queue.job(id: id) == nil) }
            for id in [oldDead, otherClinic, noClinic, recent, waiting] { #expect(try await queue.job(id: id) != nil) }
            #expect(try await queue.deleteDone(clinicID: nil, finishedBefore: clock.now()) == 1)
            #expect(try await queue.job(id: noClinic) == nil)
            #expect(try await queue.job(id: otherClinic) != nil)
        }
    }
}
