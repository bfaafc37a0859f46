import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

/// `lead.assign`: routes an unowned lead to a department and assigns it round-robin (or back to a
/// returning contact's previous owner), recording the decision and its reason on the timeline.
/// `lead.score` now assigns in the transaction that records the score (one job and transaction less
/// per lead); this job stays registered for `lead.assign` jobs queued before that.
public struct LeadAssignmentJob: Sendable {
    public static let kind = "lead.assign"

    public struct Payload: Codable, Sendable, Equatable {
        public var leadID: UUID
        public init(leadID: UUID) { self.leadID = leadID }
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload.leadID, context: context)
        }
    }

    func run(_ leadID: UUID, context: JobContext) async throws {
        guard let clinicID = context.job.clinicID, let clinic = try await components.clinics.find(id: clinicID) else {
            throw PermanentJobError("the clinic of lead \(leadID) no longer exists")
        }
        let (components, assigner) = (self.components, LeadAssigner(components: components))
        let now = context.queue.now
        try await components.store.db.withTransaction { transaction in
            guard var lead = try await components.leads.find(id: leadID, clinicID: clinicID, on: transaction), lead.ownerID == nil, lead.status == .open else {
                return
            }
            let decision = try await assigner.decide(lead, clinic: clinic, at: now, on: transaction)
            lead.department = decision.department
            lead.ownerID = decision.ownerID
            try await components.leads.save(lead, on: transaction)
            try await assigner.record(
                decision, lead: lead, at: now, correlationID: context.job.correlationID,
                key: "assign:\(context.job.id.text(lowercase: true))", on: transaction
            )
        }
    }
}
