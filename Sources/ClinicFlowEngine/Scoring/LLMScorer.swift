import ClinicFlowDomain
import ClinicFlowProviders
import Foundation

/// Scores with an OpenAI-compatible model, asking for JSON that follows a schema and checking what
/// comes back; on any failure (timeout, HTTP error, invalid JSON, open circuit) the rule scorer
/// answers instead and the reason is kept with the score.
public struct LLMScorer: Sendable {
    let client: ChatCompletionsClient
    let breaker: CircuitBreaker

    public init(client: ChatCompletionsClient = ChatCompletionsClient(), breaker: CircuitBreaker) {
        self.client = client
        self.breaker = breaker
    }

    static let system = """
        You score leads for a dental and aesthetic clinic from what the person wrote. Answer only with JSON.
        score: 1 (not a patient: job seekers, suppliers, wrong numbers) to 5 (ready to book now).
        temperature: HOT (wants to book or pay soon), WARM (interested, asking prices or details), COLD (no intent yet), UNQUALIFIED (not a patient).
        urgency: urgent only for medical red flags (bleeding, swelling, fever, severe pain, breathing difficulty, trauma, infection), soon when they want it soon, else none.
        reasons: short phrases in English. procedure: the treatment they ask about, or null. Names, phones and emails are masked.
        """

    static var schema: [String: Any] {[
        "type": "object",
        "additionalProperties": false,
        "required": ["score", "temperature", "confidence", "reasons", "procedure", "budget_mentioned", "urgency"],
        "properties": [
            "score": ["type": "integer", "minimum": 1, "maximum": 5],
            "temperature": ["type": "string", "enum": Temperature.allCases.map(\.rawValue)],
            "confidence": ["type": "number", "minimum": 0, "maximum": 1],
            "reasons": ["type": "array", "items": ["type": "string"]],
            "procedure": ["type": ["string", "null"]],
            "budget_mentioned": ["type": "boolean"],
            "urgency": ["type": "string", "enum": Urgency.allCases.map(\.rawValue)],
        ],
    ]}

    struct Answer: Decodable {
        var score: Int
        var temperature: Temperature
        var confidence: Double
        var reasons: [String]
        var procedure: String?
        var budget_mentioned: Bool
        var urgency: Urgency
    }

    /// - Parameter names: the contact's names, masked out of the prompt.
    public func score(_ input: ScoringInput, names: [String], endpoint: ChatCompletionsClient.Endpoint, fallback: RuleScorer) async -> LeadScore {
        func fallingBack(_ reason: String) -> LeadScore {
            var score = fallback.score(input)
            score.fallbackReason = reason
            return score
        }
        let key = endpoint.url
        if let refusal = breaker.refusal(for: key) { return fallingBack(refusal) }
        let prompt = """
            Channel: \(input.source ?? "unknown"). Campaign: \(input.utm.medium ?? "none")/\(input.utm.campaign ?? "none"). \
            From an ad: \(input.cameFromAd). Previous leads: \(input.previousLeads), won: \(input.previousWins).
            Messages:
            \(PromptMasking.mask(input.text, names: names))
            """
        let content: String
        do {
            content = try await client.complete(system: Self.system, user: prompt, schemaName: "lead_score", schema: Self.schema, endpoint: endpoint)
        } catch {
            breaker.recordFailure(key)
            return fallingBack(error.description)
        }
        guard let answer = try? JSONCoding.plainDecoder.decode(Answer.self, from: Data(content.utf8)) else {
            breaker.recordFailure(key)
            return fallingBack("the answer was not JSON of the requested shape")
        }
        guard (1...5).contains(answer.score), (0...1).contains(answer.confidence) else {
            breaker.recordFailure(key)
            return fallingBack("the answer was out of range (score \(answer.score), confidence \(answer.confidence))")
        }
        breaker.recordSuccess(key)
        return LeadScore(
            score: answer.score, temperature: answer.temperature, confidence: answer.confidence,
            reasons: answer.reasons.isEmpty ? ["no reason given"] : Array(answer.reasons.prefix(8)), procedure: answer.procedure,
            budgetMentioned: answer.budget_mentioned, urgency: answer.urgency, scorer: "llm:\(endpoint.model)"
        )
    }
}

extension ChatCompletionsClient.Endpoint {
    /// The clinic's endpoint when it turned the LLM on and named one; nil otherwise.
    init?(_ settings: LLMSettings, apiKey: String?) {
        guard settings.enabled, let base = settings.baseURL, let model = settings.model else { return nil }
        self.init(baseURL: base, apiKey: apiKey, model: model, timeout: settings.timeoutSeconds)
    }
}
