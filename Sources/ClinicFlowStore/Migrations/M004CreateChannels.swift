import FluentKit
import SQLKit

/// Channels: a clinic's connections to providers. `credentials` is AES-GCM ciphertext (`SecretBox`).
struct M004CreateChannels: AsyncMigration {
    var name: String { "004-create-channels" }

    func prepare(on database: any Database) async throws {
        try await database.schema("channels")
            .id()
            .field("clinic_id", .uuid, .required, .references("clinics", "id", onDelete: .cascade))
            .field("provider", .string, .required)
            .field("name", .string, .required)
            .field("business_number", .string)
            .field("business_account_id", .string)
            .field("department", .string)
            .field("settings", .string, .required)
            .field("credentials", .data, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.sql.raw("CREATE INDEX channels_clinic ON channels (clinic_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("channels").delete()
    }
}
