import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

/// Scoring one lead in two halves, so `lead.score` can ask the clinic's LLM between them outside any
/// transaction: what the score is computed from, and recording it (triage, routing and assignment,
/// the HOT and urgent tasks for the new owner, events). The intake runs both halves in its own
/// transaction when the clinic has no LLM (`IntakeFollowUps`).
struct LeadScoring: Sendable {
    /// What the score is computed from.
    struct Reading: Sendable {
        var lead: Lead
        var contact: Contact
        /// Newest first.
        var texts: [String]
        /// The contact's other leads.
        var history: [Lead]
        var input: ScoringInput
    }

    /// What ran the scoring: its key makes the events idempotent, its id is their cause.
    struct Origin: Sendable {
        var key: String
        var causationID: String
        var correlationID: String?
    }

    /// What the intake's own transaction just wrote: not read back.
    struct Known: Sendable {
        /// The lead as saved in this transaction.
        var lead: Lead
        /// The contact when this transaction created it: then the lead is its only one.
        var newContact: Contact?
    }

    let components: EngineComponents

    /// Nil when the lead is closed or its contact is gone: there is nothing to score.
    func read(leadID: UUID, clinicID: UUID, known: Known? = nil, on database: any Database) async throws -> Reading? {
        let found = if let known { known.lead } else { try await components.leads.find(id: leadID, clinicID: clinicID, on: database) }
        guard let lead = found else { throw PermanentJobError("lead \(leadID) no longer exists") }
        guard lead.status == .open else { return nil }
        let contact = if let new = known?.newContact { new } else {
            try await components.contacts.find(id: lead.contactID, clinicID: clinicID, identities: false, on: database)
        }
        guard let contact else { return nil }
        let texts = try await components.conversations.recentInboundTexts(contactID: contact.id, clinicID: clinicID, on: database)
        let history = known?.newContact != nil
            ? [] : try await components.leads.leads(contactID: contact.id, clinicID: clinicID, on: database).filter { $0.id != lead.id }
        let input = ScoringInput(
            text: texts.reversed().joined(separator: "\n"), source: lead.source, utm: lead.utm, cameFromAd: lead.utm.source == "meta_ads",
            fullContactDetails: lead.source == "webform" && contact.phone != nil && contact.email != nil,
            previousLeads: history.count, previousWins: history.filter { $0.status == .won }.count
        )
        return Reading(lead: lead, contact: contact, texts: texts, history: history, input: input)
    }

    static func rules(_ settings: ClinicSettings) -> RuleScorer {
        RuleScorer(vocabulary: ScoringVocabulary.standard.adding(settings.vocabulary))
    }

    /// Records `score` on `lead` (the open lead as it is now, read in `transaction`); returns the lead as saved.
    @discardableResult
    func record(
        _ score: LeadScore, reading: Reading, lead: Lead, clinic: Clinic, settings: ClinicSettings, origin: Origin, at now: Date,
        on transaction: any Database
    ) async throws -> Lead {
        // Triage reads the latest few messages: a red flag from last week is not today's emergency.
        let triage = Triage().assess(reading.texts.prefix(3).joined(separator: "\n"))
        let assessment = LeadAssessment(score: score, triage: triage)
        let (clinicID, contact, assigner) = (clinic.id, reading.contact, LeadAssigner(components: components))
        var updated = lead
        updated.score = assessment.score.score
        updated.temperature = assessment.score.temperature
        updated.urgent = lead.urgent || triage.isUrgent  // cleared by a person, not by a calmer message
        updated.language = lead.language ?? LanguageGuess.guess(reading.input.text)
        updated.scoredAt = now
        if updated.procedure == nil { updated.procedure = assessment.score.procedure }
        let becameUrgent = triage.isUrgent && !lead.urgent
        let becameHot = assessment.score.temperature == .hot && lead.temperature != .hot
        // An unowned lead is routed and assigned here, so the HOT or urgent task below already goes to its owner.
        var assignment: LeadAssigner.Decision?
        if updated.ownerID == nil {
            let decision = try await assigner.decide(updated, clinic: clinic, at: now, settings: settings, otherLeads: reading.history, on: transaction)
            updated.department = decision.department
            updated.ownerID = decision.ownerID
            assignment = decision
        }
        try await components.leads.save(updated, on: transaction)
        try await components.scoring.record(assessment.score, leadID: lead.id, clinicID: clinicID, on: transaction)
        try await append("lead.scored", CRMEvents.LeadScored(leadID: lead.id, score: assessment.score), key: "lead.scored:\(origin.key)", lead, origin, transaction)
        if becameUrgent {
            try await append("lead.triage_flagged", CRMEvents.TriageFlagged(leadID: lead.id, flags: triage.flags), key: "triage:\(lead.id)", lead, origin, transaction)
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
                    try CRMActivityJob.request(.init(activity: .hubspotHotLead, contactID: lead.contactID, leadID: lead.id), clinicID: clinicID, key: "\(lead.id)", correlationID: origin.correlationID),
                    on: transaction
                )
            }
        }
        if let assignment {
            // A lead left in the pool is tried again with each message (someone may be working by
            // then), but the timeline says it was pooled only once.
            let key = assignment.ownerID == nil ? "lead.pooled:\(lead.id.text(lowercase: true))" : "assign:\(origin.key)"
            try await assigner.record(assignment, lead: updated, at: now, correlationID: origin.correlationID, key: key, on: transaction)
        }
        return updated
    }

    private func append<Payload: Encodable>(_ type: String, _ payload: Payload, key: String, _ lead: Lead, _ origin: Origin, _ database: any Database) async throws {
        try await components.events.appendLater(
            try EventDraft(clinicID: lead.clinicID, stream: Contact.stream(lead.contactID), type: type, encoding: payload,
                           correlationID: origin.correlationID, causationID: origin.causationID, idempotencyKey: key),
            on: database
        )
    }
}
