import ClinicFlowDomain
import ClinicFlowEngine
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation
import Vapor

/// Replies from the console or API, takeover and hand-back, and the assistant's settings.
enum AssistantEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/conversations/{conversationID}/messages", operationID: "sendMessage",
            summary: "Reply in the conversation through the outbox. The assistant pauses for this conversation (takeover). 422 when the contact opted out or WhatsApp's 24-hour window has closed and the clinic has no template. Send an Idempotency-Key header to make retries safe.",
            tag: "conversations", access: .clinic(.consultant), requestBody: SendMessageRequest.self, successStatus: .accepted, response: MessageDTO.self
        ) { context in
            let conversation = try await ConversationEndpoints.conversation(context)
            let body = try context.decode(SendMessageRequest.self)
            let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, text.count <= 4096 else { throw Abort(.unprocessableEntity, reason: "text must be 1 to 4,096 characters") }
            let engine = context.services.engine
            let clinic = try context.requiredClinic
            guard let channel = try await engine.channels.find(id: conversation.channelID), MessageSenders.canSend(channel.provider) else {
                throw Abort(.unprocessableEntity, reason: "this conversation's channel cannot send messages")
            }
            let settings = try await engine.scoring.assistantSettings(clinicID: clinic.id)
            let lead = try await engine.leads.openLead(contactID: conversation.contactID)
            let decision = OutboundPolicy(provider: channel.provider, settings: settings, timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt).decide(
                purpose: .reply, optedOut: try await engine.consent.isOptedOut(contactID: conversation.contactID), lastInbound: conversation.lastInboundAt,
                language: lead?.language, now: Date()
            )
            if case .refuse(let reason) = decision { throw Abort(.unprocessableEntity, reason: "not sent: \(reason)") }
            let user = try context.principalUser
            let key = context.request.headers.first(name: "Idempotency-Key").map { "api:\(clinic.id):\($0.prefix(100))" } ?? "api:\(UUID().uuidString)"
            let queued = try await engine.store.db.withTransaction { database -> Message? in
                if try await engine.conversations.setHumanTakeover(true, conversationID: conversation.id, clinicID: clinic.id, on: database) {
                    try await takeoverEvent(true, conversation: conversation, user: user, engine: engine, on: database)
                }
                return try await Outbox(components: engine).enqueue(
                    .init(conversation: conversation, text: text, purpose: .reply, author: "user:\(user.id.text(lowercase: true))", key: key,
                          correlationID: context.request.headers.first(name: "X-Correlation-ID")),
                    on: database
                )
            }
            guard let message = queued else { throw Abort(.conflict, reason: "a message with this Idempotency-Key was already sent") }
            return try context.json(MessageDTO(message), status: .accepted)
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/conversations/{conversationID}/takeover", operationID: "takeOverConversation",
            summary: "A person takes over: the assistant stays quiet in this conversation until handed back.", tag: "conversations",
            access: .clinic(.consultant), response: ConversationDTO.self
        ) { context in
            try await setTakeover(true, context)
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/conversations/{conversationID}/handback", operationID: "handBackConversation",
            summary: "Hand the conversation back to the assistant, which resumes from what it knows.", tag: "conversations",
            access: .clinic(.consultant), response: ConversationDTO.self
        ) { context in
            try await setTakeover(false, context)
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/settings/assistant", operationID: "getAssistantSettings",
            summary: "The assistant: on or off, templates or LLM, price list, WhatsApp templates, quiet hours.", tag: "settings",
            access: .clinic(.clinicAdmin), response: AssistantSettingsDTO.self
        ) { context in
            try context.json(AssistantSettingsDTO(try await context.services.engine.scoring.assistantSettings(clinicID: try context.requiredClinic.id)))
        },
        APIEndpoint(
            method: .PUT, path: "/clinics/{clinicID}/settings/assistant", operationID: "putAssistantSettings",
            summary: "Replace the assistant's settings. The LLM mode uses the endpoint configured in the scoring settings.", tag: "settings",
            access: .clinic(.clinicAdmin), requestBody: AssistantSettingsDTO.self, response: AssistantSettingsDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let settings: AssistantSettings
            do { settings = try context.decode(AssistantSettingsDTO.self).settings() } catch let problem as ValidationProblem {
                throw Abort(.unprocessableEntity, reason: problem.reason)
            }
            try await context.services.engine.scoring.saveAssistantSettings(settings, clinicID: clinic.id)
            return try context.json(AssistantSettingsDTO(try await context.services.engine.scoring.assistantSettings(clinicID: clinic.id)))
        },
    ]

    static func setTakeover(_ takeover: Bool, _ context: APIContext) async throws -> Response {
        let conversation = try await ConversationEndpoints.conversation(context)
        let engine = context.services.engine
        let user = try context.principalUser
        try await engine.store.db.withTransaction { database in
            guard try await engine.conversations.setHumanTakeover(takeover, conversationID: conversation.id, clinicID: conversation.clinicID, on: database) else { return }
            if !takeover, let state = try await engine.conversations.assistantState(conversationID: conversation.id, on: database) {
                try await engine.conversations.saveAssistantState(state.resumed(), conversationID: conversation.id, on: database)
            }
            try await takeoverEvent(takeover, conversation: conversation, user: user, engine: engine, on: database)
        }
        guard let updated = try await engine.conversations.find(id: conversation.id, clinicID: conversation.clinicID) else {
            throw Abort(.notFound, reason: "no conversation \(conversation.id)")
        }
        return try context.json(ConversationDTO(updated))
    }

    static func takeoverEvent(_ takeover: Bool, conversation: Conversation, user: User, engine: EngineComponents, on database: any Database) async throws {
        try await engine.events.append(
            try EventDraft(
                clinicID: conversation.clinicID, stream: Contact.stream(conversation.contactID), type: takeover ? "assistant.taken_over" : "assistant.handed_back",
                encoding: AssistantEvents.TakeoverChanged(conversationID: conversation.id, humanTakeover: takeover, by: user.id), occurredAt: Date()
            ),
            on: database
        )
    }
}
