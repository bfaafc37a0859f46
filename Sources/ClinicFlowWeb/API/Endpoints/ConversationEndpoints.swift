import ClinicFlowDomain
import Foundation
import Vapor

enum ConversationEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/conversations", operationID: "listConversations",
            summary: "Conversations, most recent first.", tag: "conversations", access: .clinic(.viewer),
            query: [.limit, .offset, Parameter(name: "contact_id", schema: .uuid, description: "Only this contact's.")],
            response: Page<ConversationDTO>.self
        ) { context in
            let (limit, offset) = try context.page()
            let result = try await context.services.engine.conversations.list(
                clinicID: try context.requiredClinic.id, contactID: try context.uuidQuery("contact_id"), limit: limit, offset: offset
            )
            return try context.json(Page(items: result.items.map(ConversationDTO.init), total: result.total, limit: limit, offset: offset))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/conversations/{conversationID}", operationID: "getConversation",
            summary: "One conversation.", tag: "conversations", access: .clinic(.viewer), response: ConversationDTO.self
        ) { context in
            try context.json(ConversationDTO(try await conversation(context)))
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/conversations/{conversationID}/messages", operationID: "listMessages",
            summary: "The conversation's messages, oldest first.", tag: "conversations", access: .clinic(.viewer),
            query: [.limit, .offset], response: ItemList<MessageDTO>.self
        ) { context in
            let conversation = try await conversation(context)
            let (limit, offset) = try context.page()
            let messages = try await context.services.engine.conversations.messages(
                conversationID: conversation.id, clinicID: conversation.clinicID, limit: limit, offset: offset
            )
            return try context.json(ItemList(items: messages.map(MessageDTO.init)))
        },
    ]

    static func conversation(_ context: APIContext) async throws -> Conversation {
        let id = try context.id("conversationID")
        guard let conversation = try await context.services.engine.conversations.find(id: id, clinicID: try context.requiredClinic.id) else {
            throw Abort(.notFound, reason: "no conversation \(id)")
        }
        return conversation
    }
}
