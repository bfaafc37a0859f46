import Foundation

/// Whether a lead is still being worked, derived from its stage's outcome.
public enum LeadStatus: String, Sendable, Codable, CaseIterable {
    case open, won, lost

    public init(_ outcome: PipelineStage.Outcome) {
        switch outcome {
        case .open: self = .open
        case .won: self = .won
        case .lost: self = .lost
        }
    }
}

/// Speed to lead: how long a person waited for the clinic's first answer.
public enum SpeedToLead {
    /// Seconds from the first inbound contact to the first response, or nil while unanswered.
    public static func seconds(firstInbound: Date?, firstResponse: Date?) -> TimeInterval? {
        guard let firstInbound, let firstResponse, firstResponse >= firstInbound else { return nil }
        return firstResponse.timeIntervalSince(firstInbound)
    }
}
