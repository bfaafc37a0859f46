import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

extension EngineComponents {
    /// Moves an open lead forward to `stageKey` (a booking → MEETING_SCHEDULED), never backwards and
    /// never out of a closed lead. Returns the moved lead, or nil when it stays where it is; the
    /// caller records the event with its own idempotency key.
    func advance(_ lead: Lead, to stageKey: String, at date: Date, on database: any Database) async throws -> Lead? {
        let pipeline = try await pipelines.pipeline(clinicID: lead.clinicID, on: database)
        guard lead.status == .open, let target = pipeline.stages.firstIndex(where: { $0.key == stageKey }),
            let current = pipeline.stages.firstIndex(where: { $0.key == lead.stage }), target > current
        else { return nil }
        var moved = lead
        moved.stage = stageKey
        moved.stageEnteredAt = date
        // Entering a won or lost stage closes the lead, as a move in the console does.
        moved.status = LeadStatus(pipeline.stages[target].outcome)
        if moved.status != .open { moved.closedAt = date }
        try await leads.save(moved, on: database)
        return moved
    }
}
