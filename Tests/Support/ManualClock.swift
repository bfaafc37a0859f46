import Foundation
import Synchronization

/// A clock tests move by hand, for backoff and lease expiry without sleeping.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// For APIs that take a `() -> Date`.
    public var function: @Sendable () -> Date { { self.now() } }
}
