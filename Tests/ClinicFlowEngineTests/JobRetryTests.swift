import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import Testing

@Suite struct JobRetryTests {
    @Test(arguments: TestDatabase.available)
    func aJobThatFailsTwiceThenSucceedsBacksOffAndCompletes(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let runs = RunLog()
            var registry = JobRegistry()
            registry.register("flaky") { context in
                let run = runs.record(context.job.id)
                if run < 3 { throw FlakyError(attempt: run) }
            }
            let (worker, queue, _) = makeWorker(store: store, clock: clock, registry: registry)
            let id = try await queue.enqueue(JobRequest(kind: "flaky")).id

            #expect(await worker.drain() == 1)
            var job = try #require(try await queue.job(id: id))
            #expect(job.status == .queued)
            #expect(job.lastError == "provider unavailable on attempt 1")
            #expect(job.runAt == clock.now().addingTimeInterval(10))  // base delay

            // Not due yet: nothing runs until the backoff has passed.
            #expect(await worker.drain() == 0)
            clock.advance(by: 10)
            #expect(await worker.drain() == 1)
            job = try #require(try await queue.job(id: id))
            #expect(job.status == .queued)
            #expect(job.runAt == clock.now().addingTimeInterval(20))  // doubled

            clock.advance(by: 20)
            #expect(await worker.drain() == 1)
            job = try #require(try await queue.job(id: id))
            #expect(job.status == .done)
            #expect(job.attempts == 3)
            #expect(runs.counts[id] == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aJobLandsInDeadLettersAfterMaxAttemptsAndIsReplayed(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            let clock = ManualClock()
            let runs = RunLog()
            let healthy = HealthSwitch()
            var registry = JobRegistry()
            registry.register("send") { context in
                let run = runs.record(context.job.id)
                if !healthy.isOn { throw FlakyError(attempt: run) }
            }
            let (worker, queue, events) = makeWorker(store: store, clock: clock, registry: registry)
            let clinic = UUID()
            let id = try await queue.enqueue(JobRequest(kind: "send", clinicID: clinic, correlationID: "corr-9")).id

            for _ in 0..<5 {
                await worker.drain()
                clock.advance(by: 100)
            }
            #expect(runs.counts[id] == 3)  // maxAttempts, not more
            let dead = try await queue.deadLetters()
            #expect(dead.map(\.id) == [id])
            #expect(dead.first?.lastError == "provider unavailable on attempt 3")

            let history = try await events.events(inStream: DeadLetterEvents.stream(id))
            #expect(history.map(\.type) == ["job.dead_lettered"])
            let deadLettered = try history[0].decodePayload(as: DeadLetterEvents.DeadLettered.self)
            #expect(deadLettered.attempts == 3)
            #expect(deadLettered.reason == "attempts_exhausted")
            #expect(history[0].clinicID == clinic)
            #expect(history[0].correlationID == "corr-9")

            // The provider recovers; an operator replays the dead letter.
            healthy.turnOn()
            let office = DeadLetterOffice(queue: queue, events: events)
            #expect(try await office.replay(jobID: id, by: "ops@clinic") == .replayed)
            #expect(try await office.replay(jobID: id) == .notDead(.queued))
            #expect(try await office.replay(jobID: UUID()) == .notFound)
            #expect(await worker.drain() == 1)
            #expect(try await queue.job(id: id)?.status == .done)
            #expect(runs.counts[id] == 4)
            let types = try await events.events(inStream: DeadLetterEvents.stream(id)).map(\.type)
            #expect(types == ["job.dead_lettered", "job.replayed"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func permanentErrorsAndUnknownKindsSkipTheRetries(database: TestDatabase) async throws {
        try await withTestStore(database) { store, _ in
            struct Payload: Codable, Sendable { var leadID: UUID }
            var registry = JobRegistry()
            registry.register("score", payload: Payload.self) { _, _ in }
            registry.register("gone") { _ in throw PermanentJobError("the lead was erased") }
            let (worker, queue, events) = makeWorker(store: store, registry: registry)
            let malformed = try await queue.enqueue(JobRequest(kind: "score", payload: Data(#"{"leadID":42}"#.utf8))).id
            let gone = try await queue.enqueue(JobRequest(kind: "gone")).id
            let unknown = try await queue.enqueue(JobRequest(kind: "no-such-kind")).id
            let fine = try await queue.enqueue(JobRequest(kind: "score", encoding: Payload(leadID: UUID()))).id

            #expect(await worker.drain() == 4)
            #expect(try await queue.job(id: fine)?.status == .done)
            for id in [malformed, gone, unknown] {
                let job = try #require(try await queue.job(id: id))
                #expect(job.status == .dead)
                #expect(job.attempts == 1)
            }
            #expect(try await queue.job(id: gone)?.lastError == "the lead was erased")
            #expect(try await queue.job(id: unknown)?.lastError?.contains("no handler") == true)
            #expect(try await queue.job(id: malformed)?.lastError?.contains("does not decode") == true)
            let reasons = try await [malformed, gone, unknown].asyncMap { id in
                try await events.events(inStream: DeadLetterEvents.stream(id)).first?
                    .decodePayload(as: DeadLetterEvents.DeadLettered.self).reason
            }
            #expect(reasons == ["permanent_error", "permanent_error", "unknown_kind"])
        }
    }
}

final class HealthSwitch: Sendable {
    private let on = Mutex(false)
    var isOn: Bool { on.withLock { $0 } }
    func turnOn() { on.withLock { $0 = true } }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

import Synchronization
