/// How one run of a job ended.
public enum JobOutcome: String, Sendable, CaseIterable {
    case succeeded
    case retried
    case deadLettered = "dead_lettered"
    /// Another worker took the job over (this one was too slow); its result was discarded.
    case leaseLost = "lease_lost"
    /// The worker was stopping and handed the job back without spending an attempt.
    case released
}

/// Receives job outcomes, e.g. to count them in metrics. The engine knows no metrics library.
public protocol JobObserver: Sendable {
    func jobFinished(kind: String, outcome: JobOutcome, duration: Duration)
}

public struct NoJobObserver: JobObserver {
    public init() {}
    public func jobFinished(kind: String, outcome: JobOutcome, duration: Duration) {}
}
