import Foundation

/// How a failed job is retried: exponential backoff with jitter, then the dead-letter queue.
///
/// Jitter spreads retries of jobs that failed together (a provider outage) so they do not
/// hit the provider again in lockstep. The delay for attempt *n* is
/// `min(maxDelay, baseDelay · 2^(n-1))`, shortened by up to `jitter` of itself.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first run included. At least 1.
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// Fraction (0...1) of the delay that is randomised away.
    public var jitter: Double

    public init(maxAttempts: Int = 8, baseDelay: TimeInterval = 2, maxDelay: TimeInterval = 3600, jitter: Double = 0.25) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(self.baseDelay, maxDelay)
        self.jitter = min(1, max(0, jitter))
    }

    public static let `default` = RetryPolicy()

    /// What to do after `attempt` (1-based) failed.
    /// - Parameter random: a number in `0..<1`; injected so the rule stays deterministic under test.
    public func decision(afterFailedAttempt attempt: Int, maxAttempts override: Int? = nil, random: Double) -> RetryDecision {
        let limit = override ?? maxAttempts
        guard attempt < limit else { return .deadLetter }
        return .retry(after: delay(afterAttempt: attempt, random: random))
    }

    /// The pause before the next attempt once `attempt` (1-based) has failed.
    public func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let exponent = Double(max(0, attempt - 1))
        // Cap the exponent before pow so a huge attempt count cannot overflow to infinity.
        let raw = baseDelay * pow(2, min(exponent, 62))
        let capped = min(maxDelay, raw)
        let unit = min(max(random, 0), 1)
        return capped * (1 - jitter * unit)
    }
}

public enum RetryDecision: Sendable, Equatable {
    case retry(after: TimeInterval)
    case deadLetter
}
