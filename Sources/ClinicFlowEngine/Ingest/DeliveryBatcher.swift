import ClinicFlowStore
import Foundation
import NIOCore
import Synchronization

/// Group commit for webhook deliveries: requests that arrive while a transaction is being written
/// wait and go into the next one together. At low load each delivery commits alone (no added
/// delay); under a burst one commit carries many, which is what lets SQLite's single writer keep up.
///
/// Everything here runs on event-loop futures rather than tasks: under load, each hop through the
/// concurrency pool waits behind the request handlers, and the writer is the one thing that must
/// never wait.
public final class DeliveryBatcher: Sendable {
    private typealias Waiter = (delivery: NewDelivery, promise: EventLoopPromise<DeliveryOutcome>)

    private let deliveries: DeliveryStore
    private let maxBatch: Int
    /// Transactions written at once: one for SQLite's single writer; several on PostgreSQL, where
    /// each commit waits for its WAL flush and concurrent commits share that wait.
    private let writers: Int
    private let state = Mutex(State())

    private struct State {
        var pending: [Waiter] = []
        var flushing = 0
    }

    public init(deliveries: DeliveryStore, maxBatch: Int = 256, writers: Int? = nil) {
        self.deliveries = deliveries
        self.maxBatch = max(1, maxBatch)
        self.writers = max(1, writers ?? (deliveries.store.kind == .sqlite ? 1 : 4))
    }

    /// Stores `delivery` (with its processing job); the future completes, on `eventLoop`, once it is committed.
    public func submit(_ delivery: NewDelivery, on eventLoop: any EventLoop) -> EventLoopFuture<DeliveryOutcome> {
        let promise = eventLoop.makePromise(of: DeliveryOutcome.self)
        let startFlushing = state.withLock { state in
            state.pending.append((delivery, promise))
            if state.flushing >= writers { return false }
            state.flushing += 1
            return true
        }
        if startFlushing { flushNext() }
        return promise.futureResult
    }

    public func submit(_ delivery: NewDelivery) async throws -> DeliveryOutcome {
        try await submit(delivery, on: deliveries.store.db.eventLoop).get()
    }

    private func flushNext() {
        let batch = state.withLock { state -> [Waiter] in
            let taken = Array(state.pending.prefix(maxBatch))
            state.pending.removeFirst(taken.count)
            if taken.isEmpty { state.flushing -= 1 }
            return taken
        }
        guard !batch.isEmpty else { return }
        deliveries.recordFuture(batch.map(\.delivery)).whenComplete { result in
            switch result {
            case .success(let outcomes):
                for (waiter, outcome) in zip(batch, outcomes) { waiter.promise.succeed(outcome) }
            case .failure(let error):
                // Nothing of this batch was committed; each webhook gets an error and its provider retries.
                for waiter in batch { waiter.promise.fail(error) }
            }
            self.flushNext()
        }
    }
}
