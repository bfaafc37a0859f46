import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// `lead.score`: scores a lead from the person's recent messages (the clinic's LLM when it turned one
/// on, the rules otherwise or when the LLM fails), triages them for medical red flags, routes and
/// assigns a lead nobody owns yet, and records all of it with the urgent and HOT tasks (for the new
/// owner) in one transaction.
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
        guard let clinicID = context.job.clinicID, let lead = try await components.leads.find(id: leadID, clinicID: clinicID) else {
            throw PermanentJobError("lead \(leadID) no longer exists")
        }
        guard lead.status == .open, let contact = try await components.contacts.find(id: lead.contactID, clinicID: clinicID, identities: false) else { return }
        let texts = try await components.conversations.recentInboundTexts(contactID: contact.id, clinicID: clinicID, limit: 5)
        let history = try await components.leads.leads(contactID: contact.id, clinicID: clinicID).filter { $0.id != lead.id }
        let input = ScoringInput(
            text: texts.reversed().joined(separator: "\n"), source: lead.source, utm: lead.utm, cameFromAd: lead.utm.source == "meta_ads",
            fullContactDetails: lead.source == "webform" && contact.phone != nil && contact.email != nil,
            previousLeads: history.count, previousWins: history.filter { $0.status == .won }.count
        )
        let (settings, apiKey) = try await components.scoring.settings(clinicID: clinicID)
        guard let clinic = try await components.clinics.find(id: clinicID) else { throw PermanentJobError("the clinic of lead \(leadID) no longer exists") }
        let rules = RuleScorer(vocabulary: ScoringVocabulary.standard.adding(settings.vocabulary))
        var score = rules.score(input)
        if let endpoint = ChatCompletionsClient.Endpoint(settings.llm, apiKey: apiKey) {
            score = await llm.score(input, names: [contact.name].compactMap { $0 }, endpoint: endpoint, fallback: rules)
            if let reason = score.fallbackReason {
                context.logger.warning("LLM scoring fell back to the rules", metadata: ["reason": .string(reason)])
            }
        }
        // Triage reads the latest few messages: a red flag from last week is not today's emergency.
        let triage = Triage().assess(texts.prefix(3).joined(separator: "\n"))
        let assessment = LeadAssessment(score: score, triage: triage)

        let (components, assigner) = (self.components, LeadAssigner(components: components))
        let jobKey = context.job.id.uuidString.lowercased()
        let now = context.queue.now
        try await components.store.db.withTransaction { transaction in
            // The score goes onto the lead as it is now: a person may have moved or taken it while
            // the model was thinking, and saving the copy read before would undo that.
            guard let lead = try await components.leads.find(id: leadID, clinicID: clinicID, on: transaction), lead.status == .open else { return }
            var updated = lead
            updated.score = assessment.score.score
            updated.temperature = assessment.score.temperature
            updated.urgent = lead.urgent || triage.isUrgent  // cleared by a person, not by a calmer message
            updated.language = lead.language ?? LanguageGuess.guess(input.text)
            updated.scoredAt = now
            if updated.procedure == nil { updated.procedure = assessment.score.procedure }
            let becameUrgent = triage.isUrgent && !lead.urgent
            let becameHot = assessment.score.temperature == .hot && lead.temperature != .hot
            // An unowned lead is routed and assigned here, so the HOT or urgent task below already
            // goes to its owner.
            var assignment: LeadAssigner.Decision?
            if updated.ownerID == nil {
                let decision = try await assigner.decide(updated, clinic: clinic, at: now, settings: settings, otherLeads: history, on: transaction)
                updated.department = decision.department
                updated.ownerID = decision.ownerID
                assignment = decision
            }
            try await components.leads.save(updated, on: transaction)
            try await components.scoring.record(assessment.score, leadID: lead.id, clinicID: clinicID, on: transaction)
            try await append("lead.scored", CRMEvents.LeadScored(leadID: lead.id, score: assessment.score), key: "lead.scored:\(jobKey)", lead: lead, context, transaction)
            if becameUrgent {
                try await append("lead.triage_flagged", CRMEvents.TriageFlagged(leadID: lead.id, flags: triage.flags), key: "triage:\(lead.id)", lead: lead, context, transaction)
                try await components.scoring.createTask(
                    .init(clinicID: clinicID, leadID: lead.id, assigneeID: updated.ownerID, kind: "urgent_triage", priority: "urgent",
                          title: "Medical red flag (\(triage.flags.map(\.rawValue).joined(separator: ", "))): call \(contact.name ?? "the patient") now", dueAt: now),
                    key: "triage:\(lead.id)", on: transaction
                )
                try await components.scoring.notify(
                    clinicID: clinicID, userID: updated.ownerID, leadID: lead.id, kind: "urgent",
                    title: "Urgent: \(contact.name ?? "a patient") reports \(triage.flags.map(\.rawValue).joined(separator: ", "))", key: "triage:\(lead.id)", on: transaction
                )
            }
            if becameHot {
                try await components.scoring.createTask(
                    .init(clinicID: clinicID, leadID: lead.id, assigneeID: updated.ownerID, kind: "call_hot_lead", priority: "high",
                          title: "HOT lead: contact \(contact.name ?? "them") today", dueAt: now.addingTimeInterval(3600)),
                    key: "hot:\(lead.id)", on: transaction
                )
                try await components.scoring.notify(
                    clinicID: clinicID, userID: updated.ownerID, leadID: lead.id, kind: "hot_lead",
                    title: "HOT lead: \(contact.name ?? "new patient")\(assessment.score.procedure.map { " (\($0))" } ?? "")", key: "hot:\(lead.id)", on: transaction
                )
                if case .success = try await CRMSync(components: components).connection(.hubspot, clinicID: clinicID, on: transaction) {
                    try await components.queue.enqueue(
                        try CRMActivityJob.request(.init(activity: .hubspotHotLead, contactID: lead.contactID, leadID: lead.id), clinicID: clinicID, key: "\(lead.id)", correlationID: context.job.correlationID),
                        on: transaction
                    )
                }
            }
            if let assignment {
                // A lead left in the pool is tried again with each message (someone may be working
                // by then), but the timeline says it was pooled only once.
                let key = assignment.ownerID == nil ? "lead.pooled:\(lead.id.uuidString.lowercased())" : "assign:\(jobKey)"
                try await assigner.record(assignment, lead: updated, at: now, correlationID: context.job.correlationID, key: key, on: transaction)
            }
        }
    }

    private func append<Payload: Encodable>(_ type: String, _ payload: Payload, key: String, lead: Lead, _ context: JobContext, _ database: any Database) async throws {
        try await components.events.append(
            try EventDraft(clinicID: lead.clinicID, stream: Contact.stream(lead.contactID), type: type, encoding: payload,
                           correlationID: context.job.correlationID, causationID: "job:\(context.job.id.uuidString.lowercased())", idempotencyKey: key),
            on: database
        )
    }
}
