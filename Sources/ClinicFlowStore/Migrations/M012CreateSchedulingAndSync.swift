import FluentKit
import SQLKit

/// Practitioners' calendar address and exceptions, appointment types and external ids (Cal.com),
/// scheduling settings, deposits on leads, a message's own template, and the CRM sync links.
struct M012CreateSchedulingAndSync: AsyncMigration {
    var name: String { "012-create-scheduling-and-sync" }

    func prepare(on database: any Database) async throws {
        for (table, name, type) in Self.columns {
            try await database.schema(table).field(.definition(name: .key(.string(name)), dataType: type, constraints: [])).update()
        }
        try await database.schema("sync_links")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("contact_id", .uuid, .required, .references("contacts", "id", onDelete: .cascade))
            .field("system", .string, .required)
            .field("external_id", .string)
            .field("content_hash", .string)
            .field("synced_at", .datetime, .required)
            .create()
        let sql = database.sql
        try await sql.raw("CREATE UNIQUE INDEX sync_links_contact ON sync_links (contact_id, system)").run()
        // A Cal.com booking is one appointment however often its webhook arrives.
        try await sql.raw("CREATE UNIQUE INDEX appointments_external ON appointments (clinic_id, external_id)").run()
        try await sql.raw("CREATE INDEX consent_kind ON consent_events (clinic_id, kind, created_at)").run()
    }

    static let columns: [(String, String, DatabaseSchema.DataType)] = [
        ("practitioners", "email", .string), ("practitioners", "exceptions", .string),
        ("appointments", "external_id", .string), ("appointments", "appointment_type", .string), ("appointments", "procedure", .string),
        ("clinic_settings", "scheduling", .string), ("leads", "deposit_minor", .int64), ("messages", "template", .string),
    ]

    func revert(on database: any Database) async throws {
        try await database.schema("sync_links").delete()
        try await database.sql.raw("DROP INDEX appointments_external").run()
        try await database.sql.raw("DROP INDEX consent_kind").run()
        for (table, name, _) in Self.columns {
            try await database.schema(table).deleteField(.key(.string(name))).update()
        }
    }
}
