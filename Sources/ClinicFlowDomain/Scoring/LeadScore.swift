import Foundation

public enum Temperature: String, Sendable, Codable, CaseIterable {
    case hot = "HOT", warm = "WARM", cold = "COLD", unqualified = "UNQUALIFIED"
}

public enum Urgency: String, Sendable, Codable, CaseIterable {
    /// No timing said.
    case none
    /// Wants it soon (today, this week).
    case soon
    /// A medical red flag: a person must look now.
    case urgent
}

/// A scorer's verdict on a lead, with its reasons so a consultant can see why.
public struct LeadScore: Sendable, Equatable, Codable {
    /// 1 (not a patient) to 5 (ready to book).
    public var score: Int
    public var temperature: Temperature
    /// 0–1: how sure the scorer is.
    public var confidence: Double
    public var reasons: [String]
    public var procedure: String?
    public var budgetMentioned: Bool
    public var urgency: Urgency
    /// `rules` or `llm:<model>`.
    public var scorer: String
    /// Set when the LLM was asked but the rules answered: why.
    public var fallbackReason: String?

    public init(
        score: Int, temperature: Temperature, confidence: Double, reasons: [String], procedure: String? = nil,
        budgetMentioned: Bool = false, urgency: Urgency = .none, scorer: String, fallbackReason: String? = nil
    ) {
        self.score = min(5, max(1, score))
        self.temperature = temperature
        self.confidence = min(1, max(0, confidence))
        self.reasons = reasons
        self.procedure = procedure
        self.budgetMentioned = budgetMentioned
        self.urgency = urgency
        self.scorer = scorer
        self.fallbackReason = fallbackReason
    }
}

/// What a scorer looks at. The text is the person's own words (recent inbound messages, the form).
public struct ScoringInput: Sendable, Equatable {
    public var text: String
    /// Provider the lead came through (`meta`, `webform`, …).
    public var source: String?
    public var utm: UTM
    /// A click-to-WhatsApp ad or similar referral.
    public var cameFromAd: Bool
    /// The form gave both a phone and an email.
    public var fullContactDetails: Bool
    /// The person had a lead before (returning patient or second try).
    public var previousLeads: Int
    /// Of which won: a returning patient.
    public var previousWins: Int

    public init(
        text: String, source: String? = nil, utm: UTM = .init(), cameFromAd: Bool = false, fullContactDetails: Bool = false,
        previousLeads: Int = 0, previousWins: Int = 0
    ) {
        self.text = text
        self.source = source
        self.utm = utm
        self.cameFromAd = cameFromAd
        self.fullContactDetails = fullContactDetails
        self.previousLeads = previousLeads
        self.previousWins = previousWins
    }
}
