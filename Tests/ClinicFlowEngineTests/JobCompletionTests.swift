import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// A handler can mark its job done in its own last transaction: the job's writes and its being done
/// commit together, or, when another worker took the lease meanwhile, neither does.
@Suite struct JobCompletionTests {
    struct LeaseTaken: Error {}

    static func register(_ registry: inout JobRegistry, stealLease: Bool) {
        registry.register("write") { context in
            if stealLease {
                // As if the lease had expired and another worker had taken the job.
                try await context.store.sql().update("jobs").set("lease_token", to: SQLBind(UUID())).where("id", .equal, SQLBind(context.job.id)).run()
            }
            try await context.store.db.withTransaction { transaction in
                try await context.events.append(
                    EventDraft(clinicID: nil, stream: "test", type: "test.written", payload: Data("{}".utf8), idempotencyKey: "written:\(context.job.id)"),
                    on: transaction
                )
                guard try await context.complete(on: transaction) else { throw LeaseTaken() }
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func writesAndCompletionCommitTogether(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            var registry = JobRegistry()
            Self.register(&registry, stealLease: false)
            let (worker, queue, events) = makeWorker(store: store, registry: registry)
            let id = try await queue.enqueue(JobRequest(kind: "write")).id
            #expect(await worker.drain() == 1)
            let job = try #require(try await queue.job(id: id))
            #expect(job.status == .done)
            #expect(job.attempts == 1)
            #expect(try await events.events(inStream: "test").map(\.type) == ["test.written"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLostLeaseKeepsNothingOfTheRun(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            var registry = JobRegistry()
            Self.register(&registry, stealLease: true)
            let (worker, queue, events) = makeWorker(store: store, registry: registry)
            let id = try await queue.enqueue(JobRequest(kind: "write")).id
            #expect(await worker.drain() == 1)
            // Still the other worker's, and this run's write was rolled back with the completion.
            let job = try #require(try await queue.job(id: id))
            #expect(job.status == .running)
            #expect(try await events.events(inStream: "test").isEmpty)
        }
    }
}
