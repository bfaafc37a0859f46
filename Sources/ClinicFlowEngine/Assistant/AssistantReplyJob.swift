import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// `assistant.reply`: the assistant's answer to one inbound message. It stays quiet when a person has
/// taken over, the lead is closed, the contact opted out or the clinic turned it off; after a medical
/// red flag it sends the safety message once and hands over. Otherwise the reply generator (templates,
/// or the clinic's LLM grounded in its knowledge base) answers, and the new state, stage events,
/// booking, hand-off task and the reply (through the outbox) are written in one transaction
/// (`AssistantResponse`). Without an LLM the intake usually answers at once and queues no job.
public struct AssistantReplyJob: Sendable {
    public static let kind = "assistant.reply"

    public struct Payload: Codable, Sendable, Equatable {
        public var messageID: UUID
        public init(messageID: UUID) { self.messageID = messageID }
    }

    let components: EngineComponents
    let llm: LLMAssistant

    public init(components: EngineComponents, llm: LLMAssistant) {
        self.components = components
        self.llm = llm
    }

    public static func request(messageID: UUID, clinicID: UUID, correlationID: String?) throws -> JobRequest {
        try JobRequest(
            kind: kind, encoding: Payload(messageID: messageID), idempotencyKey: "\(kind):\(messageID.text(lowercase: true))", clinicID: clinicID,
            correlationID: correlationID
        )
    }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload.messageID, context: context)
        }
    }

    func run(_ messageID: UUID, context: JobContext) async throws {
        let response = AssistantResponse(components: components)
        let db = components.store.db
        guard let inbound = try await components.conversations.message(id: messageID),
            let clinic = try await components.clinics.find(id: inbound.clinicID),
            let conversation = try await components.conversations.find(id: inbound.conversationID, clinicID: inbound.clinicID)
        else { return }
        let settings = try await components.scoring.assistantSettings(clinicID: clinic.id)
        guard let reading = try await response.read(inbound, clinic: clinic, conversation: conversation, settings: settings, at: context.queue.now, on: db) else {
            return
        }
        // One read of the clinic's scoring settings: its words for the facts, its endpoint for the LLM.
        let (scoring, apiKey) = try await components.scoring.settings(clinicID: clinic.id)
        var answer: (@Sendable (AssistantResponse.Draft) async throws -> (AssistantTurn, generator: String))?
        if settings.useLLM, let endpoint = ChatCompletionsClient.Endpoint(scoring.llm, apiKey: apiKey) {
            let (components, llm, logger) = (self.components, self.llm, context.logger)
            answer = { draft in
                let history = try await components.conversations.messages(conversationID: conversation.id, clinicID: clinic.id, limit: 500)
                let articles = try await components.knowledge.search(reading.text, clinicID: clinic.id, limit: 4)
                let answer = await llm.respond(
                    to: reading.text, history: Array(history.suffix(12)), state: draft.state, context: draft.context, articles: articles, names: [],
                    endpoint: endpoint, fallback: draft.template
                )
                guard let reason = answer.fallbackReason else { return (answer.turn, "llm:\(endpoint.model)") }
                logger.warning("assistant fell back to templates", metadata: ["reason": .string(reason)])
                return (answer.turn, "template (llm fallback: \(reason))")
            }
        }
        guard let (turn, generator) = try await response.compose(reading, scoring: scoring, on: db, answer: answer) else { return }
        let correlationID = context.job.correlationID
        try await db.withTransaction { database in
            try await response.record(turn, reading: reading, generator: generator, correlationID: correlationID, recheckState: true, on: database)
        }
    }
}
