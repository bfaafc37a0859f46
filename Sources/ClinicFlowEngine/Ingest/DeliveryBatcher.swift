import ClinicFlowStore
import Foundation
import Synchronization

/// Group commit for webhook deliveries: requests that arrive while a transaction is being written
/// wait and go into the next one together. At low load each delivery commits alone (no added
/// delay); under a burst one commit carries many, which is what lets SQLite's single writer keep up.
public final class DeliveryBatcher: Sendable {
    private let deliveries: DeliveryStore
    private let maxBatch: Int
    private let state = Mutex(State())

    private struct State {
        var pending: [(NewDelivery, CheckedContinuation<DeliveryOutcome, any Error>)] = []
        var flushing = false
    }

    public init(deliveries: DeliveryStore, maxBatch: Int = 256) {
        self.deliveries = deliveries
        self.maxBatch = max(1, maxBatch)
    }

    /// Stores `delivery` (with its processing job) and returns once it is committed.
    public func submit(_ delivery: NewDelivery) async throws -> DeliveryOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let startFlusher = state.withLock { state in
                state.pending.append((delivery, continuation))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if startFlusher { Task { await self.flushUntilEmpty() } }
        }
    }

    private func flushUntilEmpty() async {
        while true {
            let batch = state.withLock { state -> [(NewDelivery, CheckedContinuation<DeliveryOutcome, any Error>)] in
                let taken = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.flushing = false }
                return taken
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await deliveries.record(batch.map(\.0))
                for (item, outcome) in zip(batch, outcomes) { item.1.resume(returning: outcome) }
            } catch {
                // Nothing of this batch was committed; each webhook gets an error and its provider retries.
                for item in batch { item.1.resume(throwing: error) }
            }
        }
    }
}
