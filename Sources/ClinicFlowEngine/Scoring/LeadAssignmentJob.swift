import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

/// `lead.assign`: routes an unowned lead to a department and assigns it round-robin (or back to a
/// returning contact's previous owner), recording the decision and its reason on the timeline.
public struct LeadAssignmentJob: Sendable {
    public static let kind = "lead.assign"

    public struct Payload: Codable, Sendable, Equatable {
        public var leadID: UUID
        public init(leadID: UUID) { self.leadID = leadID }
    }

    let components: EngineComponents
    let policy = AssignmentPolicy()

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
        let components = self.components
        let policy = self.policy
        let now = context.queue.now
        try await components.store.db.transaction { transaction in
            guard var lead = try await components.leads.find(id: leadID, clinicID: clinicID, on: transaction), lead.ownerID == nil, lead.status == .open else {
                return
            }
            let (settings, _) = try await components.scoring.settings(clinicID: clinicID, on: transaction)
            let route = settings.routing.department(channel: lead.department, procedure: lead.procedure, language: lead.language)
            let members = try await components.access.consultants(clinicID: clinicID, openLeads: [:], on: transaction)
            let counts = try await components.leads.openCounts(owners: members.map(\.id), on: transaction)
            let consultants = members.map { member in var copy = member; copy.openLeads = counts[member.id] ?? 0; return copy }
            let previousOwner = try await components.leads.leads(contactID: lead.contactID, clinicID: clinicID, on: transaction)
                .first { $0.id != lead.id && $0.ownerID != nil }?.ownerID
            let decision = policy.assign(
                department: route.department, consultants: consultants, previousOwner: previousOwner, at: now,
                timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt
            )
            lead.department = route.department
            lead.ownerID = decision.ownerID
            try await components.leads.save(lead, on: transaction)
            let reason = "\(route.reason); \(decision.reason)"
            if let owner = decision.ownerID {
                try await components.access.markAssigned(owner, at: now, on: transaction)
                try await components.scoring.notify(
                    clinicID: clinicID, userID: owner, leadID: lead.id, kind: "assigned", title: "New lead assigned to you", key: "assigned:\(lead.id):\(owner)", on: transaction
                )
            }
            try await components.events.append(
                try EventDraft(
                    clinicID: clinicID, stream: Contact.stream(lead.contactID), type: decision.ownerID == nil ? "lead.pooled" : "lead.assigned",
                    encoding: CRMEvents.LeadAssigned(leadID: lead.id, ownerID: decision.ownerID, previousOwnerID: nil, by: nil, reason: reason),
                    correlationID: context.job.correlationID, idempotencyKey: "assign:\(context.job.id.uuidString.lowercased())"
                ),
                on: transaction
            )
        }
    }
}
