import FluentKit
import SQLKit

/// Raw webhook deliveries, exactly as received, stored once per (channel, provider dedupe key).
struct M005CreateDeliveries: AsyncMigration {
    var name: String { "005-create-deliveries" }

    func prepare(on database: any Database) async throws {
        try await database.schema("deliveries")
            .id()
            .field("clinic_id", .uuid, .required)
            .field("channel_id", .uuid, .required, .references("channels", "id", onDelete: .cascade))
            .field("provider", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("event_type", .string)
            .field("media_type", .string)
            .field("body", .data, .required)
            .field("correlation_id", .string)
            .field("received_at", .datetime, .required)
            .field("status", .string, .required)
            .field("event_count", .int)
            .field("error", .string)
            .field("processed_at", .datetime)
            .unique(on: "channel_id", "dedupe_key", name: "deliveries_channel_dedupe")
            .create()
        try await database.sql.raw("CREATE INDEX deliveries_clinic_received ON deliveries (clinic_id, received_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("deliveries").delete()
    }
}
