import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowTestSupport
import Foundation
import Synchronization
import Testing
import Vapor

/// The LLM scorer against a loopback server speaking the OpenAI chat-completions protocol.
@Suite struct LLMScorerTests {
    enum Mode: Sendable { case good, notJSON, wrongShape, outOfRange, serverError, slow }

    final class Behaviour: Sendable {
        let mode = Mutex(Mode.good)
    }

    static func completion(_ content: String) -> Response {
        LoopbackServer.json(["id": "chatcmpl-1", "object": "chat.completion", "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]]])
    }

    func withServer(_ body: (LoopbackServer, Behaviour) async throws -> Void) async throws {
        let behaviour = Behaviour()
        let server = try await LoopbackServer.start([(.POST, "v1/chat/completions", { _ in
            switch behaviour.mode.withLock({ $0 }) {
            case .good:
                return Self.completion(#"{"score":5,"temperature":"HOT","confidence":0.9,"reasons":["wants to book this week"],"procedure":"implant","budget_mentioned":true,"urgency":"soon"}"#)
            case .notJSON: return Self.completion("Sure! This lead looks hot.")
            case .wrongShape: return Self.completion(#"{"lead":"hot"}"#)
            case .outOfRange: return Self.completion(#"{"score":9,"temperature":"HOT","confidence":0.9,"reasons":[],"procedure":null,"budget_mentioned":false,"urgency":"none"}"#)
            case .serverError: return LoopbackServer.json(["error": ["message": "overloaded"]], status: .internalServerError)
            case .slow:
                try await Task.sleep(for: .seconds(3))
                return Self.completion("{}")
            }
        })])
        do {
            try await body(server, behaviour)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    let input = ScoringInput(text: "Sou a Maria Silva, quero agendar implante essa semana, meu número é (11) 98765-4321, email maria@example.com", source: "meta")

    func endpoint(_ server: LoopbackServer, timeout: TimeInterval = 5) -> ChatCompletionsClient.Endpoint {
        .init(baseURL: server.baseURL + "/v1", apiKey: "sk-test", model: "gpt-test", timeout: timeout)
    }

    @Test func aValidAnswerIsUsedAndTheRequestFollowsTheProtocolWithNamesMasked() async throws {
        try await withServer { server, _ in
            let scorer = LLMScorer(breaker: CircuitBreaker())
            let score = await scorer.score(input, names: ["Maria Silva"], endpoint: endpoint(server), fallback: RuleScorer())
            #expect(score.scorer == "llm:gpt-test")
            #expect(score.score == 5)
            #expect(score.temperature == .hot)
            #expect(score.procedure == "implant")
            #expect(score.fallbackReason == nil)

            let request = try #require(server.requests.first)
            #expect(request.header("Authorization") == "Bearer sk-test")
            #expect(request.header("Content-Type") == "application/json")
            let body = try #require(request.json)
            #expect(body["model"] as? String == "gpt-test")
            let format = try #require(body["response_format"] as? [String: Any])
            #expect(format["type"] as? String == "json_schema")
            #expect((format["json_schema"] as? [String: Any])?["strict"] as? Bool == true)
            let messages = try #require(body["messages"] as? [[String: String]])
            #expect(messages.map { $0["role"] } == ["system", "user"])
            let prompt = messages[1]["content"] ?? ""
            #expect(prompt.contains("quero agendar implante"))
            for secret in ["Maria", "Silva", "98765", "maria@example.com"] { #expect(!prompt.contains(secret), "\(secret) leaked") }
            #expect(prompt.contains("[NAME]") && prompt.contains("[PHONE]") && prompt.contains("[EMAIL]"))
        }
    }

    @Test(arguments: [
        (Mode.notJSON, "the answer was not JSON of the requested shape"),
        (.wrongShape, "the answer was not JSON of the requested shape"),
        (.outOfRange, "the answer was out of range (score 9, confidence 0.9)"),
        (.serverError, "the endpoint answered HTTP 500"),
        (.slow, "no answer within 1 s"),
    ])
    func anyFailureFallsBackToTheRulesWithTheReason(mode: Mode, reason: String) async throws {
        try await withServer { server, behaviour in
            behaviour.mode.withLock { $0 = mode }
            // Only the slow case waits for the timeout; the others get room for a loaded machine.
            let timeout: TimeInterval = mode == .slow ? 1 : 10
            let score = await LLMScorer(breaker: CircuitBreaker()).score(input, names: [], endpoint: endpoint(server, timeout: timeout), fallback: RuleScorer())
            #expect(score.scorer == "rules")
            #expect(score.fallbackReason == reason)
            #expect(score == { var rules = RuleScorer().score(input); rules.fallbackReason = reason; return rules }())
        }
    }

    @Test func theCircuitOpensAfterRepeatedFailuresAndClosesAfterTheCooldown() async throws {
        try await withServer { server, behaviour in
            behaviour.mode.withLock { $0 = .serverError }
            let clock = ManualClock(Date())
            let scorer = LLMScorer(breaker: CircuitBreaker(threshold: 3, cooldown: 60, clock: clock.function))
            for _ in 0..<3 { _ = await scorer.score(input, names: [], endpoint: endpoint(server), fallback: RuleScorer()) }
            let skipped = await scorer.score(input, names: [], endpoint: endpoint(server), fallback: RuleScorer())
            #expect(skipped.fallbackReason?.hasPrefix("the circuit is open") == true)
            #expect(server.requests.count == 3)  // the open circuit made no call

            behaviour.mode.withLock { $0 = .good }
            clock.advance(by: 61)
            let recovered = await scorer.score(input, names: [], endpoint: endpoint(server), fallback: RuleScorer())
            #expect(recovered.scorer == "llm:gpt-test")
            #expect(server.requests.count == 4)
        }
    }
}
