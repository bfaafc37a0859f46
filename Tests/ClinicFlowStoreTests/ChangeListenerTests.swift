import ClinicFlowDomain
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Synchronization
import Testing

/// On PostgreSQL, inserted events and jobs wake other processes' listeners through the tables'
/// triggers (M015), once per transaction; SQLite has no listener.
@Suite struct ChangeListenerTests {
    final class Count: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var current: Int { value.withLock { $0 } }
    }

    /// Repeats `insert` until `count` moves (LISTEN starts asynchronously), for up to ten seconds.
    static func woken(_ count: Count, by insert: () async throws -> Void) async throws -> Bool {
        for _ in 0..<50 {
            try await insert()
            try await Task.sleep(for: .milliseconds(200))
            if count.current > 0 { return true }
        }
        return false
    }

    @Test func sqliteHasNoListener() async throws {
        try await withTestStore(.sqlite) { store, _ in #expect(ChangeListener(store: store) == nil) }
    }

    @Test(.enabled(if: TestDatabase.available.contains(.postgres)))
    func insertedEventsAndJobsWakeListenersOncePerTransaction() async throws {
        // A database of its own: other tests' inserts in the shared one would wake this listener too.
        try await withOwnPostgresDatabase { store in
            let listener = try #require(ChangeListener(store: store))
            let (events, jobs) = (EventStore(store: store), JobQueue(store: store))
            let (eventWakes, jobWakes) = (Count(), Count())
            listener.start(onEvents: { eventWakes.add() }, onJobs: { jobWakes.add() })
            defer { listener.stop() }

            #expect(try await Self.woken(eventWakes) { _ = try await events.append(Self.draft()) })
            #expect(try await Self.woken(jobWakes) { _ = try await Self.queue(jobs) })

            // Twenty events and three jobs in one transaction: one wake each, at commit. (Under load
            // notifications arrive late and in bursts: wait for the counts to settle first.)
            try await Self.settle(eventWakes, jobWakes)
            let (eventsBefore, jobsBefore) = (eventWakes.current, jobWakes.current)
            try await store.db.withTransaction { transaction in
                for _ in 0..<20 { _ = try await events.append(Self.draft(), on: transaction) }
                try await jobs.enqueue(contentsOf: [JobRequest(kind: "a"), JobRequest(kind: "b")], on: transaction)
                _ = try await jobs.enqueue(JobRequest(kind: "c"), on: transaction)
                try await Task.sleep(for: .milliseconds(300))
                #expect(eventWakes.current == eventsBefore, "nothing before commit")
            }
            try await Self.settle(eventWakes, jobWakes)
            #expect(eventWakes.current == eventsBefore + 1)
            #expect(jobWakes.current == jobsBefore + 1)
        }
    }

    /// Waits until neither count has moved for a second.
    static func settle(_ counts: Count...) async throws {
        var last = counts.map(\.current)
        while true {
            try await Task.sleep(for: .seconds(1))
            let now = counts.map(\.current)
            if now == last { return }
            last = now
        }
    }

    static func draft() -> EventDraft {
        EventDraft(clinicID: nil, stream: "s", type: "t", payload: Data("{}".utf8), idempotencyKey: UUID().uuidString)
    }

    static func queue(_ jobs: JobQueue) async throws -> EnqueueOutcome {
        try await jobs.enqueue(JobRequest(kind: "wake"))
    }
}
