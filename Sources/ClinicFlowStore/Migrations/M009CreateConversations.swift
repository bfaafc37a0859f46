import FluentKit
import SQLKit

/// Conversations (one per contact per channel) and their messages.
struct M009CreateConversations: AsyncMigration {
    var name: String { "009-create-conversations" }

    func prepare(on database: any Database) async throws {
        try await database.schema("conversations")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id", onDelete: .cascade))
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("external_id", .string)
            .field("status", .string, .required)
            .field("last_inbound_at", .datetime)
            .field("last_outbound_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "channel_id", "contact_id", name: "conversations_channel_contact")
            .create()
        try await database.schema("messages")
            .id()
            .field("clinic_id", .uuid, .required)
            .field("conversation_id", .uuid, .required, .references("conversations", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required)
            .field("channel_id", .uuid, .required)
            .field("direction", .string, .required)
            .field("provider_message_id", .string)
            .field("body", .string)
            .field("media_kind", .string)
            .field("status", .string, .required)
            .field("author", .string, .required)
            .field("sent_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "channel_id", "provider_message_id", name: "messages_channel_provider_id")
            .create()
        let sql = database.sql
        try await sql.raw("CREATE INDEX conversations_clinic_updated ON conversations (clinic_id, updated_at)").run()
        try await sql.raw("CREATE INDEX messages_conversation_sent ON messages (conversation_id, sent_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("messages").delete()
        try await database.schema("conversations").delete()
    }
}
