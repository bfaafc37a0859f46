import ClinicFlowDomain
import Foundation

public struct WorkerConfiguration: Sendable, Equatable {
    /// Jobs run at the same time by one worker.
    public var concurrency: Int
    /// How long a job is held before another worker may take it; renewed while the job runs.
    public var leaseDuration: TimeInterval
    /// Longest idle wait between looks at the queue (jobs enqueued by other processes).
    public var pollInterval: TimeInterval
    /// Longest wait for running jobs when stopping; the rest are handed back to the queue.
    public var shutdownGrace: TimeInterval
    /// Queues served; nil serves all.
    public var queues: [String]?
    public var retryPolicy: RetryPolicy
    public var workerID: String

    public init(
        concurrency: Int = 4,
        leaseDuration: TimeInterval = 60,
        pollInterval: TimeInterval = 1,
        shutdownGrace: TimeInterval = 20,
        queues: [String]? = nil,
        retryPolicy: RetryPolicy = .default,
        workerID: String = WorkerConfiguration.defaultWorkerID()
    ) {
        self.concurrency = max(1, concurrency)
        self.leaseDuration = max(1, leaseDuration)
        self.pollInterval = max(0.01, pollInterval)
        self.shutdownGrace = max(0, shutdownGrace)
        self.queues = queues
        self.retryPolicy = retryPolicy
        self.workerID = workerID
    }

    /// host:pid:random, so leases name the process that holds them.
    public static func defaultWorkerID() -> String {
        let info = ProcessInfo.processInfo
        return "\(info.hostName):\(info.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }
}
