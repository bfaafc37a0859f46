import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// `lead.score`: scores a lead from the person's recent messages (the clinic's LLM when it turned one
/// on, the rules otherwise or when the LLM fails), triages them for medical red flags, routes and
/// assigns a lead nobody owns yet, and records all of it with the urgent and HOT tasks (for the new
/// owner) in one transaction (`LeadScoring`). Without an LLM the intake usually scores at once and
/// queues no job; score refreshes and intakes that fell back to jobs still come here.
public struct LeadScoringJob: Sendable {
    public static let kind = "lead.score"

    public struct Payload: Codable, Sendable, Equatable {
        public var leadID: UUID
        public init(leadID: UUID) { self.leadID = leadID }
    }

    let components: EngineComponents
    let llm: LLMScorer

    public init(components: EngineComponents, llm: LLMScorer) {
        self.components = components
        self.llm = llm
    }

    public static func request(leadID: UUID, clinicID: UUID, key: String, correlationID: String?) throws -> JobRequest {
        try JobRequest(kind: kind, encoding: Payload(leadID: leadID), idempotencyKey: "\(kind):\(key)", clinicID: clinicID, correlationID: correlationID)
    }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload.leadID, context: context)
        }
    }

    func run(_ leadID: UUID, context: JobContext) async throws {
        let scoring = LeadScoring(components: components)
        guard let clinicID = context.job.clinicID else { throw PermanentJobError("lead \(leadID) no longer exists") }
        guard let reading = try await scoring.read(leadID: leadID, clinicID: clinicID, on: components.store.db) else { return }
        let (settings, apiKey) = try await components.scoring.settings(clinicID: clinicID)
        guard let clinic = try await components.clinics.find(id: clinicID) else { throw PermanentJobError("the clinic of lead \(leadID) no longer exists") }
        let rules = LeadScoring.rules(settings)
        var score = rules.score(reading.input)
        if let endpoint = ChatCompletionsClient.Endpoint(settings.llm, apiKey: apiKey) {
            score = await llm.score(reading.input, names: [reading.contact.name].compactMap { $0 }, endpoint: endpoint, fallback: rules)
            if let reason = score.fallbackReason {
                context.logger.warning("LLM scoring fell back to the rules", metadata: ["reason": .string(reason)])
            }
        }
        let jobID = context.job.id.text(lowercase: true)
        let origin = LeadScoring.Origin(key: jobID, causationID: "job:\(jobID)", correlationID: context.job.correlationID)
        let now = context.queue.now
        try await components.store.db.withTransaction { [components, score] transaction in
            // The score goes onto the lead as it is now: a person may have moved or taken it while
            // the model was thinking, and saving the copy read before would undo that.
            guard let lead = try await components.leads.find(id: leadID, clinicID: clinicID, on: transaction), lead.status == .open else { return }
            try await scoring.record(score, reading: reading, lead: lead, clinic: clinic, settings: settings, origin: origin, at: now, on: transaction)
        }
    }
}
