/// Whether the AI assistant may answer a conversation, and how.
public enum AssistantGate: Sendable, Equatable {
    /// Free to answer.
    case answer
    /// Only the safety message, once: a medical red flag was seen and a person is coming.
    case safetyMessageOnly(String)
    /// Quiet: a person has taken over, or the lead is closed.
    case silent(reason: String)

    public static func decide(lead: Lead?, humanTakeover: Bool, safetyMessageSent: Bool) -> AssistantGate {
        if humanTakeover { return .silent(reason: "a consultant has taken over") }
        if let lead, lead.urgent {
            return safetyMessageSent
                ? .silent(reason: "urgent: waiting for a person") : .safetyMessageOnly(Triage.safetyMessage(language: lead.language))
        }
        if let lead, lead.status != .open { return .silent(reason: "the lead is closed") }
        return .answer
    }
}
