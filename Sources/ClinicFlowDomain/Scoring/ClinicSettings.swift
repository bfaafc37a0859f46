import Foundation

/// A clinic's own scoring words, routing rules and LLM choice.
public struct ClinicSettings: Sendable, Equatable, Codable {
    /// Added to the standard vocabulary.
    public var vocabulary: ScoringVocabulary
    public var routing: RoutingRules
    public var llm: LLMSettings

    public init(vocabulary: ScoringVocabulary = .empty, routing: RoutingRules = .init(), llm: LLMSettings = .init()) {
        self.vocabulary = vocabulary
        self.routing = routing
        self.llm = llm
    }
}

/// An OpenAI-compatible endpoint for scoring (OpenAI, Groq, Ollama, vLLM). Off unless the clinic turns
/// it on: turning it on is the clinic's decision to send patients' messages to that endpoint. Names,
/// phone numbers and emails are masked in every prompt all the same.
public struct LLMSettings: Sendable, Equatable, Codable {
    public var enabled: Bool
    /// E.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`.
    public var baseURL: String?
    public var model: String?
    public var timeoutSeconds: Double

    public init(enabled: Bool = false, baseURL: String? = nil, model: String? = nil, timeoutSeconds: Double = 8) {
        self.enabled = enabled
        self.baseURL = baseURL
        self.model = model
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Hides names, phone numbers and emails before text leaves the installation.
public enum PromptMasking {
    public static func mask(_ text: String, names: [String]) -> String {
        var out = text
        // Emails first (they contain digits that would otherwise look like phones).
        out = out.replacingOccurrences(of: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#, with: "[EMAIL]", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\+?\d[\d\s().-]{6,}\d"#, with: "[PHONE]", options: .regularExpression)
        for name in names {
            for part in name.split(whereSeparator: \.isWhitespace) where part.count >= 3 {
                out = out.replacingOccurrences(of: String(part), with: "[NAME]", options: [.caseInsensitive, .diacriticInsensitive])
            }
        }
        return out
    }
}
