import ClinicFlowEngine
import ClinicFlowStore
import Foundation
import Prometheus

/// The metrics ClinicFlow exports at `/metrics`, in one registry per application (not the process-wide
/// MetricsSystem, which can be bootstrapped only once and would tie tests together).
public final class AppMetrics: JobObserver, Sendable {
    public let registry = PrometheusCollectorRegistry()

    private static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]
    private static let jobBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
        .seconds(15), .seconds(60), .seconds(300),
    ]

    public init() {}

    func recordRequest(method: String, route: String, status: UInt, duration: Duration) {
        registry.makeCounter(
            descriptor: .init(metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route and status"),
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
            labels: [("method", method), ("route", route)],
            buckets: Self.latencyBuckets
        ).record(duration)
    }

    public func jobFinished(kind: String, outcome: JobOutcome, duration: Duration) {
        registry.makeCounter(
            descriptor: .init(namespace: "clinicflow", metricName: "jobs", unitName: "total", helpText: "Job runs by kind and outcome"),
            labels: [("kind", kind), ("outcome", outcome.rawValue)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "clinicflow", metricName: "job_duration", unitName: "seconds", helpText: "Job run time"),
            labels: [("kind", kind)],
            buckets: Self.jobBuckets
        ).record(duration)
    }

    /// Sets the queue-depth gauge from a fresh count; every status is reported so a drained queue shows 0.
    func recordQueueDepth(_ depths: [QueueDepth]) {
        let queues = Set(depths.map(\.queue)).union([JobRequest.defaultQueue])
        for queue in queues {
            for status in JobStatus.allCases where status != .done {
                let count = depths.first { $0.queue == queue && $0.status == status }?.count ?? 0
                registry.makeGauge(
                    descriptor: .init(namespace: "clinicflow", metricName: "queue_depth", unitName: "jobs", helpText: "Jobs waiting, running or dead, by queue"),
                    labels: [("queue", queue), ("status", status.rawValue)]
                ).set(Double(count))
            }
        }
    }

    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
