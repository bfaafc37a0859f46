import FluentKit
import SQLKit

/// The assistant's state and human takeover on conversations, the outbox columns on messages,
/// consent, the knowledge base with full-text search, practitioners and appointments, assistant settings.
struct M011CreateAssistantAndOutbox: AsyncMigration {
    var name: String { "011-create-assistant-and-outbox" }

    func prepare(on database: any Database) async throws {
        // One column per ALTER: SQLite adds a single column per statement.
        for (table, name, type) in Self.columns {
            try await database.schema(table).field(.definition(name: .key(.string(name)), dataType: type, constraints: [])).update()
        }
        try await database.schema("consent_events")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("channel_id", .uuid)
            .field("source", .string, .required)
            .field("evidence", .string, .required)
            .field("recorded_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("knowledge_articles")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("folded", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("practitioners")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("active", .bool, .required)
            .field("availability", .string, .required)
            .field("procedures", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("appointments")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id", onDelete: .cascade))
            .field("lead_id", .uuid)
            .field("practitioner_id", .uuid, .required, .references("practitioners", "id", onDelete: .cascade))
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("status", .string, .required)
            .field("source", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database.sql
        try await sql.raw("CREATE UNIQUE INDEX messages_idempotency ON messages (idempotency_key)").run()
        try await sql.raw("CREATE INDEX consent_contact ON consent_events (contact_id, created_at)").run()
        try await sql.raw("CREATE INDEX knowledge_clinic ON knowledge_articles (clinic_id, updated_at)").run()
        try await sql.raw("CREATE INDEX appointments_practitioner ON appointments (practitioner_id, starts_at)").run()
        // Two people cannot hold the same practitioner's time; a cancelled appointment frees it.
        try await sql.raw("CREATE UNIQUE INDEX appointments_no_double_booking ON appointments (practitioner_id, starts_at) WHERE status IN ('booked', 'confirmed')").run()
        if sql.isPostgres {
            try await sql.raw("ALTER TABLE knowledge_articles ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED").run()
            try await sql.raw("CREATE INDEX knowledge_search ON knowledge_articles USING GIN (search)").run()
        } else {
            // Kept in step by KnowledgeRepository in the same transaction as the article.
            try await sql.raw("CREATE VIRTUAL TABLE knowledge_fts USING fts5(folded, article_id UNINDEXED, clinic_id UNINDEXED, tokenize = 'unicode61')").run()
        }
    }

    static let columns: [(String, String, DatabaseSchema.DataType)] = [
        ("conversations", "assistant_state", .string), ("conversations", "assistant_stage", .string), ("conversations", "human_takeover", .bool),
        ("messages", "purpose", .string), ("messages", "idempotency_key", .string), ("messages", "template_name", .string),
        ("messages", "error", .string), ("contacts", "opted_out_at", .datetime), ("clinic_settings", "assistant", .string),
    ]

    func revert(on database: any Database) async throws {
        if !database.sql.isPostgres { try await database.sql.raw("DROP TABLE knowledge_fts").run() }
        for table in ["appointments", "practitioners", "knowledge_articles", "consent_events"] { try await database.schema(table).delete() }
        try await database.sql.raw("DROP INDEX messages_idempotency").run()
        for (table, name, _) in Self.columns {
            try await database.schema(table).deleteField(.key(.string(name))).update()
        }
    }
}
