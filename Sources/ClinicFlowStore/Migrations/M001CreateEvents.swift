import FluentKit
import SQLKit

/// The append-only audit trail. `id` is an auto-increment position so feeds can resume from it.
struct M001CreateEvents: AsyncMigration {
    var name: String { "001-create-events" }

    func prepare(on database: any Database) async throws {
        try await database.schema("events")
            .field("id", .int64, .identifier(auto: true))
            .field("idempotency_key", .string, .required)
            .field("clinic_id", .uuid)
            .field("stream", .string, .required)
            .field("type", .string, .required)
            .field("payload", .string, .required)
            .field("occurred_at", .datetime, .required)
            .field("recorded_at", .datetime, .required)
            .field("correlation_id", .string)
            .field("causation_id", .string)
            .unique(on: "idempotency_key", name: "events_idempotency_key")
            .create()
        let sql = database.sql
        try await sql.raw("CREATE INDEX events_stream ON events (stream, id)").run()
        try await sql.raw("CREATE INDEX events_clinic ON events (clinic_id, id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("events").delete()
    }
}
