import Foundation
import Synchronization

/// Stops calling an endpoint that keeps failing: after `threshold` failures in a row it stays open
/// for `cooldown`, then lets one call through to test it (the others stay refused until that call
/// succeeds, or for another cooldown when it fails).
public final class CircuitBreaker: Sendable {
    private let threshold: Int
    private let cooldown: TimeInterval
    private let clock: @Sendable () -> Date
    private let state = Mutex<[String: (failures: Int, openedAt: Date?)]>([:])

    public init(threshold: Int = 3, cooldown: TimeInterval = 60, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
    }

    /// Nil when a call may go out; otherwise why not.
    public func refusal(for key: String) -> String? {
        state.withLock { states in
            guard let opened = states[key]?.openedAt else { return nil }
            let now = clock()
            if now.timeIntervalSince(opened) >= cooldown {
                states[key]?.openedAt = now  // half-open: this call tests the endpoint, the others wait for it
                return nil
            }
            return "the circuit is open after \(threshold) failures in a row; retrying after \(Int(cooldown)) s"
        }
    }

    public func recordSuccess(_ key: String) {
        state.withLock { $0[key] = (0, nil) }
    }

    public func recordFailure(_ key: String) {
        state.withLock { states in
            var entry = states[key] ?? (0, nil)
            entry.failures += 1
            if entry.failures >= threshold { entry.openedAt = clock() }
            states[key] = entry
        }
    }
}
