import FluentKit
import SQLKit

/// Pipeline stages per clinic, and leads: at most one open lead per contact.
struct M008CreateLeads: AsyncMigration {
    var name: String { "008-create-leads" }

    func prepare(on database: any Database) async throws {
        try await database.schema("pipeline_stages")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("name", .string, .required)
            .field("outcome", .string, .required)
            .field("position", .int, .required)
            .unique(on: "clinic_id", "key", name: "pipeline_stages_clinic_key")
            .create()
        try await database.schema("leads")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id", onDelete: .cascade))
            .field("stage", .string, .required)
            .field("status", .string, .required)
            .field("owner_id", .uuid)
            .field("department", .string)
            .field("source", .string)
            .field("channel_id", .uuid)
            .field("utm_source", .string)
            .field("utm_medium", .string)
            .field("utm_campaign", .string)
            .field("utm_term", .string)
            .field("utm_content", .string)
            .field("procedure", .string)
            .field("value_minor", .int64)
            .field("currency", .string)
            .field("first_inbound_at", .datetime)
            .field("first_response_at", .datetime)
            .field("stage_entered_at", .datetime, .required)
            .field("closed_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database.sql
        // The rule "one open lead per contact" lives in the database, so two workers cannot both open one.
        try await sql.raw("CREATE UNIQUE INDEX leads_one_open_per_contact ON leads (contact_id) WHERE status = 'open'").run()
        try await sql.raw("CREATE INDEX leads_clinic_stage ON leads (clinic_id, stage, updated_at)").run()
        try await sql.raw("CREATE INDEX leads_contact ON leads (contact_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("leads").delete()
        try await database.schema("pipeline_stages").delete()
    }
}
