import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// `scores.refresh`: the nightly job that re-scores open leads whose score is older than a day
/// (rules and words change; a quiet lead cools down).
public struct ScoreRefreshJob: Sendable {
    public static let kind = "scores.refresh"
    static let batch = 500

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind) { context in
            let stale = try await components.leads.staleScores(before: context.queue.now.addingTimeInterval(-20 * 3600), limit: Self.batch)
            let day = context.job.id.text(lowercase: true)
            try await components.queue.enqueue(contentsOf: try stale.map { lead in
                try LeadScoringJob.request(leadID: lead.id, clinicID: lead.clinicID, key: "refresh:\(day):\(lead.id)", correlationID: nil)
            })
            context.logger.info("queued score refreshes", metadata: ["leads": "\(stale.count)"])
        }
    }
}

/// Jobs that run once a day, whichever process notices first: the day is in the idempotency key.
public struct DailySchedule: Sendable {
    public struct Entry: Sendable {
        public var kind: String
        /// UTC hour after which the day's run is due.
        public var hour: Int
        public init(kind: String, hour: Int) {
            self.kind = kind
            self.hour = hour
        }
    }

    public let entries: [Entry]
    let queue: JobQueue

    public init(entries: [Entry], queue: JobQueue) {
        self.entries = entries
        self.queue = queue
    }

    public static func standard(queue: JobQueue) -> DailySchedule {
        DailySchedule(entries: [
            Entry(kind: DailyHousekeeping.consentKind, hour: 2), Entry(kind: ScoreRefreshJob.kind, hour: 3), Entry(kind: DailyHousekeeping.retentionKind, hour: 4),
        ], queue: queue)
    }

    /// Enqueues today's runs that are due. Cheap to call often.
    public func tick() async throws {
        let now = queue.now
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let hour = calendar.component(.hour, from: now)
        let day = now.formatted(.iso8601.year().month().day())
        for entry in entries where hour >= entry.hour {
            try await queue.enqueue(JobRequest(kind: entry.kind, idempotencyKey: "\(entry.kind):\(day)", maxAttempts: 3))
        }
    }
}
