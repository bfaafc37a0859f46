import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

/// Routes an unowned lead to a department and picks its owner (round robin, or back to a returning
/// contact's previous owner), inside the caller's transaction. Used by `lead.score`, which assigns
/// in the transaction that records the score, and by `lead.assign` (jobs queued by older versions).
struct LeadAssigner: Sendable {
    struct Decision: Sendable {
        var department: String?
        var ownerID: UUID?
        var reason: String
    }

    let components: EngineComponents
    let policy = AssignmentPolicy()

    /// Reads what the decision needs; writes nothing. A caller that already read the clinic's
    /// settings or the contact's other leads (whose previous owner wins the lead back) passes them.
    func decide(
        _ lead: Lead, clinic: Clinic, at now: Date, settings: ClinicSettings? = nil, otherLeads: [Lead]? = nil, on database: any Database
    ) async throws -> Decision {
        let routing: RoutingRules
        if let settings { routing = settings.routing } else { routing = try await components.scoring.settings(clinicID: clinic.id, on: database).0.routing }
        let route = routing.department(channel: lead.department, procedure: lead.procedure, language: lead.language)
        let members = try await components.access.consultants(clinicID: clinic.id, openLeads: [:], on: database)
        let counts = try await components.leads.openCounts(owners: members.map(\.id), on: database)
        let consultants = members.map { member in var copy = member; copy.openLeads = counts[member.id] ?? 0; return copy }
        let others: [Lead]
        if let otherLeads { others = otherLeads } else { others = try await components.leads.leads(contactID: lead.contactID, clinicID: clinic.id, on: database) }
        let previousOwner = others.first { $0.id != lead.id && $0.ownerID != nil }?.ownerID
        let outcome = policy.assign(
            department: route.department, consultants: consultants, previousOwner: previousOwner, at: now,
            timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt
        )
        return Decision(department: route.department, ownerID: outcome.ownerID, reason: "\(route.reason); \(outcome.reason)")
    }

    /// After the lead was saved with the decision: the owner's round-robin turn, their notification,
    /// and the `lead.assigned` (or `lead.pooled`) event under `key`.
    func record(_ decision: Decision, lead: Lead, at now: Date, correlationID: String?, key: String, on database: any Database) async throws {
        if let owner = decision.ownerID {
            try await components.access.markAssigned(owner, at: now, on: database)
            try await components.scoring.notify(
                clinicID: lead.clinicID, userID: owner, leadID: lead.id, kind: "assigned", title: "New lead assigned to you", key: "assigned:\(lead.id):\(owner)", on: database
            )
        }
        try await components.events.appendLater(
            try EventDraft(
                clinicID: lead.clinicID, stream: Contact.stream(lead.contactID), type: decision.ownerID == nil ? "lead.pooled" : "lead.assigned",
                encoding: CRMEvents.LeadAssigned(leadID: lead.id, ownerID: decision.ownerID, previousOwnerID: nil, by: nil, reason: decision.reason),
                correlationID: correlationID, idempotencyKey: key
            ),
            on: database
        )
    }
}
